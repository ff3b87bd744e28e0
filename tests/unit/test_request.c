/* SPDX-License-Identifier: Apache-2.0 */
/* The pod request parser: every rule, valid and invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "request.h"

static struct kr_request *ok(const char *text)
{
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };

	if (kr_request_parse(text, strlen(text), 0, &req, &err) < 0)
		fail_msg("%s: unexpected error: %s", text, err.msg);
	return req;
}

static void bad(const char *text, const char *want)
{
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };
	int r;

	r = kr_request_parse(text, strlen(text), 0, &req, &err);
	if (r != -EINVAL || !strstr(err.msg, want))
		fail_msg("%s: want \"%s\", got %d \"%s\"", text, want, r,
			 err.msg);
	assert_null(req);
}

static void test_valid(void **state)
{
	struct kr_request *req;

	req = ok("[{\"min_tx_rate\": 15000, \"max_tx_rate\": 20000}, "
		 "{\"min_tx_rate\": 5000}, {}]");
	assert_int_equal(req->n, 3);
	assert_int_equal(req->ifaces[0].min_tx_rate, 15000);
	assert_int_equal(req->ifaces[0].max_tx_rate, 20000);
	assert_int_equal(req->ifaces[1].max_tx_rate, 0);
	assert_int_equal(req->ifaces[2].min_tx_rate, 0);
	assert_int_equal(kr_request_reserved(req), 20000);
	kr_request_free(req);

	req = ok("[{\"name\": \"net1\", \"pf\": \"ens1f0\", \"max_tx_rate\": 0,"
		 " \"min_tx_rate\": 4294967295}]");
	assert_string_equal(req->ifaces[0].name, "net1");
	assert_string_equal(req->ifaces[0].pf, "ens1f0");
	assert_int_equal(req->ifaces[0].min_tx_rate, 4294967295u);
	kr_request_free(req);

	/* empty and blank mean "nothing"; so does [] */
	req = ok("");
	assert_int_equal(req->n, 0);
	kr_request_free(req);
	req = ok("  \n");
	assert_int_equal(req->n, 0);
	kr_request_free(req);
	req = ok("[]");
	assert_int_equal(req->n, 0);
	kr_request_free(req);
	/* min == max is fine */
	req = ok("[{\"min_tx_rate\": 7, \"max_tx_rate\": 7}]");
	kr_request_free(req);
}

static void test_invalid(void **state)
{
	bad("{}", "must be a JSON array");
	bad("\"[]\"", "must be a JSON array");
	bad("[1]", "[0]: must be an object");
	bad("[{}, []]", "[1]: must be an object");
	bad("[{\"min_tx_rate\": -1}]", "[0].min_tx_rate: -1 is negative");
	bad("[{\"max_tx_rate\": 1.5}]",
	    "[0].max_tx_rate: 1.5 is not a whole number");
	bad("[{\"min_tx_rate\": 100.0}]", "[0].min_tx_rate: 100 is not a whole");
	bad("[{\"min_tx_rate\": \"100\"}]",
	    "[0].min_tx_rate: must be a whole number of Mbit/s, not a string");
	bad("[{\"min_tx_rate\": null}]", "not null");
	bad("[{\"min_tx_rate\": true}]", "not a boolean");
	bad("[{\"min_tx_rate\": {\"a\": 1}}]", "not an object");
	bad("[{\"min_tx_rate\": [1]}]", "not an array");
	bad("[{\"min_tx_rate\": 4294967296}]",
	    "[0].min_tx_rate: 4294967296 Mbit/s is more than any link");
	bad("[{\"min_tx_rate\": 99999999999999999999999}]", "not JSON");
	bad("[{\"min_tx_rate\": 1e3}]", "not a whole number");
	bad("[{}, {\"min_tx_rate\": 200, \"max_tx_rate\": 100}]",
	    "[1].max_tx_rate: 100 is below min_tx_rate 200");
	bad("[{\"max-tx-rate\": 100}]", "[0]: unknown key \"max-tx-rate\"");
	bad("[{\"name\": \"\"}]", "[0].name: \"\" is not an interface name");
	bad("[{\"name\": \"a-name-far-too-long\"}]", "is not an interface name");
	bad("[{\"name\": \"a/b\"}]", "is not an interface name");
	bad("[{\"name\": \"a b\"}]", "is not an interface name");
	bad("[{\"name\": \"a\\u0000b\"}]", "not JSON");
	bad("[{\"name\": 5}]", "[0].name: must be a string");
	bad("[{\"pf\": \"x:y\"}]", "[0].pf: \"x:y\" is not an interface name");
	bad("[{\"name\": \"net1\"}, {\"name\": \"net1\"}]",
	    "[1].name: \"net1\" is already the name of [0]");
	bad("[{\"min_tx_rate\": 1, \"min_tx_rate\": 2}]", "not JSON");
	bad("[{]", "not JSON");
	bad("[[{}]]", "[0]: must be an object");
}

static void test_limit(void **state)
{
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };
	char text[2048] = "[";
	int i;

	for (i = 0; i < 129; i++)
		strcat(text, i ? ",{}" : "{}");
	strcat(text, "]");
	assert_int_equal(kr_request_parse(text, strlen(text), 0, &req, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "129 interfaces asked, at most 128 "
				     "allowed");
	assert_int_equal(kr_request_parse(text, strlen(text), 200, &req, &err),
			 0);
	assert_int_equal(req->n, 129);
	kr_request_free(req);
	assert_int_equal(kr_request_parse("[{},{}]", 7, 1, &req, &err),
			 -EINVAL);
}

static void test_annotations(void **state)
{
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };
	json_t *a;

	a = json_pack("{s:s}", "kube-rdma.io/interfaces", "[{}, {}]");
	assert_int_equal(kr_request_from_annotations(a, 0, &req, &err), 0);
	assert_int_equal(req->n, 2);
	kr_request_free(req);
	json_decref(a);

	a = json_pack("{s:s}", "rdma_interfaces_required",
		      "[{\"min_tx_rate\": 1}]");
	assert_int_equal(kr_request_from_annotations(a, 0, &req, &err), 0);
	assert_int_equal(req->n, 1);
	kr_request_free(req);
	json_decref(a);

	/* no annotation at all: nothing wanted */
	assert_int_equal(kr_request_from_annotations(NULL, 0, &req, &err), 0);
	assert_int_equal(req->n, 0);
	kr_request_free(req);

	a = json_pack("{s:s, s:s}", "kube-rdma.io/interfaces", "[{}]",
		      "rdma_interfaces_required", "[]");
	assert_int_equal(kr_request_from_annotations(a, 0, &req, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "are both set and differ"));
	json_decref(a);

	a = json_pack("{s:s}", "kube-rdma.io/interfaces",
		      "[{\"min_tx_rate\": -5}]");
	assert_int_equal(kr_request_from_annotations(a, 0, &req, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "kube-rdma.io/interfaces: "
				     "[0].min_tx_rate: -5 is negative");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_annotations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
