/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's HTTP server (core/http's libmicrohttpd server, with its
 * limits).  Read-only: GET and HEAD, no request body.  Every answer comes
 * from the inventory cache's snapshot; the inventory bodies are MHD
 * responses built once per generation and shared by every request.
 * With [daemon] auth = tokenreview, every request but /healthz shows a
 * bearer token first (http_auth.h).
 */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http_auth.h"
#include "httpd.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "util.h"

/* The responses of one generation, shared across requests. */
struct shared_responses {
	uint64_t generation;
	struct MHD_Response *inventory;
	struct MHD_Response *not_modified;
	struct MHD_Response *paper;
};

struct http_server {
	struct kr_httpd *httpd;
	struct inv_cache *cache;
	struct http_auth *auth;		/* NULL: auth = none */
	struct http_stats stats;
	pthread_mutex_t lock;		/* guards shared */
	struct shared_responses shared;
};

static void drop_shared(struct shared_responses *s)
{
	if (s->inventory)
		MHD_destroy_response(s->inventory);
	if (s->not_modified)
		MHD_destroy_response(s->not_modified);
	if (s->paper)
		MHD_destroy_response(s->paper);
	memset(s, 0, sizeof(*s));
}

static struct MHD_Response *json_response(const char *body, size_t len,
					  const char *etag)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	return r;
}

/* Rebuild the shared responses when the snapshot is newer. */
static int update_shared(struct http_server *srv,
			 const struct inv_snapshot *snap)
{
	struct shared_responses *s = &srv->shared;

	if (s->inventory && s->generation == snap->generation)
		return 0;
	drop_shared(s);
	s->inventory = json_response(snap->json, snap->json_len, snap->etag);
	s->paper = json_response(snap->paper_json, snap->paper_len,
				 snap->etag);
	s->not_modified = MHD_create_response_from_buffer(
		0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!s->inventory || !s->paper || !s->not_modified) {
		drop_shared(s);
		return -ENOMEM;
	}
	MHD_add_response_header(s->not_modified, MHD_HTTP_HEADER_ETAG,
				snap->etag);
	s->generation = snap->generation;
	return 0;
}

/*
 * Queue a response made for this request alone; 'challenge' is the
 * WWW-Authenticate of a 401, else NULL.
 */
static enum MHD_Result reply_challenge(struct http_server *srv,
				       struct MHD_Connection *conn,
				       enum http_route route, unsigned int code,
				       const char *type, const char *body,
				       const char *challenge)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (challenge)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					challenge);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	http_stats_count(&srv->stats, route, code);
	return ret;
}

static enum MHD_Result reply(struct http_server *srv,
			     struct MHD_Connection *conn, enum http_route route,
			     unsigned int code, const char *type,
			     const char *body)
{
	return reply_challenge(srv, conn, route, code, type, body, NULL);
}

/*
 * The uniform error body: {"error": "...", "message": "..."}; 'challenge'
 * as reply_challenge's.
 */
static enum MHD_Result reply_error_challenge(struct http_server *srv,
					     struct MHD_Connection *conn,
					     enum http_route route,
					     unsigned int code,
					     const char *error,
					     const char *message,
					     const char *challenge)
{
	json_t *doc = json_pack("{s:s, s:s}", "error", error, "message",
				message);
	char *body, ascii[512];
	enum MHD_Result ret;
	size_t i;

	if (!doc) {	/* it quotes a URL that is not UTF-8: say it in ASCII */
		snprintf(ascii, sizeof(ascii), "%s", message);
		for (i = 0; ascii[i]; i++)
			if ((unsigned char)ascii[i] >= 0x80)
				ascii[i] = '?';
		doc = json_pack("{s:s, s:s}", "error", error, "message",
				ascii);
	}
	body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!body)
		return MHD_NO;
	ret = reply_challenge(srv, conn, route, code, "application/json", body,
			      challenge);
	free(body);
	return ret;
}

static enum MHD_Result reply_error(struct http_server *srv,
				   struct MHD_Connection *conn,
				   enum http_route route, unsigned int code,
				   const char *error, const char *message)
{
	return reply_error_challenge(srv, conn, route, code, error, message,
				     NULL);
}

/* True when If-None-Match names 'etag' (or is "*"). */
static int etag_matches(struct MHD_Connection *conn, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);

	if (!inm)
		return 0;
	return !strcmp(inm, "*") || strstr(inm, etag) != NULL;
}

static enum MHD_Result serve_inventory(struct http_server *srv,
				       struct MHD_Connection *conn,
				       enum http_route route)
{
	struct inv_snapshot *snap = inv_cache_get(srv->cache);
	enum MHD_Result ret = MHD_NO;
	unsigned int code = MHD_HTTP_OK;
	struct MHD_Response *r;

	pthread_mutex_lock(&srv->lock);
	if (update_shared(srv, snap) < 0) {
		pthread_mutex_unlock(&srv->lock);
		inv_snapshot_put(srv->cache, snap);
		return reply_error(srv, conn, route, 500, "internal",
				   "out of memory");
	}
	if (etag_matches(conn, snap->etag)) {
		r = srv->shared.not_modified;
		code = MHD_HTTP_NOT_MODIFIED;
	} else {
		r = route == ROUTE_GETPFS ? srv->shared.paper
					     : srv->shared.inventory;
	}
	/* queueing takes a reference: a newer generation may replace it */
	ret = MHD_queue_response(conn, code, r);
	pthread_mutex_unlock(&srv->lock);
	inv_snapshot_put(srv->cache, snap);
	http_stats_count(&srv->stats, route, code);
	return ret;
}

static enum MHD_Result serve_healthz(struct http_server *srv,
				     struct MHD_Connection *conn)
{
	struct inv_snapshot *snap = inv_cache_get(srv->cache);
	uint64_t age = monotonic_ms() - snap->refreshed_at_ms;
	/* the refresher is stuck when it missed many refreshes in a row */
	int stale = age > 10ull * inv_cache_interval_ms(srv->cache) + 5000;

	inv_snapshot_put(srv->cache, snap);
	if (stale)
		return reply(srv, conn, ROUTE_HEALTHZ,
			     MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			     "stale: the inventory refresher is stuck\n");
	return reply(srv, conn, ROUTE_HEALTHZ, MHD_HTTP_OK, "text/plain",
		     "ok\n");
}

static enum MHD_Result serve_metrics(struct http_server *srv,
				     struct MHD_Connection *conn)
{
	struct inv_snapshot *snap = inv_cache_get(srv->cache);
	enum MHD_Result ret;
	char *text;

	/* count this request before rendering, so it shows in itself */
	http_stats_count(&srv->stats, ROUTE_METRICS, MHD_HTTP_OK);
	text = metrics_render(snap, &srv->stats);
	inv_snapshot_put(srv->cache, snap);
	if (!text)
		return reply_error(srv, conn, ROUTE_METRICS, 500,
				   "internal", "out of memory");
	{
		struct MHD_Response *r = MHD_create_response_from_buffer(
			strlen(text), text, MHD_RESPMEM_MUST_FREE);

		if (!r) {
			free(text);
			return MHD_NO;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4");
		ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
		MHD_destroy_response(r);
	}
	return ret;
}

static enum http_route route_of(const char *url)
{
	if (!strcmp(url, "/v1/inventory"))
		return ROUTE_INVENTORY;
	if (!strcmp(url, "/getpfs"))
		return ROUTE_GETPFS;
	if (!strcmp(url, "/healthz"))
		return ROUTE_HEALTHZ;
	if (!strcmp(url, "/metrics"))
		return ROUTE_METRICS;
	return ROUTE_OTHER;
}

static enum MHD_Result on_request(void *cls, const struct kr_httpd_request *rq)
{
	struct http_server *srv = cls;
	enum http_route route = route_of(rq->url);
	struct MHD_Connection *conn = rq->conn;
	char msg[128];

	/*
	 * A request the server refused (malformed framing, a body) is
	 * answered on its headers, and MHD then closes the connection; a
	 * malformed message first, then the path and the method.
	 */
	if (rq->refusal.code == MHD_HTTP_BAD_REQUEST)
		return reply_error(srv, conn, route, rq->refusal.code,
				   rq->refusal.error, rq->refusal.message);
	/* kubelet probes /healthz without credentials; it names no pod */
	if (srv->auth && route != ROUTE_HEALTHZ) {
		struct http_auth_denial denial;

		http_auth_check(srv->auth, conn, &denial);
		if (denial.code)
			return reply_error_challenge(srv, conn, route,
						     denial.code, denial.error,
						     denial.message,
						     denial.challenge);
	}
	if (route == ROUTE_OTHER) {
		kr_snprintf_utf8(msg, sizeof(msg), "no such path: %s",
				 rq->url);
		return reply_error(srv, conn, route, MHD_HTTP_NOT_FOUND,
				   "not_found", msg);
	}
	if (strcmp(rq->method, MHD_HTTP_METHOD_GET) &&
	    strcmp(rq->method, MHD_HTTP_METHOD_HEAD)) {
		snprintf(msg, sizeof(msg), "%.20s is not allowed; use GET",
			 rq->method);
		return reply_error(srv, conn, route,
				   MHD_HTTP_METHOD_NOT_ALLOWED,
				   "method_not_allowed", msg);
	}
	if (rq->refusal.code)
		return reply_error(srv, conn, route, rq->refusal.code,
				   rq->refusal.error, rq->refusal.message);
	switch (route) {
	case ROUTE_INVENTORY:
	case ROUTE_GETPFS:
		return serve_inventory(srv, conn, route);
	case ROUTE_HEALTHZ:
		return serve_healthz(srv, conn);
	case ROUTE_METRICS:
		return serve_metrics(srv, conn);
	default:
		return MHD_NO;
	}
}

int http_server_start(const struct kr_config *cfg, struct inv_cache *cache,
		    struct http_server **ret, struct kr_err *err)
{
	struct kr_httpd_opts opts = {
		.listen = cfg->daemon_listen,
		.name = "[daemon]",
		.max_connections = cfg->daemon_max_connections,
		.max_connections_per_client =
			cfg->daemon_max_connections_per_client,
		.idle_timeout_s = cfg->daemon_idle_timeout_s,
		.request_timeout_s = cfg->daemon_request_timeout_s,
		/* bounds the request line and headers of a connection */
		.max_header_bytes = 16384,
		.max_body = 0,
		/* the CNI requests' sockets, netlink, sysfs, IPAM plugins */
		.reserve_fds = 512,
		.handler = on_request,
	};
	struct http_server *srv;
	int r;

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return kr_err_set(err, -ENOMEM, "out of memory");
	srv->cache = cache;
	r = http_auth_new(cfg, &srv->auth, err);
	if (r < 0) {
		free(srv);
		return r;
	}
	pthread_mutex_init(&srv->lock, NULL);
	opts.cls = srv;
	r = kr_httpd_start(&opts, &srv->httpd, err);
	if (r < 0) {
		pthread_mutex_destroy(&srv->lock);
		http_auth_free(srv->auth);
		free(srv);
		return r;
	}
	*ret = srv;
	return 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	kr_httpd_stop(srv->httpd);
	http_auth_free(srv->auth);
	drop_shared(&srv->shared);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
