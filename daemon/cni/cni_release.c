/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Giving an attachment back: DEL, GC, the rollback of a failed ADD and the
 * agent's repair at start all release it as its record describes, so a
 * crash at any point leaves a record that the next start, DEL or GC of
 * that attachment repairs.
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
#include "log.h"

/*
 * Bring the VF's RDMA device back from the pod, when it went there.  A
 * namespace that is gone has already given it back (the kernel returns RDMA
 * devices to the initial namespace).  1 when it moved, 0 when not.
 */
static int return_rdma(struct cni_ctx *c, const struct kr_alloc_vf *v,
		       struct cni_error *e, int *failed)
{
	struct kr_err err = { 0 };
	struct kr_rdma_nl *pod = NULL;
	int r;

	r = cni_rdma_follows(c, v, &pod, &err);
	if (r > 0)
		r = kr_rdma_dev_move(pod, v->rdma_device, c->host_ns, &err);
	else if (r == 0)
		return 0;	/* it stays where it is */
	if (r == -ENODEV)	/* never moved, or already back */
		return 0;
	if (r < 0) {
		cni_note(e, failed, CNI_ERR_INTERFACE,
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
static void return_vf(struct cni_ctx *c, const struct kr_alloc_vf *v,
		      struct kr_node_pf *pf, struct cni_error *e,
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
			cni_note(e, failed, CNI_ERR_INTERFACE,
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
	if (look && pf && pf->handle && cni_vf_info(pf, v->vf, &info, &err) == 0) {
		memcpy(now, info.netdev, sizeof(now));
		if (now[0] && strcmp(now, v->host_netdev) &&
		    kr_nl_ifindex(c->host_nl, now, &ifindex, &err) == 0) {
			kr_nl_set_up(c->host_nl, ifindex, 0, &err);
			if (kr_nl_rename(c->host_nl, ifindex, v->host_netdev,
					 &err) < 0)
				cni_note(e, failed, CNI_ERR_INTERFACE,
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
int cni_release(struct cni_ctx *c, struct kr_alloc *rec,
		   struct cni_error *e)
{
	struct cni_env ipam_env = *c->env;
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
			cni_note(e, &failed, CNI_ERR_INTERFACE,
			     "cannot reset a VF",
			     "PF %s is not available: %s", v->pf,
			     pf ? kr_err_text(&pf->open_err) : "not configured");
		} else if (kr_node_pf_vf_reset(pf, v->vf, &err) < 0 &&
			   err.code != -ENODEV) {
			cni_note(e, &failed, CNI_ERR_INTERFACE,
			     "cannot reset a VF", "PF %s VF %u: %s", v->pf,
			     v->vf, kr_err_text(&err));
		}
		if (pf)
			pthread_mutex_unlock(&pf->lock);
	}
	/* one IPAM reservation per interface, keyed by its name */
	ipam_env.container_id = rec->container_id;
	for (i = 0; i < rec->n_vfs; i++) {
		struct cni_error ipam_e;

		if (!rec->vfs[i].pod_ifname[0])
			continue;	/* never in a pod (cni_unreadable.c) */
		if (cni_ipam_exec(&ipam_env, c->conf, "DEL",
				  rec->vfs[i].pod_ifname, NULL, &ipam_e) < 0)
			cni_note(e, &failed, ipam_e.code, ipam_e.msg, "%s",
			     ipam_e.details);
	}
	if (!failed && kr_alloc_remove(c->cfg->state_dir, rec->container_id,
				       rec->ifname, &err) < 0)
		cni_note(e, &failed, CNI_ERR_IO, "cannot remove the record",
		     "%s", kr_err_text(&err));
	return failed ? -1 : 0;
}

/* ---- DEL ---- */

int cni_del(struct cni_call *call, struct cni_error *e)
{
	const struct cni_env *env = &call->env;
	struct kr_alloc *rec = NULL;
	struct kr_err err = { 0 };
	struct cni_ctx c;
	int r = -1;

	if (cni_ctx_open(&c, call, e) < 0)
		goto out;
	cni_ctx_open_pod(&c, env->netns, 0, e);
	r = kr_alloc_read(c.cfg->state_dir, env->container_id, env->ifname,
			  &rec, &err);
	if (r == -ENOENT) {
		/* nothing of ours; IPAM may still hold the first address */
		r = cni_ipam_exec(env, &call->conf, "DEL", env->ifname, NULL,
				  e);
	} else if (r == -EINVAL && !call->exclusive) {
		r = CNI_NEEDS_EXCLUSIVE;	/* again, with ADDs held off */
	} else if (r == -EINVAL) {
		r = cni_del_unreadable(&c, e);
	} else if (r < 0) {
		cni_fail(e, CNI_ERR_IO, "cannot read the record", "%s",
			 kr_err_text(&err));
	} else {
		r = cni_release(&c, rec, e);
	}
out:
	kr_alloc_free(rec);
	cni_ctx_close(&c);
	return r;
}

/* ---- GC and STATUS ---- */

int cni_attachment_valid(json_t *valid, const char *container_id,
			 const char *ifname)
{
	json_t *v;
	size_t i;

	json_array_foreach(valid, i, v) {
		const char *cid = json_string_value(json_object_get(
			v, "containerID"));
		const char *ifn = json_string_value(json_object_get(v,
								    "ifname"));

		if (cid && ifn && !strcmp(cid, container_id) &&
		    !strcmp(ifn, ifname))
			return 1;
	}
	return 0;
}

/*
 * The valid attachments as IPAM knows them: each interface of one of ours
 * holds its address under its own name (CNI_IFNAME-1, ...), so every
 * interface of a valid attachment's record is valid too.  New reference.
 */
static json_t *ipam_attachments(json_t *valid, struct kr_alloc **list,
				size_t n)
{
	json_t *out = json_deep_copy(valid);
	size_t i, j;

	for (i = 0; out && i < n; i++) {
		if (!cni_attachment_valid(valid, list[i]->container_id,
					  list[i]->ifname))
			continue;
		for (j = 0; j < list[i]->n_vfs; j++)
			if (strcmp(list[i]->vfs[j].pod_ifname, list[i]->ifname))
				json_array_append_new(
					out, json_pack("{s:s, s:s}",
						       "containerID",
						       list[i]->container_id,
						       "ifname",
						       list[i]->vfs[j].pod_ifname));
	}
	return out;
}

/* GC for the IPAM plugin, with the valid attachments it knows. */
static int ipam_gc(const struct cni_env *env, struct cni_conf *conf,
		   json_t *valid, struct cni_error *e)
{
	struct cni_conf ipam = *conf;
	char *text = NULL;
	int r;

	if (!valid)	/* no list given: as the runtime asked */
		return cni_ipam_exec(env, conf, "GC", NULL, NULL, e);
	ipam.doc = json_deep_copy(conf->doc);
	if (ipam.doc) {
		if (json_object_get(ipam.doc, "cni.dev/attachments"))
			json_object_set(ipam.doc, "cni.dev/attachments", valid);
		json_object_set(ipam.doc, "cni.dev/valid-attachments", valid);
		text = json_dumps(ipam.doc, JSON_COMPACT);
	}
	if (!text) {
		json_decref(ipam.doc);
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
	}
	ipam.raw = text;
	ipam.raw_len = strlen(text);
	r = cni_ipam_exec(env, &ipam, "GC", NULL, NULL, e);
	free(text);
	json_decref(ipam.doc);
	return r;
}

/* kr_alloc_list's report of a record it cannot read, for GC. */
struct unreadable {
	char **paths;
	size_t n;
	int nomem;
};

static void on_unreadable(void *arg, const char *path,
			  const struct kr_err *err)
{
	struct unreadable *u = arg;
	char **grown = realloc(u->paths, (u->n + 1) * sizeof(*grown));

	if (!grown || !(grown[u->n] = strdup(path))) {
		if (grown)
			u->paths = grown;
		u->nomem = 1;
		return;
	}
	u->paths = grown;
	u->n++;
}

int cni_gc(struct cni_call *call, struct cni_error *e)
{
	const struct cni_env *env = &call->env;
	struct cni_conf *conf = &call->conf;
	struct kr_alloc **list = NULL;
	struct kr_err err = { 0 };
	struct cni_error first = { 0 };
	struct unreadable bad = { 0 };
	size_t n = 0, i;
	struct cni_ctx c;
	int failed = 0;

	if (conf->valid_attachments && !json_is_array(conf->valid_attachments))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"cni.dev/valid-attachments must be an array",
				NULL);
	if (cni_ctx_open(&c, call, e) < 0) {
		cni_ctx_close(&c);
		return -1;
	}
	if (kr_alloc_list(c.cfg->state_dir, on_unreadable, &bad, &list, &n,
			  &err) < 0)
		cni_note(&first, &failed, CNI_ERR_IO, "cannot list records",
		     "%s", kr_err_text(&err));
	if (bad.nomem)
		cni_note(&first, &failed, CNI_ERR_INTERNAL, "out of memory",
			 "listing unreadable records");
	for (i = 0; i < n; i++) {
		struct cni_env one = *env;
		struct cni_error oe;

		if (cni_attachment_valid(conf->valid_attachments,
					 list[i]->container_id, list[i]->ifname))
			continue;
		one.container_id = list[i]->container_id;
		one.ifname = list[i]->ifname;
		c.env = &one;
		cni_ctx_close_pod(&c);
		cni_ctx_open_pod(&c, list[i]->netns, 0, &oe);
		if (cni_release(&c, list[i], &oe) < 0)
			cni_note(&first, &failed, oe.code, oe.msg, "%s",
			     oe.details);
	}
	c.env = env;
	{
		struct cni_error ue;

		if (cni_gc_unreadable(&c, bad.paths, bad.n, list, n,
				      conf->valid_attachments, &ue) < 0)
			cni_note(&first, &failed, ue.code, ue.msg, "%s",
				 ue.details);
	}
	cni_ctx_close(&c);
	{
		json_t *valid = conf->valid_attachments
					? ipam_attachments(
						  conf->valid_attachments, list,
						  n)
					: NULL;
		struct cni_error ipam_e;

		if (conf->valid_attachments && !valid)
			cni_note(&first, &failed, CNI_ERR_INTERNAL,
				 "out of memory", "IPAM GC");
		else if (ipam_gc(env, conf, valid, &ipam_e) < 0)
			cni_note(&first, &failed, ipam_e.code, ipam_e.msg, "%s",
				 ipam_e.details);
		json_decref(valid);
	}
	kr_alloc_list_free(list, n);
	for (i = 0; i < bad.n; i++)
		free(bad.paths[i]);
	free(bad.paths);
	if (failed)
		*e = first;
	return failed ? -1 : 0;
}

/* ---- the agent's repair at start ---- */

/* Release one unfinished attachment as a DEL from its runtime would. */
static int repair_one(struct cni_call *call, struct kr_alloc *rec,
		      struct cni_error *e)
{
	struct cni_ctx c;
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
		cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
	else if (cni_ctx_open(&c, call, e) == 0) {
		cni_ctx_open_pod(&c, rec->netns, 0, e);
		r = cni_release(&c, rec, e);
	}
	cni_ctx_close(&c);
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

	if (kr_alloc_list(cfg->state_dir, NULL, NULL, &list, &n, &err) < 0) {
		kr_log(KR_LOG_ERR, "cannot list allocation records: %s",
		       kr_err_text(&err));
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct cni_call call = { .agent = agent, .cfg = cfg,
					    .node = node };
		struct cni_error e = { 0 };
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
