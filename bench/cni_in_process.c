/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cni-in-process: one CNI request run by the node agent's own verbs in
 * this process, without the plugin and the socket: the baseline that
 * bench/bench_cni.sh compares the real path (plugin -> socket -> agent)
 * with.  CNI_* environment and the network configuration on stdin, as for
 * the plugin; the node's configuration is the first argument.  A
 * benchmark tool, never installed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "err.h"
#include "log.h"

int main(int argc, char **argv)
{
	struct kr_config *cfg = NULL;
	struct kr_node *node = NULL;
	struct kr_err err = { 0 };
	struct cni_agent agent;
	json_t *vars = NULL;
	char *text = NULL, *out = NULL;
	size_t len = 0;
	int status = 2, changed;

	if (argc != 2) {
		fprintf(stderr, "usage: cni-in-process NODE.conf <netconf\n");
		return 2;
	}
	kr_log_setup("cni-in-process", KR_LOG_WARNING);
	signal(SIGPIPE, SIG_IGN);
	vars = cni_environment();
	text = cni_read_all(0, &len);
	if (!text || !vars)
		kr_err_set(&err, -EIO, "cannot read stdin");
	if (!text || !vars || kr_config_load(argv[1], &cfg, &err) < 0 ||
	    kr_node_open(cfg, &node, &err) < 0) {
		fprintf(stderr, "cni-in-process: %s\n", kr_err_text(&err));
		goto out;
	}
	cni_agent_init(&agent);
	status = cni_run(&agent, cfg, node, vars, text, len, &out, &changed);
	cni_agent_destroy(&agent);
	fputs(out, stdout);
out:
	free(out);
	free(text);
	kr_node_close(node);
	kr_config_free(cfg);
	json_decref(vars);
	return status;
}
