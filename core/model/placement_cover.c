/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exact cover of a node of bin completion (docs/placement.md), for the
 * nodes that bin completion (placement_search.c) does not settle quickly.
 *
 * What the open PFs leave unused adds up to the node's spare, their
 * bandwidth less the remaining items' demands, whatever the assignment;
 * so each PF holds between its bandwidth less the spare and its bandwidth.
 * Such a set of items within the PF's VFs is one of its "fills".  An
 * assignment of the node is one fill of every open PF such that every item
 * is in exactly one: an exact cover of the items.
 *
 * The search (Knuth's Algorithm X, on bitsets) keeps the fills still
 * possible, those disjoint from the items taken whose waste fits in what is
 * left of the spare, and at each node takes the most constrained choice:
 * an item in one possible fill is covered by it at once; an item in none,
 * or a PF with none, fails the node; otherwise the PF with the fewest
 * fills, or an item in only two when every PF has more, is branched on.
 * Bin completion lists one PF's completions again at every node of its
 * subtree and finds that an item has no PF left only when it gets to the
 * PF that needed it; here every item is looked at in every node, and on
 * nodes of 16 PFs with no bandwidth to spare the search proves in a few
 * thousand steps what bin completion proves in tens of thousands.
 *
 * Listing is what costs.  A PF with many VFs has many fills among many
 * items, and listing them costs about the choices of all but its last
 * four items (those are looked up in tables of the sums of up to three
 * items).  Such a PF is left "lazy": taken to hold any item it may take,
 * which only weakens the search, until the PFs listed are all filled; it
 * is then listed among the items left, which are few by then.  Most
 * nodes handed over have no assignment, and most of those are proven so
 * by the PFs cheap to list alone: the cover first searches with the
 * dearer ones lazy too, a node where only lazy PFs are left counting as
 * one that may have an assignment; only when it finds one does it list
 * them and search again.
 *
 * Nothing is left out of the lists (fills are not compared), so when the
 * search ends without an assignment, none exists for the node.  Items of
 * no demand are in no fill: they only need a VF, found for them at the
 * end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_solver.h"

/* Fills held at once (a node with more is not covered). */
#define COVER_MAX_FILLS 16384
/* Sums of three items are tabled on nodes of at most this many items. */
#define COVER_TRIPLES_MAX 48
/* Sums up to this many units are tabled. */
#define COVER_TABLE_MAX (1 << 20)
/*
 * A node is not covered when permutations of identical items would
 * multiply its search by more than this (the lists hold every one).
 */
#define COVER_MAX_SYMMETRY 4
/* Steps a listing of the node's PFs may take before the cover gives up. */
#define COVER_LIST_STEPS 40000
/*
 * Fills checked per step of the search, tests per step of the listing: a
 * step is about 20 ns, as in bin completion (docs/benchmarks.md).
 */
#define COVER_FILLS_PER_STEP 3
#define COVER_TESTS_PER_STEP 8
/*
 * Entries of the stack of lists: a depth keeps its possible fills and those
 * it branches on, a lazy listing the list again with its new fills (they
 * shrink fast with depth; a node that would need more is not covered).
 */
#define COVER_BUF (8 * COVER_MAX_FILLS)
/* Item bitsets of at most this many words (item indices fit a byte). */
#define COVER_MAX_WORDS 3

struct kr_pl_cover {
	struct kr_pl *p;
	uint64_t first_steps;	/* ... listed only after a first search */
	uint64_t lazy_steps;	/* a PF whose listing would take more is
				 * left lazy */
	int first;		/* the first search: lazy PFs not listed */
	size_t words;		/* words of an item bitset */
	uint64_t limit;		/* steps at which the cover stops */
	const uint64_t *takers;	/* per item: open PFs that may take it */
	int64_t *du;		/* n: demands in units */
	int64_t *capu;		/* m: bandwidth in units */
	uint64_t *pf_items;	/* m * words: the items each PF may take */
	/* the fills, a stack: those listed lazily are dropped on return */
	size_t n_fills;
	uint64_t *mask;		/* COVER_MAX_FILLS * words: its items */
	int64_t *waste;		/* units it leaves unused */
	uint8_t *pf;
	uint8_t *size;		/* its items */
	/* the search */
	uint64_t *all;		/* words: the node's items of demand */
	uint64_t *used;		/* words: the items taken */
	uint32_t *buf;		/* the possible fills of each node, stacked */
	size_t buf_top;		/* COVER_BUF entries in all */
	uint32_t pick[KR_PLACE_MAX_PFS + 1];	/* the fill of each depth */
	size_t depth;		/* fills taken, at the end */
	uint64_t *acc;		/* 3 * words: in one fill, two, three */
	size_t n_zero;
	size_t *zero;		/* n: the node's items of no demand */
	size_t *zero_pf;	/* n: the PF of each, when found */
	int64_t vfs_left[KR_PLACE_MAX_PFS];
	/* listing one PF */
	uint8_t *by[3];		/* sums of up to 1, 2, 3 items (sums_build) */
	size_t by_len;		/* allocated, each */
	int64_t top;		/* the largest sum tabled */
	size_t by_k;		/* sums of up to by_k items tabled */
	size_t *e;		/* n: the PF's items, by decreasing demand */
	size_t ne;
	int64_t *prefix;	/* n + 1: sums of the first k of e */
	size_t *stack;		/* n: the items taken so far */
	size_t *items;		/* n: scratch, the items a PF is listed on */
	size_t j;		/* the PF */
	int64_t lo, hi;		/* the range of its load, units */
	int64_t vfs;
	uint64_t tests;		/* tests not yet charged */
};

void kr_pl_cover_free(struct kr_pl_cover *c)
{
	size_t k;

	if (!c)
		return;
	free(c->du);
	free(c->capu);
	free(c->pf_items);
	free(c->mask);
	free(c->waste);
	free(c->pf);
	free(c->size);
	free(c->all);
	free(c->used);
	free(c->buf);
	free(c->acc);
	free(c->zero);
	free(c->zero_pf);
	for (k = 0; k < 3; k++)
		free(c->by[k]);
	free(c->e);
	free(c->prefix);
	free(c->stack);
	free(c->items);
	free(c);
}

struct kr_pl_cover *kr_pl_cover_new(struct kr_pl *p, uint64_t first_steps,
				    uint64_t lazy_steps)
{
	struct kr_pl_cover *c = calloc(1, sizeof(*c));
	size_t n = p->n + 1, words = (p->n + 63) / 64 + 1, i;

	if (!c)
		return NULL;
	c->p = p;
	c->first_steps = first_steps < lazy_steps ? first_steps : lazy_steps;
	c->lazy_steps = lazy_steps;
	c->words = (p->n + 63) / 64;
	c->du = malloc(n * sizeof(*c->du));
	c->capu = malloc((p->m + 1) * sizeof(*c->capu));
	c->pf_items = calloc((p->m + 1) * words, sizeof(*c->pf_items));
	c->mask = malloc(COVER_MAX_FILLS * words * sizeof(*c->mask));
	c->waste = malloc(COVER_MAX_FILLS * sizeof(*c->waste));
	c->pf = malloc(COVER_MAX_FILLS);
	c->size = malloc(COVER_MAX_FILLS);
	c->all = calloc(words, sizeof(*c->all));
	c->used = calloc(words, sizeof(*c->used));
	c->buf = malloc(COVER_BUF * sizeof(*c->buf));
	c->acc = malloc(3 * words * sizeof(*c->acc));
	c->zero = malloc(n * sizeof(*c->zero));
	c->zero_pf = malloc(n * sizeof(*c->zero_pf));
	c->e = malloc(n * sizeof(*c->e));
	c->prefix = malloc((n + 1) * sizeof(*c->prefix));
	c->stack = malloc(n * sizeof(*c->stack));
	c->items = malloc(n * sizeof(*c->items));
	if (!c->du || !c->capu || !c->pf_items || !c->mask || !c->waste ||
	    !c->pf || !c->size || !c->all || !c->used || !c->buf || !c->acc ||
	    !c->zero || !c->zero_pf || !c->e || !c->prefix || !c->stack ||
	    !c->items) {
		kr_pl_cover_free(c);
		return NULL;
	}
	for (i = 0; i < p->n; i++)
		c->du[i] = p->items[i].d / p->unit;
	for (i = 0; i < p->m; i++)
		c->capu[i] = p->cap[i] / p->unit;
	return c;
}

static int charge(struct kr_pl_cover *c, uint64_t steps)
{
	c->p->steps += steps;
	return c->p->steps > c->limit ? -EAGAIN : 0;
}

static int may_take(const struct kr_pl_cover *c, size_t j, size_t i)
{
	return c->pf_items[j * c->words + i / 64] >> (i % 64) & 1;
}

/* ---- listing each PF's fills ---- */

static void mark(uint8_t *by, int64_t x, size_t i)
{
	if (!by[x])
		by[x] = (uint8_t)(i + 1);
}

/*
 * Which sums up to one, two or three of the node's items make, and from
 * where: by[k][x] is one plus the highest index i such that at most k + 1
 * items of index i and above, the first of them i, add up to x units (0:
 * none); items come by decreasing index, so the first mark is the highest.
 * "A sum x of at most k + 1 items after the item i" is then a look-up,
 * by[k][x] > i.  Over every item of the node: for a PF that may not take
 * some of them, or once some are taken, it only ever says too much.
 */
static int sums_build(struct kr_pl_cover *c, const size_t *items, size_t r)
{
	const int64_t *du = c->du;
	int64_t top = c->top;
	size_t a, b, q, k;

	c->by_k = r <= COVER_TRIPLES_MAX ? 3 : 2;
	if (top > COVER_TABLE_MAX) {
		c->by_k = 0;
		return 0;
	}
	if ((size_t)top + 1 > c->by_len) {
		for (k = 0; k < 3; k++) {
			uint8_t *t = realloc(c->by[k], (size_t)top + 1);

			if (!t)
				return -ENOMEM;
			c->by[k] = t;
		}
		c->by_len = (size_t)top + 1;
	}
	for (k = 0; k < c->by_k; k++)
		memset(c->by[k], 0, (size_t)top + 1);
	for (a = r; a-- > 0;) {
		int64_t x1 = du[items[a]];

		if (x1 > top)
			continue;
		for (k = 0; k < c->by_k; k++)
			mark(c->by[k], x1, items[a]);
		for (b = a + 1; b < r; b++) {
			int64_t x2 = x1 + du[items[b]];

			if (x2 > top)
				continue;
			for (k = 1; k < c->by_k; k++)
				mark(c->by[k], x2, items[a]);
			if (c->by_k < 3)
				continue;
			for (q = b + 1; q < r; q++)
				if (x2 + du[items[q]] <= top)
					mark(c->by[2], x2 + du[items[q]],
					     items[a]);
		}
	}
	return charge(c, (uint64_t)c->by_k * (uint64_t)top / 1024 +
				 (uint64_t)r * r *
					 (c->by_k == 3 ? r / 6 + 1 : 1) / 8);
}

/* May at most k of the PF's items from e[pos] on add up to [a, b] units? */
static int can_land(struct kr_pl_cover *c, size_t pos, int64_t k, int64_t a,
		    int64_t b)
{
	size_t first;
	int64_t x;

	if (a < 1)
		a = 1;
	if (b > c->top)
		b = c->top;
	if (b < a || pos == c->ne)
		return 0;
	if (k > (int64_t)c->by_k || b - a >= 64)
		return 1;
	first = c->e[pos];
	c->tests += (uint64_t)(b - a + 1);
	for (x = a; x <= b; x++)
		if (c->by[k - 1][x] > first)
			return 1;
	return 0;
}

/* The items on the stack, adding up to 'sum', as a fill of the PF. */
static int emit(struct kr_pl_cover *c, size_t depth, int64_t sum)
{
	uint64_t *mask;
	size_t k;

	if (c->n_fills == COVER_MAX_FILLS)
		return -E2BIG;
	mask = c->mask + c->n_fills * c->words;
	memset(mask, 0, c->words * sizeof(*mask));
	for (k = 0; k < depth; k++)
		mask[c->stack[k] / 64] |= 1ull << (c->stack[k] % 64);
	c->tests += COVER_TESTS_PER_STEP / 2;
	c->waste[c->n_fills] = c->hi - sum;
	c->pf[c->n_fills] = (uint8_t)c->j;
	c->size[c->n_fills] = (uint8_t)depth;
	c->n_fills++;
	return 0;
}

/* The first of e[pos..) whose demand is at most x: demands decrease. */
static size_t first_at_most(const struct kr_pl_cover *c, size_t pos, int64_t x)
{
	size_t hi = c->ne;

	while (pos < hi) {
		size_t mid = pos + (hi - pos) / 2;

		if (c->du[c->e[mid]] > x)
			pos = mid + 1;
		else
			hi = mid;
	}
	return pos;
}

/*
 * Every fill that holds the items on the stack (adding up to 'sum') and
 * more of e[pos..).  0, -E2BIG, -EAGAIN.
 */
static int list_from(struct kr_pl_cover *c, size_t pos, size_t depth,
		     int64_t sum)
{
	int64_t left = c->vfs - (int64_t)depth;
	const int64_t *du = c->du;
	const size_t *e = c->e;
	size_t k;
	int r;

	if (sum >= c->lo) {
		r = emit(c, depth, sum);
		if (r)
			return r;
	}
	if (left <= 0)
		return 0;
	/* the call and its binary search */
	c->tests += 3;
	k = first_at_most(c, pos, c->hi - sum);
	if (left == 1) {
		/* the last item: those in range, found at once */
		for (; k < c->ne && sum + du[e[k]] >= c->lo; k++) {
			c->stack[depth] = e[k];
			r = emit(c, depth + 1, sum + du[e[k]]);
			if (r)
				return r;
		}
		return 0;
	}
	r = charge(c, c->tests / COVER_TESTS_PER_STEP);
	c->tests %= COVER_TESTS_PER_STEP;
	if (r)
		return r;
	for (; k < c->ne; k++) {
		int64_t d = du[e[k]];
		size_t take = (size_t)left < c->ne - k ? (size_t)left
						       : c->ne - k;

		/* the largest ones from k on cannot reach the range */
		if (sum + c->prefix[k + take] - c->prefix[k] < c->lo)
			break;
		c->tests++;
		/* with k taken: at once, or with more of k + 1.. */
		if (sum + d < c->lo &&
		    !can_land(c, k + 1, left - 1, c->lo - sum - d,
			      c->hi - sum - d))
			continue;
		c->stack[depth] = e[k];
		r = list_from(c, k + 1, depth + 1, sum + d);
		if (r)
			return r;
	}
	return 0;
}

/*
 * About the steps that listing PF j's fills among items[0..r) takes: the
 * choice of each of its items but the last four is made without a
 * look-up, among all of them.
 */
static uint64_t list_cost(const struct kr_pl_cover *c, size_t j,
			  const size_t *items, size_t r)
{
	uint64_t ne = 0, cost = 1, t;
	int64_t v = c->p->vfs[j];
	size_t k;

	for (k = 0; k < r; k++)
		ne += (uint64_t)may_take(c, j, items[k]);
	for (t = 0; (int64_t)t < v - 4 && t < ne && cost < UINT64_MAX / 256;
	     t++)
		cost = cost * (ne - t) / (t + 1);
	return cost * (ne + 1) / COVER_TESTS_PER_STEP;
}

/* The fills of PF j among items[0..r), 'spare' units to waste. */
static int list_pf(struct kr_pl_cover *c, size_t j, const size_t *items,
		   size_t r, int64_t spare)
{
	struct kr_pl *p = c->p;
	size_t k;
	int ret;

	c->j = j;
	c->hi = c->capu[j];
	c->lo = c->hi - spare > 0 ? c->hi - spare : 0;
	c->vfs = p->vfs[j] > 0 ? p->vfs[j] : 0;
	c->ne = 0;
	for (k = 0; k < r; k++)
		if (may_take(c, j, items[k]))
			c->e[c->ne++] = items[k];
	c->prefix[0] = 0;
	for (k = 0; k < c->ne; k++)
		c->prefix[k + 1] = c->prefix[k] + c->du[c->e[k]];
	ret = charge(c, r / 4 + 2);
	return ret ? ret : list_from(c, 0, 0, 0);
}

/* The node's items of demand not yet taken, in items[]; their number. */
static size_t node_items(struct kr_pl_cover *c, size_t *items)
{
	size_t w, r = 0;

	for (w = 0; w < c->words; w++)
		for (uint64_t x = c->all[w] & ~c->used[w]; x; x &= x - 1)
			items[r++] = w * 64 + (size_t)__builtin_ctzll(x);
	return r;
}

/*
 * The fills of each PF of 'pfs' among items[0..r) whose listing would
 * take at most 'most' steps; the others are left lazy (*lazy).
 */
static int list_cheap(struct kr_pl_cover *c, uint64_t pfs, const size_t *items,
		      size_t r, int64_t spare, uint64_t most, uint64_t *lazy)
{
	uint64_t o;
	int ret;

	*lazy = 0;
	for (o = pfs; o; o &= o - 1) {
		size_t j = (size_t)__builtin_ctzll(o);

		if (list_cost(c, j, items, r) > most) {
			*lazy |= 1ull << j;
			continue;
		}
		ret = list_pf(c, j, items, r, spare);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The tables, and the fills of every open PF cheap enough to list before
 * a first search; the others are left lazy (*lazy).  0, -E2BIG, -EAGAIN,
 * -ENOMEM.
 */
static int list_fills(struct kr_pl_cover *c, uint64_t open, int64_t spare,
		      uint64_t *lazy)
{
	size_t *items = c->items, r = node_items(c, items), i, w;
	uint64_t o;
	int ret;

	c->top = 0;
	for (o = open; o; o &= o - 1) {
		size_t j = (size_t)__builtin_ctzll(o);

		if (c->capu[j] > c->top)
			c->top = c->capu[j];
		for (w = 0; w < c->words; w++)
			c->pf_items[j * c->words + w] = 0;
		/* (takers leave out what is larger than the PF's room) */
		for (i = 0; i < r; i++)
			if (c->takers[items[i]] >> j & 1)
				c->pf_items[j * c->words + items[i] / 64] |=
					1ull << (items[i] % 64);
	}
	ret = sums_build(c, items, r);
	if (ret)
		return ret;
	c->n_fills = 0;
	return list_cheap(c, open, items, r, spare, c->first_steps, lazy);
}

/* ---- the search ---- */

/* Items of no demand zero[z..) to PFs with VFs left.  1, 0, -EAGAIN. */
static int zero_from(struct kr_pl_cover *c, size_t z)
{
	struct kr_pl *p = c->p;
	size_t j;
	int r;

	if (z == c->n_zero)
		return 1;
	if (charge(c, 1))
		return -EAGAIN;
	for (j = 0; j < p->m; j++) {
		if (!(c->takers[c->zero[z]] >> j & 1) || c->vfs_left[j] <= 0)
			continue;
		c->vfs_left[j]--;
		c->zero_pf[z] = j;
		r = zero_from(c, z + 1);
		c->vfs_left[j]++;
		if (r)
			return r;
	}
	return 0;
}

/* Every item of demand covered by pick[0..depth): those of none. */
static int zero_place(struct kr_pl_cover *c, size_t depth, uint64_t open)
{
	struct kr_pl *p = c->p;
	size_t k;
	uint64_t o;

	c->depth = depth;
	if (!c->n_zero)
		return 1;
	for (o = open; o; o &= o - 1) {
		size_t j = (size_t)__builtin_ctzll(o);

		c->vfs_left[j] = p->vfs[j];
	}
	for (k = 0; k < depth; k++)
		c->vfs_left[c->pf[c->pick[k]]] -= c->size[c->pick[k]];
	return zero_from(c, 0);
}

static int cover_node(struct kr_pl_cover *c, size_t depth,
		      const uint32_t *list, size_t len, uint64_t open,
		      uint64_t lazy, int64_t spare, uint64_t open0);

/*
 * Only lazy PFs are left open: list the one cheapest to list among the
 * items left, its fills after the node's list, and search the node again.
 */
static int list_lazy(struct kr_pl_cover *c, size_t depth,
		     const uint32_t *list, size_t len, uint64_t open,
		     uint64_t lazy, int64_t spare, uint64_t open0)
{
	size_t saved_top = c->buf_top, saved_fills = c->n_fills, best = 0, r, k;
	uint32_t *out = c->buf + c->buf_top;
	uint64_t best_cost = UINT64_MAX, o;
	int ret;

	/* the first search: a node that may have an assignment */
	if (c->first)
		return 3;
	r = node_items(c, c->items);
	for (o = lazy; o; o &= o - 1) {
		size_t j = (size_t)__builtin_ctzll(o);
		uint64_t cost = list_cost(c, j, c->items, r);

		if (cost < best_cost) {
			best_cost = cost;
			best = j;
		}
	}
	ret = charge(c, len / 16 + r * (size_t)__builtin_popcountll(lazy) / 8 +
				1);
	if (!ret)
		ret = list_pf(c, best, c->items, r, spare);
	if (!ret && c->buf_top + len + c->n_fills - saved_fills > COVER_BUF)
		ret = -E2BIG;
	if (!ret) {
		memcpy(out, list, len * sizeof(*out));
		for (k = saved_fills; k < c->n_fills; k++)
			out[len++] = (uint32_t)k;
		c->buf_top += len;
		ret = cover_node(c, depth, out, len, open, lazy & ~(1ull << best),
				 spare, open0);
	}
	c->buf_top = saved_top;
	c->n_fills = saved_fills;
	return ret == -E2BIG ? 2 : ret;
}

/*
 * Search from the node where the items c->used are taken and the PFs
 * 'open' are not filled, with 'spare' units still to waste: its possible
 * fills are among list[0..len), the PFs 'lazy' (open, not listed) aside,
 * which may take any item they may take.  open0: the PFs of the whole
 * node.  1 found (c->pick, c->depth), 0 none, 2 the fills outgrew their
 * table, 3 (the first search, c->first) a node where only lazy PFs are
 * left, -EAGAIN.
 */
static int cover_node(struct kr_pl_cover *c, size_t depth,
		      const uint32_t *list, size_t len, uint64_t open,
		      uint64_t lazy, int64_t spare, uint64_t open0)
{
	size_t words = c->words, w, k, n_out = 0, n_branch = 0;
	size_t best_pf = SIZE_MAX, item = SIZE_MAX, saved_top = c->buf_top;
	uint64_t *once = c->acc, *twice = once + words, *thrice = twice + words;
	uint64_t lazy_items[COVER_MAX_WORDS] = { 0 }, o;
	uint32_t count[KR_PLACE_MAX_PFS] = { 0 };
	uint32_t *out = c->buf + c->buf_top, *branch;
	int r = 0;

	if (!open) {
		for (w = 0; w < words; w++)
			if (c->all[w] & ~c->used[w])
				return 0;
		return zero_place(c, depth, open0);
	}
	if (charge(c, 1 + len / COVER_FILLS_PER_STEP))
		return -EAGAIN;
	if (c->buf_top + 2 * len > COVER_BUF)
		return 2;
	if (!(open & ~lazy))
		return list_lazy(c, depth, list, len, open, lazy, spare, open0);
	memset(once, 0, 3 * words * sizeof(*once));
	for (o = lazy; o; o &= o - 1) {
		size_t j = (size_t)__builtin_ctzll(o);

		for (w = 0; w < words; w++)
			lazy_items[w] |= c->pf_items[j * words + w];
	}
	for (k = 0; k < len; k++) {
		uint32_t f = list[k];
		const uint64_t *m = c->mask + (size_t)f * words;
		uint64_t hit = 0;

		if (!(open >> c->pf[f] & 1) || c->waste[f] > spare)
			continue;
		for (w = 0; w < words; w++)
			hit |= m[w] & c->used[w];
		if (hit)
			continue;
		out[n_out++] = f;
		count[c->pf[f]]++;
		for (w = 0; w < words; w++) {
			thrice[w] |= twice[w] & m[w];
			twice[w] |= once[w] & m[w];
			once[w] |= m[w];
		}
	}
	/* an item that nothing may take, or a listed PF with no fill,
	 * fails the node */
	for (w = 0; w < words; w++)
		if (c->all[w] & ~c->used[w] & ~once[w] & ~lazy_items[w])
			return 0;
	for (o = open & ~lazy; o; o &= o - 1) {
		size_t j = (size_t)__builtin_ctzll(o);

		if (!count[j])
			return 0;
		if (best_pf == SIZE_MAX || count[j] < count[best_pf])
			best_pf = j;
	}
	/* the most constrained choice: an item in one fill, or in two
	 * when every PF has more, that no lazy PF may take */
	for (w = 0; w < words && item == SIZE_MAX; w++) {
		uint64_t x = c->all[w] & ~c->used[w] & once[w] & ~twice[w] &
			     ~lazy_items[w];

		if (x)
			item = w * 64 + (size_t)__builtin_ctzll(x);
	}
	for (w = 0; w < words && item == SIZE_MAX && count[best_pf] > 2; w++) {
		uint64_t x = c->all[w] & ~c->used[w] & twice[w] & ~thrice[w] &
			     ~lazy_items[w];

		if (x)
			item = w * 64 + (size_t)__builtin_ctzll(x);
	}
	c->buf_top += n_out;
	branch = c->buf + c->buf_top;
	for (k = 0; k < n_out; k++) {
		uint32_t f = out[k];

		if (item != SIZE_MAX
			    ? c->mask[(size_t)f * words + item / 64] >>
				      (item % 64) & 1
			    : c->pf[f] == best_pf)
			branch[n_branch++] = f;
	}
	c->buf_top += n_branch;
	for (k = 0; k < n_branch && !r; k++) {
		uint32_t f = branch[k];
		const uint64_t *m = c->mask + (size_t)f * words;

		for (w = 0; w < words; w++)
			c->used[w] |= m[w];
		c->pick[depth] = f;
		r = cover_node(c, depth + 1, out, n_out,
			       open & ~(1ull << c->pf[f]), lazy,
			       spare - c->waste[f], open0);
		for (w = 0; w < words; w++)
			c->used[w] &= ~m[w];
	}
	c->buf_top = saved_top;
	return r;
}

/*
 * How much permutations of identical items (same demand, same PFs) would
 * multiply the search: the product of the factorials of their runs'
 * lengths, up to past the limit.
 */
static size_t symmetry(const struct kr_pl_cover *c, const uint64_t *rem)
{
	const struct kr_pl *p = c->p;
	size_t i, f = 1, run = 0, prev = SIZE_MAX;

	for (i = 0; i < p->n && f <= COVER_MAX_SYMMETRY; i++) {
		if (!(rem[i / 64] >> (i % 64) & 1) || !c->du[i])
			continue;
		if (prev != SIZE_MAX && c->du[prev] == c->du[i] &&
		    c->takers[prev] == c->takers[i])
			f *= ++run + 1;
		else
			run = 0;
		prev = i;
	}
	return f;
}

/* Listing may take COVER_LIST_STEPS steps from now, within 'limit'. */
static void listing_starts(struct kr_pl_cover *c, uint64_t limit)
{
	uint64_t steps = c->p->steps;

	c->limit = steps + COVER_LIST_STEPS < limit ? steps + COVER_LIST_STEPS
						    : limit;
}

/* How listing ended (r), as kr_pl_cover_node answers it; 0 listed. */
static int listing_ends(struct kr_pl_cover *c, int r, uint64_t limit)
{
	c->limit = limit;
	if (r == -E2BIG || (r == -EAGAIN && c->p->steps <= limit))
		return 2;
	return r;
}

/* The search of the whole node, from the fills listed. */
static int search(struct kr_pl_cover *c, uint64_t open, uint64_t lazy,
		  int64_t spare)
{
	size_t k;

	for (k = 0; k < c->n_fills; k++)
		c->buf[k] = (uint32_t)k;
	c->buf_top = c->n_fills;
	return cover_node(c, 0, c->buf, c->n_fills, open, lazy, spare, open);
}

int kr_pl_cover_node(struct kr_pl_cover *c, const uint64_t *rem,
		     uint64_t open, const uint64_t *takers, int64_t spare,
		     uint64_t limit)
{
	struct kr_pl *p = c->p;
	size_t words = c->words, i, k, n_items;
	uint64_t lazy;
	int r;

	c->limit = limit;
	c->takers = takers;
	if (spare < 0)
		return 0;
	if (words > COVER_MAX_WORDS || p->m > KR_PLACE_MAX_PFS ||
	    symmetry(c, rem) > COVER_MAX_SYMMETRY)
		return 2;
	c->n_zero = 0;
	for (i = 0; i < words; i++)
		c->all[i] = 0;
	for (i = 0; i < p->n; i++) {
		if (!(rem[i / 64] >> (i % 64) & 1))
			continue;
		if (c->du[i])
			c->all[i / 64] |= 1ull << (i % 64);
		else
			c->zero[c->n_zero++] = i;
	}
	memset(c->used, 0, words * sizeof(*c->used));
	listing_starts(c, limit);
	r = listing_ends(c, list_fills(c, open, spare, &lazy), limit);
	if (r)
		return r;
	if (lazy) {
		/* a first search, the lazy PFs never listed: most nodes are
		 * proven without them */
		c->first = 1;
		r = search(c, open, lazy, spare);
		c->first = 0;
		/* 0 proven, 2, -EAGAIN (never 1: lazy PFs are left open) */
		if (r != 3)
			return r;
		n_items = node_items(c, c->items);
		listing_starts(c, limit);
		r = listing_ends(c,
				 list_cheap(c, lazy, c->items, n_items, spare,
					    c->lazy_steps, &lazy),
				 limit);
		if (r)
			return r;
	}
	r = search(c, open, lazy, spare);
	if (r != 1)
		return r;
	for (k = 0; k < c->depth; k++) {
		const uint64_t *m = c->mask + (size_t)c->pick[k] * words;

		for (i = 0; i < p->n; i++)
			if (m[i / 64] >> (i % 64) & 1)
				p->choice[i] = c->pf[c->pick[k]];
	}
	for (k = 0; k < c->n_zero; k++)
		p->choice[c->zero[k]] = c->zero_pf[k];
	return 1;
}
