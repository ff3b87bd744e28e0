/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation records: which VFs a pod holds.  The node agent writes one
 * record per attachment (container ID + CNI_IFNAME) before it touches a VF
 * and removes it after the VFs are back; the inventory reads them to say
 * who owns each VF; DEL, GC and the agent's repair at start use them to
 * find what to return.
 *
 * Files live in STATE_DIR/attachments/CONTAINERID.IFNAME.json, each written
 * whole (temp file, fsync, rename, fsync of the directory), so a reader
 * never sees half a record and a crash leaves the old one or the new one.
 * The format is documented in docs/daemon.md.
 */
#ifndef KR_ALLOC_H
#define KR_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "kube-rdma/backend.h"

#define KR_ALLOC_DIR "attachments"

/* One VF held by an attachment. */
struct kr_alloc_vf {
	char pf[KR_IFNAMSIZ];		/* PF netdev name */
	uint32_t vf;			/* VF index on the PF */
	char pci[KR_PCI_ADDR_SIZE];	/* VF PCI address, or "" */
	char host_netdev[KR_IFNAMSIZ];	/* its name on the host before */
	char pod_ifname[KR_IFNAMSIZ];	/* its name in the pod */
	/* its RDMA device ("mlx5_3"), or "": the host may no longer see
	 * it once it is in the pod (exclusive RDMA namespace mode) */
	char rdma_device[64];
	uint32_t min_tx_rate;		/* Mbit/s, as set */
	uint32_t max_tx_rate;
};

/*
 * Where an attachment is: a record is written "adding" before any VF is
 * touched, becomes "ready" when ADD has finished, and "releasing" when DEL
 * or GC starts giving it back.  The node agent releases every record that
 * is not ready when it starts: an ADD or DEL it was killed in.
 */
enum kr_alloc_state {
	KR_ALLOC_READY = 0,	/* also records written before states existed */
	KR_ALLOC_ADDING,
	KR_ALLOC_RELEASING,
};

struct kr_alloc {
	enum kr_alloc_state state;
	char container_id[129];		/* CNI_CONTAINERID */
	char ifname[KR_IFNAMSIZ];	/* CNI_IFNAME */
	char netns[256];		/* CNI_NETNS, may be "" */
	char pod_namespace[64];		/* from CNI_ARGS, may be "" */
	char pod_name[254];
	char pod_uid[64];
	/* what releasing needs from the ADD that made the record: the
	 * network configuration (for IPAM DEL) and CNI_PATH; owned, may be
	 * NULL */
	char *netconf;
	char *cni_path;
	struct kr_alloc_vf *vfs;	/* n_vfs, owned */
	size_t n_vfs;
};

/* A container ID may name a file: [A-Za-z0-9_.-], 1..128, no leading '.'. */
int kr_alloc_id_valid(const char *container_id);

/*
 * Write (create or replace) the record of 'a' atomically.  Makes the
 * directory when missing.  -EINVAL for a bad container ID or ifname,
 * -errno for I/O, with the path in err.
 */
int kr_alloc_write(const char *state_dir, const struct kr_alloc *a,
		   struct kr_err *err);

/*
 * Read one record.  -ENOENT when there is none; -EINVAL naming the file
 * and the member when it is corrupt.
 */
int kr_alloc_read(const char *state_dir, const char *container_id,
		  const char *ifname, struct kr_alloc **ret,
		  struct kr_err *err);

/* Remove a record; absent is success. */
int kr_alloc_remove(const char *state_dir, const char *container_id,
		    const char *ifname, struct kr_err *err);

/* The path of the record of (container_id, ifname), malloc'd. */
int kr_alloc_path(const char *state_dir, const char *container_id,
		  const char *ifname, char **ret, struct kr_err *err);

/* Told of each record file kr_alloc_list cannot read, with the reason. */
typedef void kr_alloc_bad_fn(void *arg, const char *path,
			     const struct kr_err *err);

/*
 * Read every record; temporary files whose writer died (kill -9 in the
 * middle of kr_alloc_write) are removed on the way.  A corrupt or
 * unreadable file does not hide the others: it is passed to 'on_bad' (may
 * be NULL) with 'arg' and skipped.  *ret is an array of *ret_n pointers
 * (kr_alloc_list_free).
 */
int kr_alloc_list(const char *state_dir, kr_alloc_bad_fn *on_bad, void *arg,
		  struct kr_alloc ***ret, size_t *ret_n, struct kr_err *err);

/* Where unreadable records are kept for the operator, under attachments/. */
#define KR_ALLOC_UNREADABLE_DIR "unreadable"

/*
 * Move the record file at 'path' (one that cannot be read) to
 * STATE_DIR/attachments/unreadable/NAME.UNIXTIME, where the operator finds
 * it and listings no longer do; its new path into 'aside' (PATH_MAX).
 */
int kr_alloc_set_aside(const char *state_dir, const char *path, char *aside,
		       size_t size, struct kr_err *err);

/* The record among list[0..n) that holds VF 'vf' of PF 'pf', or NULL. */
const struct kr_alloc *kr_alloc_holder(struct kr_alloc *const *list,
				       size_t n, const char *pf, uint32_t vf);

/* "ready", "adding" or "releasing". */
const char *kr_alloc_state_name(enum kr_alloc_state state);

/* Free a record and what it owns; accepts NULL. */
void kr_alloc_free(struct kr_alloc *a);
/* Free what a record owns, not the record (one on the stack). */
void kr_alloc_clear(struct kr_alloc *a);
void kr_alloc_list_free(struct kr_alloc **list, size_t n);

#endif
