/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-apiserver-sim: a stand-in for the Kubernetes API server, for
 * the simulated cluster and the tests.  Objects are files:
 * GET PATH answers DIR/PATH.json; PATCH PATH applies a JSON merge patch to
 * it; POST .../pods/NAME/binding records the Binding in .../NAME.binding.json and
 * sets the pod's spec.nodeName.  Every request needs the bearer token.
 * POST /apis/authentication.k8s.io/v1/tokenreviews answers a TokenReview
 * from DIR/tokens.json, read at each request:
 *   {"TOKEN": {"username": "u", "uid": "..", "groups": ["g"],
 *              "audiences": ["a"]}}
 * A token not there, or whose audiences (default: the API server's,
 * https://kubernetes.default.svc) meet none of the review's (the same
 * default), is not authenticated.
 * Requests whose path contains the text of DIR/fail (if that file exists)
 * answer 500, and those whose path contains the text of DIR/slow ("TEXT
 * MILLISECONDS") wait that long first, so tests can make a step fail.
 * Errors are Status objects.
 *
 *   kube-rdma-apiserver-sim PORT TOKEN DIR   (127.0.0.1; SIGTERM stops)
 */
#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *token, *dir;

struct request {
	char *body;
	size_t len;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned int code,
			      const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result status(struct MHD_Connection *c, unsigned int code,
			      const char *reason, const char *message)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "kind",
				"Status", "apiVersion", "v1", "status",
				"Failure", "message", message, "reason",
				reason, "code", code);
	char *text = json_dumps(doc, JSON_COMPACT);
	enum MHD_Result ret = answer(c, code, text);

	free(text);
	json_decref(doc);
	return ret;
}

/* The first line of DIR/NAME into 'text', or "" when there is none. */
static void read_control(const char *name, char *text, size_t size)
{
	char path[1024];
	FILE *f;

	text[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(text, (int)size, f))
		text[0] = '\0';
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
}

static int told_to_fail(const char *url)
{
	char text[256];

	read_control("fail", text, sizeof(text));
	return text[0] && strstr(url, text);
}

static void slow_down(const char *url)
{
	char text[256], *space;

	read_control("slow", text, sizeof(text));
	space = strrchr(text, ' ');
	if (!space)
		return;
	*space = '\0';
	if (text[0] && strstr(url, text))
		usleep((useconds_t)atoi(space + 1) * 1000);
}

#define API_AUDIENCE "https://kubernetes.default.svc"

/* The audiences in 'list' (or the API server's, when empty) that 'want'
 * (the same default) has too. */
static json_t *audiences_met(json_t *list, json_t *want)
{
	json_t *met = json_array(), *a, *b;
	json_t *api = json_pack("[s]", API_AUDIENCE);
	size_t i, j;

	if (!json_array_size(list))
		list = api;
	if (!json_array_size(want))
		want = api;
	json_array_foreach(list, i, a)
		json_array_foreach(want, j, b)
			if (json_equal(a, b))
				json_array_append(met, a);
	json_decref(api);
	return met;
}

static enum MHD_Result review_token(struct MHD_Connection *c,
				    struct request *rq)
{
	json_t *review = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL);
	json_t *spec = json_object_get(review, "spec");
	const char *presented =
		json_string_value(json_object_get(spec, "token"));
	char path[1024];
	json_t *known, *who, *met, *verdict;
	enum MHD_Result ret;
	char *text;

	if (!presented) {
		json_decref(review);
		return status(c, 400, "BadRequest", "no spec.token");
	}
	snprintf(path, sizeof(path), "%s/tokens.json", dir);
	known = json_load_file(path, 0, NULL);
	who = json_object_get(known, presented);
	met = audiences_met(json_object_get(who, "audiences"),
			    json_object_get(spec, "audiences"));
	if (who && json_array_size(met))
		verdict = json_pack("{s:b, s:{s:O, s:O*, s:O*}, s:O}",
				   "authenticated", 1, "user", "username",
				   json_object_get(who, "username"), "uid",
				   json_object_get(who, "uid"), "groups",
				   json_object_get(who, "groups"),
				   "audiences", met);
	else
		verdict = json_pack("{s:b, s:s}", "authenticated", 0, "error",
				   who ? "token audiences are invalid for "
					 "the target audiences"
				       : "invalid bearer token");
	json_object_del(spec, "token");
	json_object_set_new(review, "status", verdict);
	text = json_dumps(review, JSON_COMPACT);
	ret = answer(c, 201, text ? text : "{}");
	free(text);
	json_decref(met);
	json_decref(known);
	json_decref(review);
	return ret;
}

static enum MHD_Result handle(struct MHD_Connection *c, const char *url,
			      const char *method, struct request *rq)
{
	char path[1024], msg[1100];
	json_t *obj, *patch;
	char *text;

	if (strstr(url, ".."))
		return status(c, 400, "BadRequest", "bad path");
	slow_down(url);
	if (told_to_fail(url))
		return status(c, 500, "InternalError", "told to fail");
	snprintf(path, sizeof(path), "%s%s.json", dir, url);
	if (!strcmp(method, "POST") &&
	    !strcmp(url, "/apis/authentication.k8s.io/v1/tokenreviews"))
		return review_token(c, rq);
	if (!strcmp(method, "POST")) {
		char pod[1024];
		size_t len = strlen(url);

		if (len < 8 || strcmp(url + len - 8, "/binding"))
			return status(c, 405, "MethodNotAllowed", url);
		patch = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL);
		if (!patch)
			return status(c, 400, "BadRequest", "not JSON");
		snprintf(pod, sizeof(pod), "%s%.*s.binding.json", dir,
			 (int)(len - 8), url);
		json_dump_file(patch, pod, 0);
		snprintf(pod, sizeof(pod), "%s%.*s.json", dir,
			 (int)(len - 8), url);
		obj = json_load_file(pod, 0, NULL);
		if (obj) {
			json_t *spec = json_object_get(obj, "spec");

			if (!spec)
				json_object_set_new(obj, "spec",
						    spec = json_object());
			json_object_set(spec, "nodeName",
					json_object_get(json_object_get(
								patch,
								"target"),
							"name"));
			json_dump_file(obj, pod, 0);
			json_decref(obj);
		}
		json_decref(patch);
		return answer(c, 201, "{\"kind\":\"Status\",\"status\":"
				      "\"Success\"}");
	}
	obj = json_load_file(path, 0, NULL);
	if (!obj) {
		snprintf(msg, sizeof(msg), "%s not found", url);
		return status(c, 404, "NotFound", msg);
	}
	if (!strcmp(method, "PATCH")) {
		patch = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL);
		if (!json_is_object(patch)) {
			json_decref(patch);
			json_decref(obj);
			return status(c, 400, "BadRequest", "not a patch");
		}
		json_object_update_recursive(obj, patch);
		json_decref(patch);
		json_dump_file(obj, path, 0);
	} else if (strcmp(method, "GET")) {
		json_decref(obj);
		return status(c, 405, "MethodNotAllowed", method);
	}
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	{
		enum MHD_Result ret = answer(c, 200, text);

		free(text);
		return ret;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **state)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Authorization");
	struct request *rq = *state;
	char expect[512];

	if (!rq) {
		*state = calloc(1, sizeof(*rq));
		return *state ? MHD_YES : MHD_NO;
	}
	if (*size) {
		rq->body = realloc(rq->body, rq->len + *size + 1);
		memcpy(rq->body + rq->len, data, *size);
		rq->len += *size;
		rq->body[rq->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	snprintf(expect, sizeof(expect), "Bearer %s", token);
	if (!auth || strcmp(auth, expect))
		return status(c, 401, "Unauthorized", "Unauthorized");
	return handle(c, url, method, rq);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
		    enum MHD_RequestTerminationCode code)
{
	struct request *rq = *state;

	if (rq) {
		free(rq->body);
		free(rq);
	}
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	if (argc != 4) {
		fprintf(stderr, "usage: kube-rdma-apiserver-sim PORT TOKEN DIR\n");
		return 2;
	}
	token = argv[2];
	dir = argv[3];
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD,
			     (uint16_t)atoi(argv[1]), NULL, NULL, on_request,
			     NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "kube-rdma-apiserver-sim: cannot listen on %s\n",
			argv[1]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
