/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random placement instances that fit by construction ("planted"): a
 * request of n interfaces with random min_tx_rate, each interface given to
 * one of m PFs at random, and each PF given exactly the bandwidth of what
 * it got (times 1 + slack) and at least as many free VFs.  Their twins are
 * the same instances with one PF 1 Mb/s short or one VF fewer, which may or
 * may not still fit.  Shared by tests/unit/test_placement_families.c and
 * bench/bench_placement.c; deterministic for a given seed.
 */
#ifndef KR_PLACEMENT_FAMILIES_H
#define KR_PLACEMENT_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "request.h"

struct kr_fam_params {
	size_t m;		/* PFs */
	size_t n;		/* interfaces */
	unsigned int slack_ppm;	/* PF bandwidth = planted load * (1 + slack) */
	unsigned int step;	/* rates are multiples of this (1, 100, 1000) */
	bool pins;		/* some interfaces pinned to their planted PF */
	bool mixed;		/* some PFs with 25 Gb/s links, some interfaces
				 * with a ceiling above that */
	uint64_t seed;
};

enum kr_fam_twin {
	KR_FAM_PLANTED = 0,	/* as built: fits */
	KR_FAM_BW_SHORT,	/* one loaded PF 1 Mb/s short */
	KR_FAM_VF_SHORT,	/* one PF with a free VF one fewer */
};

struct kr_fam_instance {
	struct kr_inventory *inv;
	struct kr_request *req;
	size_t *plant;		/* n entries: the planted PF of each */
	size_t twin_pf;		/* the PF a twin changed */
};

/*
 * Build the instance of 'p' (and, for a twin, change it).  Returns 0 or
 * -ENOMEM (then nothing to free).  A twin that cannot be made (no PF with
 * load or with a free VF) is returned unchanged with twin_pf = SIZE_MAX.
 */
int kr_fam_make(const struct kr_fam_params *p, enum kr_fam_twin twin,
		struct kr_fam_instance *ret);

void kr_fam_free(struct kr_fam_instance *in);

/*
 * The i-th parameter set of the standard grid (m, n, slack, step, pins and
 * mixed speeds cycled, the seed derived from 'base_seed' and i).
 */
void kr_fam_grid(uint64_t i, uint64_t base_seed, struct kr_fam_params *ret);

#endif
