/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A backend with one flaw, chosen by a KR_BAD_* define (see
 * CMakeLists.txt).  KR_BAD_NONE is a correct minimal backend: it supplies
 * the required operations and pf_set_num_vfs, so every other operation
 * must reach the core's stubs; KR_BAD_MISSING_OP lacks a required one.
 */
#include <stdlib.h>
#include <string.h>

#include "kube-rdma/backend.h"

struct kr_backend_pf {
	int unused;
};

static const struct kr_backend_services *services;

#ifdef KR_BAD_INIT_FAILS
static int bad_init(const struct kr_backend_services *svc,
		    struct kr_backend_ctx **ret_ctx, struct kr_err *err)
{
	return svc->err_set(err, -EIO, "firmware said no");
}
#endif

static int bad_probe(struct kr_backend_ctx *ctx, const struct kr_pf_desc *pf,
		     int *ret_score, struct kr_err *err)
{
	*ret_score = 1;
	return 0;
}

static int bad_pf_open(struct kr_backend_ctx *ctx, const struct kr_pf_desc *pf,
		       struct kr_backend_pf **ret_pf, struct kr_err *err)
{
	*ret_pf = calloc(1, sizeof(**ret_pf));
	return *ret_pf ? 0 : -ENOMEM;
}

static void bad_pf_close(struct kr_backend_pf *pf)
{
	free(pf);
}

static int bad_pf_query_caps(struct kr_backend_pf *pf, struct kr_pf_caps *caps,
			     struct kr_err *err)
{
	caps->caps = KR_CAP_VF_COUNT;
#ifdef KR_BAD_CAP_WITHOUT_OP
	caps->caps |= KR_CAP_VF_MAC;
#endif
	caps->total_vfs = 4;
	caps->link_speed_mbps = 1000;
	return 0;
}

static int bad_pf_set_num_vfs(struct kr_backend_pf *pf, uint32_t num,
			      struct kr_err *err)
{
	return services->err_set(err, -EIO, "no hardware");
}

static int bad_pf_get_num_vfs(struct kr_backend_pf *pf, uint32_t *ret_num,
			      struct kr_err *err)
{
	*ret_num = 0;
	return 0;
}

#ifndef KR_BAD_MISSING_OP
static int bad_vf_list(struct kr_backend_pf *pf, struct kr_vf_info *vfs,
		       uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	*ret_count = 0;
	return 0;
}
#endif

static int bad_vf_set_rate(struct kr_backend_pf *pf, uint32_t vf,
			   uint32_t min_tx_rate, uint32_t max_tx_rate,
			   struct kr_err *err)
{
	return services->err_set(err, -ENODEV, "no VF %u", vf);
}

static int bad_vf_reset(struct kr_backend_pf *pf, uint32_t vf,
			struct kr_err *err)
{
	return services->err_set(err, -ENODEV, "no VF %u", vf);
}

static const struct kr_backend_ops bad_ops = {
#if defined(KR_BAD_WRONG_MAJOR)
	.abi_major = KR_BACKEND_ABI_MAJOR + 1,
#else
	.abi_major = KR_BACKEND_ABI_MAJOR,
#endif
#if defined(KR_BAD_NEWER_MINOR)
	.abi_minor = KR_BACKEND_ABI_MINOR + 1,
#else
	.abi_minor = KR_BACKEND_ABI_MINOR,
#endif
#if defined(KR_BAD_SHORT_TABLE)
	.struct_size = offsetof(struct kr_backend_ops, vf_list),
#else
	.struct_size = sizeof(struct kr_backend_ops),
#endif
#if defined(KR_BAD_MISNAMED)
	.name = "somebody-else",
#else
	.name = BAD_NAME,
#endif
#ifdef KR_BAD_INIT_FAILS
	.init = bad_init,
#endif
	.probe = bad_probe,
	.pf_open = bad_pf_open,
	.pf_close = bad_pf_close,
	.pf_query_caps = bad_pf_query_caps,
	.pf_get_num_vfs = bad_pf_get_num_vfs,
	.pf_set_num_vfs = bad_pf_set_num_vfs,
#ifndef KR_BAD_MISSING_OP
	.vf_list = bad_vf_list,
#endif
	.vf_set_rate = bad_vf_set_rate,
	.vf_reset = bad_vf_reset,
};

#if defined(KR_BAD_MISSING_SYMBOL)
#define ENTRY some_other_function
#elif defined(KR_BAD_OTHER_MAJOR_SYMBOL)
#define ENTRY kr_backend_entry_v2
#else
#define ENTRY KR_BACKEND_ENTRY
#endif

#if defined(KR_BAD_MISSING_SYMBOL) || defined(KR_BAD_OTHER_MAJOR_SYMBOL)
int ENTRY(const struct kr_backend_services *svc,
	  const struct kr_backend_ops **ret_ops);
#endif

__attribute__((visibility("default"))) int
ENTRY(const struct kr_backend_services *svc,
      const struct kr_backend_ops **ret_ops)
{
#ifdef KR_BAD_ENTRY_FAILS
	return svc->err_set(NULL, -EPROTO, "unused");
#endif
	services = svc;
	*ret_ops = &bad_ops;
	return 0;
}
