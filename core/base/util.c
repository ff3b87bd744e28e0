/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

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
