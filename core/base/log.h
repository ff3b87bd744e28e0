/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The programs' one log sink: "PROGRAM: LEVEL: message" lines on stderr
 * (journald and kubectl logs pick them up).  Library code logs at debug
 * level only; programs log each failure once.
 */
#ifndef KR_LOG_H
#define KR_LOG_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "kube-rdma/backend.h"

/* Name printed before each line and the most verbose level shown. */
void kr_log_setup(const char *program, enum kr_log_level max_level);

/*
 * Copy this thread's warnings and errors to 'f' as well (NULL stops): the
 * node agent hands them to the CNI plugin, whose stderr the runtime logs.
 */
void kr_log_capture(FILE *f);

/* Write one line; keeps errno. */
void kr_log(enum kr_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A limit on one kind of message that comes in floods (one per node, per
 * request): the first in each 'interval_ms' is logged, the others only
 * counted, and the next line logged (by kr_log_limited() or
 * kr_log_limit_flush()) is the last of them with their count.
 */
struct kr_log_limit {
	pthread_mutex_t lock;
	unsigned int interval_ms;
	uint64_t quiet_until_ms;	/* before then, count, do not log */
	uint64_t held;			/* counted since the last line */
	enum kr_log_level level;	/* of the last one held */
	char last[1024];		/* the last one held */
};

#define KR_LOG_LIMIT_INIT(ms)                                                \
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .interval_ms = (ms) }

/* Log one line, or count it when 'l' logged one in its interval. */
void kr_log_limited(struct kr_log_limit *l, enum kr_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Log what 'l' holds once its interval is over; call it now and then. */
void kr_log_limit_flush(struct kr_log_limit *l);

#endif
