/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "err.h"
#include "fileio.h"
#include "util.h"

#define ALLOC_VERSION 1
#define ALLOC_SUFFIX ".json"

int kr_alloc_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 128 || id[0] == '.')
		return 0;
	for (; *id; id++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
		      (*id >= '0' && *id <= '9') || *id == '-' || *id == '_' ||
		      *id == '.'))
			return 0;
	return 1;
}

int kr_alloc_path(const char *state_dir, const char *id,
		  const char *ifname, char **ret, struct kr_err *err)
{
	if (!kr_alloc_id_valid(id))
		return kr_err_set(err, -EINVAL,
				  "container ID \"%.64s\" cannot name a record",
				  id);
	if (!kr_ifname_valid(ifname))
		return kr_err_set(err, -EINVAL, "ifname \"%.32s\" is not valid",
				  ifname);
	if (asprintf(ret, "%s/" KR_ALLOC_DIR "/%s.%s" ALLOC_SUFFIX, state_dir,
		     id, ifname) < 0)
		return kr_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static json_t *vf_to_json(const struct kr_alloc_vf *v)
{
	/* "rdma_device" only when there is one ('s*' leaves out NULL) */
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s*, s:I, s:I}", "pf",
			 v->pf, "vf", (json_int_t)v->vf, "pci", v->pci,
			 "host_netdev", v->host_netdev, "pod_ifname",
			 v->pod_ifname, "rdma_device",
			 v->rdma_device[0] ? v->rdma_device : NULL,
			 "min_tx_rate", (json_int_t)v->min_tx_rate,
			 "max_tx_rate", (json_int_t)v->max_tx_rate);
}

int kr_alloc_write(const char *state_dir, const struct kr_alloc *a,
		   struct kr_err *err)
{
	char *path = NULL, *dir = NULL, *text = NULL;
	json_t *doc = NULL, *vfs;
	size_t i;
	int r;

	r = kr_alloc_path(state_dir, a->container_id, a->ifname, &path, err);
	if (r < 0)
		return r;
	vfs = json_array();
	for (i = 0; vfs && i < a->n_vfs; i++)
		if (json_array_append_new(vfs, vf_to_json(&a->vfs[i])) < 0) {
			json_decref(vfs);
			vfs = NULL;
		}
	/* 's*' leaves out NULL members */
	if (vfs)
		doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, "
				"s:s*, s:s*, s:o}",
				"version", ALLOC_VERSION, "state",
				kr_alloc_state_name(a->state), "container_id",
				a->container_id, "ifname", a->ifname, "netns",
				a->netns, "pod", "namespace", a->pod_namespace,
				"name", a->pod_name, "uid", a->pod_uid,
				"netconf", a->netconf, "cni_path", a->cni_path,
				"vfs", vfs);
	if (doc)
		text = json_dumps(doc, JSON_INDENT(1));
	if (!text || asprintf(&dir, "%s/" KR_ALLOC_DIR, state_dir) < 0) {
		dir = NULL;
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = kr_mkdir_p(dir, err);
	if (!r)
		r = kr_write_file_atomic(path, text, strlen(text), err);
out:
	json_decref(doc);
	free(text);
	free(dir);
	free(path);
	return r;
}

static int copy_str(char *dst, size_t size, const char *src, int required,
		    int (*valid)(const char *), const char *path,
		    const char *member, struct kr_err *err)
{
	if ((required && !*src) || (*src && valid && !valid(src)) ||
	    kr_strlcpy(dst, src, size) < 0)
		return kr_err_set(err, -EINVAL, "%s: %s: bad value \"%.40s\"",
				  path, member, src);
	return 0;
}

static int parse_vf(json_t *o, struct kr_alloc_vf *v, const char *path,
		    size_t i, struct kr_err *err)
{
	const char *pf, *pci, *host, *pod, *rdma = "";
	json_int_t vf, min, max;
	json_error_t jerr;
	char member[32];
	int r;

	snprintf(member, sizeof(member), "vfs[%zu]", i);
	if (json_unpack_ex(o, &jerr, JSON_STRICT,
			   "{s:s, s:I, s:s, s:s, s:s, s?:s, s:I, s:I}", "pf",
			   &pf, "vf", &vf, "pci", &pci, "host_netdev", &host,
			   "pod_ifname", &pod, "rdma_device", &rdma,
			   "min_tx_rate", &min, "max_tx_rate", &max) < 0)
		return kr_err_set(err, -EINVAL, "%s: %s: %s", path, member,
				  jerr.text);
	if (vf < 0 || vf > 65535 || min < 0 || min > UINT32_MAX || max < 0 ||
	    max > UINT32_MAX)
		return kr_err_set(err, -EINVAL, "%s: %s: number out of range",
				  path, member);
	v->vf = (uint32_t)vf;
	v->min_tx_rate = (uint32_t)min;
	v->max_tx_rate = (uint32_t)max;
	r = copy_str(v->pf, sizeof(v->pf), pf, 1, kr_ifname_valid, path,
		     "pf", err);
	if (!r)
		r = copy_str(v->pci, sizeof(v->pci), pci, 0, NULL, path, "pci",
			     err);
	if (!r)
		r = copy_str(v->host_netdev, sizeof(v->host_netdev), host, 0,
			     kr_ifname_valid, path, "host_netdev", err);
	if (!r)
		r = copy_str(v->pod_ifname, sizeof(v->pod_ifname), pod, 0,
			     kr_ifname_valid, path, "pod_ifname", err);
	if (!r)
		r = copy_str(v->rdma_device, sizeof(v->rdma_device), rdma, 0,
			     kr_rdma_name_valid, path, "rdma_device", err);
	return r;
}

static int parse_record(json_t *doc, const char *path, struct kr_alloc **ret,
			struct kr_err *err)
{
	const char *cid, *ifname, *netns, *ns, *name, *uid;
	const char *state = "ready", *netconf = NULL, *cni_path = NULL;
	struct kr_alloc *a;
	json_error_t jerr;
	json_t *vfs, *v;
	int version, r;
	size_t i;

	if (json_unpack_ex(doc, &jerr, JSON_STRICT,
			   "{s:i, s?:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}, "
			   "s?:s, s?:s, s:o}",
			   "version", &version, "state", &state, "container_id",
			   &cid, "ifname", &ifname, "netns", &netns, "pod",
			   "namespace", &ns, "name", &name, "uid", &uid,
			   "netconf", &netconf, "cni_path", &cni_path, "vfs",
			   &vfs) < 0)
		return kr_err_set(err, -EINVAL, "%s: %s", path, jerr.text);
	if (version != ALLOC_VERSION)
		return kr_err_set(err, -EINVAL, "%s: version %d, expected %d",
				  path, version, ALLOC_VERSION);
	if (!json_is_array(vfs))
		return kr_err_set(err, -EINVAL, "%s: vfs: not an array", path);
	a = calloc(1, sizeof(*a));
	if (!a)
		return kr_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i <= KR_ALLOC_RELEASING &&
		    strcmp(state, kr_alloc_state_name(i)); i++)
		;
	if (i > KR_ALLOC_RELEASING) {
		kr_alloc_free(a);
		return kr_err_set(err, -EINVAL, "%s: state: bad value \"%.20s\"",
				  path, state);
	}
	a->state = (enum kr_alloc_state)i;
	a->n_vfs = json_array_size(vfs);
	a->vfs = calloc(a->n_vfs + 1, sizeof(*a->vfs));
	a->netconf = netconf ? strdup(netconf) : NULL;
	a->cni_path = cni_path ? strdup(cni_path) : NULL;
	if (!a->vfs || (netconf && !a->netconf) ||
	    (cni_path && !a->cni_path)) {
		kr_alloc_free(a);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	r = copy_str(a->container_id, sizeof(a->container_id), cid, 1,
		     kr_alloc_id_valid, path, "container_id", err);
	if (!r)
		r = copy_str(a->ifname, sizeof(a->ifname), ifname, 1,
			     kr_ifname_valid, path, "ifname", err);
	if (!r)
		r = copy_str(a->netns, sizeof(a->netns), netns, 0, NULL, path,
			     "netns", err);
	if (!r)
		r = copy_str(a->pod_namespace, sizeof(a->pod_namespace), ns, 0,
			     NULL, path, "pod.namespace", err);
	if (!r)
		r = copy_str(a->pod_name, sizeof(a->pod_name), name, 0, NULL,
			     path, "pod.name", err);
	if (!r)
		r = copy_str(a->pod_uid, sizeof(a->pod_uid), uid, 0, NULL,
			     path, "pod.uid", err);
	json_array_foreach(vfs, i, v) {
		if (r < 0)
			break;
		r = parse_vf(v, &a->vfs[i], path, i, err);
	}
	if (r < 0) {
		kr_alloc_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static int read_path(const char *path, struct kr_alloc **ret,
		     struct kr_err *err)
{
	json_error_t jerr;
	json_t *doc;
	int r;

	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (access(path, F_OK) < 0)
			return kr_err_set(err, -errno, "%s: %s", path,
					  strerror(errno));
		return kr_err_set(err, -EINVAL, "%s: line %d: %s", path,
				  jerr.line, jerr.text);
	}
	r = parse_record(doc, path, ret, err);
	json_decref(doc);
	return r;
}

int kr_alloc_read(const char *state_dir, const char *container_id,
		  const char *ifname, struct kr_alloc **ret,
		  struct kr_err *err)
{
	char *path;
	int r;

	r = kr_alloc_path(state_dir, container_id, ifname, &path, err);
	if (r < 0)
		return r;
	r = read_path(path, ret, err);
	free(path);
	return r;
}

int kr_alloc_remove(const char *state_dir, const char *container_id,
		    const char *ifname, struct kr_err *err)
{
	char *path;
	int r;

	r = kr_alloc_path(state_dir, container_id, ifname, &path, err);
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		r = kr_err_set(err, -errno, "remove %s: %s", path,
			       strerror(errno));
	free(path);
	return r;
}

int kr_alloc_list(const char *state_dir, kr_alloc_bad_fn *on_bad, void *arg,
		  struct kr_alloc ***ret, size_t *ret_n, struct kr_err *err)
{
	struct kr_alloc **list = NULL, **grown, *a;
	struct dirent *e;
	size_t n = 0;
	char *dir;
	DIR *d;

	if (asprintf(&dir, "%s/" KR_ALLOC_DIR, state_dir) < 0)
		return kr_err_set(err, -ENOMEM, "out of memory");
	d = opendir(dir);
	if (!d) {
		int r = errno == ENOENT ? 0 : -errno;

		if (r < 0)
			kr_err_set(err, r, "%s: %s", dir, strerror(-r));
		free(dir);
		*ret = NULL;
		*ret_n = 0;
		return r;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct kr_err bad = { 0 };
		char *path;

		if (kr_stale_temp_remove(dir, e->d_name))
			continue;
		if (e->d_name[0] == '.' || len <= strlen(ALLOC_SUFFIX) ||
		    strcmp(e->d_name + len - strlen(ALLOC_SUFFIX),
			   ALLOC_SUFFIX))
			continue;	/* temp files and strays */
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			goto out_nomem;
		if (read_path(path, &a, &bad) < 0) {
			if (bad.code != -ENOENT && on_bad)
				on_bad(arg, path, &bad);
			free(path);
			continue;
		}
		free(path);
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			kr_alloc_free(a);
			goto out_nomem;
		}
		list = grown;
		list[n++] = a;
	}
	closedir(d);
	free(dir);
	*ret = list;
	*ret_n = n;
	return 0;
out_nomem:
	closedir(d);
	free(dir);
	kr_alloc_list_free(list, n);
	return kr_err_set(err, -ENOMEM, "out of memory");
}

int kr_alloc_set_aside(const char *state_dir, const char *path, char *aside,
		       size_t size, struct kr_err *err)
{
	const char *name = strrchr(path, '/');
	char dir[PATH_MAX];
	int r;

	name = name ? name + 1 : path;
	if (snprintf(dir, sizeof(dir), "%s/" KR_ALLOC_DIR "/"
		     KR_ALLOC_UNREADABLE_DIR, state_dir) >= (int)sizeof(dir) ||
	    snprintf(aside, size, "%s/%s.%lld", dir, name,
		     (long long)time(NULL)) >= (int)size)
		return kr_err_set(err, -ENAMETOOLONG, "%s: path too long",
				  path);
	r = kr_mkdir_p(dir, err);
	if (r < 0)
		return r;
	if (rename(path, aside) < 0) {
		r = -errno;
		return kr_err_set(err, r, "move %s to %s: %s", path, aside,
				  strerror(-r));
	}
	return 0;
}

const struct kr_alloc *kr_alloc_holder(struct kr_alloc *const *list,
				       size_t n, const char *pf, uint32_t vf)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < list[i]->n_vfs; j++)
			if (list[i]->vfs[j].vf == vf &&
			    !strcmp(list[i]->vfs[j].pf, pf))
				return list[i];
	return NULL;
}

const char *kr_alloc_state_name(enum kr_alloc_state state)
{
	switch (state) {
	case KR_ALLOC_READY:
		return "ready";
	case KR_ALLOC_ADDING:
		return "adding";
	case KR_ALLOC_RELEASING:
		return "releasing";
	}
	return "?";
}

void kr_alloc_clear(struct kr_alloc *a)
{
	free(a->vfs);
	free(a->netconf);
	free(a->cni_path);
	a->vfs = NULL;
	a->netconf = a->cni_path = NULL;
	a->n_vfs = 0;
}

void kr_alloc_free(struct kr_alloc *a)
{
	if (!a)
		return;
	kr_alloc_clear(a);
	free(a);
}

void kr_alloc_list_free(struct kr_alloc **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		kr_alloc_free(list[i]);
	free(list);
}
