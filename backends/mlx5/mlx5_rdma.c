/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RDMA side of mlx5 functions: which RDMA device a PCI function has,
 * its character devices, its port's rate (rdma-core's ibv_query_port, or
 * the kernel's sysfs rendering of it when the device cannot be opened, as
 * in a container without /dev/infiniband), and the driver rebind that new
 * InfiniBand GUIDs need.
 */
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlx5.h"

int mlx5_rdma_device(const struct kr_backend_services *svc, const char *pci,
		     char *buf, size_t size, struct kr_err *err)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/infiniband", pci);
	return svc->sysfs_first_entry(svc->sysfs_root, rel, buf, size, err);
}

uint32_t mlx5_verbs_mbps(uint32_t active_speed, uint32_t active_width)
{
	uint32_t lane, lanes;

	/* per lane, by the InfiniBand spec's codes (ibv_port_attr's
	 * active_speed; newer rdma-core names them enum ibv_port_speed) */
	switch (active_speed) {
	case 1: lane = 2500; break;	/* SDR */
	case 2: lane = 5000; break;	/* DDR */
	case 4: lane = 10000; break;	/* QDR */
	case 8: lane = 10000; break;	/* FDR10 */
	case 16: lane = 14000; break;	/* FDR */
	case 32: lane = 25000; break;	/* EDR */
	case 64: lane = 50000; break;	/* HDR */
	case 128: lane = 100000; break;	/* NDR */
	default: return 0;
	}
	switch (active_width) {	/* IB_WIDTH_* */
	case 1: lanes = 1; break;
	case 2: lanes = 4; break;
	case 4: lanes = 8; break;
	case 8: lanes = 12; break;
	case 16: lanes = 2; break;
	default: return 0;
	}
	return lane * lanes;
}

int mlx5_rate_text_mbps(const char *text, uint32_t *ret)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || v < 0 || v > 1e6)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (!strncmp(end, "Gb/sec", 6))
		v *= 1000;
	else if (!strncmp(end, "Tb/sec", 6))
		v *= 1000000;
	else if (strncmp(end, "Mb/sec", 6))
		return -EINVAL;
	*ret = (uint32_t)(v + 0.5);
	return 0;
}

/* ibv_query_port on the device, when this process can open it. */
static int verbs_port_mbps(const char *ibdev, uint32_t *ret)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	struct ibv_port_attr attr;
	int i, r = -ENODEV;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), ibdev)) {
			ctx = ibv_open_device(list[i]);
			break;
		}
	if (ctx && ibv_query_port(ctx, 1, &attr) == 0) {
		*ret = attr.state == IBV_PORT_ACTIVE
			       ? mlx5_verbs_mbps(attr.active_speed,
						 attr.active_width)
			       : 0;
		r = 0;
	}
	if (ctx)
		ibv_close_device(ctx);
	if (list)
		ibv_free_device_list(list);
	return r;
}

int mlx5_rdma_port_mbps(const struct kr_backend_services *svc,
			const char *ibdev, uint32_t *ret, struct kr_err *err)
{
	char rel[160], text[64];
	int r;

	if (verbs_port_mbps(ibdev, ret) == 0)
		return 0;
	snprintf(rel, sizeof(rel), "class/infiniband/%s/ports/1/state", ibdev);
	r = svc->sysfs_read(svc->sysfs_root, rel, text, sizeof(text), err);
	if (r < 0)
		return r;
	if (atoi(text) != IBV_PORT_ACTIVE) {	/* "4: ACTIVE" */
		*ret = 0;
		return 0;
	}
	snprintf(rel, sizeof(rel), "class/infiniband/%s/ports/1/rate", ibdev);
	r = svc->sysfs_read(svc->sysfs_root, rel, text, sizeof(text), err);
	if (r < 0)
		return r;
	if (mlx5_rate_text_mbps(text, ret) < 0)
		return svc->err_set(err, -EINVAL, "%s: unparsable port rate "
				    "\"%s\"", ibdev, text);
	return 0;
}

/* Entries of bus/pci/devices/PCI/SUB (uverbsN, umadN, issmN) into 'out'. */
static void char_devices(const struct kr_backend_services *svc,
			 const char *pci, const char *sub,
			 struct kr_vf_rdma *out, size_t *n)
{
	char rel[128];
	struct kr_err ignored = { 0 };

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/%s", pci, sub);
	/* one character device of each kind per function */
	if (*n < 4 && svc->sysfs_first_entry(svc->sysfs_root, rel,
					     out->char_devices[*n],
					     sizeof(out->char_devices[0]),
					     &ignored) == 0)
		(*n)++;
}

int mlx5_rdma_vf(struct kr_backend_pf *pf, uint32_t vf, const char *pci,
		 struct kr_vf_rdma *rdma, struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->sriov.svc;
	struct kr_vf_state *states;
	uint32_t listed = 0, i;
	size_t n = 0;
	int r;

	size_t size = rdma->size < sizeof(*rdma) ? rdma->size : sizeof(*rdma);

	if (size < KR_VF_RDMA_SIZE_NO_GUIDS)
		return svc->err_set(err, -EINVAL, "struct kr_vf_rdma of %zu "
				    "bytes", size);
	/* nothing beyond the caller's size is ours to write */
	memset(rdma->device, 0, size - offsetof(struct kr_vf_rdma, device));
	r = mlx5_rdma_device(svc, pci, rdma->device, sizeof(rdma->device),
			     err);
	if (r < 0)
		return svc->err_set(err, -ENODEV, "%s VF %u (%s) has no RDMA "
				    "device here", pf->sriov.name, vf, pci);
	char_devices(svc, pci, "infiniband_verbs", rdma, &n);
	char_devices(svc, pci, "infiniband_mad", rdma, &n);
	if (!pf->infiniband || size < sizeof(*rdma))
		return 0;
	states = calloc(vf + 1, sizeof(*states));
	if (!states)
		return svc->err_set(err, -ENOMEM, "out of memory");
	r = svc->vf_query(pf->sriov.name, states, vf + 1, &listed, err);
	for (i = 0; r == 0 && i < listed && i <= vf; i++)
		if (states[i].vf == vf) {
			rdma->node_guid = states[i].node_guid;
			rdma->port_guid = states[i].port_guid;
		}
	free(states);
	return r;
}

int mlx5_rebind(const struct kr_backend_services *svc, const char *pci,
		struct kr_err *err)
{
	int r;

	r = svc->sysfs_write(svc->sysfs_root,
			     "bus/pci/drivers/" MLX5_DRIVER "/unbind", pci,
			     err);
	if (r == 0)
		r = svc->sysfs_write(svc->sysfs_root,
				     "bus/pci/drivers/" MLX5_DRIVER "/bind", pci,
				     err);
	return r;
}
