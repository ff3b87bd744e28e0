/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "request.h"
#include "util.h"

/* A rate member: a whole number of Mbit/s in 0..UINT32_MAX. */
static int take_rate(json_t *v, size_t i, const char *key, uint32_t *ret,
		     struct kr_err *err)
{
	json_int_t n;

	if (json_is_real(v))
		return kr_err_set(err, -EINVAL,
				  "[%zu].%s: %g is not a whole number of "
				  "Mbit/s", i, key, json_real_value(v));
	if (!json_is_integer(v))
		return kr_err_set(err, -EINVAL,
				  "[%zu].%s: must be a whole number of Mbit/s, "
				  "not %s", i, key,
				  json_is_string(v) ? "a string" :
				  json_is_object(v) ? "an object" :
				  json_is_array(v) ? "an array" :
				  json_is_boolean(v) ? "a boolean" : "null");
	n = json_integer_value(v);
	if (n < 0)
		return kr_err_set(err, -EINVAL, "[%zu].%s: %lld is negative",
				  i, key, (long long)n);
	if (n > UINT32_MAX)
		return kr_err_set(err, -EINVAL,
				  "[%zu].%s: %lld Mbit/s is more than any link "
				  "(at most %u)", i, key, (long long)n,
				  UINT32_MAX);
	*ret = (uint32_t)n;
	return 0;
}

/* How much of a value a message quotes: 40 bytes, whole characters. */
static int quoted_length(const char *s)
{
	return (int)kr_utf8_boundary(s, strnlen(s, 40));
}

static int take_ifname(json_t *v, size_t i, const char *key,
		       char dst[KR_IFNAMSIZ], struct kr_err *err)
{
	const char *s;

	if (!json_is_string(v))
		return kr_err_set(err, -EINVAL, "[%zu].%s: must be a string",
				  i, key);
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || !kr_ifname_valid(s))
		return kr_err_set(err, -EINVAL,
				  "[%zu].%s: \"%.*s\" is not an interface "
				  "name (1 to 15 bytes, no '/', ':' or "
				  "blanks)", i, key, quoted_length(s), s);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int parse_iface(json_t *o, size_t i, struct kr_iface_req *r,
		       struct kr_err *err)
{
	const char *key;
	json_t *v;
	int rc = 0;

	if (!json_is_object(o))
		return kr_err_set(err, -EINVAL,
				  "[%zu]: must be an object such as "
				  "{\"min_tx_rate\": 1000}", i);
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "min_tx_rate"))
			rc = take_rate(v, i, key, &r->min_tx_rate, err);
		else if (!strcmp(key, "max_tx_rate"))
			rc = take_rate(v, i, key, &r->max_tx_rate, err);
		else if (!strcmp(key, "name"))
			rc = take_ifname(v, i, key, r->name, err);
		else if (!strcmp(key, "pf"))
			rc = take_ifname(v, i, key, r->pf, err);
		else
			rc = kr_err_set(err, -EINVAL,
					"[%zu]: unknown key \"%.*s\" (known: "
					"min_tx_rate, max_tx_rate, name, pf)",
					i, quoted_length(key), key);
		if (rc < 0)
			return rc;
	}
	if (r->max_tx_rate && r->max_tx_rate < r->min_tx_rate)
		return kr_err_set(err, -EINVAL,
				  "[%zu].max_tx_rate: %u is below min_tx_rate "
				  "%u", i, r->max_tx_rate, r->min_tx_rate);
	return 0;
}

int kr_request_parse(const char *text, size_t len, size_t max,
		     struct kr_request **ret, struct kr_err *err)
{
	struct kr_request *req;
	json_error_t jerr;
	json_t *doc = NULL, *o;
	size_t i, j, blank;
	int r = 0;

	if (!max)
		max = KR_REQUEST_MAX_DEFAULT;
	req = calloc(1, sizeof(*req));
	if (!req)
		return kr_err_set(err, -ENOMEM, "out of memory");
	for (blank = 0; blank < len && isspace((unsigned char)text[blank]);)
		blank++;
	if (blank == len)
		goto out;	/* empty: nothing wanted */

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			&jerr);
	if (!doc) {
		r = kr_err_set(err, -EINVAL, "not JSON: %s (column %d)",
			       jerr.text, jerr.column);
		goto out;
	}
	if (!json_is_array(doc)) {
		r = kr_err_set(err, -EINVAL,
			       "must be a JSON array of interfaces, e.g. "
			       "[{\"min_tx_rate\": 1000}]");
		goto out;
	}
	if (json_array_size(doc) > max) {
		r = kr_err_set(err, -EINVAL,
			       "%zu interfaces asked, at most %zu allowed",
			       json_array_size(doc), max);
		goto out;
	}
	req->n = json_array_size(doc);
	if (req->n) {
		req->ifaces = calloc(req->n, sizeof(*req->ifaces));
		if (!req->ifaces) {
			r = kr_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	json_array_foreach(doc, i, o) {
		r = parse_iface(o, i, &req->ifaces[i], err);
		if (r < 0)
			goto out;
		for (j = 0; j < i && req->ifaces[i].name[0]; j++)
			if (!strcmp(req->ifaces[i].name, req->ifaces[j].name)) {
				r = kr_err_set(err, -EINVAL,
					       "[%zu].name: \"%s\" is already "
					       "the name of [%zu]", i,
					       req->ifaces[i].name, j);
				goto out;
			}
	}
out:
	json_decref(doc);
	if (r < 0) {
		kr_request_free(req);
		return r;
	}
	*ret = req;
	return 0;
}

int kr_request_from_annotations(json_t *annotations, size_t max,
				struct kr_request **ret, struct kr_err *err)
{
	json_t *primary = NULL, *paper = NULL, *v;
	const char *key;
	int r;

	if (annotations && !json_is_null(annotations)) {
		if (!json_is_object(annotations))
			return kr_err_set(err, -EINVAL,
					  "metadata.annotations: not an object");
		primary = json_object_get(annotations,
					  KR_ANNOTATION_INTERFACES);
		paper = json_object_get(annotations,
					KR_ANNOTATION_INTERFACES_PAPER);
	}
	if (primary && paper &&
	    (!json_is_string(primary) || !json_is_string(paper) ||
	     strcmp(json_string_value(primary), json_string_value(paper))))
		return kr_err_set(err, -EINVAL,
				  "%s and %s are both set and differ; keep "
				  "one", KR_ANNOTATION_INTERFACES,
				  KR_ANNOTATION_INTERFACES_PAPER);
	v = primary ? primary : paper;
	key = primary ? KR_ANNOTATION_INTERFACES
		      : KR_ANNOTATION_INTERFACES_PAPER;
	if (!v)
		return kr_request_parse("", 0, max, ret, err);
	if (!json_is_string(v))
		return kr_err_set(err, -EINVAL,
				  "%s: an annotation value is a string", key);
	r = kr_request_parse(json_string_value(v), json_string_length(v), max,
			     ret, err);
	if (r < 0)
		kr_err_prefix(err, "%s", key);
	return r;
}

uint64_t kr_request_reserved(const struct kr_request *req)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < req->n; i++)
		sum += req->ifaces[i].min_tx_rate;
	return sum;
}

void kr_request_free(struct kr_request *req)
{
	if (!req)
		return;
	free(req->ifaces);
	free(req);
}
