/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node agent's CNI service: the kube-rdma plugin's requests on the
 * unix socket [daemon] agent_socket (docs/cni.md, "The agent's socket").
 * Root-only (mode 0600 and the peer's SO_PEERCRED); each connection gets
 * a thread, up to CNI_SERVER_MAX_REQUESTS at a time.
 */
#ifndef KR_CNI_SERVER_H
#define KR_CNI_SERVER_H

#include "config.h"
#include "err.h"
#include "inventory_cache.h"

#define CNI_SERVER_MAX_REQUESTS 64

struct cni_server;

/*
 * Release what ADDs and DELs left unfinished (cni_repair), then listen on
 * cfg->daemon_agent_socket, replacing a stale socket file.
 */
int cni_server_start(const struct kr_config *cfg, struct inv_cache *cache,
		     struct cni_server **ret, struct kr_err *err);

/*
 * Stop taking requests and wait for the running ones to finish (a CNI
 * request is never cut in the middle).  Accepts NULL.
 */
void cni_server_stop(struct cni_server *srv);

#endif
