/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sysfs.h"

static int full_path(const char *root, const char *rel, char *out,
		     struct kr_err *err)
{
	if (strstr(rel, "..") || snprintf(out, PATH_MAX, "%s/%s", root, rel) >=
					 PATH_MAX)
		return kr_err_set(err, -EINVAL, "bad sysfs path %s", rel);
	return 0;
}

int kr_sysfs_read(const char *root, const char *rel, char *buf, size_t size,
		  struct kr_err *err)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, r;

	r = full_path(root, rel, path, err);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kr_err_set(err, -errno, "%s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return kr_err_set(err, r, "%s: %s", path, strerror(-r));
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int kr_sysfs_read_int(const char *root, const char *rel, long long *ret,
		      struct kr_err *err)
{
	char buf[64], *end;
	long long v;
	int r;

	r = kr_sysfs_read(root, rel, buf, sizeof(buf), err);
	if (r < 0)
		return r;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (!buf[0] || *end || errno)
		return kr_err_set(err, -EINVAL, "%s/%s: \"%.20s\" is not a "
						"number", root, rel, buf);
	*ret = v;
	return 0;
}

int kr_sysfs_write(const char *root, const char *rel, const char *value,
		   struct kr_err *err)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, r;

	r = full_path(root, rel, path, err);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return kr_err_set(err, -errno, "%s: %s", path, strerror(errno));
	n = write(fd, value, len);
	r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r < 0)
		return kr_err_set(err, r, "write %s to %s: %s", value, path,
				  strerror(-r));
	return 0;
}

int kr_sysfs_link_name(const char *root, const char *rel, char *buf,
		       size_t size, struct kr_err *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int r;

	r = full_path(root, rel, path, err);
	if (r < 0)
		return r;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return kr_err_set(err, -errno, "%s: %s", path, strerror(errno));
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return kr_err_set(err, -ENAMETOOLONG, "%s: target too long",
				  path);
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

int kr_sysfs_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];

	if (full_path(root, rel, path, NULL) < 0)
		return 0;
	return access(path, F_OK) == 0;
}

int kr_sysfs_first_entry(const char *root, const char *rel, char *buf,
			 size_t size, struct kr_err *err)
{
	char path[PATH_MAX];
	struct dirent *e;
	int r = -ENOENT;
	DIR *d;

	r = full_path(root, rel, path, err);
	if (r < 0)
		return r;
	d = opendir(path);
	if (!d)
		return kr_err_set(err, -errno, "%s: %s", path, strerror(errno));
	r = kr_err_set(err, -ENOENT, "%s is empty", path);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < size) {
			memcpy(buf, e->d_name, strlen(e->d_name) + 1);
			r = 0;
			break;
		}
	closedir(d);
	return r;
}
