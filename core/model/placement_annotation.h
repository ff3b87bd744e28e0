/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The placement the extender decided, as the pod carries it in its
 * annotation kube-rdma.io/placement:
 *
 *   {"node": "worker-1", "pfs": ["ens1f0", "ens1f0", "ens1f1"]}
 *
 * pfs[i] is the PF of interface i.  The CNI plugin honours it when it still
 * fits the node, else places locally.
 */
#ifndef KR_PLACEMENT_ANNOTATION_H
#define KR_PLACEMENT_ANNOTATION_H

#include <jansson.h>

#include "placement.h"

#define KR_ANNOTATION_PLACEMENT "kube-rdma.io/placement"

/* The annotation's value for an assignment (pf[i] indexes inv->pfs). */
json_t *kr_placement_annotation(const struct kr_inventory *inv,
				const struct kr_request *req, const size_t *pf);

/*
 * Read the annotation's text against this node: the node name matches, one
 * PF per interface, each PF on the node, and the whole assignment passes
 * kr_placement_check now.  *ret_pf (malloc'd, req->n entries) on success;
 * -EINVAL with the reason otherwise.
 */
int kr_placement_annotation_parse(const struct kr_inventory *inv,
				  const struct kr_request *req,
				  const char *text, size_t **ret_pf,
				  struct kr_err *err);

#endif
