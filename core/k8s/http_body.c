/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "http_body.h"

size_t kr_http_body_write(char *p, size_t size, size_t n, void *body)
{
	struct kr_http_body *b = body;
	size_t add = size * n;
	char *grown;

	if (b->len + add > b->max) {
		b->too_big = 1;
		return 0;	/* libcurl stops the transfer */
	}
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, p, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

const char *kr_http_body_text(const struct kr_http_body *b)
{
	return b->data ? b->data : "";
}
