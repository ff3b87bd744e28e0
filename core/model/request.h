/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pod's request for RDMA interfaces: the annotation kube-rdma.io/interfaces
 * (or the paper's rdma_interfaces_required), a JSON array with one object
 * per interface.  Parsed strictly; every error names the element and field.
 */
#ifndef KR_REQUEST_H
#define KR_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kube-rdma/backend.h"
#include "kr_limits.h"

#define KR_ANNOTATION_INTERFACES "kube-rdma.io/interfaces"
#define KR_ANNOTATION_INTERFACES_PAPER "rdma_interfaces_required"
/* Default most interfaces one pod may ask for. */
#define KR_REQUEST_MAX_DEFAULT KR_MAX_IFACES_PER_POD

struct kr_iface_req {
	uint32_t min_tx_rate;		/* Mbit/s reserved, 0 = none */
	uint32_t max_tx_rate;		/* Mbit/s ceiling, 0 = link speed */
	char name[KR_IFNAMSIZ];		/* name in the pod, or "" */
	char pf[KR_IFNAMSIZ];		/* PF it is pinned to, or "" */
};

struct kr_request {
	size_t n;			/* interfaces; 0 = none wanted */
	struct kr_iface_req *ifaces;	/* n entries, owned */
};

/*
 * Parse an annotation value.  Empty text (or only blanks) is a request for
 * nothing.  At most 'max' interfaces (0: KR_REQUEST_MAX_DEFAULT).  -EINVAL
 * with a message such as "[2].max_tx_rate: 100 is below min_tx_rate 200";
 * -ENOMEM.
 */
int kr_request_parse(const char *text, size_t len, size_t max,
		     struct kr_request **ret, struct kr_err *err);

/*
 * The request in a pod's metadata.annotations object (NULL: none).  Reads
 * kube-rdma.io/interfaces, else rdma_interfaces_required; both present with
 * different values is an error.  Messages start with the annotation's key.
 */
int kr_request_from_annotations(json_t *annotations, size_t max,
				struct kr_request **ret, struct kr_err *err);

/* Sum of min_tx_rate over the interfaces. */
uint64_t kr_request_reserved(const struct kr_request *req);

/* Accepts NULL. */
void kr_request_free(struct kr_request *req);

#endif
