/* SPDX-License-Identifier: Apache-2.0 */
/*
 * [daemon] auth = tokenreview: who may read the daemon's HTTP API.  The
 * inventory names every pod, namespace and UID holding a VF; with
 * tokenreview a request (but /healthz, which kubelet probes) carries
 * "Authorization: Bearer TOKEN", the API server says whose token it is
 * (a TokenReview, within auth_timeout_ms, with the daemon's kubeconfig or
 * service account), and auth_allowed_users / auth_allowed_groups say
 * whether that user may read.  Answers are cached (auth_cache.h).
 */
#ifndef KR_HTTP_AUTH_H
#define KR_HTTP_AUTH_H

#include <microhttpd.h>

#include "config.h"

struct http_auth;

/* Why a request is not let in. */
struct http_auth_denial {
	unsigned int code;	/* 0 (let in), 401, 403 or 503 */
	const char *error;	/* "unauthorized", "forbidden", "unavailable" */
	const char *challenge;	/* WWW-Authenticate of a 401, else NULL */
	char message[256];	/* a sentence for the client */
};

/*
 * The checks 'cfg' asks for; *ret is NULL for auth = none (everyone is
 * let in).  The settings are copied: they change at the next start.
 * -ENOMEM.
 */
int http_auth_new(const struct kr_config *cfg, struct http_auth **ret,
		  struct kr_err *err);

/*
 * Decide on the request on 'conn' from its Authorization header; may ask
 * the API server, for at most auth_timeout_ms.  Failures are logged,
 * rate-limited, never with the token.  Safe from any thread.
 */
void http_auth_check(struct http_auth *a, struct MHD_Connection *conn,
		     struct http_auth_denial *ret);

/* Accepts NULL. */
void http_auth_free(struct http_auth *a);

#endif
