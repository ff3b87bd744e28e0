/* SPDX-License-Identifier: Apache-2.0 */
/* Requests served, by path and status, for /metrics. */
#ifndef KR_HTTP_STATS_H
#define KR_HTTP_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum kr_route {
	KR_ROUTE_INVENTORY,
	KR_ROUTE_GETPFS,
	KR_ROUTE_HEALTHZ,
	KR_ROUTE_METRICS,
	KR_ROUTE_OTHER,
	_KR_ROUTE_MAX,
};

/* Status codes the daemon answers with. */
#define KR_HTTP_CODES { 200, 304, 400, 404, 405, 413, 500, 503 }
#define KR_N_HTTP_CODES 8

struct kr_http_stats {
	_Atomic uint64_t served[_KR_ROUTE_MAX][KR_N_HTTP_CODES];
};

/* The label of a route ("/v1/inventory", ..., "other"). */
const char *kr_route_label(enum kr_route route);

/* Count one answer. */
void kr_http_stats_count(struct kr_http_stats *stats, enum kr_route route,
			 unsigned int code);

#endif
