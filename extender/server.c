/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extender's HTTP server (core/http's libmicrohttpd server, with its
 * limits): POST {prefix}/filter, /prioritize, /bind with JSON bodies
 * (bounded by max_body_bytes, and max_body_total_bytes together), and
 * GET /healthz, /metrics.  Keep-alive, a thread per core.
 */
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "httpd.h"
#include "log.h"
#include "server.h"

enum verb { VERB_FILTER, VERB_PRIORITIZE, VERB_BIND, _VERB_MAX };

static const char *const verb_names[_VERB_MAX] = { "filter", "prioritize",
						    "bind" };

struct ext_server {
	struct kr_httpd *httpd;
	struct extender *x;
	_Atomic uint64_t calls[_VERB_MAX];
	_Atomic uint64_t micros[_VERB_MAX];	/* total time spent */
	_Atomic uint64_t bad_requests;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned int code,
				 const char *type, char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned int code,
				 json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY)
			 : NULL;

	json_decref(doc);
	if (!text)
		return MHD_NO;
	return send_text(c, code, "application/json", text);
}

static enum MHD_Result send_error(struct ext_server *s,
				  struct MHD_Connection *c, unsigned int code,
				  const char *msg)
{
	atomic_fetch_add(&s->bad_requests, 1);
	return send_json(c, code, json_pack("{s:s}", "error", msg));
}

static char *metrics(struct ext_server *s)
{
	struct extender *x = s->x;
	char *text = NULL;
	size_t len = 0, i, nodes, stale = 0;
	uint64_t forgotten;
	uint64_t now = now_us() / 1000;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	pthread_rwlock_rdlock(&x->cache->lock);
	nodes = x->cache->n;
	for (i = 0; i < nodes; i++) {
		const struct node_entry *e = x->cache->entries[i];

		if (!e->inv || now - e->ok_ms > x->cfg->extender_stale_ms)
			stale++;
	}
	forgotten = x->cache->forgotten;
	pthread_rwlock_unlock(&x->cache->lock);
	fprintf(out, "# TYPE kube_rdma_extender_requests_total counter\n");
	for (i = 0; i < _VERB_MAX; i++)
		fprintf(out,
			"kube_rdma_extender_requests_total{verb=\"%s\"} %llu\n",
			verb_names[i],
			(unsigned long long)atomic_load(&s->calls[i]));
	fprintf(out, "# TYPE kube_rdma_extender_request_seconds_total "
		     "counter\n");
	for (i = 0; i < _VERB_MAX; i++)
		fprintf(out,
			"kube_rdma_extender_request_seconds_total{verb="
			"\"%s\"} %.6f\n",
			verb_names[i], atomic_load(&s->micros[i]) / 1e6);
	fprintf(out,
		"# TYPE kube_rdma_extender_bad_requests_total counter\n"
		"kube_rdma_extender_bad_requests_total %llu\n"
		"# TYPE kube_rdma_extender_nodes gauge\n"
		"kube_rdma_extender_nodes %zu\n"
		"# TYPE kube_rdma_extender_nodes_stale gauge\n"
		"kube_rdma_extender_nodes_stale %zu\n"
		"# TYPE kube_rdma_extender_nodes_forgotten_total counter\n"
		"kube_rdma_extender_nodes_forgotten_total %llu\n"
		"# TYPE kube_rdma_extender_nodes_refused_total counter\n"
		"kube_rdma_extender_nodes_refused_total %llu\n"
		"# TYPE kube_rdma_extender_reservations gauge\n"
		"kube_rdma_extender_reservations %zu\n"
		"# TYPE kube_rdma_extender_refusals_total counter\n"
		"kube_rdma_extender_refusals_total{reason=\"no_room\"} %llu\n"
		"kube_rdma_extender_refusals_total{reason=\"undecided\"} "
		"%llu\n"
		"kube_rdma_extender_refusals_total{reason=\"unreachable\"} "
		"%llu\n"
		"kube_rdma_extender_refusals_total{reason=\"bad_request\"} "
		"%llu\n"
		"# TYPE kube_rdma_extender_binds_total counter\n"
		"kube_rdma_extender_binds_total{result=\"ok\"} %llu\n"
		"kube_rdma_extender_binds_total{result=\"failed\"} %llu\n"
		"# TYPE kube_rdma_placement_undecided_total counter\n"
		"kube_rdma_placement_undecided_total %llu\n",
		(unsigned long long)atomic_load(&s->bad_requests), nodes,
		stale, (unsigned long long)forgotten,
		(unsigned long long)atomic_load(&x->cache->refused),
		node_cache_reservations(x->cache),
		(unsigned long long)atomic_load(&x->refused_no_room),
		(unsigned long long)atomic_load(&x->refused_undecided),
		(unsigned long long)atomic_load(&x->refused_unreachable),
		(unsigned long long)atomic_load(&x->refused_bad_request),
		(unsigned long long)atomic_load(&x->binds_ok),
		(unsigned long long)atomic_load(&x->binds_failed),
		(unsigned long long)kr_place_cutoffs());
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The verb of 'url' under the path prefix, or -1. */
static int verb_of(struct ext_server *s, const char *url)
{
	const char *prefix = s->x->cfg->extender_path_prefix;
	size_t len = strlen(prefix);
	int i;

	if (strncmp(url, prefix, len) || url[len] != '/')
		return -1;
	for (i = 0; i < _VERB_MAX; i++)
		if (!strcmp(url + len + 1, verb_names[i]))
			return i;
	return -1;
}

static enum MHD_Result run_verb(struct ext_server *s,
				struct MHD_Connection *c, int verb,
				const char *body, size_t len)
{
	json_error_t jerr;
	json_t *args, *res;
	uint64_t t0 = now_us();
	char msg[300];

	args = json_loadb(body ? body : "", len, 0, &jerr);
	if (!json_is_object(args)) {
		json_decref(args);
		snprintf(msg, sizeof(msg), "malformed %s request: %s",
			 verb_names[verb],
			 args ? "not an object" : jerr.text);
		return send_error(s, c, MHD_HTTP_BAD_REQUEST, msg);
	}
	res = verb == VERB_FILTER	? verb_filter(s->x, args)
	      : verb == VERB_PRIORITIZE ? verb_prioritize(s->x, args)
					: verb_bind(s->x, args);
	json_decref(args);
	atomic_fetch_add(&s->calls[verb], 1);
	atomic_fetch_add(&s->micros[verb], now_us() - t0);
	return send_json(c, MHD_HTTP_OK, res);
}

static enum MHD_Result on_request(void *cls, const struct kr_httpd_request *rq)
{
	struct ext_server *s = cls;
	struct MHD_Connection *c = rq->conn;
	int verb = verb_of(s, rq->url);

	/* a malformed message first; a refused body after path and method */
	if (rq->refusal.code == MHD_HTTP_BAD_REQUEST)
		return send_error(s, c, rq->refusal.code, rq->refusal.message);
	if (!strcmp(rq->method, "GET") && !strcmp(rq->url, "/healthz"))
		return send_text(c, MHD_HTTP_OK, "text/plain", strdup("ok\n"));
	if (!strcmp(rq->method, "GET") && !strcmp(rq->url, "/metrics")) {
		char *text = metrics(s);

		return text ? send_text(c, MHD_HTTP_OK,
					"text/plain; version=0.0.4", text)
			    : MHD_NO;
	}
	if (verb < 0)
		return send_error(s, c, MHD_HTTP_NOT_FOUND, "no such path");
	if (strcmp(rq->method, "POST"))
		return send_error(s, c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "use POST");
	if (rq->refusal.code)
		return send_error(s, c, rq->refusal.code, rq->refusal.message);
	return run_verb(s, c, verb, rq->body, rq->body_len);
}

int ext_server_start(struct extender *x, struct ext_server **ret,
			struct kr_err *err)
{
	const struct kr_config *cfg = x->cfg;
	struct kr_httpd_opts opts = {
		.listen = cfg->extender_listen,
		.name = "[extender]",
		.max_connections = cfg->extender_max_connections,
		.max_connections_per_client =
			cfg->extender_max_connections_per_client,
		.idle_timeout_s = cfg->extender_idle_timeout_s,
		.request_timeout_s = cfg->extender_request_timeout_s,
		.max_body = cfg->extender_max_body,
		.max_body_total = cfg->extender_max_body_total,
		/* the daemons' and the API server's connections */
		.reserve_fds = 256,
		.handler = on_request,
	};
	struct ext_server *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return kr_err_set(err, -ENOMEM, "out of memory");
	s->x = x;
	opts.cls = s;
	r = kr_httpd_start(&opts, &s->httpd, err);
	if (r < 0) {
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void ext_server_stop(struct ext_server *s)
{
	if (!s)
		return;
	kr_httpd_stop(s->httpd);
	free(s);
}
