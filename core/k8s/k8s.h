/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small Kubernetes API client: a kubeconfig (libyaml) and JSON requests
 * over libcurl, one at a time or on a caller's multi handle.
 */
#ifndef KR_K8S_H
#define KR_K8S_H

#include <curl/curl.h>
#include <jansson.h>

#include "kube-rdma/backend.h"

/* What a kubeconfig's current context says about reaching the server. */
struct kr_kubeconfig {
	char *server;		/* https://HOST:PORT */
	char *ca_file;		/* certificate-authority, or NULL */
	char *ca_pem;		/* certificate-authority-data, decoded */
	int insecure;		/* insecure-skip-tls-verify */
	char *token;		/* token, or the content of tokenFile */
	char *cert_file, *key_file;	/* client-certificate / -key */
	char *cert_pem, *key_pem;	/* ... -data, decoded */
};

/*
 * Read the kubeconfig at 'path' (YAML or JSON) and resolve its current
 * context.  Errors name the file and the missing or bad member.
 */
int kr_kubeconfig_load(const char *path, struct kr_kubeconfig **ret,
		       struct kr_err *err);
void kr_kubeconfig_free(struct kr_kubeconfig *kc);

/*
 * The service account of a pod: /var/run/secrets/kubernetes.io/
 * serviceaccount/{token,ca.crt} and KUBERNETES_SERVICE_HOST/_PORT.
 */
int kr_kubeconfig_in_cluster(struct kr_kubeconfig **ret, struct kr_err *err);

/*
 * 'method' server + 'path', with 'body_text' (or NULL) of 'content_type'
 * (default application/json); *ret (may be NULL) is the decoded JSON body
 * of a 2xx answer.  -ENOENT 404, -EACCES 401/403, -EEXIST 409, -EIO
 * otherwise, with the status and the server's message in err.
 */
int kr_k8s_request(const struct kr_kubeconfig *kc, const char *method,
		   const char *path, const char *body_text,
		   const char *content_type, long timeout_ms, json_t **ret,
		   struct kr_err *err);

/*
 * The same request, to run on the caller's libcurl multi handle: add
 * kr_k8s_call_easy() to it; once libcurl says the transfer is done with
 * 'result', kr_k8s_call_finish() reads the answer as kr_k8s_request()
 * does (remove the handle from the multi handle first).  The call owns
 * the easy handle; kr_k8s_call_free() accepts NULL.
 */
struct kr_k8s_call;
int kr_k8s_call_new(const struct kr_kubeconfig *kc, const char *method,
		    const char *path, const char *body_text,
		    const char *content_type, long timeout_ms,
		    struct kr_k8s_call **ret, struct kr_err *err);
CURL *kr_k8s_call_easy(struct kr_k8s_call *call);
int kr_k8s_call_finish(struct kr_k8s_call *call, CURLcode result,
		       json_t **ret, struct kr_err *err);
void kr_k8s_call_free(struct kr_k8s_call *call);

/*
 * GET server + 'path' with a 'timeout_ms' bound; *ret is the decoded
 * JSON body of a 200 answer.  -ENOENT for 404, -EACCES for 401/403, -EIO
 * otherwise, with the status and the server's message in err.
 */
int kr_k8s_get(const struct kr_kubeconfig *kc, const char *path,
	       long timeout_ms, json_t **ret, struct kr_err *err);

#endif
