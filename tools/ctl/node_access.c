/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading this node's configuration and live inventory for the commands
 * (ctl.h), with every error printed once.
 */
#include <stdio.h>

#include "config.h"
#include "ctl.h"
#include "err.h"
#include "node.h"

int ctl_load_config(const char *path, struct kr_config **cfg)
{
	struct kr_err err = { 0 };

	if (kr_config_load(path, cfg, &err) < 0) {
		fprintf(stderr, "kube-rdma-ctl: %s\n", kr_err_text(&err));
		return -1;
	}
	return 0;
}

static int pf_errors;

static void report_pf_error(const char *pf, const struct kr_err *err)
{
	pf_errors++;
	fprintf(stderr, "kube-rdma-ctl: %s\n", kr_err_text(err));
}

int ctl_live_inventory(const char *config, struct kr_inventory **ret)
{
	struct kr_config *cfg = NULL;
	struct kr_node *node = NULL;
	struct kr_err err = { 0 };
	int status = EXIT_USAGE;

	if (ctl_load_config(config, &cfg) < 0)
		return EXIT_USAGE;
	if (kr_node_open(cfg, &node, &err) < 0 ||
	    kr_node_inventory(node, report_pf_error, ret, &err) < 0) {
		fprintf(stderr, "kube-rdma-ctl: %s\n", kr_err_text(&err));
		status = EXIT_NO;
	} else {
		status = pf_errors ? EXIT_NO : 0;
	}
	kr_node_close(node);
	kr_config_free(cfg);
	return status;
}
