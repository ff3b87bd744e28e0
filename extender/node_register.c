/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registering nodes the scheduler names: their daemon's URL from the
 * template and the node's address when it is given, or else a lookup of
 * its Node object (node_lookup.c); the poller does the rest.  No network
 * I/O here: filter answers at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "ratelimit.h"
#include "node_cache_internal.h"
#include "util.h"

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

int node_set_address(struct node_cache *c, struct node_entry *e,
		     const char *address)
{
	const char *tmpl = c->cfg->extender_daemon_url;

	if (!address && strstr(tmpl, "{address}"))
		return -ENOENT;
	char url[512];

	if (!address && strstr(tmpl, "{address}"))
		return -ENOENT;
	make_url(tmpl, e->name, address ?: "", url, sizeof(url));
	free(e->url);
	e->url = strdup(url);
	if (!e->url)
		return -ENOMEM;
	snprintf(e->address, sizeof(e->address), "%s", address ?: "");
	e->state = NODE_POLLED;
	node_set_error(e, NULL);
	return 0;
}

/* A new entry named 'name'; NULL: out of memory. */
static struct node_entry *node_entry_new(const char *name)
{
	size_t len = strlen(name);
	struct node_entry *e = calloc(1, sizeof(*e) + len + 1);

	if (e)
		memcpy(e->name, name, len + 1);
	return e;
}

void node_entry_free(struct node_entry *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->n_res; i++)
		node_reservation_clear(&e->res[i]);
	free(e->res);
	free(e->owners);
	kr_inventory_free(e->inv);
	free(e->url);
	free(e->error);
	free(e);
}

void node_set_error(struct node_entry *e, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&text, fmt, ap) < 0)
			text = NULL;	/* out of memory: the old one stays */
		va_end(ap);
		if (!text)
			return;
	}
	free(e->error);
	e->error = text;
}

/* A new entry for 'name' (which the scheduler may have made up): polled,
 * resolving, or gone, with the reason. */
static struct node_entry *new_entry(struct node_cache *c,
				       const char *name, const char *addr)
{
	struct node_entry *e = node_entry_new(name);

	if (!e)
		return NULL;
	if (node_set_address(c, e, addr) == 0) {
		/* polled at once */
	} else if (c->kube) {
		e->state = NODE_RESOLVING;
	} else {
		e->state = NODE_GONE;
		e->due_ms = UINT64_MAX;
		node_set_error(e, "no address known (no Node objects sent, no "
				  "API server access)");
	}
	return e;
}

struct kr_ratelimit log_full = KR_RATELIMIT_INIT(LOG_LIMIT_MS, 1);

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
	if (node_index_insert(c, c->n) < 0)
		return -ENOMEM;
	c->n++;
	return 0;
}

void node_cache_register(struct node_cache *c, const char **names,
			 const char **addresses, size_t n)
{
	uint64_t now = node_cache_now_ms();
	size_t *todo = NULL;	/* new, or with a new address */
	size_t i, n_todo = 0, k = 0;

	/* The common case, every node known, takes only the read lock, so
	 * filter calls do not queue behind each other. */
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < n; i++) {
		struct node_entry *e = node_cache_find(c, names[i]);
		const char *addr = addresses ? addresses[i] : NULL;

		if (e)
			atomic_store(&e->asked_ms, now);
		if (e && (!addr || !strcmp(e->address, addr)))
			continue;
		/* it would reach URLs, the daemon's and the API server's:
		 * never cached (node_missing_reason() says why) */
		if (!e && !kr_k8s_name_valid(names[i]))
			continue;
		if (!todo)
			todo = calloc(n, sizeof(*todo));
		if (todo)
			todo[n_todo++] = i;
	}
	pthread_rwlock_unlock(&c->lock);
	if (!n_todo)
		goto out;
	pthread_rwlock_wrlock(&c->lock);
	for (k = 0; k < n_todo; k++) {
		const char *name = names[todo[k]];
		const char *addr = addresses ? addresses[todo[k]] : NULL;
		struct node_entry *e = node_cache_find(c, name);

		if (e) {	/* known, or added meanwhile */
			if (addr && strcmp(e->address, addr) &&
			    node_set_address(c, e, addr) == 0)
				e->due_ms = 0;
			continue;
		}
		if (c->n >= c->cfg->extender_max_nodes) {
			atomic_fetch_add(&c->refused, 1);
			kr_log_limited(&log_full, KR_LOG_WARNING,
				       "node %s: not cached, the node cache is "
				       "full (max_nodes = %u)", name,
				       c->cfg->extender_max_nodes);
			continue;
		}
		e = new_entry(c, name, addr);
		if (!e)
			continue;
		atomic_store(&e->asked_ms, now);
		if (insert(c, e) < 0)
			node_entry_free(e);
	}
	pthread_rwlock_unlock(&c->lock);
	node_cache_wake(c);
out:
	free(todo);
}
