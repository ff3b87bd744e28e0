/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation records (core/model/alloc.c): what a VF's entry keeps across the
 * CNI plugin's runs, read back exactly, and records from before a member
 * existed or with a corrupt one.
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

#include "alloc.h"
#include "err.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/kr-test-alloc-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void write_record(const char *vf)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" KR_ALLOC_DIR, dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/" KR_ALLOC_DIR "/c1.eth0.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"version\": 1, \"container_id\": \"c1\", \"ifname\": "
		   "\"eth0\", \"netns\": \"\", \"pod\": {\"namespace\": \"\", "
		   "\"name\": \"\", \"uid\": \"\"}, \"vfs\": [%s]}", vf);
	fclose(f);
}

static void test_round_trip(void **state)
{
	struct kr_alloc_vf vfs[2] = {
		{ .pf = "ens1f0", .vf = 3, .pci = "0000:3b:00.5",
		  .host_netdev = "ens1f0v3", .pod_ifname = "eth0",
		  .rdma_device = "mlx5_4", .min_tx_rate = 500,
		  .max_tx_rate = 1000 },
		{ .pf = "ens2f0", .vf = 0, .host_netdev = "ens2f0v0",
		  .pod_ifname = "net1" },
	};
	struct kr_alloc rec = { .container_id = "c1", .ifname = "eth0",
				.vfs = vfs, .n_vfs = 2 };
	struct kr_alloc *back = NULL;
	struct kr_err err = { 0 };
	char path[128], text[2048] = "";
	FILE *f;

	assert_int_equal(kr_alloc_write(dir, &rec, &err), 0);
	assert_int_equal(kr_alloc_read(dir, "c1", "eth0", &back, &err), 0);
	assert_int_equal(back->n_vfs, 2);
	assert_memory_equal(&back->vfs[0], &vfs[0], sizeof(vfs[0]));
	assert_memory_equal(&back->vfs[1], &vfs[1], sizeof(vfs[1]));
	kr_alloc_free(back);
	/* a VF without an RDMA device has no such member */
	snprintf(path, sizeof(path), "%s/" KR_ALLOC_DIR "/c1.eth0.json", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(text, "\"rdma_device\": \"mlx5_4\""));
	assert_ptr_equal(strstr(strstr(text, "ens2f0"), "rdma_device"), NULL);
}

static void test_older_and_corrupt_records(void **state)
{
	struct kr_alloc *back = NULL;
	struct kr_err err = { 0 };

	/* written before "rdma_device" existed */
	write_record("{\"pf\": \"ens1f0\", \"vf\": 1, \"pci\": \"\", "
		     "\"host_netdev\": \"ens1f0v1\", \"pod_ifname\": \"eth0\", "
		     "\"min_tx_rate\": 0, \"max_tx_rate\": 0}");
	assert_int_equal(kr_alloc_read(dir, "c1", "eth0", &back, &err), 0);
	assert_string_equal(back->vfs[0].rdma_device, "");
	kr_alloc_free(back);
	back = NULL;
	write_record("{\"pf\": \"ens1f0\", \"vf\": 1, \"pci\": \"\", "
		     "\"host_netdev\": \"ens1f0v1\", \"pod_ifname\": \"eth0\", "
		     "\"rdma_device\": \"../mlx5_1\", "
		     "\"min_tx_rate\": 0, \"max_tx_rate\": 0}");
	assert_int_equal(kr_alloc_read(dir, "c1", "eth0", &back, &err),
			 -EINVAL);
	assert_non_null(strstr(kr_err_text(&err), "c1.eth0.json: "
				"rdma_device: bad value \"../mlx5_1\""));
	assert_null(back);
}

/* What releasing needs without the runtime: the state, netconf, CNI_PATH. */
static void test_states(void **state)
{
	struct kr_alloc_vf vf = { .pf = "ens1f0", .vf = 2,
				  .host_netdev = "ens1f0v2",
				  .pod_ifname = "eth0" };
	struct kr_alloc a = { .state = KR_ALLOC_ADDING, .container_id = "c2",
			      .ifname = "eth0", .vfs = &vf, .n_vfs = 1,
			      .netconf = (char *)"{\"name\": \"rdma\"}",
			      .cni_path = (char *)"/opt/cni/bin" };
	struct kr_alloc *back = NULL;
	struct kr_err err = { 0 };
	char path[128];
	FILE *f;

	assert_int_equal(kr_alloc_write(dir, &a, &err), 0);
	assert_int_equal(kr_alloc_read(dir, "c2", "eth0", &back, &err), 0);
	assert_int_equal(back->state, KR_ALLOC_ADDING);
	assert_string_equal(back->netconf, "{\"name\": \"rdma\"}");
	assert_string_equal(back->cni_path, "/opt/cni/bin");
	kr_alloc_free(back);
	back = NULL;
	/* a record without a state is ready; a state we do not know is an
	 * error naming the member */
	snprintf(path, sizeof(path), "%s/attachments/c3.eth0.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"state\": \"halfway\", "
	      "\"container_id\": \"c3\", \"ifname\": \"eth0\", "
	      "\"netns\": \"\", \"pod\": {\"namespace\": \"\", "
	      "\"name\": \"\", \"uid\": \"\"}, \"vfs\": []}", f);
	fclose(f);
	assert_int_equal(kr_alloc_read(dir, "c3", "eth0", &back, &err),
			 -EINVAL);
	assert_non_null(strstr(kr_err_text(&err), "state: bad value "
						  "\"halfway\""));
	unlink(path);
	kr_alloc_remove(dir, "c2", "eth0", &err);
}

/* A temporary file left by a writer killed before its rename goes. */
static void test_stale_temp_files(void **state)
{
	struct kr_alloc **list = NULL;
	struct kr_err err = { 0 };
	char dead[128], ours[128];
	size_t n = 0;
	FILE *f;

	/* above any pid_max: no such process */
	snprintf(dead, sizeof(dead), "%s/attachments/c4.eth0.json.tmp.%d",
		 dir, 99999999);
	snprintf(ours, sizeof(ours), "%s/attachments/c5.eth0.json.tmp.%d",
		 dir, (int)getpid());
	f = fopen(dead, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(ours, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(kr_alloc_list(dir, NULL, NULL, &list, &n, &err), 0);
	kr_alloc_list_free(list, n);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(ours, F_OK), 0);	/* being written */
	unlink(ours);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_older_and_corrupt_records),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_stale_temp_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
