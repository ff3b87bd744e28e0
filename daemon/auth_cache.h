/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the API server said of each bearer token, for a short time
 * ([daemon] auth_cache_ttl_s), so that a client polling every second costs
 * one TokenReview per TTL, not one per request.  Tokens are kept only as
 * their SHA-256; the table has a fixed size, and a full set gives up the
 * entry closest to expiry.  Both answers are kept: a client retrying a bad
 * token does not make the daemon ask again either.
 */
#ifndef KR_AUTH_CACHE_H
#define KR_AUTH_CACHE_H

#include <stdint.h>

#include "kube-rdma/backend.h"

#define AUTH_KEY_BYTES 32	/* SHA-256 */
#define AUTH_USER_MAX 256	/* longer user names are cut, for messages */

/* The decision on a token. */
enum auth_outcome {
	AUTH_ALLOWED,		/* a user the configuration lets in */
	AUTH_FORBIDDEN,		/* authenticated, not let in: 403 */
	AUTH_UNAUTHENTICATED,	/* the API server does not accept it: 401 */
};

struct auth_verdict {
	enum auth_outcome outcome;
	char user[AUTH_USER_MAX];	/* "" when unauthenticated */
};

struct auth_cache;

/* A cache of 'entries' (rounded up to a multiple of 4) for 'ttl_ms'. */
int auth_cache_new(unsigned int entries, uint64_t ttl_ms,
		   struct auth_cache **ret, struct kr_err *err);

/* The token's SHA-256, the cache's key. */
void auth_cache_key(const char *token, unsigned char key[AUTH_KEY_BYTES]);

/* 1 and *ret when 'key' has a verdict younger than the TTL, else 0. */
int auth_cache_find(struct auth_cache *c,
		    const unsigned char key[AUTH_KEY_BYTES],
		    struct auth_verdict *ret);

/* Keep 'v' for 'key' for the TTL from now. */
void auth_cache_store(struct auth_cache *c,
		      const unsigned char key[AUTH_KEY_BYTES],
		      const struct auth_verdict *v);

/* Accepts NULL. */
void auth_cache_free(struct auth_cache *c);

#endif
