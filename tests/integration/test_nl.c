/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/nl.c's VF rate requests against a netdev without SR-IOV (veth): no
 * VF reported, and both the IFLA_VF_RATE request and its legacy fallback
 * refused by the kernel, with the PF and VF named.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "nl.h"
#include "../support/netns.h"

static int setup(void **state)
{
	if (kr_test_private_netns() < 0)
		return -1;
	return kr_test_sh("ip link add nl0 type veth peer name nl1");
}

static void test_vf_rates(void **state)
{
	struct kr_err err = { 0 };
	uint32_t mins[4], maxs[4], n = 99;
	struct kr_nl *nl = NULL;
	int legacy = -1;

	assert_int_equal(kr_nl_open(-1, &nl, &err), 0);
	assert_int_equal(kr_nl_vf_rates(nl, "nl0", mins, maxs, 4, &n, &err),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(kr_nl_vf_set_rate(nl, "nl0", 0, 0, 100, &legacy,
					   &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "set rates of VF 0 on nl0"));
	assert_int_equal(legacy, 0);
	assert_int_equal(kr_nl_vf_set_rate(nl, "nope", 0, 0, 100, NULL, &err),
			 -ENODEV);
	assert_int_equal(kr_nl_vf_rates(nl, "nope", mins, maxs, 4, &n, &err),
			 -ENODEV);
	kr_nl_close(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vf_rates),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
