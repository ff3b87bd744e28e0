/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dives: random constructions for nodes where packings abound.  PFs are
 * filled one at a time, each with a random selection of items near the
 * average it needs and an exact finish (the last one to three items found
 * by search on the sorted demands), so what remains looks like what was
 * there; the last few PFs, which such choices would rarely fill exactly,
 * are left to the exact search.  A dive that fails is retried afresh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_solver.h"

/* Items the exact search gets for the last PFs of a dive. */
#define TAIL_ITEMS 40
/* Steps of the exact search on the last PFs. */
#define TAIL_BUDGET 16000
/* Random selections tried per PF before the dive gives up. */
#define TRIES 16

struct dive {
	struct kr_pl *p;
	uint64_t rng;
	uint8_t *rem;		/* per item: not placed yet */
	size_t *choice;		/* per item: its PF */
	size_t *cand;		/* scratch: candidates, by index */
	size_t *rest;		/* scratch: candidates not in the prefix */
	uint8_t *used;		/* scratch: per candidate, in the prefix */
	size_t *forced;		/* scratch: items only this PF may take */
	size_t *pick;		/* scratch: a selection */
	uint8_t *open;		/* per PF */
	size_t *order;		/* PFs: head first, then the tail */
	int64_t remd, remn;
};

static uint64_t rnd(struct dive *v)
{
	uint64_t z = (v->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* What the open PFs other than j can absorb and hold (as the search). */
static void others(struct dive *v, size_t j, int64_t *absorb, int64_t *count)
{
	struct kr_pl *p = v->p;
	size_t k, i;

	*absorb = *count = 0;
	for (k = 0; k < p->m; k++) {
		int64_t top = 0, t = 0, small = 0, c = 0;
		size_t last = p->n;

		if (k == j || !v->open[k] || p->vfs[k] <= 0)
			continue;
		for (i = 0; i < p->n; i++) {
			if (!v->rem[i] || !(p->items[i].elig >> k & 1) ||
			    p->items[i].d > p->cap[k])
				continue;
			if (t < p->vfs[k]) {
				top += p->items[i].d;
				t++;
			}
			last = i;
		}
		/* the smallest first, from the end */
		for (i = last + 1; i-- > 0 && c < p->vfs[k];) {
			if (i >= p->n || !v->rem[i] ||
			    !(p->items[i].elig >> k & 1) ||
			    p->items[i].d > p->cap[k])
				continue;
			if (small + p->items[i].d > p->cap[k])
				break;
			small += p->items[i].d;
			c++;
		}
		*absorb += top < p->cap[k] ? top : p->cap[k];
		*count += c;
	}
	p->steps += p->n * p->m / 8;
}

/*
 * Finish a selection: 'r' (1 to 3) more candidates, not picked yet, with
 * demands adding to [lo, hi].  Fills pick[] from index 'at'; 1 found.
 */
static int finish(struct dive *v, size_t nc, size_t r, int64_t lo, int64_t hi,
		  size_t at)
{
	const struct kr_pl *p = v->p;
	size_t a, b, c;

#define D(x) (p->items[v->rest[x]].d)
	if (hi < 0)
		return 0;
	if (r == 1) {
		for (a = 0; a < nc; a++)
			if (D(a) <= hi && D(a) >= lo) {
				v->pick[at] = v->rest[a];
				return 1;
			}
		return 0;
	}
	for (a = 0; a + r <= nc; a++) {
		int64_t lo2 = lo - D(a), hi2 = hi - D(a);

		if (D(a) > hi)
			continue;
		if (r == 2) {
			for (b = a + 1; b < nc; b++) {
				if (D(b) < lo2)
					break;
				if (D(b) <= hi2) {
					v->pick[at] = v->rest[a];
					v->pick[at + 1] = v->rest[b];
					return 1;
				}
			}
			continue;
		}
		/* three: two pointers over the candidates after a */
		b = a + 1;
		c = nc - 1;
		while (b < c) {
			int64_t s = D(b) + D(c);

			if (s > hi2) {
				b++;
			} else if (s < lo2) {
				if (c == 0)
					break;
				c--;
			} else {
				v->pick[at] = v->rest[a];
				v->pick[at + 1] = v->rest[b];
				v->pick[at + 2] = v->rest[c];
				return 1;
			}
		}
	}
	return 0;
#undef D
}

/* Fill PF j: 1 done (items marked), 0 no selection found. */
static int fill(struct dive *v, size_t j)
{
	struct kr_pl *p = v->p;
	int64_t absorb, count, lo, klo, vfs = p->vfs[j], cap = p->cap[j];
	int64_t want, total_vfs = 0, fsum;
	uint64_t open_mask;
	size_t i, k, nc, tries, nforced;

	others(v, j, &absorb, &count);
	lo = v->remd - absorb;
	klo = v->remn - count;
	for (k = 0; k < p->m; k++)
		if (v->open[k])
			total_vfs += p->vfs[k];
	/* its share of what remains, within what it must and may take */
	want = total_vfs ? (v->remn * vfs + total_vfs / 2) / total_vfs : 0;
	if (want < klo)
		want = klo;
	if (want > vfs)
		want = vfs;
	if (want <= 0) {
		if (lo > 0)
			return 0;
		v->open[j] = 0;
		return 1;
	}
	/* items no other open PF may take come first */
	open_mask = 0;
	for (k = 0; k < p->m; k++)
		if (v->open[k] && k != j)
			open_mask |= 1ull << k;
	nc = nforced = 0;
	fsum = 0;
	for (i = 0; i < p->n; i++) {
		if (!v->rem[i] || !(p->items[i].elig >> j & 1))
			continue;
		if (!(p->items[i].elig & open_mask)) {
			v->forced[nforced++] = i;
			fsum += p->items[i].d;
		} else if (p->items[i].d <= cap) {
			v->cand[nc++] = i;
		}
	}
	if ((int64_t)nforced > vfs || fsum > cap)
		return 0;
	if (want < (int64_t)nforced)
		want = (int64_t)nforced;
	if ((int64_t)(nc + nforced) < want)
		return 0;
	p->steps += p->n / 8;
	for (tries = 0; tries < TRIES; tries++) {
		int64_t s = fsum, t, free_picks = want - (int64_t)nforced;
		size_t prefix = free_picks > 3 ? (size_t)free_picks - 3 : 0;
		size_t got = nforced, left;

		memcpy(v->pick, v->forced, nforced * sizeof(*v->pick));

		/* the prefix: of a few random candidates, the one nearest
		 * the average still needed; marked, the order kept */
		for (t = 0; t < (int64_t)prefix; t++) {
			int64_t avg = (cap - s) / (free_picks - t), best_gap = -1;
			size_t best = SIZE_MAX, q, c;

			for (q = 0; q < 4; q++) {
				int64_t gap;

				c = rnd(v) % nc;
				if (v->used[c])
					continue;
				gap = p->items[v->cand[c]].d - avg;
				gap = gap < 0 ? -gap : gap;
				if (best_gap < 0 || gap < best_gap) {
					best_gap = gap;
					best = c;
				}
			}
			if (best == SIZE_MAX)
				break;
			v->used[best] = 1;
			v->pick[got++] = v->cand[best];
			s += p->items[v->cand[best]].d;
		}
		for (i = 0, left = 0; i < nc; i++)
			if (!v->used[i])
				v->rest[left++] = v->cand[i];
		for (i = 0; i < nc; i++)
			v->used[i] = 0;
		p->steps += (want + nc) / 4 + left * left / 32;
		if (got < nforced + prefix || s > cap)
			continue;
		if (free_picks - (int64_t)prefix > 0 &&
		    !finish(v, left, (size_t)(free_picks - (int64_t)prefix),
			    lo - s, cap - s, got))
			continue;
		if (free_picks - (int64_t)prefix == 0 && (s < lo || s > cap))
			continue;
		for (i = 0; i < (size_t)want; i++) {
			v->rem[v->pick[i]] = 0;
			v->choice[v->pick[i]] = j;
			v->remd -= p->items[v->pick[i]].d;
		}
		v->remn -= want;
		v->open[j] = 0;
		return 1;
	}
	return 0;
}

/* The exact search on the open PFs and the items left: 1 found. */
static int tail(struct dive *v, uint64_t budget)
{
	struct kr_pl *p = v->p;
	size_t bins[KR_PLACE_MAX_PFS], j, k = 0;

	for (j = 0; j < p->m; j++)
		if (v->open[j])
			bins[k++] = j;
	return kr_pl_complete_part(p, bins, k, v->rem, budget, v->choice);
}

int kr_pl_dive(struct kr_pl *p)
{
	struct dive v = { .p = p, .rng = 0x64697665ull };
	size_t n = p->n, m = p->m, i, j, q, head, items;
	int found = -ENOMEM;

	v.rem = calloc(n + 1, 1);
	v.choice = calloc(n + 1, sizeof(*v.choice));
	v.cand = calloc(n + 1, sizeof(*v.cand));
	v.rest = calloc(n + 1, sizeof(*v.rest));
	v.used = calloc(n + 1, 1);
	v.forced = calloc(n + 1, sizeof(*v.forced));
	v.pick = calloc(n + 1, sizeof(*v.pick));
	v.open = calloc(m + 1, 1);
	v.order = calloc(m + 1, sizeof(*v.order));
	if (!v.rem || !v.choice || !v.cand || !v.pick || !v.open || !v.order ||
	    !v.rest || !v.used || !v.forced)
		goto out;
	/* PFs by increasing VFs; the tail: the largest, TAIL_ITEMS VFs */
	for (j = 0; j < m; j++) {
		for (q = j; q > 0 && p->vfs[v.order[q - 1]] > p->vfs[j]; q--)
			v.order[q] = v.order[q - 1];
		v.order[q] = j;
	}
	for (head = m, items = 0; head > 0 && items < TAIL_ITEMS; head--)
		items += (size_t)(p->vfs[v.order[head - 1]] > 0
					  ? p->vfs[v.order[head - 1]]
					  : 0);
	found = 0;
	while (!found && p->steps < p->budget) {
		uint64_t left;

		memset(v.rem, 1, n);
		memset(v.open, 1, m);
		v.remd = 0;
		for (i = 0; i < n; i++)
			v.remd += p->items[i].d;
		v.remn = (int64_t)n;
		for (q = 0; q < head; q++)
			if (!fill(&v, v.order[q]))
				break;
		if (q < head || p->steps >= p->budget)
			continue;
		left = p->budget - p->steps;
		found = tail(&v, left < TAIL_BUDGET ? left : TAIL_BUDGET);
	}
	if (found == 1)
		memcpy(p->choice, v.choice, n * sizeof(*p->choice));
out:
	free(v.rem);
	free(v.choice);
	free(v.cand);
	free(v.rest);
	free(v.used);
	free(v.forced);
	free(v.pick);
	free(v.open);
	free(v.order);
	return found;
}
