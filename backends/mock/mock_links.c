/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mock's netdevs, through libnl-route: the PF bridge, the veth pair of
 * each VF, and the shaping of a VF's transmit on its representor.
 *
 * Several processes drive one node (daemon, CNI plugin, tools), so every
 * step tolerates another process having done it first (EEXIST on create,
 * ENODEV on delete).
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/class.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>
#include <stdio.h>
#include <string.h>

#include "mock.h"

/* Alias that marks a bridge as a mock PF, and the VF end of a pair.  The
 * VF end's alias travels with it into a pod, so it stays recognisable. */
#define PF_ALIAS "kube-rdma mock PF"
#define VF_ALIAS_FMT "kube-rdma mock VF %s %u"
/* ffff:0, the ingress qdisc's handle (TC_HANDLE would shift into the
 * sign bit of an int). */
#define INGRESS_HANDLE 0xffff0000u

int mockb_nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* Fill err from a libnl error; returns the errno. */
static int nl_fail(struct kr_backend_pf *pf, int nle, struct kr_err *err,
		   const char *what, const char *dev)
{
	return pf->svc->err_set(err, mockb_nl_errno(nle), "%s %s: %s", what,
				dev, nl_geterror(nle));
}

static void vf_name(const struct kr_backend_pf *pf, char kind, uint32_t vf,
		    char name[KR_IFNAMSIZ])
{
	/* pf_open checked that the longest name fits (name_fits). */
	if (snprintf(name, KR_IFNAMSIZ, "%s%c%u", pf->name, kind, vf) < 0)
		name[0] = '\0';
}

int mockb_nl_open(struct kr_backend_pf *pf, struct kr_err *err)
{
	int r;

	pf->sock = nl_socket_alloc();
	if (!pf->sock)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	r = nl_connect(pf->sock, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(pf->sock);
		pf->sock = NULL;
		return pf->svc->err_set(err, mockb_nl_errno(r),
					"rtnetlink: %s", nl_geterror(r));
	}
	return 0;
}

int mockb_pf_exists(struct nl_sock *sock, const char *name)
{
	struct rtnl_link *link;
	const char *alias, *type;
	int r;

	r = rtnl_link_get_kernel(sock, 0, name, &link);
	if (r < 0)
		return 0;
	alias = rtnl_link_get_ifalias(link);
	type = rtnl_link_get_type(link);
	r = (alias && !strcmp(alias, PF_ALIAS) && type &&
	     !strcmp(type, "bridge")) ? 1 : -EEXIST;
	rtnl_link_put(link);
	return r;
}

/*
 * Change an existing link: IFF_UP when 'up', the master when non-zero, the
 * alias when not NULL (the kernel ignores an alias given at creation).
 */
static int link_change(struct kr_backend_pf *pf, struct rtnl_link *link,
		       int up, int master, const char *alias,
		       struct kr_err *err)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	if (master)
		rtnl_link_set_master(change, master);
	if (alias)
		rtnl_link_set_ifalias(change, alias);
	r = rtnl_link_change(pf->sock, link, change, 0);
	rtnl_link_put(change);
	if (r < 0)
		return nl_fail(pf, r, err, "change",
			       rtnl_link_get_name(link));
	return 0;
}

int mockb_pf_ensure(struct kr_backend_pf *pf, struct kr_err *err)
{
	struct rtnl_link *link;
	int r;

	r = mockb_pf_exists(pf->sock, pf->name);
	if (r < 0)
		return pf->svc->err_set(err, -EEXIST,
					"netdev %s exists and is not a mock "
					"PF", pf->name);
	if (r == 0) {
		link = rtnl_link_alloc();
		if (!link)
			return pf->svc->err_set(err, -ENOMEM, "out of memory");
		rtnl_link_set_name(link, pf->name);
		rtnl_link_set_type(link, "bridge");
		r = rtnl_link_add(pf->sock, link, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(link);
		if (r < 0 && r != -NLE_EXIST)
			return nl_fail(pf, r, err, "create bridge", pf->name);
	}
	r = rtnl_link_get_kernel(pf->sock, 0, pf->name, &link);
	if (r < 0)
		return nl_fail(pf, r, err, "look up", pf->name);
	r = link_change(pf, link, 1, 0, PF_ALIAS, err);
	rtnl_link_put(link);
	return r;
}

void mockb_vf_mac(const struct kr_backend_pf *pf, uint32_t vf, uint8_t mac[6])
{
	mac[0] = 0x02;	/* locally administered, unicast */
	memcpy(&mac[1], pf->mac_prefix, 3);
	mac[4] = (uint8_t)(vf >> 8);
	mac[5] = (uint8_t)vf;
}

static struct nl_addr *mac_addr(const uint8_t mac[6])
{
	return nl_addr_build(AF_LLC, mac, 6);
}

/* Create VF 'vf''s pair and put its representor on bridge 'bridge'. */
static int vf_create(struct kr_backend_pf *pf, int bridge, uint32_t vf,
		     struct kr_err *err)
{
	char vname[KR_IFNAMSIZ], rname[KR_IFNAMSIZ], alias[64];
	struct rtnl_link *veth, *peer, *rep = NULL, *end = NULL;
	struct nl_addr *vaddr = NULL, *raddr = NULL;
	uint8_t mac[6];
	int r, exists;

	vf_name(pf, 'v', vf, vname);
	vf_name(pf, 'r', vf, rname);
	if (!bridge)
		return pf->svc->err_set(err, -ENODEV, "PF bridge %s is gone",
					pf->name);
	veth = rtnl_link_veth_alloc();
	if (!veth)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	peer = rtnl_link_veth_get_peer(veth);
	mockb_vf_mac(pf, vf, mac);
	vaddr = mac_addr(mac);
	mac[0] = 0x06;	/* the representor's twin address */
	raddr = mac_addr(mac);
	if (!vaddr || !raddr) {
		r = pf->svc->err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	snprintf(alias, sizeof(alias), VF_ALIAS_FMT, pf->name, vf);
	rtnl_link_set_name(veth, vname);
	rtnl_link_set_addr(veth, vaddr);
	rtnl_link_set_name(peer, rname);
	rtnl_link_set_addr(peer, raddr);
	r = rtnl_link_add(pf->sock, veth, NLM_F_CREATE | NLM_F_EXCL);
	exists = r == -NLE_EXIST;
	if (r < 0 && !exists) {
		r = nl_fail(pf, r, err, "create VF pair", vname);
		goto out;
	}
	r = rtnl_link_get_kernel(pf->sock, 0, rname, &rep);
	if (r < 0 && exists) {
		/* The pair of a destroyed namespace, still being torn down
		 * (the kernel cleans namespaces up asynchronously): the VF
		 * is in transit, and the next sync creates it. */
		r = pf->svc->err_set(err, -EAGAIN, "VF %s is in transit "
				     "(its old pair is being destroyed)",
				     vname);
		goto out;
	}
	if (r < 0) {
		r = nl_fail(pf, r, err, "look up representor", rname);
		goto out;
	}
	r = link_change(pf, rep, 1, bridge, NULL, err);
	if (r < 0)
		goto out;
	r = rtnl_link_get_kernel(pf->sock, 0, vname, &end);
	if (r < 0) {
		r = nl_fail(pf, r, err, "look up VF", vname);
		goto out;
	}
	r = link_change(pf, end, 0, 0, alias, err);
out:
	if (end)
		rtnl_link_put(end);
	if (rep)
		rtnl_link_put(rep);
	nl_addr_put(vaddr);
	nl_addr_put(raddr);
	rtnl_link_put(peer);
	rtnl_link_put(veth);
	return r;
}

/* Delete a link by name; absent is fine. */
static int link_delete(struct kr_backend_pf *pf, const char *name,
		       struct kr_err *err)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	rtnl_link_set_name(link, name);
	r = rtnl_link_delete(pf->sock, link);
	rtnl_link_put(link);
	if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
		return nl_fail(pf, r, err, "delete", name);
	return 0;
}

/* Deleting the representor takes the VF end with it, wherever it is. */
static int vf_destroy(struct kr_backend_pf *pf, uint32_t vf, struct kr_err *err)
{
	char name[KR_IFNAMSIZ];
	int r;

	vf_name(pf, 'q', vf, name);
	r = link_delete(pf, name, err);
	if (r < 0)
		return r;
	vf_name(pf, 'r', vf, name);
	return link_delete(pf, name, err);
}

/* Create a VF that is missing, with its rates from the state. */
static int vf_recreate(struct kr_backend_pf *pf, int bridge, uint32_t vf,
		       struct kr_err *err)
{
	int r = vf_create(pf, bridge, vf, err);

	if (!r && pf->state.vfs[vf].max_tx_rate)
		r = mockb_vf_shape(pf, vf, pf->state.vfs[vf].max_tx_rate, err);
	return r;
}

int mockb_vf_ensure(struct kr_backend_pf *pf, uint32_t vf, struct kr_err *err)
{
	char name[KR_IFNAMSIZ];
	struct rtnl_link *link;
	int bridge;

	vf_name(pf, 'r', vf, name);
	if (rtnl_link_get_kernel(pf->sock, 0, name, &link) == 0) {
		rtnl_link_put(link);
		return 0;
	}
	if (rtnl_link_get_kernel(pf->sock, 0, pf->name, &link) < 0)
		return pf->svc->err_set(err, -ENODEV, "PF bridge %s is gone",
					pf->name);
	bridge = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return vf_recreate(pf, bridge, vf, err);
}

/*
 * A VF that exists is complete when its representor is up on the PF
 * bridge and its VF end, when on the host, carries the VF alias: creation
 * does these steps one by one, and a process killed between them leaves a
 * VF that exists but cannot carry traffic.
 */
static int vf_complete(struct kr_backend_pf *pf, struct nl_cache *links,
		       int bridge, uint32_t vf, struct kr_err *err)
{
	char name[KR_IFNAMSIZ], alias[64];
	struct rtnl_link *link;
	const char *now;
	int r = 0;

	vf_name(pf, 'r', vf, name);
	link = rtnl_link_get_by_name(links, name);
	if (!link)
		return 0;
	if (rtnl_link_get_master(link) != bridge ||
	    !(rtnl_link_get_flags(link) & IFF_UP))
		r = link_change(pf, link, 1, bridge, NULL, err);
	rtnl_link_put(link);
	if (r < 0)
		return r;
	vf_name(pf, 'v', vf, name);
	link = rtnl_link_get_by_name(links, name);
	if (!link)
		return 0;	/* in a pod */
	snprintf(alias, sizeof(alias), VF_ALIAS_FMT, pf->name, vf);
	now = rtnl_link_get_ifalias(link);
	if (!now || strcmp(now, alias))
		r = link_change(pf, link, 0, 0, alias, err);
	rtnl_link_put(link);
	return r;
}

int mockb_vfs_sync(struct kr_backend_pf *pf, struct kr_err *err)
{
	struct nl_cache *links;
	char name[KR_IFNAMSIZ];
	uint32_t vf;
	int r, bridge;

	r = rtnl_link_alloc_cache(pf->sock, AF_UNSPEC, &links);
	if (r < 0)
		return nl_fail(pf, r, err, "list links for", pf->name);
	bridge = rtnl_link_name2i(links, pf->name);
	for (vf = 0; vf < pf->total_vfs; vf++) {
		int present;

		vf_name(pf, 'r', vf, name);
		present = rtnl_link_name2i(links, name) != 0;
		if (vf < pf->state.num_vfs && !present) {
			/* New, or gone with a pod's namespace: a real VF
			 * returns to the host with its settings. */
			r = vf_recreate(pf, bridge, vf, err);
			if (r == -EAGAIN)
				r = 0;	/* in transit: listed without a
					 * netdev until it is back */
		} else if (vf < pf->state.num_vfs) {
			r = vf_complete(pf, links, bridge, vf, err);
		} else if (present) {
			r = vf_destroy(pf, vf, err);
		}
		if (r < 0)
			break;
	}
	nl_cache_free(links);
	return r;
}

/* ---- shaping ---- */

static int qdisc_delete(struct kr_backend_pf *pf, int ifindex, uint32_t parent)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int r;

	if (!q)
		return -NLE_NOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	r = rtnl_qdisc_delete(pf->sock, q);
	rtnl_qdisc_put(q);
	/* none there: the kernel answers ENOENT or EINVAL */
	if (r == -NLE_OBJ_NOTFOUND || r == -NLE_INVAL || r == -NLE_NOATTR)
		r = 0;
	return r;
}

/* ifb PFq<vf>, up, with an htb class at 'bytes_per_s' as root. */
static int ifb_setup(struct kr_backend_pf *pf, const char *name,
		     uint64_t bytes_per_s, int *ret_ifindex, struct kr_err *err)
{
	struct rtnl_qdisc *q = NULL;
	struct rtnl_class *c = NULL;
	struct rtnl_link *link = NULL;
	int r, ifindex;

	r = rtnl_link_get_kernel(pf->sock, 0, name, &link);
	if (r < 0) {
		link = rtnl_link_alloc();
		if (!link)
			return pf->svc->err_set(err, -ENOMEM, "out of memory");
		rtnl_link_set_name(link, name);
		rtnl_link_set_type(link, "ifb");
		r = rtnl_link_add(pf->sock, link, NLM_F_CREATE);
		rtnl_link_put(link);
		link = NULL;
		if (r < 0 && r != -NLE_EXIST)
			return nl_fail(pf, r, err, "create ifb", name);
		r = rtnl_link_get_kernel(pf->sock, 0, name, &link);
		if (r < 0)
			return nl_fail(pf, r, err, "look up", name);
	}
	ifindex = rtnl_link_get_ifindex(link);
	r = link_change(pf, link, 1, 0, NULL, err);
	rtnl_link_put(link);
	if (r < 0)
		return r;

	/* Replace rather than change: a fresh htb, then its class. */
	r = qdisc_delete(pf, ifindex, TC_H_ROOT);
	if (r < 0)
		return nl_fail(pf, r, err, "remove root qdisc of", name);
	q = rtnl_qdisc_alloc();
	c = rtnl_class_alloc();
	if (!q || !c) {
		r = pf->svc->err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	r = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (!r)
		r = rtnl_htb_set_defcls(q, TC_HANDLE(1, 1));
	if (!r)
		r = rtnl_qdisc_add(pf->sock, q, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0) {
		r = nl_fail(pf, r, err, "add htb qdisc on", name);
		goto out;
	}
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, 0));
	rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, 1));
	r = rtnl_tc_set_kind(TC_CAST(c), "htb");
	if (!r)
		r = rtnl_htb_set_rate64(c, bytes_per_s);
	if (!r)
		r = rtnl_htb_set_ceil64(c, bytes_per_s);
	/* A fixed quantum keeps the kernel from warning about big ones. */
	if (!r)
		r = rtnl_htb_set_quantum(c, 60000);
	if (!r)
		r = rtnl_class_add(pf->sock, c, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0) {
		r = nl_fail(pf, r, err, "add htb class on", name);
		goto out;
	}
	*ret_ifindex = ifindex;
out:
	rtnl_class_put(c);
	rtnl_qdisc_put(q);
	return r;
}

/* Ingress qdisc on the representor, everything redirected to 'ifb'. */
static int redirect_ingress(struct kr_backend_pf *pf, int rep, int ifb,
			    const char *rname, struct kr_err *err)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct rtnl_cls *cls = rtnl_cls_alloc();
	struct rtnl_act *act = rtnl_act_alloc();
	int r;

	if (!q || !cls || !act) {
		r = pf->svc->err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* Start from no ingress qdisc, so no half-made filter lingers. */
	r = qdisc_delete(pf, rep, TC_H_INGRESS);
	if (r < 0) {
		r = nl_fail(pf, r, err, "remove ingress qdisc of", rname);
		goto out;
	}
	rtnl_tc_set_ifindex(TC_CAST(q), rep);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
	r = rtnl_tc_set_kind(TC_CAST(q), "ingress");
	if (!r)
		r = rtnl_qdisc_add(pf->sock, q, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0) {
		r = nl_fail(pf, r, err, "add ingress qdisc on", rname);
		goto out;
	}

	rtnl_tc_set_ifindex(TC_CAST(cls), rep);
	rtnl_tc_set_parent(TC_CAST(cls), INGRESS_HANDLE);
	rtnl_cls_set_prio(cls, 1);
	rtnl_cls_set_protocol(cls, ETH_P_ALL);
	r = rtnl_tc_set_kind(TC_CAST(cls), "u32");
	if (!r)
		r = rtnl_tc_set_kind(TC_CAST(act), "mirred");
	if (!r)
		r = rtnl_mirred_set_action(act, TCA_EGRESS_REDIR);
	if (!r)
		r = rtnl_mirred_set_policy(act, TC_ACT_STOLEN);
	if (!r)
		r = rtnl_mirred_set_ifindex(act, (uint32_t)ifb);
	/* value 0 under mask 0: every packet */
	if (!r)
		r = rtnl_u32_add_key_uint32(cls, 0, 0, 0, 0);
	if (!r)
		r = rtnl_u32_set_cls_terminal(cls);
	if (!r)
		r = rtnl_u32_add_action(cls, act);
	if (!r)
		r = rtnl_cls_add(pf->sock, cls, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		r = nl_fail(pf, r, err, "add redirect filter on", rname);
out:
	if (act)
		rtnl_act_put(act);
	if (cls)
		rtnl_cls_put(cls);
	if (q)
		rtnl_qdisc_put(q);
	return r;
}

int mockb_vf_shape(struct kr_backend_pf *pf, uint32_t vf, uint32_t max_mbps,
		   struct kr_err *err)
{
	char rname[KR_IFNAMSIZ], qname[KR_IFNAMSIZ];
	struct rtnl_link *rep;
	int r, rep_ifindex, ifb_ifindex = 0;

	vf_name(pf, 'r', vf, rname);
	vf_name(pf, 'q', vf, qname);
	r = rtnl_link_get_kernel(pf->sock, 0, rname, &rep);
	if (r < 0)
		return nl_fail(pf, r, err, "look up representor", rname);
	rep_ifindex = rtnl_link_get_ifindex(rep);
	rtnl_link_put(rep);

	if (!max_mbps) {
		r = qdisc_delete(pf, rep_ifindex, TC_H_INGRESS);
		if (r < 0)
			return nl_fail(pf, r, err, "remove ingress qdisc of",
				       rname);
		return link_delete(pf, qname, err);
	}
	r = ifb_setup(pf, qname, (uint64_t)max_mbps * 1000000 / 8,
		      &ifb_ifindex, err);
	if (r < 0)
		return r;
	return redirect_ingress(pf, rep_ifindex, ifb_ifindex, rname, err);
}

/*
 * Whether VF 'vf''s data plane shapes it at 'max_mbps' (0: not at all): a
 * process killed in mockb_vf_shape leaves an ifb without its class, or a
 * representor without its redirect.
 */
static int vf_shaped_as(struct kr_backend_pf *pf, struct nl_cache *links,
			struct nl_cache *qdiscs, uint32_t vf,
			uint32_t max_mbps)
{
	char rname[KR_IFNAMSIZ], qname[KR_IFNAMSIZ];
	struct nl_cache *classes = NULL, *filters = NULL;
	struct rtnl_qdisc *ingress;
	struct rtnl_class *class;
	struct rtnl_link *ifb;
	int rep, ok = 0;
	uint64_t rate;

	vf_name(pf, 'r', vf, rname);
	vf_name(pf, 'q', vf, qname);
	rep = rtnl_link_name2i(links, rname);
	if (!rep)
		return 1;	/* in transit: shaped when it is back */
	ingress = rtnl_qdisc_get_by_parent(qdiscs, rep, TC_H_INGRESS);
	ifb = rtnl_link_get_by_name(links, qname);
	if (!max_mbps) {
		ok = !ingress && !ifb;
		goto out;
	}
	if (!ingress || !ifb || !(rtnl_link_get_flags(ifb) & IFF_UP))
		goto out;
	if (rtnl_class_alloc_cache(pf->sock, rtnl_link_get_ifindex(ifb),
				   &classes) < 0 ||
	    rtnl_cls_alloc_cache(pf->sock, rep, INGRESS_HANDLE, &filters) < 0)
		goto out;
	class = rtnl_class_get(classes, rtnl_link_get_ifindex(ifb),
			       TC_HANDLE(1, 1));
	ok = class && rtnl_htb_get_rate64(class, &rate) == 0 &&
	     rate == (uint64_t)max_mbps * 1000000 / 8 &&
	     nl_cache_nitems(filters) > 0;
	if (class)
		rtnl_class_put(class);
out:
	if (filters)
		nl_cache_free(filters);
	if (classes)
		nl_cache_free(classes);
	if (ifb)
		rtnl_link_put(ifb);
	if (ingress)
		rtnl_qdisc_put(ingress);
	return ok;
}

int mockb_vfs_check_shaping(struct kr_backend_pf *pf, struct kr_err *err)
{
	struct nl_cache *links = NULL, *qdiscs = NULL;
	uint32_t vf;
	int r;

	r = rtnl_link_alloc_cache(pf->sock, AF_UNSPEC, &links);
	if (r < 0)
		return nl_fail(pf, r, err, "list links for", pf->name);
	r = rtnl_qdisc_alloc_cache(pf->sock, &qdiscs);
	if (r < 0) {
		r = nl_fail(pf, r, err, "list qdiscs for", pf->name);
		goto out;
	}
	for (vf = 0; vf < pf->state.num_vfs && !r; vf++) {
		uint32_t want = pf->state.vfs[vf].max_tx_rate;

		if (!vf_shaped_as(pf, links, qdiscs, vf, want))
			r = mockb_vf_shape(pf, vf, want, err);
	}
out:
	if (qdiscs)
		nl_cache_free(qdiscs);
	nl_cache_free(links);
	return r;
}

int mockb_vf_describe(struct kr_backend_pf *pf, uint32_t vf,
		      struct kr_vf_info *info, struct kr_err *err)
{
	char rname[KR_IFNAMSIZ];
	struct rtnl_link *rep, *end = NULL;
	uint8_t mac[6];
	int32_t nsid;
	int r;

	vf_name(pf, 'r', vf, rname);
	r = rtnl_link_get_kernel(pf->sock, 0, rname, &rep);
	if (r < 0 && mockb_nl_errno(r) != -ENODEV)
		return nl_fail(pf, r, err, "look up representor", rname);
	/* Gone since the sync: its pod's namespace was destroyed, and the
	 * VF is in transit back to the host (listed without a netdev).
	 * The peer is here unless the representor names another netns. */
	if (r == 0) {
		if (rtnl_link_get_link_netnsid(rep, &nsid) < 0)
			rtnl_link_get_kernel(pf->sock,
					     rtnl_link_get_link(rep), NULL,
					     &end);
		rtnl_link_put(rep);
	}

	mockb_vf_mac(pf, vf, mac);
	snprintf(info->mac, sizeof(info->mac),
		 "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	if (end) {
		struct nl_addr *a = rtnl_link_get_addr(end);

		snprintf(info->netdev, sizeof(info->netdev), "%s",
			 rtnl_link_get_name(end));
		if (a && nl_addr_get_len(a) == 6)
			nl_addr2str(a, info->mac, sizeof(info->mac));
		rtnl_link_put(end);
	}
	return 0;
}
