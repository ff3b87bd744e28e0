/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the core and the programs. */
#ifndef KR_UTIL_H
#define KR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define KR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void kr_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(kr_freep)))

/*
 * Parse a decimal unsigned integer that fills the whole string, with no
 * sign, no spaces and at most 'max'.  Returns 0, -EINVAL (not a number) or
 * -ERANGE (above max).
 */
int kr_parse_u64(const char *s, uint64_t max, uint64_t *ret);

/*
 * True when 'name' is usable as a Linux interface name: 1..15 bytes, none
 * of '/', ':', whitespace or control characters, not "." or "..".
 */
int kr_ifname_valid(const char *name);

/*
 * True when 'name' is usable as an RDMA device name (IB_DEVICE_NAME_MAX):
 * 1..63 bytes, none of '/', whitespace or control characters.
 */
int kr_rdma_name_valid(const char *name);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t kr_monotonic_ms(void);

/*
 * The length of the longest prefix of the 'len' bytes at 's' that does
 * not end inside a UTF-8 sequence: text cut at a byte limit is cut back
 * to a character boundary, so it stays valid UTF-8 (JSON strings must be)
 * when it was before the cut.
 */
size_t kr_utf8_boundary(const char *s, size_t len);

/*
 * snprintf that cuts at a character boundary when the text does not fit
 * (see kr_utf8_boundary).  Returns what snprintf returns.
 */
int kr_snprintf_utf8(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As kr_snprintf_utf8, with a va_list. */
int kr_vsnprintf_utf8(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* snprintf into a fixed buffer; -ENAMETOOLONG when it did not fit. */
int kr_strlcpy(char *dst, const char *src, size_t size);

/* True when 'name' may name a backend: [a-z0-9][a-z0-9_-]*, < 64 bytes. */
int kr_backend_name_valid(const char *name);

/*
 * A Kubernetes object name or namespace as the API server accepts it in a
 * path: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.',
 * starting and ending with a letter or digit, at most 253 bytes).  Names
 * that reach URL paths are checked with it, so none can climb out of its
 * segment ("../../nodes/x").
 */
int kr_k8s_name_valid(const char *name);

#endif
