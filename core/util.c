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

int kr_ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= KR_IFNAMSIZ)
		return 0;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (c == '/' || c == ':' || isspace(c) || iscntrl(c) ||
		    c >= 0x7f)
			return 0;
	}
	return 1;
}

int kr_rdma_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= 64 || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (c == '/' || isspace(c) || iscntrl(c) || c >= 0x7f)
			return 0;
	}
	return 1;
}

int kr_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, len + 1);
	return 0;
}
