/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core's rtnetlink operations on VF netdevs (libnl-route), for the CNI
 * plugin: move and rename in one request, drop alternative names, addresses,
 * routes, link state.  libnl's NLE_* codes never leave this module: every
 * function returns 0 or a negative errno with a sentence in err.
 */
#ifndef KR_NL_H
#define KR_NL_H

#include <stdint.h>

#include "kube-rdma/backend.h"

struct kr_nl;

/*
 * The sysfs root in force ([node] sysfs_root; kr_node_open passes it on).
 * Programs built with the test build's fake kernels (KR_TEST_FAKES=ON)
 * send VF and RDMA requests to the fake kernel in ROOT/netlink when there
 * is one, which is how tests run the real programs against fake trees;
 * other programs ignore it.  Process-wide, set before sockets are opened.
 */
void kr_nl_use_sysfs_root(const char *root);

/*
 * A route socket in the network namespace behind 'netns_fd' (-1: the
 * caller's).  The socket stays in that namespace for its life.
 */
int kr_nl_open(int netns_fd, struct kr_nl **ret, struct kr_err *err);
void kr_nl_close(struct kr_nl *nl);

/* ifindex of 'name' in the socket's namespace; -ENODEV when absent. */
int kr_nl_ifindex(struct kr_nl *nl, const char *name, int *ret,
		  struct kr_err *err);

/* Name and MAC ("aa:bb:..") of 'ifindex'. */
int kr_nl_link_info(struct kr_nl *nl, int ifindex, char name[KR_IFNAMSIZ],
		    char mac[KR_MAC_STR_SIZE], struct kr_err *err);

/*
 * The name of the link whose hardware address is 'mac' ("aa:bb:..", any
 * case); -ENODEV when none has it.
 */
int kr_nl_find_mac(struct kr_nl *nl, const char *mac, char name[KR_IFNAMSIZ],
		   struct kr_err *err);

/*
 * Move the link 'name' into the namespace behind 'target_netns_fd' and name
 * it 'new_name' there, in one RTM_NEWLINK request: the kernel checks the
 * new name in the target namespace only, so a name taken on the source
 * side never collides.  -EEXIST when 'new_name' is taken in the target.
 */
int kr_nl_move(struct kr_nl *nl, const char *name, int target_netns_fd,
	       const char *new_name, struct kr_err *err);

/* Rename a link in place (down links only, as the kernel requires). */
int kr_nl_rename(struct kr_nl *nl, int ifindex, const char *new_name,
		 struct kr_err *err);

/*
 * Remove every alternative name of the link (kernels since 6.x keep the old
 * name as one on rename, and the next rename or move then fails).
 */
int kr_nl_drop_altnames(struct kr_nl *nl, int ifindex, struct kr_err *err);

/* Set the link up (1) or down (0). */
int kr_nl_set_up(struct kr_nl *nl, int ifindex, int up, struct kr_err *err);

/* Add "ADDR/PREFIX" (v4 or v6) to the link; an existing one is fine. */
int kr_nl_addr_add(struct kr_nl *nl, int ifindex, const char *cidr,
		   struct kr_err *err);

/* 1 when the link has "ADDR/PREFIX", 0 when not. */
int kr_nl_addr_has(struct kr_nl *nl, int ifindex, const char *cidr,
		   struct kr_err *err);

/*
 * Add a route to 'dst' ("0.0.0.0/0", "10.0.0.0/8", ...) through 'gw' (may
 * be NULL or "") on the link; an identical existing route is fine.
 */
int kr_nl_route_add(struct kr_nl *nl, int ifindex, const char *dst,
		    const char *gw, struct kr_err *err);

#endif
