/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "token_file.h"

/* Service account tokens are about a kilobyte; anything this big is not. */
#define TOKEN_MAX_BYTES (64u << 10)

struct kr_token_file {
	char *path;
	pthread_mutex_t lock;		/* guards what follows */
	char *token;			/* the last one read, or NULL */
	struct stat seen;		/* the file it was read from */
};

void kr_token_free(char *token)
{
	if (!token)
		return;
	explicit_bzero(token, strlen(token));
	free(token);
}

/* Printable, no blanks: what may follow "Bearer " in a header. */
static int token_valid(const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f)
			return 0;
	return len > 0;
}

int kr_token_read(const char *path, char **ret, struct kr_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kr_err_set(err, -errno, "token file %s: %s", path,
				  strerror(errno));
	buf = malloc(TOKEN_MAX_BYTES + 1);
	if (!buf) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	while (len <= TOKEN_MAX_BYTES) {
		n = read(fd, buf + len, TOKEN_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = kr_err_set(err, -errno, "token file %s: %s", path,
				       strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > TOKEN_MAX_BYTES) {
		r = kr_err_set(err, -EINVAL, "token file %s: larger than %u "
			       "bytes", path, TOKEN_MAX_BYTES);
		goto out;
	}
	/* written by hand or by echo: a newline at the end */
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (!token_valid(buf, len)) {
		r = kr_err_set(err, -EINVAL, "token file %s: %s", path,
			       len ? "not a token (blanks or control "
				     "characters)" : "empty");
		goto out;
	}
	*ret = buf;
	buf = NULL;
out:
	if (buf) {
		explicit_bzero(buf, TOKEN_MAX_BYTES + 1);
		free(buf);
	}
	close(fd);
	return r;
}

int kr_token_file_open(const char *path, struct kr_token_file **ret,
		       struct kr_err *err)
{
	struct kr_token_file *tf = calloc(1, sizeof(*tf));

	if (!tf || !(tf->path = strdup(path))) {
		free(tf);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_init(&tf->lock, NULL);
	*ret = tf;
	return 0;
}

/* Whether 'a' and 'b' are the same file, unchanged. */
static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int kr_token_file_get(struct kr_token_file *tf, char **ret,
		      struct kr_err *err)
{
	struct stat now;
	char *fresh = NULL, *copy;
	int r = 0;

	pthread_mutex_lock(&tf->lock);
	/* stat follows the kubelet's links to the file in use */
	if (stat(tf->path, &now) < 0) {
		r = kr_err_set(err, -errno, "token file %s: %s", tf->path,
			       strerror(errno));
		goto out;
	}
	if (!tf->token || !same_file(&now, &tf->seen)) {
		r = kr_token_read(tf->path, &fresh, err);
		if (r < 0)
			goto out;
		kr_token_free(tf->token);
		tf->token = fresh;
		tf->seen = now;
	}
	copy = strdup(tf->token);
	if (!copy) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	*ret = copy;
out:
	pthread_mutex_unlock(&tf->lock);
	return r;
}

const char *kr_token_file_path(const struct kr_token_file *tf)
{
	return tf->path;
}

void kr_token_file_close(struct kr_token_file *tf)
{
	if (!tf)
		return;
	kr_token_free(tf->token);
	pthread_mutex_destroy(&tf->lock);
	free(tf->path);
	free(tf);
}
