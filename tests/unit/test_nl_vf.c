/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VF requests of core/kernel/nl_vf.c, answered by the fake kernel of
 * tests/support/nl_fake.c: the fake decodes every message from its bytes (header
 * flags, PF named with ifi_index 0, IFLA_VFINFO_LIST > IFLA_VF_INFO
 * nesting, exact attribute sizes) and logs it attribute by attribute, so
 * each test states the exact requests an operation sends, and how the
 * fallbacks behave when the "driver" refuses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "nl.h"
#include "nl_vf.h"
#include "../support/netns.h"

static char root[64], dir[80];	/* a fake tree, and its fake kernel */
static struct kr_nl *nl;

/* The requests logged since the last call, then forget them. */
static const char *requests(void)
{
	return kr_test_netlink_requests(dir);
}

static void write_pf(const char *name, const char *json)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
}

static int setup(void **state)
{
	struct kr_err err = { 0 };

	snprintf(root, sizeof(root), "/tmp/kr-test-nlvf-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/netlink", root);
	if (mkdir(dir, 0700) < 0)
		return -1;
	kr_nl_use_sysfs_root(root);
	return kr_nl_open(-1, &nl, &err);
}

static int teardown(void **state)
{
	kr_nl_close(nl);
	return kr_test_sh("rm -rf %s", root);
}

static int reset_pf(void **state)
{
	/* VF 0 as created; VF 1 left configured by a pod; VF 2 of a
	 * driver without spoofchk or trust */
	write_pf("ens1f0",
		 "{\"vfs\": ["
		 "{\"mac\": \"02:00:00:00:00:01\", \"spoofchk\": 1, "
		 "\"trust\": 0},"
		 "{\"mac\": \"02:00:00:00:00:02\", \"spoofchk\": 0, "
		 "\"trust\": 1, \"vlan\": 100, \"qos\": 3, \"min_tx_rate\": "
		 "1000, \"max_tx_rate\": 5000, \"link_state\": 2},"
		 "{\"max_tx_rate\": 300}]}");
	write_pf("ib0", "{\"mac_len\": 20, \"vfs\": [{\"spoofchk\": 1, "
			"\"trust\": 0, \"node_guid\": \"0x0002c90300a1b2c3\", "
			"\"port_guid\": \"0x0002c90300a1b2c4\"}]}");
	requests();
	return 0;
}

static void test_query(void **state)
{
	struct kr_vf_state v[4];
	struct kr_err err = { 0 };
	uint32_t n = 0;

	assert_int_equal(kr_nl_vf_query(nl, "ens1f0", v, 4, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(requests(),
			    "GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n");
	assert_int_equal(v[0].vf, 0);
	assert_int_equal(v[0].mac_len, 6);
	assert_memory_equal(v[0].mac, "\x02\0\0\0\0\x01", 6);
	assert_int_equal(v[0].spoofchk, 1);
	assert_int_equal(v[0].trust, 0);
	assert_int_equal(v[0].max_tx_rate, 0);
	assert_int_equal(v[1].vf, 1);
	assert_int_equal(v[1].min_tx_rate, 1000);
	assert_int_equal(v[1].max_tx_rate, 5000);
	assert_int_equal(v[1].vlan, 100);
	assert_int_equal(v[1].qos, 3);
	assert_int_equal(v[1].spoofchk, 0);
	assert_int_equal(v[1].trust, 1);
	assert_int_equal(v[1].link_state, 2);
	assert_int_equal(v[2].spoofchk, -1);
	assert_int_equal(v[2].trust, -1);
	assert_int_equal(v[2].max_tx_rate, 300);
	assert_int_equal(v[2].node_guid, 0);

	/* fewer slots than VFs: the count still says how many */
	assert_int_equal(kr_nl_vf_query(nl, "ens1f0", v, 1, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(kr_nl_vf_query(nl, "ib0", v, 4, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].mac_len, 20);
	assert_true(v[0].node_guid == 0x0002c90300a1b2c3ULL);
	assert_true(v[0].port_guid == 0x0002c90300a1b2c4ULL);
	requests();
}

static void test_apply_each_field(void **state)
{
	struct kr_vf_state w = {
		.vf = 0, .min_tx_rate = 2000, .max_tx_rate = 10000,
		.vlan = 42, .qos = 5, .mac = { 0x02, 0xaa, 0, 0, 0, 0x07 },
		.spoofchk = 0, .trust = 1, .link_state = 1 };
	struct kr_vf_state v[3];
	struct kr_err err = { 0 };
	uint32_t n;

	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w,
					KR_VF_RATE | KR_VF_MAC | KR_VF_VLAN |
						KR_VF_SPOOFCHK | KR_VF_TRUST |
						KR_VF_LINK_STATE,
					&err), 0);
	assert_string_equal(
		requests(),
		"SETLINK ens1f0 vf 0 IFLA_VF_RATE min 2000 max 10000 -> OK\n"
		"SETLINK ens1f0 vf 0 IFLA_VF_MAC 02:aa:00:00:00:07 -> OK\n"
		"SETLINK ens1f0 vf 0 IFLA_VF_VLAN vlan 42 qos 5 -> OK\n"
		"SETLINK ens1f0 vf 0 IFLA_VF_SPOOFCHK 0 -> OK\n"
		"SETLINK ens1f0 vf 0 IFLA_VF_TRUST 1 -> OK\n"
		"SETLINK ens1f0 vf 0 IFLA_VF_LINK_STATE 1 -> OK\n");
	/* and the "driver" holds them: read back through GETLINK */
	assert_int_equal(kr_nl_vf_query(nl, "ens1f0", v, 3, &n, &err), 0);
	assert_int_equal(v[0].min_tx_rate, 2000);
	assert_int_equal(v[0].max_tx_rate, 10000);
	assert_memory_equal(v[0].mac, w.mac, 6);
	assert_int_equal(v[0].vlan, 42);
	assert_int_equal(v[0].spoofchk, 0);
	assert_int_equal(v[0].trust, 1);
	assert_int_equal(v[0].link_state, 1);

	/* GUIDs: node first, then port; InfiniBand PFs only */
	w.node_guid = 0x1122334455667788ULL;
	w.port_guid = 0x1122334455667789ULL;
	assert_int_equal(kr_nl_vf_apply(nl, "ib0", &w, KR_VF_GUIDS, &err), 0);
	requests();
	assert_int_equal(kr_nl_vf_query(nl, "ib0", v, 3, &n, &err), 0);
	assert_true(v[0].node_guid == w.node_guid);
	assert_true(v[0].port_guid == w.port_guid);
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_GUIDS, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "PF ens1f0 VF 0: set guids: Operation "
				     "not supported");
	assert_string_equal(requests(),
			    "GETLINK ib0 RTEXT_FILTER_VF -> OK\n"
			    "SETLINK ens1f0 vf 0 IFLA_VF_IB_NODE_GUID "
			    "0x1122334455667788 -> EOPNOTSUPP\n");
}

static void test_rate_fallback(void **state)
{
	struct kr_vf_state w = { .vf = 2, .max_tx_rate = 700 };
	struct kr_err err = { 0 };

	write_pf("ens1f0", "{\"refuse\": [\"IFLA_VF_RATE\"], \"vfs\": [{}, {}, "
			   "{\"min_tx_rate\": 0}]}");
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_RATE, &err),
			 0);
	assert_string_equal(
		requests(),
		"SETLINK ens1f0 vf 2 IFLA_VF_RATE min 0 max 700 -> EOPNOTSUPP\n"
		"SETLINK ens1f0 vf 2 IFLA_VF_TX_RATE rate 700 -> OK\n");
	/* a reservation has no legacy form: refused, not half applied */
	w.min_tx_rate = 100;
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_RATE, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "PF ens1f0 VF 2: set rate: Operation "
				     "not supported");
	assert_string_equal(
		requests(),
		"SETLINK ens1f0 vf 2 IFLA_VF_RATE min 100 max 700 -> "
		"EOPNOTSUPP\n");
	/* min above max never reaches the kernel */
	w.min_tx_rate = 800;
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_RATE, &err),
			 -ERANGE);
	assert_string_equal(requests(), "");
}

static void test_restore(void **state)
{
	struct kr_err err = { 0 };

	/* only what differs from the defaults, one request each */
	assert_int_equal(kr_nl_vf_defaults(nl, "ens1f0", 1, &err), 0);
	assert_string_equal(
		requests(),
		"GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n"
		"SETLINK ens1f0 vf 1 IFLA_VF_RATE min 0 max 0 -> OK\n"
		"SETLINK ens1f0 vf 1 IFLA_VF_VLAN vlan 0 qos 0 -> OK\n"
		"SETLINK ens1f0 vf 1 IFLA_VF_SPOOFCHK 1 -> OK\n"
		"SETLINK ens1f0 vf 1 IFLA_VF_TRUST 0 -> OK\n"
		"SETLINK ens1f0 vf 1 IFLA_VF_LINK_STATE 0 -> OK\n");
	/* idempotent: the second time there is nothing to send */
	assert_int_equal(kr_nl_vf_defaults(nl, "ens1f0", 1, &err), 0);
	assert_int_equal(kr_nl_vf_defaults(nl, "ens1f0", 0, &err), 0);
	assert_string_equal(requests(),
			    "GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n"
			    "GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n");
	/* a driver without spoofchk and trust is not asked for them */
	assert_int_equal(kr_nl_vf_defaults(nl, "ens1f0", 2, &err), 0);
	assert_string_equal(
		requests(),
		"GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n"
		"SETLINK ens1f0 vf 2 IFLA_VF_RATE min 0 max 0 -> OK\n");
}

static void test_errors(void **state)
{
	struct kr_vf_state w = { .vf = 7, .max_tx_rate = 1 }, v[1];
	struct kr_err err = { 0 };
	uint32_t n;

	assert_int_equal(kr_nl_vf_query(nl, "ens9", v, 1, &n, &err), -ENODEV);
	assert_string_equal(err.msg, "no PF ens9");
	assert_int_equal(kr_nl_vf_apply(nl, "ens9", &w, KR_VF_RATE, &err),
			 -ENODEV);
	assert_int_equal(kr_nl_vf_defaults(nl, "ens1f0", 7, &err), -ENODEV);
	assert_string_equal(err.msg, "PF ens1f0 has no VF 7");
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_RATE, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "PF ens1f0 VF 7: set rate: Invalid "
				     "argument");
	w.vf = 0;
	w.vlan = 4095;
	w.qos = 9;
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_VLAN, &err),
			 -EINVAL);
	assert_string_equal(
		requests(),
		"GETLINK ens9 -> ENODEV\n"
		"SETLINK ens9 -> ENODEV\n"
		"GETLINK ens1f0 RTEXT_FILTER_VF -> OK\n"
		"SETLINK ens1f0 vf 7 IFLA_VF_RATE min 0 max 1 -> EINVAL\n"
		"SETLINK ens1f0 vf 7 IFLA_VF_TX_RATE rate 1 -> EINVAL\n"
		"SETLINK ens1f0 vf 0 IFLA_VF_VLAN vlan 4095 qos 9 -> EINVAL\n");
	/* the PF vanishes between the read and the write of a restore:
	 * the fake reads its table again for every request */
	write_pf("ens1f0", "{\"vfs\": [{\"max_tx_rate\": 5}]}");
	kr_test_sh("rm %s/ens1f0.json", dir);
	assert_int_equal(kr_nl_vf_apply(nl, "ens1f0", &w, KR_VF_RATE, &err),
			 -ENODEV);
	assert_string_equal(err.msg, "no PF ens1f0");
	requests();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_query, reset_pf),
		cmocka_unit_test_setup(test_apply_each_field, reset_pf),
		cmocka_unit_test_setup(test_rate_fallback, reset_pf),
		cmocka_unit_test_setup(test_restore, reset_pf),
		cmocka_unit_test_setup(test_errors, reset_pf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
