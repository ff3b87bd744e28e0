/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "util.h"

int kr_err_setv(struct kr_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	/* messages end up in JSON answers: never cut a character in two */
	kr_vsnprintf_utf8(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int kr_err_set(struct kr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kr_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void kr_err_prefix(struct kr_err *err, const char *fmt, ...)
{
	char head[KR_ERR_MSG_SIZE], tail[KR_ERR_MSG_SIZE];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	kr_vsnprintf_utf8(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(tail, sizeof(tail), "%s", kr_err_text(err));
	/* Truncation keeps the head, which names the object. */
	if (kr_snprintf_utf8(err->msg, sizeof(err->msg), "%s: %s", head,
			     tail) < 0)
		err->msg[0] = '\0';
}

void kr_err_clear(struct kr_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *kr_err_text(const struct kr_err *err)
{
	if (err->msg[0])
		return err->msg;
	return strerror(err->code < 0 ? -err->code : err->code);
}
