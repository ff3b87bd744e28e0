/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/kernel/rdma_nl.c: the RDMA namespace mode, device lookup and moves, against
 * the fake kernel of tests/support/rdma_fake.c (which decodes each request and
 * answers as nldev.c does) with real network namespaces, and against this
 * machine's kernel, which has no RDMA netlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "nl.h"
#include "rdma_nl.h"
#include "../support/netns.h"

static char root[64], dir[80];	/* a fake tree, and its fake kernel */
static unsigned long long host_ino, pod_ino;
static int pod_fd = -1;

static unsigned long long ino_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (unsigned long long)st.st_ino;
}

static void write_state(const char *mode, const char *extra)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/rdma.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"netns_mode\": \"%s\", \"devices\": ["
		   "{\"index\": 1, \"name\": \"mlx5_0\", \"netns\": %llu},"
		   "{\"index\": 5, \"name\": \"mlx5_4\", \"netns\": %llu%s}]}",
		mode, host_ino, host_ino, extra);
	fclose(f);
	kr_test_netlink_requests(dir);
}

static int setup(void **state)
{
	struct stat st;

	if (kr_test_private_netns() < 0)
		return -1;
	pod_fd = kr_test_netns_new();
	if (pod_fd < 0 || stat("/proc/self/ns/net", &st) < 0)
		return -1;
	host_ino = (unsigned long long)st.st_ino;
	pod_ino = ino_of(pod_fd);
	snprintf(root, sizeof(root), "/tmp/kr-test-rdmanl-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/netlink", root);
	return mkdir(dir, 0700);
}

static int teardown(void **state)
{
	if (pod_fd >= 0)
		close(pod_fd);
	return kr_test_sh("rm -rf %s", root);
}

static void use_fake(int on)
{
	kr_nl_use_sysfs_root(on ? root : NULL);
}

/* This kernel has no ib_core: the socket cannot even be made. */
static void test_kernel_without_rdma(void **state)
{
	struct kr_err err = { 0 };
	struct kr_rdma_nl *rn = NULL;
	int r, exclusive = -1;

	use_fake(0);
	r = kr_rdma_nl_open(-1, &rn, &err);
	if (r == 0) {	/* a machine with RDMA: the mode can be read */
		assert_int_equal(kr_rdma_netns_exclusive(rn, &exclusive,
							 &err), 0);
		assert_true(exclusive == 0 || exclusive == 1);
		kr_rdma_nl_close(rn);
		return;
	}
	assert_int_equal(r, -EPROTONOSUPPORT);
	assert_string_equal(kr_err_text(&err), "the kernel has no RDMA "
					      "netlink (ib_core is not loaded)");
	/* and the fake plays the same kernel when it has no rdma.json */
	use_fake(1);
	assert_int_equal(kr_rdma_nl_open(-1, &rn, &err), -EPROTONOSUPPORT);
}

static void test_shared_mode(void **state)
{
	struct kr_err err = { 0 };
	struct kr_rdma_nl *rn = NULL;
	uint32_t index = 0;
	int exclusive = -1;

	use_fake(1);
	write_state("shared", "");
	assert_int_equal(kr_rdma_nl_open(-1, &rn, &err), 0);
	assert_int_equal(kr_rdma_netns_exclusive(rn, &exclusive, &err), 0);
	assert_int_equal(exclusive, 0);
	assert_int_equal(kr_rdma_dev_find(rn, "mlx5_4", &index, &err), 0);
	assert_int_equal(index, 5);
	assert_int_equal(kr_rdma_dev_move(rn, "mlx5_4", pod_fd, &err),
			 -EOPNOTSUPP);
	assert_non_null(strstr(kr_err_text(&err), "shared RDMA namespace"));
	kr_rdma_nl_close(rn);
	/* shared: the pod's namespace sees every device too */
	assert_int_equal(kr_rdma_nl_open(pod_fd, &rn, &err), 0);
	assert_int_equal(kr_rdma_dev_find(rn, "mlx5_0", &index, &err), 0);
	assert_int_equal(index, 1);
	kr_rdma_nl_close(rn);
}

static void test_exclusive_move_and_back(void **state)
{
	struct kr_err err = { 0 };
	struct kr_rdma_nl *host = NULL, *pod = NULL;
	char want[512];
	uint32_t index = 0;
	int exclusive = -1, host_fd, self;

	use_fake(1);
	write_state("exclusive", "");
	host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(host_fd >= 0);
	assert_int_equal(kr_rdma_nl_open(-1, &host, &err), 0);
	assert_int_equal(kr_rdma_nl_open(pod_fd, &pod, &err), 0);
	assert_int_equal(kr_rdma_netns_exclusive(host, &exclusive, &err), 0);
	assert_int_equal(exclusive, 1);
	/* the pod sees nothing yet */
	assert_int_equal(kr_rdma_dev_find(pod, "mlx5_4", &index, &err),
			 -ENODEV);
	assert_string_equal(kr_err_text(&err),
			    "no RDMA device mlx5_4 in this namespace");
	assert_int_equal(kr_rdma_dev_move(host, "mlx5_4", pod_fd, &err), 0);
	snprintf(want, sizeof(want),
		 "RDMA SYS_GET -> OK\n"
		 "RDMA GET dump -> OK\n"
		 "RDMA GET dump -> OK\n"
		 "RDMA SET mlx5_4 NET_NS_FD net:[%llu] -> OK\n", pod_ino);
	assert_string_equal(kr_test_netlink_requests(dir), want);
	/* now only the pod sees it; mlx5_0 stays */
	assert_int_equal(kr_rdma_dev_find(host, "mlx5_4", &index, &err),
			 -ENODEV);
	assert_int_equal(kr_rdma_dev_find(host, "mlx5_0", &index, &err), 0);
	assert_int_equal(kr_rdma_dev_find(pod, "mlx5_4", &index, &err), 0);
	assert_int_equal(index, 5);
	/* from the host it cannot be moved again */
	assert_int_equal(kr_rdma_dev_move(host, "mlx5_4", pod_fd, &err),
			 -ENODEV);
	/* back: the request is made from inside the pod's namespace, as
	 * the kernel requires, and this thread is home again after it */
	kr_test_netlink_requests(dir);
	assert_int_equal(kr_rdma_dev_move(pod, "mlx5_4", host_fd, &err), 0);
	snprintf(want, sizeof(want),
		 "RDMA GET dump -> OK\n"
		 "RDMA SET mlx5_4 NET_NS_FD net:[%llu] -> OK\n", host_ino);
	assert_string_equal(kr_test_netlink_requests(dir), want);
	assert_int_equal(kr_rdma_dev_find(host, "mlx5_4", &index, &err), 0);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_int_equal(ino_of(self), host_ino);
	close(self);
	kr_rdma_nl_close(pod);
	kr_rdma_nl_close(host);
	close(host_fd);
}

static void test_refusals(void **state)
{
	struct kr_err err = { 0 };
	struct kr_rdma_nl *rn = NULL;
	char want[128];
	uint32_t index;
	int file;

	use_fake(1);
	/* a driver without disassociate_ucontext */
	write_state("exclusive", ", \"disassociate\": false");
	assert_int_equal(kr_rdma_nl_open(-1, &rn, &err), 0);
	assert_int_equal(kr_rdma_dev_move(rn, "mlx5_4", pod_fd, &err),
			 -EOPNOTSUPP);
	/* a descriptor that is not a namespace */
	file = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	assert_true(file >= 0);
	assert_int_equal(kr_rdma_dev_move(rn, "mlx5_0", file, &err), -EINVAL);
	assert_string_equal(kr_err_text(&err),
			    "move RDMA device mlx5_0: Invalid argument");
	snprintf(want, sizeof(want), "RDMA SET mlx5_0 NET_NS_FD %d (not a "
		 "namespace) -> EINVAL\n", file);
	assert_non_null(strstr(kr_test_netlink_requests(dir), want));
	close(file);
	assert_int_equal(kr_rdma_dev_find(rn, "mlx5_9", &index, &err), -ENODEV);
	kr_rdma_nl_close(rn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_without_rdma),
		cmocka_unit_test(test_shared_mode),
		cmocka_unit_test(test_exclusive_move_and_back),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
