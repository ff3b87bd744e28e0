/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading Kubernetes JSON: kube-scheduler's (keys in any case, as its
 * reader takes them) and the API server's.
 */
#ifndef KR_K8S_JSON_H
#define KR_K8S_JSON_H

#include <jansson.h>

/* Case-insensitive member lookup, as kube-scheduler's JSON reader. */
json_t *json_get_ci(json_t *obj, const char *key);

/* The InternalIP of a Node object, or NULL. */
const char *node_internal_ip(json_t *node);

#endif
