/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The placement solver as it was before bin completion and the
 * subset-sum bounds (core/placement.c up to the commit that added this
 * file): greedy in both policy orders, then a depth-first search over the
 * interfaces with the count and bandwidth bounds, symmetry breaking and a
 * table of failed states, within a step budget.  Kept for
 * bench/bench_placement only, to measure the current solver against it in
 * the same run; no installed program links it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_v1.h"


struct item {
	size_t iface;		/* index in the request */
	int64_t demand;		/* min_tx_rate */
	uint64_t eligible;	/* bit j: PF j may take it */
	int same_as_prev;	/* identical to the item before it */
};

/* A remembered failed state: next item, constraint, and PF states. */
struct memo {
	size_t slots;		/* power of two */
	size_t used;
	size_t key_len;		/* int64s per key */
	int64_t *keys;		/* slots * key_len */
	uint8_t *full;		/* slots */
};

struct solver {
	size_t m, n;
	enum kr_policy policy;
	int64_t *free_bw;	/* per PF, changes during the search */
	int64_t *free_vfs;	/* per PF */
	unsigned int *type;	/* per PF: interchangeable PFs share it */
	struct item *items;	/* n, sorted */
	int64_t *prefix;	/* prefix[k] = sum of demands of items 0..k-1 */
	size_t *choice;		/* per item: PF */
	uint64_t steps, budget;
	int cut_off;
	struct memo memo;
	int64_t *key;		/* scratch key */
};

/* ---- memo ---- */

static uint64_t hash_key(const int64_t *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint64_t)key[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return h;
}

static void make_key(struct solver *s, size_t i, size_t min_pf)
{
	size_t j;

	s->key[0] = (int64_t)i;
	s->key[1] = (int64_t)min_pf;
	for (j = 0; j < s->m; j++) {
		s->key[2 + 2 * j] = s->free_vfs[j];
		s->key[3 + 2 * j] = s->free_bw[j];
	}
}

/* 1 if the key is stored; otherwise stores it (if room) when 'insert'. */
static int memo_probe(struct memo *mo, const int64_t *key, int insert)
{
	size_t slot, tries;

	if (!mo->slots)
		return 0;
	slot = hash_key(key, mo->key_len) & (mo->slots - 1);
	for (tries = 0; tries < mo->slots; tries++) {
		int64_t *k = &mo->keys[slot * mo->key_len];

		if (!mo->full[slot]) {
			/* Keep the table at most 3/4 full. */
			if (insert && mo->used < mo->slots / 4 * 3) {
				memcpy(k, key, mo->key_len * sizeof(*k));
				mo->full[slot] = 1;
				mo->used++;
			}
			return 0;
		}
		if (!memcmp(k, key, mo->key_len * sizeof(*k)))
			return 1;
		slot = (slot + 1) & (mo->slots - 1);
	}
	return 0;
}

/* ---- bounds ---- */

/* Sum of the demands of items [from, from + k). */
static int64_t demand_sum(const struct solver *s, size_t from, size_t k)
{
	return s->prefix[from + k] - s->prefix[from];
}

/*
 * Necessary conditions for placing items i..n-1; 0 when they cannot all be
 * placed whatever the assignment.
 */
static int bounds_hold(const struct solver *s, size_t i)
{
	size_t left = s->n - i, j;
	int64_t need = demand_sum(s, i, left), absorb = 0;
	size_t count = 0;

	for (j = 0; j < s->m; j++) {
		size_t vfs = s->free_vfs[j] < 0 ? 0 : (size_t)s->free_vfs[j];
		size_t lo = 0, hi = vfs < left ? vfs : left;
		int64_t bw = s->free_bw[j];

		if (bw < 0 || !vfs)
			continue;
		/* bandwidth: the largest remaining rates its VFs could take */
		absorb += demand_sum(s, i, hi) < bw ? demand_sum(s, i, hi) : bw;
		/* count: most of the smallest remaining items that fit */
		while (lo < hi) {
			size_t mid = (lo + hi + 1) / 2;

			if (demand_sum(s, s->n - mid, mid) <= bw)
				lo = mid;
			else
				hi = mid - 1;
		}
		count += lo;
	}
	return count >= left && absorb >= need;
}

/* ---- search ---- */

/* Order candidates by policy: binpack least free bandwidth first. */
static int prefer(const struct solver *s, size_t a, size_t b)
{
	if (s->free_bw[a] != s->free_bw[b]) {
		if (s->policy == KR_POLICY_SPREAD)
			return s->free_bw[a] > s->free_bw[b];
		return s->free_bw[a] < s->free_bw[b];
	}
	if (s->free_vfs[a] != s->free_vfs[b]) {
		if (s->policy == KR_POLICY_SPREAD)
			return s->free_vfs[a] > s->free_vfs[b];
		return s->free_vfs[a] < s->free_vfs[b];
	}
	return a < b;
}

static int fits_pf(const struct solver *s, const struct item *it, size_t j)
{
	return (it->eligible >> j & 1) && s->free_vfs[j] > 0 &&
	       s->free_bw[j] >= it->demand;
}

/* Candidate PFs for item i in policy order; returns how many. */
static size_t candidates(const struct solver *s, size_t i, size_t min_pf,
			 size_t *out)
{
	const struct item *it = &s->items[i];
	size_t j, k, n = 0;

	for (j = min_pf; j < s->m; j++) {
		if (!fits_pf(s, it, j))
			continue;
		/* an interchangeable PF with a lower index stands for it */
		for (k = 0; k < n; k++)
			if (s->type[out[k]] == s->type[j] &&
			    s->free_bw[out[k]] == s->free_bw[j] &&
			    s->free_vfs[out[k]] == s->free_vfs[j])
				break;
		if (k < n)
			continue;
		/* insertion sort: n <= m <= 64 */
		for (k = n; k > 0 && prefer(s, j, out[k - 1]); k--)
			out[k] = out[k - 1];
		out[k] = j;
		n++;
	}
	return n;
}

static int search(struct solver *s, size_t i, size_t min_pf)
{
	size_t order[KR_PLACE_MAX_PFS], n, c;

	if (i == s->n)
		return 1;
	if (++s->steps > s->budget) {
		s->cut_off = 1;
		return 0;
	}
	if (!bounds_hold(s, i))
		return 0;
	make_key(s, i, min_pf);
	if (memo_probe(&s->memo, s->key, 0))
		return 0;

	n = candidates(s, i, min_pf, order);
	for (c = 0; c < n && !s->cut_off; c++) {
		size_t j = order[c];
		size_t next_min = 0;

		if (i + 1 < s->n && s->items[i + 1].same_as_prev)
			next_min = j;
		s->free_vfs[j]--;
		s->free_bw[j] -= s->items[i].demand;
		s->choice[i] = j;
		if (search(s, i + 1, next_min))
			return 1;
		s->free_vfs[j]++;
		s->free_bw[j] += s->items[i].demand;
	}
	if (!s->cut_off) {
		make_key(s, i, min_pf);
		memo_probe(&s->memo, s->key, 1);
	}
	return 0;
}

/* Greedy pass in policy order; 1 if it placed everything. */
static int greedy(struct solver *s)
{
	size_t order[KR_PLACE_MAX_PFS], i;

	for (i = 0; i < s->n; i++) {
		if (!candidates(s, i, 0, order))
			return 0;
		s->choice[i] = order[0];
		s->free_vfs[order[0]]--;
		s->free_bw[order[0]] -= s->items[i].demand;
	}
	return 1;
}

/* ---- setup ---- */

static int64_t pf_free_bw(const struct kr_inv_pf *pf)
{
	return (int64_t)pf->capacity_mbps - (int64_t)pf->reserved_mbps;
}

static void reset_free(struct solver *s, const struct kr_inventory *inv)
{
	size_t j;

	for (j = 0; j < s->m; j++) {
		s->free_bw[j] = pf_free_bw(&inv->pfs[j]);
		s->free_vfs[j] = inv->pfs[j].vfs_free;
	}
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int pa_n = __builtin_popcountll(a->eligible);
	int pb_n = __builtin_popcountll(b->eligible);

	if (a->demand != b->demand)
		return a->demand > b->demand ? -1 : 1;
	if (pa_n != pb_n)
		return pa_n < pb_n ? -1 : 1;
	if (a->eligible != b->eligible)
		return a->eligible < b->eligible ? -1 : 1;
	return a->iface < b->iface ? -1 : a->iface > b->iface;
}

static uint64_t eligibility(const struct kr_inventory *inv,
			    const struct kr_iface_req *r)
{
	uint64_t mask = 0;
	size_t j;

	for (j = 0; j < inv->n_pfs; j++) {
		const struct kr_inv_pf *pf = &inv->pfs[j];

		if (r->pf[0] && strcmp(r->pf, pf->name))
			continue;
		if (r->max_tx_rate && pf->link_speed_mbps &&
		    r->max_tx_rate > pf->link_speed_mbps)
			continue;
		/* a reservation only where the NIC keeps it */
		if (r->min_tx_rate && !pf->min_rate_supported)
			continue;
		mask |= 1ull << j;
	}
	return mask;
}

static int pf_pinned(const struct kr_inventory *inv,
		     const struct kr_request *req, size_t j)
{
	size_t i;

	for (i = 0; i < req->n; i++)
		if (!strcmp(req->ifaces[i].pf, inv->pfs[j].name))
			return 1;
	return 0;
}

/*
 * PFs are interchangeable when no pin names them and their link speeds
 * match (then every interface may go to both or to neither).  type[j] is
 * the lowest index of j's class.
 */
static void assign_types(struct solver *s, const struct kr_inventory *inv,
			 const struct kr_request *req)
{
	size_t j, k;

	for (j = 0; j < s->m; j++) {
		s->type[j] = (unsigned int)j;
		if (pf_pinned(inv, req, j))
			continue;
		for (k = 0; k < j; k++)
			if (s->type[k] == k && !pf_pinned(inv, req, k) &&
			    inv->pfs[k].link_speed_mbps ==
				    inv->pfs[j].link_speed_mbps &&
			    inv->pfs[k].min_rate_supported ==
				    inv->pfs[j].min_rate_supported) {
				s->type[j] = (unsigned int)k;
				break;
			}
	}
}

static void solver_free(struct solver *s)
{
	free(s->free_bw);
	free(s->free_vfs);
	free(s->type);
	free(s->items);
	free(s->prefix);
	free(s->choice);
	free(s->memo.keys);
	free(s->memo.full);
	free(s->key);
}

static int solver_init(struct solver *s, const struct kr_inventory *inv,
		       const struct kr_request *req,
		       const struct kr_place_opts *opts)
{
	size_t m = inv->n_pfs, n = req->n, i;

	memset(s, 0, sizeof(*s));
	s->m = m;
	s->n = n;
	s->policy = opts ? opts->policy : KR_POLICY_BINPACK;
	s->budget = opts && opts->budget ? opts->budget
					 : KR_PLACE_BUDGET_DEFAULT;
	s->free_bw = calloc(m + 1, sizeof(*s->free_bw));
	s->free_vfs = calloc(m + 1, sizeof(*s->free_vfs));
	s->type = calloc(m + 1, sizeof(*s->type));
	s->items = calloc(n + 1, sizeof(*s->items));
	s->prefix = calloc(n + 1, sizeof(*s->prefix));
	s->choice = calloc(n + 1, sizeof(*s->choice));
	s->key = calloc(2 + 2 * m, sizeof(*s->key));
	if (!s->free_bw || !s->free_vfs || !s->type || !s->items ||
	    !s->prefix || !s->choice || !s->key)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s->items[i].iface = i;
		s->items[i].demand = req->ifaces[i].min_tx_rate;
		s->items[i].eligible = eligibility(inv, &req->ifaces[i]);
	}
	qsort(s->items, n, sizeof(*s->items), cmp_items);
	for (i = 0; i < n; i++) {
		s->prefix[i + 1] = s->prefix[i] + s->items[i].demand;
		s->items[i].same_as_prev =
			i > 0 && s->items[i].demand == s->items[i - 1].demand &&
			s->items[i].eligible == s->items[i - 1].eligible;
	}
	assign_types(s, inv, req);
	reset_free(s, inv);
	return 0;
}

static int memo_init(struct memo *mo, size_t m)
{
	mo->slots = 1u << 14;
	mo->key_len = 2 + 2 * m;
	mo->keys = malloc(mo->slots * mo->key_len * sizeof(*mo->keys));
	mo->full = calloc(mo->slots, 1);
	if (!mo->keys || !mo->full)
		return -ENOMEM;
	return 0;
}

/*
 * Greedy in policy order, then in the other order; then the search in
 * policy order with half the budget and, if that was cut off, in the other
 * order with the rest.  The orders find different assignments first (spread
 * is quick on tight, balanced instances where binpack wanders); failed
 * states proven by the first search stay valid for the second.  Returns 1
 * found, 0 not, -ENOMEM.
 */
static int solve(struct solver *s, const struct kr_inventory *inv)
{
	enum kr_policy policy = s->policy;
	uint64_t budget = s->budget;
	int found, r;

	if (greedy(s))
		return 1;
	s->policy = !policy;
	reset_free(s, inv);
	found = greedy(s);
	s->policy = policy;
	if (found)
		return 1;
	r = memo_init(&s->memo, s->m);
	if (r < 0)
		return r;
	reset_free(s, inv);
	s->budget = budget / 8;
	found = search(s, 0, 0);
	if (!found && s->cut_off) {
		reset_free(s, inv);
		s->cut_off = 0;
		s->policy = !policy;
		s->budget = budget;
		found = search(s, 0, 0);
		s->policy = policy;
	}
	return found;
}

int kr_v1_place(const struct kr_inventory *inv, const struct kr_request *req,
		enum kr_policy policy, uint64_t budget, int *ret_cut_off,
		uint64_t *ret_steps)
{
	struct kr_place_opts opts = { .policy = policy, .budget = budget };
	struct solver s;
	int found;

	if (inv->n_pfs > KR_PLACE_MAX_PFS)
		return -EINVAL;
	if (solver_init(&s, inv, req, &opts) < 0) {
		solver_free(&s);
		return -ENOMEM;
	}
	found = solve(&s, inv);
	*ret_cut_off = found == 0 && s.cut_off;
	*ret_steps = s.steps;
	solver_free(&s);
	return found;
}
