/* SPDX-License-Identifier: Apache-2.0 */
/* The sysfs layer against a fake tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "sysfs.h"

static char root[64];

static int setup(void **state)
{
	char cmd[512];

	snprintf(root, sizeof(root), "/tmp/kr-test-sysfs-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p devices/pci0000:00/0000:3b:00.0 "
		 "devices/pci0000:00/0000:3b:00.2 class/net/ens1f0 && "
		 "ln -s ../../../devices/pci0000:00/0000:3b:00.0 "
		 "class/net/ens1f0/device && "
		 "echo 8 > devices/pci0000:00/0000:3b:00.0/sriov_totalvfs && "
		 "echo 0 > devices/pci0000:00/0000:3b:00.0/sriov_numvfs && "
		 "echo -1 > class/net/ens1f0/speed && "
		 "echo fast > class/net/ens1f0/duplex && "
		 "ln -s ../0000:3b:00.2 devices/pci0000:00/0000:3b:00.0/virtfn0",
		 root);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_read_write(void **state)
{
	struct kr_err err = { 0 };
	long long v;
	char buf[64];

	assert_int_equal(kr_sysfs_read_int(root,
					   "class/net/ens1f0/device/"
					   "sriov_totalvfs", &v, &err), 0);
	assert_int_equal(v, 8);
	assert_int_equal(kr_sysfs_read_int(root, "class/net/ens1f0/speed", &v,
					   &err), 0);
	assert_int_equal(v, -1);	/* link down */
	assert_int_equal(kr_sysfs_write(root, "class/net/ens1f0/device/"
					      "sriov_numvfs", "4", &err), 0);
	assert_int_equal(kr_sysfs_read(root, "class/net/ens1f0/device/"
					     "sriov_numvfs", buf, sizeof(buf),
				       &err), 0);
	assert_string_equal(buf, "4");
	assert_int_equal(kr_sysfs_link_name(root, "class/net/ens1f0/device/"
						  "virtfn0", buf, sizeof(buf),
					    &err), 0);
	assert_string_equal(buf, "0000:3b:00.2");
	assert_true(kr_sysfs_exists(root, "class/net/ens1f0/device/virtfn0"));
	assert_false(kr_sysfs_exists(root, "class/net/ens1f0/device/virtfn1"));
}

static void test_errors(void **state)
{
	struct kr_err err = { 0 };
	long long v;
	char buf[8];

	assert_int_equal(kr_sysfs_read(root, "class/net/nope/speed", buf,
				       sizeof(buf), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "class/net/nope/speed"));
	assert_int_equal(kr_sysfs_read_int(root, "class/net/ens1f0/duplex",
					   &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"fast\" is not a number"));
	assert_int_equal(kr_sysfs_read(root, "../etc/passwd", buf,
				       sizeof(buf), &err), -EINVAL);
	assert_false(kr_sysfs_exists(root, "../../etc"));
	assert_int_equal(kr_sysfs_link_name(root, "class/net/ens1f0/speed",
					    buf, sizeof(buf), &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
