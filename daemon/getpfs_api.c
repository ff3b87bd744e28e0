/* SPDX-License-Identifier: Apache-2.0 */
#include "getpfs_api.h"

/*
 * The paper's VF carries settings we do not manage (VLAN, spoof check,
 * trust...); they are reported as the kernel's defaults for a VF
 * kube-rdma has reset.
 */
static json_t *vf_json(const struct kr_inv_vf *vf)
{
	return json_pack("{s:I, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:I, s:I, "
			 "s:s, s:i, s:b}",
			 "vf", (json_int_t)vf->index, "mac", vf->mac,
			 "vlan", 0, "qos", 0, "vlan_proto", "N/A",
			 "spoof_check", "ON", "trust", "OFF", "link_state",
			 "Auto", "min_tx_rate", (json_int_t)vf->min_tx_rate,
			 "max_tx_rate", (json_int_t)vf->max_tx_rate,
			 "vgt_plus", "OFF", "rate_group", 0, "allocated",
			 vf->allocated);
}

json_t *getpfs_json(const struct kr_inventory *inv)
{
	json_t *pfs = json_array();
	size_t i, j;

	for (i = 0; pfs && i < inv->n_pfs; i++) {
		const struct kr_inv_pf *pf = &inv->pfs[i];
		json_t *vfs = json_array();

		for (j = 0; vfs && j < pf->n_vfs; j++)
			if (json_array_append_new(vfs, vf_json(&pf->vfs[j])) <
			    0) {
				json_decref(vfs);
				vfs = NULL;
			}
		if (!vfs ||
		    json_array_append_new(
			    pfs, json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}",
					   "name", pf->name, "used_tx_rate",
					   (json_int_t)pf->reserved_mbps,
					   "capacity_tx_rate",
					   (json_int_t)pf->capacity_mbps,
					   "used_vfs",
					   (json_int_t)(pf->vfs_total -
							pf->vfs_free),
					   "capacity_vfs",
					   (json_int_t)pf->vfs_total, "vfs",
					   vfs)) < 0) {
			json_decref(pfs);
			return NULL;
		}
	}
	return pfs;
}
