/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPAM delegation (SPEC.md section 4): the plugin named by ipam.type, found
 * in the request's CNI_PATH, runs with the runtime's CNI_* environment
 * (CNI_IFNAME set per interface, so host-local keys each interface's
 * address apart) and the whole configuration on stdin.  The agent is
 * threaded, so the child is started with posix_spawn and an environment
 * built beforehand, never with setenv after fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni.h"
#include "util.h"

#define IPAM_OUTPUT_MAX (1u << 20)
/* An IPAM call that takes longer is killed: an agent thread must never
 * wait forever, and the plugin waits less than twice this for the agent. */
#define IPAM_TIMEOUT_MS 30000

/* The plugin's path from CNI_PATH, or -ENOENT. */
static int find_plugin(const char *path, const char *type, char *out,
		       size_t size)
{
	const char *p = path;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len && (size_t)snprintf(out, size, "%.*s/%s", (int)len, p,
					    type) < size &&
		    access(out, X_OK) == 0)
			return 0;
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

/*
 * Write all of 'data' to fd while reading its output from 'out', until
 * the output ends or IPAM_TIMEOUT_MS passed (-ETIMEDOUT).
 */
static int pump(int in, const char *data, size_t len, int out, char **ret,
		size_t *ret_len)
{
	struct timespec start, now;
	char *buf = NULL;
	size_t have = 0, sent = 0;
	int done = 0, r = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (!len) {
		close(in);
		in = -1;
	}
	while (!done) {
		struct pollfd fds[2] = { { .fd = out, .events = POLLIN },
					 { .fd = in, .events = POLLOUT } };
		long elapsed;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			  (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= IPAM_TIMEOUT_MS) {
			r = -ETIMEDOUT;
			break;
		}
		if (poll(fds, in >= 0 ? 2 : 1, (int)(IPAM_TIMEOUT_MS - elapsed)) <
			    0 &&
		    errno != EINTR)
			break;
		if (in >= 0 && fds[1].revents) {
			ssize_t n = write(in, data + sent, len - sent);

			if (n > 0)
				sent += (size_t)n;
			if (n < 0 || sent == len) {
				close(in);
				in = -1;
			}
		}
		if (fds[0].revents) {
			char chunk[4096], *grown;
			ssize_t n = read(out, chunk, sizeof(chunk));

			if (n <= 0) {
				done = 1;
				continue;
			}
			if (have + (size_t)n > IPAM_OUTPUT_MAX)
				continue;	/* drop the excess */
			grown = realloc(buf, have + (size_t)n + 1);
			if (!grown)
				continue;
			buf = grown;
			memcpy(buf + have, chunk, (size_t)n);
			have += (size_t)n;
			buf[have] = '\0';
		}
	}
	if (in >= 0)
		close(in);
	*ret = buf;
	*ret_len = have;
	return r;
}

static int parse_result(const char *out, size_t len,
			struct cni_ipam_result *ret, struct cni_error *e)
{
	json_t *doc = json_loadb(out ? out : "", len, 0, NULL);
	json_t *ips;

	if (!doc || !json_is_object(doc)) {
		json_decref(doc);
		return cni_fail(e, CNI_ERR_IPAM,
				"IPAM plugin gave no result",
				"output: %.200s", out ? out : "");
	}
	ips = json_object_get(doc, "ips");
	ret->ips = json_is_array(ips) ? json_incref(ips) : json_array();
	ret->routes = json_incref(json_object_get(doc, "routes"));
	ret->dns = json_incref(json_object_get(doc, "dns"));
	json_decref(doc);
	return 0;
}

/* The error the plugin printed, as ours. */
static int plugin_error(const char *type, const char *command, int status,
			const char *out, size_t len, struct cni_error *e)
{
	json_t *doc = out ? json_loadb(out, len, 0, NULL) : NULL;
	const char *msg = doc ? json_string_value(json_object_get(doc, "msg"))
			      : NULL;
	const char *details =
		doc ? json_string_value(json_object_get(doc, "details")) : NULL;

	cni_fail(e, CNI_ERR_IPAM, "IPAM plugin failed",
		 "%s %s: %s%s%s (exit status %d)", type, command,
		 msg ? msg : out ? out : "no output",
		 details && *details ? ": " : "", details ? details : "",
		 status);
	json_decref(doc);
	return -1;
}

/*
 * The child's environment: the runtime's CNI_* variables with CNI_COMMAND,
 * and CNI_CONTAINERID and CNI_IFNAME when given, replaced; and a PATH.
 * NULL-terminated; free with free_env.
 */
static char **plugin_env(json_t *vars, const char *command,
			 const char *container_id, const char *ifname)
{
	const char *const set[][2] = {
		{ "CNI_COMMAND", command },
		{ "CNI_CONTAINERID", container_id },
		{ "CNI_IFNAME", ifname },
	};
	size_t n = 0, i, max = json_object_size(vars) + KR_ARRAY_SIZE(set) + 2;
	char **envp = calloc(max, sizeof(*envp));
	const char *key;
	json_t *v;

	if (!envp)
		return NULL;
	json_object_foreach(vars, key, v) {
		int replaced = 0;

		for (i = 0; i < KR_ARRAY_SIZE(set); i++)
			replaced |= set[i][1] && !strcmp(key, set[i][0]);
		if (replaced || !json_is_string(v))
			continue;
		if (asprintf(&envp[n], "%s=%s", key, json_string_value(v)) < 0)
			goto out_nomem;
		n++;
	}
	for (i = 0; i < KR_ARRAY_SIZE(set); i++) {
		if (!set[i][1])
			continue;
		if (asprintf(&envp[n], "%s=%s", set[i][0], set[i][1]) < 0)
			goto out_nomem;
		n++;
	}
	envp[n] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			 "/usr/bin:/sbin:/bin");
	if (envp[n])
		return envp;
out_nomem:
	for (i = 0; i < n; i++)
		free(envp[i]);
	free(envp);
	return NULL;
}

static void free_env(char **envp)
{
	size_t i;

	for (i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
}

/* Run 'plugin' with 'command' and stdin; its stdout and exit status. */
static int run_plugin(const char *plugin, json_t *vars, const char *command,
		      const char *container_id, const char *ifname,
		      const char *in, size_t in_len,
		      char **out, size_t *out_len, int *status,
		      struct cni_error *e)
{
	posix_spawn_file_actions_t actions;
	int to_child[2], from_child[2], r;
	char *argv[] = { (char *)plugin, NULL };
	char **envp;
	pid_t pid;

	envp = plugin_env(vars, command, container_id, ifname);
	if (!envp)
		return cni_fail(e, CNI_ERR_INTERNAL, "out of memory", NULL);
	if (pipe2(to_child, O_CLOEXEC) < 0) {
		free_env(envp);
		return cni_fail(e, CNI_ERR_IO, "pipe", "%s",
				strerror(errno));
	}
	if (pipe2(from_child, O_CLOEXEC) < 0) {
		close(to_child[0]);
		close(to_child[1]);
		free_env(envp);
		return cni_fail(e, CNI_ERR_IO, "pipe", "%s",
				strerror(errno));
	}
	/* stderr stays the agent's: its log */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
	posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
	r = posix_spawn(&pid, plugin, &actions, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	free_env(envp);
	close(to_child[0]);
	close(from_child[1]);
	if (r) {
		close(to_child[1]);
		close(from_child[0]);
		return cni_fail(e, CNI_ERR_IPAM, "cannot run the IPAM plugin",
				"%s: %s", plugin, strerror(r));
	}
	r = pump(to_child[1], in, in_len, from_child[0], out, out_len);
	close(from_child[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (r == -ETIMEDOUT) {
		free(*out);
		*out = NULL;
		return cni_fail(e, CNI_ERR_IPAM, "IPAM plugin timed out",
				"%s %s: no answer within %d s, killed",
				plugin, command, IPAM_TIMEOUT_MS / 1000);
	}
	return 0;
}

/*
 * The version to speak with the IPAM plugin: the configuration's when the
 * plugin supports it, else the highest one both support (Debian's
 * host-local stops at 1.0.0 while our configuration may say 1.1.0).
 * NULL when none is common.
 */
static int negotiate(const char *plugin, json_t *vars, const char *version,
		     char chosen[16])
{
	static const char *const ours[] = { "1.1.0", "1.0.0", "0.4.0" };
	struct cni_error e;
	char in[64], *out = NULL;
	size_t out_len = 0, i, j;
	json_t *doc, *list, *v;
	int status = 0;

	snprintf(in, sizeof(in), "{\"cniVersion\": \"%s\"}", version);
	if (run_plugin(plugin, vars, "VERSION", NULL, NULL, in, strlen(in),
		       &out, &out_len, &status, &e) < 0)
		return -1;
	doc = json_loadb(out ? out : "", out_len, 0, NULL);
	free(out);
	list = json_object_get(doc, "supportedVersions");
	chosen[0] = '\0';
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]) && !chosen[0]; i++) {
		if (!cni_version_at_least(version, ours[i]))
			continue;
		json_array_foreach(list, j, v)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), ours[i]))
				snprintf(chosen, 16, "%s", ours[i]);
	}
	json_decref(doc);
	return chosen[0] ? 0 : -1;
}

int cni_ipam_exec(const struct cni_env *env, struct cni_conf *conf,
		  const char *command, const char *ifname,
		  struct cni_ipam_result *ret, struct cni_error *e)
{
	const char *version = conf->ipam_version;	/* once per request */
	char plugin[4096], *out = NULL, *in = NULL;
	size_t out_len = 0;
	int status = 0, r;

	if (!conf->ipam_type)
		return 0;
	if (find_plugin(env->path, conf->ipam_type, plugin, sizeof(plugin)))
		return cni_fail(e, CNI_ERR_IPAM, "IPAM plugin not found",
				"no executable \"%s\" in CNI_PATH %s",
				conf->ipam_type, env->path ? env->path : "");
	if (!version[0] && negotiate(plugin, env->vars, conf->cni_version,
				     conf->ipam_version) < 0)
		return cni_fail(e, CNI_ERR_IPAM,
				"IPAM plugin speaks no version we do",
				"%s, config version %s", conf->ipam_type,
				conf->cni_version);
	if (!cni_version_at_least(version, "1.1.0") &&
	    (!strcmp(command, "GC") || !strcmp(command, "STATUS")))
		return 0;	/* the plugin has no such verb */
	if (strcmp(version, conf->cni_version)) {
		json_t *copy = json_deep_copy(conf->doc);

		json_object_set_new(copy, "cniVersion", json_string(version));
		in = json_dumps(copy, JSON_COMPACT);
		json_decref(copy);
		if (!in)
			return cni_fail(e, CNI_ERR_INTERNAL,
					"out of memory", NULL);
	}
	r = run_plugin(plugin, env->vars, command, env->container_id, ifname,
		       in ? in : conf->raw,
		       in ? strlen(in) : conf->raw_len, &out, &out_len,
		       &status, e);
	free(in);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = plugin_error(conf->ipam_type, command,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				 out, out_len, e);
	else if (ret)
		r = parse_result(out, out_len, ret, e);
	free(out);
	return r;
}

void cni_ipam_result_clear(struct cni_ipam_result *r)
{
	json_decref(r->ips);
	json_decref(r->routes);
	json_decref(r->dns);
	memset(r, 0, sizeof(*r));
}
