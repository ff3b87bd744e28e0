/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "err.h"
#include "http_body.h"
#include "k8s.h"
#include "token_file.h"

#define K8S_BODY_MAX (8u << 20)

/* ---- kubeconfig ---- */

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
			    const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE
		       ? (const char *)n->data.scalar.value
		       : NULL;
}

/* The entry of list 'list' whose "name" is 'name'; its 'inner' map. */
static yaml_node_t *named(yaml_document_t *doc, yaml_node_t *list,
			  const char *name, const char *inner)
{
	yaml_node_item_t *i;

	if (!list || list->type != YAML_SEQUENCE_NODE || !name)
		return NULL;
	for (i = list->data.sequence.items.start;
	     i < list->data.sequence.items.top; i++) {
		yaml_node_t *e = yaml_document_get_node(doc, *i);
		const char *n = scalar(map_get(doc, e, "name"));

		if (n && !strcmp(n, name))
			return map_get(doc, e, inner);
	}
	return NULL;
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* base64 (kubeconfig *-data) to text; NULL on bad input. */
static char *unbase64(const char *in)
{
	size_t len = strlen(in);
	unsigned char *out = malloc(len / 4 * 3 + 4);
	int n;

	if (!out)
		return NULL;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	while (n > 0 && len && in[--len] == '=')
		n--;	/* EVP_DecodeBlock counts padding as bytes */
	out[n] = '\0';
	return (char *)out;
}

static int decode_field(yaml_document_t *doc, yaml_node_t *map,
			const char *key, char **ret, const char *path,
			struct kr_err *err)
{
	const char *v = scalar(map_get(doc, map, key));

	*ret = NULL;
	if (!v)
		return 0;
	*ret = unbase64(v);
	if (!*ret)
		return kr_err_set(err, -EINVAL, "%s: %s is not base64", path,
				  key);
	return 0;
}

int kr_kubeconfig_load(const char *path, struct kr_kubeconfig **ret,
		       struct kr_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *cluster, *user, *context;
	struct kr_kubeconfig *kc;
	const char *current, *v;
	FILE *f;
	int r = 0;

	f = fopen(path, "re");
	if (!f)
		return kr_err_set(err, -errno, "kubeconfig %s: %s", path,
				  strerror(errno));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		r = kr_err_set(err, -EINVAL, "kubeconfig %s: line %zu: %s",
			       path, parser.problem_mark.line + 1,
			       parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		fclose(f);
		return r;
	}
	yaml_parser_delete(&parser);
	fclose(f);
	kc = calloc(1, sizeof(*kc));
	if (!kc) {
		yaml_document_delete(&doc);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	root = yaml_document_get_root_node(&doc);
	current = scalar(map_get(&doc, root, "current-context"));
	context = named(&doc, map_get(&doc, root, "contexts"), current,
			"context");
	if (!context) {
		r = kr_err_set(err, -EINVAL,
			       "kubeconfig %s: no context \"%s\" (current-"
			       "context)", path, current ? current : "");
		goto out;
	}
	cluster = named(&doc, map_get(&doc, root, "clusters"),
			scalar(map_get(&doc, context, "cluster")), "cluster");
	user = named(&doc, map_get(&doc, root, "users"),
		     scalar(map_get(&doc, context, "user")), "user");
	v = scalar(map_get(&doc, cluster, "server"));
	if (!cluster || !v) {
		r = kr_err_set(err, -EINVAL,
			       "kubeconfig %s: the current context's cluster "
			       "has no server", path);
		goto out;
	}
	kc->server = strdup(v);
	kc->ca_file = dup_opt(scalar(map_get(&doc, cluster,
					     "certificate-authority")));
	v = scalar(map_get(&doc, cluster, "insecure-skip-tls-verify"));
	kc->insecure = v && !strcmp(v, "true");
	kc->token = dup_opt(scalar(map_get(&doc, user, "token")));
	v = scalar(map_get(&doc, user, "tokenFile"));
	if (!kc->token && v) {
		r = kr_token_read(v, &kc->token, err);
		if (r < 0) {
			kr_err_prefix(err, "kubeconfig %s: tokenFile", path);
			goto out;
		}
	}
	kc->cert_file = dup_opt(scalar(map_get(&doc, user,
					       "client-certificate")));
	kc->key_file = dup_opt(scalar(map_get(&doc, user, "client-key")));
	r = decode_field(&doc, cluster, "certificate-authority-data",
			 &kc->ca_pem, path, err);
	if (!r)
		r = decode_field(&doc, user, "client-certificate-data",
				 &kc->cert_pem, path, err);
	if (!r)
		r = decode_field(&doc, user, "client-key-data", &kc->key_pem,
				 path, err);
out:
	yaml_document_delete(&doc);
	if (r < 0) {
		kr_kubeconfig_free(kc);
		return r;
	}
	*ret = kc;
	return 0;
}

void kr_kubeconfig_free(struct kr_kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->server);
	free(kc->ca_file);
	free(kc->ca_pem);
	kr_token_free(kc->token);
	free(kc->cert_file);
	free(kc->key_file);
	free(kc->cert_pem);
	free(kc->key_pem);
	free(kc);
}

/* ---- requests ---- */

static void set_blob(CURL *curl, CURLoption opt, const char *pem)
{
	struct curl_blob blob = { .data = (void *)pem, .len = strlen(pem),
				  .flags = CURL_BLOB_COPY };

	curl_easy_setopt(curl, opt, &blob);
}

/* A request ready to run, and what it collects. */
struct kr_k8s_call {
	CURL *easy;
	struct curl_slist *headers;
	struct kr_http_body body;
	char *url, *auth, *ctype;
	char method[16];
};

int kr_k8s_call_new(const struct kr_kubeconfig *kc, const char *method,
		    const char *path, const char *body_text,
		    const char *content_type, long timeout_ms,
		    struct kr_k8s_call **ret, struct kr_err *err)
{
	struct kr_k8s_call *call = calloc(1, sizeof(*call));
	CURL *curl;

	if (!call)
		return kr_err_set(err, -ENOMEM, "out of memory");
	call->body.max = K8S_BODY_MAX;
	snprintf(call->method, sizeof(call->method), "%s", method);
	curl = call->easy = curl_easy_init();
	if (!curl || asprintf(&call->url, "%s%s", kc->server, path) < 0) {
		call->url = NULL;
		kr_k8s_call_free(call);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	call->headers = curl_slist_append(call->headers,
					  "Accept: application/json");
	if (kc->token && asprintf(&call->auth, "Authorization: Bearer %s",
				  kc->token) >= 0)
		call->headers = curl_slist_append(call->headers, call->auth);
	if (body_text && asprintf(&call->ctype, "Content-Type: %s",
				  content_type ? content_type
					       : "application/json") >= 0)
		call->headers = curl_slist_append(call->headers, call->ctype);
	curl_easy_setopt(curl, CURLOPT_URL, call->url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (body_text)	/* copied: the call may outlive the caller's text */
		curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body_text);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, call->headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, kr_http_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &call->body);
	if (kc->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, kc->ca_file);
	if (kc->ca_pem)
		set_blob(curl, CURLOPT_CAINFO_BLOB, kc->ca_pem);
	if (kc->insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (kc->cert_file)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, kc->cert_file);
	if (kc->key_file)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, kc->key_file);
	if (kc->cert_pem)
		set_blob(curl, CURLOPT_SSLCERT_BLOB, kc->cert_pem);
	if (kc->key_pem)
		set_blob(curl, CURLOPT_SSLKEY_BLOB, kc->key_pem);
	*ret = call;
	return 0;
}

CURL *kr_k8s_call_easy(struct kr_k8s_call *call)
{
	return call->easy;
}

int kr_k8s_call_finish(struct kr_k8s_call *call, CURLcode result,
		       json_t **ret, struct kr_err *err)
{
	const char *method = call->method, *url = call->url;
	long status = 0;
	int r = 0;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
	if (result != CURLE_OK) {
		r = kr_err_set(err, -EIO, "%s %s: %s", method, url,
			       curl_easy_strerror(result));
	} else if (status < 200 || status > 299) {
		json_t *doc = json_loads(kr_http_body_text(&call->body), 0,
					 NULL);
		const char *msg =
			json_string_value(json_object_get(doc, "message"));

		r = kr_err_set(err,
			       status == 404 ? -ENOENT
			       : status == 401 || status == 403 ? -EACCES
			       : status == 409 ? -EEXIST
					       : -EIO,
			       "%s %s: HTTP %ld%s%s", method, url, status,
			       msg ? ": " : "", msg ? msg : "");
		json_decref(doc);
	} else if (ret) {
		json_error_t jerr;

		*ret = json_loads(kr_http_body_text(&call->body), 0, &jerr);
		if (!*ret)
			r = kr_err_set(err, -EIO, "%s %s: not JSON: %s",
				       method, url, jerr.text);
	}
	return r;
}

void kr_k8s_call_free(struct kr_k8s_call *call)
{
	if (!call)
		return;
	curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->headers);
	free(call->body.data);
	free(call->ctype);
	kr_token_free(call->auth);	/* it holds the token */
	free(call->url);
	free(call);
}

int kr_k8s_request(const struct kr_kubeconfig *kc, const char *method,
		   const char *path, const char *body_text,
		   const char *content_type, long timeout_ms, json_t **ret,
		   struct kr_err *err)
{
	struct kr_k8s_call *call;
	int r;

	r = kr_k8s_call_new(kc, method, path, body_text, content_type,
			    timeout_ms, &call, err);
	if (r < 0)
		return r;
	r = kr_k8s_call_finish(call, curl_easy_perform(call->easy), ret, err);
	kr_k8s_call_free(call);
	return r;
}

int kr_k8s_get(const struct kr_kubeconfig *kc, const char *path,
	       long timeout_ms, json_t **ret, struct kr_err *err)
{
	return kr_k8s_request(kc, "GET", path, NULL, NULL, timeout_ms, ret,
			      err);
}

int kr_kubeconfig_in_cluster(struct kr_kubeconfig **ret, struct kr_err *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct kr_kubeconfig *kc;
	int r;

	if (!host || !port)
		return kr_err_set(err, -ENOENT,
				  "not in a cluster (no KUBERNETES_SERVICE_HOST)"
				  " and no kubeconfig configured");
	kc = calloc(1, sizeof(*kc));
	if (!kc)
		return kr_err_set(err, -ENOMEM, "out of memory");
	r = kr_token_read(KR_K8S_SA_TOKEN, &kc->token, err);
	if (r < 0) {
		kr_kubeconfig_free(kc);
		return r;
	}
	kc->ca_file = strdup(KR_K8S_SA_DIR "/ca.crt");
	if (!kc->ca_file ||
	    asprintf(&kc->server, strchr(host, ':') ? "https://[%s]:%s"
						    : "https://%s:%s",
		     host, port) < 0) {
		kc->server = NULL;
		kr_kubeconfig_free(kc);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	*ret = kc;
	return 0;
}
