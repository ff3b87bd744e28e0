/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bearer token the extender shows each daemon when it reads the
 * node's inventory (daemons with [daemon] auth = tokenreview let in only
 * the users they name): [extender] inventory_token_file, by default in a
 * pod its service account's token; "none" sends no token.  The file is
 * followed (core/k8s/token_file.h): projected tokens rotate.
 *
 * One per process, set up before any thread starts: the inventory
 * requests are made deep in the node cache, which needs no more of it
 * than a header.
 */
#ifndef KR_INVENTORY_TOKEN_H
#define KR_INVENTORY_TOKEN_H

#include "config.h"

/*
 * Choose the token file from 'cfg' and check that it reads (a warning
 * when not: the daemons will refuse the extender until it does).  -ENOMEM.
 */
int inventory_token_setup(const struct kr_config *cfg, struct kr_err *err);

/*
 * "Authorization: Bearer TOKEN", the token as its file holds it now, as a
 * new string for kr_token_free; NULL when there is no token file, or it
 * cannot be read now (logged, rate-limited).  Safe from any thread.
 */
char *inventory_token_header(void);

/* After the last request. */
void inventory_token_teardown(void);

#endif
