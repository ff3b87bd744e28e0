/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespace helpers for tests.  A test runs in a private namespace
 * of its own, so whatever it creates disappears with it, even on failure.
 */
#ifndef KR_TEST_NETNS_H
#define KR_TEST_NETNS_H

/*
 * Move the calling process into a new, empty network namespace with
 * loopback up.  Returns 0, or -errno when namespaces are unavailable (not
 * root): the caller skips.
 */
int kr_test_private_netns(void);

/*
 * Make another namespace (a "pod") without entering it.  Returns an fd
 * that keeps it alive; closing it lets the kernel destroy the namespace
 * and the netdevs in it.
 */
int kr_test_netns_new(void);

/* Run a shell command (printf format) here; its exit status. */
int kr_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run tests/support/fake_node.py on the fake sysfs tree 'root' with the
 * fake rtnetlink tables in ROOT/netlink (where the code under test finds
 * them, given ROOT as its sysfs root), e.g.
 * ("add-pf cx5 ens1f0 0000:3b:00.0 --vfs 8").
 */
int kr_test_fake_node(const char *root, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The requests the fake rtnetlink kernel in 'dir' logged since the last
 * call (DIR/netlink.log, then removed), in a static buffer.
 */
const char *kr_test_netlink_requests(const char *dir);

/* Run a shell command inside the namespace behind 'fd'; its exit status. */
int kr_test_netns_run(int fd, const char *command);

#endif
