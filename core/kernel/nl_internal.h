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

#include <stdint.h>

#include "err.h"

struct kr_nl {
	struct nl_sock *sock;
	/* the fake kernel's directory when its requests go there (below),
	 * else NULL; nl.c's requests always go to the kernel */
	const char *fake_dir;
};

/*
 * The seam for the test build's fake kernels (tests/support/fake_kernel.c,
 * compiled into programs only with KR_TEST_FAKES=ON, which release builds
 * leave OFF): a transport that answers VF and RDMA requests instead of the
 * kernel.  It is installed before main() runs, or never; with none, every
 * request goes to the kernel.
 */
struct kr_nl_fake_transport {
	/* an rtnetlink VF request (RTM_GETLINK/SETLINK) */
	int (*vf_exchange)(const char *dir, struct nlmsghdr *req,
			   int (*on_reply)(struct nl_msg *msg, void *arg),
			   void *arg);
	/* does the fake kernel have RDMA netlink? */
	int (*rdma_present)(const char *dir);
	/* an RDMA netlink request from a socket of namespace 'sock_netns' */
	int (*rdma_exchange)(const char *dir, uint64_t sock_netns,
			     struct nlmsghdr *req,
			     int (*on_reply)(struct nl_msg *msg, void *arg),
			     void *arg);
};

extern const struct kr_nl_fake_transport *kr_nl_fakes;

/*
 * Connect 'nl' to netlink 'protocol' ('name' for messages) in the
 * namespace behind 'netns_fd' (-1: the caller's); with a fake transport
 * and a fake kernel for the sysfs root in force (kr_nl_use_sysfs_root),
 * requests go to it.  On failure nothing is left allocated.
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
