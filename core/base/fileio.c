/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, r = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

int kr_write_file_atomic(const char *path, const void *data, size_t len,
			 struct kr_err *err)
{
	const char *p = data;
	char *tmp = NULL;
	int fd, r = 0;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return kr_err_set(err, -ENOMEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = kr_err_set(err, -errno, "create %s: %s", tmp,
			       strerror(errno));
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = kr_err_set(err, -errno, "write %s: %s", tmp,
				       strerror(errno));
			goto out_unlink;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		r = kr_err_set(err, -errno, "fsync %s: %s", tmp,
			       strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = kr_err_set(err, -errno, "rename %s to %s: %s", tmp, path,
			       strerror(errno));
		goto out_unlink;
	}
	r = fsync_dir_of(path);
	if (r < 0)
		kr_err_set(err, r, "fsync directory of %s: %s", path,
			   strerror(-r));
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	return r;
}

int kr_mkdir_p(const char *path, struct kr_err *err)
{
	char *dir = strdup(path), *slash;
	int r = 0;

	if (!dir)
		return kr_err_set(err, -ENOMEM, "out of memory");
	for (slash = strchr(dir + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			r = kr_err_set(err, -errno, "mkdir %s: %s", dir,
				       strerror(errno));
			break;
		}
		if (!slash)
			break;
		*slash = '/';
	}
	free(dir);
	return r;
}

int kr_stale_temp_remove(const char *dir, const char *name)
{
	const char *tmp = strstr(name, ".tmp.");
	char *end, *path;
	long pid;

	if (!tmp)
		return 0;
	errno = 0;
	pid = strtol(tmp + strlen(".tmp."), &end, 10);
	if (*end || pid <= 0 || errno)
		return 0;
	if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
	    errno != ESRCH)
		return 1;
	if (asprintf(&path, "%s/%s", dir, name) >= 0) {
		unlink(path);
		free(path);
	}
	return 1;
}

int kr_stale_temps_remove(const char *dir, struct kr_err *err)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return kr_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	}
	while ((e = readdir(d)))
		kr_stale_temp_remove(dir, e->d_name);
	closedir(d);
	return 0;
}
