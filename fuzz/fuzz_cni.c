/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: what the node agent reads from a CNI plugin: a frame of
 * the socket protocol (cni/wire.h), the network configuration
 * (cni_conf_parse) and CNI_ARGS (cni_args_parse), each fed the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cni.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a frame on a socket, as the agent receives one. */
static void frame(const uint8_t *data, size_t size)
{
	uint8_t head[4] = { (uint8_t)(size >> 24), (uint8_t)(size >> 16),
			    (uint8_t)(size >> 8), (uint8_t)size };
	json_t *doc = NULL;
	char msg[256];
	int sv[2];

	if (size > 60000 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	if (write(sv[0], head, sizeof(head)) == sizeof(head) &&
	    write(sv[0], data, size) == (ssize_t)size) {
		close(sv[0]);
		sv[0] = -1;
		if (cni_wire_recv(sv[1], 1u << 20, 1000, &doc, msg,
				  sizeof(msg)) == 0 && !json_is_object(doc))
			abort();
		json_decref(doc);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_conf conf;
	struct cni_env env = { 0 };
	struct cni_error e;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cni_conf_parse(text, size, &conf, &e) == 0 &&
	    (!conf.name || !conf.cni_version))
		abort();
	json_decref(conf.doc);
	cni_args_parse(text, &env, &e);
	frame(data, size);
	free(text);
	return 0;
}
