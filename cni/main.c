/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma: the CNI plugin.  CNI_* environment and the network
 * configuration on stdin; the result, or the error JSON, on stdout; logs on
 * stderr.  Spec versions 0.4.0, 1.0.0 and 1.1.0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "log.h"
#include "util.h"

#define STDIN_MAX (4u << 20)

static char *read_stdin(size_t *ret_len)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size + 1);

	while (buf) {
		ssize_t n = read(0, buf + len, size - len);

		if (n < 0)
			break;
		if (n == 0) {
			buf[len] = '\0';
			*ret_len = len;
			return buf;
		}
		len += (size_t)n;
		if (len == size) {
			char *grown;

			if (size >= STDIN_MAX)
				break;
			size *= 2;
			grown = realloc(buf, size + 1);
			if (!grown)
				break;
			buf = grown;
		}
	}
	free(buf);
	return NULL;
}

/* Error text may quote input: keep it printable ASCII so it encodes. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static void print_error(const char *version, struct kr_cni_error *e)
{
	json_t *doc;

	sanitize(e->msg);
	sanitize(e->details);
	doc = json_pack("{s:s, s:i, s:s, s:s}", "cniVersion",
				version && cni_version_supported(version)
					? version
					: "1.1.0",
				"code", e->code, "msg", e->msg, "details",
				e->details);

	if (doc)
		json_dumpf(doc, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(doc);
	kr_log(KR_LOG_ERR, "%s%s%s", e->msg, e->details[0] ? ": " : "",
	       e->details);
}

static int print_version(const char *text, size_t len)
{
	json_t *doc = json_loadb(text, len, 0, NULL);
	const char *v = json_string_value(json_object_get(doc, "cniVersion"));
	json_t *out;

	out = json_pack("{s:s, s:[sss]}", "cniVersion", v ? v : "1.1.0",
			"supportedVersions", "0.4.0", "1.0.0", "1.1.0");
	json_dumpf(out, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(out);
	json_decref(doc);
	return 0;
}

/* The environment a command needs; CNI error 4 naming what is missing. */
static int check_env(struct kr_cni_env *env, int needs_attachment,
		     int needs_netns, struct kr_cni_error *e)
{
	char missing[96] = "";

	if (needs_attachment && !env->container_id)
		strcat(missing, "CNI_CONTAINERID,");
	if (needs_netns && !env->netns)
		strcat(missing, "CNI_NETNS,");
	if (needs_attachment && !env->ifname)
		strcat(missing, "CNI_IFNAME,");
	if (needs_attachment && !env->path)
		strcat(missing, "CNI_PATH,");
	if (missing[0]) {
		missing[strlen(missing) - 1] = '\0';
		return cni_fail(e, KR_CNI_ERR_INVALID_ENV,
				"required env variables missing", "[%s]",
				missing);
	}
	if (!needs_attachment)
		return 0;
	if (!*env->container_id)
		return cni_fail(e, KR_CNI_ERR_UNKNOWN_CONTAINER,
				"missing containerID", NULL);
	if (!cni_name_valid(env->container_id) ||
	    strlen(env->container_id) > 128)
		return cni_fail(e, KR_CNI_ERR_INVALID_ENV,
				"invalid CNI_CONTAINERID", "\"%.64s\"",
				env->container_id);
	if (!kr_ifname_valid(env->ifname))
		return cni_fail(e, KR_CNI_ERR_INVALID_ENV,
				"invalid CNI_IFNAME",
				"\"%.32s\": 1 to 15 bytes, no '/', ':' or "
				"blanks, not . or ..", env->ifname);
	return cni_args_parse(getenv("CNI_ARGS"), env, e);
}

static int dispatch(struct kr_cni_env *env, struct kr_cni_conf *conf,
		    struct kr_cni_error *e)
{
	const char *cmd = env->command;
	int v11 = cni_version_at_least(conf->cni_version, "1.1.0");

	if (!strcmp(cmd, "ADD"))
		return check_env(env, 1, 1, e) ?: cni_add(env, conf, e);
	if (!strcmp(cmd, "DEL"))
		return check_env(env, 1, 0, e) ?: cni_del(env, conf, e);
	if (!strcmp(cmd, "CHECK")) {
		if (!cni_version_at_least(conf->cni_version, "0.4.0"))
			return cni_fail(e, KR_CNI_ERR_VERSION,
					"config version does not allow CHECK",
					NULL);
		return check_env(env, 1, 1, e) ?: cni_check(env, conf, e);
	}
	if (!strcmp(cmd, "GC") || !strcmp(cmd, "STATUS")) {
		if (!v11)
			return cni_fail(e, KR_CNI_ERR_VERSION,
					"config version does not allow GC or "
					"STATUS", "cniVersion is %s, needs 1.1.0",
					conf->cni_version);
		if (!strcmp(cmd, "GC")) {
			if (!env->path)
				return cni_fail(e, KR_CNI_ERR_INVALID_ENV,
						"required env variables "
						"missing", "[CNI_PATH]");
			return cni_gc(env, conf, e);
		}
		return cni_status(env, conf, e);
	}
	return cni_fail(e, KR_CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND",
			"%.32s", cmd);
}

int main(int argc, char **argv)
{
	struct kr_cni_env env = { 0 };
	struct kr_cni_conf conf = { 0 };
	struct kr_cni_error e = { 0 };
	size_t len = 0;
	char *text;
	int r;

	if (argc > 1 && (!strcmp(argv[1], "--version") ||
			 !strcmp(argv[1], "-V"))) {
		printf("kube-rdma CNI plugin %s, CNI spec 0.4.0 1.0.0 1.1.0\n",
		       KR_VERSION);
		return 0;
	}
	if (argc > 1) {
		printf("Usage: kube-rdma (a CNI plugin: CNI_COMMAND and the "
		       "other CNI_* variables in the environment, the network "
		       "configuration on stdin; see docs/cni.md)\n");
		return !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")
			       ? 0
			       : 2;
	}
	kr_log_setup("kube-rdma", KR_LOG_WARNING);
	env.command = getenv("CNI_COMMAND");
	env.container_id = getenv("CNI_CONTAINERID");
	env.netns = getenv("CNI_NETNS");
	env.ifname = getenv("CNI_IFNAME");
	env.path = getenv("CNI_PATH");

	text = read_stdin(&len);
	if (!text) {
		cni_fail(&e, KR_CNI_ERR_IO, "cannot read stdin",
			 "more than 4 MiB, or a read error");
		print_error(NULL, &e);
		return 1;
	}
	if (!env.command) {
		cni_fail(&e, KR_CNI_ERR_INVALID_ENV,
			 "required env variables missing", "[CNI_COMMAND]");
		print_error(NULL, &e);
		free(text);
		return 1;
	}
	if (!strcmp(env.command, "VERSION")) {
		r = print_version(text, len);
		free(text);
		return r;
	}
	r = cni_conf_parse(text, len, &conf, &e);
	if (r == 0)
		r = dispatch(&env, &conf, &e);
	if (r < 0)
		print_error(conf.cni_version, &e);
	json_decref(conf.doc);
	free(text);
	return r < 0 ? 1 : 0;
}
