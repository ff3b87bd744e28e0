/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The placement solver: the paper's examples, pins, policies, scores,
 * explanations, and a property test against brute force.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "placement.h"
#include "placement_solver.h"

struct pf_spec {
	const char *name;
	uint32_t capacity, reserved, vfs_free, vfs_total, speed;
};

static struct kr_inventory *node(const struct pf_spec *pfs, size_t n)
{
	struct kr_inventory *inv = kr_inventory_new("node-a");
	size_t j;

	for (j = 0; j < n; j++) {
		struct kr_inv_pf *pf = kr_inventory_add_pf(inv, pfs[j].name, 0);

		pf->capacity_mbps = pfs[j].capacity;
		pf->reserved_mbps = pfs[j].reserved;
		pf->vfs_free = pfs[j].vfs_free;
		pf->vfs_total = pfs[j].vfs_total ? pfs[j].vfs_total
						 : pfs[j].vfs_free;
		pf->link_speed_mbps = pfs[j].speed;
	}
	return inv;
}

static struct kr_request *request(const char *json)
{
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };

	if (kr_request_parse(json, strlen(json), 1000, &req, &err) < 0)
		fail_msg("%s", err.msg);
	return req;
}

/* Place; check any assignment against the rule; return fits. */
static int place(const struct kr_inventory *inv, const struct kr_request *req,
		 enum kr_policy policy, struct kr_placement *p)
{
	struct kr_place_opts opts = { .policy = policy };
	struct kr_err err = { 0 };

	assert_int_equal(kr_place(inv, req, &opts, p, &err), 0);
	if (p->fits && kr_placement_check(inv, req, p->pf, &err) < 0)
		fail_msg("invalid assignment: %s", err.msg);
	if (!p->fits)
		assert_true(p->reason[0]);
	return p->fits;
}

static int fits(const struct pf_spec *pfs, size_t n, const char *json,
		char *reason, size_t size)
{
	struct kr_inventory *inv = node(pfs, n);
	struct kr_request *req = request(json);
	struct kr_placement p;
	int r = place(inv, req, KR_POLICY_BINPACK, &p);

	if (reason)
		snprintf(reason, size, "%s", p.reason);
	kr_placement_clear(&p);
	kr_request_free(req);
	kr_inventory_free(inv);
	return r;
}

static const char two_100g[] =
	"[{\"min_tx_rate\": 100000}, {\"min_tx_rate\": 100000}]";

static void test_paper_examples(void **state)
{
	const struct pf_spec one_200[] = { { "p0", 200000, 0, 8, 0, 200000 } };
	const struct pf_spec two_100[] = { { "p0", 100000, 0, 8, 0, 100000 },
					   { "p1", 100000, 0, 8, 0, 100000 } };
	const struct pf_spec short_[] = { { "p0", 100000, 0, 8, 0, 100000 },
					  { "p1", 100000, 1000, 8, 0, 100000 } };
	char why[512];

	assert_true(fits(one_200, 1, two_100g, NULL, 0));
	assert_true(fits(two_100, 2, two_100g, NULL, 0));
	assert_false(fits(short_, 2, two_100g, why, sizeof(why)));
	assert_string_equal(why, "needs 200000 Mb/s reserved; the node has "
				 "199000 Mb/s unreserved (best PF p0 has "
				 "100000)");
}

static void test_sixty_on_two(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 100000, 0, 32, 0, 100000 },
				       { "p1", 100000, 0, 32, 0, 100000 } };
	char req[4096] = "[", why[512];
	int i;

	for (i = 0; i < 60; i++)
		strcat(req, i ? ",{\"min_tx_rate\": 3300}"
			      : "{\"min_tx_rate\": 3300}");
	strcat(req, "]");
	assert_true(fits(pfs, 2, req, NULL, 0));
	/* 3400 * 60 = 204000 > 200000 */
	for (char *p = req; (p = strstr(p, "3300")); p++)
		memcpy(p, "3400", 4);
	assert_false(fits(pfs, 2, req, why, sizeof(why)));
	assert_string_equal(why, "needs 204000 Mb/s reserved; the node has "
				 "200000 Mb/s unreserved (best PF p0 has "
				 "100000)");
	/* 3250 * 60 = 195000 fits in total, but 30 per PF * 3250 = 97500
	 * and 31 * 3250 = 100750: still fits as 30 + 30 */
	for (char *p = req; (p = strstr(p, "3400")); p++)
		memcpy(p, "3250", 4);
	assert_true(fits(pfs, 2, req, NULL, 0));
}

static void test_packing_needs_search(void **state)
{
	/* Greedy binpack puts 60000 on p0 (least free that fits), then
	 * 50000 + 50000 cannot share p1... the search finds 60+40 / 50+50. */
	const struct pf_spec pfs[] = { { "p0", 100000, 0, 4, 0, 100000 },
				       { "p1", 100000, 0, 4, 0, 100000 } };
	struct kr_inventory *inv = node(pfs, 2);
	struct kr_request *req = request(
		"[{\"min_tx_rate\": 60000}, {\"min_tx_rate\": 50000}, "
		"{\"min_tx_rate\": 50000}, {\"min_tx_rate\": 40000}]");
	struct kr_placement p;

	assert_true(place(inv, req, KR_POLICY_BINPACK, &p));
	assert_int_equal(p.pf[0], p.pf[3]);
	assert_int_equal(p.pf[1], p.pf[2]);
	kr_placement_clear(&p);
	kr_request_free(req);

	/* 3 x 60000 on two 100G PFs: fits in total, never in packing */
	req = request("[{\"min_tx_rate\": 60000}, {\"min_tx_rate\": 60000}, "
		      "{\"min_tx_rate\": 60000}]");
	inv->pfs[0].capacity_mbps = inv->pfs[1].capacity_mbps = 100000;
	assert_false(place(inv, req, KR_POLICY_BINPACK, &p));
	assert_false(p.cut_off);
	assert_string_equal(p.reason,
			    "needs 3 VFs with 180000 Mb/s reserved, which do "
			    "not pack onto the free VFs; best PF p0 has 4 free "
			    "VFs and 100000 Mb/s unreserved");
	kr_placement_clear(&p);
	kr_request_free(req);
	kr_inventory_free(inv);
}

/* Two PFs with vfs free VFs each, for 70 interfaces at 1000 + step i Mb/s
 * with exactly their sum between the PFs; fits. */
static int progression_fits(uint32_t vfs, int step)
{
	struct pf_spec pfs[] = { { "p0", 0, 0, vfs, 0, 100000 },
				 { "p1", 0, 0, vfs, 0, 100000 } };
	char json[70 * 24 + 8], *w = json;
	struct kr_inventory *inv;
	struct kr_request *req;
	struct kr_placement p;
	uint32_t sum = 0;
	int i, r;

	*w++ = '[';
	for (i = 0; i < 70; i++) {
		w += sprintf(w, "%s{\"min_tx_rate\": %d}", i ? ", " : "",
			     1000 + step * i);
		sum += 1000 + (uint32_t)(step * i);
	}
	strcpy(w, "]");
	pfs[0].capacity = sum / 2;
	pfs[1].capacity = sum - sum / 2;
	inv = node(pfs, 2);
	req = request(json);
	r = place(inv, req, KR_POLICY_BINPACK, &p);
	assert_false(p.cut_off);
	assert_true(p.steps > 0);	/* greedy did not suffice */
	kr_placement_clear(&p);
	kr_request_free(req);
	kr_inventory_free(inv);
	return r;
}

/*
 * Many VFs per PF: 69 each, so that the VFs bind and bin completion
 * decides; it guesses C(70, k) completions per PF, more than an int64_t
 * holds (the guess is clamped, not cast out of range).
 */
static void test_many_vfs_exact(void **state)
{
	(void)state;
	assert_true(progression_fits(69, 9));
}

/*
 * Two PFs whose VFs do not bind are decided by subset sums: with rates in
 * steps of 3 Mb/s the subsets of the right sum need a count in one class
 * modulo 3, which bin completion did not find within its budget.
 */
static void test_two_pfs_subset_sums(void **state)
{
	(void)state;
	assert_true(progression_fits(70, 3));
}

/*
 * The cyclic rotation of the search's suffix sums, against a bit-by-bit
 * rotation: every word count, shifts across words and around the end.
 */
static void test_bits_rotate_or(void **state)
{
	uint64_t src[5], dst[5], want[5], x = 0x9e3779b97f4a7c15ull;
	size_t words, k, i, bits;

	(void)state;
	for (words = 1; words <= 5; words++) {
		bits = 64 * words;
		for (k = 0; k < 3 * bits; k += 7) {
			for (i = 0; i < words; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				src[i] = x & (x >> 3);
			}
			memcpy(want, src, sizeof(src));
			for (i = 0; i < bits; i++)
				if (src[i / 64] >> (i % 64) & 1) {
					size_t to = (i + k) % bits;

					want[to / 64] |= 1ull << (to % 64);
				}
			kr_pl_bits_rotate_or(dst, src, words, k);
			assert_memory_equal(dst, want, words * sizeof(*dst));
		}
		/* full only when every bit of every word is set */
		memset(src, 0xff, words * sizeof(*src));
		assert_true(kr_pl_bits_full(src, words));
		for (i = 0; i < bits; i += 37) {
			src[i / 64] &= ~(1ull << (i % 64));
			assert_false(kr_pl_bits_full(src, words));
			src[i / 64] |= 1ull << (i % 64);
		}
	}
}

static void test_pins_and_speed(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 100000, 0, 2, 0, 100000 },
				       { "p1", 25000, 0, 2, 0, 25000 } };
	struct kr_inventory *inv = node(pfs, 2);
	struct kr_request *req;
	struct kr_placement p;
	char why[512];

	req = request("[{\"pf\": \"p1\"}, {\"pf\": \"p1\"}, {}]");
	assert_true(place(inv, req, KR_POLICY_BINPACK, &p));
	assert_int_equal(p.pf[0], 1);
	assert_int_equal(p.pf[1], 1);
	assert_int_equal(p.pf[2], 0);
	kr_placement_clear(&p);
	kr_request_free(req);

	assert_false(fits(pfs, 2, "[{\"pf\": \"p1\"}, {\"pf\": \"p1\"}, "
				  "{\"pf\": \"p1\"}]", why, sizeof(why)));
	assert_string_equal(why, "3 interfaces pinned to p1 need 3 VFs with 0 "
				 "Mb/s reserved; p1 has 2 free VFs and 25000 "
				 "Mb/s unreserved");
	assert_false(fits(pfs, 2, "[{\"pf\": \"p9\"}]", why, sizeof(why)));
	assert_string_equal(why, "interface 0 is pinned to PF p9, which node "
				 "node-a does not have");
	/* a ceiling above a PF's link speed rules that PF out */
	req = request("[{\"max_tx_rate\": 40000}, {\"max_tx_rate\": 40000}]");
	assert_true(place(inv, req, KR_POLICY_SPREAD, &p));
	assert_int_equal(p.pf[0], 0);
	assert_int_equal(p.pf[1], 0);
	kr_placement_clear(&p);
	kr_request_free(req);
	assert_false(fits(pfs, 2, "[{\"max_tx_rate\": 200000}]", why,
			  sizeof(why)));
	assert_string_equal(why, "interface 0 asks max_tx_rate 200000 Mb/s, "
				 "above the link speed of p0 (100000 Mb/s), the "
				 "fastest PF");
	assert_false(fits(pfs, 2, "[{\"max_tx_rate\": 30000, \"pf\": \"p1\"}]",
			  why, sizeof(why)));
	assert_string_equal(why, "interface 0 asks max_tx_rate 30000 Mb/s, "
				 "above the link speed of p1 (25000 Mb/s)");
	kr_inventory_free(inv);
}

static void test_reasons(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 100000, 90000, 1, 4, 100000 },
				       { "p1", 100000, 0, 2, 4, 100000 } };
	char why[512];

	assert_false(fits(pfs, 2, "[{}, {}, {}, {}]", why, sizeof(why)));
	assert_string_equal(why, "needs 4 VFs; the node has 3 free (best PF "
				 "p1 has 2)");
	assert_false(fits(pfs, 2, "[{\"min_tx_rate\": 20000}, "
				  "{\"min_tx_rate\": 90000}]", why,
			  sizeof(why)));
	/* 110000 reserved fits the total (10000 + 100000) but the 90000
	 * interface fits only p1, and the 20000 one then fits nowhere */
	assert_string_equal(why, "needs 2 VFs with 110000 Mb/s reserved, "
				 "which do not pack onto the free VFs; best PF "
				 "p1 has 2 free VFs and 100000 Mb/s "
				 "unreserved");
	assert_false(fits(pfs, 2, "[{\"min_tx_rate\": 20000}, "
				  "{\"min_tx_rate\": 95000}]", why,
			  sizeof(why)));
	assert_string_equal(why, "needs 115000 Mb/s reserved; the node has "
				 "110000 Mb/s unreserved (best PF p1 has "
				 "100000)");
	assert_false(fits(NULL, 0, "[{}]", why, sizeof(why)));
	assert_string_equal(why, "node node-a has no PFs");
	/* an empty request fits anywhere, even a node without PFs */
	assert_true(fits(NULL, 0, "[]", NULL, 0));
}

/* Reservations only go where the NIC keeps them (min_rate_supported). */
static void test_min_rate_support(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 100000, 0, 4, 0, 100000 },
				       { "p1", 100000, 0, 4, 0, 100000 } };
	struct kr_inventory *inv = node(pfs, 2);
	struct kr_request *req;
	struct kr_placement p;

	inv->pfs[1].min_rate_supported = false;
	req = request("[{\"min_tx_rate\": 60000}, {\"min_tx_rate\": 60000}]");
	assert_false(place(inv, req, KR_POLICY_SPREAD, &p));
	kr_placement_clear(&p);
	kr_request_free(req);
	/* a ceiling alone needs no guarantee: both PFs take it */
	req = request("[{\"min_tx_rate\": 60000}, {\"max_tx_rate\": 60000}]");
	assert_true(place(inv, req, KR_POLICY_SPREAD, &p));
	assert_int_equal(p.pf[0], 0);
	assert_int_equal(p.pf[1], 1);
	kr_placement_clear(&p);
	kr_request_free(req);
	req = request("[{\"min_tx_rate\": 10, \"pf\": \"p1\"}]");
	assert_false(place(inv, req, KR_POLICY_SPREAD, &p));
	assert_string_equal(p.reason, "interface 0 reserves min_tx_rate 10 "
				      "Mb/s, but PF p1 cannot guarantee "
				      "reservations");
	kr_placement_clear(&p);
	kr_request_free(req);
	inv->pfs[0].min_rate_supported = false;
	req = request("[{\"min_tx_rate\": 10}]");
	assert_false(place(inv, req, KR_POLICY_SPREAD, &p));
	assert_string_equal(p.reason, "interface 0 reserves min_tx_rate 10 "
				      "Mb/s, but no PF of node node-a can "
				      "guarantee reservations");
	kr_placement_clear(&p);
	kr_request_free(req);
	kr_inventory_free(inv);
}

static void test_policies_and_score(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 100000, 60000, 8, 10, 100000 },
				       { "p1", 100000, 0, 8, 8, 100000 } };
	struct kr_inventory *inv = node(pfs, 2);
	struct kr_request *req = request("[{\"min_tx_rate\": 10000}]");
	struct kr_placement p;

	/* binpack: the more reserved PF; spread: the less reserved */
	assert_true(place(inv, req, KR_POLICY_BINPACK, &p));
	assert_int_equal(p.pf[0], 0);
	/* u = ((70000 / 200000) + (3 / 18)) / 2 = 0.258 -> 3 */
	assert_int_equal(p.score, 3);
	kr_placement_clear(&p);
	assert_true(place(inv, req, KR_POLICY_SPREAD, &p));
	assert_int_equal(p.pf[0], 1);
	assert_int_equal(p.score, 7);
	kr_placement_clear(&p);
	kr_request_free(req);
	kr_inventory_free(inv);
}

static void test_budget_cut_off(void **state)
{
	/* Rates that pass every bound (299000 Mb/s of 300000) but do not
	 * pack: only the search says no. */
	const struct pf_spec pfs[] = { { "p0", 100000, 0, 4, 0, 100000 },
				       { "p1", 100000, 0, 4, 0, 100000 },
				       { "p2", 100000, 0, 4, 0, 100000 } };
	struct kr_inventory *inv = node(pfs, 3);
	struct kr_request *req = request(
		"[{\"min_tx_rate\": 59000}, {\"min_tx_rate\": 35000}, "
		"{\"min_tx_rate\": 34000}, {\"min_tx_rate\": 48000}, "
		"{\"min_tx_rate\": 56000}, {\"min_tx_rate\": 44000}, "
		"{\"min_tx_rate\": 23000}]");
	struct kr_place_opts opts = { .budget = 2 };
	struct kr_placement p;
	struct kr_err err = { 0 };
	uint64_t before = kr_place_cutoffs();

	assert_int_equal(kr_place(inv, req, &opts, &p, &err), 0);
	assert_false(p.fits);
	assert_true(p.cut_off);
	assert_non_null(strstr(p.reason, "undecided: "));
	assert_int_equal(kr_place_cutoffs(), before + 1);
	kr_placement_clear(&p);
	/* with the default budget the answer is a proof */
	assert_false(place(inv, req, KR_POLICY_BINPACK, &p));
	assert_false(p.cut_off);
	kr_placement_clear(&p);
	kr_request_free(req);
	kr_inventory_free(inv);
}

static void test_check(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 1000, 0, 1, 0, 1000 } };
	struct kr_inventory *inv = node(pfs, 1);
	struct kr_request *req = request("[{\"min_tx_rate\": 600}, "
					 "{\"min_tx_rate\": 600}]");
	struct kr_err err = { 0 };
	size_t a[2] = { 0, 0 }, b[2] = { 0, 3 };

	assert_int_equal(kr_placement_check(inv, req, a, &err), -EINVAL);
	assert_string_equal(err.msg, "PF p0: 2 interfaces, 1 free VFs");
	assert_int_equal(kr_placement_check(inv, req, b, &err), -EINVAL);
	assert_string_equal(err.msg, "interface 1: no PF 3 on node node-a");
	inv->pfs[0].vfs_free = 2;
	assert_int_equal(kr_placement_check(inv, req, a, &err), -EINVAL);
	assert_string_equal(err.msg, "PF p0: 1200 Mb/s to reserve, 1000 "
				     "unreserved");
	kr_request_free(req);
	kr_inventory_free(inv);
}

/* One single-quoted shell word starting at *s (which moves past it). */
static char *unquote(const char **s)
{
	const char *p = *s;
	char *out = calloc(strlen(p) + 1, 1), *o = out;

	assert_int_equal(*p++, '\'');
	for (;;) {
		while (*p && *p != '\'')
			*o++ = *p++;
		assert_int_equal(*p++, '\'');
		if (strncmp(p, "\\''", 3))
			break;
		*o++ = '\'';
		p += 3;
	}
	*s = p;
	return out;
}

/* An undecided placement's command reproduces the node and the request. */
static void test_command(void **state)
{
	const struct pf_spec pfs[] = { { "p0", 100000, 30000, 2, 6, 100000 },
				       { "p1'x", 25000, 0, 4, 4, 25000 } };
	struct kr_inventory *inv = node(pfs, 2), *back = NULL;
	struct kr_request *req = request(
		"[{\"min_tx_rate\": 7000, \"max_tx_rate\": 9000}, "
		"{\"pf\": \"p0\"}, {}]"), *req_back = NULL;
	struct kr_placement a, b;
	struct kr_err err = { 0 };
	const char *at;
	char *cmd, *inv_text, *req_text;
	size_t j;

	inv->pfs[1].min_rate_supported = false;
	cmd = kr_place_command(inv, req, KR_POLICY_SPREAD);
	assert_non_null(cmd);
	at = strstr(cmd, "printf '%s\\n' ");
	assert_ptr_equal(at, cmd);
	at += strlen("printf '%s\\n' ");
	inv_text = unquote(&at);
	assert_string_equal(at, " >node.json && kube-rdma-ctl place "
				"--inventory node.json --policy spread "
				"--request '[{\"min_tx_rate\":7000,"
				"\"max_tx_rate\":9000},{\"pf\":\"p0\"},{}]'");
	at = strstr(at, "--request ") + strlen("--request ");
	req_text = unquote(&at);
	assert_int_equal(kr_inventory_parse(inv_text, strlen(inv_text), &back,
					    &err), 0);
	assert_int_equal(kr_request_parse(req_text, strlen(req_text), 0,
					  &req_back, &err), 0);
	assert_int_equal(back->n_pfs, 2);
	for (j = 0; j < 2; j++) {
		assert_string_equal(back->pfs[j].name, inv->pfs[j].name);
		assert_int_equal(back->pfs[j].capacity_mbps,
				 inv->pfs[j].capacity_mbps);
		assert_int_equal(back->pfs[j].reserved_mbps,
				 inv->pfs[j].reserved_mbps);
		assert_int_equal(back->pfs[j].vfs_free, inv->pfs[j].vfs_free);
		assert_int_equal(back->pfs[j].link_speed_mbps,
				 inv->pfs[j].link_speed_mbps);
		assert_int_equal(back->pfs[j].min_rate_supported,
				 inv->pfs[j].min_rate_supported);
	}
	assert_int_equal(place(inv, req, KR_POLICY_SPREAD, &a),
			 place(back, req_back, KR_POLICY_SPREAD, &b));
	assert_memory_equal(a.pf, b.pf, req->n * sizeof(*a.pf));
	kr_placement_clear(&a);
	kr_placement_clear(&b);
	free(cmd);
	free(inv_text);
	free(req_text);
	kr_inventory_free(back);
	kr_inventory_free(inv);
	kr_request_free(req_back);
	kr_request_free(req);
}

/* ---- property test ---- */

static uint64_t rng = 0x6b7264ull;

static unsigned int rnd(unsigned int n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned int)((rng >> 33) % n);
}

/* Try every assignment: m^n <= 4^6. */
static int brute_force(const struct kr_inventory *inv,
		       const struct kr_request *req)
{
	size_t a[8] = { 0 }, i;
	struct kr_err err;

	if (req->n && !inv->n_pfs)
		return 0;
	for (;;) {
		if (kr_placement_check(inv, req, a, &err) == 0)
			return 1;
		for (i = 0; i < req->n; i++) {
			if (++a[i] < inv->n_pfs)
				break;
			a[i] = 0;
		}
		if (i == req->n)
			return 0;
	}
}

static void test_against_brute_force(void **state)
{
	unsigned int round, yes = 0, no = 0;

	for (round = 0; round < 20000; round++) {
		struct kr_inventory *inv = kr_inventory_new("r");
		struct kr_request req = { 0 };
		struct kr_iface_req ifaces[6];
		struct kr_placement p;
		size_t m = 1 + rnd(4), j, i;
		int want, got;

		for (j = 0; j < m; j++) {
			char name[24];
			struct kr_inv_pf *pf;

			snprintf(name, sizeof(name), "p%zu", j);
			pf = kr_inventory_add_pf(inv, name, 0);
			pf->capacity_mbps = 1000 * rnd(11);
			pf->reserved_mbps = 1000 * rnd(12);
			pf->vfs_free = rnd(4);
			pf->vfs_total = pf->vfs_free + rnd(2);
			pf->link_speed_mbps = rnd(3) ? 10000 : 5000;
		}
		memset(ifaces, 0, sizeof(ifaces));
		req.n = rnd(7);
		req.ifaces = ifaces;
		for (i = 0; i < req.n; i++) {
			ifaces[i].min_tx_rate = 1000 * rnd(6);
			ifaces[i].max_tx_rate = rnd(3) ? 0 : 1000 * (5 + rnd(7));
			if (ifaces[i].max_tx_rate &&
			    ifaces[i].max_tx_rate < ifaces[i].min_tx_rate)
				ifaces[i].max_tx_rate = ifaces[i].min_tx_rate;
			if (!rnd(6))
				snprintf(ifaces[i].pf, sizeof(ifaces[i].pf),
					 "p%u", rnd((unsigned int)m + 1));
		}
		want = brute_force(inv, &req);
		got = place(inv, &req, rnd(2) ? KR_POLICY_SPREAD
					      : KR_POLICY_BINPACK, &p);
		if (want != got)
			fail_msg("round %u: brute force says %d, solver %d (%s)",
				 round, want, got, p.reason);
		assert_false(p.cut_off);
		if (got) {
			assert_in_range(p.score, 0, 10);
			yes++;
		} else {
			no++;
		}
		kr_placement_clear(&p);
		kr_inventory_free(inv);
	}
	/* both answers are well represented */
	assert_true(yes > 2000);
	assert_true(no > 2000);
}

/* ---- the exact cover of a node, against brute force ---- */

/* Items i.. to PFs that may take them, within VFs and bandwidth. */
static int cover_brute(const struct kr_pl *p, size_t i, int64_t *load,
		       int64_t *count)
{
	size_t j;

	if (i == p->n)
		return 1;
	for (j = 0; j < p->m; j++) {
		if (!(p->items[i].elig >> j & 1) || count[j] == p->vfs[j] ||
		    load[j] + p->items[i].d > p->cap[j])
			continue;
		load[j] += p->items[i].d;
		count[j]++;
		if (cover_brute(p, i + 1, load, count))
			return 1;
		load[j] -= p->items[i].d;
		count[j]--;
	}
	return 0;
}

static void test_cover_against_brute_force(void **state)
{
	unsigned int round, yes = 0, no = 0, lazy;

	(void)state;
	for (round = 0; round < 6000; round++) {
		struct kr_pl_item items[9];
		int64_t cap[5], vfs[5], load[5] = { 0 }, count[5] = { 0 };
		int64_t spare = 0;
		size_t choice[9], m = 2 + rnd(4), n = 3 + rnd(7), i, j;
		uint64_t takers[9], rem = (1ull << n) - 1;
		struct kr_pl p = {
			.m = m, .n = n, .items = items, .cap = cap,
			.vfs = vfs, .unit = 1, .choice = choice,
		};
		int want, got;

		/* demands by decreasing size; some of none, some pinned */
		for (i = 0; i < n; i++) {
			items[i].d = rnd(5) ? 1 + rnd(40) : 0;
			items[i].elig = rnd(4) ? (1ull << m) - 1
					       : 1ull << rnd((unsigned int)m);
			items[i].iface = i;
		}
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && items[j - 1].d < items[j].d; j--) {
				struct kr_pl_item t = items[j];

				items[j] = items[j - 1];
				items[j - 1] = t;
			}
		/* bandwidth planted (so that it often fits exactly), or not */
		for (j = 0; j < m; j++) {
			cap[j] = rnd(3) ? 0 : rnd(60);
			vfs[j] = rnd(4);
		}
		for (i = 0; i < n; i++) {
			j = (size_t)rnd((unsigned int)m);
			if (rnd(3))
				cap[j] += items[i].d;
		}
		for (j = 0; j < m; j++)
			spare += cap[j];
		for (i = 0; i < n; i++) {
			spare -= items[i].d;
			takers[i] = 0;
			for (j = 0; j < m; j++)
				if (items[i].elig >> j & 1 && items[i].d <= cap[j])
					takers[i] |= 1ull << j;
		}
		want = cover_brute(&p, 0, load, count);
		/* no PF lazy; each listed after a first search without the
		 * dearer ones; every one lazy */
		for (lazy = 0; lazy < 3; lazy++) {
			struct kr_pl_cover *c = kr_pl_cover_new(
				&p, lazy ? 0 : UINT64_MAX,
				lazy == 2 ? 0 : UINT64_MAX);

			assert_non_null(c);
			got = kr_pl_cover_node(c, &rem, (1ull << m) - 1, takers,
					       spare, UINT64_MAX);
			kr_pl_cover_free(c);
			if (got == 2)	/* identical items: not for it */
				continue;
			if (got != want)
				fail_msg("round %u (lazy %u): brute force says "
					 "%d, cover %d",
					 round, lazy, want, got);
			if (!got) {
				no++;
				continue;
			}
			yes++;
			memset(load, 0, sizeof(load));
			memset(count, 0, sizeof(count));
			for (i = 0; i < n; i++) {
				j = choice[i];
				assert_true(j < m && items[i].elig >> j & 1);
				load[j] += items[i].d;
				count[j]++;
			}
			for (j = 0; j < m; j++) {
				assert_true(load[j] <= cap[j]);
				assert_true(count[j] <= vfs[j]);
			}
		}
	}
	assert_true(yes > 1000);
	assert_true(no > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_examples),
		cmocka_unit_test(test_sixty_on_two),
		cmocka_unit_test(test_packing_needs_search),
		cmocka_unit_test(test_many_vfs_exact),
		cmocka_unit_test(test_two_pfs_subset_sums),
		cmocka_unit_test(test_bits_rotate_or),
		cmocka_unit_test(test_pins_and_speed),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_min_rate_support),
		cmocka_unit_test(test_policies_and_score),
		cmocka_unit_test(test_budget_cut_off),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_against_brute_force),
		cmocka_unit_test(test_cover_against_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
