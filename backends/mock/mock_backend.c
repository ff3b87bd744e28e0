/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mock backend: SR-IOV without hardware, on real Linux netdevs (see
 * mock.h for the model).  It is a complete backend, used by the tests, the
 * demo and anyone trying kube-rdma on a laptop, and a worked example for
 * vendors (docs/backends.md).
 *
 * Options in [pf "NAME"] beyond the core's:
 *   total_vfs = 128          most VFs the PF supports (1..4096)
 *   link_speed_mbps = 100000 reported link speed, also the rate ceiling
 *   min_rate = yes           advertise min_tx_rate support (yes/no)
 *   pci = 0000:af:00.0       the PF's PCI address (default: from the name)
 *   fail = vf_set_rate:EBUSY[,op:ERRNO...]  make operations fail
 */
#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mock.h"

static const char *const mock_options[] = {
	"total_vfs", "link_speed_mbps", "min_rate", "pci", "fail", NULL,
};

static const char *const op_names[_MOCKB_OP_MAX] = {
	[MOCKB_OP_PF_SET_NUM_VFS] = "pf_set_num_vfs",
	[MOCKB_OP_VF_LIST] = "vf_list",
	[MOCKB_OP_VF_SET_RATE] = "vf_set_rate",
	[MOCKB_OP_VF_RESET] = "vf_reset",
	[MOCKB_OP_PF_QUERY_CAPS] = "pf_query_caps",
};

static const struct {
	const char *name;
	int code;
} errno_names[] = {
	{ "EBUSY", EBUSY }, { "EIO", EIO },	  { "EINVAL", EINVAL },
	{ "ENODEV", ENODEV }, { "ENOMEM", ENOMEM }, { "ERANGE", ERANGE },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ETIMEDOUT", ETIMEDOUT },
	{ "EPERM", EPERM },
};

static int mock_init(const struct kr_backend_services *svc,
		     struct kr_backend_ctx **ret_ctx, struct kr_err *err)
{
	struct kr_backend_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return svc->err_set(err, -ENOMEM, "out of memory");
	ctx->svc = svc;
	*ret_ctx = ctx;
	return 0;
}

static void mock_fini(struct kr_backend_ctx *ctx)
{
	free(ctx);
}

/* The longest VF-side name, "PF" 'r' "<total-1>", must fit IFNAMSIZ. */
static int name_fits(const char *pf, uint32_t total_vfs)
{
	char buf[64];

	return snprintf(buf, sizeof(buf), "%sr%u", pf, total_vfs - 1) <
	       KR_IFNAMSIZ;
}

static int mock_probe(struct kr_backend_ctx *ctx, const struct kr_pf_desc *pf,
		      int *ret_score, struct kr_err *err)
{
	struct nl_sock *sock = nl_socket_alloc();
	int r;

	if (!sock)
		return ctx->svc->err_set(err, -ENOMEM, "out of memory");
	r = nl_connect(sock, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sock);
		return ctx->svc->err_set(err, mockb_nl_errno(r),
					 "rtnetlink: %s", nl_geterror(r));
	}
	r = mockb_pf_exists(sock, pf->name);
	nl_socket_free(sock);
	if (r < 0)
		return ctx->svc->err_set(err, -EEXIST,
					 "netdev %s exists and is not a mock "
					 "PF", pf->name);
	/* Absent is fine: pf_open makes it, as a NIC is there at boot. */
	*ret_score = 1;
	return 0;
}

static int parse_u32(const struct kr_backend_pf *pf, const struct kr_option *o,
		     uint32_t lo, uint32_t hi, uint32_t *ret, struct kr_err *err)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(o->value, &end, 10);
	if (o->value[0] < '0' || o->value[0] > '9' || *end || errno ||
	    v < lo || v > hi)
		return pf->svc->err_set(err, -EINVAL,
					"%s = \"%s\": expected a whole number "
					"from %u to %u", o->key, o->value, lo,
					hi);
	*ret = (uint32_t)v;
	return 0;
}

static int parse_fail(struct kr_backend_pf *pf, const struct kr_option *o,
		      struct kr_err *err)
{
	char *copy = strdup(o->value), *item, *save = NULL;
	int r = 0;

	if (!copy)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	for (item = strtok_r(copy, ", ", &save); item;
	     item = strtok_r(NULL, ", ", &save)) {
		char *colon = strchr(item, ':');
		size_t i, e;

		if (!colon) {
			r = -EINVAL;
			break;
		}
		*colon = '\0';
		for (i = 0; i < _MOCKB_OP_MAX; i++)
			if (!strcmp(op_names[i], item))
				break;
		for (e = 0; e < sizeof(errno_names) / sizeof(errno_names[0]);
		     e++)
			if (!strcmp(errno_names[e].name, colon + 1) ||
			    (colon[1] == '-' &&
			     !strcmp(errno_names[e].name, colon + 2)))
				break;
		if (i == _MOCKB_OP_MAX ||
		    e == sizeof(errno_names) / sizeof(errno_names[0])) {
			r = -EINVAL;
			break;
		}
		pf->fail[i] = -errno_names[e].code;
	}
	free(copy);
	if (r < 0)
		return pf->svc->err_set(err, r,
					"fail = \"%s\": expected OP:ERRNO, "
					"e.g. vf_set_rate:EBUSY", o->value);
	return 0;
}

static int parse_options(struct kr_backend_pf *pf, const struct kr_pf_desc *d,
			 struct kr_err *err)
{
	unsigned int dom, bus, dev, fn;
	size_t i;
	int r = 0;

	for (i = 0; i < d->n_options && !r; i++) {
		const struct kr_option *o = &d->options[i];
		char tail;

		if (!strcmp(o->key, "total_vfs")) {
			r = parse_u32(pf, o, 1, 4096, &pf->total_vfs, err);
		} else if (!strcmp(o->key, "link_speed_mbps")) {
			r = parse_u32(pf, o, 1, UINT32_MAX,
				      &pf->link_speed_mbps, err);
		} else if (!strcmp(o->key, "min_rate")) {
			if (!strcmp(o->value, "yes"))
				pf->min_rate = 1;
			else if (!strcmp(o->value, "no"))
				pf->min_rate = 0;
			else
				r = pf->svc->err_set(err, -EINVAL,
						     "min_rate = \"%s\": "
						     "expected yes or no",
						     o->value);
		} else if (!strcmp(o->key, "pci")) {
			if (strlen(o->value) != 12 ||
			    sscanf(o->value, "%4x:%2x:%2x.%1x%c", &dom, &bus,
				   &dev, &fn, &tail) != 4 ||
			    dev > 31 || fn > 7)
				r = pf->svc->err_set(err, -EINVAL,
						     "pci = \"%s\": expected "
						     "DDDD:BB:DD.F",
						     o->value);
			else {
				pf->pci_domain = dom;
				pf->pci_rid = bus << 8 | dev << 3 | fn;
			}
		} else if (!strcmp(o->key, "fail")) {
			r = parse_fail(pf, o, err);
		}
	}
	return r;
}

/* Deterministic per-PF identity, so two nodes never share MACs. */
static void derive_identity(struct kr_backend_pf *pf)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	const char *s;

	for (s = pf->name; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	pf->mac_prefix[0] = (uint8_t)(h >> 16);
	pf->mac_prefix[1] = (uint8_t)(h >> 8);
	pf->mac_prefix[2] = (uint8_t)h;
	/* bus 0x80..0xfe, device 0, function 0 */
	pf->pci_rid = (0x80 + h % 0x7f) << 8;
}

static void mock_pf_close(struct kr_backend_pf *pf)
{
	if (!pf)
		return;
	if (pf->sock)
		nl_socket_free(pf->sock);
	free(pf->state.vfs);
	free(pf->state_path);
	free(pf->state_dir);
	free(pf->lock_path);
	free(pf);
}

/* STATE_DIR/backend-mock, where the "firmware" of every mock PF lives. */
static int make_state_dir(struct kr_backend_pf *pf, struct kr_err *err)
{
	if (asprintf(&pf->state_dir, "%s/backend-mock", pf->svc->state_dir) < 0)
		return pf->svc->err_set(err, -ENOMEM, "out of memory");
	return pf->svc->mkdir_p(pf->state_dir, err);
}

/*
 * Bring the netdevs in line with the state file, under the PF lock; with
 * 'shaping', check every VF's shaping too (when the PF is opened: a
 * process killed while shaping left it half made).
 */
static int sync_locked(struct kr_backend_pf *pf, int shaping,
		       struct kr_err *err)
{
	int fd, r;

	r = mockb_state_lock(pf, &fd, err);
	if (r < 0)
		return r;
	/* what a writer killed before its rename left */
	r = pf->svc->stale_temps_remove(pf->state_dir, err);
	if (!r)
		r = mockb_state_load(pf, err);
	if (!r)
		r = mockb_vfs_sync(pf, err);
	if (!r && shaping)
		r = mockb_vfs_check_shaping(pf, err);
	mockb_state_unlock(fd);
	return r;
}

/*
 * A new PF handle configured from 'd' (defaults, then the options),
 * touching nothing: pf_open and pf_check_options validate the same way.
 */
static int pf_configure(struct kr_backend_ctx *ctx, const struct kr_pf_desc *d,
			struct kr_backend_pf **ret_pf, struct kr_err *err)
{
	struct kr_backend_pf *pf;
	int r;

	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return ctx->svc->err_set(err, -ENOMEM, "out of memory");
	pf->svc = ctx->svc;
	snprintf(pf->name, sizeof(pf->name), "%s", d->name);
	pf->total_vfs = 128;
	pf->link_speed_mbps = 100000;
	pf->min_rate = 1;
	derive_identity(pf);
	r = parse_options(pf, d, err);
	if (r == 0 && !name_fits(pf->name, pf->total_vfs))
		r = pf->svc->err_set(err, -EINVAL,
				     "PF name \"%s\" too long for %u mock VFs "
				     "(VF netdevs are named %sr%u)",
				     pf->name, pf->total_vfs, pf->name,
				     pf->total_vfs - 1);
	if (r < 0) {
		free(pf);
		return r;
	}
	*ret_pf = pf;
	return 0;
}

static int mock_pf_check_options(struct kr_backend_ctx *ctx,
				 const struct kr_pf_desc *d,
				 struct kr_err *err)
{
	struct kr_backend_pf *pf;
	int r = pf_configure(ctx, d, &pf, err);

	if (r == 0)
		free(pf);
	return r;
}

static int mock_pf_open(struct kr_backend_ctx *ctx, const struct kr_pf_desc *d,
			struct kr_backend_pf **ret_pf, struct kr_err *err)
{
	struct kr_backend_pf *pf;
	int r;

	r = pf_configure(ctx, d, &pf, err);
	if (r < 0)
		return r;
	pf->state.vfs = calloc(pf->total_vfs, sizeof(*pf->state.vfs));
	if (!pf->state.vfs ||
	    asprintf(&pf->state_path, "%s/backend-mock/%s.json",
		     pf->svc->state_dir, pf->name) < 0 ||
	    asprintf(&pf->lock_path, "%s/backend-mock/%s.lock",
		     pf->svc->state_dir, pf->name) < 0) {
		r = pf->svc->err_set(err, -ENOMEM, "out of memory");
		goto out_close;
	}
	r = make_state_dir(pf, err);
	if (r < 0)
		goto out_close;
	r = mockb_nl_open(pf, err);
	if (r < 0)
		goto out_close;
	r = mockb_pf_ensure(pf, err);
	if (r < 0)
		goto out_close;
	r = sync_locked(pf, 1, err);
	if (r < 0)
		goto out_close;
	*ret_pf = pf;
	return 0;
out_close:
	mock_pf_close(pf);
	return r;
}

static int injected(struct kr_backend_pf *pf, enum mockb_op op,
		    struct kr_err *err)
{
	if (!pf->fail[op])
		return 0;
	return pf->svc->err_set(err, pf->fail[op],
				"%s on %s failed (injected by the mock's "
				"fail option)", op_names[op], pf->name);
}

static int mock_pf_query_caps(struct kr_backend_pf *pf, struct kr_pf_caps *caps,
			      struct kr_err *err)
{
	unsigned int rid = pf->pci_rid;
	int r;

	r = injected(pf, MOCKB_OP_PF_QUERY_CAPS, err);
	if (r < 0)
		return r;
	caps->caps = KR_CAP_VF_COUNT | KR_CAP_VF_RATE_MAX;
	if (pf->min_rate)
		caps->caps |= KR_CAP_VF_RATE_MIN;
	caps->link_speed_mbps = pf->link_speed_mbps;
	caps->total_vfs = pf->total_vfs;
	caps->max_rate_mbps = pf->link_speed_mbps;
	caps->link_layer = KR_LINK_LAYER_ETHERNET;
	caps->numa_node = -1;
	snprintf(caps->pci, sizeof(caps->pci), "%04x:%02x:%02x.%x",
		 pf->pci_domain & 0xffff, (rid >> 8) & 0xff, (rid >> 3) & 0x1f,
		 rid & 7);
	return 0;
}

static int mock_pf_get_num_vfs(struct kr_backend_pf *pf, uint32_t *ret_num,
			       struct kr_err *err)
{
	int r = sync_locked(pf, 0, err);

	if (r < 0)
		return r;
	*ret_num = pf->state.num_vfs;
	return 0;
}

static int mock_pf_set_num_vfs(struct kr_backend_pf *pf, uint32_t num,
			       struct kr_err *err)
{
	int fd, r;

	r = injected(pf, MOCKB_OP_PF_SET_NUM_VFS, err);
	if (r < 0)
		return r;
	if (num > pf->total_vfs)
		return pf->svc->err_set(err, -ERANGE,
					"%u VFs asked, %s supports %u", num,
					pf->name, pf->total_vfs);
	r = mockb_state_lock(pf, &fd, err);
	if (r < 0)
		return r;
	r = mockb_state_load(pf, err);
	if (r < 0)
		goto out;
	/* As the kernel does for sriov_numvfs. */
	if (pf->state.num_vfs && num && pf->state.num_vfs != num) {
		r = pf->svc->err_set(err, -EBUSY,
				     "%s has %u VFs; set 0 before %u",
				     pf->name, pf->state.num_vfs, num);
		goto out;
	}
	if (num == 0)
		memset(pf->state.vfs, 0,
		       pf->total_vfs * sizeof(*pf->state.vfs));
	pf->state.num_vfs = num;
	/* State first: a crash in between is repaired by the next sync. */
	r = mockb_state_save(pf, err);
	if (!r)
		r = mockb_vfs_sync(pf, err);
out:
	mockb_state_unlock(fd);
	return r;
}

static int mock_vf_list(struct kr_backend_pf *pf, struct kr_vf_info *vfs,
			uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	uint32_t i;
	int r;

	r = injected(pf, MOCKB_OP_VF_LIST, err);
	if (r < 0)
		return r;
	r = sync_locked(pf, 0, err);
	if (r < 0)
		return r;
	for (i = 0; i < pf->state.num_vfs && i < max; i++) {
		unsigned int rid = pf->pci_rid + 2 + i;	/* VF offset 2 */

		memset(&vfs[i], 0, sizeof(vfs[i]));
		vfs[i].index = i;
		vfs[i].min_tx_rate = pf->state.vfs[i].min_tx_rate;
		vfs[i].max_tx_rate = pf->state.vfs[i].max_tx_rate;
		snprintf(vfs[i].pci, sizeof(vfs[i].pci), "%04x:%02x:%02x.%x",
			 pf->pci_domain & 0xffff, (rid >> 8) & 0xff, (rid >> 3) & 0x1f,
			 rid & 7);
		r = mockb_vf_describe(pf, i, &vfs[i], err);
		if (r < 0)
			return r;
	}
	*ret_count = pf->state.num_vfs;
	return 0;
}

/*
 * Set both rates.  'reset' shapes from scratch whatever the state says: a
 * process killed between shaping and saving left the data plane ahead of
 * the state, and a reset must not trust the state's 0/0.
 */
static int set_rate(struct kr_backend_pf *pf, uint32_t vf, uint32_t min,
		    uint32_t max, int reset, struct kr_err *err)
{
	struct mockb_vf_state old;
	struct kr_err undo_err;
	int fd, r;

	if (max && min > max)
		return pf->svc->err_set(err, -ERANGE,
					"VF %u: min_tx_rate %u above "
					"max_tx_rate %u", vf, min, max);
	if (max > pf->link_speed_mbps || min > pf->link_speed_mbps)
		return pf->svc->err_set(err, -ERANGE,
					"VF %u: rate above the link speed of "
					"%u Mbit/s", vf, pf->link_speed_mbps);
	if (min && !pf->min_rate)
		return pf->svc->err_set(err, -EOPNOTSUPP,
					"%s does not support min_tx_rate",
					pf->name);
	r = mockb_state_lock(pf, &fd, err);
	if (r < 0)
		return r;
	r = mockb_state_load(pf, err);
	if (r < 0)
		goto out;
	if (vf >= pf->state.num_vfs) {
		r = pf->svc->err_set(err, -ENODEV, "%s has no VF %u",
				     pf->name, vf);
		goto out;
	}
	/* this VF only: a pod's ADD touches dozens of VFs one by one */
	r = mockb_vf_ensure(pf, vf, err);
	if (r < 0)
		goto out;
	old = pf->state.vfs[vf];
	if (old.min_tx_rate == min && old.max_tx_rate == max && !reset)
		goto out;	/* nothing to write */
	if (old.max_tx_rate != max || reset) {
		r = mockb_vf_shape(pf, vf, max, err);
		if (r < 0)
			goto out;
	}
	pf->state.vfs[vf].min_tx_rate = min;
	pf->state.vfs[vf].max_tx_rate = max;
	if (old.min_tx_rate != min || old.max_tx_rate != max)
		r = mockb_state_save(pf, err);
	if (r < 0 && old.max_tx_rate != max) {
		/* Both rates stay as they were. */
		pf->state.vfs[vf] = old;
		mockb_vf_shape(pf, vf, old.max_tx_rate, &undo_err);
	}
out:
	mockb_state_unlock(fd);
	return r;
}

static int mock_vf_set_rate(struct kr_backend_pf *pf, uint32_t vf,
			    uint32_t min_tx_rate, uint32_t max_tx_rate,
			    struct kr_err *err)
{
	int r = injected(pf, MOCKB_OP_VF_SET_RATE, err);

	if (r < 0)
		return r;
	return set_rate(pf, vf, min_tx_rate, max_tx_rate, 0, err);
}

static int mock_vf_reset(struct kr_backend_pf *pf, uint32_t vf,
			 struct kr_err *err)
{
	int r = injected(pf, MOCKB_OP_VF_RESET, err);

	if (r < 0)
		return r;
	return set_rate(pf, vf, 0, 0, 1, err);
}

static const struct kr_backend_ops mock_ops = {
	.abi_major = KR_BACKEND_ABI_MAJOR,
	.abi_minor = KR_BACKEND_ABI_MINOR,
	.struct_size = sizeof(struct kr_backend_ops),
	.name = "mock",
	.description = "SR-IOV emulated with a bridge and veth pairs",
	.pf_options = mock_options,
	.init = mock_init,
	.fini = mock_fini,
	.probe = mock_probe,
	.pf_open = mock_pf_open,
	.pf_close = mock_pf_close,
	.pf_query_caps = mock_pf_query_caps,
	.pf_get_num_vfs = mock_pf_get_num_vfs,
	.pf_set_num_vfs = mock_pf_set_num_vfs,
	.vf_list = mock_vf_list,
	.vf_set_rate = mock_vf_set_rate,
	.vf_reset = mock_vf_reset,
	.pf_check_options = mock_pf_check_options,
};

/* the one exported symbol (its prototype is backend.h's) */
__attribute__((visibility("default"))) int
KR_BACKEND_ENTRY(const struct kr_backend_services *svc,
		 const struct kr_backend_ops **ret_ops)
{
	/* the services of ABI 1.2 (stale_temps_remove) */
	if (svc->abi_major != KR_BACKEND_ABI_MAJOR ||
	    svc->size < offsetof(struct kr_backend_services,
				 stale_temps_remove) +
				sizeof(svc->stale_temps_remove))
		return -EPROTO;
	*ret_ops = &mock_ops;
	return 0;
}
