/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which PCI functions mlx5 claims: vendor 0x15b3 (libpci, reading the
 * configured sysfs root) and the mlx5_core driver bound to it.
 */
#include <errno.h>
#include <pci/pci.h>
#include <stdio.h>
#include <string.h>

#include "mlx5.h"

static void pci_quiet(char *msg, ...)
{
	(void)msg;
}

int mlx5_pci_identify(const struct kr_backend_services *svc, const char *pf,
		      const char *pci, char *what, size_t size,
		      struct kr_err *err)
{
	unsigned int domain, bus, dev, fn;
	char rel[128], path[512], driver[64], name[256] = "";
	char param[] = "sysfs.path";	/* libpci takes it non-const */
	struct pci_access *acc;
	struct pci_dev *d;
	int vendor = -1, device = -1, r;

	if (sscanf(pci, "%x:%x:%x.%u", &domain, &bus, &dev, &fn) != 4)
		return svc->err_set(err, -EINVAL, "%s: bad PCI address %s",
				    pf, pci);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/vendor", pci);
	/* libpci gives up by exiting when it cannot read: look first */
	if (!svc->sysfs_exists(svc->sysfs_root, rel))
		return svc->err_set(err, -ENODEV, "%s: no PCI device %s", pf,
				    pci);
	acc = pci_alloc();
	if (!acc)
		return svc->err_set(err, -ENOMEM, "out of memory");
	acc->method = PCI_ACCESS_SYS_BUS_PCI;
	acc->warning = pci_quiet;
	acc->debug = pci_quiet;
	snprintf(path, sizeof(path), "%s/bus/pci", svc->sysfs_root);
	pci_set_param(acc, param, path);
	pci_init(acc);
	d = pci_get_dev(acc, (int)domain, (int)bus, (int)dev, (int)fn);
	if (d) {
		pci_fill_info(d, PCI_FILL_IDENT);
		vendor = d->vendor_id;
		device = d->device_id;
		pci_lookup_name(acc, name, sizeof(name), PCI_LOOKUP_DEVICE,
				vendor, device);
		pci_free_dev(d);
	}
	pci_cleanup(acc);
	if (what)
		snprintf(what, size, "%s", name);
	if (vendor != MLX5_VENDOR)
		return svc->err_set(err, -EOPNOTSUPP,
				    "%s is %04x:%04x (%s), not a Mellanox "
				    "device", pf, vendor & 0xffff,
				    device & 0xffff, name[0] ? name : "unknown");
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", pci);
	r = svc->sysfs_link_name(svc->sysfs_root, rel, driver, sizeof(driver),
				 err);
	if (r < 0)
		return svc->err_set(err, -EOPNOTSUPP, "%s: no driver bound to "
				    "%s", pf, pci);
	if (strcmp(driver, MLX5_DRIVER))
		return svc->err_set(err, -EOPNOTSUPP, "%s is driven by %s, not "
				    MLX5_DRIVER, pf, driver);
	return 0;
}
