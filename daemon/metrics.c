/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "placement.h"

static const unsigned int codes[N_HTTP_CODES] = HTTP_CODES;

const char *http_route_label(enum http_route route)
{
	static const char *const labels[_KR_ROUTE_MAX] = {
		[ROUTE_INVENTORY] = "/v1/inventory",
		[ROUTE_GETPFS] = "/getpfs",
		[ROUTE_HEALTHZ] = "/healthz",
		[ROUTE_METRICS] = "/metrics",
		[ROUTE_OTHER] = "other",
	};

	return labels[route];
}

void http_stats_count(struct http_stats *stats, enum http_route route,
			 unsigned int code)
{
	int i;

	for (i = 0; i < N_HTTP_CODES; i++)
		if (codes[i] == code) {
			atomic_fetch_add(&stats->served[route][i], 1);
			return;
		}
}

/* One gauge per PF. */
static void pf_gauge(FILE *out, const struct kr_inventory *inv,
		     const char *name, const char *help, int which)
{
	size_t i;

	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (i = 0; i < inv->n_pfs; i++) {
		const struct kr_inv_pf *pf = &inv->pfs[i];
		unsigned long long v = which == 0   ? pf->vfs_total
				       : which == 1 ? pf->vfs_free
				       : which == 2 ? pf->capacity_mbps
				       : which == 3 ? pf->reserved_mbps
						    : pf->link_speed_mbps;

		fprintf(out, "%s{node=\"%s\",pf=\"%s\",backend=\"%s\"} %llu\n",
			name, inv->node, pf->name, pf->backend, v);
	}
}

char *metrics_render(const struct inv_snapshot *snap,
			const struct http_stats *stats)
{
	const struct kr_inventory *inv = snap->inv;
	char *text = NULL;
	size_t len = 0, i;
	int r, c;
	FILE *out;

	out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	fprintf(out, "# HELP kube_rdma_build_info Version of the daemon.\n"
		     "# TYPE kube_rdma_build_info gauge\n"
		     "kube_rdma_build_info{version=\"%s\",backend_abi=\"%d.%d\"}"
		     " 1\n",
		KR_VERSION, KR_BACKEND_ABI_MAJOR, KR_BACKEND_ABI_MINOR);
	fprintf(out, "# HELP kube_rdma_inventory_generation Generation of the "
		     "inventory served.\n"
		     "# TYPE kube_rdma_inventory_generation gauge\n"
		     "kube_rdma_inventory_generation{node=\"%s\"} %llu\n",
		inv->node, (unsigned long long)snap->generation);
	pf_gauge(out, inv, "kube_rdma_pf_vfs_total", "VFs enabled on the PF.",
		 0);
	pf_gauge(out, inv, "kube_rdma_pf_vfs_free",
		 "VFs that no pod holds and that can be handed out.", 1);
	pf_gauge(out, inv, "kube_rdma_pf_capacity_mbps",
		 "Bandwidth the PF hands out, in Mbit/s.", 2);
	pf_gauge(out, inv, "kube_rdma_pf_reserved_mbps",
		 "Sum of the VFs' min_tx_rate, in Mbit/s.", 3);
	pf_gauge(out, inv, "kube_rdma_pf_link_speed_mbps",
		 "Link speed of the PF, in Mbit/s.", 4);
	fprintf(out, "# HELP kube_rdma_unreadable_records Allocation records "
		     "the agent cannot read (their VFs are unavailable).\n"
		     "# TYPE kube_rdma_unreadable_records gauge\n"
		     "kube_rdma_unreadable_records{node=\"%s\"} %u\n",
		inv->node, inv->unreadable_records);
	fprintf(out, "# HELP kube_rdma_pf_down PFs that could not be read at "
		     "the last refresh (1).\n# TYPE kube_rdma_pf_down gauge\n");
	for (i = 0; i < snap->n_down; i++)
		fprintf(out, "kube_rdma_pf_down{node=\"%s\",pf=\"%s\"} 1\n",
			inv->node, snap->down[i]);
	fprintf(out, "# HELP kube_rdma_http_requests_total Requests answered, "
		     "by path and status.\n"
		     "# TYPE kube_rdma_http_requests_total counter\n");
	for (r = 0; r < _KR_ROUTE_MAX; r++)
		for (c = 0; c < N_HTTP_CODES; c++) {
			unsigned long long n =
				atomic_load(&stats->served[r][c]);

			if (n)
				fprintf(out,
					"kube_rdma_http_requests_total{path="
					"\"%s\",code=\"%u\"} %llu\n",
					http_route_label((enum http_route)r),
					codes[c], n);
		}
	fprintf(out, "# HELP kube_rdma_placement_undecided_total Placements "
		     "left undecided by the solver's budget.\n"
		     "# TYPE kube_rdma_placement_undecided_total counter\n"
		     "kube_rdma_placement_undecided_total %llu\n",
		(unsigned long long)kr_place_cutoffs());
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
