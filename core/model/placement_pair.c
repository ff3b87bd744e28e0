/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two PFs decided exactly (docs/placement.md): the items either PF may
 * take go to the first or the second, so a packing is a subset of them
 * whose sum lands in a range, a subset sum.  A bitset of the sums
 * reachable with the first i items, for every i, decides it in n times
 * the range's words and gives the subset back.  Bin completion can take
 * exponential time on such a node when the demands leave few sums in
 * range (an arithmetic progression: 70 interfaces at 1000 + 3 i Mb/s on
 * two PFs with exactly their sum), and two PFs is the common node: one
 * dual-port NIC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_solver.h"

/* Words the table may hold: 2 MiB (128 interfaces on two 100 Gb/s PFs in
 * units of 1 Mb/s need 1.6 MiB). */
#define PAIR_MAX_WORDS (256 * 1024)

int kr_pl_pair(struct kr_pl *p)
{
	size_t pf[2], n_pf = 0, i, j, words, n_free = 0, *free_item = NULL;
	int64_t unit = p->unit, fixed[2] = { 0, 0 }, fixed_n[2] = { 0, 0 };
	int64_t free_sum = 0, lo, hi, x;
	uint64_t *reach = NULL;
	int ret = 2;

	for (j = 0; j < p->m; j++) {
		if (p->vfs[j] <= 0)
			continue;
		if (n_pf == 2)
			return 2;
		pf[n_pf++] = j;
	}
	if (n_pf != 2)
		return 2;
	free_item = calloc(p->n + 1, sizeof(*free_item));
	if (!free_item)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		int to0 = p->items[i].elig >> pf[0] & 1 &&
			  p->items[i].d <= p->cap[pf[0]];
		int to1 = p->items[i].elig >> pf[1] & 1 &&
			  p->items[i].d <= p->cap[pf[1]];

		if (to0 && to1) {
			free_item[n_free++] = i;
			free_sum += p->items[i].d;
		} else if (to0 || to1) {
			fixed[to1] += p->items[i].d;
			fixed_n[to1]++;
			p->choice[i] = pf[to1];
		} else {
			goto out;	/* the bounds see to that */
		}
	}
	/*
	 * The free items sent to the first PF, S, must keep both within
	 * bandwidth; the counts must not bind (then the table would need a
	 * dimension per count, and bin completion does well there).
	 */
	if (fixed_n[0] + (int64_t)n_free > p->vfs[pf[0]] ||
	    fixed_n[1] + (int64_t)n_free > p->vfs[pf[1]])
		goto out;
	hi = (p->cap[pf[0]] - fixed[0]) / unit;
	lo = free_sum + fixed[1] - p->cap[pf[1]];
	lo = lo <= 0 ? 0 : (lo + unit - 1) / unit;
	if (hi > free_sum / unit)
		hi = free_sum / unit;
	if (hi < lo) {
		p->proven = true;
		ret = 0;
		goto out;
	}
	words = (size_t)hi / 64 + 1;
	if ((n_free + 1) * words > PAIR_MAX_WORDS)
		goto out;
	reach = calloc((n_free + 1) * words, sizeof(*reach));
	if (!reach) {
		ret = -ENOMEM;
		goto out;
	}
	/* reach[i]: the sums of subsets of the first i free items */
	reach[0] = 1;
	for (i = 0; i < n_free; i++) {
		uint64_t *nx = &reach[(i + 1) * words];

		memcpy(nx, &reach[i * words], words * sizeof(*nx));
		kr_pl_bits_shift_or(nx, words,
				    (size_t)(p->items[free_item[i]].d / unit));
	}
	/* a step per 32 words, as the other tables */
	p->steps += (n_free + 1) * words / 32 + 1;
	x = kr_pl_bits_highest(&reach[n_free * words], lo, hi);
	if (x < 0) {
		p->proven = true;
		ret = 0;
		goto out;
	}
	/* walk back: an item is in S when x was not reachable without it */
	for (i = n_free; i-- > 0;) {
		size_t it = free_item[i];

		if (reach[i * words + (size_t)x / 64] >> (x % 64) & 1) {
			p->choice[it] = pf[1];
		} else {
			p->choice[it] = pf[0];
			x -= p->items[it].d / unit;
		}
	}
	ret = 1;
out:
	free(reach);
	free(free_item);
	return ret;
}
