/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the parts of the node cache share (node_cache.c: the poller and
 * lifetime; node_schedule.c: which node to ask next, and when again;
 * node_fetch.c: asking daemons; node_lookup.c: reading Node objects;
 * node_index.c: names to entries; node_evict.c: forgetting nodes;
 * node_register.c: new nodes; node_ledger.c: views and reservations).
 * Not for the rest of the extender.
 */
#ifndef KR_NODE_CACHE_INTERNAL_H
#define KR_NODE_CACHE_INTERNAL_H

#include "http_body.h"
#include "log.h"
#include "ratelimit.h"
#include "node_cache.h"

/*
 * Most inventory requests running at once, and most of them for nodes
 * whose last request failed: the rest stay free for nodes that answer, so
 * however many nodes are dead, a live one waits for no timeout but its
 * own.
 */
#define FETCH_SLOTS 64
#define FETCH_SLOTS_FOR_FAILING 48
/* Most Node objects read from the API server at once. */
#define LOOKUP_SLOTS 8

/* How often a flood of one kind of message is logged. */
#define LOG_LIMIT_MS 10000
/* Daemons that stopped answering; Node lookups that failed; names that
 * have no Node; names not cached, the cache being full */
extern struct kr_ratelimit log_unreachable, log_lookup_failed, log_gone,
	log_full;

/* One request: a node's inventory from its daemon, or its Node object
 * from the API server ('call'); and the answer. */
struct node_request {
	struct node_entry *e;	/* whose; NULL while the slot is free */
	bool retry;		/* its node failed last time */
	struct kr_k8s_call *call;	/* a lookup's */
	int lookup_rc;		/* 0, -ENOENT (no such Node), or failed */
	char address[64];	/* the InternalIP a lookup found */
	CURL *easy;		/* kept from one request to the next */
	struct curl_slist *headers;
	char url[512];
	char etag[64];		/* sent as If-None-Match; the new one */
	struct kr_http_body body;
	long status;
	char error[256];	/* why it failed; "" when it did not */
	struct kr_inventory *inv;	/* decoded, on 200 */
};

/*
 * Start the request of slot 'r' for 'e' (read lock held: e's URL and ETag
 * are copied) on the poller's multi handle; the timeout counts from now.
 */
int node_fetch_start(struct node_cache *c, struct node_request *r,
		     struct node_entry *e);
/* 'r' is done with 'result': decode its answer (no lock needed). */
void node_fetch_done(struct node_cache *c, struct node_request *r,
		     CURLcode result);
/* Store what 'r' brought in its node (write lock held); frees the slot. */
void node_fetch_apply(struct node_cache *c, struct node_request *r,
		      uint64_t now);
/* Release what slot 'r' holds, its easy handle too. */
void node_fetch_clear(struct node_cache *c, struct node_request *r);

/* The same for reading e's Node object (lookups' slots). */
int node_lookup_start(struct node_cache *c, struct node_request *r,
		      struct node_entry *e);
void node_lookup_done(struct node_cache *c, struct node_request *r,
		      CURLcode result);
void node_lookup_apply(struct node_cache *c, struct node_request *r,
		       uint64_t now);

/* Free an entry the cache no longer holds; NULL is fine. */
void node_entry_free(struct node_entry *e);
/* Set (fmt non-NULL) or clear e's error (write lock held). */
void node_set_error(struct node_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Forget the nodes that are gone (see node_evict.c), and end expired
 * reservations; takes the write lock.  The poller's queues are emptied:
 * they may point to forgotten nodes.
 */
void node_cache_sweep(struct node_cache *c, uint64_t now);

/* Give 'e' its InternalIP (NULL: none), so its URL, and poll it (write
 * lock held, or 'e' not in the cache yet); -ENOENT, 'e' unchanged, when
 * daemon_url needs an address and there is none. */
int node_set_address(struct node_cache *c, struct node_entry *e,
		     const char *address);

/*
 * Start the requests that are due and have a slot; the milliseconds
 * until something else is due (the poller sleeps at most that long).
 */
long node_schedule_run(struct node_cache *c, uint64_t now);
/* When to ask 'e' again, after a success or its 'failures'-th failure;
 * its request is over. */
void node_schedule_next(struct node_cache *c, struct node_entry *e,
			uint64_t now, bool ok);
/* Ask 'e' at 'when' (UINT64_MAX: never). */
void node_schedule_at(struct node_cache *c, struct node_entry *e,
		      uint64_t when);

/* New nodes to ask about: make the poller look for work now. */
void node_cache_wake(struct node_cache *c);

/* Index entries[pos] by its name; -ENOMEM. */
int node_index_insert(struct node_cache *c, size_t pos);
/* Index every entry anew, after some were removed (write lock held). */
void node_index_rebuild(struct node_cache *c);

/* Drop 'e''s reservations that expired or that its inventory now shows
 * (write lock held). */
void node_ledger_expire(struct node_cache *c, struct node_entry *e,
			uint64_t now);
void node_reservation_clear(struct reservation *r);

/* CLOCK_MONOTONIC milliseconds. */
uint64_t node_cache_now_ms(void);

#endif
