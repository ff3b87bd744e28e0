/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the pod request parser (annotations are user input), and the
 * solver on what it accepts, against a fixed two-PF node: any assignment
 * returned must pass the rule check.
 */
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "placement.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kr_inventory *inv;
	struct kr_request *req = NULL;
	struct kr_placement p;
	struct kr_err err = { 0 };
	size_t j;

	if (!inv) {
		inv = kr_inventory_new("fuzz");
		for (j = 0; j < 2; j++) {
			struct kr_inv_pf *pf = kr_inventory_add_pf(
				inv, j ? "ens1f1" : "ens1f0", 0);

			pf->capacity_mbps = pf->link_speed_mbps = 100000;
			pf->vfs_free = pf->vfs_total = 16;
		}
	}
	if (kr_request_parse((const char *)data, size, 0, &req, &err) < 0)
		return 0;
	if (kr_place(inv, req, NULL, &p, &err) < 0)
		abort();
	if (p.fits && kr_placement_check(inv, req, p.pf, &err) < 0)
		abort();
	kr_placement_clear(&p);
	kr_request_free(req);
	return 0;
}
