/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-extender: the kube-scheduler HTTP extender.
 *
 *   kube-rdma-extender --config FILE
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 when it cannot start, 2 for bad
 * input.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "inventory_token.h"
#include "log.h"
#include "paths.h"
#include "server.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kube-rdma-extender [--config FILE]\n"
		"\n"
		"Serves kube-scheduler's extender verbs filter, prioritize and\n"
		"bind at [extender] listen (and path_prefix), reading each\n"
		"node's inventory from its kube-rdma-daemon (daemon_url).\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"  -v, --verbose      log debug messages\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		KR_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = KR_DEFAULT_CONFIG;
	enum kr_log_level level = KR_LOG_INFO;
	struct extender x = { 0 };
	struct ext_server *srv = NULL;
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };
	sigset_t set;
	int c, sig, status = 1;

	while ((c = getopt_long(argc, argv, "c:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			level = KR_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("kube-rdma-extender %s\n", KR_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	kr_log_setup("kube-rdma-extender", level);
	if (kr_config_load(config, &cfg, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	x.cfg = cfg;
	kr_policy_parse(cfg->extender_policy, &x.policy);
	if ((cfg->extender_kubeconfig
		     ? kr_kubeconfig_load(cfg->extender_kubeconfig, &x.kube,
					  &err)
		     : kr_kubeconfig_in_cluster(&x.kube, &err)) < 0) {
		if (cfg->extender_kubeconfig) {
			kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
			goto out;
		}
		kr_log(KR_LOG_WARNING, "%s: bind and Node lookups disabled",
		       kr_err_text(&err));
	}
	if (inventory_token_setup(cfg, &err) < 0 ||
	    node_cache_start(cfg, x.kube, &x.cache, &err) < 0 ||
	    ext_server_start(&x, &srv, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		goto out;
	}
	kr_log(KR_LOG_INFO, "serving filter, prioritize and bind on %s%s",
	       cfg->extender_listen, cfg->extender_path_prefix);
	while (sigwait(&set, &sig) != 0)
		;
	kr_log(KR_LOG_INFO, "%s: stopping", strsignal(sig));
	status = 0;
out:
	ext_server_stop(srv);
	node_cache_stop(x.cache);
	inventory_token_teardown();
	kr_kubeconfig_free(x.kube);
	kr_config_free(cfg);
	curl_global_cleanup();
	return status;
}
