/* SPDX-License-Identifier: Apache-2.0 */
/* A "HOST:PORT" listen address ([daemon] and [extender] listen). */
#ifndef KR_LISTEN_H
#define KR_LISTEN_H

#include <sys/socket.h>

#include "kube-rdma/backend.h"

/*
 * Resolve 'listen' ("0.0.0.0:54005", "[::1]:8888", "host:80") into a
 * socket address to bind; *ret_v6 says whether it is IPv6.  -EINVAL
 * naming the address when it does not resolve.
 */
int kr_listen_resolve(const char *listen, struct sockaddr_storage *ret,
		      int *ret_v6, struct kr_err *err);

#endif
