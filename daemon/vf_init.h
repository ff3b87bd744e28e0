/* SPDX-License-Identifier: Apache-2.0 */
/* kube-rdma-daemon init: bring every configured PF to its VF count. */
#ifndef KR_VF_INIT_H
#define KR_VF_INIT_H

#include <stdio.h>

#include "node.h"

/*
 * For each PF of 'node', set num_vfs as configured and print one summary
 * line per PF to 'out'.  One PF failing does not stop the others.  A PF
 * whose count would change while pods hold its VFs fails (changing it
 * takes every VF away), unless 'force'.  Returns the number of PFs that
 * failed.
 */
int vf_init_node(struct kr_node *node, int force, FILE *out);

#endif
