/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a remote daemon's inventory (kube-rdma-ctl inventory --url). */
#ifndef KR_CTL_REMOTE_H
#define KR_CTL_REMOTE_H

#include "inventory.h"

/*
 * GET URL/v1/inventory (or URL itself when it has a path) with a 10 s
 * timeout, and decode it strictly.  Errors name the URL and what failed
 * (connection, HTTP status, decoding).
 */
int ctl_fetch_inventory(const char *url, struct kr_inventory **ret,
			struct kr_err *err);

#endif
