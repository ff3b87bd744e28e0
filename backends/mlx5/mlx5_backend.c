/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mlx5 backend: PFs of Mellanox/NVIDIA ConnectX NICs driven by
 * mlx5_core.  Everything generic-sriov does (backends/sriov), plus:
 *   - the capacity from the RDMA port (active speed x width) when the PF
 *     has an RDMA device, so InfiniBand PFs, whose netdev has no speed,
 *     are counted right;
 *   - min_tx_rate honoured by default (mlx5 e-switch QoS); min_rate = no
 *     turns it off for firmware that lacks it;
 *   - each VF's RDMA device and character devices (vf_get_rdma);
 *   - InfiniBand VF GUIDs (vf_set_guid, with the rebind they need), and
 *     non-zero GUIDs for every new VF of an InfiniBand PF, which mlx5
 *     creates with all-zero GUIDs that rdma_cm cannot use.
 * Options: those of backends/sriov/sriov_pf.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlx5.h"

static const char *const mlx5_options[] = { KR_SRIOV_OPTIONS, NULL };

static int pf_pci(const struct kr_backend_services *svc, const char *name,
		  char *pci, struct kr_err *err)
{
	char rel[96];

	snprintf(rel, sizeof(rel), "class/net/%s/device", name);
	return svc->sysfs_link_name(svc->sysfs_root, rel, pci,
				    KR_PCI_ADDR_SIZE, err);
}

static int mlx5_probe(struct kr_backend_ctx *ctx, const struct kr_pf_desc *d,
		      int *ret_score, struct kr_err *err)
{
	const struct kr_backend_services *svc = ctx->svc;
	char pci[KR_PCI_ADDR_SIZE];
	int r;

	r = kr_sriov_probe(svc, d->name, err);
	if (r == 0)
		r = pf_pci(svc, d->name, pci, err);
	if (r == 0)
		r = mlx5_pci_identify(svc, d->name, pci, NULL, 0, err);
	if (r == 0)
		*ret_score = 10;	/* above generic-sriov's 1 */
	return r;
}

static int mlx5_pf_open(struct kr_backend_ctx *ctx, const struct kr_pf_desc *d,
			struct kr_backend_pf **ret_pf, struct kr_err *err)
{
	const struct kr_backend_services *svc = ctx->svc;
	struct kr_backend_pf *pf = calloc(1, sizeof(*pf));
	char rel[96], what[256];
	long long type = 1;
	size_t i;
	int r;

	if (!pf)
		return svc->err_set(err, -ENOMEM, "out of memory");
	r = kr_sriov_open(svc, d, &pf->sriov, NULL, NULL, err);
	if (r == 0)
		r = pf_pci(svc, d->name, pf->pci, err);
	if (r == 0)
		r = mlx5_pci_identify(svc, d->name, pf->pci, what, sizeof(what),
				      err);
	if (r < 0) {
		free(pf);
		return r;
	}
	pf->sriov.min_rate = 1;
	for (i = 0; i < d->n_options; i++)
		if (!strcmp(d->options[i].key, "min_rate"))
			pf->sriov.min_rate = !strcmp(d->options[i].value, "yes");
	snprintf(rel, sizeof(rel), "class/net/%s/type", d->name);
	svc->sysfs_read_int(svc->sysfs_root, rel, &type, err);
	pf->infiniband = type == 32;
	if (mlx5_rdma_device(svc, pf->pci, pf->ibdev, sizeof(pf->ibdev),
			     err) < 0)
		pf->ibdev[0] = '\0';
	svc->log(KR_LOG_DEBUG, "mlx5: %s is %s at %s, RDMA device %s",
		 d->name, what, pf->pci, pf->ibdev[0] ? pf->ibdev : "none");
	*ret_pf = pf;
	return 0;
}

static void mlx5_pf_close(struct kr_backend_pf *pf)
{
	free(pf);
}

static int mlx5_query_caps(struct kr_backend_pf *pf, struct kr_pf_caps *caps,
			   struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	uint32_t port = 0;
	int r;

	r = kr_sriov_query_caps(&pf->sriov, caps, err);
	if (r < 0)
		return r;
	/* the RDMA port is what RDMA traffic gets; an IPoIB netdev
	 * reports no speed at all */
	if (pf->ibdev[0] &&
	    mlx5_rdma_port_mbps(svc, pf->ibdev, &port, err) == 0 && port) {
		caps->link_speed_mbps = port;
		caps->max_rate_mbps = port;
	}
	caps->caps |= KR_CAP_VF_RDMA_DEVICE;
	if (pf->infiniband)
		caps->caps |= KR_CAP_VF_GUID;
	return 0;
}

static int mlx5_get_num_vfs(struct kr_backend_pf *pf, uint32_t *ret_num,
			    struct kr_err *err)
{
	return kr_sriov_get_num_vfs(&pf->sriov, ret_num, err);
}

/* The PCI address of VF 'vf' (virtfnN). */
static int vf_pci(struct kr_backend_pf *pf, uint32_t vf,
		  char pci[KR_PCI_ADDR_SIZE], struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	char rel[128], tail[32];

	snprintf(tail, sizeof(tail), "device/virtfn%u", vf);
	return svc->sysfs_link_name(svc->sysfs_root,
				    kr_sriov_path(&pf->sriov, tail, rel,
						  sizeof(rel)),
				    pci, KR_PCI_ADDR_SIZE, err);
}

static int mlx5_vf_set_guid(struct kr_backend_pf *pf, uint32_t vf,
			    uint64_t node_guid, uint64_t port_guid,
			    struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	struct kr_vf_state want = { .vf = vf, .node_guid = node_guid,
				    .port_guid = port_guid };
	char pci[KR_PCI_ADDR_SIZE];
	int r;

	if (!pf->infiniband)
		return svc->err_set(err, -EOPNOTSUPP, "%s is not InfiniBand: "
				    "its VFs have no GUIDs to set",
				    pf->sriov.name);
	r = vf_pci(pf, vf, pci, err);
	if (r == 0)
		r = svc->vf_apply(pf->sriov.name, &want, KR_VF_GUIDS, err);
	/* mlx5 takes new GUIDs only when the VF's driver binds again */
	if (r == 0)
		r = mlx5_rebind(svc, pci, err);
	return r;
}

/*
 * GUIDs for VF 'vf' of a PF whose node GUID is 'pf_guid': locally
 * administered (0x02 in the top byte), the PF's low 40 bits (unique per
 * adapter and port), then the VF; the port GUID is the node GUID + 1.
 */
static uint64_t vf_node_guid(uint64_t pf_guid, uint32_t vf)
{
	return (0x02ULL << 56) | ((pf_guid & 0xffffffffffULL) << 16) |
	       ((uint64_t)(vf & 0x7fff) << 1);
}

static int pf_node_guid(struct kr_backend_pf *pf, uint64_t *ret,
			struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	char rel[128], text[64], hex[32];
	size_t i, n = 0;
	int r;

	snprintf(rel, sizeof(rel), "class/infiniband/%s/node_guid", pf->ibdev);
	r = svc->sysfs_read(svc->sysfs_root, rel, text, sizeof(text), err);
	if (r < 0)
		return r;
	for (i = 0; text[i] && n < sizeof(hex) - 1; i++)	/* "0c42:a103:..." */
		if (text[i] != ':')
			hex[n++] = text[i];
	hex[n] = '\0';
	*ret = strtoull(hex, NULL, 16);
	return 0;
}

/* Every VF of an InfiniBand PF still at GUID 0 gets its own. */
static int assign_guids(struct kr_backend_pf *pf, uint32_t num,
			struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	struct kr_vf_state *states = calloc(num, sizeof(*states));
	uint32_t listed = 0, i;
	uint64_t base = 0;
	int r;

	if (!states)
		return svc->err_set(err, -ENOMEM, "out of memory");
	r = pf_node_guid(pf, &base, err);
	if (r == 0)
		r = svc->vf_query(pf->sriov.name, states, num, &listed, err);
	for (i = 0; r == 0 && i < listed && i < num; i++) {
		uint64_t node = vf_node_guid(base, states[i].vf);

		if (states[i].node_guid && states[i].port_guid)
			continue;
		r = mlx5_vf_set_guid(pf, states[i].vf, node, node + 1, err);
	}
	free(states);
	return r;
}

static int mlx5_set_num_vfs(struct kr_backend_pf *pf, uint32_t num,
			    struct kr_err *err)
{
	int r = kr_sriov_set_num_vfs(&pf->sriov, num, err);

	if (r == 0 && num && pf->infiniband && pf->ibdev[0])
		r = assign_guids(pf, num, err);
	return r;
}

static int mlx5_vf_list(struct kr_backend_pf *pf, struct kr_vf_info *vfs,
			uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	uint32_t i;
	int r;

	r = kr_sriov_vf_list(&pf->sriov, vfs, max, ret_count, err);
	for (i = 0; r == 0 && i < *ret_count && i < max; i++)
		/* none here when the RDMA device moved with its pod
		 * (exclusive RDMA namespace mode) */
		if (vfs[i].pci[0] &&
		    mlx5_rdma_device(svc, vfs[i].pci, vfs[i].rdma_device,
				     sizeof(vfs[i].rdma_device), err) < 0)
			vfs[i].rdma_device[0] = '\0';
	return r;
}

static int mlx5_vf_set_rate(struct kr_backend_pf *pf, uint32_t vf,
			    uint32_t min, uint32_t max, struct kr_err *err)
{
	return kr_sriov_vf_set_rate(&pf->sriov, vf, min, max, err);
}

static int mlx5_vf_reset(struct kr_backend_pf *pf, uint32_t vf,
			 struct kr_err *err)
{
	return kr_sriov_vf_reset(&pf->sriov, vf, err);
}

static int mlx5_vf_get_rdma(struct kr_backend_pf *pf, uint32_t vf,
			    struct kr_vf_rdma *rdma, struct kr_err *err)
{
	char pci[KR_PCI_ADDR_SIZE];
	int r = vf_pci(pf, vf, pci, err);

	return r < 0 ? r : mlx5_rdma_vf(pf, vf, pci, rdma, err);
}

static const struct kr_backend_ops mlx5_ops = {
	.abi_major = KR_BACKEND_ABI_MAJOR,
	.abi_minor = KR_BACKEND_ABI_MINOR,
	.struct_size = sizeof(struct kr_backend_ops),
	.name = "mlx5",
	.description = "NVIDIA/Mellanox ConnectX (mlx5_core): SR-IOV and RDMA",
	.pf_options = mlx5_options,
	.init = kr_sriov_init,
	.fini = kr_sriov_fini,
	.probe = mlx5_probe,
	.pf_open = mlx5_pf_open,
	.pf_check_options = kr_sriov_check_options,
	.pf_close = mlx5_pf_close,
	.pf_query_caps = mlx5_query_caps,
	.pf_get_num_vfs = mlx5_get_num_vfs,
	.pf_set_num_vfs = mlx5_set_num_vfs,
	.vf_list = mlx5_vf_list,
	.vf_set_rate = mlx5_vf_set_rate,
	.vf_reset = mlx5_vf_reset,
	.vf_set_guid = mlx5_vf_set_guid,
	.vf_get_rdma = mlx5_vf_get_rdma,
};

/* the one exported symbol (its prototype is backend.h's) */
__attribute__((visibility("default"))) int
KR_BACKEND_ENTRY(const struct kr_backend_services *svc,
		 const struct kr_backend_ops **ret_ops)
{
	if (!kr_sriov_services_ok(svc))
		return -EPROTO;
	*ret_ops = &mlx5_ops;
	return 0;
}
