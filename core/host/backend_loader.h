/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading backends: dlopen NAME.so from the backend directory, check its ABI
 * version and table, and give callers a complete ops table (absent
 * operations answer -EOPNOTSUPP, so callers never test for NULL).
 */
#ifndef KR_BACKEND_LOADER_H
#define KR_BACKEND_LOADER_H

#include "kube-rdma/backend.h"

/* A loaded, initialised backend. */
struct kr_backend {
	char *name;			/* "mock" */
	char *path;			/* DIR/mock.so */
	void *dl;			/* dlopen handle */
	/* Complete table: the backend's operations over the stubs. */
	struct kr_backend_ops ops;
	struct kr_backend_ctx *ctx;	/* from ops.init */
	struct kr_backend_services svc;	/* what the backend was given */
	/* enum kr_cap bits whose operations the backend supplied */
	uint32_t supported_caps;
};

/*
 * Load backend 'name' from directory 'dir' and run its init, passing
 * 'sysfs_root' and 'state_dir' in the services table (copied pointers: they
 * must outlive the backend).  Errors name the file: -ENOENT no such file,
 * -ELIBBAD not loadable or no entry symbol, -EPROTO wrong ABI version or
 * table size, -EINVAL a name or capability inconsistency, or what the
 * backend's entry or init returned.
 */
int kr_backend_load(const char *dir, const char *name, const char *sysfs_root,
		    const char *state_dir, struct kr_backend **ret,
		    struct kr_err *err);

/* Run fini and unload.  Accepts NULL. */
void kr_backend_unload(struct kr_backend *be);

/*
 * Fill 'ops' with the stub for every operation that is NULL.  The stubs
 * return -EOPNOTSUPP with a message naming the operation.
 */
void kr_backend_fill_stubs(struct kr_backend_ops *ops);

/*
 * Check caps a backend reported for a PF against the operations it supplied:
 * -EPROTO naming the backend and the first capability without its
 * operation.
 */
int kr_backend_check_caps(const struct kr_backend *be, uint32_t caps,
			  struct kr_err *err);


#endif
