/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: set one VF's rates through the node's backend, as the CNI
 * plugin does.  Usage: kr-test-vf CONFIG PF VF MIN MAX
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"
#include "node.h"

int main(int argc, char **argv)
{
	struct kr_config *cfg = NULL;
	struct kr_node *node = NULL;
	struct kr_err err = { 0 };
	struct kr_node_pf *pf;
	int r = 2;

	if (argc != 6) {
		fprintf(stderr, "usage: kr-test-vf CONFIG PF VF MIN MAX\n");
		return 2;
	}
	if (kr_config_load(argv[1], &cfg, &err) < 0 ||
	    kr_node_open(cfg, &node, &err) < 0)
		goto out;
	pf = kr_node_find_pf(node, argv[2]);
	if (!pf || !pf->handle) {
		fprintf(stderr, "kr-test-vf: PF %s not open: %s\n", argv[2],
			pf ? kr_err_text(&pf->open_err) : "not configured");
		goto out;
	}
	r = pf->backend->ops.vf_set_rate(pf->handle,
					 (uint32_t)strtoul(argv[3], NULL, 10),
					 (uint32_t)strtoul(argv[4], NULL, 10),
					 (uint32_t)strtoul(argv[5], NULL, 10),
					 &err) < 0;
out:
	if (r)
		fprintf(stderr, "kr-test-vf: %s\n", kr_err_text(&err));
	kr_node_close(node);
	kr_config_free(cfg);
	return r;
}
