/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mock backend on real netdevs, through the core's node API, each test
 * in a private network namespace and state directory of its own.
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

#include "config.h"
#include "err.h"
#include "node.h"
#include "../support/netns.h"

struct fixture {
	char dir[64];		/* temp dir: config and state */
	struct kr_config *cfg;
	struct kr_node *node;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (kr_test_private_netns() < 0) {
		free(f);
		return -1;	/* cmocka reports it; CI runs as root */
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/kr-test-mock-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kr_node_close(f->node);
	kr_config_free(f->cfg);
	kr_test_sh("rm -rf %s", f->dir);
	free(f);
	return 0;
}

/* Write a config with one or more PF sections ('pfs' is INI text) and
 * open the node. */
static void open_node(struct fixture *f, const char *pfs)
{
	struct kr_err err = { 0 };
	char path[128];
	FILE *out;

	kr_node_close(f->node);
	kr_config_free(f->cfg);
	f->node = NULL;
	f->cfg = NULL;
	snprintf(path, sizeof(path), "%s/node.conf", f->dir);
	out = fopen(path, "w");
	assert_non_null(out);
	fprintf(out, "[node]\nname = test-node\nbackend_dir = %s\n"
		     "state_dir = %s/state\n%s",
		getenv("KR_TEST_BACKEND_DIR"), f->dir, pfs);
	fclose(out);
	if (kr_config_load(path, &f->cfg, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(kr_node_open(f->cfg, &f->node, &err), 0);
}

static struct kr_node_pf *pf0(struct fixture *f)
{
	if (!f->node->pfs[0].handle)
		fail_msg("PF did not open: %s",
			 kr_err_text(&f->node->pfs[0].open_err));
	return &f->node->pfs[0];
}

/* The PF's VFs, live. */
static uint32_t list(struct kr_node_pf *pf, struct kr_vf_info *vfs,
		     uint32_t max)
{
	struct kr_err err = { 0 };
	uint32_t n = 0;

	if (pf->backend->ops.vf_list(pf->handle, vfs, max, &n, &err) < 0)
		fail_msg("vf_list: %s", err.msg);
	return n;
}

static void set_num(struct kr_node_pf *pf, uint32_t n)
{
	struct kr_err err = { 0 };

	if (kr_node_pf_set_num_vfs(pf, n, NULL, &err) < 0)
		fail_msg("set %u VFs: %s", n, err.msg);
}

static void test_vf_counts(void **state)
{
	struct fixture *f = *state;
	struct kr_vf_info vfs[8];
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;
	int changed;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 4\n"
		     "total_vfs = 6\n");
	pf = pf0(f);
	assert_int_equal(kr_test_sh("ip -d link show t0 | grep -q bridge"), 0);
	set_num(pf, 4);
	assert_int_equal(list(pf, vfs, 8), 4);
	assert_string_equal(vfs[3].netdev, "t0v3");
	assert_int_equal(vfs[3].index, 3);
	assert_int_equal(kr_test_sh("ip link show t0v3 >/dev/null"), 0);
	assert_int_equal(kr_test_sh("ip link show t0r3 | grep -q 'master t0'"), 0);
	assert_int_equal(kr_test_sh("ip -d link show t0v2 | grep -q "
			    "'alias kube-rdma mock VF t0 2'"), 0);
	/* each VF has its own MAC and PCI address */
	assert_string_not_equal(vfs[0].mac, vfs[1].mac);
	assert_string_not_equal(vfs[0].pci, vfs[1].pci);

	/* the same count again changes nothing */
	assert_int_equal(kr_node_pf_set_num_vfs(pf, 4, &changed, &err), 0);
	assert_false(changed);
	/* down, through zero as the kernel requires */
	assert_int_equal(kr_node_pf_set_num_vfs(pf, 2, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(list(pf, vfs, 8), 2);
	assert_int_not_equal(kr_test_sh("ip link show t0v2 2>/dev/null"), 0);
	assert_int_not_equal(kr_test_sh("ip link show t0r3 2>/dev/null"), 0);
	/* and the backend alone refuses non-zero to non-zero, as sysfs */
	assert_int_equal(pf->backend->ops.pf_set_num_vfs(pf->handle, 3, &err),
			 -EBUSY);
	assert_non_null(strstr(err.msg, "set 0 before 3"));
	/* above the PF's total: both numbers in the message */
	assert_int_equal(kr_node_pf_set_num_vfs(pf, 7, NULL, &err), -ERANGE);
	assert_non_null(strstr(err.msg, "num_vfs 7 is above the 6 VFs"));
	set_num(pf, 0);
	assert_int_equal(list(pf, vfs, 8), 0);
	assert_int_not_equal(kr_test_sh("ip link show t0v0 2>/dev/null"), 0);
	/* vf_list tells the count when the array is too small */
	set_num(pf, 5);
	assert_int_equal(list(pf, vfs, 2), 5);
}

static void test_move_and_back(void **state)
{
	struct fixture *f = *state;
	struct kr_vf_info vfs[4], before[4];
	struct kr_node_pf *pf;
	char cmd[128];
	int pod;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 2\n");
	pf = pf0(f);
	set_num(pf, 2);
	list(pf, before, 4);
	pod = kr_test_netns_new();
	assert_true(pod >= 0);
	assert_int_equal(kr_test_sh("ip link set t0v1 netns /proc/%d/fd/%d name eth0",
			    getpid(), pod), 0);
	assert_int_equal(list(pf, vfs, 4), 2);
	assert_string_equal(vfs[1].netdev, "");	/* in the pod */
	assert_string_equal(vfs[1].mac, before[1].mac);
	assert_string_equal(vfs[1].pci, before[1].pci);
	assert_int_equal(kr_test_netns_run(pod, "ip -d link show eth0 | grep -q "
						"'alias kube-rdma mock VF t0 1'"),
			 0);
	/* back under the pod's name, as a real VF returns */
	snprintf(cmd, sizeof(cmd), "ip link set eth0 netns /proc/%d/ns/net",
		 getpid());
	assert_int_equal(kr_test_netns_run(pod, cmd), 0);
	assert_int_equal(list(pf, vfs, 4), 2);
	assert_string_equal(vfs[1].netdev, "eth0");
	assert_string_equal(vfs[1].mac, before[1].mac);
	assert_int_equal(vfs[1].index, 1);
	close(pod);
}

static void test_rates_persist(void **state)
{
	struct fixture *f = *state;
	struct kr_vf_info vfs[4];
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;
	const struct kr_backend_ops *ops;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 2\n"
		     "link_speed_mbps = 25000\n");
	pf = pf0(f);
	ops = &pf->backend->ops;
	set_num(pf, 2);
	assert_int_equal(ops->vf_set_rate(pf->handle, 1, 1000, 5000, &err), 0);
	assert_int_equal(kr_test_sh("tc qdisc show dev t0r1 | grep -q ingress"), 0);
	assert_int_equal(kr_test_sh("tc class show dev t0q1 | grep -q 'rate 5Gbit'"), 0);

	/* a new process (here: a new load of the backend) sees them */
	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 2\n"
		     "link_speed_mbps = 25000\n");
	pf = pf0(f);
	ops = &pf->backend->ops;
	list(pf, vfs, 4);
	assert_int_equal(vfs[1].min_tx_rate, 1000);
	assert_int_equal(vfs[1].max_tx_rate, 5000);
	assert_int_equal(vfs[0].max_tx_rate, 0);

	/* refused values leave both rates as they were */
	assert_int_equal(ops->vf_set_rate(pf->handle, 1, 6000, 5000, &err),
			 -ERANGE);
	assert_int_equal(ops->vf_set_rate(pf->handle, 1, 0, 30000, &err),
			 -ERANGE);
	assert_non_null(strstr(err.msg, "link speed"));
	assert_int_equal(ops->vf_set_rate(pf->handle, 2, 0, 100, &err),
			 -ENODEV);
	list(pf, vfs, 4);
	assert_int_equal(vfs[1].min_tx_rate, 1000);
	assert_int_equal(vfs[1].max_tx_rate, 5000);

	/* reset returns the defaults and removes the shaping */
	assert_int_equal(ops->vf_reset(pf->handle, 1, &err), 0);
	list(pf, vfs, 4);
	assert_int_equal(vfs[1].min_tx_rate, 0);
	assert_int_equal(vfs[1].max_tx_rate, 0);
	assert_int_not_equal(kr_test_sh("ip link show t0q1 2>/dev/null"), 0);
	assert_int_not_equal(kr_test_sh("tc qdisc show dev t0r1 | grep -q ingress"), 0);
}

static void test_min_rate_unsupported(void **state)
{
	struct fixture *f = *state;
	struct kr_err err = { 0 };
	struct kr_pf_caps caps;
	struct kr_node_pf *pf;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 1\n"
		     "min_rate = no\n");
	pf = pf0(f);
	set_num(pf, 1);
	assert_int_equal(kr_node_pf_caps(pf, &caps, &err), 0);
	assert_false(caps.caps & KR_CAP_VF_RATE_MIN);
	assert_true(caps.caps & KR_CAP_VF_RATE_MAX);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 0, 10, 0,
						      &err), -EOPNOTSUPP);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 0, 0, 10,
						      &err), 0);
}

static void test_vf_back_after_pod_dies(void **state)
{
	struct fixture *f = *state;
	struct kr_vf_info vfs[4];
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;
	int pod, tries;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 2\n");
	pf = pf0(f);
	set_num(pf, 2);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 1, 100, 200,
						      &err), 0);
	pod = kr_test_netns_new();
	assert_true(pod >= 0);
	assert_int_equal(kr_test_sh("ip link set t0v1 netns /proc/%d/fd/%d name net1",
			    getpid(), pod), 0);
	close(pod);	/* the pod's namespace goes, and the veth with it */
	/* The kernel destroys namespaces asynchronously: poll. */
	for (tries = 0; tries < 100; tries++) {
		if (kr_test_sh("ip link show t0r1 >/dev/null 2>&1") != 0)
			break;
		usleep(50000);
	}
	assert_int_not_equal(kr_test_sh("ip link show t0r1 >/dev/null 2>&1"), 0);
	/* like a real VF, it is back on the host with its settings */
	assert_int_equal(list(pf, vfs, 4), 2);
	assert_string_equal(vfs[1].netdev, "t0v1");
	assert_int_equal(vfs[1].min_tx_rate, 100);
	assert_int_equal(vfs[1].max_tx_rate, 200);
	assert_int_equal(kr_test_sh("tc class show dev t0q1 | grep -q 'rate 200Mbit'"),
			 0);
}

/* A VF made only partly (its creator killed between the steps) is made
 * complete by the next listing. */
static void test_incomplete_vf_completed(void **state)
{
	struct fixture *f = *state;
	struct kr_vf_info vfs[4];
	struct kr_node_pf *pf;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 3\n");
	pf = pf0(f);
	set_num(pf, 3);
	assert_int_equal(kr_test_sh("ip link set t0r1 nomaster && "
				    "ip link set t0r1 down && "
				    "ip link set t0v2 alias stray"), 0);
	assert_int_equal(list(pf, vfs, 4), 3);
	assert_int_equal(kr_test_sh("ip link show t0r1 | grep -q 'master t0'"),
			 0);
	assert_int_equal(kr_test_sh("ip link show t0r1 | grep -q '[<,]UP[,>]'"),
			 0);
	assert_int_equal(kr_test_sh("ip -d link show t0v2 | grep -q "
				    "'alias kube-rdma mock VF t0 2'"), 0);
}

/* Shaping half made or left over (a process killed in the middle) is
 * repaired when the PF is opened, from the state: VF 0's ifb without its
 * class, VF 1's representor without its redirect, VF 2 shaped although
 * its state says no limit. */
static void test_shaping_repaired_at_open(void **state)
{
	struct fixture *f = *state;
	const char *conf = "[pf \"t0\"]\nbackend = mock\nnum_vfs = 3\n";
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;

	open_node(f, conf);
	pf = pf0(f);
	set_num(pf, 3);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 0, 0, 300,
						      &err), 0);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 1, 0, 400,
						      &err), 0);
	assert_int_equal(kr_test_sh("tc class del dev t0q0 classid 1:1 && "
				    "tc qdisc del dev t0r1 ingress && "
				    "ip link add t0q2 type ifb && "
				    "tc qdisc add dev t0r2 ingress"), 0);
	open_node(f, conf);
	assert_int_equal(kr_test_sh("tc class show dev t0q0 | "
				    "grep -q 'rate 300Mbit'"), 0);
	assert_int_equal(kr_test_sh("tc filter show dev t0r1 ingress | "
				    "grep -q 'mirred.*t0q1'"), 0);
	assert_int_not_equal(kr_test_sh("ip link show t0q2 2>/dev/null"), 0);
	assert_int_not_equal(kr_test_sh("tc qdisc show dev t0r2 | "
					"grep -q ingress"), 0);
}

/* A reset takes the shaping away whatever the state says: a process killed
 * after shaping and before saving left the state at 0/0. */
static void test_reset_from_data_plane(void **state)
{
	struct fixture *f = *state;
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 2\n");
	pf = pf0(f);
	set_num(pf, 2);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 1, 0, 1002,
						      &err), 0);
	assert_int_equal(kr_test_sh("printf '%%s' '{\"num_vfs\": 2, \"vfs\": []}' "
				    ">%s/state/backend-mock/t0.json", f->dir),
			 0);
	assert_int_equal(pf->backend->ops.vf_reset(pf->handle, 1, &err), 0);
	assert_int_not_equal(kr_test_sh("ip link show t0q1 2>/dev/null"), 0);
	assert_int_not_equal(kr_test_sh("tc qdisc show dev t0r1 | "
					"grep -q ingress"), 0);
}

/* The temporary file of a writer killed before its rename is removed
 * before the state is read; a live writer's is left alone. */
static void test_stale_temp_files(void **state)
{
	struct fixture *f = *state;
	struct kr_vf_info vfs[2];
	struct kr_node_pf *pf;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 1\n");
	pf = pf0(f);
	set_num(pf, 1);
	assert_int_equal(kr_test_sh("cd %s/state/backend-mock && "
				    "echo '{' >t0.json.tmp.99999999 && "
				    "echo '{' >t0.json.tmp.1", f->dir), 0);
	list(pf, vfs, 2);
	assert_int_not_equal(kr_test_sh("test -e %s/state/backend-mock/"
					"t0.json.tmp.99999999", f->dir), 0);
	assert_int_equal(kr_test_sh("test -e %s/state/backend-mock/"
				    "t0.json.tmp.1", f->dir), 0);
}

static void test_fail_injection(void **state)
{
	struct fixture *f = *state;
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 1\n"
		     "fail = vf_set_rate:EBUSY, vf_reset:EIO\n");
	pf = pf0(f);
	set_num(pf, 1);
	assert_int_equal(pf->backend->ops.vf_set_rate(pf->handle, 0, 0, 10,
						      &err), -EBUSY);
	assert_non_null(strstr(err.msg, "vf_set_rate on t0 failed (injected"));
	assert_int_equal(pf->backend->ops.vf_reset(pf->handle, 0, &err), -EIO);
}

static void test_bad_options(void **state)
{
	struct fixture *f = *state;

	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 1\n"
		     "total_vfs = many\n");
	assert_null(f->node->pfs[0].handle);
	assert_non_null(strstr(f->node->pfs[0].open_err.msg,
			       "node.conf:8: PF t0: total_vfs = \"many\": "
			       "expected a whole number"));
	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 1\n"
		     "fail = vf_set_rate\n");
	assert_non_null(strstr(f->node->pfs[0].open_err.msg,
			       "expected OP:ERRNO"));
	open_node(f, "[pf \"t0\"]\nbackend = mock\nnum_vfs = 1\nspeed = 1\n");
	assert_non_null(strstr(f->node->pfs[0].open_err.msg,
			       "node.conf:8: [pf \"t0\"]: unknown key "
			       "\"speed\" (backend mock)"));
	open_node(f, "[pf \"longpfname01\"]\nbackend = mock\nnum_vfs = 1\n");
	assert_non_null(strstr(f->node->pfs[0].open_err.msg,
			       "too long for 128 mock VFs"));
	/* a netdev of the PF's name that is not a mock PF is left alone */
	assert_int_equal(kr_test_sh("ip link add t1 type bridge"), 0);
	open_node(f, "[pf \"t1\"]\nbackend = mock\nnum_vfs = 1\n");
	assert_int_equal(f->node->pfs[0].open_err.code, -EEXIST);
	assert_non_null(strstr(f->node->pfs[0].open_err.msg,
			       "netdev t1 exists and is not a mock PF"));
	/* a missing backend fails that PF, not the others */
	open_node(f, "[pf \"t0\"]\nbackend = nonesuch\nnum_vfs = 1\n"
		     "[pf \"t2\"]\nbackend = mock\nnum_vfs = 1\n");
	assert_int_equal(f->node->pfs[0].open_err.code, -ENOENT);
	assert_non_null(f->node->pfs[1].handle);
}

static void test_two_nodes(void **state)
{
	struct fixture *f = *state;
	struct kr_inventory *inv = NULL;
	struct kr_err err = { 0 };

	/* Two nodes' PFs side by side, as the simulated cluster runs them
	 * (each node has its own state directory in real use; PF names
	 * keep their files apart here). */
	open_node(f, "[pf \"n1p0\"]\nbackend = mock\nnum_vfs = 2\n"
		     "[pf \"n2p0\"]\nbackend = mock\nnum_vfs = 3\n"
		     "capacity_mbps = 40000\n");
	set_num(&f->node->pfs[0], 2);
	set_num(&f->node->pfs[1], 3);
	assert_int_equal(kr_node_inventory(f->node, NULL, &inv, &err), 0);
	assert_int_equal(inv->n_pfs, 2);
	assert_int_equal(inv->pfs[0].vfs_total, 2);
	assert_int_equal(inv->pfs[1].vfs_total, 3);
	assert_int_equal(inv->pfs[1].capacity_mbps, 40000);
	assert_int_equal(inv->pfs[1].link_speed_mbps, 100000);
	assert_string_not_equal(inv->pfs[0].vfs[0].mac,
				inv->pfs[1].vfs[0].mac);
	assert_string_not_equal(inv->pfs[0].pci, inv->pfs[1].pci);
	kr_inventory_free(inv);
	/* their bridges can be wired together like two switches */
	assert_int_equal(kr_test_sh("ip link add n1up type veth peer name n2up && "
			    "ip link set n1up master n1p0 up && "
			    "ip link set n2up master n2p0 up"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vf_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_move_and_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rates_persist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_min_rate_unsupported,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_back_after_pod_dies,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_vf_completed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shaping_repaired_at_open,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_from_data_plane,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_temp_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fail_injection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_options, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_nodes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
