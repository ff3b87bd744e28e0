/* SPDX-License-Identifier: Apache-2.0 */
/* Files that must never be seen half-written. */
#ifndef KR_FILEIO_H
#define KR_FILEIO_H

#include <stddef.h>

#include "kube-rdma/backend.h"

/*
 * Replace 'path' with 'len' bytes of 'data': write PATH.tmp.PID, fsync,
 * rename over 'path', fsync the directory.  A reader sees the old file or
 * the new one; after a crash, the same.  Mode 0600.  -errno with the path
 * in err.
 */
int kr_write_file_atomic(const char *path, const void *data, size_t len,
			 struct kr_err *err);

/* mkdir -p with mode 0755 for what it creates; -errno naming the path. */
int kr_mkdir_p(const char *path, struct kr_err *err);

#endif
