/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement solver benchmark: time per decision on the hard cases (requests
 * that miss by a small margin) and the common ones, next to plain
 * backtracking, the method of the paper's extender, reimplemented here
 * over the same rule (each PF: free VFs and unreserved bandwidth).
 *
 *   build/bench/bench_placement [--quick]
 *
 * Prints a Markdown table (docs/benchmarks.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "placement.h"

#define CAP 100000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct kr_inventory *make_node(size_t m, uint32_t vfs)
{
	struct kr_inventory *inv = kr_inventory_new("bench");
	size_t j;

	for (j = 0; j < m; j++) {
		char name[32];
		struct kr_inv_pf *pf;

		snprintf(name, sizeof(name), "ens%uf0", (unsigned int)j);
		pf = kr_inventory_add_pf(inv, name, 0);
		pf->capacity_mbps = CAP;
		pf->link_speed_mbps = CAP;
		pf->vfs_free = pf->vfs_total = vfs;
	}
	return inv;
}

/* ---- plain backtracking, as the paper's extender does ---- */

struct plain {
	size_t m, n;
	int64_t *bw, *vfs;
	const struct kr_request *req;
	uint64_t steps, limit;
};

static int plain_search(struct plain *p, size_t i)
{
	size_t j;

	if (i == p->n)
		return 1;
	if (++p->steps > p->limit)
		return 0;
	for (j = 0; j < p->m; j++) {
		int64_t d = p->req->ifaces[i].min_tx_rate;

		if (p->vfs[j] <= 0 || p->bw[j] < d)
			continue;
		p->vfs[j]--;
		p->bw[j] -= d;
		if (plain_search(p, i + 1))
			return 1;
		p->vfs[j]++;
		p->bw[j] += d;
		if (p->steps > p->limit)
			return 0;
	}
	return 0;
}

/* Returns 1 fits, 0 no, -1 gave up after 'limit' steps. */
static int plain_place(const struct kr_inventory *inv,
		       const struct kr_request *req, uint64_t limit)
{
	int64_t bw[KR_PLACE_MAX_PFS], vfs[KR_PLACE_MAX_PFS];
	struct plain p = { inv->n_pfs, req->n, bw, vfs, req, 0, limit };
	size_t j;
	int r;

	for (j = 0; j < inv->n_pfs; j++) {
		bw[j] = (int64_t)inv->pfs[j].capacity_mbps -
			(int64_t)inv->pfs[j].reserved_mbps;
		vfs[j] = inv->pfs[j].vfs_free;
	}
	r = plain_search(&p, 0);
	return r ? 1 : p.steps > limit ? -1 : 0;
}

/* ---- cases ---- */

enum shape {
	SHAPE_IDENTICAL_MISS,	/* identical rates, one interface too many */
	SHAPE_DISTINCT_MISS,	/* distinct rates, just over per-PF room */
	SHAPE_BIG_SMALL_MISS,	/* m + 1 interfaces over half a PF, and
				 * small ones: only packing says no */
	SHAPE_TIGHT,		/* distinct rates adding up to the node's
				 * capacity less 1, VFs exactly enough */
	SHAPE_IDENTICAL_FIT,	/* the common case */
	SHAPE_DISTINCT_FIT,
	_SHAPE_MAX,
};

static const char *const shape_names[] = {
	"identical, misses", "distinct, misses", "big+small, misses",
	"tight partition", "identical, fits", "distinct, fits",
};

/*
 * A request of n interfaces for m PFs of CAP Mbit/s with n VFs each.
 * Misses: each PF can hold k = ceil(n/m) - 1 of them by bandwidth, so n
 * does not fit, while the total (n * rate) is still below m * CAP for
 * identical rates: only the per-PF granularity says no.
 */
static struct kr_request *make_request(enum shape shape, size_t n, size_t m)
{
	struct kr_request *req = calloc(1, sizeof(*req));
	size_t k = (n + m - 1) / m - 1, i;

	req->n = n;
	req->ifaces = calloc(n, sizeof(*req->ifaces));
	for (i = 0; i < n; i++) {
		uint32_t r;

		switch (shape) {
		case SHAPE_IDENTICAL_MISS:
			/* k fit a PF, k + 1 do not */
			r = (uint32_t)(CAP / (k + 1) + 1);
			break;
		case SHAPE_DISTINCT_MISS:
			r = (uint32_t)(CAP / (k + 1) + 1 + i);
			break;
		case SHAPE_BIG_SMALL_MISS:
			/* the total stays 1000 under the node's capacity */
			r = i <= m ? CAP / 2 + 1000
				   : (uint32_t)((m * CAP - (m + 1) *
							 (CAP / 2 + 1000) -
						 1000) / (n - m - 1));
			break;
		case SHAPE_TIGHT:
			/* base + i, summing to m * CAP - 1 */
			r = (uint32_t)((m * CAP - 1 - n * (n - 1) / 2) / n + i);
			if (i == n - 1)
				r += (uint32_t)((m * CAP - 1 -
						 n * (n - 1) / 2) % n);
			break;
		case SHAPE_IDENTICAL_FIT:
			r = (uint32_t)(CAP / (k + 2));
			break;
		default:
			r = (uint32_t)(CAP / (k + 2) - n + i);
			break;
		}
		req->ifaces[i].min_tx_rate = r;
		req->ifaces[i].max_tx_rate = r * 2 < CAP ? r * 2 : CAP;
	}
	return req;
}

static void run_case(enum shape shape, size_t n, size_t m, int quick)
{
	struct kr_inventory *inv = make_node(
		m, shape == SHAPE_TIGHT ? (uint32_t)((n + m - 1) / m)
					: (uint32_t)n);
	struct kr_request *req = make_request(shape, n, m);
	struct kr_place_opts opts = { .policy = KR_POLICY_BINPACK };
	struct kr_placement p = { 0 };
	struct kr_err err = { 0 };
	double t0, ours, plain_t;
	char ratio[48];
	uint64_t reps = 0, plain_limit = quick ? 1000000 : 20000000;
	int plain;

	t0 = now_us();
	do {
		kr_placement_clear(&p);
		if (kr_place(inv, req, &opts, &p, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		reps++;
	} while (now_us() - t0 < (quick ? 20000 : 200000));
	ours = (now_us() - t0) / reps;

	t0 = now_us();
	plain = plain_place(inv, req, plain_limit);
	plain_t = now_us() - t0;

	if (plain < 0)
		snprintf(ratio, sizeof(ratio), "> x%.0f (gave up)",
			 plain_t / ours);
	else
		snprintf(ratio, sizeof(ratio), "x%.1f", plain_t / ours);
	printf("| %-18s | %3zu | %2zu | %-4s | %7llu | %9.2f | %s%9.0f | %s |\n",
	       shape_names[shape], n, m, p.fits ? "fits" : "no",
	       (unsigned long long)p.steps, ours, plain < 0 ? ">" : " ",
	       plain_t, ratio);
	kr_placement_clear(&p);
	free(req->ifaces);
	free(req);
	kr_inventory_free(inv);
}

int main(int argc, char **argv)
{
	static const size_t ns[] = { 20, 30, 60, 128 };
	static const size_t ms[] = { 2, 4, 8, 16 };
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	size_t a, b;
	int s;

	printf("| request            |   n |  m | fits | steps   | solver µs "
	       "| plain backtracking µs | ratio |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (s = 0; s < _SHAPE_MAX; s++)
		for (a = 0; a < 4; a++)
			for (b = 0; b < 4; b++)
				run_case((enum shape)s, ns[a], ms[b], quick);
	printf("\ncut-offs: %llu\n", (unsigned long long)kr_place_cutoffs());
	return 0;
}
