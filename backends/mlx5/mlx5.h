/* SPDX-License-Identifier: Apache-2.0 */
/* The mlx5 backend's parts: PCI identity (mlx5_pci.c), RDMA side
 * (mlx5_rdma.c), the operations (mlx5_backend.c). */
#ifndef KR_MLX5_H
#define KR_MLX5_H

#include "kube-rdma/backend.h"
#include "../sriov/sriov_pf.h"

#define MLX5_VENDOR 0x15b3
#define MLX5_DRIVER "mlx5_core"

struct kr_backend_pf {
	struct kr_sriov_pf sriov;
	char pci[KR_PCI_ADDR_SIZE];
	char ibdev[64];			/* the PF's RDMA device, or "" */
	int infiniband;			/* link layer */
};

/*
 * Is the PCI function 'pci' a Mellanox device driven by mlx5_core?  0, or
 * -EOPNOTSUPP with what it is instead.  'what' (may be NULL) gets the
 * device's name from the PCI ID database ("MT27800 Family [ConnectX-5]").
 */
int mlx5_pci_identify(const struct kr_backend_services *svc, const char *pf,
		      const char *pci, char *what, size_t size,
		      struct kr_err *err);

/* The RDMA device of PCI function 'pci' (first entry of its
 * infiniband/ directory); -ENOENT when it has none here. */
int mlx5_rdma_device(const struct kr_backend_services *svc, const char *pci,
		     char *buf, size_t size, struct kr_err *err);

/*
 * Mbit/s of port 1 of 'ibdev' when it is active: from ibv_query_port
 * (active speed x width) when the device can be opened, else from the
 * kernel's rendering of the same query in sysfs (ports/1/rate, state).
 * 0 when the port is down; -errno when neither can be read.
 */
int mlx5_rdma_port_mbps(const struct kr_backend_services *svc,
			const char *ibdev, uint32_t *ret, struct kr_err *err);

/* "100 Gb/sec (4X EDR)" -> 100000; -EINVAL when unparsable. */
int mlx5_rate_text_mbps(const char *text, uint32_t *ret);

/* Mbit/s of an ibv_port_attr's active_speed and active_width codes. */
uint32_t mlx5_verbs_mbps(uint32_t active_speed, uint32_t active_width);

/* 'rdma' for VF 'vf' at 'pci': device, character devices, GUIDs. */
int mlx5_rdma_vf(struct kr_backend_pf *pf, uint32_t vf, const char *pci,
		 struct kr_vf_rdma *rdma, struct kr_err *err);

/* Unbind and bind the VF's driver, so new GUIDs take effect. */
int mlx5_rebind(const struct kr_backend_services *svc, const char *pci,
		struct kr_err *err);

#endif
