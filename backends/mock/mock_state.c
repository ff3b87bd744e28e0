/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mock PF's persistent state: what a NIC keeps in its firmware (VF
 * count, per-VF rates).  One JSON file per PF, replaced atomically, and a
 * lock file so processes sharing the node do read-modify-write one at a
 * time.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mock.h"

int mockb_state_lock(struct kr_backend_pf *pf, int *ret_fd, struct kr_err *err)
{
	int fd;

	fd = open(pf->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return pf->svc->err_set(err, -errno, "open %s: %s",
					pf->lock_path, strerror(errno));
	if (flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		close(fd);
		return pf->svc->err_set(err, r, "lock %s: %s", pf->lock_path,
					strerror(-r));
	}
	*ret_fd = fd;
	return 0;
}

void mockb_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

static int corrupt(struct kr_backend_pf *pf, struct kr_err *err,
		   const char *why)
{
	return pf->svc->err_set(err, -EINVAL, "%s: corrupt mock state: %s",
				pf->state_path, why);
}

int mockb_state_load(struct kr_backend_pf *pf, struct kr_err *err)
{
	json_int_t num, index, min, max;
	json_error_t jerr;
	json_t *doc, *vfs, *v;
	size_t i;
	int r = 0;

	memset(pf->state.vfs, 0, pf->total_vfs * sizeof(*pf->state.vfs));
	pf->state.num_vfs = 0;
	doc = json_load_file(pf->state_path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (access(pf->state_path, F_OK) < 0 && errno == ENOENT)
			return 0;
		return corrupt(pf, err, jerr.text);
	}
	if (json_unpack_ex(doc, &jerr, JSON_STRICT, "{s:I, s:o}", "num_vfs",
			   &num, "vfs", &vfs) < 0 || !json_is_array(vfs)) {
		r = corrupt(pf, err, "expected {\"num_vfs\": N, \"vfs\": []}");
		goto out;
	}
	if (num < 0 || num > pf->total_vfs) {
		r = corrupt(pf, err, "num_vfs outside 0..total_vfs");
		goto out;
	}
	pf->state.num_vfs = (uint32_t)num;
	json_array_foreach(vfs, i, v) {
		if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:I, s:I, s:I}",
				   "index", &index, "min_tx_rate", &min,
				   "max_tx_rate", &max) < 0 ||
		    index < 0 || index >= num || min < 0 || max < 0 ||
		    min > UINT32_MAX || max > UINT32_MAX) {
			r = corrupt(pf, err, "bad VF entry");
			goto out;
		}
		pf->state.vfs[index].min_tx_rate = (uint32_t)min;
		pf->state.vfs[index].max_tx_rate = (uint32_t)max;
	}
out:
	json_decref(doc);
	return r;
}

int mockb_state_save(struct kr_backend_pf *pf, struct kr_err *err)
{
	json_t *doc, *vfs;
	char *text;
	uint32_t i;
	int r;

	vfs = json_array();
	if (!vfs)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < pf->state.num_vfs; i++) {
		const struct mockb_vf_state *s = &pf->state.vfs[i];

		if (!s->min_tx_rate && !s->max_tx_rate)
			continue;
		if (json_array_append_new(
			    vfs, json_pack("{s:I, s:I, s:I}", "index",
					   (json_int_t)i, "min_tx_rate",
					   (json_int_t)s->min_tx_rate,
					   "max_tx_rate",
					   (json_int_t)s->max_tx_rate)) < 0) {
			json_decref(vfs);
			return pf->svc->err_set(err, -ENOMEM, "out of memory");
		}
	}
	doc = json_pack("{s:I, s:o}", "num_vfs", (json_int_t)pf->state.num_vfs,
			"vfs", vfs);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	r = pf->svc->write_file_atomic(pf->state_path, text, strlen(text), err);
	free(text);
	return r;
}
