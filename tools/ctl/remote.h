/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a remote daemon's inventory (kube-rdma-ctl inventory --url). */
#ifndef KR_CTL_REMOTE_H
#define KR_CTL_REMOTE_H

#include "inventory.h"

/*
 * GET URL/v1/inventory (or URL itself when it has a path) with a 10 s
 * timeout, showing the bearer token in 'token_file' when not NULL (a
 * daemon with auth = tokenreview), and decode it strictly.  Errors name
 * the URL and what failed (token file, connection, HTTP status, decoding).
 */
int ctl_fetch_inventory(const char *url, const char *token_file,
			struct kr_inventory **ret, struct kr_err *err);

#endif
