/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asking daemons for their inventories: libcurl multi, If-None-Match,
 * every request bounded by the timeout.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "node_cache_internal.h"

/* Most daemons asked at once. */
#define MAX_PARALLEL 64
/* Largest inventory accepted from a daemon. */
#define MAX_INVENTORY (16u << 20)

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct node_fetch *f = arg;
	size_t len = size * n;

	if (len > 6 && !strncasecmp(p, "ETag:", 5)) {
		const char *v = p + 5;
		size_t vl = len - 5;

		while (vl && *v == ' ')
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		snprintf(f->etag, sizeof(f->etag), "%.*s", (int)vl, v);
	}
	return len;
}

void node_fetch_all(struct node_fetch *jobs, size_t n, long timeout_ms)
{
	CURLM *multi = curl_multi_init();
	struct curl_slist **hdrs = calloc(n + 1, sizeof(*hdrs));
	CURL **easy = calloc(n + 1, sizeof(*easy));
	size_t i;
	int running = 0, left;
	CURLMsg *msg;

	if (!multi || !hdrs || !easy)
		goto out;
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)MAX_PARALLEL);
	for (i = 0; i < n; i++) {
		char inm[96];

		easy[i] = curl_easy_init();
		if (!easy[i])
			continue;
		if (jobs[i].etag[0]) {
			snprintf(inm, sizeof(inm), "If-None-Match: %s",
				 jobs[i].etag);
			hdrs[i] = curl_slist_append(NULL, inm);
		}
		curl_easy_setopt(easy[i], CURLOPT_URL, jobs[i].url);
		curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, hdrs[i]);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(easy[i], CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(easy[i], CURLOPT_PROTOCOLS_STR, "http,https");
		jobs[i].body.max = MAX_INVENTORY;
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION,
				 kr_http_body_write);
		curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &jobs[i].body);
		curl_easy_setopt(easy[i], CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(easy[i], CURLOPT_HEADERDATA, &jobs[i]);
		curl_easy_setopt(easy[i], CURLOPT_PRIVATE, &jobs[i]);
		curl_multi_add_handle(multi, easy[i]);
	}
	do {
		curl_multi_perform(multi, &running);
		if (running)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	} while (running);
	while ((msg = curl_multi_info_read(multi, &left))) {
		struct node_fetch *f;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&f);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
				  &f->status);
		if (msg->data.result != CURLE_OK)
			snprintf(f->error, sizeof(f->error), "%s",
				 curl_easy_strerror(msg->data.result));
	}
out:
	for (i = 0; easy && i < n; i++) {
		if (easy[i]) {
			curl_multi_remove_handle(multi, easy[i]);
			curl_easy_cleanup(easy[i]);
		}
		curl_slist_free_all(hdrs[i]);
	}
	free(easy);
	free(hdrs);
	curl_multi_cleanup(multi);
	/* decode outside any lock */
	for (i = 0; i < n; i++) {
		struct kr_err err = { 0 };

		if (jobs[i].error[0] || jobs[i].status != 200)
			continue;
		if (kr_inventory_parse(kr_http_body_text(&jobs[i].body),
				       jobs[i].body.len, &jobs[i].inv, &err) < 0)
			snprintf(jobs[i].error, sizeof(jobs[i].error), "%s",
				 kr_err_text(&err));
	}
}

void node_fetch_free(struct node_fetch *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(jobs[i].body.data);
		kr_inventory_free(jobs[i].inv);
	}
	free(jobs);
}

