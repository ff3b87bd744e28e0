/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading nodes' Node objects from the API server, in the background and
 * LOOKUP_SLOTS at a time: a node named without an address gets its
 * InternalIP from it, and a name with no Node object is a node that does
 * not exist (GONE).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "k8s_json.h"
#include "node_cache_internal.h"

struct kr_ratelimit log_lookup_failed = KR_RATELIMIT_INIT(LOG_LIMIT_MS, 1);
struct kr_ratelimit log_gone = KR_RATELIMIT_INIT(LOG_LIMIT_MS, 1);

int node_lookup_start(struct node_cache *c, struct node_request *r,
		      struct node_entry *e)
{
	struct kr_err err = { 0 };
	char path[320];
	int rc;

	/* the name is a valid node name (node_register.c): no escaping */
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", e->name);
	rc = kr_k8s_call_new(c->kube, "GET", path, NULL, NULL,
			     (long)c->cfg->extender_timeout_ms, &r->call, &err);
	if (rc < 0)
		return rc;
	curl_easy_setopt(kr_k8s_call_easy(r->call), CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(c->multi, kr_k8s_call_easy(r->call)) !=
	    CURLM_OK) {
		kr_k8s_call_free(r->call);
		r->call = NULL;
		return -ENOMEM;
	}
	r->error[0] = r->address[0] = '\0';
	r->e = e;
	return 0;
}

void node_lookup_done(struct node_cache *c, struct node_request *r,
		      CURLcode result)
{
	struct kr_err err = { 0 };
	json_t *node = NULL;

	curl_multi_remove_handle(c->multi, kr_k8s_call_easy(r->call));
	r->lookup_rc = kr_k8s_call_finish(r->call, result, &node, &err);
	if (r->lookup_rc < 0)
		snprintf(r->error, sizeof(r->error), "%s", kr_err_text(&err));
	else
		snprintf(r->address, sizeof(r->address), "%s",
			 node_internal_ip(node) ?: "");
	json_decref(node);
	kr_k8s_call_free(r->call);
	r->call = NULL;
}

void node_lookup_apply(struct node_cache *c, struct node_request *r,
		       uint64_t now)
{
	struct node_entry *e = r->e;

	r->e = NULL;
	if (r->lookup_rc == -ENOENT) {
		e->state = NODE_GONE;
		node_set_error(e, "no Node of that name in the API server");
		kr_log_limited(&log_gone, KR_LOG_INFO,
			       "node %s: no Node of that name in the API "
			       "server; failing it", e->name);
		node_schedule_next(c, e, now, false);
	} else if (r->lookup_rc < 0) {
		node_set_error(e, "%s", r->error);
		kr_log_limited(&log_lookup_failed, KR_LOG_WARNING,
			       "node %s: %s", e->name, r->error);
		node_schedule_next(c, e, now, false);
	} else if (e->state == NODE_POLLED) {
		/* it still exists (node_evict.c asked), or the scheduler
		 * gave its address meanwhile */
		e->checked_ms = now;
		node_schedule_next(c, e, now, true);
	} else if (node_set_address(c, e, r->address[0] ? r->address
						       : NULL) < 0) {
		e->state = NODE_GONE;
		node_set_error(e, "its Node has no InternalIP for "
				  "daemon_url");
		node_schedule_next(c, e, now, false);
	} else {
		e->checked_ms = now;
		node_schedule_next(c, e, now, true);
		node_schedule_at(c, e, now);	/* its inventory, now */
	}
}
