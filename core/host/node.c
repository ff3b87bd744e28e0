/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "node.h"

static struct kr_backend *find_backend(struct kr_node *node, const char *name)
{
	size_t i;

	for (i = 0; i < node->n_backends; i++)
		if (!strcmp(node->backends[i]->name, name))
			return node->backends[i];
	return NULL;
}

/* Load a backend once per node; a failure is remembered in 'err'. */
static int get_backend(struct kr_node *node, const char *name,
		       struct kr_backend **ret, struct kr_err *err)
{
	struct kr_backend **bes, *be = find_backend(node, name);
	int r;

	if (be) {
		*ret = be;
		return 0;
	}
	r = kr_backend_load(node->cfg->backend_dir, name,
			    node->cfg->sysfs_root, node->cfg->state_dir, &be,
			    err);
	if (r < 0)
		return r;
	bes = realloc(node->backends,
		      (node->n_backends + 1) * sizeof(*bes));
	if (!bes) {
		kr_backend_unload(be);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	node->backends = bes;
	bes[node->n_backends++] = be;
	*ret = be;
	return 0;
}

/*
 * The line to blame for a pf_open error: the option's when the message is
 * about one (backend.h: such messages start with "KEY = "), else the
 * section's.
 */
static unsigned int option_line(const struct kr_pf_config *c, const char *msg)
{
	size_t i, len;

	for (i = 0; i < c->n_options; i++) {
		len = strlen(c->options[i].key);
		if (!strncmp(msg, c->options[i].key, len) &&
		    !strncmp(msg + len, " = ", 3))
			return c->options[i].line;
	}
	return c->line;
}

static void open_pf(struct kr_node *node, struct kr_node_pf *pf)
{
	const struct kr_pf_config *c = pf->cfg;
	struct kr_pf_desc desc = {
		.name = c->name,
		.options = c->options,
		.n_options = c->n_options,
	};
	struct kr_backend_pf *handle;
	int score = 0, r;

	r = get_backend(node, c->backend, &pf->backend, &pf->open_err);
	if (r < 0)
		return;
	r = kr_config_check_options(node->cfg, c, pf->backend->ops.pf_options,
				    &pf->open_err);
	if (r < 0)
		return;
	r = pf->backend->ops.probe(pf->backend->ctx, &desc, &score,
				   &pf->open_err);
	if (r == 0 && score <= 0)
		r = kr_err_set(&pf->open_err, -ENODEV,
			       "backend %s does not drive it", c->backend);
	if (r < 0) {
		pf->open_err.code = r;
		kr_err_prefix(&pf->open_err, "%s:%u: PF %s", node->cfg->path,
			      c->line, c->name);
		return;
	}
	r = pf->backend->ops.pf_open(pf->backend->ctx, &desc, &handle,
				     &pf->open_err);
	if (r < 0) {
		pf->open_err.code = r;
		kr_err_prefix(&pf->open_err, "%s:%u: PF %s", node->cfg->path,
			      option_line(c, pf->open_err.msg), c->name);
		return;
	}
	pf->handle = handle;
	kr_err_clear(&pf->open_err);
}

int kr_node_open(const struct kr_config *cfg, struct kr_node **ret,
		 struct kr_err *err)
{
	struct kr_node *node;
	size_t i;

	node = calloc(1, sizeof(*node));
	if (!node)
		return kr_err_set(err, -ENOMEM, "out of memory");
	node->cfg = cfg;
	if (cfg->n_pfs) {
		node->pfs = calloc(cfg->n_pfs, sizeof(*node->pfs));
		if (!node->pfs) {
			free(node);
			return kr_err_set(err, -ENOMEM, "out of memory");
		}
	}
	node->n_pfs = cfg->n_pfs;
	for (i = 0; i < cfg->n_pfs; i++) {
		node->pfs[i].cfg = &cfg->pfs[i];
		pthread_mutex_init(&node->pfs[i].lock, NULL);
		open_pf(node, &node->pfs[i]);
	}
	*ret = node;
	return 0;
}

/* The backend's own validation of a PF's options, as pf_open's. */
static int check_backend_options(const struct kr_config *cfg,
				 const struct kr_pf_config *c,
				 struct kr_backend *be, struct kr_err *err)
{
	const struct kr_pf_desc desc = {
		.name = c->name,
		.options = c->options,
		.n_options = c->n_options,
	};
	int r = be->ops.pf_check_options(be->ctx, &desc, err);

	if (r < 0) {
		err->code = r;
		kr_err_prefix(err, "%s:%u: PF %s", cfg->path,
			      option_line(c, err->msg), c->name);
	}
	return r;
}

int kr_node_check_config(const struct kr_config *cfg, struct kr_err *err)
{
	struct kr_node node = { .cfg = cfg };
	struct kr_backend *be;
	size_t i, j;
	int r = 0;

	for (i = 0; i < cfg->n_pfs && !r; i++) {
		r = get_backend(&node, cfg->pfs[i].backend, &be, err);
		if (r < 0) {
			kr_err_prefix(err, "%s:%u: [pf \"%s\"]", cfg->path,
				      cfg->pfs[i].line, cfg->pfs[i].name);
			break;
		}
		r = kr_config_check_options(cfg, &cfg->pfs[i],
					    be->ops.pf_options, err);
		if (r == 0)
			r = check_backend_options(cfg, &cfg->pfs[i], be, err);
	}
	for (j = 0; j < node.n_backends; j++)
		kr_backend_unload(node.backends[j]);
	free(node.backends);
	return r;
}

void kr_node_close(struct kr_node *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->n_pfs; i++) {
		if (node->pfs[i].handle)
			node->pfs[i].backend->ops.pf_close(
				node->pfs[i].handle);
		pthread_mutex_destroy(&node->pfs[i].lock);
	}
	for (i = 0; i < node->n_backends; i++)
		kr_backend_unload(node->backends[i]);
	free(node->backends);
	free(node->pfs);
	free(node);
}

struct kr_node_pf *kr_node_find_pf(struct kr_node *node, const char *name)
{
	size_t i;

	for (i = 0; i < node->n_pfs; i++)
		if (!strcmp(node->pfs[i].cfg->name, name))
			return &node->pfs[i];
	return NULL;
}

/* Copy the open error of a PF that could not be opened. */
static int not_open(struct kr_node_pf *pf, struct kr_err *err)
{
	if (err)
		*err = pf->open_err;
	return pf->open_err.code ? pf->open_err.code : -ENODEV;
}

/* Prefix a backend's error with the PF's name. */
static int pf_fail(struct kr_node_pf *pf, int r, const char *what,
		   struct kr_err *err)
{
	err->code = r;
	kr_err_prefix(err, "PF %s: %s", pf->cfg->name, what);
	return r;
}

int kr_node_pf_vf_set_rate(struct kr_node_pf *pf, uint32_t vf,
			   uint32_t min_tx_rate, uint32_t max_tx_rate,
			   struct kr_err *err)
{
	if (!pf->handle)
		return not_open(pf, err);
	return pf->backend->ops.vf_set_rate(pf->handle, vf, min_tx_rate,
					    max_tx_rate, err);
}

int kr_node_pf_vf_reset(struct kr_node_pf *pf, uint32_t vf,
			struct kr_err *err)
{
	if (!pf->handle)
		return not_open(pf, err);
	return pf->backend->ops.vf_reset(pf->handle, vf, err);
}

int kr_node_pf_caps(struct kr_node_pf *pf, struct kr_pf_caps *caps,
		    struct kr_err *err)
{
	int r;

	if (!pf->handle)
		return not_open(pf, err);
	memset(caps, 0, sizeof(*caps));
	caps->size = sizeof(*caps);
	caps->numa_node = -1;
	kr_err_clear(err);
	r = pf->backend->ops.pf_query_caps(pf->handle, caps, err);
	if (r < 0)
		return pf_fail(pf, r, "query capabilities", err);
	return kr_backend_check_caps(pf->backend, caps->caps, err);
}

int kr_node_pf_num_vfs(struct kr_node_pf *pf, uint32_t *ret,
		       struct kr_err *err)
{
	int r;

	if (!pf->handle)
		return not_open(pf, err);
	r = pf->backend->ops.pf_get_num_vfs(pf->handle, ret, err);
	return r < 0 ? pf_fail(pf, r, "read VF count", err) : 0;
}

int kr_node_pf_set_num_vfs(struct kr_node_pf *pf, uint32_t num,
			   int *ret_changed, struct kr_err *err)
{
	const struct kr_backend_ops *ops;
	struct kr_pf_caps caps;
	uint32_t cur;
	int r;

	if (ret_changed)
		*ret_changed = 0;
	r = kr_node_pf_caps(pf, &caps, err);
	if (r < 0)
		return r;
	if (num > caps.total_vfs)
		return kr_err_set(err, -ERANGE,
				  "PF %s: num_vfs %u is above the %u VFs the "
				  "PF supports", pf->cfg->name, num,
				  caps.total_vfs);
	ops = &pf->backend->ops;
	r = ops->pf_get_num_vfs(pf->handle, &cur, err);
	if (r < 0)
		return pf_fail(pf, r, "read VF count", err);
	if (cur == num)
		return 0;
	/* The kernel refuses non-zero to non-zero (EBUSY): go through 0. */
	if (cur != 0 && num != 0) {
		r = ops->pf_set_num_vfs(pf->handle, 0, err);
		if (r < 0)
			return pf_fail(pf, r, "set VF count to 0", err);
		if (ret_changed)
			*ret_changed = 1;
	}
	r = ops->pf_set_num_vfs(pf->handle, num, err);
	if (r < 0)
		return pf_fail(pf, r, "set VF count", err);
	if (ret_changed)
		*ret_changed = 1;
	return 0;
}

/* The VF's RDMA device and, where the backend tells, its character
 * devices (what a pod needs mounted from /dev/infiniband). */
static void vf_rdma(struct kr_node_pf *pf, const struct kr_pf_caps *caps,
		    const struct kr_vf_info *info, struct kr_inv_vf *v)
{
	/* the inventory shows no GUIDs: not one GETLINK of the PF per VF */
	struct kr_vf_rdma rdma = { .size = KR_VF_RDMA_SIZE_NO_GUIDS };
	struct kr_err ignored = { 0 };
	size_t i;

	snprintf(v->rdma_device, sizeof(v->rdma_device), "%s",
		 info->rdma_device);
	if (!(caps->caps & KR_CAP_VF_RDMA_DEVICE) ||
	    pf->backend->ops.vf_get_rdma(pf->handle, info->index, &rdma,
					 &ignored) < 0)
		return;
	for (i = 0; i < 4; i++)
		snprintf(v->char_devices[i], sizeof(v->char_devices[i]), "%s",
			 rdma.char_devices[i]);
}

int kr_node_pf_vfs(struct kr_node_pf *pf, struct kr_vf_info **ret_vfs,
		   uint32_t *ret_count, struct kr_err *err)
{
	struct kr_vf_info *vfs = NULL, *grown;
	uint32_t max = 64, count = 0;
	int r;

	if (!pf->handle)
		return not_open(pf, err);
	for (;;) {
		grown = realloc(vfs, max * sizeof(*vfs));
		if (!grown) {
			free(vfs);
			return kr_err_set(err, -ENOMEM, "out of memory");
		}
		vfs = grown;
		r = pf->backend->ops.vf_list(pf->handle, vfs, max, &count, err);
		if (r < 0) {
			free(vfs);
			return pf_fail(pf, r, "list VFs", err);
		}
		if (count <= max)
			break;
		max = count;
	}
	*ret_vfs = vfs;
	*ret_count = count;
	return 0;
}

int kr_node_pf_inventory(struct kr_node_pf *pf, struct kr_inventory *inv,
			 struct kr_err *err)
{
	struct kr_vf_info *vfs = NULL;
	struct kr_pf_caps caps;
	struct kr_inv_pf *ipf;
	uint32_t count = 0, i;
	int r;

	r = kr_node_pf_caps(pf, &caps, err);
	if (r < 0)
		return r;
	r = kr_node_pf_vfs(pf, &vfs, &count, err);
	if (r < 0)
		return r;
	ipf = kr_inventory_add_pf(inv, pf->cfg->name, count);
	if (!ipf) {
		free(vfs);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	snprintf(ipf->backend, sizeof(ipf->backend), "%s", pf->cfg->backend);
	snprintf(ipf->pci, sizeof(ipf->pci), "%s", caps.pci);
	ipf->link_speed_mbps = caps.link_speed_mbps;
	ipf->capacity_mbps = pf->cfg->capacity_mbps ? pf->cfg->capacity_mbps
						    : caps.link_speed_mbps;
	ipf->min_rate_supported = caps.caps & KR_CAP_VF_RATE_MIN;
	for (i = 0; i < count; i++) {
		struct kr_inv_vf *v = &ipf->vfs[i];

		v->index = vfs[i].index;
		v->min_tx_rate = vfs[i].min_tx_rate;
		v->max_tx_rate = vfs[i].max_tx_rate;
		memcpy(v->netdev, vfs[i].netdev, sizeof(v->netdev));
		v->netdev[sizeof(v->netdev) - 1] = '\0';
		memcpy(v->pci, vfs[i].pci, sizeof(v->pci));
		v->pci[sizeof(v->pci) - 1] = '\0';
		memcpy(v->mac, vfs[i].mac, sizeof(v->mac));
		v->mac[sizeof(v->mac) - 1] = '\0';
		if (vfs[i].rdma_device[0])
			vf_rdma(pf, &caps, &vfs[i], v);
	}
	kr_inv_pf_update_totals(ipf);
	free(vfs);
	return 0;
}

/* Mark the VFs the allocation records name; records are the only source
 * of "allocated", the kernel is the source of everything else.  The PFs'
 * totals are mark_unavailable's, which always follows. */
static void mark_owners(struct kr_inventory *inv, struct kr_alloc **allocs,
			size_t n_allocs)
{
	size_t a, v, p, k;

	for (a = 0; a < n_allocs; a++) {
		const struct kr_alloc *al = allocs[a];

		for (v = 0; v < al->n_vfs; v++) {
			const struct kr_alloc_vf *av = &al->vfs[v];

			for (p = 0; p < inv->n_pfs; p++) {
				struct kr_inv_pf *pf = &inv->pfs[p];

				if (strcmp(pf->name, av->pf))
					continue;
				for (k = 0; k < pf->n_vfs; k++) {
					struct kr_inv_vf *vf = &pf->vfs[k];

					if (vf->index != av->vf)
						continue;
					vf->allocated = true;
					/* in exclusive RDMA namespace mode
					 * the host no longer sees it */
					if (!vf->rdma_device[0])
						snprintf(vf->rdma_device,
							 sizeof(vf->rdma_device),
							 "%s", av->rdma_device);
					/* a runtime without Kubernetes names
					 * no pod */
					vf->has_owner = al->pod_name[0] &&
							al->pod_namespace[0];
					snprintf(vf->owner.namespace_,
						 sizeof(vf->owner.namespace_),
						 "%s", al->pod_namespace);
					snprintf(vf->owner.pod,
						 sizeof(vf->owner.pod), "%s",
						 al->pod_name);
					snprintf(vf->owner.pod_uid,
						 sizeof(vf->owner.pod_uid),
						 "%s", al->pod_uid);
					snprintf(vf->owner.container_id,
						 sizeof(vf->owner.container_id),
						 "%s", al->container_id);
				}
			}
		}
	}
}

/*
 * A VF no attachment holds and without a netdev on the host cannot be
 * handed out (in a namespace we do not know, in transit, or on a
 * userspace driver); while records cannot be read, one of them may hold
 * it.
 */
static void mark_unavailable(struct kr_inventory *inv)
{
	size_t p, k;

	for (p = 0; p < inv->n_pfs; p++) {
		struct kr_inv_pf *pf = &inv->pfs[p];

		for (k = 0; k < pf->n_vfs; k++) {
			struct kr_inv_vf *vf = &pf->vfs[k];

			if (vf->allocated || vf->netdev[0])
				continue;
			snprintf(vf->unavailable, sizeof(vf->unavailable),
				 "%s", inv->unreadable_records
				 ? "no netdev on the host; an unreadable "
				   "allocation record may hold it"
				 : "no netdev on the host");
		}
		kr_inv_pf_update_totals(pf);
	}
}

/* kr_alloc_list's report of a record it cannot read. */
struct bad_records {
	struct kr_inventory *inv;
	void (*on_error)(const char *pf, const struct kr_err *err);
};

static void on_bad_record(void *arg, const char *path,
			  const struct kr_err *err)
{
	struct bad_records *bad = arg;

	bad->inv->unreadable_records++;
	if (bad->on_error)
		bad->on_error(NULL, err);
}

int kr_node_inventory(struct kr_node *node,
		      void (*on_pf_error)(const char *pf,
					  const struct kr_err *err),
		      struct kr_inventory **ret, struct kr_err *err)
{
	struct kr_alloc **allocs = NULL;
	struct bad_records bad;
	struct kr_inventory *inv;
	struct kr_err pf_err;
	size_t i, n_allocs = 0;

	inv = kr_inventory_new(node->cfg->node_name);
	if (!inv)
		return kr_err_set(err, -ENOMEM, "out of memory");
	bad.inv = inv;
	bad.on_error = on_pf_error;
	for (i = 0; i < node->n_pfs; i++) {
		int r;

		kr_err_clear(&pf_err);
		pthread_mutex_lock(&node->pfs[i].lock);
		r = kr_node_pf_inventory(&node->pfs[i], inv, &pf_err);
		pthread_mutex_unlock(&node->pfs[i].lock);
		if (r < 0) {
			if (pf_err.code == -ENOMEM) {
				kr_inventory_free(inv);
				*err = pf_err;
				return -ENOMEM;
			}
			if (on_pf_error)
				on_pf_error(node->pfs[i].cfg->name, &pf_err);
		}
	}
	if (kr_alloc_list(node->cfg->state_dir, on_bad_record, &bad, &allocs,
			  &n_allocs, &pf_err) < 0) {
		if (on_pf_error)
			on_pf_error(NULL, &pf_err);
	} else {
		mark_owners(inv, allocs, n_allocs);
		kr_alloc_list_free(allocs, n_allocs);
	}
	mark_unavailable(inv);
	*ret = inv;
	return 0;
}
