/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rate-limited log lines (core/base/log.c): a flood of one kind of message
 * comes out as its first line and one line with the count and the last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Run 'fn' with stderr going to a file; what it wrote, in 'out'. */
static void capture_stderr(void (*fn)(void), char *out, size_t size)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static struct kr_log_limit limit = KR_LOG_LIMIT_INIT(500);

static void flood(void)
{
	struct timespec pause = { .tv_nsec = 600 * 1000000 };
	int i;

	for (i = 0; i < 1000; i++)
		kr_log_limited(&limit, KR_LOG_WARNING, "node n-%d: gone", i);
	kr_log_limit_flush(&limit);	/* too early: says nothing */
	nanosleep(&pause, NULL);
	kr_log_limit_flush(&limit);
	kr_log_limit_flush(&limit);	/* nothing left */
}

static void test_flood_is_two_lines(void **state)
{
	char out[4096];

	kr_log_setup("test", KR_LOG_INFO);
	capture_stderr(flood, out, sizeof(out));
	assert_string_equal(out,
			    "test: warning: node n-0: gone\n"
			    "test: warning: node n-999: gone (and 998 more "
			    "like it in 1 s)\n");
}

static void single(void)
{
	struct timespec pause = { .tv_nsec = 600 * 1000000 };

	nanosleep(&pause, NULL);
	kr_log_limited(&limit, KR_LOG_INFO, "alone");
	kr_log_limited(&limit, KR_LOG_INFO, "held");
	nanosleep(&pause, NULL);
	kr_log_limit_flush(&limit);
}

static void test_one_held_is_itself(void **state)
{
	char out[4096];

	capture_stderr(single, out, sizeof(out));
	assert_string_equal(out, "test: info: alone\ntest: info: held\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_two_lines),
		cmocka_unit_test(test_one_held_is_itself),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
