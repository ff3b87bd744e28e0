/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kube-rdma/backend.h"
#include "util.h"

int kr_parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

/*
 * A kernel device name: shorter than 'size', not "." or "..", and none of
 * '/', whitespace, control characters or the bytes in 'also'.
 */
static int device_name_valid(const char *name, size_t size, const char *also)
{
	size_t len = strlen(name);

	if (len == 0 || len >= size || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return 0;
	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (c == '/' || isspace(c) || iscntrl(c) || c >= 0x7f ||
		    strchr(also, c))
			return 0;
	}
	return 1;
}

int kr_ifname_valid(const char *name)
{
	return device_name_valid(name, KR_IFNAMSIZ, ":");
}

int kr_rdma_name_valid(const char *name)
{
	return device_name_valid(name, 64, "");
}

int kr_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len + 1);
	return 0;
}

int kr_backend_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= 64)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '-' || c == '_'))
			continue;
		return 0;
	}
	return 1;
}

int kr_k8s_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && ((c != '-' && c != '.') || i == 0 || i == len - 1))
			return 0;
	}
	return 1;
}

uint64_t kr_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

size_t kr_utf8_boundary(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = len, need;

	/* back over continuation bytes (10xxxxxx) to the sequence's lead */
	while (start > 0 && len - start < 4 && (u[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0 || u[start - 1] < 0x80)
		return len;	/* ASCII last, or nothing but continuations */
	start--;
	if ((u[start] & 0xe0) == 0xc0)
		need = 2;
	else if ((u[start] & 0xf0) == 0xe0)
		need = 3;
	else if ((u[start] & 0xf8) == 0xf0)
		need = 4;
	else
		return len;	/* not a lead byte: not ours to judge */
	return len - start >= need ? len : start;
}

int kr_vsnprintf_utf8(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);

	if (n >= 0 && size && (size_t)n >= size)
		buf[kr_utf8_boundary(buf, size - 1)] = '\0';
	return n;
}

int kr_snprintf_utf8(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kr_vsnprintf_utf8(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
