/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic-sriov backend, loaded through the loader, against fake sysfs
 * trees shaped like real ones (an SR-IOV PF, a PF without SR-IOV, an
 * InfiniBand PF).  Writes to sriov_numvfs are answered as the kernel does:
 * EBUSY from non-zero to non-zero, and VFs appearing a little later.  The
 * services' netlink requests are recorded instead of sent.
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
static const char *pf_dev = "devices/pci0000:00/0000:3b:00.0";

/* ---- the recorded netlink side ---- */

static uint32_t rec_min[16], rec_max[16];
static char rec_log[512];

static int fake_vf_rates(const char *pf, uint32_t *mins, uint32_t *maxs,
			 uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	uint32_t i;

	for (i = 0; i < max && i < 16; i++) {
		mins[i] = rec_min[i];
		maxs[i] = rec_max[i];
	}
	*ret_count = 16;
	return 0;
}

static int fake_vf_set_rate(const char *pf, uint32_t vf, uint32_t min,
			    uint32_t max, struct kr_err *err)
{
	snprintf(rec_log + strlen(rec_log), sizeof(rec_log) - strlen(rec_log),
		 "%s vf %u min %u max %u;", pf, vf, min, max);
	rec_min[vf] = min;
	rec_max[vf] = max;
	return 0;
}

/* ---- the kernel side of sriov_numvfs ---- */

static unsigned int pending;

static void *make_vfs(void *arg)
{
	unsigned int n = pending, i;

	usleep(150000);	/* VFs appear after the write returns */
	for (i = 0; i < n; i++)
		kr_test_sh("cd %s && mkdir -p devices/pci0000:00/0000:3b:00.%u/"
			   "net/ens1f0v%u class/net/ens1f0v%u && "
			   "echo 02:00:00:00:00:0%u > class/net/ens1f0v%u/address "
			   "&& ln -sfn ../0000:3b:00.%u %s/virtfn%u",
			   root, i + 2, i, i, i, i, i + 2, pf_dev, i);
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
	kr_test_sh("cd %s && rm -f %s/virtfn*", root, pf_dev);
	ret = kr_sysfs_write(r, rel, value, err);
	pending = (unsigned int)atoi(value);
	if (pending)
		pthread_create(&t, NULL, make_vfs, NULL);
	else if (t)
		pthread_join(t, NULL), t = 0;
	return ret;
}

static struct kr_backend *be;

static int setup(void **state)
{
	struct kr_err err = { 0 };

	snprintf(root, sizeof(root), "/tmp/kr-test-gsriov-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	if (kr_test_sh(
		    "cd %s && mkdir -p %s devices/pci0000:00/0000:5e:00.0 "
		    "devices/pci0000:00/0000:af:00.0 class/net/ens1f0 "
		    "class/net/eno1 class/net/ib0 && "
		    "ln -s ../../../%s class/net/ens1f0/device && "
		    "ln -s ../../../devices/pci0000:00/0000:5e:00.0 "
		    "class/net/eno1/device && "
		    "ln -s ../../../devices/pci0000:00/0000:af:00.0 "
		    "class/net/ib0/device && "
		    "echo 8 > %s/sriov_totalvfs && echo 0 > %s/sriov_numvfs && "
		    "echo 1 > %s/numa_node && echo 25000 > class/net/ens1f0/speed "
		    "&& echo 1 > class/net/ens1f0/type && "
		    "echo 4 > devices/pci0000:00/0000:af:00.0/sriov_totalvfs && "
		    "echo 0 > devices/pci0000:00/0000:af:00.0/sriov_numvfs && "
		    "echo -1 > class/net/ib0/speed && echo 32 > class/net/ib0/type",
		    root, pf_dev, pf_dev, pf_dev, pf_dev, pf_dev) != 0)
		return -1;
	if (kr_backend_load(getenv("KR_TEST_BACKEND_DIR"), "generic-sriov",
			    root, root, &be, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	be->svc.sysfs_write = fake_sysfs_write;
	be->svc.vf_rates = fake_vf_rates;
	be->svc.vf_set_rate = fake_vf_set_rate;
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
	assert_int_equal(caps.total_vfs, 8);
	assert_int_equal(caps.link_speed_mbps, 25000);
	assert_int_equal(caps.numa_node, 1);
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
	assert_int_equal(caps.total_vfs, 4);
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
	assert_int_equal(be->ops.pf_set_num_vfs(pf, 9, &err), -ERANGE);

	rec_log[0] = '\0';
	assert_int_equal(be->ops.vf_set_rate(pf, 2, 0, 500, &err), 0);
	assert_int_equal(be->ops.vf_set_rate(pf, 2, 10, 0, &err), -EOPNOTSUPP);
	assert_int_equal(be->ops.vf_set_rate(pf, 2, 600, 500, &err), -ERANGE);
	assert_string_equal(rec_log, "ens1f0 vf 2 min 0 max 500;");

	assert_int_equal(be->ops.vf_list(pf, vfs, 8, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(vfs[2].pci, "0000:3b:00.4");
	assert_string_equal(vfs[2].netdev, "ens1f0v2");
	assert_string_equal(vfs[2].mac, "02:00:00:00:00:02");
	assert_int_equal(vfs[2].max_tx_rate, 500);
	assert_int_equal(vfs[1].max_tx_rate, 0);

	/* a VF whose netdev left for a pod has none on the host */
	kr_test_sh("rm -r %s/devices/pci0000:00/0000:3b:00.3/net/ens1f0v1",
		   root);
	assert_int_equal(be->ops.vf_list(pf, vfs, 8, &n, &err), 0);
	assert_string_equal(vfs[1].netdev, "");
	assert_string_equal(vfs[1].pci, "0000:3b:00.3");

	rec_log[0] = '\0';
	assert_int_equal(be->ops.vf_reset(pf, 2, &err), 0);
	assert_string_equal(rec_log, "ens1f0 vf 2 min 0 max 0;");
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
				     "20000,\"reserved_mbps\":0,\"vfs_total\":4"));
	assert_non_null(strstr(dump, "{\"index\":3,\"netdev\":\"ens1f0v3\","
				     "\"pci\":\"0000:3b:00.5\",\"mac\":"
				     "\"02:00:00:00:00:03\""));
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
		cmocka_unit_test(test_node_inventory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
