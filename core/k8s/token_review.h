/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asking the API server who a bearer token belongs to: a TokenReview
 * (authentication.k8s.io/v1), as kubelet and the aggregated API servers
 * do for the requests they take.  The caller needs "create" on
 * tokenreviews (the system:auth-delegator ClusterRole has it).
 */
#ifndef KR_TOKEN_REVIEW_H
#define KR_TOKEN_REVIEW_H

#include <stddef.h>

#include "k8s.h"

/* The API server's answer. */
struct kr_token_review {
	int authenticated;	/* the token is valid (for the audience) */
	char *username;		/* when authenticated */
	char **groups;		/* when authenticated */
	size_t n_groups;
	char *error;		/* why not, when the server said; or NULL */
};

/*
 * POST /apis/authentication.k8s.io/v1/tokenreviews for 'token', issued
 * for 'audience' when not NULL (a token valid for other audiences only,
 * or a server that does not say it checked the audience, is not
 * authenticated), within 'timeout_ms'.  0 with *ret
 * (kr_token_review_free) whatever the verdict; -EIO when the server did
 * not answer or failed (5xx, not a TokenReview), -EACCES when it refused
 * the caller (401/403: no right to create tokenreviews), -ENOMEM.
 * Messages name the request and the status, never the token.
 */
int kr_k8s_review_token(const struct kr_kubeconfig *kc, const char *token,
			const char *audience, long timeout_ms,
			struct kr_token_review **ret, struct kr_err *err);

/* Accepts NULL. */
void kr_token_review_free(struct kr_token_review *review);

#endif
