/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root-relative sysfs access: every read and write of /sys by kube-rdma
 * goes through here, against a configurable root ([node] sysfs_root, the
 * one way to point a program at a fake tree), so tests run the same code
 * against fake trees.  Offered to backends through the services table.
 */
#ifndef KR_SYSFS_H
#define KR_SYSFS_H

#include <stddef.h>
#include <stdint.h>

#include "kube-rdma/backend.h"

/*
 * Read ROOT/REL into 'buf' without the trailing newline.  -ENOENT when
 * absent, -errno otherwise, with the path in err.
 */
int kr_sysfs_read(const char *root, const char *rel, char *buf, size_t size,
		  struct kr_err *err);

/* Read a decimal (or -1) integer. -EINVAL naming the file when it is not. */
int kr_sysfs_read_int(const char *root, const char *rel, long long *ret,
		      struct kr_err *err);

/* Write 'value' to ROOT/REL (one write, as sysfs wants). */
int kr_sysfs_write(const char *root, const char *rel, const char *value,
		   struct kr_err *err);

/* The last component of the link ROOT/REL's target ("0000:3b:00.2"). */
int kr_sysfs_link_name(const char *root, const char *rel, char *buf,
		       size_t size, struct kr_err *err);

/* The first entry (not "." or "..") of directory ROOT/REL. */
int kr_sysfs_first_entry(const char *root, const char *rel, char *buf,
			 size_t size, struct kr_err *err);

/* 1 when ROOT/REL exists, else 0. */
int kr_sysfs_exists(const char *root, const char *rel);

#endif
