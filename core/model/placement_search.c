/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding an assignment: greedy passes, and the exact search by bin
 * completion (docs/placement.md).
 *
 * Bin completion closes one PF at a time: it picks an open PF, chooses the
 * whole set of remaining items that PF will hold (a "completion"), and
 * goes on with the others.  A node of the search is the set of remaining
 * items and of open PFs.  Completions are enumerated depth-first over the
 * PF's candidates in decreasing demand, taking an item before leaving it,
 * and only those that can still lead to an assignment are followed:
 *
 *  - the completion must take at least what the other open PFs cannot
 *    absorb (each of them at most its bandwidth and at most the sum of the
 *    largest remaining items its VFs could hold), and at least as many
 *    items as their VFs cannot hold;
 *  - an item no other open PF can take must be in it;
 *  - it must be maximal: an item left out that would still fit makes a
 *    completion that holds it at least as good (the rest only gets
 *    easier);
 *  - it must not be improved by a swap: a left-out item x larger than a
 *    taken item y, with room for the difference, where y may go wherever
 *    x may, makes the completion with x instead of y at least as good;
 *  - of identical items (same demand, same PFs) it takes the first ones:
 *    no permutation of them is tried twice;
 *  - of identical PFs (same type, bandwidth and VFs) the first closed one
 *    holds the earliest item: the next ones may only take later items, so
 *    no permutation of PFs is tried twice;
 *  - failed nodes are remembered and not searched again.
 *
 * The PF to close is the one with the fewest completions (guessed for
 * every open PF, each guess divided by one more than the nodes where that
 * PF was found with none, as constraint solvers weigh the constraints
 * that fail; the four first have theirs counted, up to two): a PF with
 * none fails the node at once, one with a single completion is closed
 * next.  Candidates too large for the room left are passed by
 * binary search; when at most two more items can be taken (two VFs left,
 * or the three smallest candidates overflow the room), the pairs and
 * single items that land the completion in its range are found by binary
 * search on the sorted demands; with three left on a narrow range, the
 * next item's remainder is looked up in a bitset of the sums of two
 * candidates; on a narrow range, a table of the subset sums of every
 * suffix of the candidates (modulo 8,192 units on large PFs) passes the
 * partial completions that cannot land.  When the PF to close is guessed
 * to have few completions, they are all found first and tried best
 * first: the one that leaves the PFs with the fewest completions the most
 * of them (the sum of the logarithms of their guesses).  After a first
 * run in a fixed order, the search restarts with the other order of
 * taking and leaving each item and ties between PFs broken at random, for
 * run lengths of the Luby sequence, keeping what it remembered (a heavy
 * tail of one unlucky order costs one run).
 *
 * Every rule keeps at least one assignment when one exists, so when the
 * search ends without one, none exists: the answer is a proof.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "placement_solver.h"

/*
 * Steps of the first run of the search, and the unit of the restarts: a
 * restart walks again down to where the last one was, which costs some
 * thousands of steps on a node of 16 PFs (a unit of 10,000 left a third
 * more undecided on the planted families).
 */
#define FIRST_RUN 50000
#define RESTART_UNIT 50000
/* Slots of the table of failed nodes, at least and at most. */
#define MEMO_MIN 256
#define MEMO_MAX 16384
/* The largest key of a guessed number of completions (16 per one). */
#define GUESS_TOP 16000000000000000ll
/* Ranges of completions at most this many units wide use sums2. */
#define SUMS2_WINDOW 1024
/*
 * Ranges of completions at most this many units wide use the table of
 * suffix sums, whose rows are cyclic sets of this many bits when the PF
 * holds more units.
 */
#define SUFFIX_WINDOW 64
#define SUFFIX_BITS 8192
/* Steps a count of one PF's completions may take, and the PFs counted. */
#define PROBE_STEPS 30
#define PROBE_PFS 4
/*
 * Completions are tried best first when the PF to close is guessed to
 * have at most ORDER_GUESS of them, up to ORDER_MAX found (more: the
 * search goes on depth-first); their children are scored on the
 * ORDER_PFS open PFs guessed to have the fewest, where a child fails
 * first.  (A limit of 300 or 1,000, or 128 found, cost more than the
 * order saved; scoring 4 PFs, or all, decided fewer.)
 */
#define ORDER_GUESS 100
#define ORDER_MAX 48
#define ORDER_PFS 8
/* Restarts add up to this much noise to a score, at random. */
#define ORDER_NOISE 2.0
/*
 * The exact cover (placement_cover.c) takes a node whose open PFs, at
 * least COVER_MIN_PFS, are guessed to have at most COVER_GUESS completions
 * in all, on a request of at most COVER_PER_PF interfaces per PF, once bin
 * completion has spent COVER_AFTER steps on it without an answer; a PF
 * whose fills would take more than COVER_LAZY_STEPS steps to list is
 * listed once fewer items are left, and one of more than
 * COVER_FIRST_STEPS only when a search without it does not prove the node
 * empty (limits of 500, 2,000, 5,000 and 10,000 steps left 168, 163, 162
 * and 161 undecided of 1,658,880 on 320 passes of the families, against
 * 169 without).  (Covering such nodes at once left more undecided on the
 * families, and so did covering those of more interfaces per PF, or a
 * limit of 10,000 steps for the lazy PFs.)
 */
#define COVER_GUESS 1000
#define COVER_MIN_PFS 3
#define COVER_PER_PF 4
#define COVER_AFTER 3000
#define COVER_FIRST_STEPS 10000
#define COVER_LAZY_STEPS 30000

/* ---- greedy ---- */

static int better(enum kr_policy policy, const int64_t *bw, const int64_t *vfs,
		  size_t a, size_t b)
{
	if (bw[a] != bw[b])
		return policy == KR_POLICY_SPREAD ? bw[a] > bw[b] : bw[a] < bw[b];
	if (vfs[a] != vfs[b])
		return policy == KR_POLICY_SPREAD ? vfs[a] > vfs[b]
						  : vfs[a] < vfs[b];
	return a < b;
}

int kr_pl_greedy(struct kr_pl *p, enum kr_policy policy)
{
	int64_t bw[KR_PLACE_MAX_PFS], vfs[KR_PLACE_MAX_PFS];
	size_t i, j;

	for (j = 0; j < p->m; j++) {
		bw[j] = p->cap[j];
		vfs[j] = p->vfs[j];
	}
	for (i = 0; i < p->n; i++) {
		const struct kr_pl_item *it = &p->items[i];
		size_t best = SIZE_MAX;

		for (j = 0; j < p->m; j++) {
			if (!(it->elig >> j & 1) || vfs[j] <= 0 ||
			    bw[j] < it->d)
				continue;
			if (best == SIZE_MAX || better(policy, bw, vfs, j, best))
				best = j;
		}
		if (best == SIZE_MAX)
			return 0;
		p->choice[i] = best;
		bw[best] -= it->d;
		vfs[best]--;
	}
	return 1;
}

/* ---- remembered failed nodes ---- */

struct memo {
	size_t slots;		/* power of two; allocated at the first
				 * insertion (many searches never fail) */
	size_t used;
	size_t key_len;		/* words per key */
	uint64_t *keys;		/* slots * key_len, or NULL */
	uint8_t *full;		/* slots */
};

static uint64_t hash_key(const uint64_t *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return h;
}

/* 1 if the key is stored; otherwise stores it (if room) when 'insert'. */
static int memo_probe(struct memo *mo, const uint64_t *key, int insert)
{
	size_t slot, tries;

	if (!mo->keys) {
		if (!insert || !mo->slots)
			return 0;
		/* without room for it, the search only forgets */
		mo->keys = malloc(mo->slots * mo->key_len * sizeof(*mo->keys));
		mo->full = calloc(mo->slots, 1);
		if (!mo->keys || !mo->full) {
			free(mo->keys);
			free(mo->full);
			mo->keys = NULL;
			mo->full = NULL;
			mo->slots = 0;
			return 0;
		}
	}
	slot = hash_key(key, mo->key_len) & (mo->slots - 1);
	for (tries = 0; tries < mo->slots; tries++) {
		uint64_t *k = &mo->keys[slot * mo->key_len];

		if (!mo->full[slot]) {
			/* keep the table at most 3/4 full */
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

/* ---- bin completion ---- */

/* Scratch of one level: the completion of one PF. */
struct level {
	size_t *cand;		/* candidate items, by index */
	size_t *run;		/* per candidate: end of its run in cand */
	size_t *forced_from;	/* per candidate: first forced one at or
				 * after it (nc if none) */
	int64_t *dem;		/* per candidate: its demand */
	int64_t *fsum;		/* per candidate: forced demand from it on */
	int64_t *fcnt;		/* per candidate: forced ones from it on */
	size_t *nfrank;		/* per candidate: unforced ones before it */
	int64_t *npre;		/* prefix sums of the unforced demands */
	size_t nf;		/* unforced candidates */
	int64_t *pre;		/* prefix sums of the candidates' demands */
	uint8_t *take;		/* per candidate: in the completion */
	size_t nc;
	size_t pf;
	int64_t lo;		/* least bandwidth it must take */
	int64_t klo;		/* least items it must take */
	uint64_t *sums2;	/* bit x: none, one or two of the candidates
				 * add up to x units */
	size_t sums2_words;	/* allocated */
	int sums2_state;	/* TABLE_NONE, _MADE, _FAILED */
	uint64_t *suffix;	/* row c: the subset sums of candidates c on */
	size_t suffix_row;	/* words per row */
	size_t suffix_words;	/* allocated */
	int suffix_cyclic;	/* rows hold the sums modulo their bits */
	size_t suffix_full;	/* rows before it hold every sum (cyclic) */
	int suffix_state;	/* TABLE_NONE, _MADE, _FAILED */
	/* completions found to be tried best first (ORDER_MAX at most) */
	uint64_t *found;	/* each a set of candidates, found_w words */
	size_t found_w;
	int64_t *found_s;	/* its bandwidth */
	int64_t *found_k;	/* its items */
	double *found_score;
	size_t *found_order;	/* best first */
	size_t n_found;
};

enum { TABLE_NONE, TABLE_MADE, TABLE_FAILED };

struct bc {
	struct kr_pl *p;
	size_t nw;		/* words of an item set */
	uint64_t *rem;		/* remaining items */
	uint64_t open;		/* open PFs */
	size_t *lb;		/* per PF: lowest item index it may take */
	int64_t remd;		/* remaining demand */
	int64_t remn;		/* remaining items */
	uint64_t *takers;	/* per item: open PFs that can take it */
	int64_t *absorb;	/* per PF: bandwidth bound */
	int64_t *count;		/* per PF: count bound */
	int64_t absorb_all;	/* absorb and count summed over the PFs */
	int64_t count_all;
	double *cand_sum;	/* per PF: its candidates' demands, summed */
	double *cand_sq;	/* per PF: their squares, summed */
	size_t *cand_n;		/* per PF: its candidates */
	size_t *scratch;	/* n */
	struct level *lv;	/* m + 1 */
	struct memo memo;
	uint64_t *key;
	size_t lb_bits;		/* bits of each lb[] in a key: 16 or 32 */
	uint64_t limit;		/* steps at which this run stops */
	int stop;		/* this run reached its limit */
	int nomem;		/* a level could not be made */
	int random;		/* a restart: other item order, random ties */
	int collect;		/* recording completions, not searching */
	int collect_out;	/* more than ORDER_MAX of them */
	double chosen_guess;	/* guessed completions of the PF to close */
	double guess_all;	/* ... of every open PF, summed */
	struct kr_pl_cover *cover;	/* made at the first exact cover */
	int escalated;		/* a node above may be covered */
	/* per PF: the nodes where it was found with no completion, in every
	 * run so far (its weight in the choice of the PF to close) */
	double dead[KR_PLACE_MAX_PFS];
	size_t tight[ORDER_PFS];	/* open PFs guessed to have fewest */
	size_t n_tight;
	int probe;		/* counting completions, not searching */
	int probe_out;		/* the count ran out of steps */
	uint64_t probe_limit;	/* steps at which the count stops */
	unsigned int probe_count;	/* completions counted */
	uint64_t rng;
	uint64_t run;		/* the next run of the search */
};

static int in_rem(const struct bc *b, size_t i)
{
	return b->rem[i / 64] >> (i % 64) & 1;
}

static int halted(const struct bc *b)
{
	return b->stop || b->probe_out || b->collect_out;
}

static int budget_out(struct bc *b)
{
	if (++b->p->steps > b->limit)
		b->stop = 1;
	if (b->probe && b->p->steps > b->probe_limit)
		b->probe_out = 1;
	return halted(b);
}

static uint64_t bc_rnd(struct bc *b)
{
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void make_key(struct bc *b)
{
	size_t w, j;

	size_t per = 64 / b->lb_bits;

	memcpy(b->key, b->rem, b->nw * sizeof(*b->key));
	b->key[b->nw] = b->open;
	for (j = 0; j < (b->p->m + per - 1) / per; j++)
		b->key[b->nw + 1 + j] = 0;
	for (j = 0; j < b->p->m; j++) {
		if (!(b->open >> j & 1))
			continue;
		w = b->nw + 1 + j / per;
		b->key[w] |= (uint64_t)b->lb[j] << (j % per * b->lb_bits);
	}
}

/*
 * Bounds of a node: fills takers, absorb and count (and their sums); 0
 * when the remaining items cannot all be placed on the open PFs.
 */
static int node_bounds(struct bc *b)
{
	struct kr_pl *p = b->p;
	int64_t absorb = 0, count = 0;
	size_t i, j;

	for (i = 0; i < p->n; i++)
		b->takers[i] = 0;
	for (j = 0; j < p->m; j++) {
		int64_t top = 0, small = 0, k = 0, c = 0;
		size_t nc = 0, q;
		double sum = 0, sq = 0;

		b->absorb[j] = b->count[j] = 0;
		b->cand_n[j] = 0;
		if (!(b->open >> j & 1) || p->vfs[j] <= 0)
			continue;
		for (i = b->lb[j]; i < p->n; i++) {
			const struct kr_pl_item *it = &p->items[i];

			if (!in_rem(b, i) || !(it->elig >> j & 1) ||
			    it->d > p->cap[j])
				continue;
			b->takers[i] |= 1ull << j;
			b->scratch[nc++] = i;
			sum += (double)it->d;
			sq += (double)it->d * (double)it->d;
			if (k < p->vfs[j]) {
				top += it->d;
				k++;
			}
		}
		for (q = nc; q > 0 && c < p->vfs[j]; q--) {
			if (small + p->items[b->scratch[q - 1]].d > p->cap[j])
				break;
			small += p->items[b->scratch[q - 1]].d;
			c++;
		}
		b->absorb[j] = top < p->cap[j] ? top : p->cap[j];
		b->count[j] = c;
		b->cand_n[j] = nc;
		b->cand_sum[j] = sum;
		b->cand_sq[j] = sq;
		absorb += b->absorb[j];
		count += c;
	}
	b->absorb_all = absorb;
	b->count_all = count;
	/* charge the work: a step per eight items looked at */
	p->steps += p->n * (size_t)__builtin_popcountll(b->open) / 8;
	if (absorb < b->remd || count < b->remn)
		return 0;
	for (i = 0; i < p->n; i++)
		if (in_rem(b, i) && !b->takers[i])
			return 0;
	return 1;
}

static int bc_node(struct bc *b, size_t depth);

/* Is the completion in lv improved by a swap or by adding an item? */
static int dominated(const struct bc *b, const struct level *lv, int64_t s,
		     int64_t k)
{
	const struct kr_pl *p = b->p;
	int64_t room = p->cap[lv->pf] - s;
	uint64_t others = b->open & ~(1ull << lv->pf);
	size_t c, x;

	for (c = 0; c < lv->nc; c++) {
		const struct kr_pl_item *y = &p->items[lv->cand[c]];

		if (lv->take[c]) {
			/* a larger item left out, with room for the
			 * difference, that y could stand in for */
			for (x = c; x-- > 0;) {
				const struct kr_pl_item *xi =
					&p->items[lv->cand[x]];

				if (xi->d - y->d > room)
					break;
				if (lv->take[x] || xi->d == y->d)
					continue;
				if (!(xi->elig & others & ~y->elig))
					return 1;
			}
		} else if (k < p->vfs[lv->pf] && y->d <= room) {
			return 1;
		}
	}
	return 0;
}

/* Close PF lv->pf with the chosen completion and search on. */
static int close_pf(struct bc *b, struct level *lv, size_t depth, int64_t s,
		    int64_t k)
{
	const struct kr_pl *p = b->p;
	size_t c, j, first = p->n, saved[KR_PLACE_MAX_PFS];
	int found;

	for (c = 0; c < lv->nc; c++) {
		size_t i = lv->cand[c];

		if (!lv->take[c])
			continue;
		if (first == p->n)
			first = i;
		b->rem[i / 64] &= ~(1ull << (i % 64));
		p->choice[i] = lv->pf;
	}
	b->open &= ~(1ull << lv->pf);
	b->remd -= s;
	b->remn -= k;
	/* identical PFs still open may only take items after 'first' */
	for (j = 0; j < p->m; j++) {
		saved[j] = b->lb[j];
		if ((b->open >> j & 1) && p->type[j] == p->type[lv->pf] &&
		    p->cap[j] == p->cap[lv->pf] &&
		    p->vfs[j] == p->vfs[lv->pf] && b->lb[j] < first + 1)
			b->lb[j] = first + 1;
	}
	found = bc_node(b, depth + 1);
	for (j = 0; j < p->m; j++)
		b->lb[j] = saved[j];
	b->remd += s;
	b->remn += k;
	b->open |= 1ull << lv->pf;
	for (c = 0; c < lv->nc; c++)
		if (lv->take[c])
			b->rem[lv->cand[c] / 64] |= 1ull << (lv->cand[c] % 64);
	return found;
}

/*
 * Can the choice from candidate c on, with s taken in k items, still make
 * a completion?  The forced candidates must all come in; the largest of
 * the others must be able to make up the minimum bandwidth, and the
 * smallest must fit the minimum count.
 */
static int reachable(const struct level *lv, size_t c, int64_t s, int64_t k,
		     int64_t cap, int64_t vfs)
{
	int64_t must_s = s + lv->fsum[c], must_k = k + lv->fcnt[c];
	size_t r = lv->nfrank[c], avail = lv->nf - r, slots, need;

	if (must_k > vfs || must_s > cap)
		return 0;
	slots = (size_t)(vfs - must_k) < avail ? (size_t)(vfs - must_k) : avail;
	if (must_s + lv->npre[r + slots] - lv->npre[r] < lv->lo)
		return 0;
	if (lv->klo <= must_k)
		return 1;
	need = (size_t)(lv->klo - must_k);
	return need <= avail &&
	       must_s + lv->npre[lv->nf] - lv->npre[lv->nf - need] <= cap;
}

/* Keep the completion in lv to be tried later (0: the choice goes on). */
static int record(struct bc *b, struct level *lv, int64_t s, int64_t k)
{
	uint64_t *w;
	size_t c;

	if (lv->n_found == ORDER_MAX) {
		b->collect_out = 1;
		return 0;
	}
	w = lv->found + lv->n_found * lv->found_w;
	memset(w, 0, lv->found_w * sizeof(*w));
	for (c = 0; c < lv->nc; c++)
		if (lv->take[c])
			w[c / 64] |= 1ull << (c % 64);
	lv->found_s[lv->n_found] = s;
	lv->found_k[lv->n_found] = k;
	lv->n_found++;
	b->p->steps += lv->found_w;
	return 0;
}

/* A complete choice: taken candidates as marked, the rest left out. */
static int leaf(struct bc *b, struct level *lv, size_t depth, int64_t s,
		int64_t k)
{
	size_t f;

	if (s < lv->lo || k < lv->klo)
		return 0;
	for (f = lv->forced_from[0]; f < lv->nc; f = lv->forced_from[f + 1])
		if (!lv->take[f])
			return 0;
	if (dominated(b, lv, s, k))
		return 0;
	if (b->probe)
		return ++b->probe_count >= 2;
	if (b->collect)
		return record(b, lv, s, k);
	return close_pf(b, lv, depth, s, k);
}

/* The first candidate at or after c with demand at most x (nc: none). */
static size_t first_at_most(const struct level *lv, size_t c, int64_t x)
{
	size_t n = lv->nc > c ? lv->nc - c : 0;

	/* without a branch to mispredict (conditional moves) */
	while (n > 0) {
		size_t half = n / 2;
		int above = lv->dem[c + half] > x;

		c = above ? c + half + 1 : c;
		n = above ? n - half - 1 : half;
	}
	return c;
}

/* May candidate a be taken when the choice resumes at c (runs)? */
static int run_start(const struct level *lv, size_t c, size_t a)
{
	return a == c || lv->run[a - 1] != lv->run[a];
}

/* Try candidate a (and b, unless SIZE_MAX) taken, the rest from c out. */
static int finish_with(struct bc *b, struct level *lv, size_t depth,
		       size_t a, size_t b2, int64_t s, int64_t k)
{
	int found;

	lv->take[a] = 1;
	if (b2 != SIZE_MAX)
		lv->take[b2] = 1;
	found = leaf(b, lv, depth, s, k);
	lv->take[a] = 0;
	if (b2 != SIZE_MAX)
		lv->take[b2] = 0;
	return found;
}

/*
 * At most two more candidates may be taken: enumerate the pairs and the
 * single candidates that land the completion in [lo, cap] directly, by
 * binary search on the sorted demands, then taking none.
 */
static int finish(struct bc *b, struct level *lv, size_t depth, size_t c,
		  int64_t s, int64_t k)
{
	struct kr_pl *p = b->p;
	int64_t cap = p->cap[lv->pf], picks = p->vfs[lv->pf] - k;
	int64_t lo = lv->lo - s, hi = cap - s;
	size_t nc = lv->nc, f = lv->forced_from[c], a, b2;

	if (picks >= 2 && nc - c >= 2 && k + 2 >= lv->klo) {
		for (a = first_at_most(lv, c, hi - lv->dem[nc - 1]);
		     a + 1 < nc && a <= f; a++) {
			if (lv->dem[a] + lv->dem[a + 1] < lo)
				break;
			if (!run_start(lv, c, a))
				continue;
			for (b2 = first_at_most(lv, a + 1, hi - lv->dem[a]);
			     b2 < nc && lv->dem[a] + lv->dem[b2] >= lo; b2++) {
				if (budget_out(b))
					return 0;
				if (lv->forced_from[a + 1] < b2)
					break;
				if (!run_start(lv, a + 1, b2) ||
				    lv->forced_from[b2 + 1] < nc)
					continue;
				if (finish_with(b, lv, depth, a, b2,
						s + lv->dem[a] + lv->dem[b2],
						k + 2))
					return 1;
				if (halted(b))
					return 0;
			}
		}
	}
	if (k + 1 >= lv->klo)
		for (a = first_at_most(lv, c, hi);
		     a < nc && a <= f && lv->dem[a] >= lo; a++) {
			if (budget_out(b))
				return 0;
			if (!run_start(lv, c, a) || lv->forced_from[a + 1] < nc)
				continue;
			if (finish_with(b, lv, depth, a, SIZE_MAX,
					s + lv->dem[a], k + 1))
				return 1;
			if (halted(b))
				return 0;
		}
	if (f < nc)
		return 0;
	return leaf(b, lv, depth, s, k);
}

/*
 * At least 'words' words in a level's table *v (*have allocated), kept
 * from node to node; -ENOMEM leaves the table as it was (the search is
 * only slower without it).
 */
static int table_room(uint64_t **v, size_t *have, size_t words)
{
	uint64_t *w;

	if (words <= *have)
		return 0;
	w = realloc(*v, words * sizeof(*w));
	if (!w)
		return -ENOMEM;
	*v = w;
	*have = words;
	return 0;
}

/* A range of bandwidth [lo, hi] as the sums of units in it; 0 if none. */
static int unit_range(const struct kr_pl *p, int64_t lo, int64_t hi,
		      int64_t *ulo, int64_t *uhi)
{
	if (hi < 0)
		return 0;
	if (p->unit == 1) {
		/* rates in steps of 1 Mbit/s: no division (a tenth of the
		 * time of the searches that ran out) */
		*ulo = lo <= 0 ? 0 : lo;
		*uhi = hi;
		return *ulo <= *uhi;
	}
	*ulo = lo <= 0 ? 0 : (lo + p->unit - 1) / p->unit;
	*uhi = hi / p->unit;
	return *ulo <= *uhi;
}

/*
 * The sums of none, one or two of the candidates, as a bitset in units of
 * the common divisor: with three items left on a narrow range, the item
 * taken next must leave a remainder found there.  About a microsecond for
 * 30 candidates: a step per 16 pairs and per 64 words.
 */
static void sums2_make(struct bc *b, struct level *lv)
{
	struct kr_pl *p = b->p;
	int64_t cap = p->cap[lv->pf], unit = p->unit;
	size_t words = (size_t)(cap / unit) / 64 + 1, a, c;

	if (table_room(&lv->sums2, &lv->sums2_words, words) < 0) {
		lv->sums2_state = TABLE_FAILED;
		return;
	}
	memset(lv->sums2, 0, words * sizeof(*lv->sums2));
	lv->sums2[0] = 1;
	for (a = first_at_most(lv, 0, cap); a < lv->nc; a++) {
		uint64_t x = (uint64_t)(lv->dem[a] / unit);

		lv->sums2[x / 64] |= 1ull << (x % 64);
		for (c = first_at_most(lv, a + 1, cap - lv->dem[a]);
		     c < lv->nc; c++) {
			x = (uint64_t)(lv->dem[a] + lv->dem[c]);
			if (unit > 1)
				x /= (uint64_t)unit;
			lv->sums2[x / 64] |= 1ull << (x % 64);
		}
		p->steps += (lv->nc - a) / 16;
	}
	p->steps += words / 64 + 1;
	lv->sums2_state = TABLE_MADE;
}

/* Does sums2 hold a sum in [lo, hi] (bandwidth)? */
static int sums2_any(const struct kr_pl *p, const struct level *lv,
		     int64_t lo, int64_t hi)
{
	int64_t top = p->cap[lv->pf] / p->unit, ulo, uhi;

	if (!unit_range(p, lo, hi, &ulo, &uhi))
		return 0;
	return kr_pl_bits_highest(lv->sums2, ulo, uhi < top ? uhi : top) >= 0;
}

static int extend(struct bc *b, struct level *lv, size_t depth, size_t c,
		  int64_t s, int64_t k);

/*
 * The subset sums of each suffix of the candidates, without a count:
 * row c is row c + 1 or'd with itself shifted by candidate c's demand.
 * Up to SUFFIX_BITS units the rows are exact; above, they are cyclic, so
 * that a row costs 128 words whatever the PF's bandwidth: a sum modulo
 * 8,192 is still a necessary condition, and short suffixes (where the
 * depth-first choice spends its steps) have far fewer sums than that.
 * A cyclic row that holds every sum makes every row before it full too:
 * the rows stop there (on nodes of 16 PFs, some 20 candidates from the
 * end; longer suffixes never passed a partial completion).  A step per
 * 32 words made (some 120 steps for 30 candidates).
 */
static void suffix_make(struct bc *b, struct level *lv)
{
	struct kr_pl *p = b->p;
	int64_t units = p->cap[lv->pf] / p->unit;
	int cyclic = units >= SUFFIX_BITS;
	size_t row = cyclic ? SUFFIX_BITS / 64 : (size_t)units / 64 + 1;
	size_t words = row * (lv->nc + 1), c;

	if (table_room(&lv->suffix, &lv->suffix_words, words) < 0) {
		lv->suffix_state = TABLE_FAILED;
		return;
	}
	lv->suffix_row = row;
	lv->suffix_cyclic = cyclic;
	lv->suffix_full = 0;
	memset(lv->suffix + lv->nc * row, 0, row * sizeof(*lv->suffix));
	lv->suffix[lv->nc * row] = 1;
	for (c = lv->nc; c-- > 0;) {
		uint64_t *r = lv->suffix + c * row;
		size_t d = (size_t)(lv->dem[c] / p->unit);

		if (!cyclic) {
			memcpy(r, r + row, row * sizeof(*r));
			kr_pl_bits_shift_or(r, row, d);
			continue;
		}
		kr_pl_bits_rotate_or(r, r + row, row, d);
		/* a row of every sum: so are the longer suffixes' rows
		 * (beyond some 20 candidates, on nodes of 16 PFs) */
		if (kr_pl_bits_full(r, row)) {
			lv->suffix_full = c + 1;
			break;
		}
	}
	p->steps += row * (lv->nc + 1 - lv->suffix_full) / 32 + 1;
	lv->suffix_state = TABLE_MADE;
}

/* May candidates c on add up to something in [lo, hi] (bandwidth)? */
static int suffix_may(const struct kr_pl *p, const struct level *lv, size_t c,
		      int64_t lo, int64_t hi)
{
	const uint64_t *r = lv->suffix + c * lv->suffix_row;
	int64_t bits = (int64_t)lv->suffix_row * 64, ulo, uhi;

	if (!unit_range(p, lo, hi, &ulo, &uhi))
		return 0;
	if (!lv->suffix_cyclic)
		return kr_pl_bits_highest(r, ulo, uhi) >= 0;
	if (c < lv->suffix_full || uhi - ulo + 1 >= bits)
		return 1;
	ulo %= bits;
	uhi %= bits;
	if (ulo <= uhi)
		return kr_pl_bits_highest(r, ulo, uhi) >= 0;
	return kr_pl_bits_highest(r, 0, uhi) >= 0 ||
	       kr_pl_bits_highest(r, ulo, bits - 1) >= 0;
}

/*
 * Three items left at most, on a narrow range: the next item taken, a,
 * must leave a remainder that none, one or two others make up, looked up
 * in sums2 (a relaxation: the sums may include a or items before it), so
 * a candidate that cannot start a completion costs a bit test, not a
 * search.  Otherwise as extend: the choice with none more first, then
 * each a by decreasing demand.  (With four left, looking up the
 * remainders of each candidate after a, as one and a sum of two, cost a
 * third of the steps on nodes of 16 PFs and decided fewer: 93 against
 * 74 undecided in 120 passes of the families, with the completions
 * tried best first.)
 */
static int three_left(struct bc *b, struct level *lv, size_t depth, size_t c,
		      int64_t s, int64_t k)
{
	struct kr_pl *p = b->p;
	int64_t cap = p->cap[lv->pf], lo = lv->lo;
	size_t nc = lv->nc, f = lv->forced_from[c], a, q, looked = 0;

	if (f == nc) {
		if (leaf(b, lv, depth, s, k))
			return 1;
		if (halted(b))
			return 0;
	}
	for (a = first_at_most(lv, c, cap - s); a < nc && a <= f; a++) {
		int64_t top = 0;

		/* a and the largest after it must reach lo, and that only
		 * falls as a goes on */
		for (q = a; q < a + 3 && q < nc; q++)
			top += lv->dem[q];
		if (s + top < lo)
			break;
		if (!run_start(lv, c, a))
			continue;
		if (++looked % 8 == 0 && budget_out(b))
			return 0;
		if (!sums2_any(p, lv, lo - s - lv->dem[a],
			       cap - s - lv->dem[a]))
			continue;
		if (halted(b))
			return 0;
		lv->take[a] = 1;
		if (extend(b, lv, depth, a + 1, s + lv->dem[a], k + 1))
			return 1;
		lv->take[a] = 0;
		if (halted(b))
			return 0;
	}
	return 0;
}

/* Completions of lv->pf from candidate c on, with s taken in k items. */
static int extend(struct bc *b, struct level *lv, size_t depth, size_t c,
		  int64_t s, int64_t k)
{
	const struct kr_pl *p = b->p;
	int64_t cap = p->cap[lv->pf], vfs = p->vfs[lv->pf];
	size_t nc = lv->nc;
	int order, t;

	if (budget_out(b))
		return 0;
	/* the candidates too large for the room left are left out at once
	 * (a step each was what it cost to pass them one by one) */
	if (c < nc && lv->dem[c] > cap - s) {
		size_t fit = first_at_most(lv, c, cap - s);

		if (lv->forced_from[c] < fit)
			return 0;
		c = fit;
	}
	if (k == vfs || c == nc)
		return lv->forced_from[c] < nc ? 0 : leaf(b, lv, depth, s, k);
	if (!reachable(lv, c, s, k, cap, vfs))
		return 0;
	/* on a narrow range, the candidates left must be able to land it
	 * (not for a count of completions: its 30 steps would not pay) */
	if (!b->probe && cap - lv->lo <= SUFFIX_WINDOW * p->unit) {
		if (lv->suffix_state == TABLE_NONE)
			suffix_make(b, lv);
		if (lv->suffix_state == TABLE_MADE &&
		    !suffix_may(p, lv, c, lv->lo - s, cap - s))
			return 0;
	}
	/* two more at most: when two VFs are left, or when the three
	 * smallest candidates overflow the room */
	if (vfs - k <= 2 ||
	    (nc - c >= 3 && lv->dem[nc - 1] + lv->dem[nc - 2] +
				    lv->dem[nc - 3] > cap - s))
		return finish(b, lv, depth, c, s, k);
	/* three left on a narrow range (not for a count of completions:
	 * its 30 steps would not pay) */
	if (!b->probe && vfs - k == 3 &&
	    cap - lv->lo <= SUMS2_WINDOW * p->unit) {
		if (lv->sums2_state == TABLE_NONE)
			sums2_make(b, lv);
		if (lv->sums2_state == TABLE_MADE)
			return three_left(b, lv, depth, c, s, k);
	}
	/* an item much larger than the room per VF left: try without it
	 * first, so that the completion resembles what remains; restarts
	 * try each item the other way first (a quarter of them, at random,
	 * left 15 % more undecided: the runs were too alike) */
	order = lv->dem[c] * (vfs - k) > 2 * (cap - s) &&
		(cap - lv->lo) * 4 < lv->dem[c];
	if (b->random)
		order = !order;
	for (t = 0; t < 2; t++) {
		if ((t == 0) == (order == 0)) {
			if (s + lv->dem[c] > cap)
				continue;
			lv->take[c] = 1;
			if (extend(b, lv, depth, c + 1, s + lv->dem[c], k + 1))
				return 1;
			lv->take[c] = 0;
		} else {
			/* leave it out, and the identical ones after it */
			if (lv->forced_from[c] < lv->run[c])
				continue;
			if (extend(b, lv, depth, lv->run[c], s, k))
				return 1;
		}
		if (halted(b))
			return 0;
	}
	return 0;
}

/* Candidates of PF j at this node, and what its completion must take. */
static void setup_level(struct bc *b, struct level *lv, size_t j)
{
	struct kr_pl *p = b->p;
	size_t i, c;

	p->steps += p->n / 8;
	lv->pf = j;
	lv->sums2_state = TABLE_NONE;
	lv->suffix_state = TABLE_NONE;
	lv->lo = b->remd - (b->absorb_all - b->absorb[j]);
	lv->klo = b->remn - (b->count_all - b->count[j]);
	lv->nc = 0;
	for (i = b->lb[j]; i < p->n; i++)
		if (b->takers[i] >> j & 1)
			lv->cand[lv->nc++] = i;
	lv->pre[0] = 0;
	for (c = 0; c < lv->nc; c++) {
		lv->dem[c] = p->items[lv->cand[c]].d;
		lv->pre[c + 1] = lv->pre[c] + lv->dem[c];
		lv->take[c] = 0;
	}
	lv->forced_from[lv->nc] = lv->nc;
	lv->fsum[lv->nc] = 0;
	lv->fcnt[lv->nc] = 0;
	for (c = lv->nc; c-- > 0;) {
		size_t i0 = lv->cand[c];
		int forced = b->takers[i0] == 1ull << j;

		lv->forced_from[c] = forced ? c : lv->forced_from[c + 1];
		lv->fsum[c] = lv->fsum[c + 1] + (forced ? lv->dem[c] : 0);
		lv->fcnt[c] = lv->fcnt[c + 1] + forced;
		lv->run[c] = c + 1 < lv->nc && lv->cand[c + 1] == i0 + 1 &&
					     p->items[i0].run_end > i0 + 1
				     ? lv->run[c + 1]
				     : c + 1;
	}
	lv->nf = 0;
	lv->npre[0] = 0;
	for (c = 0; c <= lv->nc; c++) {
		lv->nfrank[c] = lv->nf;
		if (c < lv->nc && lv->forced_from[c] != c) {
			lv->npre[lv->nf + 1] = lv->npre[lv->nf] + lv->dem[c];
			lv->nf++;
		}
	}
}

/*
 * e^y for -50 < y <= 0 within about 6 %: y / ln 2 written into the
 * exponent and mantissa of a double.  Enough for a guess, and exp() was a
 * tenth of the time of a search node.
 */
static double rough_exp(double y)
{
	union {
		double d;
		int64_t i;
	} u;

	u.i = (int64_t)(y * 6497320848556798.0) + 0x3ff0000000000000ll;
	return u.d;
}

/*
 * About how many completions PF j has at this node: for each count k of
 * items it may take, the k-sets of its candidates times the chance that
 * the sum of a random one lands in [lo, cap], that sum taken as normal
 * (mean and variance of k draws without replacement).  A guess, used only
 * to order the PFs: the fewest completions first fails soonest.
 */
static double completions_guess(const struct bc *b, size_t j, int64_t lo,
				int64_t klo, size_t cand_n, double cand_sum,
				double cand_sq)
{
	const struct kr_pl *p = b->p;
	double n = (double)cand_n, unit = (double)p->unit;
	double mean, var, width, sets = 1, guess = 0;
	int64_t k;

	if (cand_n == 0)
		return 0;
	mean = cand_sum / n;
	var = cand_sq / n - mean * mean;
	if (lo < 0)
		lo = 0;
	/* the sums are multiples of the unit: that many of them fit */
	width = (double)(p->cap[j] - lo) / unit + 1;
	for (k = 1; k <= p->vfs[j] && k <= (int64_t)cand_n; k++) {
		double kv = (double)k, sd, z;

		sets = sets * (n - kv + 1) / kv;
		if (k < klo)
			continue;
		sd = sqrt(kv * var * (n - kv) / (n > 1 ? n - 1 : 1)) / unit;
		if (sd < 1)
			sd = 1;
		z = ((double)(p->cap[j] + lo) / 2 - kv * mean) / unit / sd;
		/* beyond ten standard deviations: nothing to count */
		if (z * z < 100)
			guess += sets * width / sd * 0.3989422804 *
				 rough_exp(-z * z / 2);
	}
	return guess;
}

/*
 * The PF to close next.  The open PFs in the order of their guessed
 * number of completions, each divided by one more than the nodes where
 * the PF was found with none (in any run: the PFs that end the search are
 * closed earlier, which left a sixth fewer undecided on the families; a
 * random run perturbs the order a little); the first PROBE_PFS of them
 * have their completions counted, up to two, within PROBE_STEPS steps
 * each: the first with a single one is closed next, else the first with
 * the fewest.  SIZE_MAX when a PF counted has no completion at all: the
 * node fails, and the PF's count of such nodes grows.  (Ordering by the
 * items a PF can hold instead took 2 to 60 times the steps on nodes near
 * the phase transition of number partitioning; counting every open PF's
 * took most of the steps of a search.)  Sets b->chosen_guess and
 * b->tight.
 */
static size_t choose_pf(struct bc *b, struct level *lv, size_t depth)
{
	const struct kr_pl *p = b->p;
	int64_t key[KR_PLACE_MAX_PFS];
	size_t order[KR_PLACE_MAX_PFS], n_open = 0, j, q, t, best = SIZE_MAX;
	double guess[KR_PLACE_MAX_PFS], weighed;
	unsigned int n, best_n = 3;

	b->guess_all = 0;
	for (j = 0; j < p->m; j++) {
		if (!(b->open >> j & 1))
			continue;
		guess[j] = completions_guess(
			b, j, b->remd - (b->absorb_all - b->absorb[j]),
			b->remn - (b->count_all - b->count[j]), b->cand_n[j],
			b->cand_sum[j], b->cand_sq[j]);
		b->p->steps += (uint64_t)p->vfs[j] / 4 + 1;	/* the guess */
		b->guess_all += guess[j];
		/* the PFs that ended the search before come earlier */
		weighed = guess[j] / (1 + b->dead[j]);
		/* (C(128, 64) would not fit an int64_t) */
		key[j] = (weighed < 1e15 ? (int64_t)(16 * weighed)
					 : GUESS_TOP) +
			 (b->random ? (int64_t)(bc_rnd(b) % 12) : 0);
		/* by key, then bandwidth: insertion */
		for (q = n_open++; q > 0; q--) {
			t = order[q - 1];
			if (key[t] < key[j] ||
			    (key[t] == key[j] && p->cap[t] <= p->cap[j]))
				break;
			order[q] = t;
		}
		order[q] = j;
	}
	for (b->n_tight = 0; b->n_tight < n_open && b->n_tight < ORDER_PFS;
	     b->n_tight++)
		b->tight[b->n_tight] = order[b->n_tight];
	for (q = 0; q < n_open && q < PROBE_PFS; q++) {
		j = order[q];
		setup_level(b, lv, j);
		b->probe = 1;
		b->probe_count = 0;
		b->probe_limit = p->steps + PROBE_STEPS;
		extend(b, lv, depth, 0, 0, 0);
		n = b->probe_out && b->probe_count < 2 ? 2 : b->probe_count;
		b->probe = 0;
		b->probe_out = 0;
		if (b->stop)
			return SIZE_MAX;
		if (!n) {
			b->dead[j]++;
			return SIZE_MAX;
		}
		if (n < best_n) {
			best = j;
			best_n = n;
			b->chosen_guess = guess[j];
		}
		if (n == 1)
			break;
	}
	return best;
}

/* The arrays of a level, in one block, made when the search gets there. */
static int level_alloc(struct bc *b, struct level *lv)
{
	size_t n = b->p->n + 1;
	char *block;

	if (lv->cand)
		return 0;
	lv->found_w = (n + 63) / 64;
	block = malloc(n * (5 * sizeof(size_t) + 5 * sizeof(int64_t) + 1) +
		       ORDER_MAX * (lv->found_w * sizeof(uint64_t) +
				    2 * sizeof(int64_t) + sizeof(double) +
				    sizeof(size_t)));
	if (!block)
		return -ENOMEM;
	lv->cand = (size_t *)block;
	lv->run = lv->cand + n;
	lv->forced_from = lv->run + n;
	lv->nfrank = lv->forced_from + n;
	lv->pre = (int64_t *)(lv->nfrank + n);
	lv->dem = lv->pre + n;
	lv->fsum = lv->dem + n;
	lv->fcnt = lv->fsum + n;
	lv->npre = lv->fcnt + n;
	lv->found = (uint64_t *)(lv->npre + n);
	lv->found_s = (int64_t *)(lv->found + ORDER_MAX * lv->found_w);
	lv->found_k = lv->found_s + ORDER_MAX;
	lv->found_score = (double *)(lv->found_k + ORDER_MAX);
	lv->found_order = (size_t *)(lv->found_score + ORDER_MAX);
	lv->take = (uint8_t *)(lv->found_order + ORDER_MAX);
	b->p->steps += n / 8;	/* charge the making */
	return 0;
}

/*
 * The completions recorded in lv, tried best first.  Each is scored by
 * what it leaves the open PFs guessed to have the fewest completions (the
 * sum of the logarithms of their guesses after it): a child whose tight
 * PFs keep many is likelier to hold an assignment.  Restarts add noise.
 */
static int close_best_first(struct bc *b, struct level *lv, size_t depth)
{
	struct kr_pl *p = b->p;
	/* what the PFs other than the one closed and j can absorb */
	int64_t absorb = b->absorb_all - b->absorb[lv->pf];
	int64_t count = b->count_all - b->count[lv->pf];
	size_t q, t, c;

	for (q = 0; q < lv->n_found; q++) {
		const uint64_t *w = lv->found + q * lv->found_w;
		double score = 0;

		for (t = 0; t < b->n_tight; t++) {
			size_t j = b->tight[t], cn = b->cand_n[j];
			double sum = b->cand_sum[j], sq = b->cand_sq[j];

			if (j == lv->pf)
				continue;
			/* j's candidates without the completion's items */
			for (c = 0; c < lv->found_w; c++)
				for (uint64_t x = w[c]; x; x &= x - 1) {
					size_t it = lv->cand[c * 64 +
						    (size_t)__builtin_ctzll(x)];
					double d = (double)p->items[it].d;

					if (!(b->takers[it] >> j & 1))
						continue;
					cn--;
					sum -= d;
					sq -= d * d;
				}
			score += log(completions_guess(
					     b, j,
					     b->remd - lv->found_s[q] -
						     (absorb - b->absorb[j]),
					     b->remn - lv->found_k[q] -
						     (count - b->count[j]),
					     cn, sum, sq) +
				     1e-3);
			p->steps += (uint64_t)p->vfs[j] / 4 + 1 + lv->nc / 16;
		}
		if (b->random)
			score += (double)(bc_rnd(b) % 1024) / 1024 * ORDER_NOISE;
		lv->found_score[q] = score;
		/* by score, best first: insertion */
		for (t = q; t > 0 && lv->found_score[lv->found_order[t - 1]] <
					     score;
		     t--)
			lv->found_order[t] = lv->found_order[t - 1];
		lv->found_order[t] = q;
	}
	for (t = 0; t < lv->n_found; t++) {
		const uint64_t *w;

		q = lv->found_order[t];
		w = lv->found + q * lv->found_w;
		for (c = 0; c < lv->nc; c++)
			lv->take[c] = w[c / 64] >> (c % 64) & 1;
		if (close_pf(b, lv, depth, lv->found_s[q], lv->found_k[q]))
			return 1;
		if (halted(b))
			return 0;
	}
	return 0;
}

/*
 * The completions of the PF set up in lv: all found first and tried best
 * first when it is guessed to have few, else depth-first as found.
 */
static int close_one(struct bc *b, struct level *lv, size_t depth)
{
	if (b->chosen_guess <= ORDER_GUESS) {
		lv->n_found = 0;
		b->collect = 1;
		extend(b, lv, depth, 0, 0, 0);
		b->collect = 0;
		if (!b->collect_out)
			return !b->stop && close_best_first(b, lv, depth);
		/* too many to hold: as they come */
		b->collect_out = 0;
		memset(lv->take, 0, lv->nc);
	}
	return extend(b, lv, depth, 0, 0, 0);
}

/* Close PF j, chosen for the node. */
static int close_chosen(struct bc *b, struct level *lv, size_t depth, size_t j)
{
	/* the last PF counted is still set up (but a count that stopped at
	 * its second completion left it marked) */
	if (lv->pf != j)
		setup_level(b, lv, j);
	else
		memset(lv->take, 0, lv->nc);
	return close_one(b, lv, depth);
}

/*
 * The node as an exact cover (placement_cover.c), within the whole budget:
 * a run's end would only have the next run do it again.  1, 0 (a proof),
 * 2 (undecided), -EAGAIN, -ENOMEM.
 */
static int cover(struct bc *b)
{
	struct kr_pl *p = b->p;
	int64_t spare = -(b->remd / p->unit);
	size_t j;

	if (!b->cover) {
		b->cover = kr_pl_cover_new(p, COVER_FIRST_STEPS,
					   COVER_LAZY_STEPS);
		if (!b->cover)
			return -ENOMEM;
	}
	for (j = 0; j < p->m; j++)
		if (b->open >> j & 1)
			spare += p->cap[j] / p->unit;
	return kr_pl_cover_node(b->cover, b->rem, b->open, b->takers, spare,
				p->budget);
}

/*
 * Close PF j of a node of few fills as bin completion does, for up to
 * COVER_AFTER steps, which decide most such nodes; if that does not, the
 * node is searched as an exact cover, or, when it has too many fills for
 * that, by bin completion again (what it proved stays remembered).
 */
static int close_or_cover(struct bc *b, struct level *lv, size_t depth,
			  size_t j)
{
	uint64_t limit = b->limit;
	int found, r;

	b->escalated = 1;
	if (b->p->steps + COVER_AFTER < limit)
		b->limit = b->p->steps + COVER_AFTER;
	found = close_chosen(b, lv, depth, j);
	b->escalated = 0;
	if (found || !b->stop || b->nomem || b->limit == limit) {
		b->limit = limit;
		return found;
	}
	b->limit = limit;
	b->stop = 0;
	/* the children's bounds took the place of the node's */
	node_bounds(b);
	r = cover(b);
	if (r == 2) {
		j = choose_pf(b, lv, depth);
		return j == SIZE_MAX ? 0 : close_chosen(b, lv, depth, j);
	}
	if (r < 0) {
		b->nomem = r == -ENOMEM;
		b->stop = 1;
		return 0;
	}
	return r;
}

static int bc_node(struct bc *b, size_t depth)
{
	const struct kr_pl *p = b->p;
	struct level *lv = &b->lv[depth];
	size_t j;
	int found = 0;

	if (!b->remn)
		return 1;
	if (budget_out(b) || !b->open)
		return 0;
	/* what a node costs whatever its size (its key, the guesses):
	 * without it a step of the small searches took 30 ns, not 20 */
	b->p->steps += 8;
	if (!node_bounds(b))
		return 0;
	make_key(b);
	if (memo_probe(&b->memo, b->key, 0))
		return 0;
	if (level_alloc(b, lv) < 0) {
		b->nomem = 1;
		b->stop = 1;
		return 0;
	}
	j = choose_pf(b, lv, depth);
	if (j != SIZE_MAX && !b->escalated && b->guess_all <= COVER_GUESS &&
	    p->n <= COVER_PER_PF * p->m &&
	    __builtin_popcountll(b->open) >= COVER_MIN_PFS)
		found = close_or_cover(b, lv, depth, j);
	else if (j != SIZE_MAX)
		found = close_chosen(b, lv, depth, j);
	if (!found && !b->stop) {
		/* the children overwrote the key: rebuild it */
		make_key(b);
		memo_probe(&b->memo, b->key, 1);
	}
	return found;
}

/* 1, 1, 2, 1, 1, 2, 4, ...: the run lengths of a restart schedule. */
static uint64_t luby(uint64_t i)
{
	uint64_t k = 1;

	while (((1ull << k) - 1) < i + 1)
		k++;
	while (i + 1 != (1ull << k) - 1) {
		i -= (1ull << (k - 1)) - 1;
		k = 1;
		while (((1ull << k) - 1) < i + 1)
			k++;
	}
	return 1ull << (k - 1);
}

/*
 * Runs of the search: a first one in the fixed order, then restarts in the
 * other order of items, with ties between PFs broken at random, for
 * RESTART_UNIT times the Luby sequence steps each, until one finds an
 * assignment, one ends without being cut (a proof: every run is complete
 * but for its limit), or the budget is spent.
 * Failed nodes stay remembered from run to run: each was proven.
 */
static int search_runs(struct bc *b)
{
	struct kr_pl *p = b->p;
	uint64_t left;
	int found;

	for (;; b->run++) {
		uint64_t slice = b->run ? RESTART_UNIT * luby(b->run - 1)
					: FIRST_RUN;

		b->random = b->run > 0;
		b->stop = 0;
		left = p->budget > p->steps ? p->budget - p->steps : 0;
		b->limit = p->steps + (left < slice ? left : slice);
		found = bc_node(b, 0);
		if (b->nomem)
			return -ENOMEM;
		if (found)
			return 1;
		if (!b->stop) {
			p->proven = true;
			return 0;
		}
		if (p->steps >= p->budget) {
			/* a later call starts the next run */
			b->run++;
			p->cut_off = true;
			return 0;
		}
	}
}

struct kr_pl_search {
	struct bc b;
};

void kr_pl_search_free(struct kr_pl_search *s)
{
	struct bc *b;
	size_t d;

	if (!s)
		return;
	b = &s->b;
	if (b->lv)
		for (d = 0; d <= b->p->m; d++) {
			free(b->lv[d].cand);	/* the level's one block */
			free(b->lv[d].sums2);
			free(b->lv[d].suffix);
		}
	free(b->lv);
	kr_pl_cover_free(b->cover);
	free(b->rem);
	free(b->lb);
	free(b->takers);
	free(b->absorb);
	free(b->count);
	free(b->cand_sum);
	free(b->cand_sq);
	free(b->cand_n);
	free(b->scratch);
	free(b->memo.keys);
	free(b->memo.full);
	free(b->key);
	free(s);
}

struct kr_pl_search *kr_pl_search_new(struct kr_pl *p, uint64_t steps)
{
	struct kr_pl_search *s = calloc(1, sizeof(*s));
	size_t n = p->n, m = p->m, i;
	struct bc *b;

	if (!s)
		return NULL;
	b = &s->b;
	b->p = p;
	b->nw = (n + 63) / 64;
	b->rem = calloc(b->nw + 1, sizeof(*b->rem));
	b->lb = calloc(m + 1, sizeof(*b->lb));
	b->takers = calloc(n + 1, sizeof(*b->takers));
	b->absorb = calloc(m + 1, sizeof(*b->absorb));
	b->count = calloc(m + 1, sizeof(*b->count));
	b->cand_sum = calloc(m + 1, sizeof(*b->cand_sum));
	b->cand_sq = calloc(m + 1, sizeof(*b->cand_sq));
	b->cand_n = calloc(m + 1, sizeof(*b->cand_n));
	b->scratch = calloc(n + 1, sizeof(*b->scratch));
	b->lv = calloc(m + 1, sizeof(*b->lv));
	/*
	 * A slot per 32 steps it may take, within limits: a search node
	 * costs more than that, and dives and repair make hundreds of
	 * small searches, each with its table (one per eight steps made
	 * their allocations a tenth of the time).
	 */
	b->memo.slots = MEMO_MIN;
	while (b->memo.slots < MEMO_MAX && b->memo.slots * 32 < steps)
		b->memo.slots *= 2;
	b->lb_bits = n + 1 < 65536 ? 16 : 32;
	b->memo.key_len =
		b->nw + 1 + (m + 64 / b->lb_bits - 1) / (64 / b->lb_bits);
	b->key = calloc(b->memo.key_len, sizeof(*b->key));
	if (!b->rem || !b->lb || !b->takers || !b->absorb || !b->count ||
	    !b->cand_sum || !b->cand_sq || !b->cand_n || !b->scratch ||
	    !b->lv || !b->key) {
		kr_pl_search_free(s);
		return NULL;
	}
	/* charge the setting up: dives and repair make hundreds of small
	 * searches, and their allocations are what a step is worth */
	p->steps += (n + m) / 8 + 32;
	for (i = 0; i < n; i++) {
		b->rem[i / 64] |= 1ull << (i % 64);
		b->remd += p->items[i].d;
	}
	b->remn = (int64_t)n;
	b->open = m >= 64 ? ~0ull : (1ull << m) - 1;
	b->rng = 0x62632d72756e73ull;
	return s;
}

int kr_pl_search_run(struct kr_pl_search *s)
{
	s->b.p->cut_off = false;
	return search_runs(&s->b);
}

int kr_pl_complete(struct kr_pl *p)
{
	struct kr_pl_search *s = kr_pl_search_new(
		p, p->budget > p->steps ? p->budget - p->steps : 0);
	int found;

	if (!s)
		return -ENOMEM;
	found = kr_pl_search_run(s);
	kr_pl_search_free(s);
	return found;
}

int kr_pl_complete_part(struct kr_pl *p, const size_t *bins, size_t k,
			const uint8_t *in, uint64_t budget, size_t *choice)
{
	struct kr_pl sub = { .m = k, .policy = p->policy, .unit = p->unit };
	size_t i, j, t, q, n = 0;
	int found = -ENOMEM;

	for (i = 0; i < p->n; i++)
		n += !!in[i];
	p->steps += (p->n + n) / 8;	/* charge the setting up */
	sub.n = n;
	sub.budget = budget;
	sub.items = calloc(n + 1, sizeof(*sub.items));
	sub.cap = calloc(k + 1, sizeof(*sub.cap));
	sub.vfs = calloc(k + 1, sizeof(*sub.vfs));
	sub.type = calloc(k + 1, sizeof(*sub.type));
	sub.choice = calloc(n + 1, sizeof(*sub.choice));
	if (!sub.items || !sub.cap || !sub.vfs || !sub.type || !sub.choice)
		goto out;
	/* the items in their order (by decreasing demand); iface: index */
	for (i = 0, q = 0; i < p->n; i++) {
		uint64_t elig = 0;

		if (!in[i])
			continue;
		for (t = 0; t < k; t++)
			if (p->items[i].elig >> bins[t] & 1)
				elig |= 1ull << t;
		sub.items[q].iface = i;
		sub.items[q].d = p->items[i].d;
		sub.items[q].elig = elig;
		q++;
	}
	for (i = n; i-- > 0;)
		sub.items[i].run_end =
			i + 1 < n && sub.items[i + 1].d == sub.items[i].d &&
					sub.items[i + 1].elig == sub.items[i].elig
				? sub.items[i + 1].run_end
				: i + 1;
	for (t = 0; t < k; t++) {
		sub.cap[t] = p->cap[bins[t]];
		sub.vfs[t] = p->vfs[bins[t]];
		sub.type[t] = (unsigned int)t;
		for (j = 0; j < t; j++)
			if (p->type[bins[j]] == p->type[bins[t]]) {
				sub.type[t] = sub.type[j];
				break;
			}
	}
	found = kr_pl_complete(&sub);
	p->steps += sub.steps;
	if (found == 1)
		for (i = 0; i < n; i++)
			choice[sub.items[i].iface] = bins[sub.choice[i]];
out:
	free(sub.items);
	free(sub.cap);
	free(sub.vfs);
	free(sub.type);
	free(sub.choice);
	return found;
}
