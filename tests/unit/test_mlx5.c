/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mlx5 backend, loaded through the loader, against fake node trees
 * (tests/support/fake_node.py): a ConnectX-5 Ethernet PF with 0 and with 8
 * VFs, a ConnectX-6 InfiniBand PF, an Intel E810 PF and a NIC without
 * SR-IOV.  VF requests go to the fake rtnetlink kernel (tests/support/nl_fake.h),
 * which logs them attribute by attribute.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend_loader.h"
#include "err.h"
#include "sysfs.h"
#include "../support/netns.h"

static char root[64];
static struct kr_backend *be;

/* The kernel's answer to sriov_numvfs: VFs re-created at once here
 * (test_gsriov covers the asynchronous side). */
static int fake_sysfs_write(const char *r, const char *rel, const char *value,
			    struct kr_err *err)
{
	char name[32];

	if (!strstr(rel, "sriov_numvfs") ||
	    sscanf(rel, "class/net/%31[^/]", name) != 1)
		return kr_sysfs_write(r, rel, value, err);
	return kr_test_fake_node(root, "set-vfs %s %d", name, atoi(value))
		       ? kr_err_set(err, -EIO, "set-vfs failed")
		       : 0;
}

static const char *requests(void)
{
	char nl[96];

	snprintf(nl, sizeof(nl), "%s/netlink", root);
	return kr_test_netlink_requests(nl);
}

static int setup(void **state)
{
	struct kr_err err = { 0 };

	snprintf(root, sizeof(root), "/tmp/kr-test-mlx5-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	if (kr_test_fake_node(root, "add-pf cx5 ens1f0 0000:3b:00.0 --vfs 8") ||
	    kr_test_fake_node(root, "add-pf cx5 ens1f1 0000:3b:00.1 "
				    "--ibdev 20") ||
	    kr_test_fake_node(root, "add-pf cx6-ib ib0 0000:af:00.0 "
				    "--ibdev 40") ||
	    kr_test_fake_node(root, "add-pf e810 ens2f0 0000:5e:00.0") ||
	    kr_test_fake_node(root, "add-pf plain eno1 0000:00:19.0"))
		return -1;
	if (kr_backend_load(getenv("KR_TEST_BACKEND_DIR"), "mlx5", root, root,
			    &be, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	be->svc.sysfs_write = fake_sysfs_write;
	return 0;
}

static int teardown(void **state)
{
	kr_backend_unload(be);
	return kr_test_sh("rm -rf %s", root);
}

static struct kr_backend_pf *open_pf(const char *name)
{
	struct kr_pf_desc d = { name, NULL, 0 };
	struct kr_backend_pf *pf = NULL;
	struct kr_err err = { 0 };
	int score = 0;

	assert_int_equal(be->ops.probe(be->ctx, &d, &score, &err), 0);
	assert_int_equal(score, 10);
	assert_int_equal(be->ops.pf_open(be->ctx, &d, &pf, &err), 0);
	return pf;
}

static void test_probe(void **state)
{
	struct kr_pf_desc intel = { "ens2f0", NULL, 0 },
			  plain = { "eno1", NULL, 0 }, gone = { "ens9", NULL, 0 },
			  cx5 = { "ens1f0", NULL, 0 };
	struct kr_err err = { 0 };
	int score = 0;

	assert_int_equal(be->ops.probe(be->ctx, &intel, &score, &err),
			 -EOPNOTSUPP);
	/* the name from the PCI ID database */
	assert_non_null(strstr(err.msg, "ens2f0 is 8086:1592 (Ethernet "
					"Controller E810-C"));
	assert_non_null(strstr(err.msg, "not a Mellanox device"));
	assert_int_equal(be->ops.probe(be->ctx, &plain, &score, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "eno1 has no SR-IOV (no sriov_totalvfs)");
	assert_int_equal(be->ops.probe(be->ctx, &gone, &score, &err), -ENODEV);
	/* a Mellanox function another driver holds is not ours */
	kr_test_sh("cd %s/devices/pci0000:00/0000:3b:00.0 && mv driver d && "
		   "ln -s ../../../bus/pci/drivers/vfio-pci driver", root);
	assert_int_equal(be->ops.probe(be->ctx, &cx5, &score, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "ens1f0 is driven by vfio-pci, not "
				     "mlx5_core");
	kr_test_sh("cd %s/devices/pci0000:00/0000:3b:00.0 && mv d driver",
		   root);
}

static void test_caps(void **state)
{
	struct kr_backend_pf *eth = open_pf("ens1f0"), *ib = open_pf("ib0");
	struct kr_pf_caps caps = { .size = sizeof(caps) };
	struct kr_err err = { 0 };
	const char *ib_port = "class/infiniband/mlx5_40/ports/1";

	assert_int_equal(be->ops.pf_query_caps(eth, &caps, &err), 0);
	assert_int_equal(caps.link_speed_mbps, 100000);
	assert_int_equal(caps.total_vfs, 8);
	assert_int_equal(caps.link_layer, KR_LINK_LAYER_ETHERNET);
	assert_string_equal(caps.pci, "0000:3b:00.0");
	/* mlx5 keeps reservations (e-switch QoS): promised by default */
	assert_true(caps.caps & KR_CAP_VF_RATE_MIN);
	assert_true(caps.caps & KR_CAP_VF_RDMA_DEVICE);
	assert_false(caps.caps & KR_CAP_VF_GUID);

	/* InfiniBand: the netdev has no speed, the RDMA port has */
	assert_int_equal(be->ops.pf_query_caps(ib, &caps, &err), 0);
	assert_int_equal(caps.link_layer, KR_LINK_LAYER_INFINIBAND);
	assert_int_equal(caps.link_speed_mbps, 200000);
	assert_int_equal(caps.numa_node, 1);
	assert_true(caps.caps & KR_CAP_VF_GUID);
	/* re-read each time: a slower link, then the port going down */
	kr_test_sh("echo '2.5 Gb/sec (1X SDR)' > %s/%s/rate", root, ib_port);
	assert_int_equal(be->ops.pf_query_caps(ib, &caps, &err), 0);
	assert_int_equal(caps.link_speed_mbps, 2500);
	kr_test_sh("echo '1: DOWN' > %s/%s/state", root, ib_port);
	assert_int_equal(be->ops.pf_query_caps(ib, &caps, &err), 0);
	assert_int_equal(caps.link_speed_mbps, 0);
	/* an unparsable rate is not a speed: the netdev's (none) stands */
	kr_test_sh("echo '4: ACTIVE' > %s/%s/state && echo fast > %s/%s/rate",
		   root, ib_port, root, ib_port);
	assert_int_equal(be->ops.pf_query_caps(ib, &caps, &err), 0);
	assert_int_equal(caps.link_speed_mbps, 0);
	kr_test_sh("echo '200 Gb/sec (4X HDR)' > %s/%s/rate", root, ib_port);
	be->ops.pf_close(eth);
	be->ops.pf_close(ib);
}

static void test_vfs_and_rdma(void **state)
{
	struct kr_backend_pf *pf = open_pf("ens1f0"), *empty = open_pf("ens1f1");
	struct kr_vf_rdma rdma = { .size = sizeof(rdma) };
	struct kr_vf_info vfs[8];
	struct kr_err err = { 0 };
	uint32_t n = 99;

	assert_int_equal(be->ops.vf_list(empty, vfs, 8, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(be->ops.vf_list(pf, vfs, 8, &n, &err), 0);
	assert_int_equal(n, 8);
	assert_string_equal(vfs[3].pci, "0000:3b:00.5");
	assert_string_equal(vfs[3].netdev, "ens1f0v3");
	assert_string_equal(vfs[3].rdma_device, "mlx5_4");
	assert_int_equal(be->ops.vf_get_rdma(pf, 3, &rdma, &err), 0);
	assert_string_equal(rdma.device, "mlx5_4");
	assert_string_equal(rdma.char_devices[0], "uverbs4");
	assert_string_equal(rdma.char_devices[1], "");
	assert_true(rdma.node_guid == 0);

	/* exclusive RDMA namespace mode: the device left with its pod */
	kr_test_sh("rm -r %s/devices/pci0000:00/0000:3b:00.5/infiniband", root);
	assert_int_equal(be->ops.vf_list(pf, vfs, 8, &n, &err), 0);
	assert_string_equal(vfs[3].rdma_device, "");
	assert_int_equal(be->ops.vf_get_rdma(pf, 3, &rdma, &err), -ENODEV);
	assert_string_equal(err.msg, "ens1f0 VF 3 (0000:3b:00.5) has no RDMA "
				     "device here");

	requests();
	assert_int_equal(be->ops.vf_set_rate(pf, 3, 25000, 40000, &err), 0);
	assert_int_equal(be->ops.vf_set_guid(pf, 3, 1, 2, &err), -EOPNOTSUPP);
	assert_int_equal(be->ops.vf_reset(pf, 3, &err), 0);
	assert_string_equal(
		requests(),
		"SETLINK ens1f0 vf 3 IFLA_VF_RATE min 25000 max 40000 -> OK\n"
		"GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n"
		"SETLINK ens1f0 vf 3 IFLA_VF_RATE min 0 max 0 -> OK\n");
	be->ops.pf_close(pf);
	be->ops.pf_close(empty);
}

static void test_ib_guids(void **state)
{
	struct kr_backend_pf *pf = open_pf("ib0");
	struct kr_vf_rdma rdma = { .size = sizeof(rdma) };
	struct kr_err err = { 0 };
	char bound[32] = "";
	const char *log;

	requests();
	/* new mlx5 IB VFs come with zero GUIDs; each gets its own */
	assert_int_equal(be->ops.pf_set_num_vfs(pf, 2, &err), 0);
	log = requests();
	assert_string_equal(
		log,
		"GETLINK ib0 RTEXT_FILTER_VF -> OK\n"
		"SETLINK ib0 vf 0 IFLA_VF_IB_NODE_GUID 0x0203000010280000 -> OK\n"
		"SETLINK ib0 vf 0 IFLA_VF_IB_PORT_GUID 0x0203000010280001 -> OK\n"
		"SETLINK ib0 vf 1 IFLA_VF_IB_NODE_GUID 0x0203000010280002 -> OK\n"
		"SETLINK ib0 vf 1 IFLA_VF_IB_PORT_GUID 0x0203000010280003 -> "
		"OK\n");
	/* then rebound: unbind and bind got the VF's address */
	assert_int_equal(kr_sysfs_read(root, "bus/pci/drivers/mlx5_core/bind",
				       bound, sizeof(bound), &err), 0);
	assert_string_equal(bound, "0000:af:00.3");
	assert_int_equal(be->ops.vf_get_rdma(pf, 1, &rdma, &err), 0);
	assert_string_equal(rdma.device, "mlx5_42");
	assert_true(rdma.node_guid == 0x0203000010280002ULL);
	assert_true(rdma.port_guid == 0x0203000010280003ULL);
	assert_string_equal(requests(), "GETLINK ib0 RTEXT_FILTER_VF -> OK\n");
	/* a caller that wants no GUIDs: no request, and nothing written
	 * beyond its size */
	memset(&rdma, 0xa5, sizeof(rdma));
	rdma.size = KR_VF_RDMA_SIZE_NO_GUIDS;
	assert_int_equal(be->ops.vf_get_rdma(pf, 1, &rdma, &err), 0);
	assert_string_equal(rdma.device, "mlx5_42");
	assert_true(rdma.node_guid == 0xa5a5a5a5a5a5a5a5ULL);
	assert_string_equal(requests(), "");
	rdma.size = offsetof(struct kr_vf_rdma, char_devices);
	assert_int_equal(be->ops.vf_get_rdma(pf, 1, &rdma, &err), -EINVAL);
	/* GUIDs of one's own choosing */
	assert_int_equal(be->ops.vf_set_guid(pf, 0, 0x10, 0x11, &err), 0);
	assert_string_equal(
		requests(),
		"SETLINK ib0 vf 0 IFLA_VF_IB_NODE_GUID 0x0000000000000010 -> OK\n"
		"SETLINK ib0 vf 0 IFLA_VF_IB_PORT_GUID 0x0000000000000011 -> "
		"OK\n");
	be->ops.pf_close(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_vfs_and_rdma),
		cmocka_unit_test(test_ib_guids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
