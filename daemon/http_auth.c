/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth_cache.h"
#include "err.h"
#include "http_auth.h"
#include "httpd.h"
#include "k8s.h"
#include "ratelimit.h"
#include "token_file.h"
#include "token_review.h"

/* Tokens whose answer is kept at once. */
#define CACHE_ENTRIES 1024

#define CHALLENGE "Bearer realm=\"kube-rdma-daemon\""

struct http_auth {
	char *kubeconfig;		/* NULL: the service account */
	char *allowed_users;		/* config's lists, or NULL */
	char *allowed_groups;
	char *audience;			/* or NULL */
	long timeout_ms;
	/*
	 * A review holds one of the server's few threads for up to
	 * timeout_ms: keep one free for everything else (the extender's
	 * cached token, kubelet's probes).
	 */
	unsigned int max_reviews;
	_Atomic unsigned int reviews;	/* in flight */
	struct auth_cache *cache;
};

static int dup_setting(const char *from, char **to)
{
	if (!from)
		return 0;
	*to = strdup(from);
	return *to ? 0 : -ENOMEM;
}

/* The API server's access as configured now (for each review). */
static int load_kubeconfig(const struct http_auth *a,
			   struct kr_kubeconfig **ret, struct kr_err *err)
{
	return a->kubeconfig ? kr_kubeconfig_load(a->kubeconfig, ret, err)
			     : kr_kubeconfig_in_cluster(ret, err);
}

/*
 * Say at start when there is no way to the API server: every token would
 * get 503 (not fatal: a kubeconfig being written may appear).
 */
static void warn_unreachable(const struct http_auth *a)
{
	struct kr_kubeconfig *kc = NULL;
	struct kr_err err = { 0 };

	if (load_kubeconfig(a, &kc, &err) < 0)
		kr_log(KR_LOG_WARNING, "[daemon] auth = tokenreview: %s: "
		       "tokens cannot be checked (503) until it works",
		       kr_err_text(&err));
	kr_kubeconfig_free(kc);
}

int http_auth_new(const struct kr_config *cfg, struct http_auth **ret,
		  struct kr_err *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct http_auth *a;
	int r;

	*ret = NULL;
	if (cfg->daemon_auth == KR_AUTH_NONE)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a)
		return kr_err_set(err, -ENOMEM, "out of memory");
	a->timeout_ms = cfg->daemon_auth_timeout_ms;
	/* the server runs a thread per core (core/http) */
	a->max_reviews = cpus > 1 ? (unsigned int)cpus - 1 : 1;
	r = dup_setting(cfg->daemon_kubeconfig, &a->kubeconfig);
	if (!r)
		r = dup_setting(cfg->daemon_auth_allowed_users,
				&a->allowed_users);
	if (!r)
		r = dup_setting(cfg->daemon_auth_allowed_groups,
				&a->allowed_groups);
	if (!r)
		r = dup_setting(cfg->daemon_auth_audience, &a->audience);
	if (r < 0) {
		http_auth_free(a);
		return kr_err_set(err, r, "out of memory");
	}
	r = auth_cache_new(CACHE_ENTRIES,
			   (uint64_t)cfg->daemon_auth_cache_ttl_s * 1000,
			   &a->cache, err);
	if (r < 0) {
		http_auth_free(a);
		return r;
	}
	warn_unreachable(a);
	*ret = a;
	return 0;
}

void http_auth_free(struct http_auth *a)
{
	if (!a)
		return;
	auth_cache_free(a->cache);
	free(a->kubeconfig);
	free(a->allowed_users);
	free(a->allowed_groups);
	free(a->audience);
	free(a);
}

/*
 * The token of "Bearer TOKEN" (the scheme in any case, RFC 7235), as a
 * new string for kr_token_free; NULL when 'header' carries none.
 */
static char *bearer_token(const char *header)
{
	size_t len;

	if (!header || strncasecmp(header, "Bearer", 6) ||
	    (header[6] != ' ' && header[6] != '\t'))
		return NULL;
	header += 6 + strspn(header + 6, " \t");
	len = strcspn(header, " \t");
	if (!len || header[len + strspn(header + len, " \t")])
		return NULL;
	return strndup(header, len);
}

/*
 * Whether 'token' is printable ASCII, as every token the API server
 * issues is (RFC 6750's b64token is narrower); anything else is refused
 * without asking, and could not go into the review's JSON (UTF-8).
 */
static int token_printable(const char *token)
{
	for (; *token; token++)
		if ((unsigned char)*token <= ' ' || (unsigned char)*token >= 0x7f)
			return 0;
	return 1;
}

/* What a client is told when its token cannot be checked, by errno. */
static const char *review_failure(int r)
{
	switch (r) {
	case -EACCES:
		return "the API server refused the daemon's TokenReview";
	case -EIO:
		return "the API server did not answer";
	default:
		return "the daemon cannot reach the API server";
	}
}

/* Whether the configuration lets the reviewed user in. */
static int user_allowed(const struct http_auth *a,
			const struct kr_token_review *review)
{
	size_t i;

	if (!a->allowed_users && !a->allowed_groups)
		return 1;	/* any user the API server knows */
	if (kr_config_list_has(a->allowed_users, review->username))
		return 1;
	for (i = 0; i < review->n_groups; i++)
		if (kr_config_list_has(a->allowed_groups, review->groups[i]))
			return 1;
	return 0;
}

static void deny(struct http_auth_denial *d, unsigned int code,
		 const char *error, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void deny(struct http_auth_denial *d, unsigned int code,
		 const char *error, const char *fmt, ...)
{
	va_list ap;

	d->code = code;
	d->error = error;
	d->challenge = code == MHD_HTTP_UNAUTHORIZED ? CHALLENGE : NULL;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
}

/*
 * Ask the API server about 'token': 0 and *ret, or the denial (503) when
 * it cannot be asked.
 */
static int review(struct http_auth *a, const char *token, const char *client,
		  struct auth_verdict *ret, struct http_auth_denial *d)
{
	struct kr_token_review *answer = NULL;
	struct kr_kubeconfig *kc = NULL;
	struct kr_err err = { 0 };
	int r;

	if (atomic_fetch_add(&a->reviews, 1) >= a->max_reviews) {
		kr_log_rl(KR_LOG_WARNING, "http [daemon]: 503 for %s: %u "
			  "tokens are being checked already", client,
			  a->max_reviews);
		deny(d, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		     "too many tokens are being checked at once; try again");
		r = -EBUSY;
		goto out;
	}
	/* loaded each time: the service account's own token rotates */
	r = load_kubeconfig(a, &kc, &err);
	if (!r)
		r = kr_k8s_review_token(kc, token, a->audience, a->timeout_ms,
					&answer, &err);
	if (r < 0) {
		kr_log_rl(KR_LOG_WARNING, "http [daemon]: 503 for %s: cannot "
			  "check its token: %s", client, kr_err_text(&err));
		deny(d, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		     "cannot check the token: %s; try again",
		     review_failure(r));
		goto out;
	}
	memset(ret, 0, sizeof(*ret));
	if (!answer->authenticated)
		ret->outcome = AUTH_UNAUTHENTICATED;
	else
		ret->outcome = user_allowed(a, answer) ? AUTH_ALLOWED
						       : AUTH_FORBIDDEN;
	if (answer->authenticated)
		snprintf(ret->user, sizeof(ret->user), "%s", answer->username);
out:
	atomic_fetch_sub(&a->reviews, 1);
	kr_token_review_free(answer);
	kr_kubeconfig_free(kc);
	return r;
}

void http_auth_check(struct http_auth *a, struct MHD_Connection *conn,
		     struct http_auth_denial *ret)
{
	const char *header = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char client[INET6_ADDRSTRLEN];
	unsigned char key[AUTH_KEY_BYTES];
	struct auth_verdict verdict;
	char *token = bearer_token(header);

	memset(ret, 0, sizeof(*ret));
	kr_httpd_client_name(conn, client, sizeof(client));
	if (!token) {
		kr_log_rl(KR_LOG_WARNING, "http [daemon]: 401 for %s: no "
			  "bearer token", client);
		deny(ret, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		     "this API needs a bearer token (Authorization: Bearer "
		     "TOKEN)");
		return;
	}
	auth_cache_key(token, key);
	if (!token_printable(token)) {
		memset(&verdict, 0, sizeof(verdict));
		verdict.outcome = AUTH_UNAUTHENTICATED;
	} else if (!auth_cache_find(a->cache, key, &verdict)) {
		if (review(a, token, client, &verdict, ret) < 0)
			goto out;	/* not kept: the next request asks */
		auth_cache_store(a->cache, key, &verdict);
	}
	switch (verdict.outcome) {
	case AUTH_ALLOWED:
		break;
	case AUTH_FORBIDDEN:
		kr_log_rl(KR_LOG_WARNING, "http [daemon]: 403 for %s: user %s "
			  "is not in auth_allowed_users or _groups", client,
			  verdict.user);
		deny(ret, MHD_HTTP_FORBIDDEN, "forbidden",
		     "user %s may not read this API", verdict.user);
		break;
	case AUTH_UNAUTHENTICATED:
		kr_log_rl(KR_LOG_WARNING, "http [daemon]: 401 for %s: a token "
			  "the API server does not accept", client);
		deny(ret, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		     "the API server does not accept this token");
		ret->challenge = CHALLENGE ", error=\"invalid_token\"";
		break;
	}
out:
	kr_token_free(token);
}
