/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A placement as a kube-rdma-ctl place command that reproduces it, for the
 * logs of undecided placements (placement.h).
 *
 * The node is written as an inventory document in the daemon's shape
 * (docs/inventory.md) holding only what placement reads: each PF's name,
 * link speed, capacity, reservation support, and VFs standing for its free
 * and allocated ones (the allocated ones carry reserved_mbps).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

/* The PF as placement sees it, with VFs made up to match. */
static int copy_pf(struct kr_inventory *dst, const struct kr_inv_pf *pf)
{
	uint64_t reserved = pf->reserved_mbps, used;
	struct kr_inv_pf *q;
	size_t n, i;

	used = pf->vfs_total > pf->vfs_free ? pf->vfs_total - pf->vfs_free : 0;
	/* enough allocated VFs to carry the reservation */
	while (used * UINT32_MAX < reserved)
		used++;
	n = pf->vfs_free + (size_t)used;
	q = kr_inventory_add_pf(dst, pf->name, n);
	if (!q)
		return -1;
	snprintf(q->backend, sizeof(q->backend), "%s",
		 pf->backend[0] ? pf->backend : "mock");
	snprintf(q->pci, sizeof(q->pci), "%s", pf->pci);
	q->link_speed_mbps = pf->link_speed_mbps;
	q->capacity_mbps = pf->capacity_mbps;
	q->min_rate_supported = pf->min_rate_supported;
	for (i = 0; i < n; i++) {
		struct kr_inv_vf *vf = &q->vfs[i];

		vf->index = (uint32_t)i;
		if (i < pf->vfs_free)
			continue;
		vf->allocated = true;
		vf->min_tx_rate = reserved > UINT32_MAX ? UINT32_MAX
							 : (uint32_t)reserved;
		reserved -= vf->min_tx_rate;
	}
	kr_inv_pf_update_totals(q);
	return 0;
}

static json_t *request_json(const struct kr_request *req)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < req->n; i++) {
		const struct kr_iface_req *r = &req->ifaces[i];
		json_t *o = json_object();

		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
		if (r->min_tx_rate)
			json_object_set_new(o, "min_tx_rate",
					    json_integer(r->min_tx_rate));
		if (r->max_tx_rate)
			json_object_set_new(o, "max_tx_rate",
					    json_integer(r->max_tx_rate));
		if (r->pf[0])
			json_object_set_new(o, "pf", json_string(r->pf));
	}
	return a;
}

/* Append 's' to the stream as one single-quoted shell word. */
static void quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	fputc('\'', out);
}

char *kr_place_command(const struct kr_inventory *inv,
		       const struct kr_request *req, enum kr_policy policy)
{
	struct kr_inventory *node = kr_inventory_new(inv->node);
	json_t *inv_doc = NULL, *req_doc = request_json(req);
	char *inv_text = NULL, *req_text = NULL, *text = NULL;
	size_t len = 0, j;
	FILE *out;

	for (j = 0; node && j < inv->n_pfs; j++)
		if (copy_pf(node, &inv->pfs[j]) < 0)
			goto out;
	if (node)
		inv_doc = kr_inventory_to_json(node);
	if (inv_doc)
		inv_text = json_dumps(inv_doc, JSON_COMPACT);
	if (req_doc)
		req_text = json_dumps(req_doc, JSON_COMPACT);
	if (!inv_text || !req_text)
		goto out;
	out = open_memstream(&text, &len);
	if (!out)
		goto out;
	fputs("printf '%s\\n' ", out);
	quoted(out, inv_text);
	fputs(" >node.json && kube-rdma-ctl place --inventory node.json "
	      "--policy ", out);
	fputs(kr_policy_name(policy), out);
	fputs(" --request ", out);
	quoted(out, req_text);
	if (fclose(out) != 0) {
		free(text);
		text = NULL;
	}
out:
	free(inv_text);
	free(req_text);
	json_decref(inv_doc);
	json_decref(req_doc);
	kr_inventory_free(node);
	return text;
}
