/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD, DEL, CHECK, GC and STATUS, run by the node agent.  The allocation
 * record is the plan: it is written before any VF is touched, and
 * releasing an attachment (DEL, the rollback of a failed ADD, GC, the
 * agent's repair at start) walks it, so a crash at any point leaves a
 * record that the next start, DEL or GC of that attachment repairs.
 * Requests run concurrently: choosing VFs and writing the record happen
 * under the agent's placement lock, and each PF's backend calls under
 * that PF's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "config.h"
#include "err.h"
#include "fileio.h"
#include "k8s.h"
#include "log.h"
#include "nl.h"
#include "node.h"
#include "placement.h"
#include "placement_annotation.h"
#include "rdma_nl.h"
#include "request.h"
#include "util.h"

struct ctx {
	struct kr_cni_call *call;
	const struct kr_cni_env *env;
	struct kr_cni_conf *conf;
	const struct kr_config *cfg;
	struct kr_node *node;
	int host_ns;			/* our own netns */
	int pod_ns;			/* CNI_NETNS, or -1 */
	struct kr_nl *host_nl;
	struct kr_nl *pod_nl;		/* NULL without pod_ns */
	/* RDMA netlink, opened when a VF has an RDMA device */
	int rdma_exclusive;		/* -1 until asked */
	struct kr_rdma_nl *host_rdma;
	struct kr_rdma_nl *pod_rdma;
};

void cni_agent_init(struct cni_agent *agent)
{
	pthread_rwlockattr_t attr;

	memset(agent, 0, sizeof(*agent));
	pthread_mutex_init(&agent->placement_lock, NULL);
	pthread_mutex_init(&agent->busy_lock, NULL);
	pthread_cond_init(&agent->busy_done, NULL);
	/* a GC must not wait behind an endless stream of ADDs */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&agent->gc_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

void cni_agent_destroy(struct cni_agent *agent)
{
	pthread_mutex_destroy(&agent->placement_lock);
	pthread_rwlock_destroy(&agent->gc_lock);
	pthread_mutex_destroy(&agent->busy_lock);
	pthread_cond_destroy(&agent->busy_done);
}

/* What ctx_open_pod opened. */
static void ctx_close_pod(struct ctx *c)
{
	kr_rdma_nl_close(c->pod_rdma);
	c->pod_rdma = NULL;
	kr_nl_close(c->pod_nl);
	c->pod_nl = NULL;
	if (c->pod_ns >= 0)
		close(c->pod_ns);
	c->pod_ns = -1;
}

static void ctx_close(struct ctx *c)
{
	ctx_close_pod(c);
	kr_rdma_nl_close(c->host_rdma);
	kr_nl_close(c->host_nl);
	if (c->host_ns >= 0)
		close(c->host_ns);
}

/* The request's node and the host's netlink socket. */
static int ctx_open(struct ctx *c, struct kr_cni_call *call,
		    struct kr_cni_error *e)
{
	struct kr_err err = { 0 };

	memset(c, 0, sizeof(*c));
	c->call = call;
	c->env = &call->env;
	c->conf = &call->conf;
	c->cfg = call->cfg;
	c->node = call->node;
	c->host_ns = c->pod_ns = c->rdma_exclusive = -1;
	if (kr_nl_open(-1, &c->host_nl, &err) < 0)
		return cni_fail(e, KR_CNI_ERR_INTERNAL, "cannot open netlink",
				"%s", kr_err_text(&err));
	c->host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (c->host_ns < 0)
		return cni_fail(e, KR_CNI_ERR_IO, "cannot open own netns",
				"%s", strerror(errno));
	return 0;
}

/* Is the namespace open as 'fd' the agent's own (the node's)? */
static int same_netns(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Open CNI_NETNS (or 'path'); 'required' turns absence into an error. */
static int ctx_open_pod(struct ctx *c, const char *path, int required,
			struct kr_cni_error *e)
{
	struct kr_err err = { 0 };

	if (!path || !*path) {
		if (required)
			return cni_fail(e, KR_CNI_ERR_INVALID_ENV,
					"required env variables [CNI_NETNS] "
					"missing", NULL);
		return 0;
	}
	c->pod_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (c->pod_ns < 0) {
		if (required)
			return cni_fail(e, KR_CNI_ERR_INVALID_NETNS,
					"cannot open the container's netns",
					"%s: %s (the agent sees the runtime's "
					"netns directory through its mount, "
					"docs/deploy.md)", path,
					strerror(errno));
		return 0;	/* DEL: gone is fine */
	}
	if (same_netns(c->pod_ns, c->host_ns)) {
		/* never move the node's own links around */
		close(c->pod_ns);
		c->pod_ns = -1;
		return cni_fail(e, KR_CNI_ERR_INVALID_NETNS,
				"CNI_NETNS is the node's own network "
				"namespace", "%s", path);
	}
	if (kr_nl_open(c->pod_ns, &c->pod_nl, &err) < 0) {
		close(c->pod_ns);
		c->pod_ns = -1;
		if (required)
			return cni_fail(e, KR_CNI_ERR_INVALID_NETNS,
					"not a network namespace", "%s: %s",
					path, kr_err_text(&err));
	}
	return 0;
}

/*
 * Does an RDMA device follow its VF into the pod?  Only when the system
 * runs in exclusive RDMA namespace mode, which is asked once, and only
 * when a VF has an RDMA device, so nodes without RDMA never open RDMA
 * netlink.  A kernel without it (no ib_core) has no modes either.
 */
static int rdma_exclusive(struct ctx *c, int *ret, struct kr_err *err)
{
	int r = 0;

	if (c->rdma_exclusive < 0) {
		r = kr_rdma_nl_open(-1, &c->host_rdma, err);
		if (r == 0)
			r = kr_rdma_netns_exclusive(c->host_rdma,
						    &c->rdma_exclusive, err);
		else if (r == -EPROTONOSUPPORT)
			r = c->rdma_exclusive = 0;
	}
	*ret = c->rdma_exclusive > 0;
	return r;
}

/* RDMA netlink in the pod's namespace, opened on first use. */
static int pod_rdma(struct ctx *c, struct kr_rdma_nl **ret,
		    struct kr_err *err)
{
	int r = 0;

	if (!c->pod_rdma)
		r = kr_rdma_nl_open(c->pod_ns, &c->pod_rdma, err);
	*ret = c->pod_rdma;
	return r;
}

/* ---- releasing an attachment (DEL, rollback, GC) ---- */

/* What the backend says of VF 'vf' now. */
static int vf_info(struct kr_node_pf *pf, uint32_t vf, struct kr_vf_info *ret,
		   struct kr_err *err)
{
	struct kr_vf_info *vfs = NULL;
	uint32_t n = 0, i;
	int r;

	r = kr_node_pf_vfs(pf, &vfs, &n, err);
	for (i = 0; r == 0 && i < n && vfs[i].index != vf; i++)
		;
	if (r == 0 && i == n)
		r = kr_err_set(err, -ENODEV, "PF %s has no VF %u",
			       pf->cfg->name, vf);
	else if (r == 0)
		*ret = vfs[i];
	free(vfs);
	return r;
}

/* Keep the first error; later ones are logged. */
static void note(struct kr_cni_error *e, int *failed, int code,
		 const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void note(struct kr_cni_error *e, int *failed, int code,
		 const char *msg, const char *fmt, ...)
{
	char details[KR_ERR_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	kr_log(KR_LOG_WARNING, "%s: %s", msg, details);
	if (!*failed)
		cni_fail(e, code, msg, "%s", details);
	*failed = 1;
}

/*
 * 1 with the pod's RDMA netlink in *ret when the VF's RDMA device moves
 * with it (it has one, in exclusive mode); 0 when not.
 */
static int rdma_follows(struct ctx *c, const struct kr_alloc_vf *v,
			struct kr_rdma_nl **ret, struct kr_err *err)
{
	int exclusive, r;

	if (!v->rdma_device[0] || !c->pod_nl)
		return 0;
	r = rdma_exclusive(c, &exclusive, err);
	if (r < 0 || !exclusive)
		return r;
	r = pod_rdma(c, ret, err);
	return r < 0 ? r : 1;
}

/*
 * Bring the VF's RDMA device back from the pod, when it went there.  A
 * namespace that is gone has already given it back (the kernel returns RDMA
 * devices to the initial namespace).  1 when it moved, 0 when not.
 */
static int return_rdma(struct ctx *c, const struct kr_alloc_vf *v,
		       struct kr_cni_error *e, int *failed)
{
	struct kr_err err = { 0 };
	struct kr_rdma_nl *pod = NULL;
	int r;

	r = rdma_follows(c, v, &pod, &err);
	if (r > 0)
		r = kr_rdma_dev_move(pod, v->rdma_device, c->host_ns, &err);
	else if (r == 0)
		return 0;	/* it stays where it is */
	if (r == -ENODEV)	/* never moved, or already back */
		return 0;
	if (r < 0) {
		note(e, failed, KR_CNI_ERR_INTERFACE,
		     "cannot return an RDMA device to the host",
		     "%s (PF %s VF %u): %s", v->rdma_device, v->pf, v->vf,
		     kr_err_text(&err));
		return 0;
	}
	return 1;
}

/*
 * Bring one VF back to the host under its original name: its netdev out of
 * the pod, then its RDMA device.
 */
static void return_vf(struct ctx *c, const struct kr_alloc_vf *v,
		      struct kr_node_pf *pf, struct kr_cni_error *e,
		      int *failed)
{
	struct kr_err err = { 0 };
	struct kr_vf_info info;
	char now[KR_IFNAMSIZ];
	int ifindex, look = 1;

	if (c->pod_nl && kr_nl_ifindex(c->pod_nl, v->pod_ifname, &ifindex,
				       &err) == 0) {
		kr_nl_set_up(c->pod_nl, ifindex, 0, &err);
		if (kr_nl_move(c->pod_nl, v->pod_ifname, c->host_ns,
			       v->host_netdev, &err) < 0) {
			note(e, failed, KR_CNI_ERR_INTERFACE,
			     "cannot return a VF to the host",
			     "%s (PF %s VF %u) to %s: %s", v->pod_ifname, v->pf,
			     v->vf, v->host_netdev, kr_err_text(&err));
			return;
		}
		look = 0;
	}
	/* the RDMA device's move re-creates its IPoIB netdev */
	if (return_rdma(c, v, e, failed))
		look = 1;
	/* netns gone or never entered, or a re-created netdev: a VF on the
	 * host may carry the pod's name (the kernel returns it as it was) or
	 * the kernel's */
	if (look && pf && pf->handle && vf_info(pf, v->vf, &info, &err) == 0) {
		memcpy(now, info.netdev, sizeof(now));
		if (now[0] && strcmp(now, v->host_netdev) &&
		    kr_nl_ifindex(c->host_nl, now, &ifindex, &err) == 0) {
			kr_nl_set_up(c->host_nl, ifindex, 0, &err);
			if (kr_nl_rename(c->host_nl, ifindex, v->host_netdev,
					 &err) < 0)
				note(e, failed, KR_CNI_ERR_INTERFACE,
				     "cannot rename a VF back",
				     "%s (PF %s VF %u) to %s: %s", now, v->pf,
				     v->vf, v->host_netdev, kr_err_text(&err));
		}
	}
	if (kr_nl_ifindex(c->host_nl, v->host_netdev, &ifindex, &err) == 0)
		kr_nl_drop_altnames(c->host_nl, ifindex, &err);
}

/*
 * Undo an attachment as its record describes: every VF back under its
 * host name and reset, IPAM released, the record removed.  Best effort:
 * carries on after errors and reports the first.  Returns 0 or -1.
 */
static int release(struct ctx *c, struct kr_alloc *rec,
		   struct kr_cni_error *e)
{
	struct kr_cni_env ipam_env = *c->env;
	struct kr_err err = { 0 };
	int failed = 0;
	size_t i;

	/* a restart finishes what this starts */
	if (rec->state != KR_ALLOC_RELEASING) {
		rec->state = KR_ALLOC_RELEASING;
		if (kr_alloc_write(c->cfg->state_dir, rec, &err) < 0)
			kr_log(KR_LOG_WARNING, "%s", kr_err_text(&err));
		c->call->changed = 1;
	}
	for (i = 0; i < rec->n_vfs; i++) {
		const struct kr_alloc_vf *v = &rec->vfs[i];
		struct kr_node_pf *pf = kr_node_find_pf(c->node, v->pf);

		if (pf)
			pthread_mutex_lock(&pf->lock);
		return_vf(c, v, pf, e, &failed);
		/* through the PF: whether or not the netns still exists */
		if (!pf || !pf->handle) {
			note(e, &failed, KR_CNI_ERR_INTERFACE,
			     "cannot reset a VF",
			     "PF %s is not available: %s", v->pf,
			     pf ? kr_err_text(&pf->open_err) : "not configured");
		} else if (pf->backend->ops.vf_reset(pf->handle, v->vf,
						     &err) < 0 &&
			   err.code != -ENODEV) {
			note(e, &failed, KR_CNI_ERR_INTERFACE,
			     "cannot reset a VF", "PF %s VF %u: %s", v->pf,
			     v->vf, kr_err_text(&err));
		}
		if (pf)
			pthread_mutex_unlock(&pf->lock);
	}
	/* one IPAM reservation per interface, keyed by its name */
	ipam_env.container_id = rec->container_id;
	for (i = 0; i < rec->n_vfs; i++) {
		struct kr_cni_error ipam_e;

		if (cni_ipam_exec(&ipam_env, c->conf, "DEL",
				  rec->vfs[i].pod_ifname, NULL, &ipam_e) < 0)
			note(e, &failed, ipam_e.code, ipam_e.msg, "%s",
			     ipam_e.details);
	}
	if (!failed && kr_alloc_remove(c->cfg->state_dir, rec->container_id,
				       rec->ifname, &err) < 0)
		note(e, &failed, KR_CNI_ERR_IO, "cannot remove the record",
		     "%s", kr_err_text(&err));
	return failed ? -1 : 0;
}

/* ---- ADD ---- */

/* Interface i's name in the pod (docs/cni.md). */
static int iface_name(const char *ifname, const struct kr_iface_req *r,
		      size_t i, char out[KR_IFNAMSIZ])
{
	char suffix[24];
	size_t keep;

	if (r->name[0])
		return kr_strlcpy(out, r->name, KR_IFNAMSIZ);
	if (i == 0)
		return kr_strlcpy(out, ifname, KR_IFNAMSIZ);
	/* CNI_IFNAME-i, with CNI_IFNAME shortened to fit 15 bytes */
	snprintf(suffix, sizeof(suffix), "-%zu", i);
	keep = KR_IFNAMSIZ - 1 - strlen(suffix);
	if (keep > strlen(ifname))
		keep = strlen(ifname);
	memcpy(out, ifname, keep);
	memcpy(out + keep, suffix, strlen(suffix) + 1);
	return 0;
}

/*
 * How the agent reaches the API server: the network configuration's
 * kubeconfig, else [daemon] kubeconfig, else its service account when it
 * runs in a pod.  0 with *ret NULL when it has no way.
 */
static int api_access(const struct kr_config *cfg,
		      const struct kr_cni_conf *conf,
		      struct kr_kubeconfig **ret, struct kr_err *err)
{
	*ret = NULL;
	if (conf->kubeconfig)
		return kr_kubeconfig_load(conf->kubeconfig, ret, err);
	if (cfg->daemon_kubeconfig)
		return kr_kubeconfig_load(cfg->daemon_kubeconfig, ret, err);
	if (getenv("KUBERNETES_SERVICE_HOST"))
		return kr_kubeconfig_in_cluster(ret, err);
	return 0;
}

/*
 * The pod's request: its annotation, read from the API server, when the
 * agent can reach one and the runtime names the pod; else the
 * configuration's "interfaces" (runtimes without Kubernetes).
 */
static int read_request(const struct kr_config *cfg,
			const struct kr_cni_env *env,
			const struct kr_cni_conf *conf,
			struct kr_request **req, char **ret_placement,
			struct kr_cni_error *e)
{
	struct kr_kubeconfig *kc = NULL;
	struct kr_err err = { 0 };
	json_t *pod = NULL, *annotations;
	const char *uid, *placement;
	char *text, *path = NULL;
	int r = 0;

	if (env->pod_name[0])
		r = api_access(cfg, conf, &kc, &err);
	if (r < 0)
		return cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
				"cannot read the pod from the API server",
				"%s/%s: %s", env->pod_namespace, env->pod_name,
				kr_err_text(&err));
	if (kc) {
		if (!env->pod_namespace[0]) {
			kr_kubeconfig_free(kc);
			return cni_fail(e, KR_CNI_ERR_INVALID_ENV,
					"invalid CNI_ARGS",
					"K8S_POD_NAME without "
					"K8S_POD_NAMESPACE");
		}
		if (asprintf(&path, "/api/v1/namespaces/%s/pods/%s",
			     env->pod_namespace, env->pod_name) < 0)
			r = kr_err_set(&err, -ENOMEM, "out of memory");
		if (!r)
			r = kr_k8s_get(kc, path, 10000, &pod, &err);
		kr_kubeconfig_free(kc);
		free(path);
		if (r < 0)
			return cni_fail(e, r == -ENOENT || r == -EACCES
						   ? KR_CNI_ERR_INVALID_CONFIG
						   : KR_CNI_ERR_TRY_AGAIN,
					"cannot read the pod from the API "
					"server", "%s/%s: %s",
					env->pod_namespace, env->pod_name,
					kr_err_text(&err));
		uid = json_string_value(json_object_get(
			json_object_get(pod, "metadata"), "uid"));
		if (env->pod_uid[0] && (!uid || strcmp(uid, env->pod_uid))) {
			cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
				 "the pod was replaced",
				 "%s/%s has UID %s, the runtime says %s",
				 env->pod_namespace, env->pod_name,
				 uid ? uid : "none", env->pod_uid);
			json_decref(pod);
			return -1;
		}
		annotations = json_object_get(json_object_get(pod, "metadata"),
					      "annotations");
		r = kr_request_from_annotations(annotations, 0, req, &err);
		placement = json_string_value(
			json_object_get(annotations, KR_ANNOTATION_PLACEMENT));
		if (placement && r == 0)
			*ret_placement = strdup(placement);
		json_decref(pod);
		if (r < 0)
			return cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
					"invalid RDMA request in the pod's "
					"annotation", "%s/%s: %s",
					env->pod_namespace, env->pod_name,
					kr_err_text(&err));
		return 0;
	}
	if (!conf->interfaces)
		return kr_request_parse("", 0, 0, req, &err);
	text = json_dumps(conf->interfaces, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!text)
		return cni_fail(e, KR_CNI_ERR_INTERNAL, "out of memory", NULL);
	r = kr_request_parse(text, strlen(text), 0, req, &err);
	free(text);
	if (r < 0)
		return cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
				"invalid interfaces in the network "
				"configuration", "interfaces%s",
				kr_err_text(&err));
	return 0;
}

/* Pick free VFs for the placement and write the record (the plan). */
static int plan(struct ctx *c, const struct kr_inventory *inv,
		const struct kr_request *req, const struct kr_placement *p,
		struct kr_alloc *rec, struct kr_cni_error *e)
{
	size_t i, j, k;

	snprintf(rec->container_id, sizeof(rec->container_id), "%s",
		 c->env->container_id);
	snprintf(rec->ifname, sizeof(rec->ifname), "%s", c->env->ifname);
	snprintf(rec->netns, sizeof(rec->netns), "%s", c->env->netns);
	snprintf(rec->pod_namespace, sizeof(rec->pod_namespace), "%s",
		 c->env->pod_namespace);
	snprintf(rec->pod_name, sizeof(rec->pod_name), "%s",
		 c->env->pod_name);
	snprintf(rec->pod_uid, sizeof(rec->pod_uid), "%s", c->env->pod_uid);
	rec->state = KR_ALLOC_ADDING;
	rec->vfs = calloc(req->n, sizeof(*rec->vfs));
	rec->netconf = strndup(c->conf->raw, c->conf->raw_len);
	rec->cni_path = c->env->path ? strdup(c->env->path) : NULL;
	if (!rec->vfs || !rec->netconf || (c->env->path && !rec->cni_path))
		return cni_fail(e, KR_CNI_ERR_INTERNAL, "out of memory", NULL);
	rec->n_vfs = req->n;
	for (i = 0; i < req->n; i++) {
		const struct kr_inv_pf *pf = &inv->pfs[p->pf[i]];
		struct kr_alloc_vf *v = &rec->vfs[i];
		const struct kr_inv_vf *vf = NULL;

		for (k = 0; k < pf->n_vfs && !vf; k++) {
			const struct kr_inv_vf *cand = &pf->vfs[k];
			int taken = cand->allocated || !cand->netdev[0];

			for (j = 0; j < i && !taken; j++)
				taken = !strcmp(rec->vfs[j].pf, pf->name) &&
					rec->vfs[j].vf == cand->index;
			if (!taken)
				vf = cand;
		}
		if (!vf)	/* vfs_free counted a VF without a netdev */
			return cni_fail(e, KR_CNI_ERR_NO_ROOM,
					"no usable VF", "PF %s has no free VF "
					"with a netdev on the host", pf->name);
		snprintf(v->pf, sizeof(v->pf), "%s", pf->name);
		v->vf = vf->index;
		snprintf(v->pci, sizeof(v->pci), "%s", vf->pci);
		snprintf(v->host_netdev, sizeof(v->host_netdev), "%s",
			 vf->netdev);
		snprintf(v->rdma_device, sizeof(v->rdma_device), "%s",
			 vf->rdma_device);
		iface_name(c->env->ifname, &req->ifaces[i], i, v->pod_ifname);
		v->min_tx_rate = req->ifaces[i].min_tx_rate;
		v->max_tx_rate = req->ifaces[i].max_tx_rate;
		for (j = 0; j < i; j++)
			if (!strcmp(rec->vfs[j].pod_ifname, v->pod_ifname))
				return cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
						"interface names clash",
						"interfaces %zu and %zu are "
						"both named %s", j, i,
						v->pod_ifname);
	}
	return 0;
}

/*
 * Rates, then the RDMA device (exclusive RDMA namespace mode), then the
 * netdev's move under its final name, then no leftover alternative names:
 * the first pass over the VFs.  The RDMA device goes first because its
 * move re-creates its upper devices, an IPoIB netdev among them, on the
 * host: the netdev to move is the one found after it.  All moves come
 * before any link is brought up (the second pass): a move waits for the
 * kernel to settle the namespace, and interleaving it with links going up
 * makes each wait longer.
 */
static int move_vf_locked(struct ctx *c, struct kr_node_pf *pf,
			  const struct kr_alloc_vf *v, size_t i,
			  struct kr_cni_error *e)
{
	const char *netdev = v->host_netdev;
	struct kr_err err = { 0 };
	struct kr_vf_info info;
	int ifindex, exclusive = 0;
	const char *step;

	step = "set rates";
	if (pf->backend->ops.vf_set_rate(pf->handle, v->vf, v->min_tx_rate,
					 v->max_tx_rate, &err) < 0)
		goto out_fail;
	step = "read the RDMA namespace mode";
	if (v->rdma_device[0] && rdma_exclusive(c, &exclusive, &err) < 0)
		goto out_fail;
	if (exclusive) {
		step = "move its RDMA device into the container";
		if (kr_rdma_dev_move(c->host_rdma, v->rdma_device, c->pod_ns,
				     &err) < 0)
			goto out_fail;
		step = "find its netdev after the RDMA device moved";
		if (vf_info(pf, v->vf, &info, &err) < 0)
			goto out_fail;
		if (!info.netdev[0]) {
			kr_err_set(&err, -ENODEV, "the VF has no netdev on "
						  "the host");
			goto out_fail;
		}
		netdev = info.netdev;
	}
	step = "move into the container";
	if (kr_nl_move(c->host_nl, netdev, c->pod_ns, v->pod_ifname,
		       &err) < 0)
		goto out_fail;
	step = "find it in the container";
	if (kr_nl_ifindex(c->pod_nl, v->pod_ifname, &ifindex, &err) < 0)
		goto out_fail;
	step = "drop alternative names";
	if (kr_nl_drop_altnames(c->pod_nl, ifindex, &err) < 0)
		goto out_fail;
	return 0;
out_fail:
	return cni_fail(e, KR_CNI_ERR_INTERFACE, "cannot set up an interface",
			"interface %zu (%s, PF %s VF %u): %s: %s", i,
			v->pod_ifname, v->pf, v->vf, step, kr_err_text(&err));
}

static int move_vf(struct ctx *c, const struct kr_alloc_vf *v, size_t i,
		   struct kr_cni_error *e)
{
	struct kr_node_pf *pf = kr_node_find_pf(c->node, v->pf);
	int r;

	pthread_mutex_lock(&pf->lock);
	r = move_vf_locked(c, pf, v, i, e);
	pthread_mutex_unlock(&pf->lock);
	return r;
}

/* IPAM, addresses, link up, routes: the second pass. */
static int configure_vf(struct ctx *c, const struct kr_alloc_vf *v, size_t i,
			struct kr_cni_iface *iface,
			struct kr_cni_ipam_result *ipam,
			struct kr_cni_error *e)
{
	struct kr_err err = { 0 };
	const char *step;
	json_t *item;
	size_t k;
	int ifindex;

	step = "find it in the container";
	if (kr_nl_ifindex(c->pod_nl, v->pod_ifname, &ifindex, &err) < 0)
		goto out_fail;
	if (cni_ipam_exec(c->env, c->conf, "ADD", v->pod_ifname, ipam, e) < 0)
		return -1;
	step = "add an address";
	json_array_foreach(ipam->ips, k, item) {
		const char *a = json_string_value(json_object_get(item,
								  "address"));

		if (a && kr_nl_addr_add(c->pod_nl, ifindex, a, &err) < 0)
			goto out_fail;
	}
	step = "bring it up";
	if (kr_nl_set_up(c->pod_nl, ifindex, 1, &err) < 0)
		goto out_fail;
	step = "add a route";
	json_array_foreach(ipam->routes, k, item) {
		const char *dst = json_string_value(json_object_get(item,
								    "dst"));
		const char *gw = json_string_value(json_object_get(item, "gw"));

		if (dst && kr_nl_route_add(c->pod_nl, ifindex, dst, gw,
					   &err) < 0)
			goto out_fail;
	}
	step = "read its MAC";
	snprintf(iface->pci, sizeof(iface->pci), "%s", v->pci);
	if (kr_nl_link_info(c->pod_nl, ifindex, iface->name, iface->mac,
			    &err) < 0)
		goto out_fail;
	return 0;
out_fail:
	return cni_fail(e, KR_CNI_ERR_INTERFACE, "cannot set up an interface",
			"interface %zu (%s, PF %s VF %u): %s: %s", i,
			v->pod_ifname, v->pf, v->vf, step, kr_err_text(&err));
}

/*
 * Read the node, place the request and write the record, all under the
 * placement lock: a concurrent ADD sees this one's VFs as taken.
 */
static int reserve(struct ctx *c, const struct kr_request *req,
		   const char *decided, struct kr_alloc *rec,
		   struct kr_cni_error *e)
{
	struct kr_place_opts opts = { .policy = KR_POLICY_BINPACK };
	struct kr_placement p = { 0 };
	struct kr_inventory *inv = NULL;
	struct kr_err err = { 0 };
	int r = -1;

	/* the cluster's policy, as the extender would have placed it */
	kr_policy_parse(c->cfg->extender_policy, &opts.policy);
	pthread_mutex_lock(&c->call->agent->placement_lock);
	if (kr_node_inventory(c->node, NULL, &inv, &err) < 0) {
		cni_fail(e, KR_CNI_ERR_INTERNAL, "cannot read the node", "%s",
			 kr_err_text(&err));
		goto out;
	}
	if (decided && kr_placement_annotation_parse(inv, req, decided, &p.pf,
						     &err) == 0) {
		p.fits = true;	/* the extender's decision still holds */
		p.n = req->n;
	} else {
		if (decided)
			kr_log(KR_LOG_WARNING,
			       "%s of %s/%s no longer fits (%s); placing "
			       "locally", KR_ANNOTATION_PLACEMENT,
			       c->env->pod_namespace, c->env->pod_name,
			       kr_err_text(&err));
		if (kr_place(inv, req, &opts, &p, &err) < 0) {
			cni_fail(e, KR_CNI_ERR_INTERNAL, "placement failed",
				 "%s", kr_err_text(&err));
			goto out;
		}
	}
	if (!p.fits) {
		cni_fail(e, KR_CNI_ERR_NO_ROOM,
			 "the pod's RDMA interfaces do not fit this node",
			 "%s", p.reason);
		goto out;
	}
	if (!req->n) {
		r = 0;
		goto out;
	}
	if (plan(c, inv, req, &p, rec, e) < 0)
		goto out;
	if (kr_alloc_write(c->cfg->state_dir, rec, &err) < 0) {
		cni_fail(e, KR_CNI_ERR_IO, "cannot write the record", "%s",
			 kr_err_text(&err));
		goto out;
	}
	c->call->changed = 1;
	r = 0;
out:
	pthread_mutex_unlock(&c->call->agent->placement_lock);
	kr_placement_clear(&p);
	kr_inventory_free(inv);
	return r;
}

int cni_add(struct kr_cni_call *call, struct kr_cni_error *e)
{
	const struct kr_cni_env *env = &call->env;
	struct kr_cni_conf *conf = &call->conf;
	struct kr_cni_ipam_result *ipam = NULL;
	struct kr_request *req = NULL;
	struct kr_cni_iface *ifaces = NULL;
	struct kr_alloc rec = { 0 }, *stale = NULL;
	struct kr_err err = { 0 };
	char *decided = NULL;	/* the extender's placement, if any */
	struct ctx c;
	int r = -1, ifindex;
	size_t i;

	if (ctx_open(&c, call, e) < 0)
		goto out;
	if (read_request(call->cfg, env, conf, &req, &decided, e) < 0 ||
	    ctx_open_pod(&c, env->netns, 1, e) < 0)
		goto out;
	/* an earlier ADD of this attachment that never finished */
	if (kr_alloc_read(c.cfg->state_dir, env->container_id, env->ifname,
			  &stale, &err) == 0 && release(&c, stale, e) < 0)
		goto out;
	ifaces = calloc(req->n + 1, sizeof(*ifaces));
	ipam = calloc(req->n + 1, sizeof(*ipam));
	if (!ifaces || !ipam) {
		cni_fail(e, KR_CNI_ERR_INTERNAL, "out of memory", NULL);
		goto out;
	}
	if (reserve(&c, req, decided, &rec, e) < 0)
		goto out;
	for (i = 0; i < rec.n_vfs; i++)
		if (kr_nl_ifindex(c.pod_nl, rec.vfs[i].pod_ifname, &ifindex,
				  &err) == 0) {
			cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
				 "interface already exists in the container",
				 "%s", rec.vfs[i].pod_ifname);
			goto out_release;
		}
	for (i = 0; i < 2 * rec.n_vfs; i++) {
		size_t k = i % rec.n_vfs;
		int r2 = i < rec.n_vfs
				 ? move_vf(&c, &rec.vfs[k], k, e)
				 : configure_vf(&c, &rec.vfs[k], k, &ifaces[k],
						&ipam[k], e);

		if (r2 < 0)
			goto out_release;
	}
	if (rec.n_vfs) {
		rec.state = KR_ALLOC_READY;
		if (kr_alloc_write(c.cfg->state_dir, &rec, &err) < 0) {
			cni_fail(e, KR_CNI_ERR_IO, "cannot write the record",
				 "%s", kr_err_text(&err));
			goto out_release;
		}
	}
	call->result = cni_result_build(conf->cni_version, conf->prev_result,
					env->netns, ifaces, ipam, req->n,
					conf->dns);
	if (call->result)
		r = 0;
	else
		cni_fail(e, KR_CNI_ERR_INTERNAL, "out of memory", NULL);
	if (r == 0)
		goto out;
out_release:
	if (rec.n_vfs) {
		struct kr_cni_error undo;

		if (release(&c, &rec, &undo) < 0)
			kr_log(KR_LOG_ERR, "rollback: %s: %s", undo.msg,
			       undo.details);
	}
out:
	for (i = 0; ipam && i < req->n; i++)
		cni_ipam_result_clear(&ipam[i]);
	free(ipam);
	free(ifaces);
	kr_alloc_clear(&rec);
	kr_alloc_free(stale);
	free(decided);
	kr_request_free(req);
	ctx_close(&c);
	return r;
}

/* ---- DEL ---- */

int cni_del(struct kr_cni_call *call, struct kr_cni_error *e)
{
	const struct kr_cni_env *env = &call->env;
	struct kr_alloc *rec = NULL;
	struct kr_err err = { 0 };
	struct ctx c;
	int r = -1;

	if (ctx_open(&c, call, e) < 0)
		goto out;
	ctx_open_pod(&c, env->netns, 0, e);
	r = kr_alloc_read(c.cfg->state_dir, env->container_id, env->ifname,
			  &rec, &err);
	if (r == -ENOENT) {
		/* nothing of ours; IPAM may still hold the first address */
		r = cni_ipam_exec(env, &call->conf, "DEL", env->ifname, NULL,
				  e);
	} else if (r < 0) {
		cni_fail(e, KR_CNI_ERR_IO, "cannot read the record", "%s",
			 kr_err_text(&err));
	} else {
		r = release(&c, rec, e);
	}
out:
	kr_alloc_free(rec);
	ctx_close(&c);
	return r;
}

/* ---- CHECK ---- */

/* The interface of prevResult named 'name', and its index. */
static json_t *prev_iface(json_t *prev, const char *name, json_int_t *index)
{
	json_t *i;
	size_t k;

	json_array_foreach(json_object_get(prev, "interfaces"), k, i)
		if (!strcmp(json_string_value(json_object_get(i, "name")) ?: "",
			    name)) {
			*index = (json_int_t)k;
			return i;
		}
	return NULL;
}

static int check_vf(struct ctx *c, const struct kr_alloc_vf *v,
		    struct kr_cni_error *e)
{
	struct kr_node_pf *pf = kr_node_find_pf(c->node, v->pf);
	json_t *prev = c->conf->prev_result, *pi, *ip;
	char mac[KR_MAC_STR_SIZE];
	struct kr_vf_info info;
	struct kr_err err = { 0 };
	struct kr_rdma_nl *pod = NULL;
	json_int_t index = -1;
	uint32_t rdma_index;
	int ifindex, r;
	size_t j;

	if (kr_nl_ifindex(c->pod_nl, v->pod_ifname, &ifindex, &err) < 0 ||
	    kr_nl_link_info(c->pod_nl, ifindex, NULL, mac, &err) < 0)
		return cni_fail(e, KR_CNI_ERR_CHECK, "interface missing",
				"%s: %s", v->pod_ifname, kr_err_text(&err));
	pi = prev_iface(prev, v->pod_ifname, &index);
	if (!pi)
		return cni_fail(e, KR_CNI_ERR_CHECK,
				"interface not in prevResult", "%s",
				v->pod_ifname);
	if (strcasecmp(json_string_value(json_object_get(pi, "mac")) ?: "",
		       mac))
		return cni_fail(e, KR_CNI_ERR_CHECK, "MAC address changed",
				"%s: %s, prevResult says %s", v->pod_ifname,
				mac,
				json_string_value(json_object_get(pi, "mac")));
	json_array_foreach(json_object_get(prev, "ips"), j, ip) {
		const char *a = json_string_value(json_object_get(ip,
								  "address"));

		if (json_integer_value(json_object_get(ip, "interface")) !=
			    index ||
		    !a)
			continue;
		if (kr_nl_addr_has(c->pod_nl, ifindex, a, &err) != 1)
			return cni_fail(e, KR_CNI_ERR_CHECK, "address missing",
					"%s lacks %s", v->pod_ifname, a);
	}
	r = rdma_follows(c, v, &pod, &err);
	if (r > 0)
		r = kr_rdma_dev_find(pod, v->rdma_device, &rdma_index, &err);
	if (r < 0)
		return cni_fail(e, KR_CNI_ERR_CHECK, "RDMA device not in the "
				"container", "%s (PF %s VF %u): %s",
				v->pod_ifname, v->pf, v->vf, kr_err_text(&err));
	if (!pf || !pf->handle)
		return cni_fail(e, KR_CNI_ERR_CHECK, "PF not available", "%s",
				v->pf);
	pthread_mutex_lock(&pf->lock);
	r = vf_info(pf, v->vf, &info, &err);
	pthread_mutex_unlock(&pf->lock);
	if (r < 0)
		return cni_fail(e, KR_CNI_ERR_CHECK, "cannot read the VF", "%s",
				kr_err_text(&err));
	if (info.min_tx_rate != v->min_tx_rate ||
	    info.max_tx_rate != v->max_tx_rate)
		return cni_fail(e, KR_CNI_ERR_CHECK, "rates changed",
				"%s (PF %s VF %u): min %u max %u, expected %u "
				"and %u", v->pod_ifname, v->pf, v->vf,
				info.min_tx_rate, info.max_tx_rate,
				v->min_tx_rate, v->max_tx_rate);
	return 0;
}

int cni_check(struct kr_cni_call *call, struct kr_cni_error *e)
{
	const struct kr_cni_env *env = &call->env;
	struct kr_cni_conf *conf = &call->conf;
	struct kr_alloc *rec = NULL;
	struct kr_err err = { 0 };
	struct ctx c;
	size_t i;
	int r = -1;

	if (!conf->prev_result)
		return cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
				"Required prevResult missing", NULL);
	if (ctx_open(&c, call, e) < 0 ||
	    ctx_open_pod(&c, env->netns, 1, e) < 0)
		goto out;
	if (kr_alloc_read(c.cfg->state_dir, env->container_id, env->ifname,
			  &rec, &err) < 0) {
		if (err.code == -ENOENT && !json_array_size(json_object_get(
						   conf->prev_result,
						   "interfaces")))
			r = 0;	/* asked for nothing, has nothing */
		else
			cni_fail(e, KR_CNI_ERR_CHECK, "no allocation record",
				 "%s", kr_err_text(&err));
		goto out;
	}
	for (i = 0; i < rec->n_vfs; i++)
		if (check_vf(&c, &rec->vfs[i], e) < 0)
			goto out;
	for (i = 0; i < rec->n_vfs; i++)
		if (cni_ipam_exec(env, conf, "CHECK", rec->vfs[i].pod_ifname,
				  NULL, e) < 0)
			goto out;
	r = 0;
out:
	kr_alloc_free(rec);
	ctx_close(&c);
	return r;
}

/* ---- GC and STATUS ---- */

static int attachment_valid(json_t *valid, const struct kr_alloc *a)
{
	json_t *v;
	size_t i;

	json_array_foreach(valid, i, v) {
		const char *cid = json_string_value(json_object_get(
			v, "containerID"));
		const char *ifn = json_string_value(json_object_get(v,
								    "ifname"));

		if (cid && ifn && !strcmp(cid, a->container_id) &&
		    !strcmp(ifn, a->ifname))
			return 1;
	}
	return 0;
}

int cni_gc(struct kr_cni_call *call, struct kr_cni_error *e)
{
	const struct kr_cni_env *env = &call->env;
	struct kr_cni_conf *conf = &call->conf;
	struct kr_alloc **list = NULL;
	struct kr_err err = { 0 };
	struct kr_cni_error first = { 0 };
	size_t n = 0, i;
	struct ctx c;
	int failed = 0;

	if (conf->valid_attachments && !json_is_array(conf->valid_attachments))
		return cni_fail(e, KR_CNI_ERR_INVALID_CONFIG,
				"cni.dev/valid-attachments must be an array",
				NULL);
	if (ctx_open(&c, call, e) < 0) {
		ctx_close(&c);
		return -1;
	}
	if (kr_alloc_list(c.cfg->state_dir, NULL, &list, &n, &err) < 0)
		note(&first, &failed, KR_CNI_ERR_IO, "cannot list records",
		     "%s", kr_err_text(&err));
	for (i = 0; i < n; i++) {
		struct kr_cni_env one = *env;
		struct kr_cni_error oe;

		if (attachment_valid(conf->valid_attachments, list[i]))
			continue;
		one.container_id = list[i]->container_id;
		one.ifname = list[i]->ifname;
		c.env = &one;
		ctx_close_pod(&c);
		ctx_open_pod(&c, list[i]->netns, 0, &oe);
		if (release(&c, list[i], &oe) < 0)
			note(&first, &failed, oe.code, oe.msg, "%s",
			     oe.details);
	}
	c.env = env;
	kr_alloc_list_free(list, n);
	ctx_close(&c);
	{
		struct kr_cni_error ipam_e;

		if (cni_ipam_exec(env, conf, "GC", NULL, NULL, &ipam_e) < 0)
			note(&first, &failed, ipam_e.code, ipam_e.msg, "%s",
			     ipam_e.details);
	}
	if (failed)
		*e = first;
	return failed ? -1 : 0;
}

int cni_status(struct kr_cni_call *call, struct kr_cni_error *e)
{
	struct ctx c;
	size_t i, usable = 0;
	int r = -1;

	if (ctx_open(&c, call, e) < 0) {
		e->code = KR_CNI_ERR_NOT_AVAILABLE;
		goto out;
	}
	for (i = 0; i < c.node->n_pfs; i++)
		usable += c.node->pfs[i].handle != NULL;
	if (c.node->n_pfs && !usable) {
		cni_fail(e, KR_CNI_ERR_NOT_AVAILABLE, "no PF is usable", "%s",
			 kr_err_text(&c.node->pfs[0].open_err));
		goto out;
	}
	r = cni_ipam_exec(&call->env, &call->conf, "STATUS", NULL, NULL, e);
out:
	ctx_close(&c);
	return r;
}

/* ---- the agent's repair at start ---- */

/* Release one unfinished attachment as a DEL from its runtime would. */
static int repair_one(struct kr_cni_call *call, struct kr_alloc *rec,
		      struct kr_cni_error *e)
{
	struct ctx c;
	int r = -1;

	call->env.vars = json_pack("{s:s, s:s, s:s, s:s, s:s}", "CNI_COMMAND",
				   "DEL", "CNI_CONTAINERID", rec->container_id,
				   "CNI_IFNAME", rec->ifname, "CNI_NETNS",
				   rec->netns, "CNI_PATH",
				   rec->cni_path ? rec->cni_path : "");
	call->env.command = "DEL";
	call->env.container_id = rec->container_id;
	call->env.ifname = rec->ifname;
	call->env.netns = rec->netns;
	call->env.path = rec->cni_path;
	/* without its configuration, IPAM cannot be asked (old records) */
	if (rec->netconf && cni_conf_parse(rec->netconf, strlen(rec->netconf),
					   &call->conf, e) < 0)
		kr_log(KR_LOG_WARNING, "%s.%s: the recorded network "
				       "configuration does not parse (%s), "
				       "so its addresses stay with IPAM",
		       rec->container_id, rec->ifname, e->details);
	if (!call->env.vars)
		cni_fail(e, KR_CNI_ERR_INTERNAL, "out of memory", NULL);
	else if (ctx_open(&c, call, e) == 0) {
		ctx_open_pod(&c, rec->netns, 0, e);
		r = release(&c, rec, e);
	}
	ctx_close(&c);
	json_decref(call->env.vars);
	json_decref(call->conf.doc);
	return r;
}

size_t cni_repair(struct cni_agent *agent, const struct kr_config *cfg,
		  struct kr_node *node)
{
	struct kr_alloc **list = NULL;
	struct kr_err err = { 0 };
	size_t n = 0, i, failed = 0;

	if (kr_alloc_list(cfg->state_dir, NULL, &list, &n, &err) < 0) {
		kr_log(KR_LOG_ERR, "cannot list allocation records: %s",
		       kr_err_text(&err));
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct kr_cni_call call = { .agent = agent, .cfg = cfg,
					    .node = node };
		struct kr_cni_error e = { 0 };
		struct kr_alloc *rec = list[i];
		enum kr_alloc_state was = rec->state;

		if (was == KR_ALLOC_READY)
			continue;
		if (repair_one(&call, rec, &e) < 0) {
			kr_log(KR_LOG_ERR, "%s.%s (%s when the agent stopped): "
					   "cannot release: %s: %s",
			       rec->container_id, rec->ifname,
			       kr_alloc_state_name(was), e.msg, e.details);
			failed++;
		} else {
			kr_log(KR_LOG_INFO, "%s.%s: released the attachment "
					    "(%s when the agent stopped)",
			       rec->container_id, rec->ifname,
			       kr_alloc_state_name(was));
		}
	}
	kr_alloc_list_free(list, n);
	return failed;
}
