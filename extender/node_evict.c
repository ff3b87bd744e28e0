/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Forgetting nodes, so that the cache holds the cluster and not every name
 * the scheduler ever sent.  A node no verb named for forget_after_s is
 * forgotten once it is known not to be there: the API server has no Node
 * of its name (an idle node's Node is read again once per forget_after_s
 * to find out, node_schedule.c), or it can never be reached (no address
 * and no API server access; or, without API server access, its daemon has
 * not answered for as long).  When the cache is full, nodes without a Node
 * go after a minute unnamed, to make room.  A node holding reservations or
 * with a request running stays.
 */
#include <malloc.h>
#include <stdlib.h>

#include "node_cache_internal.h"

/* When the cache is full, nodes without a Node unnamed for this long go. */
#define FULL_FORGET_MS 60000

static struct kr_ratelimit log_forgot = KR_RATELIMIT_INIT(LOG_LIMIT_MS, 1);

static bool forgettable(const struct node_cache *c,
			const struct node_entry *e, uint64_t now, bool full)
{
	uint64_t forget = (uint64_t)c->cfg->extender_forget_s * 1000;
	uint64_t unasked = now - atomic_load(&e->asked_ms);
	bool idle = unasked >= forget;

	if (e->busy || e->n_res)
		return false;
	switch (e->state) {
	case NODE_GONE:
		/* named still, it stays: dropped and named again, it would
		 * be looked up again and again */
		return idle || (full && unasked >= FULL_FORGET_MS);
	case NODE_RESOLVING:
		return idle;
	case NODE_POLLED:
		/* with an API server, its Node says (NODE_GONE then) */
		return idle && !c->kube && now - e->ok_ms >= forget;
	}
	return false;
}

/* Give back the room of the entries that went (write lock held). */
static void shrink(struct node_cache *c)
{
	size_t cap = c->n * 2 > 256 ? c->n * 2 : 256;
	struct node_entry **smaller;

	if (c->cap <= cap * 2)
		return;
	smaller = realloc(c->entries, cap * sizeof(*smaller));
	if (smaller) {
		c->entries = smaller;
		c->cap = cap;
	}
}

void node_cache_sweep(struct node_cache *c, uint64_t now)
{
	size_t i, kept = 0, forgot;
	bool full;

	pthread_rwlock_wrlock(&c->lock);
	full = c->n >= c->cfg->extender_max_nodes;
	for (i = 0; i < c->n; i++) {
		struct node_entry *e = c->entries[i];

		node_ledger_expire(c, e, now);
		if (forgettable(c, e, now, full))
			node_entry_free(e);
		else
			c->entries[kept++] = e;
	}
	forgot = c->n - kept;
	c->n = kept;
	if (forgot) {
		c->forgotten += forgot;
		shrink(c);
		node_index_rebuild(c);
	}
	pthread_rwlock_unlock(&c->lock);
	if (!forgot)
		return;
	/* the poller's queues may point to forgotten nodes */
	c->healthy.n = c->healthy.next = 0;
	c->failing.n = c->failing.next = 0;
	c->lookups.n = c->lookups.next = 0;
	atomic_store(&c->rescan, true);
	kr_log_limited(&log_forgot, KR_LOG_INFO,
		       "forgot %zu nodes that are gone; %zu cached", forgot,
		       kept);
	malloc_trim(0);
}
