/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One stub per operation, answering -EOPNOTSUPP (the idea of rdma-core's
 * dummy_ops.c).  Adding an operation to backend.h means adding its stub
 * here; the loader test checks that none is left NULL.
 */
#include "backend_loader.h"
#include "err.h"

#define STUB_FAIL(err, op) \
	kr_err_set(err, -EOPNOTSUPP, "operation %s not supported", op)

static int stub_probe(struct kr_backend_ctx *ctx, const struct kr_pf_desc *pf,
		      int *ret_score, struct kr_err *err)
{
	return STUB_FAIL(err, "probe");
}

static int stub_pf_open(struct kr_backend_ctx *ctx,
			const struct kr_pf_desc *pf,
			struct kr_backend_pf **ret_pf, struct kr_err *err)
{
	return STUB_FAIL(err, "pf_open");
}

static int stub_init(const struct kr_backend_services *svc,
		     struct kr_backend_ctx **ret_ctx, struct kr_err *err)
{
	*ret_ctx = NULL;
	return 0;
}

static void stub_fini(struct kr_backend_ctx *ctx)
{
}

static void stub_pf_close(struct kr_backend_pf *pf)
{
}

static int stub_pf_query_caps(struct kr_backend_pf *pf,
			      struct kr_pf_caps *caps, struct kr_err *err)
{
	return STUB_FAIL(err, "pf_query_caps");
}

static int stub_pf_get_num_vfs(struct kr_backend_pf *pf, uint32_t *ret_num,
			       struct kr_err *err)
{
	return STUB_FAIL(err, "pf_get_num_vfs");
}

static int stub_pf_set_num_vfs(struct kr_backend_pf *pf, uint32_t num,
			       struct kr_err *err)
{
	return STUB_FAIL(err, "pf_set_num_vfs");
}

static int stub_vf_list(struct kr_backend_pf *pf, struct kr_vf_info *vfs,
			uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	return STUB_FAIL(err, "vf_list");
}

static int stub_vf_set_rate(struct kr_backend_pf *pf, uint32_t vf,
			    uint32_t min_tx_rate, uint32_t max_tx_rate,
			    struct kr_err *err)
{
	return STUB_FAIL(err, "vf_set_rate");
}

static int stub_vf_reset(struct kr_backend_pf *pf, uint32_t vf,
			 struct kr_err *err)
{
	return STUB_FAIL(err, "vf_reset");
}

static int stub_vf_set_mac(struct kr_backend_pf *pf, uint32_t vf,
			   const uint8_t mac[6], struct kr_err *err)
{
	return STUB_FAIL(err, "vf_set_mac");
}

static int stub_vf_set_trust(struct kr_backend_pf *pf, uint32_t vf, int on,
			     struct kr_err *err)
{
	return STUB_FAIL(err, "vf_set_trust");
}

static int stub_vf_set_spoofchk(struct kr_backend_pf *pf, uint32_t vf, int on,
				struct kr_err *err)
{
	return STUB_FAIL(err, "vf_set_spoofchk");
}

static int stub_vf_set_vlan(struct kr_backend_pf *pf, uint32_t vf,
			    uint16_t vlan, uint8_t qos, struct kr_err *err)
{
	return STUB_FAIL(err, "vf_set_vlan");
}

static int stub_vf_set_guid(struct kr_backend_pf *pf, uint32_t vf,
			    uint64_t node_guid, uint64_t port_guid,
			    struct kr_err *err)
{
	return STUB_FAIL(err, "vf_set_guid");
}

static int stub_vf_get_rdma(struct kr_backend_pf *pf, uint32_t vf,
			    struct kr_vf_rdma *rdma, struct kr_err *err)
{
	return STUB_FAIL(err, "vf_get_rdma");
}

/* Nothing to check beyond the option names, which the core checks. */
static int stub_pf_check_options(struct kr_backend_ctx *ctx,
				 const struct kr_pf_desc *pf,
				 struct kr_err *err)
{
	return 0;
}

#define FILL(op)                          \
	do {                              \
		if (!ops->op)             \
			ops->op = stub_##op; \
	} while (0)

void kr_backend_fill_stubs(struct kr_backend_ops *ops)
{
	FILL(init);
	FILL(fini);
	FILL(probe);
	FILL(pf_open);
	FILL(pf_close);
	FILL(pf_query_caps);
	FILL(pf_get_num_vfs);
	FILL(pf_set_num_vfs);
	FILL(vf_list);
	FILL(vf_set_rate);
	FILL(vf_reset);
	FILL(vf_set_mac);
	FILL(vf_set_trust);
	FILL(vf_set_spoofchk);
	FILL(vf_set_vlan);
	FILL(vf_set_guid);
	FILL(vf_get_rdma);
	FILL(pf_check_options);
}
