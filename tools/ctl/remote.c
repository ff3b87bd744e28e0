/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http_body.h"
#include "remote.h"
#include "token_file.h"

/* Largest inventory accepted: 64 PFs x 256 VFs is about 4 MB. */
#define MAX_BODY (16u << 20)

int ctl_fetch_inventory(const char *url, const char *token_file,
			struct kr_inventory **ret, struct kr_err *err)
{
	struct kr_http_body body = { .max = MAX_BODY };
	const char *scheme_end = strstr(url, "://");
	struct curl_slist *headers = NULL;
	char *full = NULL, *token = NULL, *auth = NULL;
	long status = 0;
	CURLcode rc;
	CURL *curl;
	int r;

	if (!scheme_end || (strncmp(url, "http://", 7) &&
			    strncmp(url, "https://", 8)))
		return kr_err_set(err, -EINVAL,
				  "--url %s: expected http://HOST:PORT", url);
	/* no path: the daemon's inventory */
	if (!strchr(scheme_end + 3, '/')) {
		if (asprintf(&full, "%s/v1/inventory", url) < 0)
			return kr_err_set(err, -ENOMEM, "out of memory");
		url = full;
	}
	if (token_file) {
		r = kr_token_read(token_file, &token, err);
		if (r < 0) {
			kr_err_prefix(err, "--token-file");
			free(full);
			return r;
		}
		if (asprintf(&auth, "Authorization: Bearer %s", token) < 0 ||
		    !(headers = curl_slist_append(NULL, auth))) {
			kr_token_free(token);
			kr_token_free(auth);
			free(full);
			return kr_err_set(err, -ENOMEM, "out of memory");
		}
	}
	curl = curl_easy_init();
	if (!curl) {
		curl_slist_free_all(headers);
		kr_token_free(token);
		kr_token_free(auth);
		free(full);
		return kr_err_set(err, -ENOMEM, "cannot start libcurl");
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, kr_http_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK)
		r = kr_err_set(err, -EIO, "%s: %s", url,
			       body.too_big ? "answer larger than 16 MiB"
					    : curl_easy_strerror(rc));
	else if (status == 401 || status == 403)
		r = kr_err_set(err, -EACCES, "%s: HTTP status %ld: %s", url,
			       status, token_file ? "the daemon does not let "
					 "this token in" : "the daemon wants a "
					 "bearer token (--token-file FILE)");
	else if (status != 200)
		r = kr_err_set(err, -EIO, "%s: HTTP status %ld", url, status);
	else if ((r = kr_inventory_parse(kr_http_body_text(&body), body.len,
					 ret, err)) < 0)
		kr_err_prefix(err, "%s", url);
	curl_slist_free_all(headers);
	kr_token_free(token);
	kr_token_free(auth);
	free(body.data);
	free(full);
	return r;
}
