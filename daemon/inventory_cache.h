/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's view of its node, kept fresh by one refresher thread so that
 * serving a request never touches sysfs, netlink or the backends.
 *
 * The refresher rebuilds the inventory every refresh_interval_ms; the node
 * agent's CNI requests, which alone write allocation records, refresh it
 * themselves before they answer, so a finished ADD or DEL is in the
 * inventory the moment the runtime hears of it.  When the document differs from the last one,
 * the generation goes up; generations are persisted in
 * STATE_DIR/daemon/generation, so they keep increasing across restarts and
 * an ETag ("g<generation>") never names two different documents.
 * Readers take a reference-counted snapshot.
 */
#ifndef KR_INVENTORY_CACHE_H
#define KR_INVENTORY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "inventory.h"

/* One immutable state of the node, shared by readers. */
struct inv_snapshot {
	uint64_t generation;
	char etag[32];			/* "\"g<generation>\"" */
	char *json;			/* GET /v1/inventory body */
	size_t json_len;
	char *paper_json;		/* GET /getpfs body */
	size_t paper_len;
	struct kr_inventory *inv;
	/* PFs that could not be read this time, for /metrics */
	char (*down)[KR_IFNAMSIZ];
	size_t n_down;
	uint64_t refreshed_at_ms;	/* CLOCK_MONOTONIC */
	int refs;			/* guarded by the cache's lock */
};

struct inv_cache;

/*
 * Open the node of 'cfg' (ownership passes to the cache), build the first
 * inventory and start the refresher.  'config_path' is re-read on reload.
 */
int inv_cache_start(const char *config_path, struct kr_config *cfg,
		       struct inv_cache **ret, struct kr_err *err);

/* Stop the refresher and release everything.  Accepts NULL. */
void inv_cache_stop(struct inv_cache *cache);

/*
 * Re-read the configuration file and reopen the node (SIGHUP).  A bad file
 * is logged and the running configuration kept.  Asynchronous.
 */
void inv_cache_reload(struct inv_cache *cache);

/* The current snapshot, referenced; release with inv_snapshot_put. */
struct inv_snapshot *inv_cache_get(struct inv_cache *cache);
void inv_snapshot_put(struct inv_cache *cache,
			 struct inv_snapshot *snap);

/* Rebuild the snapshot now, in the calling thread. */
void inv_cache_refresh(struct inv_cache *cache);

/*
 * The node and configuration in force, for the node agent's CNI requests:
 * held against a reload until inv_cache_node_put.  Its PFs are shared
 * with the refresher: each PF's backend calls go under the PF's lock.
 */
struct kr_node *inv_cache_node_get(struct inv_cache *cache,
				      const struct kr_config **ret_cfg);
void inv_cache_node_put(struct inv_cache *cache);

/* Refresh interval in force, for health checks. */
uint32_t inv_cache_interval_ms(struct inv_cache *cache);

/* Monotonic milliseconds. */
uint64_t monotonic_ms(void);

#endif
