/* SPDX-License-Identifier: Apache-2.0 */
/* Collecting an HTTP answer's body with libcurl, up to a limit. */
#ifndef KR_HTTP_BODY_H
#define KR_HTTP_BODY_H

#include <stddef.h>

struct kr_http_body {
	char *data;		/* NUL-terminated, or NULL while empty */
	size_t len;
	size_t max;		/* larger bodies are cut off: too_big */
	int too_big;
};

/* CURLOPT_WRITEFUNCTION for a struct kr_http_body (CURLOPT_WRITEDATA). */
size_t kr_http_body_write(char *p, size_t size, size_t n, void *body);

/* The text so far ("" when empty). */
const char *kr_http_body_text(const struct kr_http_body *b);

#endif
