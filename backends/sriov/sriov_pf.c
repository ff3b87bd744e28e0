/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sriov_pf.h"

const char *kr_sriov_path(const struct kr_sriov_pf *pf, const char *tail,
			  char *buf, size_t size)
{
	snprintf(buf, size, "class/net/%s/%s", pf->name, tail);
	return buf;
}

int kr_sriov_init(const struct kr_backend_services *svc,
		  struct kr_backend_ctx **ret_ctx, struct kr_err *err)
{
	struct kr_backend_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return svc->err_set(err, -ENOMEM, "out of memory");
	ctx->svc = svc;
	*ret_ctx = ctx;
	return 0;
}

void kr_sriov_fini(struct kr_backend_ctx *ctx)
{
	free(ctx);
}

int kr_sriov_services_ok(const struct kr_backend_services *svc)
{
	return svc->abi_major == KR_BACKEND_ABI_MAJOR &&
	       svc->size >= offsetof(struct kr_backend_services, vf_defaults) +
				    sizeof(svc->vf_defaults);
}

int kr_sriov_probe(const struct kr_backend_services *svc, const char *name,
		   struct kr_err *err)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "class/net/%s", name);
	if (!svc->sysfs_exists(svc->sysfs_root, rel))
		return svc->err_set(err, -ENODEV, "no netdev %s", name);
	snprintf(rel, sizeof(rel), "class/net/%s/device/sriov_totalvfs", name);
	if (!svc->sysfs_exists(svc->sysfs_root, rel))
		return svc->err_set(err, -EOPNOTSUPP,
				    "%s has no SR-IOV (no sriov_totalvfs)",
				    name);
	return 0;
}

int kr_sriov_open(const struct kr_backend_services *svc,
		  const struct kr_pf_desc *d, struct kr_sriov_pf *pf,
		  int (*other)(void *arg, const struct kr_option *o,
			       struct kr_err *err),
		  void *arg, struct kr_err *err)
{
	size_t i;
	int r;

	memset(pf, 0, sizeof(*pf));
	pf->svc = svc;
	snprintf(pf->name, sizeof(pf->name), "%s", d->name);
	pf->timeout_ms = 30000;
	for (i = 0; i < d->n_options; i++) {
		const struct kr_option *o = &d->options[i];
		const char *expected = NULL;
		char *end;

		if (!strcmp(o->key, "min_rate")) {
			if (!strcmp(o->value, "yes") || !strcmp(o->value, "no"))
				pf->min_rate = !strcmp(o->value, "yes");
			else
				expected = "yes or no";
		} else if (!strcmp(o->key, "vf_timeout_ms")) {
			pf->timeout_ms = strtol(o->value, &end, 10);
			if (*end || pf->timeout_ms < 1 ||
			    pf->timeout_ms > 600000)
				expected = "1 to 600000";
		} else if (other) {
			r = other(arg, o, err);
			if (r < 0)
				return r;
		}
		if (expected)
			return svc->err_set(err, -EINVAL,
					    "%s = \"%s\": expected %s", o->key,
					    o->value, expected);
	}
	return 0;
}

int kr_sriov_check_options(struct kr_backend_ctx *ctx,
			   const struct kr_pf_desc *d, struct kr_err *err)
{
	struct kr_sriov_pf unused;

	return kr_sriov_open(ctx->svc, d, &unused, NULL, NULL, err);
}

static int read_int(struct kr_sriov_pf *pf, const char *tail,
		    long long *ret, struct kr_err *err)
{
	char rel[160];

	return pf->svc->sysfs_read_int(pf->svc->sysfs_root,
				       kr_sriov_path(pf, tail, rel, sizeof(rel)), ret,
				       err);
}

int kr_sriov_query_caps(struct kr_sriov_pf *pf, struct kr_pf_caps *caps,
			     struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->svc;
	long long total, speed = 0, type = 1, numa = -1;
	char rel[160];
	int r;

	r = read_int(pf, "device/sriov_totalvfs", &total, err);
	if (r < 0)
		return r;
	/* re-read every time: the speed follows the link; down reads -1 */
	if (read_int(pf, "speed", &speed, err) < 0 || speed < 0)
		speed = 0;
	read_int(pf, "type", &type, err);
	read_int(pf, "device/numa_node", &numa, err);
	caps->caps = KR_CAP_VF_COUNT | KR_CAP_VF_RATE_MAX;
	if (pf->min_rate)
		caps->caps |= KR_CAP_VF_RATE_MIN;
	caps->total_vfs = (uint32_t)total;
	caps->link_speed_mbps = (uint32_t)speed;
	caps->max_rate_mbps = (uint32_t)speed;
	caps->link_layer = type == 32 ? KR_LINK_LAYER_INFINIBAND
				      : KR_LINK_LAYER_ETHERNET;
	caps->numa_node = (int32_t)numa;
	if (svc->sysfs_link_name(svc->sysfs_root,
				 kr_sriov_path(pf, "device", rel, sizeof(rel)),
				 caps->pci, sizeof(caps->pci), err) < 0)
		caps->pci[0] = '\0';
	return 0;
}

int kr_sriov_get_num_vfs(struct kr_sriov_pf *pf, uint32_t *ret_num,
			      struct kr_err *err)
{
	long long n;
	int r = read_int(pf, "device/sriov_numvfs", &n, err);

	if (r == 0)
		*ret_num = (uint32_t)n;
	return r;
}

int kr_sriov_set_num_vfs(struct kr_sriov_pf *pf, uint32_t num,
			      struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->svc;
	const struct timespec pause = { 0, 50 * 1000 * 1000 };
	char rel[160], value[16];
	long long total;
	long waited = 0;
	uint32_t i = 0;
	int r;

	r = read_int(pf, "device/sriov_totalvfs", &total, err);
	if (r < 0)
		return r;
	if (num > total)
		return svc->err_set(err, -ERANGE, "%u VFs asked, %s supports "
						  "%lld", num, pf->name, total);
	snprintf(value, sizeof(value), "%u", num);
	r = svc->sysfs_write(svc->sysfs_root,
			     kr_sriov_path(pf, "device/sriov_numvfs", rel, sizeof(rel)),
			     value, err);
	if (r < 0)
		return r;
	/* VFs appear asynchronously: wait for every virtfnN */
	while (i < num) {
		char tail[32];

		snprintf(tail, sizeof(tail), "device/virtfn%u", i);
		if (svc->sysfs_exists(svc->sysfs_root,
				      kr_sriov_path(pf, tail, rel, sizeof(rel)))) {
			i++;
			continue;
		}
		if (!svc->sysfs_exists(svc->sysfs_root,
				       kr_sriov_path(pf, "device", rel, sizeof(rel))))
			return svc->err_set(err, -ENODEV, "%s vanished while "
					    "its VFs were being created",
					    pf->name);
		if (waited >= pf->timeout_ms)
			return svc->err_set(err, -ETIMEDOUT,
					    "%s: VF %u did not appear within "
					    "%ld ms", pf->name, i, waited);
		nanosleep(&pause, NULL);
		waited += 50;
	}
	return 0;
}

int kr_sriov_vf_list(struct kr_sriov_pf *pf, struct kr_vf_info *vfs,
			  uint32_t max, uint32_t *ret_count,
			  struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->svc;
	struct kr_vf_state *states = NULL;
	uint32_t num = 0, i, listed = 0;
	int r;

	r = kr_sriov_get_num_vfs(pf, &num, err);
	if (r < 0)
		return r;
	if (num && max) {
		states = calloc(max, sizeof(*states));
		if (!states)
			return svc->err_set(err, -ENOMEM, "out of memory");
		/* the kernel's rates; a PF that cannot say reads as 0 */
		if (svc->vf_query(pf->name, states, max, &listed, err) < 0)
			listed = 0;
	}
	for (i = 0; i < num && i < max; i++) {
		struct kr_vf_info *v = &vfs[i];
		char rel[192], tail[64];

		memset(v, 0, sizeof(*v));
		v->index = i;
		snprintf(tail, sizeof(tail), "device/virtfn%u", i);
		r = svc->sysfs_link_name(svc->sysfs_root,
					 kr_sriov_path(pf, tail, rel, sizeof(rel)),
					 v->pci, sizeof(v->pci), err);
		if (r < 0)
			goto out;
		snprintf(tail, sizeof(tail), "device/virtfn%u/net", i);
		/* no netdev here: in a pod, or bound to a userspace driver */
		if (svc->sysfs_first_entry(svc->sysfs_root,
					   kr_sriov_path(pf, tail, rel, sizeof(rel)),
					   v->netdev, sizeof(v->netdev),
					   err) == 0) {
			snprintf(rel, sizeof(rel), "class/net/%s/address",
				 v->netdev);
			svc->sysfs_read(svc->sysfs_root, rel, v->mac,
					sizeof(v->mac), err);
		}
	}
	/* the kernel lists VFs in index order, but say which is which */
	for (i = 0; i < listed && i < max; i++)
		if (states[i].vf < num && states[i].vf < max) {
			vfs[states[i].vf].min_tx_rate = states[i].min_tx_rate;
			vfs[states[i].vf].max_tx_rate = states[i].max_tx_rate;
		}
	*ret_count = num;
	r = 0;
out:
	free(states);
	return r;
}

int kr_sriov_vf_set_rate(struct kr_sriov_pf *pf, uint32_t vf,
			      uint32_t min, uint32_t max, struct kr_err *err)
{
	const struct kr_backend_services *svc = pf->svc;

	if (max && min > max)
		return svc->err_set(err, -ERANGE, "VF %u: min_tx_rate %u above "
						  "max_tx_rate %u", vf, min,
				    max);
	if (min && !pf->min_rate)
		return svc->err_set(err, -EOPNOTSUPP,
				    "%s: min_tx_rate not supported (min_rate "
				    "= no)", pf->name);
	return svc->vf_set_rate(pf->name, vf, min, max, err);
}

/* Rates, VLAN, spoofchk, trust and link state back to the defaults. */
int kr_sriov_vf_reset(struct kr_sriov_pf *pf, uint32_t vf,
			   struct kr_err *err)
{
	return pf->svc->vf_defaults(pf->name, vf, err);
}

