/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "nl.h"
#include "nl_internal.h"

#ifndef ALTIFNAMSIZ
#define ALTIFNAMSIZ 128	/* linux/if.h; glibc's net/if.h hides it */
#endif

/* The only translation of libnl's codes to errno. */
static int nle_errno(int nle)
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
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_PROTO_MISMATCH:	/* socket(): EPROTONOSUPPORT */
		return -EPROTONOSUPPORT;
	default:
		return -EIO;
	}
}

static int fail(int nle, struct kr_err *err, const char *what,
		const char *object)
{
	return kr_err_set(err, nle_errno(nle), "%s %s: %s", what, object,
			  nl_geterror(nle));
}

int kr_netns_enter(int netns_fd, int *ret_self, struct kr_err *err)
{
	*ret_self = -1;
	if (netns_fd < 0)
		return 0;
	*ret_self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*ret_self < 0 || setns(netns_fd, CLONE_NEWNET) < 0) {
		int r = kr_err_set(err, -errno, "enter netns: %s",
				   strerror(errno));

		if (*ret_self >= 0)
			close(*ret_self);
		*ret_self = -1;
		return r;
	}
	return 0;
}

void kr_netns_leave(int self)
{
	if (self < 0)
		return;
	if (setns(self, CLONE_NEWNET) < 0)
		abort();	/* never go on in the wrong namespace */
	close(self);
}

const struct kr_nl_fake_transport *kr_nl_fakes;
/* ROOT/netlink of the sysfs root in force, when a fake kernel is there */
static char fake_dir[PATH_MAX];

void kr_nl_use_sysfs_root(const char *root)
{
	struct stat st;

	fake_dir[0] = '\0';
	if (!kr_nl_fakes || !root ||
	    (size_t)snprintf(fake_dir, sizeof(fake_dir), "%s/netlink", root) >=
		    sizeof(fake_dir) ||
	    stat(fake_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		fake_dir[0] = '\0';
}

int kr_nl_init(struct kr_nl *nl, int protocol, const char *name,
	       int netns_fd, struct kr_err *err)
{
	int self, r;

	nl->sock = nl_socket_alloc();
	if (!nl->sock)
		return kr_err_set(err, -ENOMEM, "out of memory");
	nl->fake_dir = kr_nl_fakes && fake_dir[0] ? fake_dir : NULL;
	/* the fakes answer everything but rtnetlink: nothing to connect to
	 * (the kernel here may not have the protocol at all) */
	if (nl->fake_dir && protocol != NETLINK_ROUTE)
		return 0;
	/* a socket belongs to the namespace it was made in */
	r = kr_netns_enter(netns_fd, &self, err);
	if (r == 0) {
		r = nl_connect(nl->sock, protocol);
		kr_netns_leave(self);
		if (r < 0)
			r = fail(r, err, "connect", name);
	}
	if (r < 0) {
		nl_socket_free(nl->sock);
		nl->sock = NULL;
	}
	return r;
}

void kr_nl_fini(struct kr_nl *nl)
{
	nl_socket_free(nl->sock);
	nl->sock = NULL;
}

int kr_nl_open(int netns_fd, struct kr_nl **ret, struct kr_err *err)
{
	struct kr_nl *nl = calloc(1, sizeof(*nl));
	int r;

	if (!nl)
		return kr_err_set(err, -ENOMEM, "out of memory");
	r = kr_nl_init(nl, NETLINK_ROUTE, "rtnetlink", netns_fd, err);
	if (r < 0) {
		free(nl);
		return r;
	}
	*ret = nl;
	return 0;
}

void kr_nl_close(struct kr_nl *nl)
{
	if (!nl)
		return;
	kr_nl_fini(nl);
	free(nl);
}

static int get_link(struct kr_nl *nl, int ifindex, const char *name,
		    struct rtnl_link **ret, struct kr_err *err)
{
	char id[32];
	int r;

	*ret = NULL;
	r = rtnl_link_get_kernel(nl->sock, ifindex, name, ret);
	if (r == 0 && !*ret)
		r = -NLE_OBJ_NOTFOUND;
	if (r < 0) {
		snprintf(id, sizeof(id), "%s", name ? name : "");
		if (!name)
			snprintf(id, sizeof(id), "ifindex %d", ifindex);
		return fail(r, err, "look up", id);
	}
	return 0;
}

int kr_nl_ifindex(struct kr_nl *nl, const char *name, int *ret,
		  struct kr_err *err)
{
	struct rtnl_link *link;
	int r = get_link(nl, 0, name, &link, err);

	if (r < 0)
		return r;
	*ret = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

int kr_nl_link_info(struct kr_nl *nl, int ifindex, char name[KR_IFNAMSIZ],
		    char mac[KR_MAC_STR_SIZE], struct kr_err *err)
{
	struct rtnl_link *link;
	struct nl_addr *a;
	int r = get_link(nl, ifindex, NULL, &link, err);

	if (r < 0)
		return r;
	if (name)
		snprintf(name, KR_IFNAMSIZ, "%s", rtnl_link_get_name(link));
	if (mac) {
		a = rtnl_link_get_addr(link);
		mac[0] = '\0';
		if (a)
			nl_addr2str(a, mac, KR_MAC_STR_SIZE);
	}
	rtnl_link_put(link);
	return 0;
}

int kr_nl_find_mac(struct kr_nl *nl, const char *mac, char name[KR_IFNAMSIZ],
		   struct kr_err *err)
{
	struct nl_cache *links;
	struct nl_object *o;
	char now[KR_MAC_STR_SIZE];
	int r;

	r = rtnl_link_alloc_cache(nl->sock, AF_UNSPEC, &links);
	if (r < 0)
		return fail(r, err, "list", "links");
	r = -ENODEV;
	for (o = nl_cache_get_first(links); o && r; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		struct nl_addr *a = rtnl_link_get_addr(link);

		if (a && nl_addr2str(a, now, sizeof(now)) &&
		    !strcasecmp(now, mac)) {
			snprintf(name, KR_IFNAMSIZ, "%s",
				 rtnl_link_get_name(link));
			r = 0;
		}
	}
	nl_cache_free(links);
	if (r < 0)
		return kr_err_set(err, r, "no link has address %s", mac);
	return 0;
}

/* What one change request does to a link: -1 / NULL leave it alone. */
struct link_edit {
	int ns_fd;		/* move into this network namespace */
	const char *name;	/* name it this (there, when moving) */
	int up;			/* 1 up, 0 down */
};

/*
 * Apply 'ed' to the link 'ifindex' (or 'name') in one request; a name it
 * already has is not sent again.
 */
static int edit_link(struct kr_nl *nl, int ifindex, const char *name,
		     const struct link_edit *ed, const char *what,
		     struct kr_err *err)
{
	struct rtnl_link *link, *change;
	int r;

	r = get_link(nl, ifindex, name, &link, err);
	if (r < 0)
		return r;
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	if (ed->ns_fd >= 0)
		rtnl_link_set_ns_fd(change, ed->ns_fd);
	if (ed->name && strcmp(rtnl_link_get_name(link), ed->name))
		rtnl_link_set_name(change, ed->name);
	if (ed->up == 1)
		rtnl_link_set_flags(change, IFF_UP);
	else if (ed->up == 0)
		rtnl_link_unset_flags(change, IFF_UP);
	r = rtnl_link_change(nl->sock, link, change, 0);
	if (r < 0)
		r = fail(r, err, what, rtnl_link_get_name(link));
	rtnl_link_put(change);
	rtnl_link_put(link);
	return r;
}

int kr_nl_move(struct kr_nl *nl, const char *name, int target_netns_fd,
	       const char *new_name, struct kr_err *err)
{
	struct link_edit ed = { target_netns_fd, new_name, -1 };

	return edit_link(nl, 0, name, &ed, "move", err);
}

int kr_nl_rename(struct kr_nl *nl, int ifindex, const char *new_name,
		 struct kr_err *err)
{
	struct link_edit ed = { -1, new_name, -1 };

	return edit_link(nl, ifindex, NULL, &ed, "rename", err);
}

int kr_nl_set_up(struct kr_nl *nl, int ifindex, int up, struct kr_err *err)
{
	struct link_edit ed = { -1, NULL, up ? 1 : 0 };

	return edit_link(nl, ifindex, NULL, &ed, up ? "set up" : "set down",
			 err);
}

/* ---- alternative names: raw RTM_GETLINK / RTM_DELLINKPROP ---- */

struct altnames {
	char names[8][ALTIFNAMSIZ];
	int n;
};

static int on_link_msg(struct nl_msg *msg, void *arg)
{
	struct altnames *alt = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1], *a;
	int rem;

	if (nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_PROP_LIST])
		return NL_OK;
	nla_for_each_nested(a, tb[IFLA_PROP_LIST], rem) {
		if (nla_type(a) != IFLA_ALT_IFNAME || alt->n >= 8)
			continue;
		snprintf(alt->names[alt->n++], ALTIFNAMSIZ, "%s",
			 (const char *)nla_data(a));
	}
	return NL_OK;
}

static int link_request(struct kr_nl *nl, int type, int flags, int ifindex,
			struct nl_msg **ret)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	*ret = msg;
	return 0;
}

int kr_nl_drop_altnames(struct kr_nl *nl, int ifindex, struct kr_err *err)
{
	struct altnames alt = { .n = 0 };
	struct nl_msg *msg;
	struct nlattr *list;
	char id[32];
	int r, i;

	snprintf(id, sizeof(id), "ifindex %d", ifindex);
	r = link_request(nl, RTM_GETLINK, 0, ifindex, &msg);
	if (r < 0)
		return fail(r, err, "read alternative names of", id);
	r = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (r >= 0) {
		struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

		if (!cb)
			return kr_err_set(err, -ENOMEM, "out of memory");
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_link_msg, &alt);
		r = nl_recvmsgs(nl->sock, cb);
		nl_cb_put(cb);
		/* libnl asked for an ACK too: take it off the socket */
		if (r >= 0)
			r = nl_wait_for_ack(nl->sock);
	}
	if (r < 0)
		return fail(r, err, "read alternative names of", id);
	for (i = 0; i < alt.n; i++) {
		r = link_request(nl, RTM_DELLINKPROP, NLM_F_ACK, ifindex, &msg);
		if (r < 0)
			return fail(r, err, "drop alternative name of", id);
		list = nla_nest_start(msg, IFLA_PROP_LIST);
		if (!list || nla_put_string(msg, IFLA_ALT_IFNAME,
					    alt.names[i]) < 0) {
			nlmsg_free(msg);
			return kr_err_set(err, -ENOMEM, "out of memory");
		}
		nla_nest_end(msg, list);
		r = nl_send_sync(nl->sock, msg);	/* frees msg */
		if (r < 0 && r != -NLE_NODEV && r != -NLE_OBJ_NOTFOUND)
			return fail(r, err, "drop alternative name",
				    alt.names[i]);
	}
	return 0;
}

/* ---- addresses and routes ---- */

static int parse_prefix(const char *text, struct nl_addr **ret,
			struct kr_err *err)
{
	int r = nl_addr_parse(text, AF_UNSPEC, ret);

	if (r < 0)
		return kr_err_set(err, -EINVAL, "\"%s\" is not an address: %s",
				  text, nl_geterror(r));
	return 0;
}

int kr_nl_addr_add(struct kr_nl *nl, int ifindex, const char *cidr,
		   struct kr_err *err)
{
	struct rtnl_addr *addr;
	struct nl_addr *local;
	int r;

	r = parse_prefix(cidr, &local, err);
	if (r < 0)
		return r;
	addr = rtnl_addr_alloc();
	if (!addr) {
		nl_addr_put(local);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	r = rtnl_addr_add(nl->sock, addr, 0);
	rtnl_addr_put(addr);
	nl_addr_put(local);
	if (r < 0 && r != -NLE_EXIST)
		return fail(r, err, "add address", cidr);
	return 0;
}

struct addr_match {
	int ifindex;
	struct nl_addr *want;
	int found;
};

static void match_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct addr_match *m = arg;

	if (rtnl_addr_get_ifindex(a) == m->ifindex &&
	    rtnl_addr_get_local(a) &&
	    !nl_addr_cmp(rtnl_addr_get_local(a), m->want))
		m->found = 1;
}

int kr_nl_addr_has(struct kr_nl *nl, int ifindex, const char *cidr,
		   struct kr_err *err)
{
	struct addr_match m = { .ifindex = ifindex };
	struct nl_cache *cache;
	int r;

	r = parse_prefix(cidr, &m.want, err);
	if (r < 0)
		return r;
	r = rtnl_addr_alloc_cache(nl->sock, &cache);
	if (r < 0) {
		nl_addr_put(m.want);
		return fail(r, err, "list addresses for", cidr);
	}
	nl_cache_foreach(cache, match_addr, &m);
	nl_cache_free(cache);
	nl_addr_put(m.want);
	return m.found;
}

int kr_nl_route_add(struct kr_nl *nl, int ifindex, const char *dst,
		    const char *gw, struct kr_err *err)
{
	struct nl_addr *d = NULL, *g = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct rtnl_route *route;
	int r;

	r = parse_prefix(dst, &d, err);
	if (r < 0)
		return r;
	if (gw && *gw) {
		r = parse_prefix(gw, &g, err);
		if (r < 0) {
			nl_addr_put(d);
			return r;
		}
	}
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	rtnl_route_set_family(route, nl_addr_get_family(d));
	rtnl_route_set_dst(route, d);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (g)
		rtnl_route_nh_set_gateway(nh, g);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL;	/* the route owns it */
	r = rtnl_route_add(nl->sock, route, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0 && r != -NLE_EXIST)
		r = fail(r, err, "add route to", dst);
	else
		r = 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	nl_addr_put(d);
	if (g)
		nl_addr_put(g);
	return r;
}

int kr_nl_exchange(struct kr_nl *nl, struct nl_msg *msg,
		   int (*on_reply)(struct nl_msg *msg, void *arg), void *arg)
{
	struct nl_cb *cb = NULL;
	int r, ack;

	r = nl_send_auto(nl->sock, msg);
	/* route sockets ask for an ACK on every request (libnl's default);
	 * a dump is answered by NLMSG_DONE instead */
	ack = nlmsg_hdr(msg)->nlmsg_flags & NLM_F_ACK;
	nlmsg_free(msg);
	if (r >= 0 && on_reply) {
		cb = nl_cb_alloc(NL_CB_DEFAULT);
		if (!cb)
			return -ENOMEM;
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, arg);
		r = nl_recvmsgs(nl->sock, cb);
		nl_cb_put(cb);
	}
	if (r >= 0 && ack)
		r = nl_wait_for_ack(nl->sock);
	return r < 0 ? nle_errno(r) : 0;
}
