/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-daemon: the node daemon.
 *
 *   kube-rdma-daemon init --config FILE   set up every PF's VFs, then exit
 *   kube-rdma-daemon serve --config FILE  the node agent: the inventory
 *                                         over HTTP, CNI requests on a
 *                                         unix socket
 *
 * Exit status: 0 success, 1 a PF failed, 2 bad input.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cni_server.h"
#include "config.h"
#include "err.h"
#include "fileio.h"
#include "log.h"
#include "node.h"
#include "inventory_cache.h"
#include "paths.h"
#include "server.h"
#include "vf_init.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kube-rdma-daemon COMMAND --config FILE\n"
		"\n"
		"Commands:\n"
		"  init    create each configured PF's VFs (num_vfs), reset the\n"
		"          rates of VFs no pod holds, then exit\n"
		"  serve   the node agent: the node's inventory over HTTP\n"
		"          ([daemon] listen: /v1/inventory, /getpfs, /healthz,\n"
		"          /metrics) and the CNI plugin's requests on a unix\n"
		"          socket ([daemon] agent_socket); SIGHUP re-reads the\n"
		"          configuration, SIGTERM stops after the running CNI\n"
		"          requests\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"  -v, --verbose      log debug messages\n"
		"  -f, --force        init: change a VF count even while pods\n"
		"                     hold VFs of that PF (they lose them)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit status: 0 success, 1 a PF failed, 2 bad input.\n",
		KR_DEFAULT_CONFIG);
}

/*
 * One process drives a node's PFs: init and serve hold STATE_DIR/agent.lock
 * (a second one waits, as during a rolling update).  Returns the lock's
 * descriptor, kept open until the process ends, or -1.
 */
static int lock_node(const struct kr_config *cfg)
{
	struct kr_err err = { 0 };
	char *path = NULL;
	int fd = -1;

	if (kr_mkdir_p(cfg->state_dir, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		return -1;
	}
	if (asprintf(&path, "%s/agent.lock", cfg->state_dir) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 &&
	    errno == EWOULDBLOCK) {
		kr_log(KR_LOG_INFO, "another kube-rdma-daemon holds %s; "
				    "waiting for it to stop", path);
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	}
	if (fd < 0)
		kr_log(KR_LOG_ERR, "%s: %s", path, strerror(errno));
	free(path);
	return fd;
}

static int cmd_init(const char *config, int force)
{
	struct kr_config *cfg = NULL;
	struct kr_node *node = NULL;
	struct kr_err err = { 0 };
	int failed, lock;

	if (kr_config_load(config, &cfg, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		return 2;
	}
	lock = lock_node(cfg);
	if (lock < 0) {
		kr_config_free(cfg);
		return 1;
	}
	if (kr_node_open(cfg, &node, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		kr_config_free(cfg);
		return 1;
	}
	failed = vf_init_node(node, force, stdout);
	kr_node_close(node);
	kr_config_free(cfg);
	close(lock);
	return failed ? 1 : 0;
}

static int cmd_serve(const char *config)
{
	struct inv_cache *cache = NULL;
	struct cni_server *cni = NULL;
	struct http_server *srv = NULL;
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };
	sigset_t set;
	int sig, lock;

	if (kr_config_load(config, &cfg, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		return 2;
	}
	lock = lock_node(cfg);
	if (lock < 0) {
		kr_config_free(cfg);
		return 1;
	}
	/* Signals are taken by sigwait below, never by the worker threads
	 * started from here on. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* before the threads: the HTTP server's may ask the API server */
	curl_global_init(CURL_GLOBAL_ALL);

	/* The cache owns cfg from here; it is swapped only on SIGHUP, which
	 * is not read before the server has started. */
	if (inv_cache_start(config, cfg, &cache, &err) < 0 ||
	    http_server_start(cfg, cache, &srv, &err) < 0 ||
	    cni_server_start(cfg, cache, &cni, &err) < 0) {
		kr_log(KR_LOG_ERR, "%s", kr_err_text(&err));
		http_server_stop(srv);
		inv_cache_stop(cache);
		curl_global_cleanup();
		close(lock);
		return 1;
	}
	kr_log(KR_LOG_INFO, "serving node %s on %s, CNI requests on %s",
	       cfg->node_name, cfg->daemon_listen, cfg->daemon_agent_socket);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		kr_log(KR_LOG_INFO, "SIGHUP: reloading %s", config);
		inv_cache_reload(cache);
	}
	kr_log(KR_LOG_INFO, "%s: stopping", strsignal(sig));
	cni_server_stop(cni);
	http_server_stop(srv);
	inv_cache_stop(cache);
	curl_global_cleanup();
	close(lock);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = KR_DEFAULT_CONFIG;
	enum kr_log_level level = KR_LOG_INFO;
	int c, force = 0;

	while ((c = getopt_long(argc, argv, "c:vfhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'v':
			level = KR_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("kube-rdma-daemon %s (backend ABI %d.%d)\n",
			       KR_VERSION, KR_BACKEND_ABI_MAJOR,
			       KR_BACKEND_ABI_MINOR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	kr_log_setup("kube-rdma-daemon", level);
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "init"))
		return cmd_init(config, force);
	if (!strcmp(argv[optind], "serve"))
		return cmd_serve(config);
	fprintf(stderr, "kube-rdma-daemon: unknown command \"%s\"\n",
		argv[optind]);
	return 2;
}
