/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ADD.  The allocation record is the plan: it is written, under the
 * agent's placement lock, before any VF is touched, and a failure at any
 * step releases the attachment as the record describes.  Each PF's backend
 * calls run under that PF's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "cni_ctx.h"
#include "err.h"
#include "k8s.h"
#include "log.h"
#include "placement.h"
#include "placement_annotation.h"
#include "request.h"
#include "util.h"

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
		      const struct cni_conf *conf,
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
			const struct cni_env *env,
			const struct cni_conf *conf,
			struct kr_request **req, char **ret_placement,
			struct cni_error *e)
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
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"cannot read the pod from the API server",
				"%s/%s: %s", env->pod_namespace, env->pod_name,
				kr_err_text(&err));
	if (kc) {
		if (!env->pod_namespace[0]) {
			kr_kubeconfig_free(kc);
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"invalid CNI_ARGS",
					"K8S_POD_NAME without "
					"K8S_POD_NAMESPACE");
		}
		/* they go into the API server's path (a runtime without
		 * Kubernetes may name its containers otherwise) */
		if (!kr_k8s_name_valid(env->pod_namespace) ||
		    !kr_k8s_name_valid(env->pod_name)) {
			kr_kubeconfig_free(kc);
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"invalid CNI_ARGS",
					"K8S_POD_NAMESPACE \"%.64s\" or "
					"K8S_POD_NAME \"%.64s\" is not a "
					"Kubernetes name (DNS-1123)",
					env->pod_namespace, env->pod_name);
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
						   ? CNI_ERR_INVALID_CONFIG
						   : CNI_ERR_TRY_AGAIN,
					"cannot read the pod from the API "
					"server", "%s/%s: %s",
					env->pod_namespace, env->pod_name,
					kr_err_text(&err));
		uid = json_string_value(json_object_get(
			json_object_get(pod, "metadata"), "uid"));
		if (env->pod_uid[0] && (!uid || strcmp(uid, env->pod_uid))) {
			cni_fail(e, CNI_ERR_INVALID_CONFIG,
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
			return cni_fail(e, CNI_ERR_INVALID_CONFIG,
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
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
	r = kr_request_parse(text, strlen(text), 0, req, &err);
	free(text);
	if (r < 0)
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"invalid interfaces in the network "
				"configuration", "interfaces%s",
				kr_err_text(&err));
	return 0;
}

/* Pick free VFs for the placement and write the record (the plan). */
static int plan(struct cni_ctx *c, const struct kr_inventory *inv,
		const struct kr_request *req, const struct kr_placement *p,
		struct kr_alloc *rec, struct cni_error *e)
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
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
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
			return cni_fail(e, CNI_ERR_NO_ROOM,
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
				return cni_fail(e, CNI_ERR_INVALID_CONFIG,
						"interface names clash",
						"interfaces %zu and %zu are "
						"both named %s", j, i,
						v->pod_ifname);
	}
	return 0;
}

/* Interface i failed at 'step': code 101, naming the interface and VF. */
static int setup_failed(struct cni_error *e, size_t i,
			const struct kr_alloc_vf *v, const char *step,
			const struct kr_err *err)
{
	return cni_fail(e, CNI_ERR_INTERFACE, "cannot set up an interface",
			"interface %zu (%s, PF %s VF %u): %s: %s", i,
			v->pod_ifname, v->pf, v->vf, step, kr_err_text(err));
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
static int move_vf_locked(struct cni_ctx *c, struct kr_node_pf *pf,
			  const struct kr_alloc_vf *v, size_t i,
			  struct cni_error *e)
{
	const char *netdev = v->host_netdev;
	struct kr_err err = { 0 };
	struct kr_vf_info info;
	int ifindex, exclusive = 0;
	const char *step;

	step = "set rates";
	if (kr_node_pf_vf_set_rate(pf, v->vf, v->min_tx_rate, v->max_tx_rate,
				   &err) < 0)
		goto out_fail;
	step = "read the RDMA namespace mode";
	if (v->rdma_device[0] && cni_rdma_exclusive(c, &exclusive, &err) < 0)
		goto out_fail;
	if (exclusive) {
		step = "move its RDMA device into the container";
		if (kr_rdma_dev_move(c->host_rdma, v->rdma_device, c->pod_ns,
				     &err) < 0)
			goto out_fail;
		step = "find its netdev after the RDMA device moved";
		if (cni_vf_info(pf, v->vf, &info, &err) < 0)
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
	return setup_failed(e, i, v, step, &err);
}

static int move_vf(struct cni_ctx *c, const struct kr_alloc_vf *v, size_t i,
		   struct cni_error *e)
{
	struct kr_node_pf *pf = kr_node_find_pf(c->node, v->pf);
	int r;

	pthread_mutex_lock(&pf->lock);
	r = move_vf_locked(c, pf, v, i, e);
	pthread_mutex_unlock(&pf->lock);
	return r;
}

/* IPAM, addresses, link up, routes: the second pass. */
static int configure_vf(struct cni_ctx *c, const struct kr_alloc_vf *v, size_t i,
			struct cni_iface *iface,
			struct cni_ipam_result *ipam,
			struct cni_error *e)
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
	return setup_failed(e, i, v, step, &err);
}

/*
 * Read the node, place the request and write the record, all under the
 * placement lock: a concurrent ADD sees this one's VFs as taken.
 */
static int reserve(struct cni_ctx *c, const struct kr_request *req,
		   const char *decided, struct kr_alloc *rec,
		   struct cni_error *e)
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
		cni_fail(e, CNI_ERR_INTERNAL, "cannot read the node", "%s",
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
			cni_fail(e, CNI_ERR_INTERNAL, "placement failed",
				 "%s", kr_err_text(&err));
			goto out;
		}
	}
	if (!p.fits && p.cut_off) {
		/* not a "no": the search ran out of budget */
		char *repro = kr_place_command(inv, req, opts.policy);

		kr_log(KR_LOG_WARNING, "placement of %s/%s undecided; to "
				       "reproduce: %s", c->env->pod_namespace,
		       c->env->pod_name, repro ? repro : "(out of memory)");
		free(repro);
		cni_fail(e, CNI_ERR_NO_ROOM, "the placement of the pod's RDMA "
			 "interfaces on this node is undecided", "%s",
			 p.reason);
		goto out;
	}
	if (!p.fits) {
		cni_fail(e, CNI_ERR_NO_ROOM,
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
		cni_fail(e, CNI_ERR_IO, "cannot write the record", "%s",
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

int cni_add(struct cni_call *call, struct cni_error *e)
{
	const struct cni_env *env = &call->env;
	struct cni_conf *conf = &call->conf;
	struct cni_ipam_result *ipam = NULL;
	struct kr_request *req = NULL;
	struct cni_iface *ifaces = NULL;
	struct kr_alloc rec = { 0 }, *stale = NULL;
	struct kr_err err = { 0 };
	char *decided = NULL;	/* the extender's placement, if any */
	struct cni_ctx c;
	int r = -1, ifindex;
	size_t i;

	if (cni_ctx_open(&c, call, e) < 0)
		goto out;
	if (read_request(call->cfg, env, conf, &req, &decided, e) < 0 ||
	    cni_ctx_open_pod(&c, env->netns, 1, e) < 0)
		goto out;
	/* an earlier ADD of this attachment that never finished */
	if (kr_alloc_read(c.cfg->state_dir, env->container_id, env->ifname,
			  &stale, &err) == 0 && cni_release(&c, stale, e) < 0)
		goto out;
	ifaces = calloc(req->n + 1, sizeof(*ifaces));
	ipam = calloc(req->n + 1, sizeof(*ipam));
	if (!ifaces || !ipam) {
		cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
		goto out;
	}
	if (reserve(&c, req, decided, &rec, e) < 0)
		goto out;
	for (i = 0; i < rec.n_vfs; i++)
		if (kr_nl_ifindex(c.pod_nl, rec.vfs[i].pod_ifname, &ifindex,
				  &err) == 0) {
			cni_fail(e, CNI_ERR_INVALID_CONFIG,
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
			cni_fail(e, CNI_ERR_IO, "cannot write the record",
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
		cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
	if (r == 0)
		goto out;
out_release:
	if (rec.n_vfs) {
		struct cni_error undo;

		if (cni_release(&c, &rec, &undo) < 0)
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
	cni_ctx_close(&c);
	return r;
}

