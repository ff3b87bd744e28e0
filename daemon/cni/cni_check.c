/* SPDX-License-Identifier: Apache-2.0 */
/* CHECK (against prevResult and the node) and STATUS. */
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

static int check_vf(struct cni_ctx *c, const struct kr_alloc_vf *v,
		    struct cni_error *e)
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
		return cni_fail(e, CNI_ERR_CHECK, "interface missing",
				"%s: %s", v->pod_ifname, kr_err_text(&err));
	pi = prev_iface(prev, v->pod_ifname, &index);
	if (!pi)
		return cni_fail(e, CNI_ERR_CHECK,
				"interface not in prevResult", "%s",
				v->pod_ifname);
	if (strcasecmp(json_string_value(json_object_get(pi, "mac")) ?: "",
		       mac))
		return cni_fail(e, CNI_ERR_CHECK, "MAC address changed",
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
			return cni_fail(e, CNI_ERR_CHECK, "address missing",
					"%s lacks %s", v->pod_ifname, a);
	}
	r = cni_rdma_follows(c, v, &pod, &err);
	if (r > 0)
		r = kr_rdma_dev_find(pod, v->rdma_device, &rdma_index, &err);
	if (r < 0)
		return cni_fail(e, CNI_ERR_CHECK, "RDMA device not in the "
				"container", "%s (PF %s VF %u): %s",
				v->pod_ifname, v->pf, v->vf, kr_err_text(&err));
	if (!pf || !pf->handle)
		return cni_fail(e, CNI_ERR_CHECK, "PF not available", "%s",
				v->pf);
	pthread_mutex_lock(&pf->lock);
	r = cni_vf_info(pf, v->vf, &info, &err);
	pthread_mutex_unlock(&pf->lock);
	if (r < 0)
		return cni_fail(e, CNI_ERR_CHECK, "cannot read the VF", "%s",
				kr_err_text(&err));
	if (info.min_tx_rate != v->min_tx_rate ||
	    info.max_tx_rate != v->max_tx_rate)
		return cni_fail(e, CNI_ERR_CHECK, "rates changed",
				"%s (PF %s VF %u): min %u max %u, expected %u "
				"and %u", v->pod_ifname, v->pf, v->vf,
				info.min_tx_rate, info.max_tx_rate,
				v->min_tx_rate, v->max_tx_rate);
	return 0;
}

int cni_check(struct cni_call *call, struct cni_error *e)
{
	const struct cni_env *env = &call->env;
	struct cni_conf *conf = &call->conf;
	struct kr_alloc *rec = NULL;
	struct kr_err err = { 0 };
	struct cni_ctx c;
	size_t i;
	int r = -1;

	if (!conf->prev_result)
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"Required prevResult missing", NULL);
	if (cni_ctx_open(&c, call, e) < 0 ||
	    cni_ctx_open_pod(&c, env->netns, 1, e) < 0)
		goto out;
	if (kr_alloc_read(c.cfg->state_dir, env->container_id, env->ifname,
			  &rec, &err) < 0) {
		if (err.code == -ENOENT && !json_array_size(json_object_get(
						   conf->prev_result,
						   "interfaces")))
			r = 0;	/* asked for nothing, has nothing */
		else
			cni_fail(e, CNI_ERR_CHECK, "no allocation record",
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
	cni_ctx_close(&c);
	return r;
}

int cni_status(struct cni_call *call, struct cni_error *e)
{
	struct cni_ctx c;
	size_t i, usable = 0;
	int r = -1;

	if (cni_ctx_open(&c, call, e) < 0) {
		e->code = CNI_ERR_NOT_AVAILABLE;
		goto out;
	}
	for (i = 0; i < c.node->n_pfs; i++)
		usable += c.node->pfs[i].handle != NULL;
	if (c.node->n_pfs && !usable) {
		cni_fail(e, CNI_ERR_NOT_AVAILABLE, "no PF is usable", "%s",
			 kr_err_text(&c.node->pfs[0].open_err));
		goto out;
	}
	r = cni_ipam_exec(&call->env, &call->conf, "STATUS", NULL, NULL, e);
out:
	cni_ctx_close(&c);
	return r;
}

