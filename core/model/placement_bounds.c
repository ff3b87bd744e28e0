/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proofs that nothing fits: relaxations of the placement rule that every
 * assignment satisfies (docs/placement.md).
 *
 *  - each PF can absorb at most its bandwidth, at most the sum of the
 *    largest demands its VFs could hold of the items it may take, and at
 *    most the largest subset sum of those items within its bandwidth (a
 *    bitset of the sums reachable, in units of the demands' common
 *    divisor; exact for one or two VFs): cap[] is lowered to that;
 *  - every item needs a PF that may take it with a free VF and room;
 *  - for all PFs, and for each set of PFs that some item is restricted
 *    to, the items restricted to them (pins, ceilings above a link,
 *    reservations where the NIC keeps none) must fit what they can absorb
 *    and hold (each PF at most its VFs, and as many of the smallest items
 *    it may take as fit its bandwidth);
 *  - large items, each more than half of what any PF that may take it can
 *    absorb, cannot share a PF: they need PFs of their own, one each (a
 *    matching of items to PFs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_solver.h"

/* Most word operations the subset sums of one kind of PF may cost. */
#define SUMS_WORK (1u << 17)

/* Sum of the largest demands PF j's VFs could hold. */
static int64_t top_sum(const struct kr_pl *p, size_t j)
{
	int64_t sum = 0, k = 0;
	size_t i;

	for (i = 0; i < p->n && k < p->vfs[j]; i++)
		if ((p->items[i].elig >> j & 1) && p->items[i].d <= p->cap[j]) {
			sum += p->items[i].d;
			k++;
		}
	return sum;
}

/*
 * The largest sum of at most 'vfs' (1 or 2) items PF j may take within its
 * bandwidth; 'buf' holds n demands.
 */
static int64_t pair_sum(const struct kr_pl *p, size_t j, int64_t vfs,
			int64_t *buf)
{
	int64_t best = 0;
	size_t i, n = 0, lo, hi;

	/* the demands j may take, ascending */
	for (i = p->n; i-- > 0;)
		if ((p->items[i].elig >> j & 1) && p->items[i].d <= p->cap[j])
			buf[n++] = p->items[i].d;
	if (!n || vfs <= 0)
		return 0;
	best = buf[n - 1];
	if (vfs < 2 || n < 2)
		return best;
	for (lo = 0, hi = n - 1; lo < hi;) {
		if (buf[lo] + buf[hi] <= p->cap[j]) {
			if (buf[lo] + buf[hi] > best)
				best = buf[lo] + buf[hi];
			lo++;
		} else {
			hi--;
		}
	}
	return best;
}

/* Do the same items may go to PFs j and k? */
static int same_column(const struct kr_pl *p, size_t j, size_t k)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if ((p->items[i].elig >> j & 1) != (p->items[i].elig >> k & 1))
			return 0;
	return 1;
}

/*
 * Lower cap[] of each PF with three VFs or more to the largest subset sum
 * within it of the items it may take; PFs that the same items may go to
 * share one bitset.  Skipped where the bitset would cost more than
 * SUMS_WORK word operations.  0 or -ENOMEM.
 */
static int tighten_by_sums(struct kr_pl *p)
{
	uint64_t done = 0, group, *bits;
	size_t j, k, i;

	for (j = 0; j < p->m; j++) {
		int64_t top = 0, units;
		size_t words, n = 0;

		if (done >> j & 1 || p->vfs[j] <= 2 || p->cap[j] <= 0)
			continue;
		group = 0;
		for (k = j; k < p->m; k++)
			if (!(done >> k & 1) && p->vfs[k] > 2 &&
			    p->cap[k] > 0 && same_column(p, j, k)) {
				group |= 1ull << k;
				if (p->cap[k] > top)
					top = p->cap[k];
			}
		done |= group;
		for (i = 0; i < p->n; i++)
			n += p->items[i].elig >> j & 1;
		units = top / p->unit;
		words = (size_t)units / 64 + 1;
		if (n * words > SUMS_WORK)
			continue;
		bits = calloc(words, sizeof(*bits));
		if (!bits)
			return -ENOMEM;
		bits[0] = 1;
		for (i = 0; i < p->n; i++)
			if ((p->items[i].elig >> j & 1) && p->items[i].d <= top)
				kr_pl_bits_shift_or(bits, words,
					 (size_t)(p->items[i].d / p->unit));
		for (k = j; k < p->m; k++) {
			int64_t best;

			if (!(group >> k & 1))
				continue;
			best = kr_pl_bits_highest(bits, 0, p->cap[k] / p->unit);
			if (best >= 0 && best * p->unit < p->cap[k])
				p->cap[k] = best * p->unit;
		}
		free(bits);
		p->steps += n * words / 16;
	}
	return 0;
}

/*
 * How many items PF j can hold: its VFs, and as many of the smallest
 * items it may take as fit its bandwidth.
 */
static int64_t holds(const struct kr_pl *p, size_t j)
{
	int64_t sum = 0, k = 0;
	size_t i;

	for (i = p->n; i-- > 0 && k < p->vfs[j];) {
		if (!(p->items[i].elig >> j & 1))
			continue;
		if (sum + p->items[i].d > p->cap[j])
			break;
		sum += p->items[i].d;
		k++;
	}
	return k;
}

/* Items restricted to the PFs of 'mask' fit what those PFs can take. */
static int hall(const struct kr_pl *p, uint64_t mask)
{
	int64_t need = 0, room = 0, vfs = 0;
	size_t i, j, n = 0;

	for (i = 0; i < p->n; i++)
		if (!(p->items[i].elig & ~mask)) {
			need += p->items[i].d;
			n++;
		}
	for (j = 0; j < p->m; j++)
		if (mask >> j & 1) {
			room += p->cap[j];
			vfs += holds(p, j);
		}
	return need <= room && (int64_t)n <= vfs;
}

/* May large item i go to PF j (VF, room)? */
static int can_take(const struct kr_pl *p, size_t i, size_t j)
{
	return (p->items[i].elig >> j & 1) && p->vfs[j] > 0 &&
	       p->items[i].d <= p->cap[j];
}

/* Augmenting path for large item i; owner[j]: the item on PF j. */
static int match(const struct kr_pl *p, size_t i, size_t *owner,
		 uint64_t *seen)
{
	size_t j;

	for (j = 0; j < p->m; j++) {
		if (!can_take(p, i, j) || *seen >> j & 1)
			continue;
		*seen |= 1ull << j;
		if (owner[j] == SIZE_MAX || match(p, owner[j], owner, seen)) {
			owner[j] = i;
			return 1;
		}
	}
	return 0;
}

/*
 * Large items (more than half of what every PF that may take them can
 * absorb) need a PF each: 0 when no matching holds them all.
 */
static int large_items_fit(const struct kr_pl *p)
{
	size_t owner[KR_PLACE_MAX_PFS], i, j, large = 0;

	for (j = 0; j < p->m; j++)
		owner[j] = SIZE_MAX;
	for (i = 0; i < p->n; i++) {
		int is_large = p->items[i].d > 0;
		uint64_t seen = 0;

		for (j = 0; j < p->m && is_large; j++)
			if (can_take(p, i, j) && 2 * p->items[i].d <= p->cap[j])
				is_large = 0;
		if (!is_large)
			continue;
		if (++large > p->m || !match(p, i, owner, &seen))
			return 0;
	}
	return 1;
}

/*
 * The checks on what each PF can absorb and hold: 0 when they prove that
 * nothing fits.
 */
static int checks(const struct kr_pl *p)
{
	uint64_t masks[64];
	size_t i, j, k, n_masks = 0;

	for (i = 0; i < p->n; i++) {
		const struct kr_pl_item *it = &p->items[i];
		int ok = 0;

		for (j = 0; j < p->m && !ok; j++)
			ok = (it->elig >> j & 1) && p->vfs[j] > 0 &&
			     p->cap[j] >= it->d;
		if (!ok)
			return 0;
		for (k = 0; k < n_masks && masks[k] != it->elig; k++)
			;
		if (k == n_masks && n_masks < 64)
			masks[n_masks++] = it->elig;
	}
	if (!hall(p, p->m >= 64 ? ~0ull : (1ull << p->m) - 1))
		return 0;
	for (k = 0; k < n_masks; k++)
		if (!hall(p, masks[k]))
			return 0;
	return 1;
}

int kr_pl_bounds(struct kr_pl *p)
{
	int64_t *buf = calloc(p->n + 1, sizeof(*buf));
	size_t j;

	if (!buf)
		return -ENOMEM;
	for (j = 0; j < p->m; j++) {
		int64_t top = p->vfs[j] <= 2 ? pair_sum(p, j, p->vfs[j], buf)
					     : top_sum(p, j);

		if (p->cap[j] > top)
			p->cap[j] = top;
	}
	free(buf);
	/* the cheap ones first, then again with the subset sums */
	if (!checks(p) || !large_items_fit(p))
		goto proven;
	if (tighten_by_sums(p) < 0)
		return -ENOMEM;
	if (!checks(p) || !large_items_fit(p))
		goto proven;
	return 1;

proven:
	p->proven = true;
	return 0;
}
