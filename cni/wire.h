/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The socket protocol between the kube-rdma CNI plugin and the node agent
 * (docs/cni.md, "The agent's socket").  A unix stream connection carries
 * one request and one response, each a frame: a 4-byte length in network
 * byte order, then that many bytes of a JSON object.
 *
 *   request   {"version": 1, "env": {"CNI_COMMAND": "ADD", ...},
 *              "stdin": "<the network configuration>"}
 *   response  {"version": 1, "exit": 0, "stdout": "...", "stderr": "..."}
 *
 * Also what the plugin and the agent share beyond the frames: the CNI
 * error codes, the versions spoken and the VERSION answer, and how a
 * request is taken from a process (its stdin and CNI_* environment).
 * Linked into the static plugin and into the agent: it depends on jansson
 * and libc only.
 */
#ifndef KR_CNI_WIRE_H
#define KR_CNI_WIRE_H

#include <jansson.h>
#include <stddef.h>

#define CNI_WIRE_VERSION 1
/* Largest frame either side accepts: the plugin reads at most 4 MiB of
 * configuration, which JSON escaping may grow. */
#define CNI_WIRE_MAX_FRAME (16u << 20)
/* How long the agent waits for a request once connected. */
#define CNI_WIRE_REQUEST_TIMEOUT_MS 10000
/* How long the plugin waits for the answer: beyond any ADD the agent
 * runs (60 interfaces with IPAM take seconds), within the runtimes'
 * timeouts (kubelet's runtime-request-timeout is 2 minutes). */
#define CNI_WIRE_RESPONSE_TIMEOUT_MS 110000
/* The most configuration a request carries (a plugin's stdin). */
#define CNI_WIRE_STDIN_MAX (4u << 20)

/* Well-known CNI error codes (SPEC.md "Error"), and ours (100+). */
enum cni_code {
	CNI_ERR_UNKNOWN = 0,
	CNI_ERR_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_INVALID_NETNS = 8,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	/* plugin-specific */
	CNI_ERR_NO_ROOM = 100,	/* the request does not fit the node */
	CNI_ERR_INTERFACE = 101,	/* setting up an interface failed */
	CNI_ERR_IPAM = 102,		/* the delegated IPAM plugin failed */
	CNI_ERR_CHECK = 103,		/* CHECK found a difference */
	CNI_ERR_NOT_PERMITTED = 104,	/* the agent refused the caller */
	CNI_ERR_INTERNAL = 999,
};

/* Is 'v' a CNI spec version we speak (0.4.0, 1.0.0, 1.1.0)? */
int cni_version_supported(const char *v);

/*
 * The VERSION answer to a configuration of version 'version' (NULL when
 * it has none): malloc'd JSON, newline-ended, or NULL when out of memory.
 */
char *cni_version_answer(const char *version);

/*
 * All of 'fd' (a plugin's stdin), at most CNI_WIRE_STDIN_MAX bytes,
 * NUL-terminated; NULL on a read error or when longer.
 */
char *cni_read_all(int fd, size_t *ret_len);

/* Every CNI_* variable of this process's environment, as strings. */
json_t *cni_environment(void);

/*
 * Write 'doc' as one frame to the stream socket 'fd' (MSG_NOSIGNAL).
 * 0, or a negative errno with a message in 'msg' (of 'size' bytes).
 */
int cni_wire_send(int fd, json_t *doc, char *msg, size_t size);

/*
 * Read one frame of at most 'max' bytes from 'fd' within 'timeout_ms';
 * *ret is the decoded object.  -ETIMEDOUT, -ECONNRESET (closed before a
 * whole frame), -EMSGSIZE, -EPROTO (not a JSON object) or another
 * negative errno, with a message in 'msg'.
 */
int cni_wire_recv(int fd, size_t max, int timeout_ms, json_t **ret,
		  char *msg, size_t size);

#endif
