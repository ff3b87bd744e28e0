/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics in the Prometheus text format (version 0.0.4). */
#ifndef KR_METRICS_H
#define KR_METRICS_H

#include "http_stats.h"
#include "inventory_cache.h"

/* A new string (free()), or NULL when out of memory. */
char *metrics_render(const struct inv_snapshot *snap,
			const struct http_stats *stats);

#endif
