/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement solver benchmark: time per decision on the hard cases (requests
 * that miss by a small margin) and the common ones, next to plain
 * backtracking, the method of the paper's extender, reimplemented here
 * over the same rule (each PF: free VFs and unreserved bandwidth).
 *
 *   build/bench/bench_placement [--quick]
 *   build/bench/bench_placement --families PASSES [--no-before] [--list]
 *
 * The second form runs only the planted families (PASSES passes over the
 * grid), without the solver before when --no-before, and with --list
 * lists each instance left undecided or decided in more than 5 ms (pass,
 * grid index, twin, m, n, slack, step, steps, µs) on standard error: the
 * undecided counts are deterministic, so they can be compared from one
 * change to the next in seconds.
 *
 * Then the planted families (placement_families.h): pods that fit by
 * construction on nearly full nodes, and their twins, decided by the
 * current solver and by the one before it (placement_v1.c) in the same
 * run.  Prints Markdown tables (docs/benchmarks.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "placement.h"
#include "placement_families.h"
#include "placement_v1.h"

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

/* Mean µs per call of the current solver (or the old one) on a case. */
static double time_solver(const struct kr_inventory *inv,
			  const struct kr_request *req, int old, int quick,
			  struct kr_placement *p, int *v1_fits, int *v1_cut)
{
	struct kr_place_opts opts = { .policy = KR_POLICY_BINPACK };
	struct kr_err err = { 0 };
	uint64_t reps = 0, steps;
	double t0 = now_us();

	do {
		if (old) {
			*v1_fits = kr_v1_place(inv, req, KR_POLICY_BINPACK, 0,
					       v1_cut, &steps);
		} else {
			kr_placement_clear(p);
			if (kr_place(inv, req, &opts, p, &err) < 0) {
				fprintf(stderr, "%s\n", err.msg);
				exit(1);
			}
		}
		reps++;
	} while (now_us() - t0 < (quick ? 20000 : 200000));
	return (now_us() - t0) / reps;
}

static void run_case(enum shape shape, size_t n, size_t m, int quick)
{
	struct kr_inventory *inv = make_node(
		m, shape == SHAPE_TIGHT ? (uint32_t)((n + m - 1) / m)
					: (uint32_t)n);
	struct kr_request *req = make_request(shape, n, m);
	struct kr_placement p = { 0 };
	double t0, ours, before, plain_t;
	char ratio[48], v1[32];
	uint64_t plain_limit = quick ? 1000000 : 20000000;
	int plain, v1_fits = 0, v1_cut = 0;

	ours = time_solver(inv, req, 0, quick, &p, &v1_fits, &v1_cut);
	before = time_solver(inv, req, 1, quick, &p, &v1_fits, &v1_cut);
	t0 = now_us();
	plain = plain_place(inv, req, plain_limit);
	plain_t = now_us() - t0;

	if (plain < 0)
		snprintf(ratio, sizeof(ratio), "> x%.0f (gave up)",
			 plain_t / ours);
	else
		snprintf(ratio, sizeof(ratio), "x%.1f", plain_t / ours);
	snprintf(v1, sizeof(v1), "%.2f%s", before,
		 v1_cut ? " (cut off)" : v1_fits != p.fits ? " (differs)" : "");
	printf("| %-18s | %3zu | %2zu | %-4s | %7llu | %9.2f | %s | %s%9.0f "
	       "| %s |\n",
	       shape_names[shape], n, m, p.fits ? "fits" : "no",
	       (unsigned long long)p.steps, ours, v1, plain < 0 ? ">" : " ",
	       plain_t, ratio);
	kr_placement_clear(&p);
	free(req->ifaces);
	free(req);
	kr_inventory_free(inv);
}

/* ---- the planted families, new solver and old, in one run ---- */

/* Times of one group of instances, in µs. */
struct times {
	double *v;
	size_t n, size;
};

static void add_time(struct times *t, double us)
{
	if (t->n == t->size) {
		t->size = t->size ? 2 * t->size : 1024;
		t->v = realloc(t->v, t->size * sizeof(*t->v));
		if (!t->v) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	t->v[t->n++] = us;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of the times; sorts them. */
static double quantile(struct times *t, double q)
{
	size_t i;

	if (!t->n)
		return 0;
	qsort(t->v, t->n, sizeof(*t->v), cmp_double);
	i = (size_t)(q * (double)(t->n - 1) + 0.5);
	return t->v[i];
}

/* Answers of one group: the current solver's and the old one's. */
struct group {
	unsigned long n;
	unsigned long fits, proven, undecided;	/* current */
	unsigned long v1_fits, v1_no, v1_cut;	/* old */
	struct times now, before;
};

static const unsigned int slacks[] = { 0, 2000, 10000, 50000 };
static const unsigned int steps_[] = { 1, 100, 1000 };
static const size_t fam_ms[] = { 2, 3, 4, 6, 8, 16 };
static const size_t fam_ns[] = { 10, 20, 30, 60, 100, 128 };

static size_t index_of(const size_t *v, size_t n, size_t x)
{
	size_t i;

	for (i = 0; i < n && v[i] != x; i++)
		;
	return i;
}

/*
 * Place an instance and time it.  A decision slower than RETIME_US is
 * timed twice more and the least time kept: the machine is shared, and a
 * single timing of a few milliseconds may hold another process's time
 * slice.  The answers are deterministic, so the last one stands for all.
 */
#define RETIME_US 2000

static double place_timed(const struct kr_fam_instance *in,
			  const struct kr_place_opts *opts,
			  struct kr_placement *p)
{
	struct kr_err err = { 0 };
	double best = 0, t0, us;
	int run;

	for (run = 0; run < 3 && (!run || best > RETIME_US); run++) {
		if (run)
			kr_placement_clear(p);
		t0 = now_us();
		if (kr_place(in->inv, in->req, opts, p, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			exit(1);
		}
		us = now_us() - t0;
		if (!run || us < best)
			best = us;
	}
	return best;
}

static void run_families(unsigned int passes, int before_too, int list)
{
	/* planted by slack and step; twins by kind; planted by m and n */
	static struct group planted[4][3], twins[3], all, by_mn[6][6];
	unsigned int pass, i, s, t;
	int twin;

	for (pass = 0; pass < passes; pass++)
		for (i = 0; i < 1728; i++)
			for (twin = 0; twin < 3; twin++) {
				struct kr_fam_params fp;
				struct kr_fam_instance in;
				struct kr_place_opts opts = { 0 };
				struct kr_placement p;
				struct kr_err err = { 0 };
				struct group *g[3];
				uint64_t steps;
				double t0, now, before;
				int v1, v1_cut, k;

				kr_fam_grid(i, 100 + pass, &fp);
				if (kr_fam_make(&fp, (enum kr_fam_twin)twin,
						&in) < 0)
					exit(1);
				now = place_timed(&in, &opts, &p);
				t0 = now_us();
				v1 = v1_cut = 0;
				if (before_too)
					v1 = kr_v1_place(in.inv, in.req,
							 KR_POLICY_BINPACK, 0,
							 &v1_cut, &steps);
				before = now_us() - t0;
				if (list && (p.cut_off || now > 5000))
					fprintf(stderr, "%s: pass %u "
						"instance %u twin %d m %zu n "
						"%zu slack %u step %u steps "
						"%llu µs %.0f\n",
						p.cut_off ? "undecided" : "slow",
						pass, i, twin, fp.m, fp.n,
						fp.slack_ppm, fp.step,
						(unsigned long long)p.steps,
						now);
				if (p.fits && kr_placement_check(in.inv, in.req,
								 p.pf,
								 &err) < 0) {
					fprintf(stderr, "invalid assignment: "
						"%s\n", err.msg);
					exit(1);
				}
				s = (unsigned int)(fp.slack_ppm == 0      ? 0
						   : fp.slack_ppm == 2000 ? 1
						   : fp.slack_ppm == 10000 ? 2
									   : 3);
				t = fp.step == 1 ? 0 : fp.step == 100 ? 1 : 2;
				g[0] = twin ? &twins[twin] : &planted[s][t];
				g[1] = &all;
				g[2] = twin ? NULL
					    : &by_mn[index_of(fam_ms, 6, fp.m)]
						    [index_of(fam_ns, 6, fp.n)];
				for (k = 0; k < 3; k++) {
					if (!g[k])
						continue;
					g[k]->n++;
					g[k]->fits += p.fits;
					g[k]->undecided += p.cut_off;
					g[k]->proven += !p.fits && !p.cut_off;
					g[k]->v1_fits += v1 == 1;
					g[k]->v1_cut += v1 == 0 && v1_cut;
					g[k]->v1_no += v1 == 0 && !v1_cut;
					if (k < 2) {
						add_time(&g[k]->now, now);
						add_time(&g[k]->before, before);
					}
				}
				if (twin == 0 && !p.fits && !p.cut_off) {
					fprintf(stderr, "a planted instance "
						"answered no: %s\n", p.reason);
					exit(1);
				}
				kr_placement_clear(&p);
				kr_fam_free(&in);
			}

	printf("\nPlanted instances (fit by construction), %u passes over "
	       "the grid:\n\n", passes);
	printf("| rates in steps of | slack | pods | before: rejected "
	       "(cut off) | before: median / max µs | now: does not fit | "
	       "now: undecided | now: median / p99 / max µs |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (t = 0; t < 3; t++)
		for (s = 0; s < 4; s++) {
			struct group *g = &planted[s][t];

			printf("| %u Mb/s | %.1f %% | %lu | %lu (%lu) | %.0f / "
			       "%.0f | %lu | %lu | %.1f / %.0f / %.0f |\n",
			       steps_[t], slacks[s] / 10000.0, g->n,
			       g->v1_no + g->v1_cut, g->v1_cut,
			       quantile(&g->before, 0.5),
			       quantile(&g->before, 1), g->proven,
			       g->undecided, quantile(&g->now, 0.5),
			       quantile(&g->now, 0.99), quantile(&g->now, 1));
		}
	printf("\nTheir twins (refused: with a proof; undecided: cut "
	       "off):\n\n");
	printf("| twin | pods | before: fit / refused / cut off | now: fit / "
	       "refused / undecided | before: median / max µs | now: "
	       "median / p99 / max µs |\n");
	printf("|---|---|---|---|---|---|\n");
	for (twin = 1; twin < 3; twin++) {
		struct group *g = &twins[twin];

		printf("| %s | %lu | %lu / %lu / %lu | %lu / %lu / %lu | %.0f "
		       "/ %.0f | %.1f / %.0f / %.0f |\n",
		       twin == 1 ? "one PF 1 Mb/s short" : "one VF fewer",
		       g->n, g->v1_fits, g->v1_no, g->v1_cut, g->fits,
		       g->proven, g->undecided, quantile(&g->before, 0.5),
		       quantile(&g->before, 1), quantile(&g->now, 0.5),
		       quantile(&g->now, 0.99), quantile(&g->now, 1));
	}
	printf("\nAll %lu decisions: now median %.1f µs, p99 %.0f µs, "
	       "max %.0f µs, %lu undecided; before median %.1f µs, max "
	       "%.0f µs, %lu cut off.\n",
	       all.n, quantile(&all.now, 0.5), quantile(&all.now, 0.99),
	       quantile(&all.now, 1), all.undecided,
	       quantile(&all.before, 0.5), quantile(&all.before, 1),
	       all.v1_cut);
	printf("\nPlanted instances left undecided now, by PFs and "
	       "interfaces (of %u each):\n\n", passes * 1728 / 36);
	printf("| m \\ n |");
	for (t = 0; t < 6; t++)
		printf(" %zu |", fam_ns[t]);
	printf("\n|---|---|---|---|---|---|---|\n");
	for (s = 0; s < 6; s++) {
		printf("| %zu |", fam_ms[s]);
		for (t = 0; t < 6; t++)
			printf(" %lu |", by_mn[s][t].undecided);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	static const size_t ns[] = { 20, 30, 60, 128 };
	static const size_t ms[] = { 2, 4, 8, 16 };
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	size_t a, b;
	int s, i, before_too = 1, list = 0;

	if (argc > 2 && !strcmp(argv[1], "--families")) {
		for (i = 3; i < argc; i++) {
			before_too &= !!strcmp(argv[i], "--no-before");
			list |= !strcmp(argv[i], "--list");
		}
		run_families((unsigned int)atoi(argv[2]), before_too, list);
		return 0;
	}

	printf("| request            |   n |  m | fits | steps   | solver µs "
	       "| before µs | plain backtracking µs | ratio |\n");
	printf("|---|---|---|---|---|---|---|---|---|\n");
	for (s = 0; s < _SHAPE_MAX; s++)
		for (a = 0; a < 4; a++)
			for (b = 0; b < 4; b++)
				run_case((enum shape)s, ns[a], ms[b], quick);
	printf("\ncut-offs: %llu\n", (unsigned long long)kr_place_cutoffs());
	run_families(quick ? 1 : 10, 1, 0);
	return 0;
}
