/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement: which PF each of a pod's RDMA interfaces goes to.  One rule for
 * the extender and the CNI plugin (docs/placement.md):
 *
 *   interface i may go to PF j when i is not pinned elsewhere and its
 *   max_tx_rate (if set) is at most j's link speed (if known); a set of
 *   interfaces fits PF j when they are at most its free VFs and their
 *   min_tx_rate add up to at most its unreserved bandwidth
 *   (capacity_mbps - reserved_mbps).  A pod fits a node when all its
 *   interfaces can be placed at once.
 *
 * The decision is exact: a greedy pass in policy order answers the common
 * cases; when it fails, a depth-first search with bounds, symmetry breaking
 * and memoisation decides.  Only a search that exceeds its step budget can
 * answer "no" without proof; that is reported (cut_off), counted and rare.
 */
#ifndef KR_PLACEMENT_H
#define KR_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "request.h"

enum kr_policy {
	KR_POLICY_BINPACK = 0,	/* fill the most reserved PFs first */
	KR_POLICY_SPREAD = 1,	/* use the least reserved PFs first */
};

/* Most PFs a node may have for the solver. */
#define KR_PLACE_MAX_PFS 64
/* Search steps before the solver gives up (see kr_place_opts). */
#define KR_PLACE_BUDGET_DEFAULT 40000

struct kr_place_opts {
	enum kr_policy policy;
	uint64_t budget;	/* search steps; 0 = KR_PLACE_BUDGET_DEFAULT */
};

struct kr_placement {
	bool fits;
	int score;		/* 0..10 for the extender, when it fits */
	size_t n;		/* interfaces in the request */
	size_t *pf;		/* n entries: index into inv->pfs, owned */
	char reason[512];	/* why not, when it does not fit */
	bool cut_off;		/* "no" because the budget ran out */
	uint64_t steps;		/* search steps taken (0: greedy sufficed) */
};

/* "binpack" or "spread"; -EINVAL otherwise. */
int kr_policy_parse(const char *name, enum kr_policy *ret);
const char *kr_policy_name(enum kr_policy policy);

/*
 * Decide whether 'req' fits the node 'inv' and where.  Fills *ret (release
 * with kr_placement_clear) with fits, the assignment and score, or the
 * reason.  Errors only for what the solver cannot take: -EINVAL (more than
 * KR_PLACE_MAX_PFS PFs), -ENOMEM.  Never blocks; pure computation.
 */
int kr_place(const struct kr_inventory *inv, const struct kr_request *req,
	     const struct kr_place_opts *opts, struct kr_placement *ret,
	     struct kr_err *err);

/*
 * Check a given assignment (pf[i] = index into inv->pfs) against the rule:
 * 0, or -EINVAL with the first violation (for a placement decided earlier,
 * e.g. by the extender, before the CNI plugin honours it).
 */
int kr_placement_check(const struct kr_inventory *inv,
		       const struct kr_request *req, const size_t *pf,
		       struct kr_err *err);

/* The node score of an assignment under a policy (formula in the .c). */
int kr_placement_score(const struct kr_inventory *inv,
		       const struct kr_request *req, enum kr_policy policy);

/* Free the assignment; accepts a zeroed struct. */
void kr_placement_clear(struct kr_placement *p);

/* Searches cut off by their budget in this process so far. */
uint64_t kr_place_cutoffs(void);

#endif
