/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/nl_vf.c's requests against the real kernel and a netdev without
 * SR-IOV (veth): no VF reported, and both the IFLA_VF_RATE request and its
 * legacy fallback refused, with the PF, VF and setting named.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "nl.h"
#include "nl_vf.h"
#include "../support/netns.h"

static int setup(void **state)
{
	if (kr_test_private_netns() < 0)
		return -1;
	return kr_test_sh("ip link add nl0 type veth peer name nl1");
}

static void test_vf_rates(void **state)
{
	struct kr_vf_state vfs[4], rate = { .vf = 0, .max_tx_rate = 100 };
	struct kr_err err = { 0 };
	struct kr_nl *nl = NULL;
	uint32_t n = 99;

	assert_int_equal(kr_nl_open(-1, &nl, &err), 0);
	assert_int_equal(kr_nl_vf_query(nl, "nl0", vfs, 4, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kr_nl_vf_apply(nl, "nl0", &rate, KR_VF_RATE, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "PF nl0 VF 0: set rate: Operation not "
				     "supported");
	assert_int_equal(kr_nl_vf_defaults(nl, "nl0", 0, &err), -ENODEV);
	assert_string_equal(err.msg, "PF nl0 has no VF 0");
	assert_int_equal(kr_nl_vf_apply(nl, "nope", &rate, KR_VF_RATE, &err),
			 -ENODEV);
	assert_string_equal(err.msg, "no PF nope");
	assert_int_equal(kr_nl_vf_query(nl, "nope", vfs, 4, &n, &err),
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
