/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Repair: a local search that finds assignments quickly when many exist
 * (docs/placement.md).  It never proves anything; the exact search does.
 *
 * The start places every item within the VFs, ignoring bandwidth where it
 * must: the items that fewest PFs may take first, then by decreasing
 * demand, each to the PF with the most unreserved bandwidth per VF still
 * free; an item that finds no free VF moves others along a chain of PFs
 * that may take them (an augmenting path).  Then, while some PF is
 * overloaded, it re-splits the items of the most overloaded PF and of
 * another between the two: a pool of at most POOL_SIDE items from each
 * that both may take is divided anew by meeting in the middle (all
 * subsets of each half, sorted by count and sum, swept against each
 * other), for the split with the least overload within both PFs' VFs.
 * The partner whose split removes the most overload is taken; when none
 * removes any, a split that moves the overload to another PF is, so that
 * overload travels to where there is room.  With half its steps spent,
 * or re-splits no longer enough, it re-solves neighbourhoods exactly: the
 * most overloaded PF, PFs with room until they cover its overload, and
 * others at random, up to SUB_BINS PFs and about SUB_ITEMS items, by the
 * exact search on that part alone (a small problem it settles quickly).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_solver.h"

/* Items of each PF in a re-split pool: 2^POOL_SIDE subsets per half. */
#define POOL_SIDE 8
#define HALF (1u << POOL_SIDE)
/* Re-splits a repair may evaluate per PF of the node. */
#define SPLITS_PER_PF 24
/* Exact re-solves of a neighbourhood: at most SUB_BINS PFs, filled up to
 * about SUB_ITEMS items, searched for at most SUB_BUDGET steps. */
#define SUB_BINS 8
#define SUB_ITEMS 30
#define SUB_BUDGET 20000

struct subset {
	int64_t sum;
	uint32_t mask;		/* bit t: item t of the half */
	uint32_t count;
};

/* A re-split of two PFs, evaluated. */
struct split {
	size_t a, b;
	size_t np;
	size_t pool[2 * POOL_SIDE];
	uint32_t to_a;		/* bit t: pool[t] goes to a */
	int64_t cost;		/* overload of a and b after it */
	int64_t now;		/* their overload before */
	int changes;		/* differs from the assignment now */
};

struct repair {
	struct kr_pl *p;
	size_t *bin;		/* per item: its PF */
	size_t **members;	/* per PF: its items */
	size_t *pos;		/* per item: index in members[bin] */
	size_t *size;		/* per PF: items */
	int64_t *load;		/* per PF */
	uint64_t rng;
	struct subset *left, *right, *tmp;	/* HALF each */
	size_t loff[POOL_SIDE + 2], roff[POOL_SIDE + 2];
	/* augmenting paths: per PF, the item moved into it and whence */
	size_t *via_item, *via_bin, *queue;
	uint8_t *in;		/* per item: in the part re-solved */
};

static uint64_t rnd(struct repair *r)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t over(const struct repair *r, size_t j)
{
	int64_t o = r->load[j] - r->p->cap[j];

	return o > 0 ? o : 0;
}

static int64_t free_vfs(const struct repair *r, size_t j)
{
	return r->p->vfs[j] - (int64_t)r->size[j];
}

static void put(struct repair *r, size_t i, size_t j)
{
	r->bin[i] = j;
	r->pos[i] = r->size[j];
	r->members[j][r->size[j]++] = i;
	r->load[j] += r->p->items[i].d;
}

static void take_out(struct repair *r, size_t i)
{
	size_t j = r->bin[i], last = r->members[j][--r->size[j]];

	r->members[j][r->pos[i]] = last;
	r->pos[last] = r->pos[i];
	r->load[j] -= r->p->items[i].d;
}

/*
 * Place item x by an augmenting path: x into a full PF, one of its items
 * into another PF that may take it, and so on, until a PF with a free VF.
 * 0 when there is none.
 */
static int place_by_path(struct repair *r, size_t x)
{
	const struct kr_pl *p = r->p;
	size_t head = 0, tail = 0, j, k, q, y;

	for (j = 0; j < p->m; j++)
		r->via_bin[j] = SIZE_MAX - 1;	/* not reached */
	for (j = 0; j < p->m; j++)
		if (p->items[x].elig >> j & 1 && p->vfs[j] > 0) {
			r->via_bin[j] = SIZE_MAX;	/* x comes in directly */
			r->via_item[j] = x;
			r->queue[tail++] = j;
		}
	while (head < tail) {
		j = r->queue[head++];
		if (free_vfs(r, j) > 0)
			goto found;
		for (q = 0; q < r->size[j]; q++) {
			y = r->members[j][q];
			for (k = 0; k < p->m; k++) {
				if (!(p->items[y].elig >> k & 1) ||
				    r->via_bin[k] != SIZE_MAX - 1 ||
				    p->vfs[k] <= 0)
					continue;
				r->via_bin[k] = j;
				r->via_item[k] = y;
				r->queue[tail++] = k;
			}
		}
	}
	return 0;
found:
	/* j has a free VF: move each item one PF along the path */
	for (;;) {
		size_t from = r->via_bin[j], it = r->via_item[j];

		if (from != SIZE_MAX)
			take_out(r, it);
		put(r, it, j);
		if (from == SIZE_MAX)
			return 1;
		j = from;
	}
}

static int cmp_start(const struct kr_pl *p, size_t a, size_t b)
{
	int na = __builtin_popcountll(p->items[a].elig);
	int nb = __builtin_popcountll(p->items[b].elig);

	if (na != nb)
		return na < nb;
	return a < b;	/* items are by decreasing demand */
}

/* The start: every item on a PF that may take it, within its VFs. */
static int start(struct repair *r, size_t *order)
{
	const struct kr_pl *p = r->p;
	size_t i, j, q;

	for (i = 0; i < p->n; i++) {
		for (q = i; q > 0 && cmp_start(p, i, order[q - 1]); q--)
			order[q] = order[q - 1];
		order[q] = i;
	}
	for (q = 0; q < p->n; q++) {
		const struct kr_pl_item *it = &p->items[order[q]];
		size_t best = SIZE_MAX;
		int64_t best_room = 0, best_free = 1;

		i = order[q];
		for (j = 0; j < p->m; j++) {
			int64_t fr = free_vfs(r, j), room = p->cap[j] - r->load[j];

			if (!(it->elig >> j & 1) || fr <= 0)
				continue;
			/* room per free VF, compared without dividing */
			if (best == SIZE_MAX ||
			    (__int128)room * best_free >
				    (__int128)best_room * fr) {
				best = j;
				best_room = room;
				best_free = fr;
			}
		}
		if (best != SIZE_MAX)
			put(r, i, best);
		else if (!place_by_path(r, i))
			return 0;
	}
	return 1;
}

/* Sort subsets by count, then sum; off[c] is where count c starts. */
static void sort_subsets(struct subset *v, size_t n, size_t max_count,
			 size_t *off, struct subset *tmp)
{
	size_t c, i, q, at[POOL_SIDE + 2] = { 0 };

	for (i = 0; i < n; i++)
		at[v[i].count + 1]++;
	for (c = 1; c <= max_count + 1; c++)
		at[c] += at[c - 1];
	for (c = 0; c <= max_count + 1; c++)
		off[c] = at[c];
	for (i = 0; i < n; i++)
		tmp[at[v[i].count]++] = v[i];
	for (c = 0; c <= max_count; c++)
		for (i = off[c] + 1; i < off[c + 1]; i++) {
			struct subset x = tmp[i];

			for (q = i; q > off[c] && tmp[q - 1].sum > x.sum; q--)
				tmp[q] = tmp[q - 1];
			tmp[q] = x;
		}
	memcpy(v, tmp, n * sizeof(*v));
}

/* All subsets of pool[0..k) with their sums and counts. */
static void subsets(const struct kr_pl *p, const size_t *pool, size_t k,
		    struct subset *out)
{
	uint32_t s, b;

	out[0].sum = 0;
	out[0].mask = 0;
	out[0].count = 0;
	for (s = 1; s < 1u << k; s++) {
		b = (uint32_t)__builtin_ctz(s);
		out[s] = out[s & (s - 1)];
		out[s].sum += p->items[pool[b]].d;
		out[s].mask = s;
		out[s].count++;
	}
}

/* Overload of a split where PF a holds 's' of the pool. */
static int64_t split_cost(int64_t s, int64_t lo, int64_t hi)
{
	return (s > hi ? s - hi : 0) + (s < lo ? lo - s : 0);
}

/* Choose up to POOL_SIDE random items of PF j that PF 'other' may take. */
static size_t pick(struct repair *r, size_t j, size_t other, size_t *pool)
{
	const struct kr_pl *p = r->p;
	size_t k, got = 0;

	for (k = 0; k < r->size[j] && got < POOL_SIDE; k++) {
		size_t q = k + rnd(r) % (r->size[j] - k);
		size_t it = r->members[j][q];

		r->members[j][q] = r->members[j][k];
		r->members[j][k] = it;
		r->pos[r->members[j][q]] = q;
		r->pos[it] = k;
		if (p->items[it].elig >> other & 1)
			pool[got++] = it;
	}
	return got;
}

/* Evaluate the best re-split of PFs a and b into *sp. */
static void evaluate(struct repair *r, size_t a, size_t b, struct split *sp)
{
	struct kr_pl *p = r->p;
	size_t na, nl, nr, cl, cr, i, y;
	int64_t in_a = 0, total = 0, lo, hi, low, ka_lo, ka_hi, fixed_a;
	int64_t fixed_b, cost;
	uint32_t now_mask;

	sp->a = a;
	sp->b = b;
	na = pick(r, a, b, sp->pool);
	sp->np = na + pick(r, b, a, sp->pool + na);
	for (i = 0; i < sp->np; i++) {
		total += p->items[sp->pool[i]].d;
		if (i < na)
			in_a += p->items[sp->pool[i]].d;
	}
	sp->now = over(r, a) + over(r, b);
	sp->cost = sp->now;
	sp->changes = 0;
	if (sp->np < 2)
		return;
	fixed_a = r->load[a] - in_a;
	fixed_b = r->load[b] - (total - in_a);
	/* a holds s of the pool: both within bandwidth when lo <= s <= hi */
	lo = total - (p->cap[b] - fixed_b);
	hi = p->cap[a] - fixed_a;
	low = lo < hi ? lo : hi;
	ka_hi = free_vfs(r, a) + (int64_t)na;
	ka_lo = (int64_t)sp->np - (free_vfs(r, b) + (int64_t)(sp->np - na));
	now_mask = na >= 32 ? ~0u : (1u << na) - 1;
	nl = sp->np / 2;
	nr = sp->np - nl;
	subsets(p, sp->pool, nl, r->left);
	subsets(p, sp->pool + nl, nr, r->right);
	sort_subsets(r->left, (size_t)1 << nl, nl, r->loff, r->tmp);
	sort_subsets(r->right, (size_t)1 << nr, nr, r->roff, r->tmp);
	/* charge the work: a step per subset */
	p->steps += ((uint64_t)1 << nl) + ((uint64_t)1 << nr);
	for (cl = 0; cl <= nl; cl++)
		for (cr = 0; cr <= nr; cr++) {
			int64_t k = (int64_t)(cl + cr);
			size_t rs = r->roff[cr], re = r->roff[cr + 1];

			if (k < ka_lo || k > ka_hi || rs == re)
				continue;
			/* left sums ascend; the first right sum reaching the
			 * interval descends with them */
			y = re;
			for (i = r->loff[cl]; i < r->loff[cl + 1]; i++) {
				const struct subset *l = &r->left[i];
				size_t t;

				while (y > rs && r->right[y - 1].sum >=
							 low - l->sum)
					y--;
				for (t = y > rs ? y - 1 : y; t <= y && t < re;
				     t++) {
					uint32_t mask = l->mask |
							r->right[t].mask << nl;

					cost = split_cost(l->sum + r->right[t].sum,
							  lo, hi);
					if (cost > sp->cost || mask == now_mask)
						continue;
					if (cost == sp->cost && sp->changes &&
					    rnd(r) & 3)
						continue;
					sp->cost = cost;
					sp->to_a = mask;
					sp->changes = 1;
				}
			}
		}
}

static void apply(struct repair *r, const struct split *sp)
{
	size_t i;

	for (i = 0; i < sp->np; i++) {
		take_out(r, sp->pool[i]);
		put(r, sp->pool[i], sp->to_a >> i & 1 ? sp->a : sp->b);
	}
}

static void repair_free(struct repair *r)
{
	size_t j;

	if (r->members)
		for (j = 0; j < r->p->m; j++)
			free(r->members[j]);
	free(r->members);
	free(r->bin);
	free(r->pos);
	free(r->size);
	free(r->load);
	free(r->left);
	free(r->right);
	free(r->tmp);
	free(r->via_item);
	free(r->via_bin);
	free(r->queue);
	free(r->in);
}

/*
 * One round: re-split the most overloaded PF with its best partner.
 * Returns the re-splits evaluated.
 */
static uint64_t round_(struct repair *r, size_t a)
{
	struct kr_pl *p = r->p;
	struct split best = { .changes = 0 }, sp, side = { .changes = 0 };
	size_t j, k = rnd(r) % p->m, sideways = 0;
	uint64_t evals = 0;

	for (j = 0; j < p->m; j++) {
		size_t b = (j + k) % p->m;

		if (b == a || p->vfs[b] <= 0)
			continue;
		evaluate(r, a, b, &sp);
		evals++;
		if (!sp.changes)
			continue;
		if (sp.cost < sp.now &&
		    (!best.changes || sp.now - sp.cost > best.now - best.cost))
			best = sp;
		if (sp.cost == sp.now && !(rnd(r) % ++sideways))
			side = sp;
		/* the pair is within bandwidth: nothing better exists */
		if (best.changes && !best.cost)
			break;
	}
	if (best.changes)
		apply(r, &best);
	else if (side.changes)
		apply(r, &side);
	return evals ? evals : 1;
}

/* The most overloaded PF, or SIZE_MAX when none is. */
static size_t most_overloaded(const struct repair *r)
{
	size_t j, a = SIZE_MAX;

	for (j = 0; j < r->p->m; j++)
		if (over(r, j) && (a == SIZE_MAX || over(r, j) > over(r, a)))
			a = j;
	return a;
}

/*
 * Re-solve the PFs in bins[0..k) and their items exactly, by the search
 * with 'budget' steps.  1 when it found an assignment (applied), 0 not,
 * -ENOMEM.
 */
static int sub_solve(struct repair *r, const size_t *bins, size_t k,
		     uint64_t budget)
{
	struct kr_pl *p = r->p;
	size_t i, t;
	int found;

	for (i = 0; i < p->n; i++)
		for (r->in[i] = 0, t = 0; t < k && !r->in[i]; t++)
			r->in[i] = r->bin[i] == bins[t];
	/* p->choice is scratch until the repair is done */
	found = kr_pl_complete_part(p, bins, k, r->in, budget, p->choice);
	if (found == 1)
		for (i = 0; i < p->n; i++)
			if (r->in[i]) {
				take_out(r, i);
				put(r, i, p->choice[i]);
			}
	return found;
}

/*
 * A neighbourhood of the most overloaded PF: PFs with room until it covers
 * the overload, then others at random up to about SUB_ITEMS items.
 */
static size_t neighbourhood(struct repair *r, size_t a, size_t *bins)
{
	const struct kr_pl *p = r->p;
	int64_t need = over(r, a);
	size_t k = 1, items = r->size[a], j, t, tries;

	bins[0] = a;
	while (need > 0 && k < SUB_BINS) {
		size_t best = SIZE_MAX;

		for (j = 0; j < p->m; j++) {
			int64_t room = p->cap[j] - r->load[j];

			for (t = 0; t < k && bins[t] != j; t++)
				;
			if (t < k || room <= 0 || p->vfs[j] <= 0)
				continue;
			if (best == SIZE_MAX ||
			    room > p->cap[best] - r->load[best])
				best = j;
		}
		if (best == SIZE_MAX)
			break;
		bins[k++] = best;
		items += r->size[best];
		need -= p->cap[best] - r->load[best];
	}
	for (tries = 0; tries < 4 * p->m && k < SUB_BINS &&
			(items < SUB_ITEMS || k < 3);
	     tries++) {
		j = rnd(r) % p->m;
		for (t = 0; t < k && bins[t] != j; t++)
			;
		if (t < k || over(r, j) || p->vfs[j] <= 0)
			continue;
		bins[k++] = j;
		items += r->size[j];
	}
	return k;
}

int kr_pl_repair(struct kr_pl *p)
{
	struct repair r = { .p = p, .rng = 0x6b72706cull };
	size_t m = p->m, n = p->n, i, j;
	uint64_t evals = 0, resplit_end;
	int found = -ENOMEM;

	r.bin = calloc(n + 1, sizeof(*r.bin));
	r.pos = calloc(n + 1, sizeof(*r.pos));
	r.size = calloc(m + 1, sizeof(*r.size));
	r.load = calloc(m + 1, sizeof(*r.load));
	r.members = calloc(m + 1, sizeof(*r.members));
	r.left = calloc(HALF, sizeof(*r.left));
	r.right = calloc(HALF, sizeof(*r.right));
	r.tmp = calloc(HALF, sizeof(*r.tmp));
	r.via_item = calloc(m + 1, sizeof(*r.via_item));
	r.via_bin = calloc(m + 1, sizeof(*r.via_bin));
	r.queue = calloc(m + 1, sizeof(*r.queue));
	r.in = calloc(n + 1, 1);
	if (!r.bin || !r.pos || !r.size || !r.load || !r.members || !r.left ||
	    !r.right || !r.tmp || !r.via_item || !r.via_bin || !r.queue ||
	    !r.in)
		goto out;
	for (j = 0; j < m; j++) {
		r.members[j] = calloc(n + 1, sizeof(**r.members));
		if (!r.members[j])
			goto out;
	}
	found = 0;
	/* p->choice serves as scratch for the start's order */
	if (!start(&r, p->choice))
		goto out;
	/* re-splits of two PFs with half the budget, then neighbourhoods */
	resplit_end = p->steps < p->budget
			      ? p->steps + (p->budget - p->steps) / 2
			      : p->steps;
	while (!found && p->steps < p->budget) {
		size_t a = most_overloaded(&r), bins[SUB_BINS], k;
		uint64_t left = p->budget - p->steps;
		int r2;

		if (a == SIZE_MAX) {
			found = 1;
			break;
		}
		if (p->steps < resplit_end &&
		    evals < SPLITS_PER_PF * (uint64_t)m) {
			evals += round_(&r, a);
			continue;
		}
		k = neighbourhood(&r, a, bins);
		r2 = sub_solve(&r, bins, k, left < SUB_BUDGET ? left : SUB_BUDGET);
		if (r2 < 0) {
			found = r2;
			goto out;
		}
	}
	if (found)
		for (i = 0; i < n; i++)
			p->choice[i] = r.bin[i];
out:
	repair_free(&r);
	return found;
}
