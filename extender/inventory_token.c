/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "inventory_token.h"
#include "log.h"
#include "ratelimit.h"
#include "token_file.h"

/* Set before the threads start, then only read: no lock. */
static struct kr_token_file *token_file;

/* The configured file, the service account's in a pod, or NULL. */
static const char *token_path(const struct kr_config *cfg)
{
	const char *file = cfg->extender_inventory_token_file;

	if (file)
		return *file ? file : NULL;	/* "" is none */
	if (getenv("KUBERNETES_SERVICE_HOST") &&
	    access(KR_K8S_SA_TOKEN, F_OK) == 0)
		return KR_K8S_SA_TOKEN;
	return NULL;
}

int inventory_token_setup(const struct kr_config *cfg, struct kr_err *err)
{
	const char *path = token_path(cfg);
	struct kr_err why = { 0 };
	char *token = NULL;
	int r;

	if (!path) {
		kr_log(KR_LOG_INFO, "inventories are read without a token");
		return 0;
	}
	r = kr_token_file_open(path, &token_file, err);
	if (r < 0)
		return r;
	if (kr_token_file_get(token_file, &token, &why) < 0)
		kr_log(KR_LOG_WARNING, "%s; daemons with auth = tokenreview "
		       "refuse the extender until it reads", kr_err_text(&why));
	else
		kr_log(KR_LOG_INFO, "inventories are read with the token in "
		       "%s", path);
	kr_token_free(token);
	return 0;
}

char *inventory_token_header(void)
{
	struct kr_err err = { 0 };
	char *token = NULL, *header = NULL;

	if (!token_file)
		return NULL;
	if (kr_token_file_get(token_file, &token, &err) < 0) {
		kr_log_rl(KR_LOG_WARNING, "inventory requests go without a "
			  "token: %s", kr_err_text(&err));
		return NULL;
	}
	if (asprintf(&header, "Authorization: Bearer %s", token) < 0)
		header = NULL;
	kr_token_free(token);
	return header;
}

void inventory_token_teardown(void)
{
	kr_token_file_close(token_file);
	token_file = NULL;
}
