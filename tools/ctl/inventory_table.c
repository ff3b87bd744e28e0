/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "inventory_table.h"

/* "100000" -> "100G", "2500" -> "2500M", 0 -> "-" (rates are Mbit/s) */
static const char *rate_text(uint64_t mbps, char *buf, size_t size)
{
	if (mbps == 0)
		snprintf(buf, size, "-");
	else if (mbps % 1000 == 0)
		snprintf(buf, size, "%lluG", (unsigned long long)(mbps / 1000));
	else
		snprintf(buf, size, "%lluM", (unsigned long long)mbps);
	return buf;
}

void inventory_print_table(FILE *out, const struct kr_inventory *inv)
{
	char a[24], b[24], c[24];
	size_t i, j;

	fprintf(out, "node %s  generation %llu  PFs %zu\n\n", inv->node,
		(unsigned long long)inv->generation, inv->n_pfs);
	if (inv->unreadable_records)
		fprintf(out, "WARNING: %u allocation record%s cannot be read; "
			     "the VFs %s may hold are unavailable until the "
			     "pod's DEL or GC releases them (see the agent's "
			     "log)\n\n", inv->unreadable_records,
			inv->unreadable_records == 1 ? "" : "s",
			inv->unreadable_records == 1 ? "it" : "they");
	fprintf(out, "%-15s %-13s %-12s %8s %8s %8s %9s\n", "PF", "BACKEND",
		"PCI", "LINK", "CAPACITY", "RESERVED", "VFS FREE");
	for (i = 0; i < inv->n_pfs; i++) {
		const struct kr_inv_pf *pf = &inv->pfs[i];

		fprintf(out, "%-15s %-13s %-12s %8s %8s %8s %4u/%-4u\n",
			pf->name, pf->backend, pf->pci[0] ? pf->pci : "-",
			rate_text(pf->link_speed_mbps, a, sizeof(a)),
			rate_text(pf->capacity_mbps, b, sizeof(b)),
			pf->reserved_mbps ? rate_text(pf->reserved_mbps, c,
						      sizeof(c))
					  : "0",
			pf->vfs_free, pf->vfs_total);
	}
	for (i = 0; i < inv->n_pfs; i++) {
		const struct kr_inv_pf *pf = &inv->pfs[i];

		if (!pf->n_vfs)
			continue;
		fprintf(out, "\n%s VFs:\n", pf->name);
		fprintf(out, "  %-4s %-15s %-12s %-17s %7s %7s  %s\n", "VF",
			"NETDEV", "PCI", "MAC", "MIN", "MAX", "OWNER");
		for (j = 0; j < pf->n_vfs; j++) {
			const struct kr_inv_vf *vf = &pf->vfs[j];
			char owner[340];

			if (vf->has_owner)
				snprintf(owner, sizeof(owner), "%s/%s",
					 vf->owner.namespace_, vf->owner.pod);
			else if (vf->unavailable[0])
				snprintf(owner, sizeof(owner),
					 "(unavailable: %s)", vf->unavailable);
			else
				snprintf(owner, sizeof(owner), "%s",
					 vf->allocated ? "(allocated)" : "-");
			fprintf(out, "  %-4u %-15s %-12s %-17s %7s %7s  %s\n",
				vf->index,
				vf->netdev[0] ? vf->netdev : "(moved)",
				vf->pci[0] ? vf->pci : "-", vf->mac,
				rate_text(vf->min_tx_rate, a, sizeof(a)),
				rate_text(vf->max_tx_rate, b, sizeof(b)),
				owner);
		}
	}
}
