/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backend loader.  Load order: dlopen -> dlsym entry -> version and size
 * check -> copy over the stubs -> init.  A failing step undoes the earlier
 * ones and names the file in its message.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_loader.h"
#include "err.h"
#include "fileio.h"
#include "log.h"
#include "nl.h"
#include "nl_vf.h"
#include "sysfs.h"
#include "util.h"

static int svc_err_set(struct kr_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int svc_err_set(struct kr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kr_err_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * The services' VF requests: a route socket per call, as the CNI plugin is
 * short-lived and the daemon calls rarely.
 */
static int svc_vf_query(const char *pf, struct kr_vf_state *vfs, uint32_t max,
			uint32_t *ret_count, struct kr_err *err)
{
	struct kr_nl *nl = NULL;
	int r = kr_nl_open(-1, &nl, err);

	if (r == 0)
		r = kr_nl_vf_query(nl, pf, vfs, max, ret_count, err);
	kr_nl_close(nl);
	return r;
}

static int svc_vf_apply(const char *pf, const struct kr_vf_state *want,
			uint32_t fields, struct kr_err *err)
{
	struct kr_nl *nl = NULL;
	int r = kr_nl_open(-1, &nl, err);

	if (r == 0)
		r = kr_nl_vf_apply(nl, pf, want, fields, err);
	kr_nl_close(nl);
	return r;
}

static int svc_vf_defaults(const char *pf, uint32_t vf, struct kr_err *err)
{
	struct kr_nl *nl = NULL;
	int r = kr_nl_open(-1, &nl, err);

	if (r == 0)
		r = kr_nl_vf_defaults(nl, pf, vf, err);
	kr_nl_close(nl);
	return r;
}

/* ABI 1.0's rate-only views of the same requests. */
static int svc_vf_rates(const char *pf, uint32_t *mins, uint32_t *maxs,
			uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	struct kr_vf_state *vfs = calloc(max ? max : 1, sizeof(*vfs));
	uint32_t i;
	int r;

	if (!vfs)
		return kr_err_set(err, -ENOMEM, "out of memory");
	memset(mins, 0, max * sizeof(*mins));
	memset(maxs, 0, max * sizeof(*maxs));
	r = svc_vf_query(pf, vfs, max, ret_count, err);
	for (i = 0; r == 0 && i < max && i < *ret_count; i++)
		if (vfs[i].vf < max) {
			mins[vfs[i].vf] = vfs[i].min_tx_rate;
			maxs[vfs[i].vf] = vfs[i].max_tx_rate;
		}
	free(vfs);
	return r;
}

static int svc_vf_set_rate(const char *pf, uint32_t vf, uint32_t min,
			   uint32_t max, struct kr_err *err)
{
	struct kr_vf_state want = { .vf = vf, .min_tx_rate = min,
				    .max_tx_rate = max };

	return svc_vf_apply(pf, &want, KR_VF_RATE, err);
}

/*
 * A backend built for another major exports another entry name; look for
 * one so the message can name both versions.
 */
static int find_other_major(void *dl)
{
	char sym[64];
	int major;

	for (major = 0; major < 100; major++) {
		if (major == KR_BACKEND_ABI_MAJOR)
			continue;
		snprintf(sym, sizeof(sym), "kr_backend_entry_v%d", major);
		if (dlsym(dl, sym))
			return major;
	}
	return -1;
}

/* What every backend supplies: the operations marked REQUIRED. */
#define REQUIRED_OP(op) { offsetof(struct kr_backend_ops, op), #op }
static const struct {
	size_t offset;
	const char *name;
} required_ops[] = {
	REQUIRED_OP(probe),	    REQUIRED_OP(pf_open),
	REQUIRED_OP(pf_close),	    REQUIRED_OP(pf_query_caps),
	REQUIRED_OP(pf_get_num_vfs), REQUIRED_OP(vf_list),
	REQUIRED_OP(vf_set_rate),   REQUIRED_OP(vf_reset),
};

static int check_table(const char *path, const char *name,
		       const struct kr_backend_ops *ops, struct kr_err *err)
{
	size_t i;

	if (!ops)
		return kr_err_set(err, -EPROTO,
				  "%s: entry function returned no table", path);
	if (ops->abi_major != KR_BACKEND_ABI_MAJOR)
		return kr_err_set(err, -EPROTO,
				  "%s: backend ABI %u.%u, kube-rdma has ABI "
				  "%u.%u (majors differ)",
				  path, ops->abi_major, ops->abi_minor,
				  KR_BACKEND_ABI_MAJOR, KR_BACKEND_ABI_MINOR);
	if (ops->abi_minor > KR_BACKEND_ABI_MINOR)
		return kr_err_set(err, -EPROTO,
				  "%s: backend needs ABI %u.%u, kube-rdma has "
				  "ABI %u.%u (update kube-rdma)",
				  path, ops->abi_major, ops->abi_minor,
				  KR_BACKEND_ABI_MAJOR, KR_BACKEND_ABI_MINOR);
	if (ops->struct_size < KR_BACKEND_OPS_SIZE_V1_0)
		return kr_err_set(err, -EPROTO,
				  "%s: operations table too short: %u bytes "
				  "for backend ABI %u.%u, kube-rdma ABI %u.%u "
				  "needs at least %zu (ABI 1.0)",
				  path, ops->struct_size, ops->abi_major,
				  ops->abi_minor, KR_BACKEND_ABI_MAJOR,
				  KR_BACKEND_ABI_MINOR,
				  (size_t)KR_BACKEND_OPS_SIZE_V1_0);
	if (!ops->name || strcmp(ops->name, name) != 0)
		return kr_err_set(err, -EINVAL,
				  "%s: backend calls itself \"%s\", expected "
				  "\"%s\" from the file name",
				  path, ops->name ? ops->name : "(null)", name);
	for (i = 0; i < KR_ARRAY_SIZE(required_ops); i++) {
		void *fn;

		memcpy(&fn, (const char *)ops + required_ops[i].offset,
		       sizeof(fn));
		if (!fn)
			return kr_err_set(err, -EINVAL,
					  "%s: required operation %s is "
					  "missing (backend.h, REQUIRED)",
					  path, required_ops[i].name);
	}
	return 0;
}

/* Which capability needs which operation. */
#define CAP_OP(cap, op) { cap, #cap, offsetof(struct kr_backend_ops, op), #op }
static const struct {
	uint32_t cap;
	const char *cap_name;
	size_t op_offset;
	const char *op_name;
} cap_ops[] = {
	CAP_OP(KR_CAP_VF_COUNT, pf_set_num_vfs),
	CAP_OP(KR_CAP_VF_RATE_MAX, vf_set_rate),
	CAP_OP(KR_CAP_VF_RATE_MIN, vf_set_rate),
	CAP_OP(KR_CAP_VF_MAC, vf_set_mac),
	CAP_OP(KR_CAP_VF_TRUST, vf_set_trust),
	CAP_OP(KR_CAP_VF_SPOOFCHK, vf_set_spoofchk),
	CAP_OP(KR_CAP_VF_VLAN, vf_set_vlan),
	CAP_OP(KR_CAP_VF_GUID, vf_set_guid),
	CAP_OP(KR_CAP_VF_RDMA_DEVICE, vf_get_rdma),
};

static int op_present(const struct kr_backend_ops *ops, size_t offset)
{
	void *fn;

	memcpy(&fn, (const char *)ops + offset, sizeof(fn));
	return fn != NULL;
}

static uint32_t supplied_caps(const struct kr_backend_ops *ops)
{
	uint32_t caps = 0;
	size_t i;

	for (i = 0; i < sizeof(cap_ops) / sizeof(cap_ops[0]); i++)
		if (op_present(ops, cap_ops[i].op_offset))
			caps |= cap_ops[i].cap;
	return caps;
}

int kr_backend_check_caps(const struct kr_backend *be, uint32_t caps,
			  struct kr_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(cap_ops) / sizeof(cap_ops[0]); i++)
		if ((caps & cap_ops[i].cap) &&
		    !(be->supported_caps & cap_ops[i].cap))
			return kr_err_set(err, -EPROTO,
					  "%s: advertises %s but has no %s "
					  "operation", be->path,
					  cap_ops[i].cap_name,
					  cap_ops[i].op_name);
	return 0;
}

int kr_backend_load(const char *dir, const char *name, const char *sysfs_root,
		    const char *state_dir, struct kr_backend **ret,
		    struct kr_err *err)
{
	const struct kr_backend_ops *ops = NULL;
	kr_backend_entry_fn entry;
	struct kr_backend *be;
	int flags = RTLD_NOW | RTLD_LOCAL;
	size_t copy;
	int major, r;

	if (!kr_backend_name_valid(name))
		return kr_err_set(err, -EINVAL,
				  "backend name \"%s\" is not valid (lower-case "
				  "letters, digits, '-' and '_')", name);
	be = calloc(1, sizeof(*be));
	if (!be)
		return kr_err_set(err, -ENOMEM, "out of memory");
	be->name = strdup(name);
	if (!be->name || asprintf(&be->path, "%s/%s.so", dir, name) < 0) {
		be->path = NULL;
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	if (access(be->path, F_OK) < 0) {
		r = kr_err_set(err, -ENOENT,
			       "backend \"%s\": no such file %s (check "
			       "backend_dir in [node])", name, be->path);
		goto out_free;
	}
#ifdef KR_SANITIZE
	/* Keep symbols for leak reports after unload. */
	flags |= RTLD_NODELETE;
#endif
	be->dl = dlopen(be->path, flags);
	if (!be->dl) {
		r = kr_err_set(err, -ELIBBAD,
			       "%s: cannot load: %s (ldd shows missing "
			       "libraries)", be->path, dlerror());
		goto out_free;
	}
	*(void **)&entry = dlsym(be->dl, KR_BACKEND_ENTRY_NAME);
	if (!entry) {
		major = find_other_major(be->dl);
		if (major >= 0)
			r = kr_err_set(err, -EPROTO,
				       "%s: built for backend ABI %d, kube-rdma "
				       "has ABI %u.%u (majors differ)",
				       be->path, major, KR_BACKEND_ABI_MAJOR,
				       KR_BACKEND_ABI_MINOR);
		else
			r = kr_err_set(err, -ELIBBAD,
				       "%s: no entry symbol %s: not a kube-rdma "
				       "backend", be->path,
				       KR_BACKEND_ENTRY_NAME);
		goto out_close;
	}

	be->svc.size = sizeof(be->svc);
	be->svc.abi_major = KR_BACKEND_ABI_MAJOR;
	be->svc.abi_minor = KR_BACKEND_ABI_MINOR;
	be->svc.log = kr_log;
	be->svc.err_set = svc_err_set;
	be->svc.write_file_atomic = kr_write_file_atomic;
	be->svc.mkdir_p = kr_mkdir_p;
	be->svc.stale_temps_remove = kr_stale_temps_remove;
	be->svc.sysfs_root = sysfs_root;
	/* the test build's fake kernels go with a fake tree */
	kr_nl_use_sysfs_root(sysfs_root);
	be->svc.sysfs_read = kr_sysfs_read;
	be->svc.sysfs_read_int = kr_sysfs_read_int;
	be->svc.sysfs_write = kr_sysfs_write;
	be->svc.sysfs_link_name = kr_sysfs_link_name;
	be->svc.sysfs_exists = kr_sysfs_exists;
	be->svc.sysfs_first_entry = kr_sysfs_first_entry;
	be->svc.vf_rates = svc_vf_rates;
	be->svc.vf_set_rate = svc_vf_set_rate;
	be->svc.vf_query = svc_vf_query;
	be->svc.vf_apply = svc_vf_apply;
	be->svc.vf_defaults = svc_vf_defaults;
	be->svc.state_dir = state_dir;

	r = entry(&be->svc, &ops);
	if (r < 0) {
		if (r < -4095)
			r = -EPROTO;
		kr_err_prefix(err, "%s: entry function failed", be->path);
		err->code = r;
		goto out_close;
	}
	r = check_table(be->path, name, ops, err);
	if (r < 0)
		goto out_close;

	/* Members beyond the backend's struct_size stay NULL -> stubs. */
	copy = ops->struct_size < sizeof(be->ops) ? ops->struct_size
						  : sizeof(be->ops);
	memcpy(&be->ops, ops, copy);
	be->supported_caps = supplied_caps(&be->ops);
	kr_backend_fill_stubs(&be->ops);

	kr_err_clear(err);
	r = be->ops.init(&be->svc, &be->ctx, err);
	if (r < 0) {
		kr_err_prefix(err, "%s: init failed", be->path);
		err->code = r;
		goto out_close;
	}
	kr_log(KR_LOG_DEBUG, "loaded backend %s (ABI %u.%u) from %s", name,
	       ops->abi_major, ops->abi_minor, be->path);
	*ret = be;
	return 0;

out_close:
	dlclose(be->dl);
out_free:
	free(be->path);
	free(be->name);
	free(be);
	return r;
}

void kr_backend_unload(struct kr_backend *be)
{
	if (!be)
		return;
	be->ops.fini(be->ctx);
	dlclose(be->dl);
	free(be->path);
	free(be->name);
	free(be);
}
