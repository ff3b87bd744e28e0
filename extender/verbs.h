/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kube-scheduler extender verbs (k8s.io/kube-scheduler/extender/v1):
 * filter, prioritize and bind, on decoded JSON, answering JSON.
 */
#ifndef KR_VERBS_H
#define KR_VERBS_H

#include <jansson.h>
#include <stdatomic.h>

#include "k8s_json.h"
#include "node_cache.h"
#include "placement.h"

struct extender {
	const struct kr_config *cfg;
	struct node_cache *cache;
	struct kr_kubeconfig *kube;	/* NULL: bind cannot work */
	enum kr_policy policy;
	/* counters for /metrics */
	_Atomic uint64_t refused_no_room, refused_undecided,
		refused_unreachable, refused_bad_request, binds_ok,
		binds_failed;
};

/* The answers; each returns a new reference (never NULL but for OOM). */
json_t *verb_filter(struct extender *x, json_t *args);
json_t *verb_prioritize(struct extender *x, json_t *args);
json_t *verb_bind(struct extender *x, json_t *args);

#endif
