/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Planted placement instances (placement_families.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement_families.h"

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint32_t uniform(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(next(s) % ((uint64_t)hi - lo + 1));
}

static uint32_t draw_rate(uint64_t *s, unsigned int step)
{
	if (step >= 1000)
		return 1000 * uniform(s, 1, 25);
	if (step >= 100)
		return 100 * uniform(s, 5, 200);
	return uniform(s, 500, 20000);
}

static int may_take(const struct kr_inv_pf *pf, const struct kr_iface_req *r)
{
	if (r->max_tx_rate && r->max_tx_rate > pf->link_speed_mbps)
		return 0;
	return !r->min_tx_rate || pf->min_rate_supported;
}

void kr_fam_free(struct kr_fam_instance *in)
{
	kr_inventory_free(in->inv);
	kr_request_free(in->req);
	free(in->plant);
	memset(in, 0, sizeof(*in));
}

static void make_twin(struct kr_fam_instance *in, enum kr_fam_twin twin,
		      const size_t *count, uint64_t *s)
{
	struct kr_inventory *inv = in->inv;
	size_t j, cand[64], n = 0, tight = 0;

	in->twin_pf = SIZE_MAX;
	for (j = 0; j < inv->n_pfs && j < 64; j++) {
		const struct kr_inv_pf *pf = &inv->pfs[j];

		if (twin == KR_FAM_BW_SHORT &&
		    pf->capacity_mbps > pf->reserved_mbps)
			cand[n++] = j;
		if (twin == KR_FAM_VF_SHORT && pf->vfs_free) {
			/* PFs whose VFs are all needed come first */
			if (pf->vfs_free == count[j]) {
				cand[n++] = cand[tight];
				cand[tight++] = j;
			} else {
				cand[n++] = j;
			}
		}
	}
	if (!n)
		return;
	j = cand[next(s) % (tight ? tight : n)];
	in->twin_pf = j;
	if (twin == KR_FAM_BW_SHORT)
		inv->pfs[j].reserved_mbps++;
	else
		inv->pfs[j].vfs_free--;
}

int kr_fam_make(const struct kr_fam_params *p, enum kr_fam_twin twin,
		struct kr_fam_instance *ret)
{
	uint64_t s = p->seed * 0x2545f4914f6cdd1dull + p->m * 131 + p->n;
	uint64_t load[64] = { 0 };
	size_t count[64] = { 0 }, eligible[64];
	struct kr_fam_instance in = { 0 };
	size_t i, j, m = p->m < 64 ? p->m : 64;
	int tight_vfs = next(&s) % 3 == 0;

	in.inv = kr_inventory_new("fam");
	in.req = calloc(1, sizeof(*in.req));
	in.plant = calloc(p->n + 1, sizeof(*in.plant));
	if (!in.inv || !in.req || !in.plant)
		goto out_nomem;
	in.req->ifaces = calloc(p->n + 1, sizeof(*in.req->ifaces));
	if (!in.req->ifaces)
		goto out_nomem;
	in.req->n = p->n;
	for (j = 0; j < m; j++) {
		char name[16];
		struct kr_inv_pf *pf;

		snprintf(name, sizeof(name), "p%zu", j);
		pf = kr_inventory_add_pf(in.inv, name, 0);
		if (!pf)
			goto out_nomem;
		pf->link_speed_mbps = 100000;
		pf->min_rate_supported = true;
		if (p->mixed && j && next(&s) % 3 == 0)
			pf->link_speed_mbps = 25000;
		if (p->mixed && j && next(&s) % 8 == 0)
			pf->min_rate_supported = false;
	}
	for (i = 0; i < p->n; i++) {
		struct kr_iface_req *r = &in.req->ifaces[i];
		size_t k = 0;
		uint64_t c;

		r->min_tx_rate = draw_rate(&s, p->step);
		if (p->mixed && next(&s) % 20 == 0)
			r->min_tx_rate = 0;
		c = next(&s) % 4;
		if (c == 0)
			r->max_tx_rate = 0;
		else if (c == 1 && p->mixed)
			r->max_tx_rate = r->min_tx_rate > 40000 ? r->min_tx_rate
								: 40000;
		else
			r->max_tx_rate = r->min_tx_rate * 2 > 25000
						 ? 25000
						 : r->min_tx_rate * 2;
		if (r->max_tx_rate && r->max_tx_rate < r->min_tx_rate)
			r->max_tx_rate = r->min_tx_rate;
		for (j = 0; j < m; j++)
			if (may_take(&in.inv->pfs[j], r))
				eligible[k++] = j;
		/* PF 0 has a 100 Gb/s link and keeps reservations */
		j = eligible[next(&s) % k];
		in.plant[i] = j;
		load[j] += r->min_tx_rate;
		count[j]++;
		if (p->pins && next(&s) % 8 == 0)
			snprintf(r->pf, sizeof(r->pf), "%s",
				 in.inv->pfs[j].name);
	}
	for (j = 0; j < m; j++) {
		struct kr_inv_pf *pf = &in.inv->pfs[j];
		uint64_t bw = load[j] + load[j] * p->slack_ppm / 1000000;

		if (bw <= pf->link_speed_mbps && next(&s) % 2) {
			pf->capacity_mbps = pf->link_speed_mbps;
			pf->reserved_mbps = pf->capacity_mbps - bw;
		} else {
			pf->capacity_mbps = (uint32_t)bw;
			pf->reserved_mbps = 0;
		}
		pf->vfs_free = (uint32_t)count[j];
		if (!tight_vfs && next(&s) % 2)
			pf->vfs_free += uniform(&s, 1, 3);
		pf->vfs_total = pf->vfs_free + uniform(&s, 0, 4);
	}
	in.twin_pf = SIZE_MAX;
	if (twin != KR_FAM_PLANTED)
		make_twin(&in, twin, count, &s);
	*ret = in;
	return 0;

out_nomem:
	kr_fam_free(&in);
	return -ENOMEM;
}

void kr_fam_grid(uint64_t i, uint64_t base_seed, struct kr_fam_params *ret)
{
	static const size_t ms[] = { 2, 3, 4, 6, 8, 16 };
	static const size_t ns[] = { 10, 20, 30, 60, 100, 128 };
	static const unsigned int slacks[] = { 0, 2000, 10000, 50000 };
	static const unsigned int steps[] = { 1, 100, 1000 };
	uint64_t k = i;

	memset(ret, 0, sizeof(*ret));
	ret->m = ms[k % 6];
	k /= 6;
	ret->n = ns[k % 6];
	k /= 6;
	ret->slack_ppm = slacks[k % 4];
	k /= 4;
	ret->step = steps[k % 3];
	k /= 3;
	ret->pins = k % 2;
	ret->mixed = k / 2 % 2;
	ret->seed = base_seed * 1000003 + i;
}
