/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "token_review.h"

#define TOKENREVIEWS "/apis/authentication.k8s.io/v1/tokenreviews"

void kr_token_review_free(struct kr_token_review *review)
{
	size_t i;

	if (!review)
		return;
	for (i = 0; i < review->n_groups; i++)
		free(review->groups[i]);
	free(review->groups);
	free(review->username);
	free(review->error);
	free(review);
}

/* Whether the string array 'list' holds 'want'. */
static int json_list_has(json_t *list, const char *want)
{
	json_t *item;
	size_t i;

	json_array_foreach(list, i, item)
		if (json_is_string(item) &&
		    !strcmp(json_string_value(item), want))
			return 1;
	return 0;
}

/* Fill 'review' from the answer's status; -EIO when it has none. */
static int decode_status(json_t *answer, const char *audience,
			 struct kr_token_review *review, struct kr_err *err)
{
	json_t *status = json_object_get(answer, "status");
	json_t *user = json_object_get(status, "user");
	json_t *groups = json_object_get(user, "groups");
	const char *name = json_string_value(json_object_get(user, "username"));
	const char *why = json_string_value(json_object_get(status, "error"));
	json_t *item;
	size_t i;

	if (!json_is_object(status))
		return kr_err_set(err, -EIO, "POST %s: the answer has no "
				  "status", TOKENREVIEWS);
	if (why && !(review->error = strdup(why)))
		return kr_err_set(err, -ENOMEM, "out of memory");
	if (!json_is_true(json_object_get(status, "authenticated")))
		return 0;
	/*
	 * The server lists the requested audiences the token is for; none
	 * means it did not check them (an authenticator that knows no
	 * audiences): the token may be any service's.
	 */
	if (audience &&
	    !json_list_has(json_object_get(status, "audiences"), audience)) {
		free(review->error);
		review->error = strdup("the token is not for this audience");
		return review->error ? 0 : kr_err_set(err, -ENOMEM,
						      "out of memory");
	}
	if (!name || !*name)
		return kr_err_set(err, -EIO, "POST %s: authenticated, with no "
				  "user name", TOKENREVIEWS);
	review->username = strdup(name);
	review->groups = calloc(json_array_size(groups) + 1,
				sizeof(*review->groups));
	if (!review->username || !review->groups)
		return kr_err_set(err, -ENOMEM, "out of memory");
	json_array_foreach(groups, i, item) {
		if (!json_is_string(item))
			continue;
		review->groups[review->n_groups] =
			strdup(json_string_value(item));
		if (!review->groups[review->n_groups])
			return kr_err_set(err, -ENOMEM, "out of memory");
		review->n_groups++;
	}
	review->authenticated = 1;
	return 0;
}

int kr_k8s_review_token(const struct kr_kubeconfig *kc, const char *token,
			const char *audience, long timeout_ms,
			struct kr_token_review **ret, struct kr_err *err)
{
	struct kr_token_review *review = NULL;
	json_t *request, *answer = NULL;
	char *body = NULL;
	int r;

	request = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion",
			    "authentication.k8s.io/v1", "kind", "TokenReview",
			    "spec", "token", token);
	if (request && audience)
		json_object_set_new(json_object_get(request, "spec"),
				    "audiences", json_pack("[s]", audience));
	body = request ? json_dumps(request, JSON_COMPACT) : NULL;
	review = calloc(1, sizeof(*review));
	if (!body || !review) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = kr_k8s_request(kc, "POST", TOKENREVIEWS, body, NULL, timeout_ms,
			   &answer, err);
	/* 404 (no such API) and 409 are the server failing too */
	if (r < 0 && r != -EACCES && r != -ENOMEM) {
		r = -EIO;
		if (err)
			err->code = r;
	}
	if (r < 0)
		goto out;
	r = decode_status(answer, audience, review, err);
	if (r < 0)
		goto out;
	*ret = review;
	review = NULL;
out:
	kr_token_review_free(review);
	json_decref(answer);
	if (body) {
		/* it holds the token */
		explicit_bzero(body, strlen(body));
		free(body);
	}
	json_decref(request);
	return r;
}
