/* SPDX-License-Identifier: Apache-2.0 */
#include "err.h"
#include "vf_init.h"

int kr_vf_init(struct kr_node *node, FILE *out)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < node->n_pfs; i++) {
		struct kr_node_pf *pf = &node->pfs[i];
		struct kr_err err = { 0 };
		int changed = 0;

		if (!pf->handle) {
			fprintf(out, "%s: FAILED (%s)\n", pf->cfg->name,
				kr_err_text(&pf->open_err));
			failed++;
			continue;
		}
		if (kr_node_pf_set_num_vfs(pf, pf->cfg->num_vfs, &changed,
					   &err) < 0) {
			fprintf(out, "%s: FAILED (%s)\n", pf->cfg->name,
				kr_err_text(&err));
			failed++;
			continue;
		}
		fprintf(out, "%s: %u VFs (%s, backend %s)\n", pf->cfg->name,
			pf->cfg->num_vfs, changed ? "changed" : "unchanged",
			pf->cfg->backend);
	}
	return failed;
}
