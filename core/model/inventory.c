/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inventory.h"
#include "util.h"

struct kr_inventory *kr_inventory_new(const char *node)
{
	struct kr_inventory *inv = calloc(1, sizeof(*inv));

	if (inv)
		snprintf(inv->node, sizeof(inv->node), "%s", node);
	return inv;
}

struct kr_inv_pf *kr_inventory_add_pf(struct kr_inventory *inv,
				      const char *name, size_t n_vfs)
{
	struct kr_inv_pf *pfs, *pf;

	pfs = realloc(inv->pfs, (inv->n_pfs + 1) * sizeof(*pfs));
	if (!pfs)
		return NULL;
	inv->pfs = pfs;
	pf = &pfs[inv->n_pfs];
	memset(pf, 0, sizeof(*pf));
	if (n_vfs) {
		pf->vfs = calloc(n_vfs, sizeof(*pf->vfs));
		if (!pf->vfs)
			return NULL;
	}
	pf->n_vfs = n_vfs;
	pf->min_rate_supported = true;
	snprintf(pf->name, sizeof(pf->name), "%s", name);
	inv->n_pfs++;
	return pf;
}

void kr_inv_pf_update_totals(struct kr_inv_pf *pf)
{
	size_t i;

	pf->reserved_mbps = 0;
	pf->vfs_free = 0;
	pf->vfs_total = (uint32_t)pf->n_vfs;
	for (i = 0; i < pf->n_vfs; i++) {
		pf->reserved_mbps += pf->vfs[i].min_tx_rate;
		if (!pf->vfs[i].allocated && !pf->vfs[i].unavailable[0])
			pf->vfs_free++;
	}
}

void kr_inventory_free(struct kr_inventory *inv)
{
	size_t i;

	if (!inv)
		return;
	for (i = 0; i < inv->n_pfs; i++)
		free(inv->pfs[i].vfs);
	free(inv->pfs);
	free(inv);
}

/* ---- encoding ---- */

static json_t *owner_to_json(const struct kr_inv_vf *vf)
{
	if (!vf->has_owner)
		return json_null();
	return json_pack("{s:s, s:s, s:s, s:s}",
			 "namespace", vf->owner.namespace_,
			 "pod", vf->owner.pod,
			 "pod_uid", vf->owner.pod_uid,
			 "container_id", vf->owner.container_id);
}

static json_t *rdma_to_json(const struct kr_inv_vf *vf)
{
	json_t *devs = json_array();
	size_t i;

	for (i = 0; devs && i < 4 && vf->char_devices[i][0]; i++)
		if (json_array_append_new(devs,
					  json_string(vf->char_devices[i])) < 0)
			break;
	return json_pack("{s:s, s:o*}", "device", vf->rdma_device,
			 "char_devices", devs);
}

static json_t *vf_to_json(const struct kr_inv_vf *vf)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:b, s:o}",
			 "index", (json_int_t)vf->index,
			 "netdev", vf->netdev,
			 "pci", vf->pci,
			 "mac", vf->mac,
			 "min_tx_rate", (json_int_t)vf->min_tx_rate,
			 "max_tx_rate", (json_int_t)vf->max_tx_rate,
			 "allocated", vf->allocated,
			 "owner", owner_to_json(vf));

	if (o && vf->rdma_device[0] &&
	    json_object_set_new(o, "rdma", rdma_to_json(vf)) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (o && vf->unavailable[0] &&
	    json_object_set_new(o, "unavailable",
				json_string(vf->unavailable)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static json_t *pf_to_json(const struct kr_inv_pf *pf)
{
	json_t *vfs = json_array();
	size_t i;

	if (!vfs)
		return NULL;
	for (i = 0; i < pf->n_vfs; i++) {
		if (json_array_append_new(vfs, vf_to_json(&pf->vfs[i])) < 0) {
			json_decref(vfs);
			return NULL;
		}
	}
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:I, s:I, s:I, s:o}",
			 "name", pf->name,
			 "backend", pf->backend,
			 "pci", pf->pci,
			 "link_speed_mbps", (json_int_t)pf->link_speed_mbps,
			 "capacity_mbps", (json_int_t)pf->capacity_mbps,
			 "min_rate_supported", pf->min_rate_supported,
			 "reserved_mbps", (json_int_t)pf->reserved_mbps,
			 "vfs_total", (json_int_t)pf->vfs_total,
			 "vfs_free", (json_int_t)pf->vfs_free,
			 "vfs", vfs);
}

json_t *kr_inventory_to_json(const struct kr_inventory *inv)
{
	json_t *pfs = json_array(), *doc;
	size_t i;

	if (!pfs)
		return NULL;
	for (i = 0; i < inv->n_pfs; i++) {
		if (json_array_append_new(pfs, pf_to_json(&inv->pfs[i])) < 0) {
			json_decref(pfs);
			return NULL;
		}
	}
	doc = json_pack("{s:s, s:I, s:o}", "node", inv->node, "generation",
			(json_int_t)inv->generation, "pfs", pfs);
	if (doc && inv->unreadable_records &&
	    json_object_set_new(doc, "unreadable_records",
				json_integer(inv->unreadable_records)) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* ---- decoding ---- */

/* Copy a string member; -EINVAL when it does not fit or is empty but
 * must not be. */
static int take_string(char *dst, size_t size, const char *src, int allow_empty,
		       const char *path, const char *key, struct kr_err *err)
{
	if (!allow_empty && !*src)
		return kr_err_set(err, -EINVAL, "%s.%s: must not be empty",
				  path, key);
	if (kr_strlcpy(dst, src, size) < 0)
		return kr_err_set(err, -EINVAL,
				  "%s.%s: longer than %zu bytes", path, key,
				  size - 1);
	return 0;
}

/* An unsigned integer member in 0..max. */
static int take_uint(uint64_t *dst, json_int_t v, uint64_t max,
		     const char *path, const char *key, struct kr_err *err)
{
	if (v < 0 || (uint64_t)v > max)
		return kr_err_set(err, -EINVAL,
				  "%s.%s: %lld is outside 0..%llu", path, key,
				  (long long)v, (unsigned long long)max);
	*dst = (uint64_t)v;
	return 0;
}

static int unpack_error(const json_error_t *jerr, const char *path,
			struct kr_err *err)
{
	return kr_err_set(err, -EINVAL, "%s: %s", path, jerr->text);
}

/* "dddd:bb:dd.f" in lower-case hex, or "" */
static int pci_valid(const char *s)
{
	unsigned int dom, bus, dev, fn;
	char tail;

	if (!*s)
		return 1;
	if (strlen(s) != 12 ||
	    sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4)
		return 0;
	return dev < 32 && fn < 8;
}

static int decode_owner(json_t *o, struct kr_inv_vf *vf, const char *path,
			struct kr_err *err)
{
	const char *ns, *pod, *uid, *cid;
	json_error_t jerr;
	char p[96];
	int r;

	if (json_is_null(o))
		return 0;
	snprintf(p, sizeof(p), "%s.owner", path);
	if (json_unpack_ex(o, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:s}",
			   "namespace", &ns, "pod", &pod, "pod_uid", &uid,
			   "container_id", &cid) < 0)
		return unpack_error(&jerr, p, err);
	r = take_string(vf->owner.namespace_, sizeof(vf->owner.namespace_),
			ns, 0, p, "namespace", err);
	if (!r)
		r = take_string(vf->owner.pod, sizeof(vf->owner.pod), pod, 0,
				p, "pod", err);
	if (!r)
		r = take_string(vf->owner.pod_uid, sizeof(vf->owner.pod_uid),
				uid, 1, p, "pod_uid", err);
	if (!r)
		r = take_string(vf->owner.container_id,
				sizeof(vf->owner.container_id), cid, 1, p,
				"container_id", err);
	if (r < 0)
		return r;
	vf->has_owner = true;
	return 0;
}

/* "rdma": {"device": "mlx5_3", "char_devices": ["uverbs3"]}, optional. */
static int decode_rdma(json_t *o, struct kr_inv_vf *vf, const char *path,
		       struct kr_err *err)
{
	char at[256];
	const char *device;
	json_error_t jerr;
	json_t *devs, *d;
	size_t i;
	int r;

	if (!o)
		return 0;
	snprintf(at, sizeof(at), "%s.rdma", path);
	if (json_unpack_ex(o, &jerr, JSON_STRICT, "{s:s, s:o}", "device",
			   &device, "char_devices", &devs) < 0)
		return unpack_error(&jerr, at, err);
	r = take_string(vf->rdma_device, sizeof(vf->rdma_device), device, 0,
			at, "device", err);
	if (r < 0)
		return r;
	if (!json_is_array(devs) || json_array_size(devs) > 4)
		return kr_err_set(err, -EINVAL, "%s.char_devices: expected an "
				  "array of at most 4 names", at);
	json_array_foreach(devs, i, d) {
		if (!json_is_string(d) || strchr(json_string_value(d), '/'))
			return kr_err_set(err, -EINVAL, "%s.char_devices[%zu]: "
					  "expected a device name", at, i);
		r = take_string(vf->char_devices[i], sizeof(vf->char_devices[i]),
				json_string_value(d), 0, at, "char_devices",
				err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int decode_vf(json_t *o, struct kr_inv_vf *vf, const char *path,
		     struct kr_err *err)
{
	json_int_t index, min, max;
	const char *netdev, *pci, *mac, *unavailable = NULL;
	json_t *owner, *rdma = NULL;
	json_error_t jerr;
	int allocated;
	uint64_t v = 0;
	int r;

	if (json_unpack_ex(o, &jerr, JSON_STRICT,
			   "{s:I, s:s, s:s, s:s, s:I, s:I, s:b, s:o, s?o, s?s}",
			   "index", &index, "netdev", &netdev, "pci", &pci,
			   "mac", &mac, "min_tx_rate", &min, "max_tx_rate",
			   &max, "allocated", &allocated, "owner", &owner,
			   "rdma", &rdma, "unavailable", &unavailable) < 0)
		return unpack_error(&jerr, path, err);
	r = decode_rdma(rdma, vf, path, err);
	if (r < 0)
		return r;
	r = take_uint(&v, index, 65535, path, "index", err);
	if (r < 0)
		return r;
	vf->index = (uint32_t)v;
	r = take_uint(&v, min, UINT32_MAX, path, "min_tx_rate", err);
	if (r < 0)
		return r;
	vf->min_tx_rate = (uint32_t)v;
	r = take_uint(&v, max, UINT32_MAX, path, "max_tx_rate", err);
	if (r < 0)
		return r;
	vf->max_tx_rate = (uint32_t)v;
	if (vf->max_tx_rate && vf->min_tx_rate > vf->max_tx_rate)
		return kr_err_set(err, -EINVAL,
				  "%s: min_tx_rate %u above max_tx_rate %u",
				  path, vf->min_tx_rate, vf->max_tx_rate);
	r = take_string(vf->netdev, sizeof(vf->netdev), netdev, 1, path,
			"netdev", err);
	if (!r && *netdev && !kr_ifname_valid(netdev))
		r = kr_err_set(err, -EINVAL,
			       "%s.netdev: \"%s\" is not a netdev name", path,
			       netdev);
	if (!r && !pci_valid(pci))
		r = kr_err_set(err, -EINVAL,
			       "%s.pci: \"%s\" is not a PCI address", path,
			       pci);
	if (!r)
		r = take_string(vf->pci, sizeof(vf->pci), pci, 1, path, "pci",
				err);
	if (!r)
		r = take_string(vf->mac, sizeof(vf->mac), mac, 1, path, "mac",
				err);
	if (!r && unavailable)
		r = take_string(vf->unavailable, sizeof(vf->unavailable),
				unavailable, 0, path, "unavailable", err);
	if (r < 0)
		return r;
	vf->allocated = allocated;
	if (allocated && vf->unavailable[0])
		return kr_err_set(err, -EINVAL,
				  "%s.unavailable: set on an allocated VF",
				  path);
	if (!json_is_null(owner) && !allocated)
		return kr_err_set(err, -EINVAL,
				  "%s.owner: set on a VF that is not allocated",
				  path);
	return decode_owner(owner, vf, path, err);
}

static int decode_pf(json_t *o, struct kr_inventory *inv, const char *path,
		     struct kr_err *err)
{
	json_int_t speed, capacity, reserved, total, nfree;
	const char *name, *backend, *pci;
	struct kr_inv_pf *pf;
	json_error_t jerr;
	json_t *vfs, *v;
	uint64_t n = 0, want_reserved, want_free;
	size_t i;
	int r;

	int min_rate = 1;

	if (json_unpack_ex(o, &jerr, JSON_STRICT,
			   "{s:s, s:s, s:s, s:I, s:I, s?b, s:I, s:I, s:I, s:o}",
			   "name", &name, "backend", &backend, "pci", &pci,
			   "link_speed_mbps", &speed, "capacity_mbps",
			   &capacity, "min_rate_supported", &min_rate,
			   "reserved_mbps", &reserved, "vfs_total",
			   &total, "vfs_free", &nfree, "vfs", &vfs) < 0)
		return unpack_error(&jerr, path, err);
	if (!kr_ifname_valid(name))
		return kr_err_set(err, -EINVAL,
				  "%s.name: \"%s\" is not a netdev name", path,
				  name);
	for (i = 0; i < inv->n_pfs; i++)
		if (!strcmp(inv->pfs[i].name, name))
			return kr_err_set(err, -EINVAL,
					  "%s.name: PF \"%s\" listed twice",
					  path, name);
	if (!json_is_array(vfs))
		return kr_err_set(err, -EINVAL, "%s.vfs: not an array", path);
	if (json_array_size(vfs) > 65535)
		return kr_err_set(err, -EINVAL, "%s.vfs: more than 65535 VFs",
				  path);
	pf = kr_inventory_add_pf(inv, name, json_array_size(vfs));
	if (!pf)
		return kr_err_set(err, -ENOMEM, "out of memory");
	pf->min_rate_supported = min_rate;
	r = take_string(pf->backend, sizeof(pf->backend), backend, 0, path,
			"backend", err);
	if (!r && !pci_valid(pci))
		r = kr_err_set(err, -EINVAL,
			       "%s.pci: \"%s\" is not a PCI address", path,
			       pci);
	if (!r)
		r = take_string(pf->pci, sizeof(pf->pci), pci, 1, path, "pci",
				err);
	if (!r)
		r = take_uint(&n, speed, UINT32_MAX, path, "link_speed_mbps",
			      err);
	pf->link_speed_mbps = (uint32_t)n;
	if (!r)
		r = take_uint(&n, capacity, UINT32_MAX, path, "capacity_mbps",
			      err);
	pf->capacity_mbps = (uint32_t)n;
	if (r < 0)
		return r;

	json_array_foreach(vfs, i, v) {
		char vp[64];

		snprintf(vp, sizeof(vp), "%s.vfs[%zu]", path, i);
		r = decode_vf(v, &pf->vfs[i], vp, err);
		if (r < 0)
			return r;
		if (i > 0 && pf->vfs[i].index <= pf->vfs[i - 1].index)
			return kr_err_set(err, -EINVAL,
					  "%s.index: VFs must be listed in "
					  "increasing index order", vp);
	}
	kr_inv_pf_update_totals(pf);
	want_reserved = pf->reserved_mbps;
	want_free = pf->vfs_free;
	if (total != (json_int_t)pf->n_vfs)
		return kr_err_set(err, -EINVAL,
				  "%s.vfs_total: %lld, but %zu VFs are listed",
				  path, (long long)total, pf->n_vfs);
	if (nfree != (json_int_t)want_free)
		return kr_err_set(err, -EINVAL,
				  "%s.vfs_free: %lld, but %llu listed VFs "
				  "are free", path, (long long)nfree,
				  (unsigned long long)want_free);
	if (reserved != (json_int_t)want_reserved)
		return kr_err_set(err, -EINVAL,
				  "%s.reserved_mbps: %lld, but the VFs' "
				  "min_tx_rate add up to %llu", path,
				  (long long)reserved,
				  (unsigned long long)want_reserved);
	return 0;
}

int kr_inventory_from_json(json_t *doc, struct kr_inventory **ret,
			   struct kr_err *err)
{
	struct kr_inventory *inv;
	json_int_t generation, unreadable = 0;
	const char *node;
	json_error_t jerr;
	json_t *pfs, *pf;
	size_t i;
	int r;

	if (json_unpack_ex(doc, &jerr, JSON_STRICT, "{s:s, s:I, s?I, s:o}",
			   "node", &node, "generation", &generation,
			   "unreadable_records", &unreadable, "pfs", &pfs) < 0)
		return unpack_error(&jerr, "inventory", err);
	if (unreadable < 0 || unreadable > UINT32_MAX)
		return kr_err_set(err, -EINVAL,
				  "inventory.unreadable_records: out of range");
	if (!*node || strlen(node) > 253)
		return kr_err_set(err, -EINVAL,
				  "inventory.node: must be 1 to 253 bytes");
	if (generation < 0)
		return kr_err_set(err, -EINVAL,
				  "inventory.generation: negative");
	if (!json_is_array(pfs))
		return kr_err_set(err, -EINVAL, "inventory.pfs: not an array");
	inv = kr_inventory_new(node);
	if (!inv)
		return kr_err_set(err, -ENOMEM, "out of memory");
	inv->generation = (uint64_t)generation;
	inv->unreadable_records = (uint32_t)unreadable;
	json_array_foreach(pfs, i, pf) {
		char path[32];

		snprintf(path, sizeof(path), "pfs[%zu]", i);
		r = decode_pf(pf, inv, path, err);
		if (r < 0) {
			kr_inventory_free(inv);
			return r;
		}
	}
	*ret = inv;
	return 0;
}

int kr_inventory_parse(const char *text, size_t len, struct kr_inventory **ret,
		       struct kr_err *err)
{
	json_error_t jerr;
	json_t *doc;
	int r;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return kr_err_set(err, -EINVAL,
				  "inventory: not JSON: %s at line %d column "
				  "%d", jerr.text, jerr.line, jerr.column);
	r = kr_inventory_from_json(doc, ret, err);
	json_decref(doc);
	return r;
}
