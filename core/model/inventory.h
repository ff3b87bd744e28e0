/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node inventory: a node's PFs and VFs as the daemon serves them
 * (GET /v1/inventory), the extender reads them and kube-rdma-ctl prints
 * them.  The JSON form is the contract in docs/inventory.md; the decoder is
 * strict because the extender reads what remote daemons send.
 */
#ifndef KR_INVENTORY_H
#define KR_INVENTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube-rdma/backend.h"

/* Who holds a VF (from the CNI plugin's allocation record). */
struct kr_inv_owner {
	char namespace_[64];	/* Kubernetes namespace (<= 63) */
	char pod[254];		/* pod name (<= 253) */
	char pod_uid[64];
	char container_id[129];
};

struct kr_inv_vf {
	uint32_t index;
	char netdev[KR_IFNAMSIZ];	/* "" when not in the host namespace */
	char pci[KR_PCI_ADDR_SIZE];
	char mac[KR_MAC_STR_SIZE];
	uint32_t min_tx_rate;		/* Mbit/s */
	uint32_t max_tx_rate;		/* Mbit/s, 0 = unlimited */
	/* the VF's RDMA device and its /dev/infiniband character devices
	 * ("uverbs3"), "" when none; "rdma" in JSON only when set */
	char rdma_device[64];
	char char_devices[4][32];
	bool allocated;
	bool has_owner;			/* owner below is set */
	struct kr_inv_owner owner;
	/* why a VF no attachment holds cannot be handed out ("" when it
	 * can): it has no netdev on the host; "unavailable" in JSON only
	 * when set */
	char unavailable[128];
};

struct kr_inv_pf {
	char name[KR_IFNAMSIZ];
	char backend[64];
	char pci[KR_PCI_ADDR_SIZE];
	uint32_t link_speed_mbps;
	uint32_t capacity_mbps;		/* configured, or the link speed */
	uint64_t reserved_mbps;		/* sum of the VFs' min_tx_rate */
	uint32_t vfs_total;		/* VFs enabled, = n_vfs */
	uint32_t vfs_free;		/* VFs neither allocated nor
					 * unavailable */
	/* the NIC keeps min_tx_rate (KR_CAP_VF_RATE_MIN); true when a
	 * document leaves it out */
	bool min_rate_supported;
	struct kr_inv_vf *vfs;		/* n_vfs entries, owned */
	size_t n_vfs;
};

struct kr_inventory {
	char node[254];
	uint64_t generation;
	/* allocation records the daemon cannot read (their VFs are marked
	 * unavailable); "unreadable_records" in JSON only when not 0 */
	uint32_t unreadable_records;
	struct kr_inv_pf *pfs;		/* n_pfs entries, owned */
	size_t n_pfs;
};

/* A new, empty inventory, or NULL when out of memory. */
struct kr_inventory *kr_inventory_new(const char *node);

/*
 * Append a PF with room for 'n_vfs' zeroed VFs; returns it, or NULL when
 * out of memory.  Pointers to earlier PFs stay valid only until the next
 * append.
 */
struct kr_inv_pf *kr_inventory_add_pf(struct kr_inventory *inv,
				      const char *name, size_t n_vfs);

/* Recompute reserved_mbps, vfs_total and vfs_free of 'pf' from its VFs. */
void kr_inv_pf_update_totals(struct kr_inv_pf *pf);

/* The document as DESIGN.md shapes it; NULL when out of memory. */
json_t *kr_inventory_to_json(const struct kr_inventory *inv);

/*
 * Decode and check a document: every key present with the right type, no
 * unknown keys, names and addresses well formed, totals consistent with the
 * VF list.  -EINVAL with the path of the bad member in err ("pfs[0].vfs[3]
 * .max_tx_rate: ...").
 */
int kr_inventory_from_json(json_t *doc, struct kr_inventory **ret,
			   struct kr_err *err);

/* Parse text (e.g. an HTTP body) with kr_inventory_from_json. */
int kr_inventory_parse(const char *text, size_t len, struct kr_inventory **ret,
		       struct kr_err *err);

/* Accepts NULL. */
void kr_inventory_free(struct kr_inventory *inv);

#endif
