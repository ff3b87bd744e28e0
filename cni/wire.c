/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cni_wire_send(int fd, json_t *doc, char *msg, size_t size)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	size_t len, sent = 0;
	uint32_t head;
	int r = 0;

	if (!text) {
		snprintf(msg, size, "cannot encode the message");
		return -ENOMEM;
	}
	len = strlen(text);
	if (len > CNI_WIRE_MAX_FRAME) {
		snprintf(msg, size, "message of %zu bytes, at most %u", len,
			 CNI_WIRE_MAX_FRAME);
		free(text);
		return -EMSGSIZE;
	}
	head = htonl((uint32_t)len);
	if (send(fd, &head, sizeof(head), MSG_NOSIGNAL | MSG_MORE) !=
	    (ssize_t)sizeof(head))
		r = -errno;
	while (!r && sent < len) {
		ssize_t n = send(fd, text + sent, len - sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			sent += (size_t)n;
	}
	if (r < 0)
		snprintf(msg, size, "send: %s", strerror(-r));
	free(text);
	return r;
}

/* Read exactly 'len' bytes before 'deadline' (CLOCK_MONOTONIC ms). */
static int read_full(int fd, void *buf, size_t len, long long deadline,
		     char *msg, size_t size)
{
	size_t have = 0;

	while (have < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0) {
			snprintf(msg, size, "timed out after %zu of %zu "
					    "bytes", have, len);
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(msg, size, "poll: %s", strerror(errno));
			return -errno;
		}
		if (r == 0)
			continue;
		n = recv(fd, (char *)buf + have, len - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(msg, size, "recv: %s", strerror(errno));
			return -errno;
		}
		if (n == 0) {
			snprintf(msg, size, "connection closed after %zu of "
					    "%zu bytes", have, len);
			return -ECONNRESET;
		}
		have += (size_t)n;
	}
	return 0;
}

int cni_wire_recv(int fd, size_t max, int timeout_ms, json_t **ret,
		  char *msg, size_t size)
{
	long long deadline = now_ms() + timeout_ms;
	json_error_t jerr;
	uint32_t head;
	size_t len;
	char *text;
	json_t *doc;
	int r;

	r = read_full(fd, &head, sizeof(head), deadline, msg, size);
	if (r < 0)
		return r;
	len = ntohl(head);
	if (len > max) {
		snprintf(msg, size, "message of %zu bytes, at most %zu", len,
			 max);
		return -EMSGSIZE;
	}
	text = malloc(len + 1);
	if (!text) {
		snprintf(msg, size, "out of memory");
		return -ENOMEM;
	}
	r = read_full(fd, text, len, deadline, msg, size);
	if (r < 0) {
		free(text);
		return r;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!doc || !json_is_object(doc)) {
		snprintf(msg, size, "not a JSON object: %s",
			 doc ? "another value" : jerr.text);
		json_decref(doc);
		return -EPROTO;
	}
	*ret = doc;
	return 0;
}

static const char *const supported_versions[] = { "0.4.0", "1.0.0", "1.1.0" };

int cni_version_supported(const char *v)
{
	size_t i;

	for (i = 0; v && i < sizeof(supported_versions) /
				     sizeof(supported_versions[0]); i++)
		if (!strcmp(v, supported_versions[i]))
			return 1;
	return 0;
}

char *cni_version_answer(const char *version)
{
	json_t *out = json_pack("{s:s, s:[sss]}", "cniVersion",
				version ? version : "1.1.0",
				"supportedVersions", supported_versions[0],
				supported_versions[1], supported_versions[2]);
	char *text = out ? json_dumps(out, JSON_COMPACT) : NULL, *line = NULL;
	size_t len;

	json_decref(out);
	if (text) {
		len = strlen(text);
		line = realloc(text, len + 2);
		if (line)
			memcpy(line + len, "\n", 2);
		else
			free(text);
	}
	return line;
}

char *cni_read_all(int fd, size_t *ret_len)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size + 1);

	while (buf) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
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

			if (size >= CNI_WIRE_STDIN_MAX)
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

json_t *cni_environment(void)
{
	json_t *env = json_object();
	char **e;

	for (e = environ; env && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[64];
		json_t *value;

		if (strncmp(*e, "CNI_", 4) || !eq ||
		    (size_t)(eq - *e) >= sizeof(name))
			continue;
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		value = json_string(eq + 1);
		if (!value || json_object_set_new(env, name, value) < 0) {
			json_decref(env);
			return NULL;
		}
	}
	return env;
}
