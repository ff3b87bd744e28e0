/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The messages 'l' held, as one line (lock held). */
static void say_held(struct kr_log_limit *l, uint64_t now)
{
	if (l->held == 1)
		kr_log(l->level, "%s", l->last);
	else if (l->held > 1)
		kr_log(l->level, "%s (and %llu more like it in %u s)", l->last,
		       (unsigned long long)(l->held - 1),
		       (l->interval_ms + 999) / 1000);
	l->held = 0;
	l->quiet_until_ms = now + l->interval_ms;
}

void kr_log_limited(struct kr_log_limit *l, enum kr_log_level level,
		    const char *fmt, ...)
{
	int saved_errno = errno;
	char line[sizeof(l->last)];
	uint64_t now = mono_ms();
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&l->lock);
	if (now < l->quiet_until_ms) {
		l->held++;
		l->level = level;
		memcpy(l->last, line, sizeof(line));
	} else {
		say_held(l, now);
		kr_log(level, "%s", line);
	}
	pthread_mutex_unlock(&l->lock);
	errno = saved_errno;
}

void kr_log_limit_flush(struct kr_log_limit *l)
{
	uint64_t now = mono_ms();

	pthread_mutex_lock(&l->lock);
	if (l->held && now >= l->quiet_until_ms)
		say_held(l, now);
	pthread_mutex_unlock(&l->lock);
}
