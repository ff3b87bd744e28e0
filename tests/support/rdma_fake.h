/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake kernel for the RDMA netlink requests of core/kernel/rdma_nl.c, in the
 * same directory DIR as the rtnetlink one (nl_fake.h), and test code as it
 * is: there are no RDMA devices where the tests run, and no ib_core.
 *
 * DIR/rdma.json holds the kernel's RDMA devices and its mode:
 *   {"netns_mode": "exclusive",            or "shared" (the default)
 *    "devices": [{"index": 5, "name": "mlx5_4",
 *                 "netns": 4026531840,     inode of its network namespace
 *                 "disassociate": false,   optional: a driver that cannot
 *                                          disassociate refuses moves
 *                 "sysfs": ["/tmp/sys/devices/.../infiniband/mlx5_4"],
 *                 "sysfs_netns": 4026531840}]}
 * "sysfs" (optional) lists a fake node tree's entries of the device, which
 * are there only while it is in namespace "sysfs_netns", as in the
 * kernel's sysfs; they wait in DIR/rdma-away meanwhile.
 * No file is a kernel without RDMA netlink (ib_core not loaded).
 *
 * Requests are decoded from their bytes and answered as the kernel's
 * nldev.c does: a dump lists the devices the socket's namespace may see
 * (all of them in shared mode); a move needs exclusive mode, a device the
 * socket sees, a namespace descriptor, and a caller thread in the device's
 * namespace.  Each request appends a line to DIR/netlink.log:
 *   RDMA SYS_GET -> OK
 *   RDMA GET dump -> OK
 *   RDMA SET mlx5_4 NET_NS_FD net:[4026532211] -> OK
 */
#ifndef KR_RDMA_FAKE_H
#define KR_RDMA_FAKE_H

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <stdint.h>

/* 1 when DIR plays a kernel with RDMA netlink, 0 when not. */
int kr_rdma_fake_present(const char *dir);

/*
 * Answer 'req', sent on a socket of the namespace with inode
 * 'sock_netns', from DIR: replies go to 'on_reply' (may be NULL).  0 or
 * the negative errno the kernel would send back.
 */
int kr_rdma_fake_exchange(const char *dir, uint64_t sock_netns,
			  struct nlmsghdr *req,
			  int (*on_reply)(struct nl_msg *msg, void *arg),
			  void *arg);

#endif
