/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /getpfs: the inventory in the JSON shape of the paper's RDMA daemon
 * (a list of PFs with used/capacity tx rate and VFs, and their VFs), so a
 * client written for that daemon keeps working.
 */
#ifndef KR_GETPFS_API_H
#define KR_GETPFS_API_H

#include <jansson.h>

#include "inventory.h"

/* New reference, or NULL when out of memory. */
json_t *getpfs_json(const struct kr_inventory *inv);

#endif
