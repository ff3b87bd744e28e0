/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "http_body.h"
#include "log.h"
#include "node_cache.h"

/* Most daemons asked at once. */
#define MAX_PARALLEL 64
/* Largest inventory accepted from a daemon. */
#define MAX_INVENTORY (16u << 20)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the name index ---- */

static size_t hash_name(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct node_entry *node_cache_find(struct node_cache *c,
					 const char *name)
{
	size_t slot, tries;

	if (!c->index_cap)
		return NULL;
	slot = hash_name(name) & (c->index_cap - 1);
	for (tries = 0; tries < c->index_cap; tries++) {
		size_t pos = c->index[slot];

		if (!pos)
			return NULL;
		if (!strcmp(c->entries[pos - 1]->name, name))
			return c->entries[pos - 1];
		slot = (slot + 1) & (c->index_cap - 1);
	}
	return NULL;
}

static int index_insert(struct node_cache *c, size_t pos)
{
	size_t slot;

	if ((c->n + 1) * 2 > c->index_cap) {
		size_t cap = c->index_cap ? c->index_cap * 2 : 1024, i;
		size_t *grown = calloc(cap, sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		free(c->index);
		c->index = grown;
		c->index_cap = cap;
		for (i = 0; i < c->n; i++)
			if (i != pos)
				index_insert(c, i);
	}
	slot = hash_name(c->entries[pos]->name) & (c->index_cap - 1);
	while (c->index[slot])
		slot = (slot + 1) & (c->index_cap - 1);
	c->index[slot] = pos + 1;
	return 0;
}

/* ---- fetching ---- */

struct fetch {
	char url[512];
	char etag[64];		/* sent as If-None-Match; the new one */
	struct kr_http_body body;
	long status;
	char error[256];
	struct kr_inventory *inv;	/* decoded, on 200 */
};

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
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

/* Fetch every job concurrently, each bounded by 'timeout_ms'. */
static void fetch_all(struct fetch *jobs, size_t n, long timeout_ms)
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
		struct fetch *f;

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

/* A reservation ends when the node shows the pod's VFs. */
static int shows_pod(const struct node_entry *e, const char *uid)
{
	size_t i;

	for (i = 0; i < e->n_owners; i++)
		if (!strcmp(e->owners[i], uid))
			return 1;
	return 0;
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

static void reservation_clear(struct reservation *r)
{
	free(r->pf);
	free(r->mbps);
	free(r->pf_name);
}

/* Drop reservations that expired or that the inventory now shows. */
static void expire(struct node_cache *c, struct node_entry *e,
		   uint64_t now)
{
	size_t i = 0;

	while (i < e->n_res) {
		struct reservation *r = &e->res[i];

		if (now < r->expires_ms && !shows_pod(e, r->pod_uid)) {
			i++;
			continue;
		}
		if (now >= r->expires_ms) {
			c->reservations_expired++;
			kr_log(KR_LOG_WARNING, "node %s: reservation of %s "
					       "expired before its VFs showed",
			       e->name, r->pod);
		}
		reservation_clear(r);
		e->res[i] = e->res[--e->n_res];
	}
}

/* Store fetch results (write lock held). */
static void apply(struct node_cache *c, struct fetch *jobs,
		  struct node_entry **targets, size_t n)
{
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < n; i++) {
		struct node_entry *e = targets[i];
		struct fetch *f = &jobs[i];

		c->fetches++;
		if (f->error[0] || (f->status != 200 && f->status != 304)) {
			c->failures++;
			if (f->error[0])
				snprintf(e->error, sizeof(e->error), "%s: %s",
					 e->url, f->error);
			else
				snprintf(e->error, sizeof(e->error),
					 "%s: HTTP status %ld", e->url,
					 f->status);
			continue;
		}
		if (f->status == 200) {
			store(e, f->inv);
			f->inv = NULL;
			snprintf(e->etag, sizeof(e->etag), "%s", f->etag);
		}
		e->ok_ms = now;
		e->error[0] = '\0';
		expire(c, e, now);
	}
}

static void jobs_free(struct fetch *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(jobs[i].body.data);
		kr_inventory_free(jobs[i].inv);
	}
	free(jobs);
}

/* Fetch 'targets' (their url/etag read under the lock) and store. */
static void refresh(struct node_cache *c, struct node_entry **targets,
		    size_t n)
{
	struct fetch *jobs = calloc(n + 1, sizeof(*jobs));
	size_t i;

	if (!jobs)
		return;
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < n; i++) {
		snprintf(jobs[i].url, sizeof(jobs[i].url), "%s",
			 targets[i]->url);
		snprintf(jobs[i].etag, sizeof(jobs[i].etag), "%s",
			 targets[i]->etag);
	}
	pthread_rwlock_unlock(&c->lock);
	fetch_all(jobs, n, c->cfg->extender_timeout_ms);
	pthread_rwlock_wrlock(&c->lock);
	apply(c, jobs, targets, n);
	pthread_rwlock_unlock(&c->lock);
	jobs_free(jobs, n);
	/* the full documents were large and short-lived: give them back */
	malloc_trim(0);
}

static void *poller(void *arg)
{
	struct node_cache *c = arg;

	while (!c->stopping) {
		struct pollfd pfd = { .fd = c->wake[0], .events = POLLIN };
		struct node_entry **targets;
		size_t n;

		poll(&pfd, 1, (int)c->cfg->extender_poll_ms);
		if (c->stopping)
			break;
		/* entries are never freed while the cache runs */
		pthread_rwlock_rdlock(&c->lock);
		n = c->n;
		targets = malloc((n + 1) * sizeof(*targets));
		if (targets && n)
			memcpy(targets, c->entries, n * sizeof(*targets));
		pthread_rwlock_unlock(&c->lock);
		if (targets)
			refresh(c, targets, n);
		free(targets);
	}
	return NULL;
}

/* ---- registering nodes ---- */

/* The InternalIP of a Node object, from the API server. */
static int node_address(struct node_cache *c, const char *name,
			char *out, size_t size)
{
	struct kr_err err = { 0 };
	json_t *node = NULL, *a;
	char path[320];
	size_t i;
	int r = -ENOENT;

	if (!c->kube)
		return -ENOENT;
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", name);
	if (kr_k8s_get(c->kube, path, c->cfg->extender_timeout_ms, &node,
		       &err) < 0) {
		kr_log(KR_LOG_WARNING, "node %s: %s", name, kr_err_text(&err));
		return -EIO;
	}
	json_array_foreach(json_object_get(json_object_get(node, "status"),
					   "addresses"), i, a)
		if (!strcmp(json_string_value(json_object_get(a, "type")) ?: "",
			    "InternalIP")) {
			snprintf(out, size, "%s", json_string_value(json_object_get(
					       a, "address")) ?: "");
			r = 0;
			break;
		}
	json_decref(node);
	return r;
}

/* daemon_url with {node} and {address} filled in. */
static void make_url(const char *tmpl, const char *node, const char *address,
		     char *out, size_t size)
{
	size_t o = 0;
	const char *p;

	for (p = tmpl; *p && o + 1 < size;) {
		const char *sub = NULL;
		size_t skip = 0;

		if (!strncmp(p, "{node}", 6))
			sub = node, skip = 6;
		else if (!strncmp(p, "{address}", 9))
			sub = address, skip = 9;
		if (sub) {
			o += (size_t)snprintf(out + o, size - o, "%s", sub);
			p += skip;
		} else {
			out[o++] = *p++;
		}
	}
	out[o < size ? o : size - 1] = '\0';
	if (o + 14 < size && !strstr(out + 8, "/v1/"))
		snprintf(out + strlen(out), size - strlen(out),
			 "/v1/inventory");
}

/* A new entry for 'name', its URL made; the API server may be asked for
 * the address, so this runs without the lock. */
static struct node_entry *new_entry(struct node_cache *c,
				       const char *name, const char *addr)
{
	const char *tmpl = c->cfg->extender_daemon_url;
	struct node_entry *e = calloc(1, sizeof(*e));
	char address[64] = "";

	if (!e)
		return NULL;
	snprintf(e->name, sizeof(e->name), "%s", name);
	if (addr)
		snprintf(address, sizeof(address), "%s", addr);
	else if (strstr(tmpl, "{address}") &&
		 node_address(c, name, address, sizeof(address)) < 0)
		snprintf(e->error, sizeof(e->error),
			 "no address known for node %s (no Node objects sent, "
			 "none read)", name);
	make_url(tmpl, name, address, e->url, sizeof(e->url));
	return e;
}

/* Add 'e' unless another caller added its node meanwhile (write lock). */
static int insert(struct node_cache *c, struct node_entry *e)
{
	if (node_cache_find(c, e->name))
		return -EEXIST;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct node_entry **grown =
			realloc(c->entries, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->entries = grown;
		c->cap = cap;
	}
	c->entries[c->n] = e;
	if (index_insert(c, c->n) < 0)
		return -ENOMEM;
	c->n++;
	return 0;
}

void node_cache_register(struct node_cache *c, const char **names,
			    const char **addresses, size_t n)
{
	struct node_entry **fresh = NULL;
	size_t *unknown = NULL, i, n_unknown = 0, k = 0;

	/* The common case, every node known, takes only the read lock, so
	 * filter calls do not queue behind each other. */
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < n; i++) {
		if (node_cache_find(c, names[i]))
			continue;
		if (!unknown)
			unknown = calloc(n, sizeof(*unknown));
		if (unknown)
			unknown[n_unknown++] = i;
	}
	pthread_rwlock_unlock(&c->lock);
	if (!n_unknown)
		goto out;
	fresh = calloc(n_unknown, sizeof(*fresh));
	for (i = 0; fresh && i < n_unknown; i++)
		fresh[i] = new_entry(c, names[unknown[i]],
				     addresses ? addresses[unknown[i]] : NULL);
	pthread_rwlock_wrlock(&c->lock);
	for (i = 0; fresh && i < n_unknown; i++) {
		struct node_entry *e = fresh[i];

		if (!e || insert(c, e) < 0) {
			free(e);
			continue;
		}
		if (!e->error[0])
			fresh[k++] = e;
	}
	pthread_rwlock_unlock(&c->lock);
	if (k)
		refresh(c, fresh, k);
out:
	free(fresh);
	free(unknown);
}

/* ---- views and reservations ---- */

int node_view(struct node_cache *c, const struct node_entry *e,
		 const char *except_uid, struct node_view *view, char *why,
		 size_t why_size)
{
	uint64_t age = now_ms() - e->ok_ms;
	size_t p, i, j;

	if (!e->inv) {
		snprintf(why, why_size, "no inventory from the node's daemon "
					"yet: %s",
			 e->error[0] ? e->error : "not fetched");
		return -1;
	}
	if (age > c->cfg->extender_stale_ms) {
		snprintf(why, why_size, "inventory stale (%llu s old): %s",
			 (unsigned long long)(age / 1000),
			 e->error[0] ? e->error : "no answer");
		return -1;
	}
	if (e->inv->n_pfs > VIEW_MAX_PFS) {
		snprintf(why, why_size, "more than %d PFs", VIEW_MAX_PFS);
		return -1;
	}
	memcpy(view->inv.node, e->inv->node, sizeof(view->inv.node));
	view->inv.generation = e->inv->generation;
	view->inv.pfs = view->pfs;
	view->inv.n_pfs = e->inv->n_pfs;
	if (e->inv->n_pfs)
		memcpy(view->pfs, e->inv->pfs,
		       e->inv->n_pfs * sizeof(*view->pfs));
	for (p = 0; p < e->inv->n_pfs; p++) {
		struct kr_inv_pf *dst = &view->pfs[p];

		for (i = 0; i < e->n_res; i++) {
			const struct reservation *r = &e->res[i];

			if (except_uid && !strcmp(r->pod_uid, except_uid))
				continue;
			for (j = 0; j < r->n; j++)
				if (!strcmp(r->pf_name[j], dst->name)) {
					dst->reserved_mbps += r->mbps[j];
					if (dst->vfs_free)
						dst->vfs_free--;
				}
		}
	}
	return 0;
}

int node_reserve(struct node_cache *c, struct node_entry *e,
		    struct reservation *r)
{
	struct reservation *grown;

	node_unreserve(e, r->pod_uid);
	grown = realloc(e->res, (e->n_res + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->res = grown;
	r->expires_ms = now_ms() +
			(uint64_t)c->cfg->extender_reservation_ttl_s * 1000;
	e->res[e->n_res++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

void node_unreserve(struct node_entry *e, const char *uid)
{
	size_t i;

	for (i = 0; i < e->n_res; i++)
		if (!strcmp(e->res[i].pod_uid, uid)) {
			reservation_clear(&e->res[i]);
			e->res[i] = e->res[--e->n_res];
			return;
		}
}

size_t node_cache_reservations(struct node_cache *c)
{
	size_t i, n = 0;

	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < c->n; i++)
		n += c->entries[i]->n_res;
	pthread_rwlock_unlock(&c->lock);
	return n;
}

/* ---- lifetime ---- */

int node_cache_start(const struct kr_config *cfg,
			struct kr_kubeconfig *kube,
			struct node_cache **ret, struct kr_err *err)
{
	struct node_cache *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return kr_err_set(err, -ENOMEM, "out of memory");
	c->cfg = cfg;
	c->kube = kube;
	pthread_rwlock_init(&c->lock, NULL);
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(c);
		return kr_err_set(err, -errno, "pipe: %s", strerror(errno));
	}
	r = pthread_create(&c->thread, NULL, poller, c);
	if (r) {
		close(c->wake[0]);
		close(c->wake[1]);
		free(c);
		return kr_err_set(err, -r, "cannot start the poller: %s",
				  strerror(r));
	}
	*ret = c;
	return 0;
}

void node_cache_stop(struct node_cache *c)
{
	size_t i, j;

	if (!c)
		return;
	c->stopping = 1;
	if (write(c->wake[1], "s", 1) < 0) {
		/* the poller wakes at its next interval anyway */
	}
	pthread_join(c->thread, NULL);
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->entries[i]->n_res; j++)
			reservation_clear(&c->entries[i]->res[j]);
		free(c->entries[i]->res);
		free(c->entries[i]->owners);
		kr_inventory_free(c->entries[i]->inv);
		free(c->entries[i]);
	}
	free(c->entries);
	free(c->index);
	close(c->wake[0]);
	close(c->wake[1]);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}
