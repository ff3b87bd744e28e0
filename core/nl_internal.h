/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the rtnetlink modules of the core (nl.c: links, addresses, routes;
 * nl_vf.c: VF settings on a PF) share.  Not for the rest of the core.
 */
#ifndef KR_NL_INTERNAL_H
#define KR_NL_INTERNAL_H

#include <netlink/msg.h>
#include <netlink/netlink.h>

struct kr_nl {
	struct nl_sock *sock;
	/* $KR_NETLINK_FAKE: nl_vf.c's requests go to the fake (nl_fake.h) */
	const char *fake_dir;
};

/*
 * Send 'msg' (always freed) to the kernel, hand every reply message to
 * 'on_reply' (may be NULL) and wait for the ACK.  0 or the kernel's
 * negative errno.
 */
int kr_nl_exchange(struct kr_nl *nl, struct nl_msg *msg,
		   int (*on_reply)(struct nl_msg *msg, void *arg), void *arg);

#endif
