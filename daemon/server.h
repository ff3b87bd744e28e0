/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-daemon's HTTP API (docs/daemon.md):
 *   GET /v1/inventory   the node inventory, ETag / If-None-Match -> 304
 *   GET /getpfs         the same in the paper's daemon's shape
 *   GET /healthz        200 "ok", 503 when the refresher is stuck
 *   GET /metrics        Prometheus text
 * Unknown paths 404, other methods 405, request bodies 413; errors are
 * {"error": ..., "message": ...}.
 */
#ifndef KR_SERVER_H
#define KR_SERVER_H

#include "config.h"
#include "inventory_cache.h"

struct http_server;

/* Listen on cfg->daemon_listen with the configured limits. */
int http_server_start(const struct kr_config *cfg, struct inv_cache *cache,
		    struct http_server **ret, struct kr_err *err);

/* Stop serving (waits for the server's threads).  Accepts NULL. */
void http_server_stop(struct http_server *srv);

#endif
