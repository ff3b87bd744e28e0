/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>

#include "ratelimit.h"
#include "util.h"

int kr_ratelimit_allow(struct kr_ratelimit *rl, uint64_t *ret_suppressed)
{
	uint64_t now = kr_monotonic_ms();
	int allowed = 0;

	pthread_mutex_lock(&rl->lock);
	if (!rl->window_start_ms || now - rl->window_start_ms >=
					    rl->interval_ms) {
		rl->window_start_ms = now ? now : 1;
		rl->logged = 0;
	}
	if (rl->logged < rl->burst) {
		rl->logged++;
		*ret_suppressed = rl->suppressed;
		rl->suppressed = 0;
		allowed = 1;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return allowed;
}

void kr_log_limited(struct kr_ratelimit *rl, enum kr_log_level level,
		    const char *fmt, ...)
{
	uint64_t suppressed = 0;
	char line[1024];
	va_list ap;

	if (!kr_ratelimit_allow(rl, &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (suppressed)
		kr_log(level, "suppressed %llu similar messages",
		       (unsigned long long)suppressed);
	kr_log(level, "%s", line);
}

void kr_log_limited_flush(struct kr_ratelimit *rl, enum kr_log_level level,
			  const char *what)
{
	uint64_t now = kr_monotonic_ms(), held = 0;

	pthread_mutex_lock(&rl->lock);
	if (rl->suppressed && now - rl->window_start_ms >= rl->interval_ms) {
		held = rl->suppressed;
		rl->suppressed = 0;
	}
	pthread_mutex_unlock(&rl->lock);
	if (held)
		kr_log(level, "%s: suppressed %llu similar messages", what,
		       (unsigned long long)held);
}
