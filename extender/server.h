/* SPDX-License-Identifier: Apache-2.0 */
/* The extender's HTTP listener ([extender] listen, path_prefix). */
#ifndef KR_EXT_SERVER_H
#define KR_EXT_SERVER_H

#include "verbs.h"

struct ext_server;

int ext_server_start(struct extender *x, struct ext_server **ret,
			struct kr_err *err);
void ext_server_stop(struct ext_server *s);

#endif
