/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Many nodes' daemons in one process, for the extender benchmark:
 * GET /NODE/v1/inventory answers an inventory for NODE (2 PFs x 16 VFs of
 * 100 Gb/s, some VFs taken and bandwidth reserved, varying with the name),
 * with an ETag, and 304 to If-None-Match.
 *
 *   fake-fleet PORT
 */
#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **state)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "If-None-Match");
	struct kr_inventory *inv;
	struct MHD_Response *r;
	char node[254];
	unsigned int h = 0;
	enum MHD_Result ret;
	char *text;
	size_t p, v;

	if (!*state) {
		*state = (void *)1;
		return MHD_YES;
	}
	if (sscanf(url, "/%253[^/]/v1/inventory", node) != 1)
		return MHD_NO;
	if (inm && !strcmp(inm, "\"g1\"")) {
		r = MHD_create_response_from_buffer(0, NULL,
						    MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "ETag", "\"g1\"");
		ret = MHD_queue_response(c, 304, r);
		MHD_destroy_response(r);
		return ret;
	}
	for (p = 0; node[p]; p++)
		h = h * 31 + (unsigned char)node[p];
	inv = kr_inventory_new(node);
	inv->generation = 1;
	for (p = 0; p < 2; p++) {
		char name[16];
		struct kr_inv_pf *pf;

		snprintf(name, sizeof(name), "ens%zuf0", p);
		pf = kr_inventory_add_pf(inv, name, 16);
		snprintf(pf->backend, sizeof(pf->backend), "mock");
		pf->capacity_mbps = pf->link_speed_mbps = 100000;
		for (v = 0; v < 16; v++) {
			struct kr_inv_vf *vf = &pf->vfs[v];

			vf->index = (uint32_t)v;
			snprintf(vf->mac, sizeof(vf->mac),
				 "02:00:00:00:%02zx:%02zx", p, v);
			if (v < (h >> (p * 4)) % 12) {
				vf->allocated = true;
				vf->min_tx_rate = 5000;
			} else {
				snprintf(vf->netdev, sizeof(vf->netdev),
					 "ens%zuf0v%zu", p, v);
			}
		}
		kr_inv_pf_update_totals(pf);
	}
	text = json_dumps(kr_inventory_to_json(inv), JSON_COMPACT);
	kr_inventory_free(inv);
	r = MHD_create_response_from_buffer(strlen(text), text,
					    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "ETag", "\"g1\"");
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	if (argc != 2)
		return 2;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
			     (uint16_t)atoi(argv[1]), NULL, NULL, on_request,
			     NULL, MHD_OPTION_THREAD_POOL_SIZE, 2,
			     MHD_OPTION_CONNECTION_LIMIT, 4096, MHD_OPTION_END);
	if (!d)
		return 1;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
