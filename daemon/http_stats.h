/* SPDX-License-Identifier: Apache-2.0 */
/* Requests served, by path and status, for /metrics. */
#ifndef KR_HTTP_STATS_H
#define KR_HTTP_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum http_route {
	ROUTE_INVENTORY,
	ROUTE_GETPFS,
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_OTHER,
	_KR_ROUTE_MAX,
};

/* Status codes the daemon answers with. */
#define HTTP_CODES { 200, 304, 400, 401, 403, 404, 405, 413, 500, 503 }
#define N_HTTP_CODES 10

struct http_stats {
	_Atomic uint64_t served[_KR_ROUTE_MAX][N_HTTP_CODES];
};

/* The label of a route ("/v1/inventory", ..., "other"). */
const char *http_route_label(enum http_route route);

/* Count one answer. */
void http_stats_count(struct http_stats *stats, enum http_route route,
			 unsigned int code);

#endif
