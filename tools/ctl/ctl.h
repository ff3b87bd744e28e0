/* SPDX-License-Identifier: Apache-2.0 */
/* What the kube-rdma-ctl commands share. */
#ifndef KR_CTL_H
#define KR_CTL_H

#include "config.h"
#include "inventory.h"

#define EXIT_NO 1	/* a "no" answer, or a PF that could not be read */
#define EXIT_USAGE 2	/* bad input or usage */

/* Load a configuration, printing the error; 0 or -1 (node_access.c). */
int ctl_load_config(const char *path, struct kr_config **cfg);

/*
 * The live inventory of the node 'config' describes.  Returns the exit
 * status (PF errors printed); *ret is set when any inventory was read.
 */
int ctl_live_inventory(const char *config, struct kr_inventory **ret);

/* kube-rdma-ctl place ... (place.c) */
int ctl_place(int argc, char **argv);

#endif
