/* SPDX-License-Identifier: Apache-2.0 */
/* core/base: the log rate limiter and cutting text at UTF-8 boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "ratelimit.h"
#include "util.h"

static void test_ratelimit_burst_then_count(void **state)
{
	struct kr_ratelimit rl = KR_RATELIMIT_INIT(200, 3);
	uint64_t suppressed = 99;
	int i, allowed = 0;

	for (i = 0; i < 10; i++)
		allowed += kr_ratelimit_allow(&rl, &suppressed);
	assert_int_equal(allowed, 3);
	assert_int_equal(suppressed, 0);	/* none before the first */
	/* the next window: the first one allowed reports the seven */
	usleep(250000);
	assert_true(kr_ratelimit_allow(&rl, &suppressed));
	assert_int_equal(suppressed, 7);
	assert_true(kr_ratelimit_allow(&rl, &suppressed));
	assert_int_equal(suppressed, 0);
}

static void test_log_limited_lines(void **state)
{
	struct kr_ratelimit rl = KR_RATELIMIT_INIT(200, 2);
	char *text = NULL;
	size_t len = 0;
	FILE *capture = open_memstream(&text, &len);
	int i;

	kr_log_capture(capture);
	for (i = 0; i < 1000; i++)
		kr_log_limited(&rl, KR_LOG_WARNING, "bad request %d", i);
	usleep(250000);
	kr_log_limited(&rl, KR_LOG_WARNING, "bad request %d", i);
	kr_log_capture(NULL);
	fclose(capture);
	assert_non_null(strstr(text, "bad request 0\n"));
	assert_non_null(strstr(text, "bad request 1\n"));
	assert_null(strstr(text, "bad request 2\n"));
	assert_non_null(strstr(text, "suppressed 998 similar messages\n"));
	assert_non_null(strstr(text, "bad request 1000\n"));
	free(text);
}

/* A flood that stops is still counted, by the flush after its window. */
static void test_log_limited_flush(void **state)
{
	struct kr_ratelimit rl = KR_RATELIMIT_INIT(200, 1);
	char *text = NULL;
	size_t len = 0;
	FILE *capture = open_memstream(&text, &len);
	int i;

	kr_log_capture(capture);
	for (i = 0; i < 50; i++)
		kr_log_limited(&rl, KR_LOG_WARNING, "node n-%d gone", i);
	kr_log_limited_flush(&rl, KR_LOG_WARNING, "nodes gone");
	usleep(250000);
	kr_log_limited_flush(&rl, KR_LOG_WARNING, "nodes gone");
	kr_log_limited_flush(&rl, KR_LOG_WARNING, "nodes gone");
	kr_log_capture(NULL);
	fclose(capture);
	assert_non_null(strstr(text, "node n-0 gone\n"));
	assert_null(strstr(text, "node n-1 gone"));
	/* once, after the window, not before it */
	assert_non_null(strstr(text, "nodes gone: suppressed 49 similar "
				     "messages\n"));
	assert_null(strstr(strstr(text, "nodes gone: suppressed") + 1,
			   "nodes gone: suppressed"));
	free(text);
}

static void test_utf8_boundary(void **state)
{
	/* "aé€😀": 1 + 2 + 3 + 4 bytes */
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	size_t cut[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };
	size_t n;

	for (n = 0; n <= 10; n++)
		assert_int_equal(kr_utf8_boundary(s, n), cut[n]);
}

static void test_snprintf_utf8_and_errors(void **state)
{
	struct kr_err err = { 0 };
	char big[2 * KR_ERR_MSG_SIZE], buf[6];
	size_t i;

	/* "é" is two bytes: five bytes of room hold two of them */
	kr_snprintf_utf8(buf, sizeof(buf), "%s", "\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_string_equal(buf, "\xc3\xa9\xc3\xa9");
	/* an error message cut at its size ends on a whole character */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	kr_err_set(&err, -EINVAL, "x%s", big);
	assert_int_equal(strlen(err.msg) % 2, 1);
	assert_int_equal(kr_utf8_boundary(err.msg, strlen(err.msg)),
			 strlen(err.msg));
	kr_err_prefix(&err, "key %s", "y");
	assert_int_equal(kr_utf8_boundary(err.msg, strlen(err.msg)),
			 strlen(err.msg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_burst_then_count),
		cmocka_unit_test(test_log_limited_lines),
		cmocka_unit_test(test_log_limited_flush),
		cmocka_unit_test(test_utf8_boundary),
		cmocka_unit_test(test_snprintf_utf8_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
