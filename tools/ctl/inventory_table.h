/* SPDX-License-Identifier: Apache-2.0 */
/* The human-readable inventory table of kube-rdma-ctl. */
#ifndef KR_INVENTORY_TABLE_H
#define KR_INVENTORY_TABLE_H

#include <stdio.h>

#include "inventory.h"

/* Print a node's PFs, then each PF's VFs, as aligned columns. */
void inventory_print_table(FILE *out, const struct kr_inventory *inv);

#endif
