/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>

#include "log.h"

static const char *log_program = "kube-rdma";
static enum kr_log_level log_max = KR_LOG_INFO;
static __thread FILE *log_capture;

void kr_log_capture(FILE *f)
{
	log_capture = f;
}

void kr_log_setup(const char *program, enum kr_log_level max_level)
{
	log_program = program;
	log_max = max_level;
}

static const char *level_name(enum kr_log_level level)
{
	switch (level) {
	case KR_LOG_ERR:
		return "error";
	case KR_LOG_WARNING:
		return "warning";
	case KR_LOG_INFO:
		return "info";
	case KR_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

void kr_log(enum kr_log_level level, const char *fmt, ...)
{
	int saved_errno = errno;
	char line[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_program, level_name(level), line);
	if (log_capture && level <= KR_LOG_WARNING)
		fprintf(log_capture, "%s: %s: %s\n", log_program,
			level_name(level), line);
	errno = saved_errno;
}
