/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma: the CNI plugin on the node.  A static program with no
 * configuration of its own: it hands the request (the CNI_* environment
 * and the network configuration on stdin) to the node agent,
 * kube-rdma-daemon serve, over its unix socket, and prints the agent's
 * answer with its exit status.  VERSION is answered here, so runtimes can
 * probe the plugin while the agent is down; an agent that does not answer
 * is CNI error 11 (try again later), or 50 for STATUS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "paths.h"
#include "wire.h"

/* A listening agent accepts at once; a full backlog is an agent that is
 * not keeping up. */
#define CONNECT_TIMEOUT_MS 5000

static const char *supported_version(const char *v)
{
	return cni_version_supported(v) ? v : "1.1.0";
}

/* Print a CNI error on stdout (where libcni reads it) and a line on stderr. */
static int fail(const char *version, int code, const char *msg,
		const char *details)
{
	json_t *doc = json_pack("{s:s, s:i, s:s, s:s}", "cniVersion",
				supported_version(version), "code", code,
				"msg", msg, "details", details);

	if (doc)
		json_dumpf(doc, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(doc);
	fprintf(stderr, "kube-rdma: error: %s: %s\n", msg, details);
	return 1;
}

static int print_version(json_t *conf)
{
	char *answer = cni_version_answer(
		json_string_value(json_object_get(conf, "cniVersion")));

	if (!answer)
		return fail(NULL, CNI_ERR_IO, "out of memory", "");
	fputs(answer, stdout);
	free(answer);
	return 0;
}

/*
 * Connect to the agent at 'path'.  A unix socket whose backlog is full
 * makes connect wait, for at most the send timeout.
 */
static int agent_connect(const char *path, char *msg, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_MS / 1000 };
	int fd, r = 0;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(msg, size, "%s: socket path longer than %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(msg, size, "socket: %s", strerror(errno));
		return -errno;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(msg, size, "connect %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

/* Hand the request to the agent; print its answer. */
static int forward(const char *command, const char *version, json_t *conf,
		   const char *text, size_t len)
{
	const char *path = KR_DEFAULT_AGENT_SOCKET, *out, *err;
	int unavailable = !strcmp(command, "STATUS") ? CNI_ERR_NOT_AVAILABLE
						      : CNI_ERR_TRY_AGAIN;
	json_t *req = NULL, *resp = NULL, *stdin_text, *code;
	char msg[512], details[768];
	int fd, r;

	if (json_object_get(conf, "agent_socket")) {
		path = json_string_value(json_object_get(conf, "agent_socket"));
		if (!path || path[0] != '/')
			return fail(version, CNI_ERR_INVALID_CONFIG,
				    "invalid agent_socket",
				    "must be an absolute path (a string)");
	}
	stdin_text = json_stringn(text, len);
	if (!stdin_text)
		return fail(version, CNI_ERR_DECODE,
			    "cannot decode the network configuration",
			    "not UTF-8 text");
	req = json_pack("{s:i, s:o*, s:o}", "version", CNI_WIRE_VERSION,
			"env", cni_environment(), "stdin", stdin_text);
	if (!req || !json_object_get(req, "env")) {
		json_decref(req);
		return fail(version, CNI_ERR_IO, "out of memory", "");
	}
	fd = agent_connect(path, msg, sizeof(msg));
	r = fd < 0 ? fd : cni_wire_send(fd, req, msg, sizeof(msg));
	json_decref(req);
	/* an agent that refuses answers before it reads the whole request */
	if (r == 0 || r == -EPIPE || r == -ECONNRESET) {
		int sent = r;

		r = cni_wire_recv(fd, CNI_WIRE_MAX_FRAME,
				  CNI_WIRE_RESPONSE_TIMEOUT_MS, &resp, msg,
				  sizeof(msg));
		if (r < 0 && sent < 0)
			snprintf(msg, sizeof(msg), "send: %s",
				 strerror(-sent));
	}
	if (fd >= 0)
		close(fd);
	if (r == -EACCES || r == -EPERM)
		return fail(version, CNI_ERR_NOT_PERMITTED,
			    "not permitted to reach the kube-rdma node agent",
			    msg);
	if (r < 0) {
		snprintf(details, sizeof(details),
			 "%s (kube-rdma-daemon serve on this node is not "
			 "running, restarting, or busy)", msg);
		return fail(version, unavailable,
			    "the kube-rdma node agent is not answering",
			    details);
	}
	out = json_string_value(json_object_get(resp, "stdout"));
	err = json_string_value(json_object_get(resp, "stderr"));
	code = json_object_get(resp, "exit");
	if (!out || !json_is_integer(code)) {
		json_decref(resp);
		return fail(version, unavailable,
			    "the kube-rdma node agent gave no answer",
			    "its response lacks stdout or exit");
	}
	fputs(out, stdout);
	if (err)
		fputs(err, stderr);
	r = json_integer_value(code) == 0 ? 0 : 1;
	json_decref(resp);
	return r;
}

int main(int argc, char **argv)
{
	const char *command = getenv("CNI_COMMAND"), *version;
	char details[256];
	json_error_t jerr;
	json_t *conf;
	size_t len = 0;
	char *text;
	int r;

	if (argc > 1 && (!strcmp(argv[1], "--version") ||
			 !strcmp(argv[1], "-V"))) {
		printf("kube-rdma CNI plugin %s, CNI spec 0.4.0 1.0.0 1.1.0, "
		       "agent protocol %d\n", KR_VERSION, CNI_WIRE_VERSION);
		return 0;
	}
	if (argc > 1) {
		printf("Usage: kube-rdma (a CNI plugin: CNI_COMMAND and the "
		       "other CNI_* variables in the environment, the network "
		       "configuration on stdin; it hands the request to the "
		       "node agent at %s, or at the configuration's "
		       "agent_socket; see docs/cni.md)\n",
		       KR_DEFAULT_AGENT_SOCKET);
		return !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")
			       ? 0
			       : 2;
	}
	text = cni_read_all(0, &len);
	if (!text)
		return fail(NULL, CNI_ERR_IO, "cannot read stdin",
			    "more than 4 MiB, or a read error");
	/* only for VERSION, agent_socket and the version of our own errors:
	 * the agent checks the configuration */
	conf = json_loadb(text, len, 0, &jerr);
	version = json_string_value(json_object_get(conf, "cniVersion"));
	if (!command) {
		r = fail(version, CNI_ERR_INVALID_ENV,
			 "required env variables missing", "[CNI_COMMAND]");
	} else if (!strcmp(command, "VERSION")) {
		r = print_version(conf);
	} else if (!json_is_object(conf)) {
		/* without it, not even the agent's socket is known */
		snprintf(details, sizeof(details), "%s (line %d, column %d)",
			 conf ? "not an object" : jerr.text, jerr.line,
			 jerr.column);
		r = fail(version, CNI_ERR_DECODE,
			 "cannot decode the network configuration", details);
	} else {
		r = forward(command, version, conf, text, len);
	}
	json_decref(conf);
	free(text);
	return r;
}
