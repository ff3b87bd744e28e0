/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "placement_annotation.h"
#include "ratelimit.h"
#include "util.h"
#include "verbs.h"

/* The nodes of ExtenderArgs: names, and addresses when Nodes are sent. */
struct node_list {
	size_t n;
	const char **names;
	const char **addresses;
	json_t *items;		/* Nodes.items, or NULL in NodeNames mode */
};

static int read_nodes(json_t *args, struct node_list *l)
{
	json_t *names = json_get_ci(args, "NodeNames");
	json_t *nodes = json_get_ci(args, "Nodes");
	json_t *v;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (json_is_object(nodes))
		l->items = json_get_ci(nodes, "items");
	if (l->items && !json_is_array(l->items))
		l->items = NULL;
	l->n = l->items ? json_array_size(l->items)
			: json_is_array(names) ? json_array_size(names) : 0;
	l->names = calloc(l->n + 1, sizeof(*l->names));
	l->addresses = calloc(l->n + 1, sizeof(*l->addresses));
	if (!l->names || !l->addresses)
		return -1;
	if (l->items) {
		json_array_foreach(l->items, i, v) {
			l->names[i] = json_string_value(json_get_ci(
				json_get_ci(v, "metadata"), "name")) ?: "";
			l->addresses[i] = node_internal_ip(v);
		}
	} else {
		json_array_foreach(names, i, v)
			l->names[i] = json_string_value(v) ?: "";
	}
	return 0;
}

static void node_list_clear(struct node_list *l)
{
	free(l->names);
	free(l->addresses);
}

/* The pod's request; NULL with the message in 'why' when malformed. */
static struct kr_request *pod_request(json_t *pod, char *why, size_t size)
{
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };

	if (kr_request_from_annotations(
		    json_get_ci(json_get_ci(pod, "metadata"),
				   "annotations"),
		    0, &req, &err) < 0) {
		kr_snprintf_utf8(why, size, "%s", kr_err_text(&err));
		return NULL;
	}
	return req;
}

static const char *pod_uid(json_t *pod)
{
	return json_string_value(json_get_ci(json_get_ci(pod,
							       "metadata"),
						"uid")) ?: "";
}

/* Could the request ever fit this node, were it empty? */
static int ever_fits(const struct kr_inventory *view,
		     const struct kr_request *req, enum kr_policy policy)
{
	struct kr_inventory *empty = kr_inventory_new(view->node);
	struct kr_place_opts opts = { .policy = policy };
	struct kr_placement p = { 0 };
	struct kr_err err = { 0 };
	size_t i;
	int fits = 1;

	for (i = 0; empty && i < view->n_pfs; i++) {
		struct kr_inv_pf *pf = kr_inventory_add_pf(empty,
							   view->pfs[i].name,
							   0);
		if (!pf)
			break;
		pf->capacity_mbps = view->pfs[i].capacity_mbps;
		pf->link_speed_mbps = view->pfs[i].link_speed_mbps;
		pf->vfs_total = pf->vfs_free = view->pfs[i].vfs_total;
	}
	if (empty && kr_place(empty, req, &opts, &p, &err) == 0)
		fits = p.fits || p.cut_off;
	kr_placement_clear(&p);
	kr_inventory_free(empty);
	return fits;
}

/*
 * The request prepared once for the nodes of one call (sorting and the like
 * done once); NULL for none, or when out of memory (then kr_place).
 */
static struct kr_place_req *prepare(struct extender *x,
				    const struct kr_request *req)
{
	struct kr_place_opts opts = { .policy = x->policy };
	struct kr_place_req *pr = NULL;
	struct kr_err err = { 0 };

	if (req && req->n && kr_place_prepare(req, &opts, &pr, &err) < 0)
		pr = NULL;
	return pr;
}

/*
 * Evaluate every node: fits (score), fails (reason) or can never fit.
 * 'scores' may be NULL.
 */
enum verdict { FITS, FAILS, NEVER };

static enum verdict judge(struct extender *x, const char *node,
			  const struct kr_place_req *pr,
			  const struct kr_request *req, const char *uid,
			  int *score, char *why, size_t size)
{
	struct kr_place_opts opts = { .policy = x->policy };
	struct kr_placement p = { 0 };
	struct kr_err err = { 0 };
	struct node_entry *e;
	struct node_view nv;
	struct kr_inventory *view = &nv.inv;
	enum verdict v = FAILS;

	e = node_cache_find(x->cache, node);
	if (!e)
		node_missing_reason(x->cache, node, why, size);
	if (!e || node_view(x->cache, e, uid, &nv, why, size) < 0) {
		atomic_fetch_add(&x->refused_unreachable, 1);
		return FAILS;
	}
	if ((pr ? kr_place_node(pr, view, &p, &err)
		: kr_place(view, req, &opts, &p, &err)) < 0) {
		kr_snprintf_utf8(why, size, "%s", kr_err_text(&err));
	} else if (p.fits) {
		v = FITS;
		if (score)
			*score = p.score;
	} else if (p.cut_off) {
		char *cmd = kr_place_command(view, req, x->policy);

		kr_snprintf_utf8(why, size, "%s", p.reason);
		atomic_fetch_add(&x->refused_undecided, 1);
		kr_log_rl(KR_LOG_WARNING, "placement of pod %s on node %s "
		       "undecided after %llu steps; reproduce with: %s", uid,
		       node, (unsigned long long)p.steps,
		       cmd ? cmd : "(out of memory)");
		free(cmd);
	} else {
		kr_snprintf_utf8(why, size, "%s", p.reason);
		v = ever_fits(view, req, x->policy) ? FAILS : NEVER;
		atomic_fetch_add(&x->refused_no_room, 1);
	}
	kr_placement_clear(&p);
	return v;
}

/*
 * Scores that filter computed, for the prioritize call that follows it for
 * the same pod (kube-scheduler calls them back to back): a few pods' worth,
 * each node's score found by binary search.  Scores are advice; one that is
 * a second old is as good as a fresh one.
 */
#define MEMO_PODS 8
#define MEMO_MAX_AGE_MS 2000

struct scored {
	const char *node;	/* points into names */
	int score;
};

static struct score_memo {
	char uid[64];
	uint64_t at_ms;
	struct scored *list;
	char *names;
	size_t n;
} memo[MEMO_PODS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int memo_next;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int cmp_scored(const void *a, const void *b)
{
	return strcmp(((const struct scored *)a)->node,
		      ((const struct scored *)b)->node);
}

/* Remember 'n' scores of pod 'uid' ('nodes' and 'scores' parallel). */
static void memo_store(const char *uid, const char **nodes, const int *scores,
		       size_t n)
{
	struct score_memo m = { .n = n, .at_ms = mono_ms() };
	size_t i, len = 0, off = 0;

	if (!*uid || strlen(uid) >= sizeof(m.uid))
		return;
	for (i = 0; i < n; i++)
		len += strlen(nodes[i]) + 1;
	m.list = calloc(n + 1, sizeof(*m.list));
	m.names = malloc(len + 1);
	if (!m.list || !m.names) {
		free(m.list);
		free(m.names);
		return;
	}
	for (i = 0; i < n; i++) {
		size_t l = strlen(nodes[i]) + 1;

		memcpy(m.names + off, nodes[i], l);
		m.list[i].node = m.names + off;
		m.list[i].score = scores[i];
		off += l;
	}
	qsort(m.list, n, sizeof(*m.list), cmp_scored);
	snprintf(m.uid, sizeof(m.uid), "%s", uid);
	pthread_mutex_lock(&memo_lock);
	free(memo[memo_next].list);
	free(memo[memo_next].names);
	memo[memo_next] = m;
	memo_next = (memo_next + 1) % MEMO_PODS;
	pthread_mutex_unlock(&memo_lock);
}

/* The memoised score of 'node' for pod 'uid', or -1. */
static int memo_find(const char *uid, const char *node)
{
	struct scored key = { .node = node }, *hit;
	uint64_t now = mono_ms();
	int score = -1;
	size_t i;

	if (!*uid)
		return -1;
	pthread_mutex_lock(&memo_lock);
	for (i = 0; i < MEMO_PODS && score < 0; i++) {
		if (strcmp(memo[i].uid, uid) ||
		    now - memo[i].at_ms > MEMO_MAX_AGE_MS)
			continue;
		hit = bsearch(&key, memo[i].list, memo[i].n,
			      sizeof(*memo[i].list), cmp_scored);
		if (hit)
			score = hit->score;
	}
	pthread_mutex_unlock(&memo_lock);
	return score;
}

/* A node's failure reason as a JSON string, even from bytes that are not
 * UTF-8 (a node never leaves FailedNodes for its reason's sake). */
static json_t *reason_text(const char *msg)
{
	json_t *text = json_string(msg);

	return text ? text : json_string("(the reason is not valid UTF-8)");
}

static json_t *null_if_empty(json_t *obj)
{
	if (json_object_size(obj))
		return obj;
	json_decref(obj);
	return json_null();
}

json_t *verb_filter(struct extender *x, json_t *args)
{
	json_t *pod = json_get_ci(args, "Pod");
	json_t *failed = json_object(), *never = json_object();
	json_t *names = json_array(), *items = json_array(), *res;
	struct node_list l;
	struct kr_place_req *pr;
	struct kr_request *req;
	char why[600], msg[700];
	const char **fit_names = NULL;
	int *fit_scores = NULL;
	size_t i, n_fit = 0;

	if (read_nodes(args, &l) < 0) {
		node_list_clear(&l);
		return json_pack("{s:n, s:n, s:n, s:n, s:s}", "Nodes",
				 "NodeNames", "FailedNodes",
				 "FailedAndUnresolvableNodes", "Error",
				 "out of memory");
	}
	req = pod_request(pod, why, sizeof(why));
	if (!req)
		atomic_fetch_add(&x->refused_bad_request, 1);
	if (req && req->n)
		node_cache_register(x->cache, l.names, l.addresses, l.n);
	pr = prepare(x, req);
	fit_names = calloc(l.n + 1, sizeof(*fit_names));
	fit_scores = calloc(l.n + 1, sizeof(*fit_scores));
	pthread_rwlock_rdlock(&x->cache->lock);
	for (i = 0; i < l.n; i++) {
		enum verdict v = FITS;
		int score = 0;

		if (!req) {
			v = FAILS;	/* the parser's message, verbatim */
		} else if (req->n) {
			v = judge(x, l.names[i], pr, req, pod_uid(pod), &score,
				  why, sizeof(why));
		}
		if (v == FITS && fit_names && fit_scores) {
			fit_names[n_fit] = l.names[i];
			fit_scores[n_fit++] = score;
		}
		if (v == FITS) {
			json_array_append_new(names, json_string(l.names[i]));
			if (l.items)
				json_array_append(items,
						  json_array_get(l.items, i));
			continue;
		}
		/* a reason cut in a character would not be a JSON string,
		 * and the node would vanish from the answer */
		kr_snprintf_utf8(msg, sizeof(msg), "%s: %s", l.names[i], why);
		json_object_set_new(v == NEVER ? never : failed, l.names[i],
				    reason_text(msg));
	}
	pthread_rwlock_unlock(&x->cache->lock);
	if (l.items) {
		/* Nodes mode: the input Node objects, unchanged (shared, not
		 * copied: they are only read) */
		json_t *in = json_get_ci(args, "Nodes"), *list = json_object();
		const char *k;
		json_t *v;

		json_object_foreach(in, k, v)
			if (strcasecmp(k, "items"))
				json_object_set(list, k, v);
		json_object_set_new(list, "items", items);
		res = json_pack("{s:o, s:n}", "Nodes", list, "NodeNames");
		json_decref(names);
	} else {
		res = json_pack("{s:n, s:o}", "Nodes", "NodeNames", names);
		json_decref(items);
	}
	json_object_set_new(res, "FailedNodes", null_if_empty(failed));
	json_object_set_new(res, "FailedAndUnresolvableNodes",
			    null_if_empty(never));
	json_object_set_new(res, "Error", json_string(""));
	if (req && req->n && fit_names && fit_scores)
		memo_store(pod_uid(pod), fit_names, fit_scores, n_fit);
	free(fit_names);
	free(fit_scores);
	kr_place_req_free(pr);
	kr_request_free(req);
	node_list_clear(&l);
	return res;
}

json_t *verb_prioritize(struct extender *x, json_t *args)
{
	json_t *pod = json_get_ci(args, "Pod");
	json_t *list = json_array();
	struct node_list l;
	struct kr_place_req *pr = NULL;
	struct kr_request *req;
	char why[600];
	size_t i;

	if (read_nodes(args, &l) < 0) {
		node_list_clear(&l);
		return list;
	}
	req = pod_request(pod, why, sizeof(why));
	if (req && req->n)
		node_cache_register(x->cache, l.names, l.addresses, l.n);
	pthread_rwlock_rdlock(&x->cache->lock);
	for (i = 0; i < l.n; i++) {
		int score = 0;

		if (req && req->n) {
			score = memo_find(pod_uid(pod), l.names[i]);
			if (score < 0) {
				score = 0;
				if (!pr)
					pr = prepare(x, req);
				judge(x, l.names[i], pr, req, pod_uid(pod),
				      &score, why, sizeof(why));
			}
		}
		json_array_append_new(list, json_pack("{s:s, s:i}", "Host",
						      l.names[i], "Score",
						      score));
	}
	pthread_rwlock_unlock(&x->cache->lock);
	kr_place_req_free(pr);
	kr_request_free(req);
	node_list_clear(&l);
	return list;
}

/* ---- bind ---- */

static json_t *bind_error(struct extender *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static json_t *bind_error(struct extender *x, const char *fmt, ...)
{
	char msg[800];
	va_list ap;

	va_start(ap, fmt);
	kr_vsnprintf_utf8(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&x->binds_failed, 1);
	kr_log_rl(KR_LOG_WARNING, "bind: %s", msg);
	return json_pack("{s:s}", "Error", msg);
}

/* Place on 'node' against inventory minus reservations; reserve. */
static int reserve(struct extender *x, const char *node,
		   const struct kr_request *req, const char *uid,
		   const char *pod_name, char **ret_annotation, char *why,
		   size_t size)
{
	struct kr_place_opts opts = { .policy = x->policy };
	struct reservation res = { 0 };
	struct kr_placement p = { 0 };
	struct kr_err err = { 0 };
	struct node_entry *e;
	struct node_view nv;
	struct kr_inventory *view = &nv.inv;
	json_t *ann = NULL;
	size_t i;
	int r = -1;

	/* the write lock serialises binds to one node against each other */
	pthread_rwlock_wrlock(&x->cache->lock);
	e = node_cache_find(x->cache, node);
	if (!e) {
		node_missing_reason(x->cache, node, why, size);
		goto out;
	}
	if (node_view(x->cache, e, uid, &nv, why, size) < 0)
		goto out;
	if (kr_place(view, req, &opts, &p, &err) < 0 || !p.fits) {
		kr_snprintf_utf8(why, size, "%s",
				 p.reason[0] ? p.reason : kr_err_text(&err));
		goto out;
	}
	snprintf(res.pod_uid, sizeof(res.pod_uid), "%s", uid);
	snprintf(res.pod, sizeof(res.pod), "%s", pod_name);
	res.n = req->n;
	res.pf = calloc(req->n + 1, sizeof(*res.pf));
	res.mbps = calloc(req->n + 1, sizeof(*res.mbps));
	res.pf_name = calloc(req->n + 1, sizeof(*res.pf_name));
	ann = kr_placement_annotation(view, req, p.pf);
	*ret_annotation = ann ? json_dumps(ann, JSON_COMPACT) : NULL;
	if (!res.pf || !res.mbps || !res.pf_name || !*ret_annotation) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	for (i = 0; i < req->n; i++) {
		res.pf[i] = p.pf[i];
		res.mbps[i] = req->ifaces[i].min_tx_rate;
		memcpy(res.pf_name[i], view->pfs[p.pf[i]].name, KR_IFNAMSIZ);
	}
	if (node_reserve(x->cache, e, &res) < 0) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	r = 0;
out:
	pthread_rwlock_unlock(&x->cache->lock);
	free(res.pf);
	free(res.mbps);
	free(res.pf_name);
	json_decref(ann);
	kr_placement_clear(&p);
	return r;
}

static void release(struct extender *x, const char *node, const char *uid)
{
	struct node_entry *e;

	pthread_rwlock_wrlock(&x->cache->lock);
	e = node_cache_find(x->cache, node);
	if (e)
		node_unreserve(e, uid);
	pthread_rwlock_unlock(&x->cache->lock);
}

json_t *verb_bind(struct extender *x, json_t *args)
{
	const char *name = json_string_value(json_get_ci(args, "PodName"));
	const char *ns = json_string_value(json_get_ci(args,
							  "PodNamespace"));
	const char *uid = json_string_value(json_get_ci(args, "PodUID"));
	const char *node = json_string_value(json_get_ci(args, "Node"));
	long timeout = x->cfg->extender_timeout_ms;
	struct kr_request *req = NULL;
	struct kr_err err = { 0 };
	char path[640], who[320], why[600];
	char *annotation = NULL, *body = NULL;
	json_t *pod = NULL, *doc, *res = NULL;

	if (!name || !ns || !node || !*name || !*ns || !*node)
		return bind_error(x, "bind needs PodName, PodNamespace and "
				     "Node");
	if (!x->kube)
		return bind_error(x, "no API server access configured "
				     "([extender] kubeconfig or in-cluster)");
	snprintf(who, sizeof(who), "%s/%s", ns, name);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", ns, name);
	if (kr_k8s_get(x->kube, path, timeout, &pod, &err) < 0)
		return bind_error(x, "%s: %s", who, kr_err_text(&err));
	if (!uid || !*uid)
		uid = pod_uid(pod);
	req = pod_request(pod, why, sizeof(why));
	if (!req) {
		res = bind_error(x, "%s: %s", who, why);
		goto out;
	}
	if (req->n) {
		const char *names[1] = { node };

		node_cache_register(x->cache, names, NULL, 1);
		if (reserve(x, node, req, uid, who, &annotation, why,
			    sizeof(why)) < 0) {
			res = bind_error(x, "%s: %s", node, why);
			goto out;
		}
		doc = json_pack("{s:{s:{s:s}}}", "metadata", "annotations",
				KR_ANNOTATION_PLACEMENT, annotation);
		body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
		json_decref(doc);
		if (!body || kr_k8s_request(x->kube, "PATCH", path, body,
					    "application/merge-patch+json",
					    timeout, NULL, &err) < 0) {
			release(x, node, uid);
			res = bind_error(x, "%s: annotate the placement: %s",
					 who, body ? kr_err_text(&err)
						   : "out of memory");
			goto out;
		}
		free(body);
		body = NULL;
	}
	doc = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}",
			"apiVersion", "v1", "kind", "Binding", "metadata",
			"name", name, "namespace", ns, "uid", uid, "target",
			"apiVersion", "v1", "kind", "Node", "name", node);
	body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/binding",
		 ns, name);
	if (!body || kr_k8s_request(x->kube, "POST", path, body, NULL, timeout,
				    NULL, &err) < 0) {
		if (req->n)
			release(x, node, uid);
		res = bind_error(x, "%s: bind to %s: %s", who, node,
				 body ? kr_err_text(&err) : "out of memory");
		goto out;
	}
	atomic_fetch_add(&x->binds_ok, 1);
	res = json_pack("{s:s}", "Error", "");
out:
	free(body);
	free(annotation);
	kr_request_free(req);
	json_decref(pod);
	return res;
}
