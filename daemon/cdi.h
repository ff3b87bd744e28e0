/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node's RDMA character devices as a Container Device Interface spec
 * (CDI_DIR/kube-rdma.json), so containerd and CRI-O can give a pod its
 * RDMA devices without a privileged container (docs/deploy.md).
 */
#ifndef KR_CDI_H
#define KR_CDI_H

#include "config.h"

/*
 * Scan DEV_ROOT/infiniband and write the spec when it differs from what
 * is there.  Kind "kube-rdma.io/rdma": one device per uverbsN (with the
 * matching umadN and issmN when present), a device "all", and rdma_cm for
 * every device.  No RDMA device: no spec (an old one is removed).
 */
int cdi_write(const struct kr_config *cfg, struct kr_err *err);

#endif
