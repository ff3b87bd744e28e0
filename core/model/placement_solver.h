/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The placement solver's inside, shared by placement.c (the API, the
 * per-request preparation, explanations), placement_bounds.c (proofs that
 * nothing fits), placement_pair.c (two PFs, decided by subset sums),
 * placement_repair.c (finding packings where many exist),
 * placement_search.c (greedy passes, and the exact search that finds an
 * assignment or exhausts them) and placement_cover.c (the exact search's
 * hard nodes as exact covers).  Not for use outside core/placement*.c.
 *
 * One node's problem: m PFs ("bins"), each with an unreserved bandwidth
 * cap[j] and free VFs vfs[j]; n interfaces ("items"), each with a demand
 * (min_tx_rate) and the PFs that may take it.  Find an assignment of every
 * item to a PF that may take it such that each PF holds at most vfs[j]
 * items whose demands add up to at most cap[j].
 */
#ifndef KR_PLACEMENT_SOLVER_H
#define KR_PLACEMENT_SOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "placement.h"

struct kr_pl_item {
	size_t iface;		/* index in the request */
	int64_t d;		/* demand: min_tx_rate, Mbit/s */
	uint64_t elig;		/* bit j: PF j may take it */
	size_t run_end;		/* items [i, run_end) are identical to i
				 * (same demand, same PFs) */
};

struct kr_pl {
	size_t m, n;
	enum kr_policy policy;
	struct kr_pl_item *items;	/* n, by decreasing demand */
	int64_t *cap;		/* m: what PF j can absorb; only ever
				 * lowered to a proven bound */
	int64_t *vfs;		/* m: free VFs (0 when the PF can take
				 * nothing at all) */
	unsigned int *type;	/* m: PFs of one type take the same items */
	int64_t unit;		/* every demand is a multiple of it (>= 1) */
	size_t *choice;		/* n: the PF of each item, when found */
	uint64_t steps;		/* search steps taken */
	uint64_t budget;	/* search steps allowed */
	bool cut_off;		/* the budget ran out */
	bool proven;		/* "no" with a proof */
};

/*
 * Bitsets of sums (placement_bits.c), bit x for x units.  shift_or sets
 * v |= v << k over 'words' words, in place; rotate_or sets dst to src or'd
 * with src rotated left by k bits, as a cyclic set of 64 * words bits
 * (dst and src do not overlap); highest returns the highest set bit in
 * [lo, hi] (lo below 0 taken as 0; hi within the words), or -1.
 */
void kr_pl_bits_shift_or(uint64_t *v, size_t words, size_t k);
void kr_pl_bits_rotate_or(uint64_t *restrict dst, const uint64_t *restrict src,
			  size_t words, size_t k);
int64_t kr_pl_bits_highest(const uint64_t *v, int64_t lo, int64_t hi);
/* Whether every bit of the 'words' words is set. */
bool kr_pl_bits_full(const uint64_t *v, size_t words);

/*
 * Bounds that hold for every assignment (placement_bounds.c).  May lower
 * cap[] to what each PF can really take (subset sums of the demands it may
 * hold, within its VFs).  Returns 0 when they prove that nothing fits (and
 * sets p->proven), 1 otherwise, -ENOMEM.
 */
int kr_pl_bounds(struct kr_pl *p);

/*
 * One greedy pass in the order of 'policy' (binpack: each item to the PF
 * with the least unreserved bandwidth that still holds it; spread: the
 * most).  1 and p->choice filled when everything was placed, else 0.
 */
int kr_pl_greedy(struct kr_pl *p, enum kr_policy policy);

/*
 * Repair (placement_repair.c): re-split items between PFs, then re-solve
 * neighbourhoods exactly, to remove overload from a start within the VFs;
 * until p->steps reaches p->budget.  1 and p->choice when an assignment is
 * found, else 0; never proves anything.  -ENOMEM.
 */
int kr_pl_repair(struct kr_pl *p);

/*
 * Dives (placement_dive.c): random constructions, each PF filled with
 * items near the average it needs and an exact finish, the last PFs left
 * to the exact search; until p->steps reaches p->budget.  1 and p->choice
 * when an assignment is found, else 0; never proves anything.  -ENOMEM.
 */
int kr_pl_dive(struct kr_pl *p);

/*
 * Two PFs (placement_pair.c): when only two PFs have free VFs and their VFs
 * do not bind, decide exactly by subset sums.  1 and p->choice filled when
 * an assignment exists, 0 when none does (p->proven), 2 when this node is
 * not one for it (counts bind, or the table would be too large); -ENOMEM.
 */
int kr_pl_pair(struct kr_pl *p);

/*
 * Exact search (bin completion, placement_search.c) until p->steps reaches
 * p->budget: 1 and p->choice when found; 0 when none exists (p->proven)
 * or the budget ran out (p->cut_off); -ENOMEM.
 */
int kr_pl_complete(struct kr_pl *p);

/*
 * The same search in parts: _new sets it up for p (its tables sized for
 * about 'steps' steps in all; NULL when out of memory), each _run searches
 * on until p->steps reaches p->budget, as kr_pl_complete, resuming with
 * the next restart and what the last call remembered (the failed nodes,
 * each proven).  p's PFs and items must not change in between.
 */
struct kr_pl_search;
struct kr_pl_search *kr_pl_search_new(struct kr_pl *p, uint64_t steps);
int kr_pl_search_run(struct kr_pl_search *s);
void kr_pl_search_free(struct kr_pl_search *s);

/*
 * Exact cover of a node of the search (placement_cover.c): the items with
 * their bit set in 'rem', to the PFs 'open', item i only to the PFs of
 * takers[i] (none whose bandwidth is below its demand), with 'spare' units of bandwidth to leave unused, until
 * p->steps passes 'limit'.  1 and p->choice of those items when found; 0
 * when none exists; 2 when the node is not one for it (too many fills,
 * or listing them took too long; nothing decided, the steps spent);
 * -EAGAIN at the limit; -ENOMEM.  _new makes the scratch for p's nodes
 * (NULL when out of memory): a PF whose fills would take more than
 * 'first_steps' to list is listed only when a first search without it
 * does not prove the node empty, and one over 'lazy_steps' only when
 * fewer items are left.
 */
struct kr_pl_cover;
struct kr_pl_cover *kr_pl_cover_new(struct kr_pl *p, uint64_t first_steps,
				    uint64_t lazy_steps);
int kr_pl_cover_node(struct kr_pl_cover *c, const uint64_t *rem,
		     uint64_t open, const uint64_t *takers, int64_t spare,
		     uint64_t limit);
void kr_pl_cover_free(struct kr_pl_cover *c);

/*
 * The exact search on part of a node: the PFs bins[0..k) and the items i
 * with in[i] set, for at most 'budget' steps (charged to p->steps).  On
 * success sets choice[i] (an index into p's PFs) of those items.  1 found,
 * 0 not (no proof for the node), -ENOMEM.
 */
int kr_pl_complete_part(struct kr_pl *p, const size_t *bins, size_t k,
			const uint8_t *in, uint64_t budget, size_t *choice);

#endif
