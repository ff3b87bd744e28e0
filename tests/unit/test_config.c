/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration parsing: every accepted form and every error path, with the
 * line number each error must name. */
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
#include "kr_limits.h"

static struct kr_config *parse_ok(const char *text)
{
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };

	if (kr_config_parse(text, strlen(text), "t.conf", &cfg, &err) < 0)
		fail_msg("unexpected error: %s", kr_err_text(&err));
	return cfg;
}

/* Parse, expect failure with 'code' and a message containing 'want'. */
static void parse_fails(const char *text, int code, const char *want)
{
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };
	int r;

	r = kr_config_parse(text, strlen(text), "t.conf", &cfg, &err);
	if (r != code || !strstr(err.msg, want))
		fail_msg("for:\n%s\nwant %d \"%s\", got %d \"%s\"", text, code,
			 want, r, err.msg);
	assert_null(cfg);
}

static void test_full_example(void **state)
{
	struct kr_config *cfg = parse_ok(
		"; comment\n"
		"# another\n"
		"[node]\n"
		"name = worker-1              ; default: $NODE_NAME\n"
		"backend_dir = /usr/lib/kube-rdma/backends\n"
		"state_dir = /var/lib/kube-rdma\n"
		"sysfs_root = /sys\n"
		"[daemon]\n"
		"listen = 0.0.0.0:54005\n"
		"[extender]\n"
		"listen = [::1]:8888\n"
		"daemon_url = http://{address}:54005   ; {node} = node name\n"
		"path_prefix = /kube-rdma\n"
		"[pf \"ens1f0\"]\n"
		"backend = mlx5\n"
		"num_vfs = 16\n"
		"capacity_mbps = 100000\n"
		"  [pf \"mock0\"]\n"
		"    backend = mock\n"
		"    num_vfs = 4\n"
		"    link_speed_mbps = 25000\n");

	assert_string_equal(cfg->node_name, "worker-1");
	assert_string_equal(cfg->backend_dir, "/usr/lib/kube-rdma/backends");
	assert_string_equal(cfg->daemon_listen, "0.0.0.0:54005");
	assert_string_equal(cfg->extender_listen, "[::1]:8888");
	assert_string_equal(cfg->extender_daemon_url,
			    "http://{address}:54005");
	assert_string_equal(cfg->extender_path_prefix, "/kube-rdma");
	assert_string_equal(cfg->extender_policy, "binpack");
	assert_int_equal(cfg->extender_poll_ms, 1000);
	assert_int_equal(cfg->extender_reservation_ttl_s, 120);
	assert_int_equal(cfg->extender_max_nodes, 20000);
	assert_int_equal(cfg->extender_forget_s, 600);
	assert_int_equal(cfg->daemon_refresh_ms, 1000);
	/* the HTTP servers' limits (docs/daemon.md "HTTP limits") */
	assert_int_equal(cfg->daemon_max_connections, 4096);
	assert_int_equal(cfg->daemon_max_connections_per_client, 64);
	assert_int_equal(cfg->daemon_request_timeout_s, 10);
	assert_int_equal(cfg->extender_max_body, 64u << 20);
	assert_int_equal(cfg->extender_max_body_total, 128u << 20);
	assert_int_equal(cfg->extender_request_timeout_s, 30);
	assert_int_equal(cfg->extender_idle_timeout_s, 120);
	assert_int_equal(cfg->n_pfs, 2);
	assert_string_equal(cfg->pfs[0].name, "ens1f0");
	assert_string_equal(cfg->pfs[0].backend, "mlx5");
	assert_int_equal(cfg->pfs[0].num_vfs, 16);
	assert_int_equal(cfg->pfs[0].capacity_mbps, 100000);
	assert_int_equal(cfg->pfs[0].line, 14);
	assert_int_equal(cfg->pfs[0].n_options, 0);
	assert_string_equal(cfg->pfs[1].name, "mock0");
	assert_int_equal(cfg->pfs[1].capacity_mbps, 0);
	assert_int_equal(cfg->pfs[1].n_options, 1);
	assert_string_equal(cfg->pfs[1].options[0].key, "link_speed_mbps");
	assert_string_equal(cfg->pfs[1].options[0].value, "25000");
	assert_int_equal(cfg->pfs[1].options[0].line, 21);
	assert_non_null(kr_config_find_pf(cfg, "mock0"));
	assert_null(kr_config_find_pf(cfg, "mock1"));
	kr_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct kr_config *cfg;
	char host[256];

	unsetenv("NODE_NAME");
	cfg = parse_ok("");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	assert_string_equal(cfg->node_name, host);
	assert_string_equal(cfg->state_dir, "/var/lib/kube-rdma");
	assert_string_equal(cfg->sysfs_root, "/sys");
	assert_string_equal(cfg->daemon_listen, "0.0.0.0:54005");
	assert_string_equal(cfg->extender_listen, "0.0.0.0:8888");
	assert_string_equal(cfg->extender_daemon_url, "http://{address}:54005");
	/* run from the build tree: the build tree's backends */
	assert_non_null(strstr(cfg->backend_dir, "backends-abi1"));
	assert_string_equal(cfg->backend_dir, getenv("KR_TEST_BACKEND_DIR"));
	kr_config_free(cfg);

	setenv("NODE_NAME", "from-env", 1);
	cfg = parse_ok("[daemon]\n");
	assert_string_equal(cfg->node_name, "from-env");
	kr_config_free(cfg);
	cfg = parse_ok("[node]\nname = from-file\n");
	assert_string_equal(cfg->node_name, "from-file");
	kr_config_free(cfg);
	setenv("NODE_NAME", "bad name", 1);
	parse_fails("", -EINVAL, "$NODE_NAME \"bad name\"");
	unsetenv("NODE_NAME");
}

static void test_section_errors(void **state)
{
	parse_fails("[node]\n[nodes]\n", -EINVAL,
		    "t.conf:2: [nodes]: unknown section");
	/* an empty unknown section is still found */
	parse_fails("\n\n[bogus]\n", -EINVAL, "t.conf:3: [bogus]");
	parse_fails("[node]\nname = a\n[node]\n", -EINVAL,
		    "t.conf:3: [node] given twice, first at line 1");
	parse_fails("[pf ens1f0]\n", -EINVAL,
		    "t.conf:1: [pf ens1f0]: PF section must be written");
	parse_fails("[pf \"\"]\n", -EINVAL, "t.conf:1: [pf \"\"]: PF name");
	parse_fails("[pf \"a-very-long-name0\"]\n", -EINVAL,
		    "1 to 15 bytes");
	parse_fails("[pf \"a/b\"]\n", -EINVAL, "not a valid netdev name");
	parse_fails("[pf \"p0\"]\nbackend=mock\nnum_vfs=1\n\n[pf \"p0\"]\n",
		    -EINVAL, "t.conf:5: [pf \"p0\"] given twice, first at line 1");
	parse_fails("[node\nname = x\n", -EINVAL, "t.conf:1: syntax error");
}

static void test_key_errors(void **state)
{
	parse_fails("name = x\n", -EINVAL, "t.conf:1: key \"name\" outside");
	parse_fails("[node]\n\nnmae = x\n", -EINVAL,
		    "t.conf:3: [node]: unknown key \"nmae\"");
	parse_fails("[daemon]\nlisten = :1\nlisten = :2\n", -EINVAL,
		    "t.conf:2: [daemon]: listen = \":1\": expected HOST:PORT");
	parse_fails("[daemon]\nlisten = a:1\nlisten = a:2\n", -EINVAL,
		    "t.conf:3: [daemon]: key \"listen\" given twice, first at "
		    "line 2");
	parse_fails("[daemon]\nlisten = a:70000\n", -EINVAL,
		    "t.conf:2: [daemon]: listen = \"a:70000\": port must be");
	parse_fails("[daemon]\nlisten = ::1:80\n", -EINVAL,
		    "IPv6 address goes in brackets");
	parse_fails("[extender]\ndaemon_url = ftp://x\n", -EINVAL,
		    "t.conf:2: [extender]: daemon_url = \"ftp://x\": must start");
	parse_fails("[extender]\ndaemon_url = http://{host}:1\n", -EINVAL,
		    "only {node} and {address}");
	parse_fails("[extender]\nmax_body_bytes = 1048576\n"
		    "max_body_total_bytes = 65536\n", -EINVAL,
		    "max_body_total_bytes = 65536 is below max_body_bytes");
	parse_fails("[daemon]\nrequest_timeout_s = 0\n", -EINVAL,
		    "t.conf:2: [daemon]: request_timeout_s = \"0\"");
	parse_fails("[extender]\npath_prefix = x/\n", -EINVAL,
		    "t.conf:2: [extender]: path_prefix");
	parse_fails("[node]\nstate_dir = var/lib\n", -EINVAL,
		    "t.conf:2: [node]: state_dir = \"var/lib\": must be an "
		    "absolute path");
	parse_fails("[node]\nname = a b\n", -EINVAL,
		    "t.conf:2: [node]: name = \"a b\"");
	parse_fails("[node]\nname = x\nthis line has no equals sign\n",
		    -EINVAL, "t.conf:3: syntax error");
	parse_fails("[extender]\nmax_nodes = 0\n", -EINVAL,
		    "t.conf:2: [extender]: max_nodes = \"0\": must be a whole "
		    "number from 1 to 1000000");
	parse_fails("[extender]\nforget_after_s = 1w\n", -EINVAL,
		    "t.conf:2: [extender]: forget_after_s = \"1w\": must be a "
		    "whole number from 1 to 604800");
	parse_fails("[extender]\npolicy = fastest\n", -EINVAL,
		    "t.conf:2: [extender]: policy = \"fastest\": must be "
		    "binpack or spread");
	parse_fails("[extender]\npoll_interval_ms = 5\n", -EINVAL,
		    "poll_interval_ms = \"5\": must be a whole number from "
		    "100 to 600000");
	parse_fails("[daemon]\nmax_connections = 0\n", -EINVAL,
		    "t.conf:2: [daemon]: max_connections = \"0\"");
}

/* [daemon] auth and its keys, [extender] inventory_token_file. */
static void test_auth_keys(void **state)
{
	struct kr_config *cfg = parse_ok("");

	assert_int_equal(cfg->daemon_auth, KR_AUTH_NONE);
	assert_null(cfg->daemon_auth_allowed_users);
	assert_null(cfg->daemon_auth_allowed_groups);
	assert_null(cfg->daemon_auth_audience);
	assert_int_equal(cfg->daemon_auth_cache_ttl_s, 10);
	assert_int_equal(cfg->daemon_auth_timeout_ms, 2000);
	assert_null(cfg->extender_inventory_token_file);
	kr_config_free(cfg);

	cfg = parse_ok("[daemon]\n"
		       "auth = tokenreview\n"
		       "auth_allowed_users = system:serviceaccount:kube-rdma:"
		       "kube-rdma-extender ,  ops@example.com\n"
		       "auth_allowed_groups = kube-rdma-readers\n"
		       "auth_audience = kube-rdma-daemon\n"
		       "auth_cache_ttl_s = 60\n"
		       "auth_timeout_ms = 500\n"
		       "[extender]\n"
		       "inventory_token_file = /var/run/secrets/kube-rdma/token\n");
	assert_int_equal(cfg->daemon_auth, KR_AUTH_TOKENREVIEW);
	assert_string_equal(cfg->daemon_auth_allowed_users,
			    "system:serviceaccount:kube-rdma:kube-rdma-extender,"
			    "ops@example.com");
	assert_true(kr_config_list_has(cfg->daemon_auth_allowed_users,
				       "ops@example.com"));
	assert_true(kr_config_list_has(
		cfg->daemon_auth_allowed_users,
		"system:serviceaccount:kube-rdma:kube-rdma-extender"));
	assert_false(kr_config_list_has(cfg->daemon_auth_allowed_users,
					"ops@example"));
	assert_false(kr_config_list_has(cfg->daemon_auth_allowed_users,
					"system:serviceaccount:kube-rdma"));
	assert_false(kr_config_list_has(NULL, "x"));
	assert_string_equal(cfg->daemon_auth_allowed_groups,
			    "kube-rdma-readers");
	assert_string_equal(cfg->daemon_auth_audience, "kube-rdma-daemon");
	assert_int_equal(cfg->daemon_auth_cache_ttl_s, 60);
	assert_int_equal(cfg->daemon_auth_timeout_ms, 500);
	assert_string_equal(cfg->extender_inventory_token_file,
			    "/var/run/secrets/kube-rdma/token");
	kr_config_free(cfg);

	cfg = parse_ok("[daemon]\nauth = none\n"
		       "[extender]\ninventory_token_file = none\n");
	assert_int_equal(cfg->daemon_auth, KR_AUTH_NONE);
	assert_string_equal(cfg->extender_inventory_token_file, "");
	kr_config_free(cfg);

	parse_fails("[daemon]\nauth = basic\n", -EINVAL,
		    "t.conf:2: [daemon]: auth = \"basic\": must be none or "
		    "tokenreview");
	/* an allow list that would protect nothing */
	parse_fails("[daemon]\nlisten = 0.0.0.0:1\n"
		    "auth_allowed_users = a\nauth_audience = b\n", -EINVAL,
		    "t.conf:3: [daemon]: auth_allowed_users needs auth = "
		    "tokenreview");
	parse_fails("[daemon]\nauth = none\nauth_cache_ttl_s = 5\n", -EINVAL,
		    "t.conf:3: [daemon]: auth_cache_ttl_s needs auth = "
		    "tokenreview");
	parse_fails("[daemon]\nauth = tokenreview\n"
		    "auth_allowed_users = a,,b\n", -EINVAL,
		    "t.conf:3: [daemon]: auth_allowed_users = \"a,,b\": an "
		    "empty name");
	parse_fails("[daemon]\nauth = tokenreview\n"
		    "auth_allowed_groups = a b\n", -EINVAL,
		    "t.conf:3: [daemon]: auth_allowed_groups = \"a b\": a name "
		    "holds no blanks");
	parse_fails("[daemon]\nauth = tokenreview\nauth_audience = a,b\n",
		    -EINVAL, "t.conf:3: [daemon]: auth_audience = \"a,b\"");
	parse_fails("[daemon]\nauth = tokenreview\nauth_cache_ttl_s = 0\n",
		    -EINVAL, "t.conf:3: [daemon]: auth_cache_ttl_s = \"0\": must "
		    "be a whole number from 1 to 3600");
	parse_fails("[daemon]\nauth = tokenreview\nauth_timeout_ms = 99999\n",
		    -EINVAL, "t.conf:3: [daemon]: auth_timeout_ms = \"99999\"");
	parse_fails("[extender]\ninventory_token_file = token\n", -EINVAL,
		    "t.conf:2: [extender]: inventory_token_file = \"token\": "
		    "must be an absolute path, or none");
}

static void test_pf_errors(void **state)
{
	parse_fails("[pf \"p0\"]\nnum_vfs = 4\n", -EINVAL,
		    "t.conf:1: [pf \"p0\"]: missing key \"backend\"");
	parse_fails("[pf \"p0\"]\nbackend = mock\n", -EINVAL,
		    "t.conf:1: [pf \"p0\"]: missing key \"num_vfs\"");
	parse_fails("[pf \"p0\"]\nbackend = Mock!\nnum_vfs = 1\n", -EINVAL,
		    "t.conf:2: [pf \"p0\"]: backend = \"Mock!\": not a backend");
	parse_fails("[pf \"p0\"]\nbackend = mock\nnum_vfs = -1\n", -EINVAL,
		    "t.conf:3: [pf \"p0\"]: num_vfs = \"-1\": must be a whole");
	parse_fails("[pf \"p0\"]\nbackend = mock\nnum_vfs = 65536\n", -EINVAL,
		    "num_vfs = \"65536\": must be at most 65535");
	parse_fails("[pf \"p0\"]\nbackend = mock\nnum_vfs = 4x\n", -EINVAL,
		    "num_vfs = \"4x\"");
	parse_fails("[pf \"p0\"]\nbackend = mock\nnum_vfs = 4\n"
		    "capacity_mbps = 0\n", -EINVAL,
		    "t.conf:4: [pf \"p0\"]: capacity_mbps = \"0\"");
	parse_fails("[pf \"p0\"]\nbackend = mock\nnum_vfs = 4\nnum_vfs = 5\n",
		    -EINVAL, "t.conf:4: [pf \"p0\"]: key \"num_vfs\" given twice");
	parse_fails("[pf \"p0\"]\nbackend = mock\nnum_vfs = 4\nfoo = 1\n"
		    "foo = 2\n", -EINVAL,
		    "t.conf:5: [pf \"p0\"]: key \"foo\" given twice, first at "
		    "line 4");
}

/* As many PFs as placement and the extender hold, and not one more. */
static void test_pf_limit(void **state)
{
	char text[8192];
	size_t len = 0;
	int i;

	for (i = 0; i < KR_MAX_PFS_PER_NODE; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"[pf \"p%d\"]\nbackend = mock\n"
					"num_vfs = 1\n", i);
	kr_config_free(parse_ok(text));
	snprintf(text + len, sizeof(text) - len,
		 "[pf \"p%d\"]\nbackend = mock\nnum_vfs = 1\n", i);
	parse_fails(text, -EINVAL, "more than 64 PF sections");
}

/* What is not a configuration file is refused before it is read. */
static void test_hostile_input(void **state)
{
	static const char nul[] = "[node]\nname = wor\0ker\n";
	char path[] = "/tmp/kr-test-config-XXXXXX";
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };
	int fd;

	assert_int_equal(kr_config_load("/dev/zero", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/dev/zero: not a regular file"));
	assert_int_equal(kr_config_load("/tmp", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (2 << 20)), 0);
	close(fd);
	assert_int_equal(kr_config_load(path, &cfg, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "2097152 bytes, at most 1048576"));
	unlink(path);
	assert_null(cfg);
	assert_int_equal(kr_config_parse(nul, sizeof(nul) - 1, "t.conf", &cfg,
					 &err), -EINVAL);
	assert_non_null(strstr(err.msg, "t.conf:2: a NUL byte in the line"));
	parse_fails("[pf \"p0\"] junk\nbackend = mock\nnum_vfs = 1\n", -EINVAL,
		    "t.conf:1: text after the section header: \"junk\"");
	kr_config_free(parse_ok("[pf \"p0\"]  ; a comment\nbackend = mock\n"
				"num_vfs = 1\n"));
}

static void test_backend_options(void **state)
{
	static const char *const accepted[] = { "total_vfs", NULL };
	struct kr_config *cfg = parse_ok("[pf \"p0\"]\nbackend = mock\n"
					 "num_vfs = 1\ntotal_vfs = 8\n"
					 "[pf \"p1\"]\nbackend = mock\n"
					 "num_vfs = 1\ntotl_vfs = 8\n");
	struct kr_err err = { 0 };

	assert_int_equal(kr_config_check_options(cfg, &cfg->pfs[0], accepted,
						 &err), 0);
	assert_int_equal(kr_config_check_options(cfg, &cfg->pfs[1], accepted,
						 &err), -EINVAL);
	assert_string_equal(err.msg, "t.conf:8: [pf \"p1\"]: unknown key "
				     "\"totl_vfs\" (backend mock)");
	assert_int_equal(kr_config_check_options(cfg, &cfg->pfs[1], NULL,
						 &err), -EINVAL);
	kr_config_free(cfg);
}

static void test_long_line(void **state)
{
	char text[600];

	snprintf(text, sizeof(text), "[node]\n\nstate_dir = /%0300d\n", 0);
	parse_fails(text, -EINVAL, "t.conf:3: line longer than");
}

static void test_file_errors(void **state)
{
	char path[] = "/tmp/kr-test-config-XXXXXX";
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };
	FILE *f;
	int fd, r;

	assert_int_equal(kr_config_load("/nonexistent/kube-rdma.conf", &cfg,
					&err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/kube-rdma.conf: cannot "
					"open"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[node]\nname = n1\n\n[daemon]\nlisten 127.0.0.1\n", f);
	fclose(f);
	r = kr_config_load(path, &cfg, &err);
	unlink(path);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err.msg, ":5: syntax error"));
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_auth_keys),
		cmocka_unit_test(test_pf_errors),
		cmocka_unit_test(test_pf_limit),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_backend_options),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
