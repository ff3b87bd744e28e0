/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The placement solver's entry points: the request prepared once for many
 * nodes, one node's problem set up from it, the order of the methods
 * (greedy, bounds, repair, bin completion), explanations and the score.
 * See placement.h for the rule and docs/placement.md for the algorithm.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "placement.h"
#include "placement_solver.h"

static _Atomic uint64_t cutoffs;

uint64_t kr_place_cutoffs(void)
{
	return atomic_load(&cutoffs);
}

int kr_policy_parse(const char *name, enum kr_policy *ret)
{
	if (!strcmp(name, "binpack"))
		*ret = KR_POLICY_BINPACK;
	else if (!strcmp(name, "spread"))
		*ret = KR_POLICY_SPREAD;
	else
		return -EINVAL;
	return 0;
}

const char *kr_policy_name(enum kr_policy policy)
{
	return policy == KR_POLICY_SPREAD ? "spread" : "binpack";
}

/* ---- the prepared request ---- */

struct kr_place_req {
	const struct kr_request *req;	/* the caller's */
	enum kr_policy policy;
	uint64_t budget;
	size_t n;
	size_t *order;		/* n: interfaces by decreasing min_tx_rate,
				 * then pin and ceiling */
	size_t *sig;		/* n, in that order: the interface's kind
				 * (pin, ceiling, reserves or not), which
				 * decides its PFs on every node */
	size_t n_sig;
	size_t *sig_rep;	/* n_sig: an interface of each kind */
	int64_t unit;		/* gcd of the non-zero reservations */
};

static int same_kind(const struct kr_iface_req *a, const struct kr_iface_req *b)
{
	return a->max_tx_rate == b->max_tx_rate && !a->min_tx_rate == !b->min_tx_rate &&
	       !strcmp(a->pf, b->pf);
}

static int cmp_ifaces(const void *pa, const void *pb, void *ctx)
{
	const struct kr_request *req = ctx;
	const struct kr_iface_req *a = &req->ifaces[*(const size_t *)pa];
	const struct kr_iface_req *b = &req->ifaces[*(const size_t *)pb];
	int c;

	if (a->min_tx_rate != b->min_tx_rate)
		return a->min_tx_rate > b->min_tx_rate ? -1 : 1;
	c = strcmp(a->pf, b->pf);
	if (c)
		return c;
	if (a->max_tx_rate != b->max_tx_rate)
		return a->max_tx_rate < b->max_tx_rate ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

static int64_t gcd64(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

void kr_place_req_free(struct kr_place_req *pr)
{
	if (!pr)
		return;
	free(pr->order);
	free(pr->sig);
	free(pr->sig_rep);
	free(pr);
}

int kr_place_prepare(const struct kr_request *req,
		     const struct kr_place_opts *opts,
		     struct kr_place_req **ret, struct kr_err *err)
{
	struct kr_place_req *pr = calloc(1, sizeof(*pr));
	size_t i, k;

	if (!pr)
		return kr_err_set(err, -ENOMEM, "out of memory");
	pr->req = req;
	pr->n = req->n;
	pr->policy = opts ? opts->policy : KR_POLICY_BINPACK;
	pr->budget = opts && opts->budget ? opts->budget
					  : KR_PLACE_BUDGET_DEFAULT;
	pr->order = calloc(req->n + 1, sizeof(*pr->order));
	pr->sig = calloc(req->n + 1, sizeof(*pr->sig));
	pr->sig_rep = calloc(req->n + 1, sizeof(*pr->sig_rep));
	if (!pr->order || !pr->sig || !pr->sig_rep) {
		kr_place_req_free(pr);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < req->n; i++) {
		pr->order[i] = i;
		if (req->ifaces[i].min_tx_rate)
			pr->unit = gcd64(pr->unit, req->ifaces[i].min_tx_rate);
	}
	if (!pr->unit)
		pr->unit = 1;
	qsort_r(pr->order, req->n, sizeof(*pr->order), cmp_ifaces,
		(void *)req);
	for (i = 0; i < req->n; i++) {
		const struct kr_iface_req *r = &req->ifaces[pr->order[i]];

		for (k = 0; k < pr->n_sig; k++)
			if (same_kind(r, &req->ifaces[pr->sig_rep[k]]))
				break;
		if (k == pr->n_sig)
			pr->sig_rep[pr->n_sig++] = pr->order[i];
		pr->sig[i] = k;
	}
	*ret = pr;
	return 0;
}

/* ---- one node's problem ---- */

static int64_t pf_free_bw(const struct kr_inv_pf *pf)
{
	return (int64_t)pf->capacity_mbps - (int64_t)pf->reserved_mbps;
}

static int find_pf(const struct kr_inventory *inv, const char *name)
{
	size_t j;

	for (j = 0; j < inv->n_pfs; j++)
		if (!strcmp(inv->pfs[j].name, name))
			return (int)j;
	return -1;
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
		     const struct kr_place_req *pr, size_t j)
{
	size_t k;

	for (k = 0; k < pr->n_sig; k++)
		if (!strcmp(pr->req->ifaces[pr->sig_rep[k]].pf,
			    inv->pfs[j].name))
			return 1;
	return 0;
}

/*
 * PFs are of one type when no pin names them and their link speeds and
 * reservation support match (then every interface may go to both or to
 * neither).  type[j] is the lowest index of j's type.
 */
static void assign_types(struct kr_pl *p, const struct kr_inventory *inv,
			 const struct kr_place_req *pr)
{
	uint8_t pinned[KR_PLACE_MAX_PFS];
	size_t j, k;

	for (j = 0; j < p->m; j++) {
		pinned[j] = (uint8_t)pf_pinned(inv, pr, j);
		p->type[j] = (unsigned int)j;
		if (pinned[j])
			continue;
		for (k = 0; k < j; k++)
			if (p->type[k] == k && !pinned[k] &&
			    inv->pfs[k].link_speed_mbps ==
				    inv->pfs[j].link_speed_mbps &&
			    inv->pfs[k].min_rate_supported ==
				    inv->pfs[j].min_rate_supported) {
				p->type[j] = (unsigned int)k;
				break;
			}
	}
}

static void pl_free(struct kr_pl *p)
{
	free(p->items);
	free(p->cap);
	free(p->vfs);
	free(p->type);
	free(p->choice);
}

static int pl_init(struct kr_pl *p, const struct kr_place_req *pr,
		   const struct kr_inventory *inv)
{
	uint64_t sig_elig[64], *elig = sig_elig;
	size_t m = inv->n_pfs, n = pr->n, i, j;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->n = n;
	p->policy = pr->policy;
	p->budget = pr->budget;
	p->unit = pr->unit;
	p->items = calloc(n + 1, sizeof(*p->items));
	p->cap = calloc(m + 1, sizeof(*p->cap));
	p->vfs = calloc(m + 1, sizeof(*p->vfs));
	p->type = calloc(m + 1, sizeof(*p->type));
	p->choice = calloc(n + 1, sizeof(*p->choice));
	if (pr->n_sig > 64)
		elig = calloc(pr->n_sig, sizeof(*elig));
	if (!p->items || !p->cap || !p->vfs || !p->type || !p->choice ||
	    !elig) {
		if (elig != sig_elig)
			free(elig);
		return -ENOMEM;
	}
	for (i = 0; i < pr->n_sig; i++)
		elig[i] = eligibility(inv, &pr->req->ifaces[pr->sig_rep[i]]);
	for (i = 0; i < n; i++) {
		struct kr_pl_item *it = &p->items[i];

		it->iface = pr->order[i];
		it->d = pr->req->ifaces[it->iface].min_tx_rate;
		it->elig = elig[pr->sig[i]];
	}
	for (i = n; i-- > 0;) {
		struct kr_pl_item *it = &p->items[i];

		it->run_end = i + 1 < n && it[1].d == it->d &&
				      it[1].elig == it->elig
				      ? it[1].run_end
				      : i + 1;
	}
	for (j = 0; j < m; j++) {
		int64_t bw = pf_free_bw(&inv->pfs[j]);

		/* demands are multiples of the unit, so are their sums */
		p->cap[j] = bw < 0 ? 0 : bw / p->unit * p->unit;
		p->vfs[j] = bw < 0 ? 0 : inv->pfs[j].vfs_free;
	}
	assign_types(p, inv, pr);
	if (elig != sig_elig)
		free(elig);
	return 0;
}

/* Interfaces per PF up to which the exact search takes the whole budget. */
#define EXACT_ONLY_PER_PF 8

/* The share of the PFs' bandwidth that the items leave unused. */
static double spare(const struct kr_pl *p)
{
	int64_t cap = 0, d = 0;
	size_t i;

	for (i = 0; i < p->m; i++)
		cap += p->cap[i];
	for (i = 0; i < p->n; i++)
		d += p->items[i].d;
	return cap > 0 ? (double)(cap - d) / (double)cap : 0;
}

/*
 * Greedy in the policy's order, then in the other; then the bounds; two
 * PFs by subset sums; then the exact search alone for few interfaces per
 * PF, else a short exact search, dives, repair and the exact search
 * resumed.  1 found (p->choice), 0 not (p->proven or p->cut_off), -ENOMEM.
 */
static int solve(struct kr_pl *p)
{
	uint64_t total = p->budget, left;
	struct kr_pl_search *search = NULL;
	int r;

	if (kr_pl_greedy(p, p->policy) || kr_pl_greedy(p, !p->policy))
		return 1;
	r = kr_pl_bounds(p);
	if (r <= 0)
		return r;
	r = kr_pl_pair(p);
	if (r != 2)
		return r;
	/*
	 * With at most 8 interfaces per PF and next to no bandwidth to
	 * spare, packings are few (near the phase transition of number
	 * partitioning, about one) and random constructions rarely meet
	 * one: the exact search takes the whole budget.  (With 0.2 % to
	 * spare, dives find most packings.)
	 */
	if (p->n <= EXACT_ONLY_PER_PF * p->m && spare(p) <= 0.0005)
		return kr_pl_complete(p);
	left = total > p->steps ? total - p->steps : 0;
	search = kr_pl_search_new(p, left);
	if (!search)
		return -ENOMEM;
	/* a short exact search settles few interfaces and most proofs */
	p->budget = p->steps + left / 16;
	r = kr_pl_search_run(search);
	if (r || p->proven)
		goto out;
	if (p->steps >= total)
		goto out;
	/* dives and repair find packings where there are many */
	p->cut_off = false;
	p->budget = p->steps + (total - p->steps) / 3;
	r = kr_pl_dive(p);
	if (r)
		goto out;
	p->budget = p->steps + (total - p->steps) / 2;
	r = kr_pl_repair(p);
	if (r)
		goto out;
	/* the exact search goes on where it stopped, with what it proved */
	p->budget = total;
	if (p->steps >= total) {
		p->cut_off = true;
		goto out;
	}
	r = kr_pl_search_run(search);
out:
	kr_pl_search_free(search);
	p->budget = total;
	return r;
}

/* ---- explanations ---- */

/* The PF a user would look at first: most unreserved bandwidth. */
static const struct kr_inv_pf *best_pf(const struct kr_inventory *inv,
				       uint64_t mask)
{
	const struct kr_inv_pf *best = NULL;
	size_t j;

	for (j = 0; j < inv->n_pfs; j++) {
		const struct kr_inv_pf *pf = &inv->pfs[j];

		if (!(mask >> j & 1))
			continue;
		if (!best || pf_free_bw(pf) > pf_free_bw(best) ||
		    (pf_free_bw(pf) == pf_free_bw(best) &&
		     pf->vfs_free > best->vfs_free))
			best = pf;
	}
	return best;
}

static long long unreserved(const struct kr_inv_pf *pf)
{
	int64_t bw = pf_free_bw(pf);

	return bw < 0 ? 0 : (long long)bw;
}

/* Does PF 'pin' (or any PF, when -1) keep min_tx_rate? */
static int reserving_pf(const struct kr_inventory *inv, int pin)
{
	size_t j;

	for (j = 0; j < inv->n_pfs; j++)
		if ((pin < 0 || (size_t)pin == j) &&
		    inv->pfs[j].min_rate_supported)
			return 1;
	return 0;
}

/*
 * Why the request was not placed: the first reason a user can act on, or,
 * when the search was cut off, that it is undecided.
 */
static void explain(const struct kr_inventory *inv,
		    const struct kr_request *req, const struct kr_pl *p,
		    char *out, size_t size)
{
	const struct kr_inv_pf *best;
	uint64_t all = inv->n_pfs >= 64 ? ~0ull : (1ull << inv->n_pfs) - 1;
	long long free_bw = 0, need = (long long)kr_request_reserved(req);
	unsigned long long free_vfs = 0;
	size_t i, j;

	if (p && p->cut_off) {
		snprintf(out, size,
			 "undecided: needs %zu VFs with %lld Mb/s reserved; "
			 "the search found neither a packing onto the free "
			 "VFs nor a proof that none exists within %llu steps "
			 "(not placed here, though the node may have room)",
			 req->n, need, (unsigned long long)p->steps);
		return;
	}
	for (i = 0; i < req->n; i++) {
		const struct kr_iface_req *r = &req->ifaces[i];
		int pin = r->pf[0] ? find_pf(inv, r->pf) : -1;

		if (r->pf[0] && pin < 0) {
			snprintf(out, size,
				 "interface %zu is pinned to PF %s, which "
				 "node %s does not have", i, r->pf, inv->node);
			return;
		}
		if (!eligibility(inv, r) && r->min_tx_rate &&
		    !reserving_pf(inv, pin)) {
			if (pin >= 0)
				snprintf(out, size, "interface %zu reserves "
					 "min_tx_rate %u Mb/s, but PF %s "
					 "cannot guarantee reservations", i,
					 r->min_tx_rate, r->pf);
			else
				snprintf(out, size, "interface %zu reserves "
					 "min_tx_rate %u Mb/s, but no PF of "
					 "node %s can guarantee reservations",
					 i, r->min_tx_rate, inv->node);
			return;
		}
		if (!eligibility(inv, r)) {
			best = pin >= 0 ? &inv->pfs[pin] : NULL;
			for (j = 0; pin < 0 && j < inv->n_pfs; j++)
				if (!best || inv->pfs[j].link_speed_mbps >
						     best->link_speed_mbps)
					best = &inv->pfs[j];
			if (best)
				snprintf(out, size,
					 "interface %zu asks max_tx_rate %u "
					 "Mb/s, above the link speed of %s "
					 "(%u Mb/s)%s", i, r->max_tx_rate,
					 best->name, best->link_speed_mbps,
					 pin >= 0 ? "" : ", the fastest PF");
			else
				snprintf(out, size, "node %s has no PFs",
					 inv->node);
			return;
		}
	}
	for (j = 0; j < inv->n_pfs; j++) {
		free_vfs += inv->pfs[j].vfs_free;
		free_bw += unreserved(&inv->pfs[j]);
	}
	best = best_pf(inv, all);
	if (!best) {
		snprintf(out, size, "node %s has no PFs", inv->node);
		return;
	}
	if (req->n > free_vfs) {
		snprintf(out, size,
			 "needs %zu VFs; the node has %llu free (best PF %s "
			 "has %u)", req->n, free_vfs, best->name,
			 best->vfs_free);
		return;
	}
	if (need > free_bw) {
		snprintf(out, size,
			 "needs %lld Mb/s reserved; the node has %lld Mb/s "
			 "unreserved (best PF %s has %lld)", need, free_bw,
			 best->name, unreserved(best));
		return;
	}
	/* pinned interfaces against their PF */
	for (j = 0; j < inv->n_pfs; j++) {
		long long pinned_bw = 0;
		size_t pinned = 0;

		for (i = 0; i < req->n; i++)
			if (!strcmp(req->ifaces[i].pf, inv->pfs[j].name)) {
				pinned++;
				pinned_bw += req->ifaces[i].min_tx_rate;
			}
		if (pinned && (pinned > inv->pfs[j].vfs_free ||
			       pinned_bw > unreserved(&inv->pfs[j]))) {
			snprintf(out, size,
				 "%zu interface%s pinned to %s need%s %zu "
				 "VFs with %lld Mb/s reserved; %s has %u free "
				 "VFs and %lld Mb/s unreserved", pinned,
				 pinned == 1 ? "" : "s", inv->pfs[j].name,
				 pinned == 1 ? "s" : "", pinned, pinned_bw,
				 inv->pfs[j].name, inv->pfs[j].vfs_free,
				 unreserved(&inv->pfs[j]));
			return;
		}
	}
	/* the largest interface against the PFs it may use */
	for (i = 0; i < req->n; i++) {
		const struct kr_iface_req *r = &req->ifaces[i];
		const struct kr_inv_pf *b = best_pf(inv, eligibility(inv, r));

		if (b && (int64_t)r->min_tx_rate > unreserved(b)) {
			snprintf(out, size,
				 "interface %zu needs %u Mb/s reserved; best "
				 "PF %s has %lld Mb/s unreserved", i,
				 r->min_tx_rate, b->name, unreserved(b));
			return;
		}
	}
	snprintf(out, size,
		 "needs %zu VFs with %lld Mb/s reserved, which do not pack "
		 "onto the free VFs; best PF %s has %u free VFs and %lld Mb/s "
		 "unreserved", req->n, need, best->name, best->vfs_free,
		 unreserved(best));
}

/* ---- score ---- */

/*
 * Utilisation of the node after the placement: the mean of the reserved
 * share of capacity and the used share of VFs (each only when the node
 * has any).  binpack scores round(10 * u), spread round(10 * (1 - u)), so
 * binpack prefers the fullest node that still fits and spread the
 * emptiest.
 */
int kr_placement_score(const struct kr_inventory *inv,
		       const struct kr_request *req, enum kr_policy policy)
{
	double cap = 0, used_bw = (double)kr_request_reserved(req);
	double vfs = 0, used_vfs = (double)req->n, u = 0;
	int parts = 0, score;
	size_t j;

	for (j = 0; j < inv->n_pfs; j++) {
		cap += inv->pfs[j].capacity_mbps;
		used_bw += (double)inv->pfs[j].reserved_mbps;
		vfs += inv->pfs[j].vfs_total;
		used_vfs += inv->pfs[j].vfs_total - inv->pfs[j].vfs_free;
	}
	if (cap > 0) {
		u += used_bw / cap > 1 ? 1 : used_bw / cap;
		parts++;
	}
	if (vfs > 0) {
		u += used_vfs / vfs > 1 ? 1 : used_vfs / vfs;
		parts++;
	}
	if (parts)
		u /= parts;
	score = (int)(10 * (policy == KR_POLICY_SPREAD ? 1 - u : u) + 0.5);
	return score < 0 ? 0 : score > 10 ? 10 : score;
}

/* ---- entry points ---- */

int kr_place_node(const struct kr_place_req *pr,
		  const struct kr_inventory *inv, struct kr_placement *ret,
		  struct kr_err *err)
{
	const struct kr_request *req = pr->req;
	struct kr_pl p;
	size_t i;
	int found;

	memset(ret, 0, sizeof(*ret));
	if (inv->n_pfs > KR_PLACE_MAX_PFS)
		return kr_err_set(err, -EINVAL,
				  "node %s has %zu PFs; placement handles at "
				  "most %d", inv->node, inv->n_pfs,
				  KR_PLACE_MAX_PFS);
	ret->n = req->n;
	if (pl_init(&p, pr, inv) < 0)
		goto out_nomem;
	found = solve(&p);
	if (found < 0)
		goto out_nomem;
	ret->steps = p.steps;
	ret->cut_off = !found && p.cut_off;
	if (ret->cut_off)
		atomic_fetch_add(&cutoffs, 1);
	if (found) {
		ret->pf = calloc(req->n + 1, sizeof(*ret->pf));
		if (!ret->pf)
			goto out_nomem;
		for (i = 0; i < req->n; i++)
			ret->pf[p.items[i].iface] = p.choice[i];
		ret->fits = true;
		ret->score = kr_placement_score(inv, req, pr->policy);
	} else {
		explain(inv, req, &p, ret->reason, sizeof(ret->reason));
	}
	pl_free(&p);
	return 0;

out_nomem:
	pl_free(&p);
	kr_placement_clear(ret);
	return kr_err_set(err, -ENOMEM, "out of memory");
}

int kr_place(const struct kr_inventory *inv, const struct kr_request *req,
	     const struct kr_place_opts *opts, struct kr_placement *ret,
	     struct kr_err *err)
{
	struct kr_place_req *pr;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = kr_place_prepare(req, opts, &pr, err);
	if (r < 0)
		return r;
	r = kr_place_node(pr, inv, ret, err);
	kr_place_req_free(pr);
	return r;
}

int kr_placement_check(const struct kr_inventory *inv,
		       const struct kr_request *req, const size_t *pf,
		       struct kr_err *err)
{
	size_t i, j;

	for (i = 0; i < req->n; i++) {
		if (pf[i] >= inv->n_pfs)
			return kr_err_set(err, -EINVAL,
					  "interface %zu: no PF %zu on node %s",
					  i, pf[i], inv->node);
		if (!(eligibility(inv, &req->ifaces[i]) >> pf[i] & 1))
			return kr_err_set(err, -EINVAL,
					  "interface %zu may not go to PF %s",
					  i, inv->pfs[pf[i]].name);
	}
	for (j = 0; j < inv->n_pfs; j++) {
		int64_t bw = 0;
		uint64_t vfs = 0;

		for (i = 0; i < req->n; i++)
			if (pf[i] == j) {
				vfs++;
				bw += req->ifaces[i].min_tx_rate;
			}
		if (vfs > inv->pfs[j].vfs_free)
			return kr_err_set(err, -EINVAL,
					  "PF %s: %llu interfaces, %u free VFs",
					  inv->pfs[j].name,
					  (unsigned long long)vfs,
					  inv->pfs[j].vfs_free);
		if (vfs && bw > pf_free_bw(&inv->pfs[j]))
			return kr_err_set(err, -EINVAL,
					  "PF %s: %lld Mb/s to reserve, %lld "
					  "unreserved", inv->pfs[j].name,
					  (long long)bw,
					  (long long)pf_free_bw(&inv->pfs[j]));
	}
	return 0;
}

void kr_placement_clear(struct kr_placement *p)
{
	free(p->pf);
	p->pf = NULL;
}
