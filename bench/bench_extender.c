/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extender benchmark driver: POSTs filter then prioritize for N nodes, the
 * way kube-scheduler does for one pod, over a keep-alive connection, and
 * prints median and p99 of the pair and pairs per second.
 *
 *   bench-extender URL NODES ROUNDS [nodes]   (nodes: full Node objects)
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t sink(char *p, size_t s, size_t n, void *arg)
{
	return s * n;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void post(CURL *c, const char *url, const char *body)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) != CURLE_OK)
		fprintf(stderr, "POST %s failed\n", url), exit(1);
}

int main(int argc, char **argv)
{
	const char *base = argv[1];
	int n = atoi(argv[2]), rounds = atoi(argv[3]), i;
	int full = argc > 4 && !strcmp(argv[4], "nodes");
	json_t *args, *list = json_array();
	char url_f[256], url_p[256], *body;
	struct curl_slist *h = NULL;
	double *t = calloc((size_t)rounds, sizeof(*t)), total = 0;
	CURL *c = curl_easy_init();

	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "node-%05d", i);
		if (full)
			json_array_append_new(
				list, json_pack("{s:{s:s}, s:{s:[{s:s, s:s}]}}",
						"metadata", "name", name,
						"status", "addresses", "type",
						"InternalIP", "address",
						"127.0.0.1"));
		else
			json_array_append_new(list, json_string(name));
	}
	args = json_pack("{s:{s:{s:s, s:s, s:s, s:{s:s}}}, s:o, s:o}", "Pod",
			 "metadata", "name", "p", "namespace", "default", "uid",
			 "u", "annotations", "kube-rdma.io/interfaces",
			 "[{\"min_tx_rate\": 20000, \"max_tx_rate\": 40000}, "
			 "{\"min_tx_rate\": 10000}, {}]",
			 full ? "Nodes" : "NodeNames",
			 full ? json_pack("{s:o}", "items", list) : list,
			 full ? "NodeNames" : "Nodes", json_null());
	body = json_dumps(args, JSON_COMPACT);
	snprintf(url_f, sizeof(url_f), "%s/filter", base);
	snprintf(url_p, sizeof(url_p), "%s/prioritize", base);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	post(c, url_f, body);	/* warm: nodes fetched at first sight */
	for (i = 0; i < rounds; i++) {
		double t0 = now_us();

		post(c, url_f, body);
		post(c, url_p, body);
		t[i] = now_us() - t0;
		total += t[i];
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp);
	printf("%d %s %.0f %.0f %.0f %zu\n", n, full ? "Nodes" : "NodeNames",
	       t[rounds / 2], t[(int)(rounds * 0.99)], rounds / (total / 1e6),
	       strlen(body));
	return 0;
}
