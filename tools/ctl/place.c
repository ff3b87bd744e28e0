/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-ctl place: the placement dry run.  Reads a node inventory (a
 * file in the daemon's JSON shape, or the live node of a configuration)
 * and a pod request, and prints the solver's answer as JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "err.h"
#include "placement.h"
#include "request.h"

/* Neither yes nor no: the search ran out of steps (docs/placement.md). */
#define EXIT_UNDECIDED 3

static int read_inventory_file(const char *path, struct kr_inventory **ret)
{
	struct kr_err err = { 0 };
	json_error_t jerr;
	json_t *doc;
	int r;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		fprintf(stderr, "kube-rdma-ctl: %s:%d:%d: %s\n", path,
			jerr.line, jerr.column, jerr.text);
		return -1;
	}
	r = kr_inventory_from_json(doc, ret, &err);
	json_decref(doc);
	if (r < 0) {
		fprintf(stderr, "kube-rdma-ctl: %s: %s\n", path,
			kr_err_text(&err));
		return -1;
	}
	return 0;
}

static json_t *answer_json(const struct kr_inventory *inv,
			   const struct kr_placement *p, enum kr_policy policy)
{
	json_t *assignment;
	size_t i;

	if (p->cut_off)
		return json_pack("{s:b, s:b, s:s}", "fits", 0, "undecided", 1,
				 "reason", p->reason);
	if (!p->fits)
		return json_pack("{s:b, s:s}", "fits", 0, "reason", p->reason);
	assignment = json_array();
	for (i = 0; assignment && i < p->n; i++)
		json_array_append_new(assignment,
				      json_pack("{s:I, s:s}", "interface",
						(json_int_t)i, "pf",
						inv->pfs[p->pf[i]].name));
	return json_pack("{s:b, s:i, s:s, s:o}", "fits", 1, "score", p->score,
			 "policy", kr_policy_name(policy), "assignment",
			 assignment);
}

int ctl_place(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "request", required_argument, NULL, 'r' },
		{ "policy", required_argument, NULL, 'p' },
		{ "budget", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *inventory = NULL, *config = NULL, *request = NULL;
	struct kr_place_opts popts = { .policy = KR_POLICY_BINPACK };
	struct kr_placement placement = { 0 };
	struct kr_inventory *inv = NULL;
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };
	json_t *doc;
	char *end;
	int c, status = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "i:c:r:p:b:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'b':
			popts.budget = strtoull(optarg, &end, 10);
			if (!*optarg || *end || !popts.budget ||
			    *optarg == '-') {
				fprintf(stderr, "kube-rdma-ctl: --budget %s: "
						"expected a number of search "
						"steps\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'i':
			inventory = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'r':
			request = optarg;
			break;
		case 'p':
			if (kr_policy_parse(optarg, &popts.policy) < 0) {
				fprintf(stderr, "kube-rdma-ctl: --policy %s: "
						"expected binpack or spread\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			printf("Usage: kube-rdma-ctl place (--inventory "
			       "FILE.json | --config FILE) --request JSON "
			       "[--policy binpack|spread] [--budget STEPS]\n"
			       "Exit status: 0 fits, 1 does not fit, 2 bad "
			       "input, 3 undecided (the search ran out of "
			       "steps)\n");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (!request || !inventory == !config || optind != argc) {
		fprintf(stderr, "kube-rdma-ctl: place needs --request JSON and "
				"one of --inventory FILE.json or --config "
				"FILE\n");
		return EXIT_USAGE;
	}
	if (kr_request_parse(request, strlen(request), 0, &req, &err) < 0) {
		fprintf(stderr, "kube-rdma-ctl: --request: %s\n",
			kr_err_text(&err));
		return EXIT_USAGE;
	}
	if (inventory) {
		if (read_inventory_file(inventory, &inv) < 0)
			goto out;
	} else {
		status = ctl_live_inventory(config, &inv);
		if (status)
			goto out;
		status = EXIT_USAGE;
	}
	if (kr_place(inv, req, &popts, &placement, &err) < 0) {
		fprintf(stderr, "kube-rdma-ctl: %s\n", kr_err_text(&err));
		goto out;
	}
	if (placement.cut_off) {
		char *cmd = kr_place_command(inv, req, popts.policy);

		fprintf(stderr, "kube-rdma-ctl: warning: placement undecided "
				"after %llu search steps; reproduce with: %s\n",
			(unsigned long long)placement.steps,
			cmd ? cmd : "(out of memory)");
		free(cmd);
	}
	doc = answer_json(inv, &placement, popts.policy);
	if (!doc || json_dumpf(doc, stdout, JSON_COMPACT) < 0) {
		json_decref(doc);
		fprintf(stderr, "kube-rdma-ctl: out of memory\n");
		status = EXIT_NO;
		goto out;
	}
	json_decref(doc);
	fputc('\n', stdout);
	if (placement.fits)
		status = 0;
	else
		status = placement.cut_off ? EXIT_UNDECIDED : EXIT_NO;
out:
	kr_placement_clear(&placement);
	kr_inventory_free(inv);
	kr_request_free(req);
	return status;
}
