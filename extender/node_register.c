/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registering nodes the scheduler names: their daemon's URL from the
 * template and the node's address (given, or its Node object's
 * InternalIP); the poller fetches their inventories.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "node_cache_internal.h"

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
		 node_address(c, name, address, sizeof(address)) < 0) {
		/* no URL: the poller leaves it alone */
		snprintf(e->error, sizeof(e->error),
			 "no address known for node %s (no Node objects sent, "
			 "none read)", name);
		return e;
	}
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
	if (node_index_insert(c, c->n) < 0)
		return -ENOMEM;
	c->n++;
	return 0;
}

void node_cache_register(struct node_cache *c, const char **names,
			 const char **addresses, size_t n)
{
	uint64_t now = node_cache_now_ms();
	struct node_entry **fresh = NULL;
	size_t *unknown = NULL, i, n_unknown = 0, k = 0;

	/* The common case, every node known, takes only the read lock, so
	 * filter calls do not queue behind each other. */
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < n; i++) {
		struct node_entry *e = node_cache_find(c, names[i]);

		if (e) {
			atomic_store(&e->asked_ms, now);
			continue;
		}
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

		if (!e)
			continue;
		atomic_store(&e->asked_ms, now);
		if (insert(c, e) < 0)
			free(e);
		else
			k++;
	}
	pthread_rwlock_unlock(&c->lock);
	if (k)
		node_cache_wake(c);
out:
	free(fresh);
	free(unknown);
}
