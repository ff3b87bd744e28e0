/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-ctl: the operator's command line.
 *
 *   kube-rdma-ctl inventory (--config FILE | --url URL [--token-file FILE])
 *                           [--json]
 *   kube-rdma-ctl place (--inventory FILE.json | --config FILE) --request JSON
 *   kube-rdma-ctl check-config FILE
 *
 * Exit status: 0 success, 1 a "no" answer or a failed PF, 2 bad input.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "inventory_table.h"
#include "log.h"
#include "node.h"
#include "paths.h"
#include "ctl.h"
#include "remote.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kube-rdma-ctl COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n"
		"  inventory (--config FILE | --url URL [--token-file FILE])\n"
		"            [--json]\n"
		"      Print the PFs and VFs of the node FILE configures, read\n"
		"      live through their backends, or of the node whose daemon\n"
		"      answers at URL (http://HOST:PORT), showing it the bearer\n"
		"      token in --token-file (a daemon with auth = tokenreview).\n"
		"  place (--inventory FILE.json | --config FILE) --request JSON\n"
		"        [--policy binpack|spread]\n"
		"      Decide where a pod's interfaces would go; prints\n"
		"      {\"fits\": true, \"score\": S, \"assignment\": [...]} or\n"
		"      {\"fits\": false, \"reason\": \"...\"} (exit status 1).\n"
		"  check-config FILE\n"
		"      Validate a configuration file: syntax, keys, values,\n"
		"      and that each backend loads and accepts its keys.\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Exit status: 0 success, 1 a \"no\" answer or a PF that could not\n"
		"be read, 2 bad input.\n");
}

static int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *url = NULL, *token_file = NULL;
	struct kr_inventory *inv = NULL;
	struct kr_err err = { 0 };
	int json = 0, c, status;

	while ((c = getopt_long(argc, argv, "c:u:t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (!config == !url || optind != argc) {
		fprintf(stderr, "kube-rdma-ctl: inventory needs one of --config "
				"FILE or --url URL\n");
		return EXIT_USAGE;
	}
	if (token_file && !url) {
		fprintf(stderr, "kube-rdma-ctl: --token-file goes with --url\n");
		return EXIT_USAGE;
	}
	if (url) {
		status = ctl_fetch_inventory(url, token_file, &inv, &err) < 0
				 ? EXIT_NO
				 : 0;
		if (status)
			fprintf(stderr, "kube-rdma-ctl: %s\n",
				kr_err_text(&err));
	} else {
		status = ctl_live_inventory(config, &inv);
	}
	if (!inv)
		return status;
	if (json) {
		json_t *doc = kr_inventory_to_json(inv);

		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) < 0)
			status = EXIT_NO;
		else
			fputc('\n', stdout);
		json_decref(doc);
	} else {
		inventory_print_table(stdout, inv);
	}
	kr_inventory_free(inv);
	return status;
}

static int cmd_check_config(int argc, char **argv)
{
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };
	int r;

	if (argc != 2 || argv[1][0] == '-') {
		if (argc == 2 && (!strcmp(argv[1], "-h") ||
				  !strcmp(argv[1], "--help"))) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "kube-rdma-ctl: check-config needs one FILE\n");
		return EXIT_USAGE;
	}
	if (ctl_load_config(argv[1], &cfg) < 0)
		return EXIT_USAGE;
	r = kr_node_check_config(cfg, &err);
	if (r < 0)
		fprintf(stderr, "kube-rdma-ctl: %s\n", kr_err_text(&err));
	else
		printf("%s: ok (node %s, %zu PF%s)\n", argv[1], cfg->node_name,
		       cfg->n_pfs, cfg->n_pfs == 1 ? "" : "s");
	kr_config_free(cfg);
	return r < 0 ? EXIT_USAGE : 0;
}

int main(int argc, char **argv)
{
	kr_log_setup("kube-rdma-ctl", KR_LOG_WARNING);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("kube-rdma-ctl %s (backend ABI %d.%d)\n", KR_VERSION,
		       KR_BACKEND_ABI_MAJOR, KR_BACKEND_ABI_MINOR);
		return 0;
	}
	if (!strcmp(argv[1], "inventory"))
		return cmd_inventory(argc - 1, argv + 1);
	if (!strcmp(argv[1], "place"))
		return ctl_place(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-config"))
		return cmd_check_config(argc - 1, argv + 1);
	fprintf(stderr, "kube-rdma-ctl: unknown command \"%s\" (see --help)\n",
		argv[1]);
	return EXIT_USAGE;
}
