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
