/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for the Kubernetes API server in tests: serves pods from files
 * (DIR/NAMESPACE/NAME.json) at GET /api/v1/namespaces/NS/pods/NAME, checks
 * the bearer token, answers errors as Status objects.
 *
 *   fake-apiserver PORT TOKEN DIR      (listens on 127.0.0.1; SIGTERM stops)
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *token, *dir;

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
	char body[512];

	snprintf(body, sizeof(body),
		 "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
		 "\"Failure\",\"message\":\"%s\",\"reason\":\"%s\","
		 "\"code\":%u}", message, reason, code);
	return answer(c, code, body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **state)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       "Authorization");
	char ns[128], name[256], path[1024], expect[512];
	FILE *f;
	char *body = NULL;
	size_t len = 0;
	enum MHD_Result ret;

	if (!*state) {
		*state = (void *)1;
		return MHD_YES;
	}
	snprintf(expect, sizeof(expect), "Bearer %s", token);
	if (!auth || strcmp(auth, expect))
		return status(c, 401, "Unauthorized", "Unauthorized");
	if (strcmp(method, "GET") ||
	    sscanf(url, "/api/v1/namespaces/%127[^/]/pods/%255[^/]", ns,
		   name) != 2)
		return status(c, 404, "NotFound", "the server could not find "
						  "the requested resource");
	snprintf(path, sizeof(path), "%s/%s/%s.json", dir, ns, name);
	f = fopen(path, "r");
	if (!f) {
		snprintf(expect, sizeof(expect), "pods \\\"%s\\\" not found",
			 name);
		return status(c, 404, "NotFound", expect);
	}
	if (getdelim(&body, &len, '\0', f) < 0) {
		fclose(f);
		return status(c, 500, "InternalError", "read");
	}
	fclose(f);
	ret = answer(c, 200, body);
	free(body);
	return ret;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;

	if (argc != 4) {
		fprintf(stderr, "usage: fake-apiserver PORT TOKEN DIR\n");
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
			     NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "fake-apiserver: cannot listen on %s\n",
			argv[1]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
