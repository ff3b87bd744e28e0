/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reservation ledger: what a bind promised a pod on a node, held until
 * the node's daemon shows the pod's VFs or the reservation expires, and the
 * view of a node that placement uses (its PFs less the reservations).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node_cache_internal.h"
#include "util.h"

/* A reservation ends when the node shows the pod's VFs. */
static int shows_pod(const struct node_entry *e, const char *uid)
{
	size_t i;

	for (i = 0; i < e->n_owners; i++)
		if (!strcmp(e->owners[i], uid))
			return 1;
	return 0;
}

void node_reservation_clear(struct reservation *r)
{
	free(r->pf);
	free(r->mbps);
	free(r->pf_name);
}

/* Drop reservations that expired or that the inventory now shows. */
void node_ledger_expire(struct node_cache *c, struct node_entry *e,
		   uint64_t now)
{
	size_t i = 0;

	while (i < e->n_res) {
		struct reservation *r = &e->res[i];

		if (now < r->expires_ms && !shows_pod(e, r->pod_uid)) {
			i++;
			continue;
		}
		if (now >= r->expires_ms) {
			c->reservations_expired++;
			kr_log(KR_LOG_WARNING, "node %s: reservation of %s "
					       "expired before its VFs showed",
			       e->name, r->pod);
		}
		node_reservation_clear(r);
		e->res[i] = e->res[--e->n_res];
	}
}

int node_view(struct node_cache *c, const struct node_entry *e,
		 const char *except_uid, struct node_view *view, char *why,
		 size_t why_size)
{
	uint64_t age;
	size_t p, i, j;

	age = node_cache_now_ms() - e->ok_ms;
	if (e->state == NODE_RESOLVING) {
		snprintf(why, why_size, "node not known yet, looking it up%s%s",
			 e->error ? ": " : "", e->error ?: "");
		return -1;
	}
	if (e->state == NODE_GONE) {
		snprintf(why, why_size, "%s", e->error ?: "node gone");
		return -1;
	}
	if (!e->inv && !e->error) {
		snprintf(why, why_size,
			 "node not known yet, asking its daemon");
		return -1;
	}
	if (!e->inv) {
		snprintf(why, why_size, "no inventory from the node's daemon "
					"yet: %s: %s", e->url, e->error);
		return -1;
	}
	if (age > c->cfg->extender_stale_ms) {
		snprintf(why, why_size, "inventory stale (%llu s old): %s: %s",
			 (unsigned long long)(age / 1000), e->url,
			 e->error ?: "no answer");
		return -1;
	}
	if (e->inv->n_pfs > VIEW_MAX_PFS) {
		snprintf(why, why_size, "more than %d PFs", VIEW_MAX_PFS);
		return -1;
	}
	memcpy(view->inv.node, e->inv->node, sizeof(view->inv.node));
	view->inv.generation = e->inv->generation;
	view->inv.pfs = view->pfs;
	view->inv.n_pfs = e->inv->n_pfs;
	if (e->inv->n_pfs)
		memcpy(view->pfs, e->inv->pfs,
		       e->inv->n_pfs * sizeof(*view->pfs));
	for (p = 0; p < e->inv->n_pfs; p++) {
		struct kr_inv_pf *dst = &view->pfs[p];

		for (i = 0; i < e->n_res; i++) {
			const struct reservation *r = &e->res[i];

			if (except_uid && !strcmp(r->pod_uid, except_uid))
				continue;
			for (j = 0; j < r->n; j++)
				if (!strcmp(r->pf_name[j], dst->name)) {
					dst->reserved_mbps += r->mbps[j];
					if (dst->vfs_free)
						dst->vfs_free--;
				}
		}
	}
	return 0;
}

void node_missing_reason(struct node_cache *c, const char *name, char *why,
			 size_t why_size)
{
	if (!kr_k8s_name_valid(name))
		snprintf(why, why_size,
			 "not a valid node name (a DNS-1123 subdomain)");
	else
		snprintf(why, why_size,
			 "node not known yet: the node cache is full "
			 "(max_nodes = %u)", c->cfg->extender_max_nodes);
}

int node_reserve(struct node_cache *c, struct node_entry *e,
		    struct reservation *r)
{
	struct reservation *grown;

	node_unreserve(e, r->pod_uid);
	grown = realloc(e->res, (e->n_res + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->res = grown;
	r->expires_ms = node_cache_now_ms() +
			(uint64_t)c->cfg->extender_reservation_ttl_s * 1000;
	e->res[e->n_res++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

void node_unreserve(struct node_entry *e, const char *uid)
{
	size_t i;

	for (i = 0; i < e->n_res; i++)
		if (!strcmp(e->res[i].pod_uid, uid)) {
			node_reservation_clear(&e->res[i]);
			e->res[i] = e->res[--e->n_res];
			return;
		}
}

size_t node_cache_reservations(struct node_cache *c)
{
	size_t i, n = 0;

	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < c->n; i++)
		n += c->entries[i]->n_res;
	pthread_rwlock_unlock(&c->lock);
	return n;
}

