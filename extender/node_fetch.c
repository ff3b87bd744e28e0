/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asking daemons for their inventories: one request per slot on the
 * poller's libcurl multi handle, If-None-Match, each bounded by the
 * timeout from the moment it starts; and storing what they answer.  A
 * node that stops answering is logged once (rate-limited over nodes).
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inventory_token.h"
#include "node_cache_internal.h"
#include "token_file.h"

/* Largest inventory accepted from a daemon. */
#define MAX_INVENTORY (16u << 20)

struct kr_ratelimit log_unreachable = KR_RATELIMIT_INIT(LOG_LIMIT_MS, 1);

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct node_request *r = arg;
	size_t len = size * n;

	if (len > 6 && !strncasecmp(p, "ETag:", 5)) {
		const char *v = p + 5;
		size_t vl = len - 5;

		while (vl && *v == ' ')
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		snprintf(r->etag, sizeof(r->etag), "%.*s", (int)vl, v);
	}
	return len;
}

int node_fetch_start(struct node_cache *c, struct node_request *r,
		     struct node_entry *e)
{
	char inm[96], *auth;

	if (!r->easy)
		r->easy = curl_easy_init();
	else
		curl_easy_reset(r->easy);
	if (!r->easy)
		return -ENOMEM;
	snprintf(r->url, sizeof(r->url), "%s", e->url);
	snprintf(r->etag, sizeof(r->etag), "%s", e->etag);
	if (r->etag[0]) {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", r->etag);
		r->headers = curl_slist_append(NULL, inm);
	}
	/* the token as its file holds it now: projected tokens rotate */
	auth = inventory_token_header();
	if (auth) {
		r->headers = curl_slist_append(r->headers, auth);
		kr_token_free(auth);
	}
	r->body = (struct kr_http_body){ .max = MAX_INVENTORY };
	r->status = 0;
	r->error[0] = '\0';
	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS,
			 (long)c->cfg->extender_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, kr_http_body_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK) {
		curl_slist_free_all(r->headers);
		r->headers = NULL;
		return -ENOMEM;
	}
	r->e = e;
	return 0;
}

void node_fetch_done(struct node_cache *c, struct node_request *r,
		     CURLcode result)
{
	struct kr_err err = { 0 };

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_multi_remove_handle(c->multi, r->easy);
	curl_slist_free_all(r->headers);
	r->headers = NULL;
	if (result != CURLE_OK)
		snprintf(r->error, sizeof(r->error), "%s",
			 curl_easy_strerror(result));
	else if (r->status != 200 && r->status != 304)
		snprintf(r->error, sizeof(r->error), "HTTP status %ld",
			 r->status);
	else if (r->status == 200 &&
		 kr_inventory_parse(kr_http_body_text(&r->body), r->body.len,
				    &r->inv, &err) < 0)
		snprintf(r->error, sizeof(r->error), "%s", kr_err_text(&err));
	free(r->body.data);
	r->body.data = NULL;
}

/*
 * Keep what scheduling needs of a full inventory: the PF totals and the
 * UIDs of the pods holding VFs.  Frees 'inv'.
 */
static void store(struct node_entry *e, struct kr_inventory *inv)
{
	char (*owners)[64] = NULL;
	size_t p, v, n = 0;

	for (p = 0; p < inv->n_pfs; p++)
		for (v = 0; v < inv->pfs[p].n_vfs; v++)
			n += inv->pfs[p].vfs[v].has_owner;
	if (n)
		owners = calloc(n, sizeof(*owners));
	n = 0;
	for (p = 0; p < inv->n_pfs; p++) {
		for (v = 0; owners && v < inv->pfs[p].n_vfs; v++)
			if (inv->pfs[p].vfs[v].has_owner)
				memcpy(owners[n++],
				       inv->pfs[p].vfs[v].owner.pod_uid, 64);
		free(inv->pfs[p].vfs);
		inv->pfs[p].vfs = NULL;
		inv->pfs[p].n_vfs = 0;
	}
	kr_inventory_free(e->inv);
	free(e->owners);
	e->inv = inv;
	e->owners = owners;
	e->n_owners = n;
}

void node_fetch_apply(struct node_cache *c, struct node_request *r,
		      uint64_t now)
{
	struct node_entry *e = r->e;
	bool ok = !r->error[0];

	if (!ok) {
		if (!e->failures)
			kr_log_limited(&log_unreachable, KR_LOG_WARNING,
				       "node %s: %s: %s", e->name, e->url,
				       r->error);
		node_set_error(e, "%s", r->error);
	} else {
		if (r->status == 200) {
			store(e, r->inv);
			r->inv = NULL;
			snprintf(e->etag, sizeof(e->etag), "%s", r->etag);
		}
		e->ok_ms = now;
		node_set_error(e, NULL);
		node_ledger_expire(c, e, now);
	}
	node_schedule_next(c, e, now, ok);
	kr_inventory_free(r->inv);
	r->inv = NULL;
	r->e = NULL;
}

void node_fetch_clear(struct node_cache *c, struct node_request *r)
{
	if (r->call) {
		curl_multi_remove_handle(c->multi, kr_k8s_call_easy(r->call));
		kr_k8s_call_free(r->call);
	}
	if (r->easy && r->e)
		curl_multi_remove_handle(c->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->body.data);
	kr_inventory_free(r->inv);
	memset(r, 0, sizeof(*r));
}
