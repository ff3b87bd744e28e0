/* SPDX-License-Identifier: Apache-2.0 */
/* Node names to cache entries: open addressing, FNV-1a. */
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

int node_index_insert(struct node_cache *c, size_t pos)
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
				node_index_insert(c, i);
	}
	slot = hash_name(c->entries[pos]->name) & (c->index_cap - 1);
	while (c->index[slot])
		slot = (slot + 1) & (c->index_cap - 1);
	c->index[slot] = pos + 1;
	return 0;
}

