/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attachments whose allocation record cannot be read (truncated, garbage,
 * another schema).  Its VFs are unknown, so the inventory marks every VF it
 * may hold unavailable and init resets none; DEL and GC of the attachment
 * set the file aside for the operator and release what the kernel shows of
 * it, through a record rebuilt from the kernel: written before anything is
 * touched and released as any other, so a crash midway leaves a record the
 * agent's repair finishes.
 *
 * Both run with the gc lock held for writing: no ADD is choosing or
 * claiming VFs meanwhile, so "held by no readable record" stays true.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "cni_ctx.h"
#include "err.h"
#include "log.h"
#include "nl.h"

static int add_vf(struct kr_alloc *rec, const char *pf,
		  const struct kr_vf_info *info, const char *host_netdev,
		  const char *pod_ifname)
{
	struct kr_alloc_vf *grown, *v;

	grown = realloc(rec->vfs, (rec->n_vfs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rec->vfs = grown;
	v = &rec->vfs[rec->n_vfs++];
	memset(v, 0, sizeof(*v));
	snprintf(v->pf, sizeof(v->pf), "%s", pf);
	v->vf = info->index;
	snprintf(v->pci, sizeof(v->pci), "%s", info->pci);
	snprintf(v->host_netdev, sizeof(v->host_netdev), "%s", host_netdev);
	snprintf(v->pod_ifname, sizeof(v->pod_ifname), "%s", pod_ifname);
	snprintf(v->rdma_device, sizeof(v->rdma_device), "%s",
		 info->rdma_device);
	v->min_tx_rate = info->min_tx_rate;
	v->max_tx_rate = info->max_tx_rate;
	return 0;
}

/*
 * The VFs of one PF that the attachment holds as far as the kernel shows:
 * those no readable record holds whose netdev is in the pod (found by the
 * MAC the PF reports), and those on the host that carry a rate (nothing
 * free carries one: a pod whose namespace is gone left it).  A VF back
 * from the pod gets the name the kernel's VF naming gives (PFvN) when it
 * fits and is free.
 */
static int rebuild_pf(struct cni_ctx *c, struct kr_node_pf *pf,
		      struct kr_alloc **list, size_t n, struct kr_alloc *rec,
		      struct kr_err *err)
{
	struct kr_vf_info *vfs = NULL;
	uint32_t count = 0, i;
	int r;

	r = kr_node_pf_vfs(pf, &vfs, &count, err);
	for (i = 0; r == 0 && i < count; i++) {
		const struct kr_vf_info *info = &vfs[i];
		char pod_name[KR_IFNAMSIZ], host[32];
		struct kr_err none;
		int ifindex;

		if (kr_alloc_holder(list, n, pf->cfg->name, info->index))
			continue;
		if (info->netdev[0]) {
			if (info->min_tx_rate || info->max_tx_rate)
				r = add_vf(rec, pf->cfg->name, info,
					   info->netdev, "");
			continue;
		}
		if (!c->pod_nl || !info->mac[0] ||
		    kr_nl_find_mac(c->pod_nl, info->mac, pod_name, &none) < 0)
			continue;
		snprintf(host, sizeof(host), "%sv%u", pf->cfg->name,
			 info->index);
		if (strlen(host) >= KR_IFNAMSIZ ||
		    kr_nl_ifindex(c->host_nl, host, &ifindex, &none) == 0)
			snprintf(host, sizeof(host), "%s", pod_name);
		r = add_vf(rec, pf->cfg->name, info, host, pod_name);
	}
	free(vfs);
	if (r == -ENOMEM)
		return kr_err_set(err, r, "out of memory");
	return r;
}

/*
 * Set the unreadable file at 'path' aside and release the attachment of
 * 'c->env' as the kernel shows it.  'list' holds the readable records.
 * With 'ipam', IPAM releases the first interface's address too (the
 * rebuilt record names the interfaces found in the pod only); GC leaves
 * that to the IPAM plugin's own GC.
 */
static int release_unreadable(struct cni_ctx *c, const char *path,
			      struct kr_alloc **list, size_t n, int ipam,
			      struct cni_error *e)
{
	const struct cni_env *env = c->env;
	struct kr_alloc rec = { .state = KR_ALLOC_READY };
	struct kr_err err = { 0 };
	char aside[4096];
	int r = 0, ipam_done = 0;
	size_t i;

	if (kr_alloc_set_aside(c->cfg->state_dir, path, aside, sizeof(aside),
			       &err) < 0)
		return cni_fail(e, CNI_ERR_IO, "cannot set the unreadable "
						"record aside", "%s",
				kr_err_text(&err));
	kr_log(KR_LOG_WARNING, "%s.%s: the allocation record cannot be read; "
			       "kept as %s, releasing what the kernel shows "
			       "of the attachment", env->container_id,
	       env->ifname, aside);
	snprintf(rec.container_id, sizeof(rec.container_id), "%s",
		 env->container_id);
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", env->ifname);
	snprintf(rec.netns, sizeof(rec.netns), "%s",
		 env->netns ? env->netns : "");
	rec.netconf = c->conf->raw ? strndup(c->conf->raw, c->conf->raw_len)
				   : NULL;
	rec.cni_path = env->path ? strdup(env->path) : NULL;
	for (i = 0; r == 0 && i < c->node->n_pfs; i++) {
		struct kr_node_pf *pf = &c->node->pfs[i];

		if (!pf->handle)
			continue;
		pthread_mutex_lock(&pf->lock);
		r = rebuild_pf(c, pf, list, n, &rec, &err);
		pthread_mutex_unlock(&pf->lock);
	}
	if (r < 0) {
		cni_fail(e, CNI_ERR_IO, "cannot read the VFs", "%s",
			 kr_err_text(&err));
		goto out;
	}
	for (i = 0; i < rec.n_vfs; i++)
		if (!strcmp(rec.vfs[i].pod_ifname, env->ifname))
			ipam_done = 1;
	r = cni_release(c, &rec, e);
	/* the first address, which the rebuilt record may not name */
	if (r == 0 && ipam && !ipam_done)
		r = cni_ipam_exec(env, c->conf, "DEL", env->ifname, NULL, e);
	if (r == 0)
		kr_log(KR_LOG_INFO, "%s.%s: released %zu VF%s of the "
				    "attachment whose record was unreadable",
		       env->container_id, env->ifname, rec.n_vfs,
		       rec.n_vfs == 1 ? "" : "s");
out:
	kr_alloc_clear(&rec);
	return r;
}

int cni_del_unreadable(struct cni_ctx *c, struct cni_error *e)
{
	const struct cni_env *env = c->env;
	struct kr_alloc **list = NULL;
	struct kr_err err = { 0 };
	char *path = NULL;
	size_t n = 0;
	int r;

	if (kr_alloc_list(c->cfg->state_dir, NULL, NULL, &list, &n, &err) < 0 ||
	    kr_alloc_path(c->cfg->state_dir, env->container_id, env->ifname,
			  &path, &err) < 0)
		r = cni_fail(e, CNI_ERR_IO, "cannot list records", "%s",
			     kr_err_text(&err));
	else
		r = release_unreadable(c, path, list, n, 1, e);
	free(path);
	kr_alloc_list_free(list, n);
	return r;
}

int cni_gc_unreadable(struct cni_ctx *c, char **paths, size_t n_paths,
		      struct kr_alloc **list, size_t n, json_t *valid,
		      struct cni_error *e)
{
	const struct cni_env *env = c->env;
	int failed = 0;
	size_t i;

	for (i = 0; i < n_paths; i++) {
		const char *name = strrchr(paths[i], '/');
		char cid[129], ifname[KR_IFNAMSIZ];
		struct cni_env one = *env;
		struct cni_error oe;
		const char *dot;

		/* the attachment from the file's name, CONTAINERID.IFNAME.json
		 * (container IDs have no dots; an ifname may); its namespace
		 * is unknown, so only what it left on the host is found */
		name = name ? name + 1 : paths[i];
		dot = strchr(name, '.');
		if (!dot || snprintf(cid, sizeof(cid), "%.*s",
				     (int)(dot - name), name) >= (int)sizeof(cid) ||
		    snprintf(ifname, sizeof(ifname), "%.*s",
			     (int)(strlen(dot + 1) - strlen(".json")),
			     dot + 1) >= (int)sizeof(ifname))
			continue;	/* not a record's name */
		if (cni_attachment_valid(valid, cid, ifname))
			continue;	/* its pod lives: its DEL repairs it */
		one.container_id = cid;
		one.ifname = ifname;
		one.netns = "";
		c->env = &one;
		cni_ctx_close_pod(c);
		if (release_unreadable(c, paths[i], list, n, 0, &oe) < 0)
			cni_note(e, &failed, oe.code, oe.msg, "%s",
				 oe.details);
	}
	c->env = env;
	return failed ? -1 : 0;
}
