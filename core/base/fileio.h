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

/*
 * When 'name' in 'dir' is a temporary file of kr_write_file_atomic
 * (NAME.tmp.PID): remove it if its writer is gone (killed before its
 * rename), and return 1 either way (a live writer's is being written
 * now).  0 when it is not one.
 */
int kr_stale_temp_remove(const char *dir, const char *name);

/* Every stale temporary file in 'dir' removed; 0 or -errno naming it. */
int kr_stale_temps_remove(const char *dir, struct kr_err *err);

/* mkdir -p with mode 0755 for what it creates; -errno naming the path. */
int kr_mkdir_p(const char *path, struct kr_err *err);

#endif
