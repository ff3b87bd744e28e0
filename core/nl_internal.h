/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the netlink modules of the core share (nl.c: links, addresses,
 * routes; nl_vf.c: VF settings on a PF; rdma_nl.c: RDMA devices).  Not for
 * the rest of the core.
 */
#ifndef KR_NL_INTERNAL_H
#define KR_NL_INTERNAL_H

#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "err.h"

struct kr_nl {
	struct nl_sock *sock;
	/* $KR_NETLINK_FAKE: requests to the fake kernels (nl_fake.h),
	 * except nl.c's, which always go to the kernel */
	const char *fake_dir;
};

/*
 * Connect 'nl' to netlink 'protocol' ('name' for messages) in the
 * namespace behind 'netns_fd' (-1: the caller's), and read
 * $KR_NETLINK_FAKE.  On failure nothing is left allocated.
 */
int kr_nl_init(struct kr_nl *nl, int protocol, const char *name,
	       int netns_fd, struct kr_err *err);
void kr_nl_fini(struct kr_nl *nl);

/*
 * Move the calling thread into the namespace behind 'netns_fd' (-1: stay),
 * remembering the one it leaves in *ret_self for kr_netns_leave, which
 * aborts rather than go on in the wrong namespace.
 */
int kr_netns_enter(int netns_fd, int *ret_self, struct kr_err *err);
void kr_netns_leave(int self);

/*
 * Send 'msg' (always freed) to the kernel, hand every reply message to
 * 'on_reply' (may be NULL) and, when the request asked for one, wait for
 * the ACK.  0 or the kernel's negative errno.
 */
int kr_nl_exchange(struct kr_nl *nl, struct nl_msg *msg,
		   int (*on_reply)(struct nl_msg *msg, void *arg), void *arg);

#endif
