/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "placement_annotation.h"

json_t *kr_placement_annotation(const struct kr_inventory *inv,
				const struct kr_request *req, const size_t *pf)
{
	json_t *pfs = json_array();
	size_t i;

	for (i = 0; pfs && i < req->n; i++)
		if (json_array_append_new(pfs,
					  json_string(inv->pfs[pf[i]].name)) < 0) {
			json_decref(pfs);
			return NULL;
		}
	return pfs ? json_pack("{s:s, s:o}", "node", inv->node, "pfs", pfs)
		   : NULL;
}

int kr_placement_annotation_parse(const struct kr_inventory *inv,
				  const struct kr_request *req,
				  const char *text, size_t **ret_pf,
				  struct kr_err *err)
{
	const char *node;
	json_error_t jerr;
	json_t *doc, *pfs, *v;
	size_t *pf = NULL, i, j;
	int r = -EINVAL;

	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return kr_err_set(err, -EINVAL, "not JSON: %s", jerr.text);
	if (json_unpack_ex(doc, &jerr, JSON_STRICT, "{s:s, s:o}", "node",
			   &node, "pfs", &pfs) < 0) {
		kr_err_set(err, -EINVAL, "%s", jerr.text);
		goto out;
	}
	if (strcmp(node, inv->node)) {
		kr_err_set(err, -EINVAL, "made for node %s, this is %s", node,
			   inv->node);
		goto out;
	}
	if (!json_is_array(pfs) || json_array_size(pfs) != req->n) {
		kr_err_set(err, -EINVAL, "pfs must list one PF for each of the "
					 "%zu interfaces", req->n);
		goto out;
	}
	pf = calloc(req->n + 1, sizeof(*pf));
	if (!pf) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(pfs, i, v) {
		for (j = 0; j < inv->n_pfs; j++)
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), inv->pfs[j].name))
				break;
		if (j == inv->n_pfs) {
			kr_err_set(err, -EINVAL, "pfs[%zu]: no such PF here",
				   i);
			goto out;
		}
		pf[i] = j;
	}
	r = kr_placement_check(inv, req, pf, err);
	if (r == 0) {
		*ret_pf = pf;
		pf = NULL;
	}
out:
	free(pf);
	json_decref(doc);
	return r;
}
