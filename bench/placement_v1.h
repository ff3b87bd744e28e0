/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The placement solver before bin completion (bench/placement_v1.c), for
 * the benchmark's before/after comparison only.
 */
#ifndef KR_PLACEMENT_V1_H
#define KR_PLACEMENT_V1_H

#include <stdint.h>

#include "placement.h"

/*
 * Decide 'req' on 'inv' as the old solver did, with 'budget' search steps
 * (0: its default of 40,000).  Returns 1 fits, 0 does not (*ret_cut_off:
 * because the budget ran out), -EINVAL (too many PFs), -ENOMEM.
 */
int kr_v1_place(const struct kr_inventory *inv, const struct kr_request *req,
		enum kr_policy policy, uint64_t budget, int *ret_cut_off,
		uint64_t *ret_steps);

#endif
