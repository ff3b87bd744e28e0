/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-daemon serve, end to end: the real binary on a mock node in a
 * private network namespace, driven with libcurl and raw sockets.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "config.h"
#include "err.h"
#include "inventory.h"
#include "node.h"
#include "../support/netns.h"

#define BASE "http://127.0.0.1:54005"

struct fixture {
	char dir[64];
	char conf[128];
	pid_t daemon;
};

struct answer {
	long status;
	char *body;
	size_t len;
	char etag[64];
	char content_type[64];
	char allow[64];
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	char *grown = realloc(a->body, a->len + size * n + 1);

	assert_non_null(grown);
	memcpy(grown + a->len, p, size * n);
	a->body = grown;
	a->len += size * n;
	a->body[a->len] = '\0';
	return size * n;
}

static void header_value(const char *line, size_t len, const char *name,
			 char *out, size_t size)
{
	size_t n = strlen(name);

	if (len > n + 2 && !strncasecmp(line, name, n) && line[n] == ':') {
		const char *v = line + n + 1;
		size_t vlen = len - n - 1;

		while (vlen && (*v == ' '))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
			vlen--;
		snprintf(out, size, "%.*s", (int)vlen, v);
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;

	header_value(p, size * n, "ETag", a->etag, sizeof(a->etag));
	header_value(p, size * n, "Content-Type", a->content_type,
		     sizeof(a->content_type));
	header_value(p, size * n, "Allow", a->allow, sizeof(a->allow));
	return size * n;
}

/* One request; 'extra' is a header line or NULL. */
static struct answer request(const char *method, const char *path,
			     const char *extra, const char *body)
{
	struct answer a = { 0 };
	struct curl_slist *headers = NULL;
	char url[256];
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), BASE "%s", path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	if (body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	if (extra) {
		headers = curl_slist_append(headers, extra);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	}
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return a;
}

static struct answer get(const char *path)
{
	return request("GET", path, NULL, NULL);
}

static struct kr_inventory *inventory(struct answer *a)
{
	struct kr_inventory *inv = NULL;
	struct kr_err err = { 0 };

	assert_int_equal(a->status, 200);
	if (kr_inventory_parse(a->body, a->len, &inv, &err) < 0)
		fail_msg("%s", err.msg);
	return inv;
}

static void write_conf(struct fixture *f, const char *extra)
{
	FILE *out = fopen(f->conf, "w");

	assert_non_null(out);
	fprintf(out,
		"[node]\nname = test-node\nbackend_dir = %s\n"
		"state_dir = %s/state\ndev_root = %s/dev\n"
		"[daemon]\nlisten = 127.0.0.1:54005\n"
		"refresh_interval_ms = 100\nmax_connections = 64\n"
		"cdi_dir = %s/cdi\n"
		"[pf \"t0\"]\nbackend = mock\nnum_vfs = 4\n%s",
		getenv("KR_TEST_BACKEND_DIR"), f->dir, f->dir, f->dir, extra);
	fclose(out);
}

static void stop_daemon(struct fixture *f, int *status)
{
	if (f->daemon > 0) {
		kill(f->daemon, SIGTERM);
		waitpid(f->daemon, status, 0);
		f->daemon = 0;
	}
}

/* Start the daemon; 0 when it answers /healthz. */
static int start_daemon(struct fixture *f)
{
	char bin[512];
	int i;

	snprintf(bin, sizeof(bin), "%s/kube-rdma-daemon",
		 getenv("KR_TEST_BIN_DIR"));
	if (kr_test_sh("%s init --config %s >/dev/null", bin, f->conf) != 0)
		return -1;
	f->daemon = fork();
	if (f->daemon < 0)
		return -1;
	if (f->daemon == 0) {
		/* never outlive the test */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(bin, bin, "serve", "--config", f->conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		struct answer a = get("/healthz");

		free(a.body);
		if (a.status == 200)
			return 0;
		usleep(50000);
	}
	return -1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (kr_test_private_netns() < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kr-test-daemon-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->conf, sizeof(f->conf), "%s/node.conf", f->dir);
	/* a node's RDMA character devices, as files */
	kr_test_sh("mkdir -p %s/dev/infiniband && cd %s/dev/infiniband && "
	    "touch uverbs0 umad0 uverbs1 rdma_cm", f->dir, f->dir);
	write_conf(f, "");
	if (start_daemon(f) < 0) {
		stop_daemon(f, NULL);
		kr_test_sh("rm -rf %s", f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int status = 0;

	stop_daemon(f, &status);
	kr_test_sh("rm -rf %s", f->dir);
	free(f);
	/* a clean stop on SIGTERM */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Poll the inventory until its generation passes 'after'. */
static struct kr_inventory *newer_than(uint64_t after)
{
	int i;

	for (i = 0; i < 60; i++) {
		struct answer a = get("/v1/inventory");
		struct kr_inventory *inv = inventory(&a);

		free(a.body);
		if (inv->generation > after)
			return inv;
		kr_inventory_free(inv);
		usleep(50000);
	}
	fail_msg("generation stayed at %llu", (unsigned long long)after);
	return NULL;
}

static void test_inventory_and_etag(void **state)
{
	struct answer a = get("/v1/inventory"), b, c;
	struct kr_inventory *inv = inventory(&a);
	char inm[96];

	assert_string_equal(a.content_type, "application/json");
	assert_true(a.etag[0] == '"');
	assert_string_equal(inv->node, "test-node");
	assert_int_equal(inv->n_pfs, 1);
	assert_string_equal(inv->pfs[0].name, "t0");
	assert_int_equal(inv->pfs[0].vfs_total, 4);
	assert_int_equal(inv->pfs[0].vfs_free, 4);
	assert_string_equal(inv->pfs[0].vfs[2].netdev, "t0v2");

	snprintf(inm, sizeof(inm), "If-None-Match: %s", a.etag);
	b = request("GET", "/v1/inventory", inm, NULL);
	assert_int_equal(b.status, 304);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.etag, a.etag);
	b.status = 0;
	free(b.body);
	b = request("GET", "/v1/inventory", "If-None-Match: \"g0\"", NULL);
	assert_int_equal(b.status, 200);
	c = request("HEAD", "/v1/inventory", NULL, NULL);
	assert_int_equal(c.status, 200);
	assert_int_equal(c.len, 0);
	free(a.body);
	free(b.body);
	free(c.body);
	kr_inventory_free(inv);
}

static void test_generation_follows_changes(void **state)
{
	struct fixture *f = *state;
	struct kr_alloc_vf vf = { .pf = "t0", .vf = 1, .pod_ifname = "net1",
				  .host_netdev = "t0v1" };
	struct kr_alloc rec = { .container_id = "c0ffee", .ifname = "eth0",
				.pod_namespace = "default",
				.pod_name = "pod1", .pod_uid = "u-1",
				.vfs = &vf, .n_vfs = 1 };
	struct answer a = get("/v1/inventory");
	struct kr_inventory *inv = inventory(&a), *next;
	struct kr_config *cfg = NULL;
	struct kr_node *node = NULL;
	struct kr_err err = { 0 };
	char state_dir[128];
	uint64_t g0 = inv->generation;

	/* a record marks the VF, at the next refresh */
	snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
	assert_int_equal(kr_alloc_write(state_dir, &rec, &err), 0);
	next = newer_than(g0);
	assert_true(next->pfs[0].vfs[1].allocated);
	assert_string_equal(next->pfs[0].vfs[1].owner.pod, "pod1");
	assert_string_equal(next->pfs[0].vfs[1].owner.container_id, "c0ffee");
	assert_int_equal(next->pfs[0].vfs_free, 3);
	g0 = next->generation;
	kr_inventory_free(next);

	/* a rate set through the backend (the kernel's state) shows too */
	assert_int_equal(kr_config_load(f->conf, &cfg, &err), 0);
	assert_int_equal(kr_node_open(cfg, &node, &err), 0);
	assert_int_equal(node->pfs[0].backend->ops.vf_set_rate(
				 node->pfs[0].handle, 1, 2500, 5000, &err),
			 0);
	next = newer_than(g0);
	assert_int_equal(next->pfs[0].reserved_mbps, 2500);
	assert_int_equal(next->pfs[0].vfs[1].max_tx_rate, 5000);
	g0 = next->generation;
	kr_inventory_free(next);
	kr_node_close(node);
	kr_config_free(cfg);

	assert_int_equal(kr_alloc_remove(state_dir, "c0ffee", "eth0", &err),
			 0);
	next = newer_than(g0);
	assert_false(next->pfs[0].vfs[1].allocated);
	kr_inventory_free(next);
	free(a.body);
	kr_inventory_free(inv);
}

static void test_metrics(void **state)
{
	struct answer a;
	regex_t sample;
	char *line, *save = NULL;
	int samples = 0;

	free(get("/v1/inventory").body);
	a = get("/metrics");
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.content_type, "text/plain"));
	/* the text format: comments, or NAME{LABELS} VALUE */
	assert_int_equal(regcomp(&sample,
				 "^[a-zA-Z_:][a-zA-Z0-9_:]*"
				 "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\",?)*\\})?"
				 " [0-9.eE+-]+$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	for (line = strtok_r(a.body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
			continue;
		if (regexec(&sample, line, 0, NULL, 0))
			fail_msg("not a Prometheus sample: %s", line);
		samples++;
	}
	regfree(&sample);
	assert_true(samples >= 8);
	free(a.body);
	a = get("/metrics");
	assert_non_null(strstr(a.body, "kube_rdma_pf_vfs_total{node=\"test-node\""
				       ",pf=\"t0\",backend=\"mock\"} 4\n"));
	assert_non_null(strstr(a.body, "kube_rdma_pf_capacity_mbps{node=\"test-"
				       "node\",pf=\"t0\",backend=\"mock\"} "
				       "100000\n"));
	assert_non_null(strstr(a.body, "kube_rdma_http_requests_total{path=\""
				       "/v1/inventory\",code=\"200\"} 1\n"));
	assert_non_null(strstr(a.body, "kube_rdma_build_info{version="));
	free(a.body);
}

/* Send raw bytes, return the status line's code (0 if none). */
static int raw(const char *bytes)
{
	size_t len = strlen(bytes);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(54005) };
	char buf[256] = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0), code = 0;
	struct timeval tv = { 2, 0 };

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(send(fd, bytes, len, 0), (ssize_t)len);
	if (recv(fd, buf, sizeof(buf) - 1, 0) > 0)
		sscanf(buf, "HTTP/1.%*d %d", &code);
	close(fd);
	return code;
}

static void still_serving(void)
{
	struct answer a = get("/healthz");

	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "ok\n");
	free(a.body);
}

static void test_refusals(void **state)
{
	struct answer a;
	json_t *doc;
	char *big;

	a = get("/v2/inventory");
	assert_int_equal(a.status, 404);
	doc = json_loads(a.body, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "error")),
			    "not_found");
	json_decref(doc);
	free(a.body);

	a = request("POST", "/v1/inventory", NULL, "{}");
	assert_int_equal(a.status, 405);
	assert_string_equal(a.allow, "GET, HEAD");
	free(a.body);
	a = request("DELETE", "/healthz", NULL, NULL);
	assert_int_equal(a.status, 405);
	free(a.body);

	/* a GET with a body */
	a = request("GET", "/v1/inventory", NULL, "x=1");
	assert_int_equal(a.status, 413);
	free(a.body);
	still_serving();

	/* headers past the per-connection memory limit */
	big = malloc(40000);
	memcpy(big, "X-Big: ", 7);
	memset(big + 7, 'a', 39992);
	big[39999] = '\0';
	a = request("GET", "/v1/inventory", big, NULL);
	assert_int_equal(a.status, 431);
	free(a.body);
	free(big);
	still_serving();

	/* malformed requests: closed unanswered, or refused */
	assert_int_equal(raw("GARBAGE\r\n\r\n"), 0);
	assert_int_equal(raw("GET\r\n\r\n"), 0);
	assert_int_equal(raw("GET /v1/inventory HTTP/9.9\r\nHost: x\r\n\r\n"),
			 505);
	still_serving();
}

static void test_paper_getpfs(void **state)
{
	struct answer a = get("/getpfs");
	json_t *doc, *pf, *vf;

	assert_int_equal(a.status, 200);
	doc = json_loads(a.body, 0, NULL);
	assert_true(json_is_array(doc));
	pf = json_array_get(doc, 0);
	assert_string_equal(json_string_value(json_object_get(pf, "name")),
			    "t0");
	assert_int_equal(json_integer_value(json_object_get(pf,
							    "capacity_vfs")),
			 4);
	assert_int_equal(json_integer_value(json_object_get(pf, "used_vfs")),
			 0);
	assert_int_equal(json_integer_value(json_object_get(
				 pf, "capacity_tx_rate")),
			 100000);
	vf = json_array_get(json_object_get(pf, "vfs"), 3);
	assert_int_equal(json_integer_value(json_object_get(vf, "vf")), 3);
	assert_true(json_is_false(json_object_get(vf, "allocated")));
	json_decref(doc);
	free(a.body);
}

static void test_sighup_and_pf_failure(void **state)
{
	struct fixture *f = *state;
	struct answer a = get("/v1/inventory");
	struct kr_inventory *inv = inventory(&a), *next;

	/* a second PF whose reads fail, and a new capacity for t0 */
	write_conf(f, "capacity_mbps = 50000\n[pf \"t1\"]\nbackend = mock\n"
		      "num_vfs = 2\nfail = vf_list:EIO\n");
	assert_int_equal(kill(f->daemon, SIGHUP), 0);
	next = newer_than(inv->generation);
	assert_int_equal(next->n_pfs, 1);	/* t1 cannot be read */
	assert_int_equal(next->pfs[0].capacity_mbps, 50000);
	free(a.body);
	a = get("/metrics");
	assert_non_null(strstr(a.body, "kube_rdma_pf_down{node=\"test-node\","
				       "pf=\"t1\"} 1\n"));
	free(a.body);
	kr_inventory_free(next);
	kr_inventory_free(inv);

	/* a broken file is refused and the running configuration kept */
	write_conf(f, "bogus_key = 1\n");
	assert_int_equal(kill(f->daemon, SIGHUP), 0);
	usleep(300000);
	still_serving();
	a = get("/v1/inventory");
	inv = inventory(&a);
	assert_int_equal(inv->pfs[0].capacity_mbps, 50000);
	free(a.body);
	kr_inventory_free(inv);
}

static void test_ctl_url(void **state)
{
	char bin[512];

	snprintf(bin, sizeof(bin), "%s/kube-rdma-ctl",
		 getenv("KR_TEST_BIN_DIR"));
	assert_int_equal(kr_test_sh("%s inventory --url " BASE " | grep -q "
			     "'^t0 .*mock.*4/4'", bin), 0);
	assert_int_equal(kr_test_sh("%s inventory --url " BASE " --json | grep -q "
			     "'\"node\": \"test-node\"'", bin), 0);
	/* nobody there, and not an inventory */
	assert_int_equal(kr_test_sh("%s inventory --url http://127.0.0.1:1 "
			     "2>/dev/null", bin), 1);
	assert_int_equal(kr_test_sh("%s inventory --url " BASE "/getpfs 2>&1 | grep -q "
			     "'getpfs: inventory: '", bin), 0);
	assert_int_equal(kr_test_sh("%s inventory --url ftp://x 2>/dev/null", bin), 1);
}

static void test_cdi_spec(void **state)
{
	struct fixture *f = *state;
	char path[160];
	json_t *spec, *devices;

	snprintf(path, sizeof(path), "%s/cdi/kube-rdma.json", f->dir);
	spec = json_load_file(path, 0, NULL);
	assert_non_null(spec);
	assert_string_equal(json_string_value(json_object_get(spec, "kind")),
			    "kube-rdma.io/rdma");
	devices = json_object_get(spec, "devices");
	assert_int_equal(json_array_size(devices), 3);	/* 0, 1, all */
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(devices, 0), "name")),
			    "uverbs0");
	/* uverbs0 carries umad0; rdma_cm goes to every device */
	assert_int_equal(json_array_size(json_object_get(
				 json_object_get(json_array_get(devices, 0),
						 "containerEdits"),
				 "deviceNodes")),
			 2);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(
					       json_object_get(spec,
							       "containerEdits"),
					       "deviceNodes"),
				       0),
			"path")),
		"/dev/infiniband/rdma_cm");
	json_decref(spec);
	/* a device that goes away leaves the spec */
	assert_int_equal(kr_test_sh("rm %s/dev/infiniband/uverbs1", f->dir), 0);
	usleep(500000);
	spec = json_load_file(path, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(spec, "devices")), 2);
	json_decref(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inventory_and_etag, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_generation_follows_changes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paper_getpfs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sighup_and_pf_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cdi_spec, setup, teardown),
	};

	curl_global_init(CURL_GLOBAL_ALL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
