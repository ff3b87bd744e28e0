/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdi.h"
#include "err.h"
#include "fileio.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* deviceNodes entry for /dev/infiniband/NAME, if it exists. */
static void add_node(json_t *nodes, const char *devdir, const char *name)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", devdir, name) <
		    sizeof(path) &&
	    access(path, F_OK) == 0)
		json_array_append_new(nodes,
				      json_pack("{s:s+}", "path",
						"/dev/infiniband/", name));
}

int cdi_write(const struct kr_config *cfg, struct kr_err *err)
{
	char devdir[4096], spec[4096], *text = NULL, *old = NULL;
	json_t *doc = NULL, *devices, *all, *common;
	char **names = NULL;
	size_t n = 0, i, len = 0;
	struct dirent *e;
	FILE *f;
	DIR *d;
	int r = 0;

	if (!cfg->daemon_cdi_dir[0])
		return 0;
	snprintf(devdir, sizeof(devdir), "%s/infiniband", cfg->dev_root);
	snprintf(spec, sizeof(spec), "%s/kube-rdma.json", cfg->daemon_cdi_dir);
	d = opendir(devdir);
	while (d && (e = readdir(d))) {
		char **grown;

		if (strncmp(e->d_name, "uverbs", 6))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	if (d)
		closedir(d);
	if (!n) {
		if (unlink(spec) < 0 && errno != ENOENT)
			r = kr_err_set(err, -errno, "remove %s: %s", spec,
				       strerror(errno));
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	devices = json_array();
	all = json_array();
	common = json_array();
	add_node(common, devdir, "rdma_cm");
	for (i = 0; i < n; i++) {
		json_t *nodes = json_array();
		char other[64];

		add_node(nodes, devdir, names[i]);
		add_node(all, devdir, names[i]);
		/* umadN and issmN share uverbsN's number */
		snprintf(other, sizeof(other), "umad%s", names[i] + 6);
		add_node(nodes, devdir, other);
		add_node(all, devdir, other);
		snprintf(other, sizeof(other), "issm%s", names[i] + 6);
		add_node(nodes, devdir, other);
		add_node(all, devdir, other);
		json_array_append_new(devices,
				      json_pack("{s:s, s:{s:o}}", "name",
						names[i], "containerEdits",
						"deviceNodes", nodes));
	}
	json_array_append_new(devices, json_pack("{s:s, s:{s:o}}", "name",
						 "all", "containerEdits",
						 "deviceNodes", all));
	doc = json_pack("{s:s, s:s, s:o, s:{s:o}}", "cdiVersion", "0.6.0",
			"kind", "kube-rdma.io/rdma", "devices", devices,
			"containerEdits", "deviceNodes", common);
	text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	if (!text) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	f = fopen(spec, "re");
	if (f) {
		if (getdelim(&old, &len, '\0', f) < 0) {
			free(old);
			old = NULL;
		}
		fclose(f);
	}
	if (old && !strcmp(old, text))
		goto out;	/* unchanged: runtimes need not re-read */
	r = kr_mkdir_p(cfg->daemon_cdi_dir, err);
	if (!r)
		r = kr_write_file_atomic(spec, text, strlen(text), err);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(old);
	free(text);
	json_decref(doc);
	return r;
}
