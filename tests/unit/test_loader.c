/* SPDX-License-Identifier: Apache-2.0 */
/* The backend loader: a good backend loads, broken ones are refused with a
 * message naming the file and, for version errors, both versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend_loader.h"
#include "err.h"

static const char *bad_dir(void)
{
	return getenv("KR_TEST_BAD_BACKEND_DIR");
}

/* Load 'name' from the bad backends; expect 'code' and every 'want'. */
static void load_fails(const char *name, int code, const char *want1,
		       const char *want2)
{
	struct kr_backend *be = NULL;
	struct kr_err err = { 0 };
	int r;

	r = kr_backend_load(bad_dir(), name, "/sys", "/tmp", &be, &err);
	if (r != code || !strstr(err.msg, want1) ||
	    (want2 && !strstr(err.msg, want2)))
		fail_msg("%s: want %d \"%s\" \"%s\", got %d \"%s\"", name, code,
			 want1, want2 ? want2 : "", r, err.msg);
	assert_null(be);
	/* every message names the file */
	if (code != -EINVAL || strcmp(name, "Bad Name"))
		assert_non_null(strstr(err.msg, name));
}

static void test_mock_loads(void **state)
{
	const char *dir = getenv("KR_TEST_BACKEND_DIR");
	struct kr_backend *be = NULL;
	struct kr_err err = { 0 };

	assert_int_equal(kr_backend_load(dir, "mock", "/sys", "/tmp", &be,
					 &err), 0);
	assert_string_equal(be->name, "mock");
	assert_string_equal(be->ops.name, "mock");
	assert_int_equal(be->ops.abi_major, KR_BACKEND_ABI_MAJOR);
	assert_true(be->supported_caps & KR_CAP_VF_RATE_MIN);
	assert_non_null(be->ops.pf_options);
	kr_backend_unload(be);
}

static void test_minimal_gets_stubs(void **state)
{
	struct kr_backend *be = NULL;
	struct kr_err err = { 0 };
	struct kr_vf_info vfs[1];
	uint32_t n;

	assert_int_equal(kr_backend_load(bad_dir(), "minimal", "/sys", "/tmp",
					 &be, &err), 0);
	/* absent operations answer -EOPNOTSUPP, naming themselves */
	assert_int_equal(be->ops.vf_set_guid(NULL, 0, 1, 2, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "operation vf_set_guid not supported");
	assert_int_equal(be->ops.vf_set_mac(NULL, 0, (const uint8_t *)"abcdef",
					    &err), -EOPNOTSUPP);
	assert_int_equal(be->ops.vf_get_rdma(NULL, 0, NULL, &err),
			 -EOPNOTSUPP);
	/* a supplied one is the backend's */
	assert_int_equal(be->ops.vf_list(NULL, vfs, 1, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(be->ops.pf_set_num_vfs(NULL, 1, &err), -EIO);
	assert_string_equal(err.msg, "no hardware");
	assert_int_equal(be->supported_caps, KR_CAP_VF_COUNT |
						      KR_CAP_VF_RATE_MAX |
						      KR_CAP_VF_RATE_MIN);
	assert_int_equal(kr_backend_check_caps(be, KR_CAP_VF_COUNT, &err), 0);
	kr_backend_unload(be);
}

static void test_stub_table_complete(void **state)
{
	struct kr_backend_ops ops;
	size_t off;

	memset(&ops, 0, sizeof(ops));
	kr_backend_fill_stubs(&ops);
	/* every function pointer after the header is set */
	for (off = offsetof(struct kr_backend_ops, init); off < sizeof(ops);
	     off += sizeof(void *)) {
		void *fn;

		memcpy(&fn, (char *)&ops + off, sizeof(fn));
		if (!fn)
			fail_msg("no stub at offset %zu", off);
	}
}

static void test_rejections(void **state)
{
	load_fails("no_such_backend", -ENOENT, "no such file",
		   "no_such_backend.so");
	load_fails("missing_symbol", -ELIBBAD, "missing_symbol.so: no entry "
		   "symbol kr_backend_entry_v1", NULL);
	load_fails("missing_op", -EINVAL, "missing_op.so: required operation "
		   "vf_list is missing", NULL);
	char core[32], newer[32], shorter[96];

	snprintf(core, sizeof(core), "has ABI 1.%d", KR_BACKEND_ABI_MINOR);
	snprintf(newer, sizeof(newer), "backend needs ABI 1.%d",
		 KR_BACKEND_ABI_MINOR + 1);
	snprintf(shorter, sizeof(shorter), "for backend ABI 1.%d, kube-rdma "
		 "ABI 1.%d needs at least", KR_BACKEND_ABI_MINOR,
		 KR_BACKEND_ABI_MINOR);
	load_fails("other_major", -EPROTO,
		   "other_major.so: built for backend ABI 2", core);
	load_fails("wrong_major", -EPROTO, "backend ABI 2.", core);
	load_fails("newer_minor", -EPROTO, newer, core);
	load_fails("short_table", -EPROTO, "operations table too short",
		   shorter);
	load_fails("misnamed", -EINVAL, "calls itself \"somebody-else\"",
		   NULL);
	load_fails("init_fails", -EIO, "init_fails.so: init failed",
		   "firmware said no");
	load_fails("entry_fails", -EPROTO, "entry_fails.so: entry function "
		   "failed", NULL);
	load_fails("Bad Name", -EINVAL, "backend name \"Bad Name\" is not "
		   "valid", NULL);
	load_fails("../etc/x", -EINVAL, "is not valid", NULL);
}

static void test_cap_without_op(void **state)
{
	struct kr_backend *be = NULL;
	struct kr_err err = { 0 };

	assert_int_equal(kr_backend_load(bad_dir(), "cap_without_op", "/sys",
					 "/tmp", &be, &err), 0);
	assert_int_equal(kr_backend_check_caps(be, KR_CAP_VF_MAC, &err),
			 -EPROTO);
	assert_non_null(strstr(err.msg, "advertises KR_CAP_VF_MAC but "
					"has no vf_set_mac operation"));
	kr_backend_unload(be);
}

static void test_not_a_library(void **state)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/garbage.so", bad_dir());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not an ELF file\n", f);
	fclose(f);
	load_fails("garbage", -ELIBBAD, "garbage.so: cannot load",
		   "ldd shows missing libraries");
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mock_loads),
		cmocka_unit_test(test_minimal_gets_stubs),
		cmocka_unit_test(test_stub_table_complete),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_cap_without_op),
		cmocka_unit_test(test_not_a_library),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
