/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/k8s/token_file: what a token file may hold, and a token that the
 * kubelet rotates as it rotates projected ones (a new directory, then a
 * rename of the "..data" link) or that is rewritten in place.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "token_file.h"

struct dir {
	char path[64];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/kr-unit-token-XXXXXX");
	if (!d || !mkdtemp(d->path))
		return -1;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd) != 0)
		return -1;
	free(d);
	return 0;
}

static void write_text(const char *dir, const char *name, const char *text,
		       size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void read_fails(const char *dir, const char *name, int code,
		       const char *want)
{
	struct kr_err err = { 0 };
	char path[256], *token = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = kr_token_read(path, &token, &err);
	if (r != code || !strstr(err.msg, want) || !strstr(err.msg, path))
		fail_msg("%s: want %d \"%s\", got %d \"%s\"", name, code, want,
			 r, err.msg);
	assert_null(token);
}

static void test_read(void **state)
{
	struct dir *d = *state;
	struct kr_err err = { 0 };
	char path[256], *token = NULL, *big;

	write_text(d->path, "ok", "eyJhbGciOi.x-y_z\n", 17);
	snprintf(path, sizeof(path), "%s/ok", d->path);
	assert_int_equal(kr_token_read(path, &token, &err), 0);
	assert_string_equal(token, "eyJhbGciOi.x-y_z");
	kr_token_free(token);

	read_fails(d->path, "missing", -ENOENT, "No such file");
	write_text(d->path, "empty", "\n", 1);
	read_fails(d->path, "empty", -EINVAL, "empty");
	/* it would end the header and start another */
	write_text(d->path, "crlf", "abc\r\nX-Other: 1\n", 17);
	read_fails(d->path, "crlf", -EINVAL, "not a token");
	write_text(d->path, "blank", "abc def", 7);
	read_fails(d->path, "blank", -EINVAL, "not a token");
	write_text(d->path, "nul", "abc\0def", 7);
	read_fails(d->path, "nul", -EINVAL, "not a token");
	big = malloc((64u << 10) + 1);
	assert_non_null(big);
	memset(big, 'a', (64u << 10) + 1);
	write_text(d->path, "big", big, (64u << 10) + 1);
	free(big);
	read_fails(d->path, "big", -EINVAL, "larger than 65536 bytes");
}

/* kr_token_file_get, which must be 'want'. */
static void get_is(struct kr_token_file *tf, const char *want)
{
	struct kr_err err = { 0 };
	char *token = NULL;

	if (kr_token_file_get(tf, &token, &err) < 0)
		fail_msg("%s", kr_err_text(&err));
	assert_string_equal(token, want);
	kr_token_free(token);
}

static void test_rotation(void **state)
{
	struct dir *d = *state;
	struct kr_token_file *tf = NULL;
	struct kr_err err = { 0 };
	char path[256], link[256], sub[256], *token = NULL;

	/* the kubelet's layout: token -> ..data/token, ..data -> ..v1 */
	snprintf(sub, sizeof(sub), "%s/..v1", d->path);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_text(sub, "token", "first", 5);
	snprintf(link, sizeof(link), "%s/..data", d->path);
	assert_int_equal(symlink("..v1", link), 0);
	snprintf(path, sizeof(path), "%s/token", d->path);
	assert_int_equal(symlink("..data/token", path), 0);

	assert_int_equal(kr_token_file_open(path, &tf, &err), 0);
	assert_string_equal(kr_token_file_path(tf), path);
	get_is(tf, "first");
	get_is(tf, "first");

	/* rotated: a new directory, then the link renamed over */
	snprintf(sub, sizeof(sub), "%s/..v2", d->path);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_text(sub, "token", "second", 6);
	snprintf(sub, sizeof(sub), "%s/..data.tmp", d->path);
	assert_int_equal(symlink("..v2", sub), 0);
	assert_int_equal(rename(sub, link), 0);
	get_is(tf, "second");

	/* rewritten in place, as a file written by hand is */
	snprintf(sub, sizeof(sub), "%s/..v2", d->path);
	write_text(sub, "token", "third-one", 9);
	get_is(tf, "third-one");

	/* gone: an error, not the old token */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(kr_token_file_get(tf, &token, &err), -ENOENT);
	assert_null(token);
	assert_non_null(strstr(err.msg, path));
	kr_token_file_close(tf);
	kr_token_file_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
