/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A node: the PFs of a configuration, each opened through its backend.
 * Shared by the daemon, the CNI plugin and kube-rdma-ctl.  One PF failing
 * (backend missing, PF absent, bad option) does not stop the others: each
 * PF keeps its own error and callers decide.
 */
#ifndef KR_NODE_H
#define KR_NODE_H

#include <pthread.h>

#include "backend_loader.h"
#include "config.h"
#include "inventory.h"

struct kr_node_pf {
	const struct kr_pf_config *cfg;	/* its section, borrowed */
	struct kr_backend *backend;	/* borrowed from the node; NULL if
					 * the backend failed to load */
	struct kr_backend_pf *handle;	/* NULL when opening failed */
	struct kr_err open_err;		/* why, when handle is NULL */
	/*
	 * Serialises the backend's operations on this PF among the threads
	 * of a process (backend.h, THREADING): kr_node_inventory takes it
	 * around each PF; every other caller holds it across its calls.
	 */
	pthread_mutex_t lock;
};

struct kr_node {
	const struct kr_config *cfg;	/* borrowed, outlives the node */
	struct kr_backend **backends;	/* each distinct backend once */
	size_t n_backends;
	struct kr_node_pf *pfs;		/* one per [pf] section, in order */
	size_t n_pfs;
};

/*
 * Load the backends 'cfg' names and open every PF.  Fails only when out of
 * memory; per-PF failures are in pfs[i].open_err.
 */
int kr_node_open(const struct kr_config *cfg, struct kr_node **ret,
		 struct kr_err *err);

/*
 * Check a configuration without touching any PF: every backend it names
 * loads, and accepts the keys of its PF sections.  The first problem is
 * returned, naming file and line.
 */
int kr_node_check_config(const struct kr_config *cfg, struct kr_err *err);

/* Close every PF and unload the backends.  Accepts NULL. */
void kr_node_close(struct kr_node *node);

/* The PF named 'name', or NULL. */
struct kr_node_pf *kr_node_find_pf(struct kr_node *node, const char *name);

/*
 * Query caps and check them against the backend's operations (-EPROTO
 * when it advertises what it cannot do).
 */
int kr_node_pf_caps(struct kr_node_pf *pf, struct kr_pf_caps *caps,
		    struct kr_err *err);

/* The number of VFs the PF has enabled now. */
int kr_node_pf_num_vfs(struct kr_node_pf *pf, uint32_t *ret,
		       struct kr_err *err);

/*
 * Bring the PF to 'num' VFs: nothing when it already has them, through 0
 * when changing a non-zero count, -ERANGE naming both numbers when above
 * the PF's total.  *ret_changed (may be NULL) says whether anything was
 * written.
 */
int kr_node_pf_set_num_vfs(struct kr_node_pf *pf, uint32_t num,
			   int *ret_changed, struct kr_err *err);

/*
 * Set VF 'vf''s reservation and ceiling in Mbit/s (the backend's
 * vf_set_rate), and give it back its host state (vf_reset: rates 0 and
 * the rest its backend restores; -ENODEV when the VF is gone).  The
 * backend's error, unprefixed: callers name the PF, VF and step.
 */
int kr_node_pf_vf_set_rate(struct kr_node_pf *pf, uint32_t vf,
			   uint32_t min_tx_rate, uint32_t max_tx_rate,
			   struct kr_err *err);
int kr_node_pf_vf_reset(struct kr_node_pf *pf, uint32_t vf,
			struct kr_err *err);

/*
 * Every VF of the PF as its backend lists them now; *ret_vfs is malloc'd
 * (free()), *ret_count entries.  Errors name the PF.
 */
int kr_node_pf_vfs(struct kr_node_pf *pf, struct kr_vf_info **ret_vfs,
		   uint32_t *ret_count, struct kr_err *err);

/*
 * Append the PF's live state (caps, VFs and rates from its backend) to
 * 'inv'.  Errors name the PF.
 */
int kr_node_pf_inventory(struct kr_node_pf *pf, struct kr_inventory *inv,
			 struct kr_err *err);

/*
 * The whole node's inventory: the backends' live state joined with the
 * allocation records in state_dir (owner of each VF).  A PF that cannot be
 * read is left out and reported through 'on_pf_error' (may be NULL) with
 * its name and error, as is a corrupt record (pf = NULL); *ret is still
 * returned.
 */
int kr_node_inventory(struct kr_node *node,
		      void (*on_pf_error)(const char *pf,
					  const struct kr_err *err),
		      struct kr_inventory **ret, struct kr_err *err);

#endif
