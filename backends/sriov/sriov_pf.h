/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every SR-IOV backend does the same way, from the kernel's documented
 * interfaces only (sysfs for the VF count and the VFs, rtnetlink on the PF
 * for their settings), all through the services table: a static library
 * linked into generic-sriov and mlx5, as rdma-core's providers share util/.
 * VFs are identified by their PCI address (virtfnN), never by the first
 * name their netdev had.
 *
 * Options every SR-IOV backend accepts in [pf "NAME"]:
 *   min_rate = no            whether the driver honours min_tx_rate (many
 *                            Intel drivers refuse it); the scheduler only
 *                            promises reservations where this is yes
 *   vf_timeout_ms = 30000    how long new VFs may take to appear
 */
#ifndef KR_SRIOV_PF_H
#define KR_SRIOV_PF_H

#include "kube-rdma/backend.h"

/* The option keys above, for a backend's pf_options (NULL-terminated). */
#define KR_SRIOV_OPTIONS "min_rate", "vf_timeout_ms"

/* A backend built on this layer needs nothing per process but the
 * services: this is its context, made by kr_sriov_init. */
struct kr_backend_ctx {
	const struct kr_backend_services *svc;
};

/* The backend ops init and fini for such a backend. */
int kr_sriov_init(const struct kr_backend_services *svc,
		  struct kr_backend_ctx **ret_ctx, struct kr_err *err);
void kr_sriov_fini(struct kr_backend_ctx *ctx);

struct kr_sriov_pf {
	const struct kr_backend_services *svc;
	char name[KR_IFNAMSIZ];
	int min_rate;			/* min_rate = yes */
	long timeout_ms;		/* vf_timeout_ms */
};

/*
 * The PF's netdev exists and has SR-IOV (sriov_totalvfs): 0, or -ENODEV /
 * -EOPNOTSUPP with the reason.
 */
int kr_sriov_probe(const struct kr_backend_services *svc, const char *name,
		   struct kr_err *err);

/*
 * Set up 'pf' from the PF description.  An option this layer knows is
 * parsed; for any other, 'other' (may be NULL) is called and returns 1 when
 * it took the option, 0 when not, or a negative errno with err set.
 */
int kr_sriov_open(const struct kr_backend_services *svc,
		  const struct kr_pf_desc *d, struct kr_sriov_pf *pf,
		  int (*other)(void *arg, const struct kr_option *o,
			       struct kr_err *err),
		  void *arg, struct kr_err *err);

/* The pf_check_options op of such a backend: kr_sriov_open's parsing of
 * the options, on a PF that is not kept. */
int kr_sriov_check_options(struct kr_backend_ctx *ctx,
			   const struct kr_pf_desc *d, struct kr_err *err);

/* "class/net/PF/<tail>" into buf. */
const char *kr_sriov_path(const struct kr_sriov_pf *pf, const char *tail,
			  char *buf, size_t size);

/* The backend ops of the same names, for a PF opened above. */
int kr_sriov_query_caps(struct kr_sriov_pf *pf, struct kr_pf_caps *caps,
			struct kr_err *err);
int kr_sriov_get_num_vfs(struct kr_sriov_pf *pf, uint32_t *ret_num,
			 struct kr_err *err);
int kr_sriov_set_num_vfs(struct kr_sriov_pf *pf, uint32_t num,
			 struct kr_err *err);
int kr_sriov_vf_list(struct kr_sriov_pf *pf, struct kr_vf_info *vfs,
		     uint32_t max, uint32_t *ret_count, struct kr_err *err);
int kr_sriov_vf_set_rate(struct kr_sriov_pf *pf, uint32_t vf, uint32_t min,
			 uint32_t max, struct kr_err *err);
int kr_sriov_vf_reset(struct kr_sriov_pf *pf, uint32_t vf, struct kr_err *err);

/* The services a backend built on this layer needs (ABI 1.1). */
int kr_sriov_services_ok(const struct kr_backend_services *svc);

#endif
