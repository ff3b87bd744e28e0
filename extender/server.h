/* SPDX-License-Identifier: Apache-2.0 */
/* The extender's HTTP listener ([extender] listen, path_prefix). */
#ifndef KR_EXT_SERVER_H
#define KR_EXT_SERVER_H

#include "verbs.h"

struct kr_ext_server;

int kr_ext_server_start(struct kr_extender *x, struct kr_ext_server **ret,
			struct kr_err *err);
void kr_ext_server_stop(struct kr_ext_server *s);

#endif
