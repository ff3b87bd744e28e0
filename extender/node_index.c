/* SPDX-License-Identifier: Apache-2.0 */
/* Node names to cache entries: open addressing, FNV-1a; rebuilt, not
 * edited, when nodes are forgotten. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node_cache_internal.h"

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

/* Put entries[pos] in the index, which has room. */
static void place(struct node_cache *c, size_t pos)
{
	size_t slot = hash_name(c->entries[pos]->name) & (c->index_cap - 1);

	while (c->index[slot])
		slot = (slot + 1) & (c->index_cap - 1);
	c->index[slot] = pos + 1;
}

/* A new index with room for 'count' entries, holding entries[0..n). */
static int resize(struct node_cache *c, size_t count)
{
	size_t cap = 1024, i;
	size_t *fresh;

	while (cap < count * 2)
		cap *= 2;
	fresh = calloc(cap, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	free(c->index);
	c->index = fresh;
	c->index_cap = cap;
	for (i = 0; i < c->n; i++)
		place(c, i);
	return 0;
}

int node_index_insert(struct node_cache *c, size_t pos)
{
	if ((c->n + 1) * 2 > c->index_cap && resize(c, c->n + 1) < 0)
		return -ENOMEM;
	place(c, pos);
	return 0;
}

void node_index_rebuild(struct node_cache *c)
{
	size_t i;

	if (resize(c, c->n) == 0)
		return;
	/* out of memory: the index it has is large enough, the cache
	 * having only shrunk */
	memset(c->index, 0, c->index_cap * sizeof(*c->index));
	for (i = 0; i < c->n; i++)
		place(c, i);
}
