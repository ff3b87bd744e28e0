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
 * The decision is exact: greedy passes in policy order answer the common
 * cases; when they fail, bounds prove most "no"s, a repair search finds
 * packings where many exist, and bin completion (an exact search with
 * dominance, symmetry breaking and memoisation) decides the rest.  Only a
 * search that exceeds its step budget leaves a request undecided; that is
 * reported (cut_off: not placed, "undecided" in the reason), counted and
 * rare.
 */
#ifndef KR_PLACEMENT_H
#define KR_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "kr_limits.h"
#include "request.h"

enum kr_policy {
	KR_POLICY_BINPACK = 0,	/* fill the most reserved PFs first */
	KR_POLICY_SPREAD = 1,	/* use the least reserved PFs first */
};

/* Most PFs a node may have for the solver. */
#define KR_PLACE_MAX_PFS KR_MAX_PFS_PER_NODE
/*
 * Search steps before the solver gives up (see kr_place_opts): about 4 ms
 * on one core, at 11 to 22 ns a step (docs/benchmarks.md).
 */
#define KR_PLACE_BUDGET_DEFAULT 180000

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
	bool cut_off;		/* undecided: the budget ran out before an
				 * assignment or a proof (fits is false) */
	uint64_t steps;		/* search steps taken (0: greedy sufficed) */
};

/*
 * A request prepared once for many nodes (the extender decides one pod on
 * hundreds): the interfaces sorted, their kinds and the common divisor of
 * their reservations.  Keeps a pointer to 'req', which must outlive it
 * unchanged.  Read-only once made: several threads may place with it at
 * once.
 */
struct kr_place_req;

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
 * Prepare 'req' under 'opts' (NULL: binpack, default budget) for
 * kr_place_node; -ENOMEM.  Release with kr_place_req_free.
 */
int kr_place_prepare(const struct kr_request *req,
		     const struct kr_place_opts *opts,
		     struct kr_place_req **ret, struct kr_err *err);

/* kr_place for a prepared request: the same answer, less work per node. */
int kr_place_node(const struct kr_place_req *pr,
		  const struct kr_inventory *inv, struct kr_placement *ret,
		  struct kr_err *err);

/* Accepts NULL. */
void kr_place_req_free(struct kr_place_req *pr);

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

/*
 * A shell command that reproduces a placement: it writes the node as
 * placement sees it (each PF's name, link speed, capacity, reservation
 * support, free VFs and reserved bandwidth) to node.json and runs
 * kube-rdma-ctl place on it with the request and the policy.  For the log
 * line of an undecided placement.  A string to free(), or NULL when out of
 * memory.
 */
char *kr_place_command(const struct kr_inventory *inv,
		       const struct kr_request *req, enum kr_policy policy);

/* Free the assignment; accepts a zeroed struct. */
void kr_placement_clear(struct kr_placement *p);

/* Searches cut off by their budget in this process so far. */
uint64_t kr_place_cutoffs(void);

#endif
