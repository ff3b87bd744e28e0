/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RDMA devices and network namespaces, through RDMA netlink
 * (NETLINK_RDMA, rdma/rdma_netlink.h): the system's namespace mode, a
 * device's index, and a device's move into another namespace.
 *
 * In the kernel's shared mode (the default) every namespace sees every
 * RDMA device and none can move.  In exclusive mode (ib_core
 * netns_mode=0, set before the RDMA drivers load) a device is seen only
 * from the namespace it belongs to, and the CNI plugin moves a VF's RDMA
 * device into the pod with its netdev, so the pod sees only its own.
 *
 * In the test build, requests for a fake tree go to the fake kernel of
 * tests/support/rdma_fake.h instead (nl_internal.h's fake transport).
 */
#ifndef KR_RDMA_NL_H
#define KR_RDMA_NL_H

#include <stdint.h>

#include "err.h"

struct kr_rdma_nl;

/*
 * An RDMA netlink socket in the namespace behind 'netns_fd' (-1: the
 * caller's); the handle keeps its own duplicate of the descriptor.
 * -EPROTONOSUPPORT when the kernel has no RDMA netlink (ib_core not
 * loaded), in which case no RDMA device exists either.
 */
int kr_rdma_nl_open(int netns_fd, struct kr_rdma_nl **ret,
		    struct kr_err *err);
void kr_rdma_nl_close(struct kr_rdma_nl *rn);

/*
 * *ret = 1 when the system runs in exclusive mode, 0 in shared mode.  A
 * kernel older than 5.2 knows no modes and answers as shared.
 */
int kr_rdma_netns_exclusive(struct kr_rdma_nl *rn, int *ret,
			    struct kr_err *err);

/*
 * The index of RDMA device 'name' as the socket's namespace sees it;
 * -ENODEV when it sees no such device.
 */
int kr_rdma_dev_find(struct kr_rdma_nl *rn, const char *name,
		     uint32_t *ret_index, struct kr_err *err);

/*
 * Move RDMA device 'name' from the socket's namespace into the one behind
 * 'target_netns_fd'.  The kernel takes the move from a thread in the
 * device's namespace only, so the calling thread enters the socket's
 * namespace for the request.  -ENODEV when the device is not in the
 * socket's namespace; -EOPNOTSUPP in shared mode or when the driver
 * cannot disassociate its users.  Blocks while the kernel tears down the
 * device's users and re-creates its upper devices: an IPoIB netdev comes
 * back in the host's namespace, possibly under another name.
 */
int kr_rdma_dev_move(struct kr_rdma_nl *rn, const char *name,
		     int target_netns_fd, struct kr_err *err);

#endif
