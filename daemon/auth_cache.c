/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth_cache.h"
#include "err.h"
#include "util.h"

/* Entries a key may occupy: a set, chosen by the key's first bytes. */
#define WAYS 4

struct entry {
	unsigned char key[AUTH_KEY_BYTES];
	uint64_t expires_ms;		/* 0: empty */
	struct auth_verdict verdict;
};

struct auth_cache {
	pthread_mutex_t lock;		/* guards entries */
	struct entry *entries;
	unsigned int n_sets;
	uint64_t ttl_ms;
};

int auth_cache_new(unsigned int entries, uint64_t ttl_ms,
		   struct auth_cache **ret, struct kr_err *err)
{
	struct auth_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return kr_err_set(err, -ENOMEM, "out of memory");
	c->n_sets = entries / WAYS + (entries % WAYS != 0);
	if (!c->n_sets)
		c->n_sets = 1;
	c->entries = calloc((size_t)c->n_sets * WAYS, sizeof(*c->entries));
	if (!c->entries) {
		free(c);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	c->ttl_ms = ttl_ms;
	pthread_mutex_init(&c->lock, NULL);
	*ret = c;
	return 0;
}

void auth_cache_key(const char *token, unsigned char key[AUTH_KEY_BYTES])
{
	unsigned int len = AUTH_KEY_BYTES;

	if (!EVP_Digest(token, strlen(token), key, &len, EVP_sha256(), NULL))
		/* no SHA-256: every token shares a key the cache never
		 * finds (auth_cache_store drops it) */
		memset(key, 0, AUTH_KEY_BYTES);
}

static int key_unusable(const unsigned char key[AUTH_KEY_BYTES])
{
	static const unsigned char zero[AUTH_KEY_BYTES];

	return !memcmp(key, zero, AUTH_KEY_BYTES);
}

/* The set 'key' belongs to. */
static struct entry *set_of(struct auth_cache *c,
			    const unsigned char key[AUTH_KEY_BYTES])
{
	uint32_t h;

	memcpy(&h, key, sizeof(h));	/* a hash's bytes are uniform */
	return &c->entries[(size_t)(h % c->n_sets) * WAYS];
}

int auth_cache_find(struct auth_cache *c,
		    const unsigned char key[AUTH_KEY_BYTES],
		    struct auth_verdict *ret)
{
	uint64_t now = kr_monotonic_ms();
	struct entry *set;
	int found = 0, i;

	if (key_unusable(key))
		return 0;
	pthread_mutex_lock(&c->lock);
	set = set_of(c, key);
	for (i = 0; i < WAYS; i++) {
		if (set[i].expires_ms > now &&
		    !memcmp(set[i].key, key, AUTH_KEY_BYTES)) {
			*ret = set[i].verdict;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void auth_cache_store(struct auth_cache *c,
		      const unsigned char key[AUTH_KEY_BYTES],
		      const struct auth_verdict *v)
{
	uint64_t now = kr_monotonic_ms();
	struct entry *set, *victim;
	int i;

	if (key_unusable(key))
		return;
	pthread_mutex_lock(&c->lock);
	set = set_of(c, key);
	/* its own entry, else the one closest to expiry (empty and expired
	 * ones are the closest) */
	victim = &set[0];
	for (i = 0; i < WAYS; i++) {
		if (!memcmp(set[i].key, key, AUTH_KEY_BYTES)) {
			victim = &set[i];
			break;
		}
		if (set[i].expires_ms < victim->expires_ms)
			victim = &set[i];
	}
	memcpy(victim->key, key, AUTH_KEY_BYTES);
	victim->verdict = *v;
	victim->expires_ms = now + c->ttl_ms;
	pthread_mutex_unlock(&c->lock);
}

void auth_cache_free(struct auth_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->entries);
	free(c);
}
