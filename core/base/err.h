/* SPDX-License-Identifier: Apache-2.0 */
/* struct kr_err helpers: the one way errors carry a sentence upwards. */
#ifndef KR_ERR_H
#define KR_ERR_H

#include "kube-rdma/backend.h"

/*
 * Set err->code to 'code' (a negative errno) and err->msg from the format.
 * Returns 'code'.  'err' may be NULL.
 */
int kr_err_set(struct kr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kr_err_setv(struct kr_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * Prefix err->msg with the formatted text and ": ", keeping the code.
 * When msg is empty, the text of the errno is used as the tail.
 */
void kr_err_prefix(struct kr_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void kr_err_clear(struct kr_err *err);

/* err->msg if set, else strerror(-err->code). */
const char *kr_err_text(const struct kr_err *err);

#endif
