/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the parts of the node cache share (node_cache.c: the poller and
 * lifetime; node_index.c: names to entries; node_fetch.c: asking daemons;
 * node_register.c: new nodes; node_ledger.c: views and reservations).
 * Not for the rest of the extender.
 */
#ifndef KR_NODE_CACHE_INTERNAL_H
#define KR_NODE_CACHE_INTERNAL_H

#include "http_body.h"
#include "node_cache.h"

/* One inventory request to a daemon, and its answer. */
struct node_fetch {
	char url[512];
	char etag[64];		/* sent as If-None-Match; the new one */
	struct kr_http_body body;
	long status;
	char error[256];
	struct kr_inventory *inv;	/* decoded, on 200 */
};

/* Fetch every job concurrently, each bounded by 'timeout_ms'. */
void node_fetch_all(struct node_fetch *jobs, size_t n, long timeout_ms);
void node_fetch_free(struct node_fetch *jobs, size_t n);

/* Index entries[pos] by its name; -ENOMEM. */
int node_index_insert(struct node_cache *c, size_t pos);

/* Fetch 'targets' and store what they answer (takes the lock). */
void node_cache_refresh(struct node_cache *c, struct node_entry **targets,
			size_t n);

/* Drop 'e''s reservations that expired or that its inventory now shows
 * (write lock held). */
void node_ledger_expire(struct node_cache *c, struct node_entry *e,
			uint64_t now);
void node_reservation_clear(struct reservation *r);

/* CLOCK_MONOTONIC milliseconds. */
uint64_t node_cache_now_ms(void);

#endif
