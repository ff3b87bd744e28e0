/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic-sriov backend: any PF whose device has sriov_totalvfs, with
 * what the kernel documents for every SR-IOV driver (backends/sriov).  It
 * knows nothing of the vendor, so it claims a PF with the lowest score:
 * a vendor backend that also claims it wins.  Options: those of
 * backends/sriov/sriov_pf.h (min_rate, vf_timeout_ms).
 */
#include <errno.h>
#include <stdlib.h>

#include "kube-rdma/backend.h"
#include "../sriov/sriov_pf.h"

static const char *const gsriov_options[] = { KR_SRIOV_OPTIONS, NULL };

struct kr_backend_pf {
	struct kr_sriov_pf sriov;
};

static int gsriov_probe(struct kr_backend_ctx *ctx,
			const struct kr_pf_desc *d, int *ret_score,
			struct kr_err *err)
{
	int r = kr_sriov_probe(ctx->svc, d->name, err);

	if (r == 0)
		*ret_score = 1;	/* any SR-IOV PF; vendor backends score more */
	return r;
}

static int gsriov_pf_open(struct kr_backend_ctx *ctx,
			  const struct kr_pf_desc *d,
			  struct kr_backend_pf **ret_pf, struct kr_err *err)
{
	struct kr_backend_pf *pf = calloc(1, sizeof(*pf));
	int r;

	if (!pf)
		return ctx->svc->err_set(err, -ENOMEM, "out of memory");
	r = kr_sriov_open(ctx->svc, d, &pf->sriov, NULL, NULL, err);
	if (r < 0) {
		free(pf);
		return r;
	}
	*ret_pf = pf;
	return 0;
}

static void gsriov_pf_close(struct kr_backend_pf *pf)
{
	free(pf);
}

static int gsriov_query_caps(struct kr_backend_pf *pf, struct kr_pf_caps *caps,
			     struct kr_err *err)
{
	return kr_sriov_query_caps(&pf->sriov, caps, err);
}

static int gsriov_get_num_vfs(struct kr_backend_pf *pf, uint32_t *ret_num,
			      struct kr_err *err)
{
	return kr_sriov_get_num_vfs(&pf->sriov, ret_num, err);
}

static int gsriov_set_num_vfs(struct kr_backend_pf *pf, uint32_t num,
			      struct kr_err *err)
{
	return kr_sriov_set_num_vfs(&pf->sriov, num, err);
}

static int gsriov_vf_list(struct kr_backend_pf *pf, struct kr_vf_info *vfs,
			  uint32_t max, uint32_t *ret_count,
			  struct kr_err *err)
{
	return kr_sriov_vf_list(&pf->sriov, vfs, max, ret_count, err);
}

static int gsriov_vf_set_rate(struct kr_backend_pf *pf, uint32_t vf,
			      uint32_t min, uint32_t max, struct kr_err *err)
{
	return kr_sriov_vf_set_rate(&pf->sriov, vf, min, max, err);
}

static int gsriov_vf_reset(struct kr_backend_pf *pf, uint32_t vf,
			   struct kr_err *err)
{
	return kr_sriov_vf_reset(&pf->sriov, vf, err);
}

static const struct kr_backend_ops gsriov_ops = {
	.abi_major = KR_BACKEND_ABI_MAJOR,
	.abi_minor = KR_BACKEND_ABI_MINOR,
	.struct_size = sizeof(struct kr_backend_ops),
	.name = "generic-sriov",
	.description = "any SR-IOV NIC, through sysfs and rtnetlink",
	.pf_options = gsriov_options,
	.init = kr_sriov_init,
	.fini = kr_sriov_fini,
	.probe = gsriov_probe,
	.pf_open = gsriov_pf_open,
	.pf_check_options = kr_sriov_check_options,
	.pf_close = gsriov_pf_close,
	.pf_query_caps = gsriov_query_caps,
	.pf_get_num_vfs = gsriov_get_num_vfs,
	.pf_set_num_vfs = gsriov_set_num_vfs,
	.vf_list = gsriov_vf_list,
	.vf_set_rate = gsriov_vf_set_rate,
	.vf_reset = gsriov_vf_reset,
};

/* the one exported symbol (its prototype is backend.h's) */
__attribute__((visibility("default"))) int
KR_BACKEND_ENTRY(const struct kr_backend_services *svc,
		 const struct kr_backend_ops **ret_ops)
{
	if (!kr_sriov_services_ok(svc))
		return -EPROTO;
	*ret_ops = &gsriov_ops;
	return 0;
}
