/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extender's view of the cluster: each node's inventory, fetched from
 * its daemon and kept fresh by a background poller (libcurl multi,
 * If-None-Match, a deadline per request), so that filter and prioritize do
 * no network I/O at all; and the reservations made at bind time, which
 * close the race until the node's daemon shows the pod's VFs.
 */
#ifndef KR_NODE_CACHE_H
#define KR_NODE_CACHE_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "inventory.h"
#include "k8s.h"
#include "request.h"

/* Bandwidth and VFs a bound pod holds on one node until its VFs show. */
struct reservation {
	char pod_uid[64];
	char pod[320];			/* "namespace/name", for messages */
	uint64_t expires_ms;
	size_t n;			/* interfaces */
	size_t *pf;			/* PF index in the inventory, per iface */
	uint32_t *mbps;			/* min_tx_rate, per interface */
	char (*pf_name)[KR_IFNAMSIZ];	/* PF name, per interface */
};

/* What the cache does about a node. */
enum node_state {
	NODE_RESOLVING,		/* reads its Node object, for its address */
	NODE_POLLED,		/* asks its daemon for its inventory */
	NODE_GONE,		/* no such Node, or no way to reach it */
};

struct node_entry {
	char address[48];		/* its InternalIP, "" when unknown */
	char *url;			/* .../v1/inventory; NULL but polled */
	/* PF totals only (no VF list), NULL until the first answer: the
	 * cache holds thousands of nodes */
	struct kr_inventory *inv;
	char (*owners)[64];		/* pod UIDs holding VFs */
	size_t n_owners;
	char etag[64];
	uint64_t ok_ms;			/* last good answer (200 or 304) */
	char *error;			/* last failure, NULL after a success */
	struct reservation *res;
	size_t n_res;
	enum node_state state;
	/* when filter, prioritize or bind last named the node (written
	 * under the read lock too, hence atomic) */
	_Atomic uint64_t asked_ms;
	/* the poller's own: no other thread reads or writes them, but
	 * node_cache_register() may make a node due under the write lock */
	uint64_t due_ms;		/* ask again not before */
	uint32_t failures;		/* failed requests in a row */
	bool busy;			/* a request for it is running */
	uint64_t checked_ms;		/* when its Node was last seen */
	char name[];			/* allocated to its length */
};

struct node_request;

/* Candidates for the poller's next requests, best first. */
struct node_queue {
	struct node_entry **e;
	size_t n, next, cap;
};

struct node_cache {
	const struct kr_config *cfg;
	struct kr_kubeconfig *kube;	/* for Node objects, or NULL */
	pthread_rwlock_t lock;		/* guards everything below */
	struct node_entry **entries;
	size_t n, cap;
	size_t *index;			/* open addressing: position + 1 */
	size_t index_cap;
	pthread_t thread;
	CURLM *multi;			/* the poller's; others only wake it */
	atomic_bool stopping;
	atomic_bool rescan;		/* new nodes: look for work now */
	/* for /metrics */
	uint64_t reservations_expired;
	uint64_t forgotten;		/* nodes dropped (node_evict.c) */
	_Atomic uint64_t refused;	/* names not cached: it was full */
	/* the poller's own */
	struct node_request *slots;	/* FETCH_SLOTS, then LOOKUP_SLOTS */
	size_t fetching, fetching_failed;	/* running, of which retries */
	size_t looking_up;		/* Node lookups running */
	struct node_queue healthy, failing, lookups;	/* due now */
	uint64_t next_scan_ms;		/* look for due nodes again then */
	uint64_t random;		/* xorshift state, for jitter */
};

int node_cache_start(const struct kr_config *cfg,
			struct kr_kubeconfig *kube,
			struct node_cache **ret, struct kr_err *err);
void node_cache_stop(struct node_cache *c);

/*
 * These nodes are asked about: note it, so the poller asks their daemons
 * first, and add the new ones, whose inventories the poller then fetches
 * in the background (until then they fail: not known yet).  'addresses'
 * (may be NULL, or entries NULL) give their InternalIPs for the {address}
 * of daemon_url; without one the Node is read from the API server.  Takes
 * the write lock only when some are new.
 */
void node_cache_register(struct node_cache *c, const char **names,
			    const char **addresses, size_t n);

/* The entry for 'name', or NULL (a name the cache does not hold: it was
 * full).  Call with the lock held. */
struct node_entry *node_cache_find(struct node_cache *c,
					 const char *name);

/* Most PFs a node may have in the cache (the solver's limit). */
#define VIEW_MAX_PFS KR_MAX_PFS_PER_NODE

/* What placement may use on a node now, built without allocating. */
struct node_view {
	struct kr_inventory inv;
	struct kr_inv_pf pfs[VIEW_MAX_PFS];
};

/*
 * The PF totals of 'e' minus its reservations (other than 'except_uid').
 * -1 with a reason in 'why' when the node has no usable inventory
 * (not known yet, gone, unreachable, stale).  Call with the lock held.
 */
int node_view(struct node_cache *c, const struct node_entry *e,
		 const char *except_uid, struct node_view *view, char *why,
		 size_t why_size);

/* Why 'name', which the cache does not hold, fails. */
void node_missing_reason(struct node_cache *c, const char *name, char *why,
			 size_t why_size);

/* Record a reservation on 'e' (write lock held); takes 'r''s arrays. */
int node_reserve(struct node_cache *c, struct node_entry *e,
		    struct reservation *r);

/* Drop the reservation of 'uid' on 'e' (write lock held). */
void node_unreserve(struct node_entry *e, const char *uid);

/* Reservations held now, over all nodes (read lock taken). */
size_t node_cache_reservations(struct node_cache *c);

#endif
