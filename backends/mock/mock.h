/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations of the mock backend (mockb_ prefix).
 *
 * A mock PF is a Linux bridge acting as the NIC's embedded switch.  VF i is
 * a veth pair: the VF end "PFv<i>" is an ordinary netdev the CNI moves into
 * a pod, the representor "PFr<i>" stays on the bridge.  max_tx_rate is
 * enforced on the representor side, where it survives the VF's moves: the
 * representor's ingress (the VF's transmit) is redirected to an ifb "PFq<i>"
 * shaped by a token bucket.  The VF count and rates live in a state file
 * (mock_state.c), as a NIC keeps them in firmware: they survive processes
 * and a VF that died with a pod's namespace comes back with them.
 */
#ifndef MOCKB_H
#define MOCKB_H

#include <stdint.h>

#include "kube-rdma/backend.h"

struct nl_sock;

/* Failure injection: operations told to fail, from the "fail" option. */
enum mockb_op {
	MOCKB_OP_PF_SET_NUM_VFS,
	MOCKB_OP_VF_LIST,
	MOCKB_OP_VF_SET_RATE,
	MOCKB_OP_VF_RESET,
	MOCKB_OP_PF_QUERY_CAPS,
	_MOCKB_OP_MAX,
};

struct kr_backend_ctx {
	const struct kr_backend_services *svc;
};

/* Persistent per-VF state. */
struct mockb_vf_state {
	uint32_t min_tx_rate;
	uint32_t max_tx_rate;
};

/* Persistent per-PF state (the "firmware"). */
struct mockb_state {
	uint32_t num_vfs;
	struct mockb_vf_state *vfs;	/* total_vfs entries */
};

struct kr_backend_pf {
	const struct kr_backend_services *svc;
	char name[KR_IFNAMSIZ];
	uint32_t total_vfs;
	uint32_t link_speed_mbps;
	int min_rate;			/* advertise KR_CAP_VF_RATE_MIN */
	unsigned int pci_rid;		/* bus << 8 | devfn of the PF */
	unsigned int pci_domain;
	uint8_t mac_prefix[3];		/* bytes 1..3 of every VF MAC */
	int fail[_MOCKB_OP_MAX];	/* negative errno to inject, or 0 */
	char *state_dir;		/* STATE_DIR/backend-mock */
	char *state_path;		/* .../PF.json */
	char *lock_path;		/* .../PF.lock */
	struct nl_sock *sock;
	struct mockb_state state;
};

/* ---- mock_links.c: every netlink request of the mock ---- */

/* Map a libnl error (negative NLE_*) to a negative errno. */
int mockb_nl_errno(int nle);

/* Open the PF's rtnetlink socket. */
int mockb_nl_open(struct kr_backend_pf *pf, struct kr_err *err);

/*
 * Make sure the PF bridge exists and is up; create it if absent.
 * -EEXIST when a netdev of that name exists but is not a mock PF.
 */
int mockb_pf_ensure(struct kr_backend_pf *pf, struct kr_err *err);

/* True (1) when a mock PF bridge named 'name' exists, 0 if none, or
 * -EEXIST when the name belongs to something else. */
int mockb_pf_exists(struct nl_sock *sock, const char *name);

/*
 * Make VFs 0..num-1 exist and complete (creating the missing pairs,
 * re-applying their rates; the representor up on the bridge) and VFs
 * num..total-1 not exist.  A VF whose old pair is still being destroyed
 * is left for the next sync.
 */
int mockb_vfs_sync(struct kr_backend_pf *pf, struct kr_err *err);

/* Make VF 'vf' exist (one lookup when it does), as mockb_vfs_sync. */
int mockb_vf_ensure(struct kr_backend_pf *pf, uint32_t vf, struct kr_err *err);

/*
 * Apply VF 'vf''s max rate in the data plane (0 removes shaping).
 */
int mockb_vf_shape(struct kr_backend_pf *pf, uint32_t vf, uint32_t max_mbps,
		   struct kr_err *err);

/*
 * Make every VF's data plane shape it as the state says, where it does
 * not (checks all of it: meant for pf_open, not for every listing).
 */
int mockb_vfs_check_shaping(struct kr_backend_pf *pf, struct kr_err *err);

/* Fill 'info' for VF 'vf' from its live netdevs; a VF whose pair vanished
 * since the last sync (in transit) gets no netdev. */
int mockb_vf_describe(struct kr_backend_pf *pf, uint32_t vf,
		      struct kr_vf_info *info, struct kr_err *err);

/* The VF's MAC address, derived from the PF and index. */
void mockb_vf_mac(const struct kr_backend_pf *pf, uint32_t vf, uint8_t mac[6]);

/* ---- mock_state.c: the PF's persistent state ---- */

/*
 * Load the state file into pf->state (all zero when there is none).
 * -EINVAL naming the file when it is corrupt.
 */
int mockb_state_load(struct kr_backend_pf *pf, struct kr_err *err);

/* Write pf->state atomically (temp file, fsync, rename). */
int mockb_state_save(struct kr_backend_pf *pf, struct kr_err *err);

/* Take and drop the PF's lock file around read-modify-write cycles. */
int mockb_state_lock(struct kr_backend_pf *pf, int *ret_fd,
		     struct kr_err *err);
void mockb_state_unlock(int fd);

#endif
