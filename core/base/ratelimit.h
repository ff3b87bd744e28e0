/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rate-limited warnings: the first 'burst' messages of a call site in each
 * interval are logged, the rest counted and reported in one line
 * ("suppressed N similar messages") before the next one that is logged.  A
 * flood of malformed requests then costs a few lines, not one per request
 * (the OVS VLOG_*_RL idea).
 */
#ifndef KR_RATELIMIT_H
#define KR_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

#include "log.h"

struct kr_ratelimit {
	uint32_t interval_ms;		/* length of a window */
	uint32_t burst;			/* messages logged per window */
	pthread_mutex_t lock;		/* guards the members below */
	uint64_t window_start_ms;	/* CLOCK_MONOTONIC */
	uint32_t logged;		/* in the current window */
	uint64_t suppressed;		/* since the last one logged */
};

#define KR_RATELIMIT_INIT(interval_ms, burst)                                 \
	{ (interval_ms), (burst), PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 }

/* What kr_log_rl allows each call site: 10 lines per 10 s. */
#define KR_LOG_RL_INTERVAL_MS 10000
#define KR_LOG_RL_BURST 10

/*
 * True when one more message may be logged now; then *ret_suppressed is
 * how many were held back since the last one allowed (to report), else it
 * is left alone.  Thread-safe.
 */
int kr_ratelimit_allow(struct kr_ratelimit *rl, uint64_t *ret_suppressed);

/* kr_log through 'rl', with the count of what it suppressed. */
void kr_log_limited(struct kr_ratelimit *rl, enum kr_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Report what 'rl' held back, once its window is over and nothing was
 * logged since ("WHAT: suppressed N similar messages"), for floods that
 * may stop before the next message would say it; call it now and then.
 */
void kr_log_limited_flush(struct kr_ratelimit *rl, enum kr_log_level level,
			  const char *what);

/* kr_log, rate-limited per call site (KR_LOG_RL_BURST per interval). */
#define kr_log_rl(level, ...)                                                 \
	do {                                                                  \
		static struct kr_ratelimit kr_rl_site_ = KR_RATELIMIT_INIT(   \
			KR_LOG_RL_INTERVAL_MS, KR_LOG_RL_BURST);              \
		kr_log_limited(&kr_rl_site_, (level), __VA_ARGS__);           \
	} while (0)

#endif
