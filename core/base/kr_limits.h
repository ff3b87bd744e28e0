/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The limits of kube-rdma, one place for each: the configuration refuses
 * what placement, the extender and the node agent could not handle, and
 * they size their tables from the same numbers.
 */
#ifndef KR_KR_LIMITS_H
#define KR_KR_LIMITS_H

/* PF sections per node: placement and the extender's node view hold this
 * many PFs (bitmaps and fixed tables). */
#define KR_MAX_PFS_PER_NODE 64

/* VFs per PF: the SR-IOV TotalVFs field is 16 bits. */
#define KR_MAX_VFS_PER_PF 65535u

/* RDMA interfaces one pod may ask for. */
#define KR_MAX_IFACES_PER_POD 128

#endif
