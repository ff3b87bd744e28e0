/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic-sriov backend, loaded through the loader, against fake sysfs
 * trees shaped like real ones (an SR-IOV PF, a PF without SR-IOV, an
 * InfiniBand PF).  Writes to sriov_numvfs are answered as the kernel does:
 * EBUSY from non-zero to non-zero, and VFs appearing a little later.  The
 * services' netlink requests go to the fake kernel of tests/support/nl_fake.h.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend_loader.h"
#include "config.h"
#include "err.h"
#include "node.h"
#include "sysfs.h"
#include "../support/netns.h"

static char root[64];

/* ---- the kernel side of sriov_numvfs ---- */

static unsigned int pending;

static void *make_vfs(void *arg)
{
	usleep(150000);	/* VFs appear after the write returns */
	kr_test_fake_node(root, "set-vfs ens1f0 %u", pending);
	return NULL;
}

static int fake_sysfs_write(const char *r, const char *rel, const char *value,
			    struct kr_err *err)
{
	static pthread_t t;
	long long cur = 0;
	int ret;

	/* only ens1f0 gets VFs: ib0's never come (test_timeout) */
	if (!strstr(rel, "sriov_numvfs") || !strstr(rel, "ens1f0"))
		return kr_sysfs_write(r, rel, value, err);
	kr_sysfs_read_int(r, rel, &cur, err);
	if (cur && atoi(value))
		return kr_err_set(err, -EBUSY, "write %s: Device or resource "
					       "busy", rel);
	if (t)
		pthread_join(t, NULL), t = 0;
	kr_test_fake_node(root, "set-vfs ens1f0 0");
	ret = kr_sysfs_write(r, rel, value, err);
	pending = (unsigned int)atoi(value);
	if (pending)
		pthread_create(&t, NULL, make_vfs, NULL);
	return ret;
}

/* The VF requests the fake kernel saw since the last call. */
static const char *requests(void)
{
	char nl[96];

	snprintf(nl, sizeof(nl), "%s/netlink", root);
	return kr_test_netlink_requests(nl);
}

static struct kr_backend *be;

static int setup(void **state)
{
	struct kr_err err = { 0 };

	snprintf(root, sizeof(root), "/tmp/kr-test-gsriov-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	/* an Intel E810 PF, a NIC without SR-IOV, an InfiniBand PF */
	if (kr_test_fake_node(root, "add-pf e810 ens1f0 0000:3b:00.0") ||
	    kr_test_fake_node(root, "add-pf plain eno1 0000:00:19.0") ||
	    kr_test_fake_node(root, "add-pf cx6-ib ib0 0000:af:00.0"))
		return -1;
	if (kr_backend_load(getenv("KR_TEST_BACKEND_DIR"), "generic-sriov",
			    root, root, &be, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	be->svc.sysfs_write = fake_sysfs_write;
	return 0;
}

static int teardown(void **state)
{
	fake_sysfs_write(root, "class/net/ens1f0/device/sriov_numvfs", "0",
			 NULL);
	kr_backend_unload(be);
	return kr_test_sh("rm -rf %s", root);
}

static struct kr_backend_pf *open_pf(const char *name, const char *min_rate)
{
	struct kr_option opt = { "min_rate", min_rate, 1 };
	struct kr_pf_desc d = { name, &opt, min_rate ? 1 : 0 };
	struct kr_backend_pf *pf = NULL;
	struct kr_err err = { 0 };
	int score = 0;

	assert_int_equal(be->ops.probe(be->ctx, &d, &score, &err), 0);
	assert_true(score > 0);
	assert_int_equal(be->ops.pf_open(be->ctx, &d, &pf, &err), 0);
	return pf;
}

static void test_probe(void **state)
{
	struct kr_pf_desc none = { "eno1", NULL, 0 }, gone = { "ens9", NULL, 0 };
	struct kr_option bad = { "min_rate", "maybe", 3 };
	struct kr_pf_desc opt = { "ens1f0", &bad, 1 };
	struct kr_backend_pf *pf;
	struct kr_err err = { 0 };
	int score = 0;

	assert_int_equal(be->ops.probe(be->ctx, &none, &score, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "eno1 has no SR-IOV (no sriov_totalvfs)");
	assert_int_equal(be->ops.probe(be->ctx, &gone, &score, &err), -ENODEV);
	assert_int_equal(be->ops.pf_open(be->ctx, &opt, &pf, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "min_rate = \"maybe\": expected yes or no");
}

static void test_caps(void **state)
{
	struct kr_backend_pf *pf = open_pf("ens1f0", NULL), *ib;
	struct kr_pf_caps caps = { .size = sizeof(caps) };
	struct kr_err err = { 0 };

	assert_int_equal(be->ops.pf_query_caps(pf, &caps, &err), 0);
	assert_int_equal(caps.total_vfs, 16);
	assert_int_equal(caps.link_speed_mbps, 25000);
	assert_int_equal(caps.numa_node, 0);
	assert_int_equal(caps.link_layer, KR_LINK_LAYER_ETHERNET);
	assert_string_equal(caps.pci, "0000:3b:00.0");
	/* min_tx_rate support is declared, never assumed */
	assert_false(caps.caps & KR_CAP_VF_RATE_MIN);
	assert_true(caps.caps & KR_CAP_VF_RATE_MAX);
	be->ops.pf_close(pf);
	pf = open_pf("ens1f0", "yes");
	assert_int_equal(be->ops.pf_query_caps(pf, &caps, &err), 0);
	assert_true(caps.caps & KR_CAP_VF_RATE_MIN);
	be->ops.pf_close(pf);
	/* an InfiniBand PF whose link is down */
	ib = open_pf("ib0", NULL);
	assert_int_equal(be->ops.pf_query_caps(ib, &caps, &err), 0);
	assert_int_equal(caps.link_layer, KR_LINK_LAYER_INFINIBAND);
	assert_int_equal(caps.link_speed_mbps, 0);
	assert_int_equal(caps.total_vfs, 8);
	assert_int_equal(caps.numa_node, 1);
	be->ops.pf_close(ib);
}

static void test_vfs_and_rates(void **state)
{
	struct kr_backend_pf *pf = open_pf("ens1f0", NULL);
	struct kr_vf_info vfs[8];
	struct kr_err err = { 0 };
	uint32_t n = 0;

	assert_int_equal(be->ops.pf_set_num_vfs(pf, 4, &err), 0);
	assert_int_equal(be->ops.pf_get_num_vfs(pf, &n, &err), 0);
	assert_int_equal(n, 4);
	/* as the kernel: non-zero to non-zero is refused */
	assert_int_equal(be->ops.pf_set_num_vfs(pf, 2, &err), -EBUSY);
	assert_int_equal(be->ops.pf_set_num_vfs(pf, 17, &err), -ERANGE);
	assert_string_equal(err.msg, "17 VFs asked, ens1f0 supports 16");

	requests();
	assert_int_equal(be->ops.vf_set_rate(pf, 2, 0, 500, &err), 0);
	assert_int_equal(be->ops.vf_set_rate(pf, 2, 10, 0, &err), -EOPNOTSUPP);
	assert_int_equal(be->ops.vf_set_rate(pf, 2, 600, 500, &err), -ERANGE);
	assert_string_equal(requests(), "SETLINK ens1f0 vf 2 IFLA_VF_RATE min "
					"0 max 500 -> OK\n");

	assert_int_equal(be->ops.vf_list(pf, vfs, 8, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(vfs[2].pci, "0000:3b:00.4");
	assert_string_equal(vfs[2].netdev, "ens1f0v2");
	assert_string_equal(vfs[2].mac, "02:3b:00:00:00:02");
	assert_int_equal(vfs[2].max_tx_rate, 500);
	assert_int_equal(vfs[1].max_tx_rate, 0);

	/* a VF whose netdev left for a pod has none on the host */
	kr_test_sh("rm -r %s/devices/pci0000:00/0000:3b:00.3/net/ens1f0v1 "
		   "%s/class/net/ens1f0v1", root, root);
	assert_int_equal(be->ops.vf_list(pf, vfs, 8, &n, &err), 0);
	assert_string_equal(vfs[1].netdev, "");
	assert_string_equal(vfs[1].pci, "0000:3b:00.3");

	/* reset: what a pod's owner may have changed, back to defaults */
	kr_test_sh("cd %s/netlink && jq '.vfs[2] += {vlan: 7, trust: 1}' "
		   "ens1f0.json > t && mv t ens1f0.json", root);
	requests();
	assert_int_equal(be->ops.vf_reset(pf, 2, &err), 0);
	assert_string_equal(requests(),
			    "GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n"
			    "SETLINK ens1f0 vf 2 IFLA_VF_RATE min 0 max 0 -> OK\n"
			    "SETLINK ens1f0 vf 2 IFLA_VF_VLAN vlan 0 qos 0 -> OK\n"
			    "SETLINK ens1f0 vf 2 IFLA_VF_TRUST 0 -> OK\n");
	be->ops.pf_close(pf);
}

static void test_timeout(void **state)
{
	struct kr_option opt = { "vf_timeout_ms", "100", 1 };
	struct kr_pf_desc d = { "ib0", &opt, 1 };
	struct kr_backend_pf *pf = NULL;
	struct kr_err err = { 0 };

	/* ib0's VFs never appear in this tree */
	assert_int_equal(be->ops.pf_open(be->ctx, &d, &pf, &err), 0);
	assert_int_equal(be->ops.pf_set_num_vfs(pf, 2, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "ib0: VF 0 did not appear"));
	be->ops.pf_close(pf);
}

/* Missing files, unparsable numbers, a PF that vanishes. */
static void test_errors(void **state)
{
	struct kr_backend_pf *pf = open_pf("ib0", NULL);
	struct kr_pf_caps caps = { .size = sizeof(caps) };
	struct kr_vf_info vfs[2];
	struct kr_err err = { 0 };
	uint32_t n;

	/* a speed the kernel would never write reads as unknown */
	kr_test_sh("echo fast > %s/class/net/ib0/speed", root);
	assert_int_equal(be->ops.pf_query_caps(pf, &caps, &err), 0);
	assert_int_equal(caps.link_speed_mbps, 0);
	kr_test_sh("echo many > %s/class/net/ib0/device/sriov_numvfs", root);
	assert_int_equal(be->ops.pf_get_num_vfs(pf, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "class/net/ib0/device/sriov_numvfs"));
	kr_test_sh("rm %s/class/net/ib0/device/sriov_totalvfs", root);
	assert_int_equal(be->ops.pf_query_caps(pf, &caps, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "class/net/ib0/device/sriov_totalvfs"));
	/* the PF leaves while its VFs are awaited */
	kr_test_sh("echo 8 > %s/class/net/ib0/device/sriov_totalvfs && "
		   "echo 0 > %s/class/net/ib0/device/sriov_numvfs; "
		   "{ sleep 0.3; rm %s/class/net/ib0; } &", root, root, root);
	assert_int_equal(be->ops.pf_set_num_vfs(pf, 2, &err), -ENODEV);
	assert_string_equal(err.msg, "ib0 vanished while its VFs were being "
				     "created");
	assert_int_equal(be->ops.vf_list(pf, vfs, 2, &n, &err), -ENOENT);
	be->ops.pf_close(pf);
}

static void pf_error(const char *pf, const struct kr_err *err)
{
	fail_msg("PF %s: %s", pf ? pf : "-", kr_err_text(err));
}

/* The node inventory the daemon serves, from the fake tree. */
static void test_node_inventory(void **state)
{
	struct kr_inventory *inv = NULL;
	struct kr_config *cfg = NULL;
	struct kr_node *node = NULL;
	struct kr_err err = { 0 };
	char text[1024];
	json_t *doc;
	char *dump;

	snprintf(text, sizeof(text),
		 "[node]\nname = n1\nbackend_dir = %s\nstate_dir = %s/state\n"
		 "sysfs_root = %s\n[pf \"ens1f0\"]\nbackend = generic-sriov\n"
		 "num_vfs = 4\ncapacity_mbps = 20000\n",
		 getenv("KR_TEST_BACKEND_DIR"), root, root);
	assert_int_equal(kr_config_parse(text, strlen(text), "n.conf", &cfg,
					 &err), 0);
	assert_int_equal(kr_node_open(cfg, &node, &err), 0);
	assert_non_null(node->pfs[0].handle);
	assert_int_equal(kr_node_inventory(node, pf_error, &inv, &err), 0);
	doc = kr_inventory_to_json(inv);
	dump = json_dumps(doc, JSON_COMPACT);
	assert_non_null(strstr(dump, "\"name\":\"ens1f0\",\"backend\":"
				     "\"generic-sriov\",\"pci\":\"0000:3b:00.0\","
				     "\"link_speed_mbps\":25000,\"capacity_mbps\":"
				     "20000,\"min_rate_supported\":false,"
				     "\"reserved_mbps\":0,\"vfs_total\":4"));
	assert_non_null(strstr(dump, "{\"index\":3,\"netdev\":\"ens1f0v3\","
				     "\"pci\":\"0000:3b:00.5\",\"mac\":"
				     "\"02:3b:00:00:00:03\""));
	free(dump);
	json_decref(doc);
	kr_inventory_free(inv);
	kr_node_close(node);
	kr_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_vfs_and_rates),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_node_inventory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
