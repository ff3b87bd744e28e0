/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma backend ABI.
 *
 * This is the one header a vendor reads to write a backend: a shared object
 * that drives the SR-IOV physical functions (PFs) of one kind of NIC for the
 * kube-rdma daemon, CNI plugin and tools.  docs/backends.md walks through it
 * with the mock backend as a worked example.
 *
 * THE ENTRY SYMBOL
 *   A backend is a .so file named NAME.so in the backend directory.  It
 *   exports exactly one symbol, the function KR_BACKEND_ENTRY_NAME, whose
 *   name carries the ABI major: a backend built for another major fails to
 *   load with "no entry symbol" instead of misbehaving.  Link it with the
 *   version script backends/backend.map, -fvisibility=hidden and
 *   -Wl,--no-undefined: everything a backend needs from kube-rdma comes
 *   through the services table passed to the entry function.
 *
 * VERSIONING
 *   The core loads a backend when its table says abi_major ==
 *   KR_BACKEND_ABI_MAJOR, abi_minor <= the core's KR_BACKEND_ABI_MINOR and
 *   struct_size >= KR_BACKEND_OPS_SIZE_V1_0.  A minor release only appends
 *   members to struct kr_backend_ops (and to the size-prefixed structs);
 *   members beyond a backend's struct_size are treated as absent.  Any
 *   other change bumps the major, renames the entry symbol and the install
 *   directory (lib/kube-rdma/backends-abiN).  A backend kept outside this
 *   tree writes the literal numbers it was written against into abi_major
 *   and abi_minor, not these macros, so a rebuild against a newer header
 *   does not claim support for members it has never seen.
 *
 * ERRORS
 *   Every operation returns 0 or a negative errno, from this vocabulary:
 *     -EOPNOTSUPP  the backend or this PF cannot do it
 *     -ENODEV      the PF or VF does not exist (any more)
 *     -EINVAL      bad argument or bad configuration value
 *     -ERANGE      a number outside what the device accepts
 *     -EBUSY       in use; try again later or release it first
 *     -EIO         sysfs, netlink or firmware failure
 *     -EEXIST      a name the backend would create belongs to something
 *                  else (a netdev that is not the PF's)
 *     -EACCES      the process lacks the privilege (-EPERM likewise)
 *     -ENOMEM      out of memory
 *     -ETIMEDOUT   the device did not reach the requested state in time
 *     -EPROTO      the entry function only: the core's ABI minor is too
 *                  old for this backend
 *   Codes from the kernel that fit none of these are passed on as they
 *   are (-EAGAIN from netlink, say).  An operation may write one sentence into the caller's struct kr_err (through
 *   svc->err_set) saying what failed, naming the PF and VF.  The caller logs
 *   it once; backends never print.
 *
 * OWNERSHIP
 *   Every pointer argument is borrowed for the duration of the call unless
 *   the operation says otherwise.  Every output buffer is allocated by the
 *   caller.  Memory is never freed across the .so boundary.
 *
 * THREADING
 *   The core calls init and fini once per process, from one thread.  One
 *   process drives a node's PFs: the node agent (kube-rdma-daemon serve),
 *   whose inventory refresher and CNI requests share one open PF, and
 *   before it kube-rdma-daemon init; they hold a node-wide lock file, so
 *   they never run together.  Within the process, the core serialises all
 *   operations on one PF (a mutex per PF, held across each sequence of
 *   calls), but operations on different PFs may run concurrently: state
 *   shared between PFs is set up in init and read-only afterwards, or
 *   protected by the backend.  kube-rdma-ctl may read a PF from another
 *   process at the same time (vf_list and the query operations only).  No
 *   operation may rely on a cache for correctness: the kernel is the
 *   source of truth.
 *
 * UNITS
 *   Rates are in Mbit/s, as for `ip link set PF vf N max_tx_rate R`; 0 means
 *   "no limit" for max_tx_rate and "no reservation" for min_tx_rate.  VF
 *   indexes count from 0 as the kernel's do.
 */
#ifndef KUBE_RDMA_BACKEND_H
#define KUBE_RDMA_BACKEND_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KR_BACKEND_ABI_MAJOR 1
#define KR_BACKEND_ABI_MINOR 2

/* The entry symbol carries the major; see "THE ENTRY SYMBOL" above. */
#define KR_BACKEND_ENTRY kr_backend_entry_v1
#define KR_BACKEND_ENTRY_NAME "kr_backend_entry_v1"

/* Longest interface name the kernel accepts, plus its NUL (IFNAMSIZ). */
#define KR_IFNAMSIZ 16
/* "dddd:bb:dd.f" plus NUL. */
#define KR_PCI_ADDR_SIZE 13
/* "aa:bb:cc:dd:ee:ff" plus NUL; InfiniBand hardware addresses are longer. */
#define KR_MAC_STR_SIZE 60
/* Longest message a struct kr_err holds, with its NUL. */
#define KR_ERR_MSG_SIZE 512

/*
 * Error detail that travels with a negative errno.  Caller-owned and
 * fixed-size, so failing paths never allocate.  'code' is the errno the
 * operation returned (negative); 'msg' one human sentence or "".
 */
struct kr_err {
	int code;
	char msg[KR_ERR_MSG_SIZE];
};

/* Link layer of a PF and its VFs (/sys/class/net/DEV/type 1 or 32). */
enum kr_link_layer {
	KR_LINK_LAYER_UNKNOWN = 0,
	KR_LINK_LAYER_ETHERNET = 1,
	KR_LINK_LAYER_INFINIBAND = 2,
};

/*
 * What a PF can do.  Reported by pf_query_caps; the scheduler only promises
 * what the NIC can keep (a PF without KR_CAP_VF_RATE_MIN gets no pod that
 * reserves bandwidth).  At load time the core rejects a backend that
 * advertises a capability without the operation behind it.
 */
enum kr_cap {
	KR_CAP_VF_COUNT = 1u << 0,	  /* pf_set_num_vfs works */
	KR_CAP_VF_RATE_MAX = 1u << 1,	  /* vf_set_rate honours max */
	KR_CAP_VF_RATE_MIN = 1u << 2,	  /* vf_set_rate honours min */
	KR_CAP_VF_MAC = 1u << 3,	  /* vf_set_mac */
	KR_CAP_VF_TRUST = 1u << 4,	  /* vf_set_trust */
	KR_CAP_VF_SPOOFCHK = 1u << 5,	  /* vf_set_spoofchk */
	KR_CAP_VF_VLAN = 1u << 6,	  /* vf_set_vlan */
	KR_CAP_VF_GUID = 1u << 7,	  /* vf_set_guid (InfiniBand) */
	KR_CAP_VF_RDMA_DEVICE = 1u << 8,  /* vf_get_rdma */
};

/*
 * One VF as its PF reports it through rtnetlink (RTM_GETLINK with
 * RTEXT_FILTER_VF), and what svc->vf_apply sets (ABI 1.1).
 */
struct kr_vf_state {
	uint32_t vf;			/* VF index */
	uint32_t min_tx_rate;		/* Mbit/s, 0 = none */
	uint32_t max_tx_rate;		/* Mbit/s, 0 = no limit */
	uint16_t vlan;			/* 0 = none */
	uint8_t qos;			/* VLAN priority 0..7 */
	uint8_t mac_len;		/* bytes of 'mac' in use (6 Ethernet) */
	uint8_t mac[32];		/* administrative MAC, zeros = none */
	int32_t spoofchk;		/* 1 on, 0 off, -1 not reported */
	int32_t trust;			/* 1 on, 0 off, -1 not reported */
	uint32_t link_state;		/* 0 auto, 1 enable, 2 disable */
	uint64_t node_guid;		/* InfiniBand; 0 = not reported */
	uint64_t port_guid;
};

/* Which members of a struct kr_vf_state svc->vf_apply sets. */
enum kr_vf_field {
	KR_VF_RATE = 1u << 0,		/* min_tx_rate and max_tx_rate */
	KR_VF_MAC = 1u << 1,		/* mac (6 bytes) */
	KR_VF_VLAN = 1u << 2,		/* vlan and qos */
	KR_VF_SPOOFCHK = 1u << 3,
	KR_VF_TRUST = 1u << 4,
	KR_VF_LINK_STATE = 1u << 5,
	KR_VF_GUIDS = 1u << 6,		/* node_guid, then port_guid */
};

/* Log levels for svc->log, as syslog's. */
enum kr_log_level {
	KR_LOG_ERR = 3,
	KR_LOG_WARNING = 4,
	KR_LOG_INFO = 6,
	KR_LOG_DEBUG = 7,
};

/*
 * Services the core offers a backend, passed to the entry function and
 * valid until fini returns.  Size-prefixed: a member is present when
 * offsetof(member) < size.
 */
struct kr_backend_services {
	uint32_t size;		/* sizeof as the core built it */
	uint32_t abi_major;	/* the core's KR_BACKEND_ABI_MAJOR */
	uint32_t abi_minor;	/* the core's KR_BACKEND_ABI_MINOR */

	/*
	 * Write a log line.  Backends use KR_LOG_DEBUG only: the caller logs
	 * failures once, from the struct kr_err it gets back.
	 */
	void (*log)(enum kr_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

	/*
	 * Set err->code = code and err->msg from the format; returns code, so
	 * "return svc->err_set(err, -EIO, "...", ...);" is one line.  'err'
	 * may be NULL.
	 */
	int (*err_set)(struct kr_err *err, int code, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/*
	 * Replace the file 'path' with 'len' bytes atomically (temp file,
	 * fsync, rename, fsync of the directory), so a reader or a crash
	 * never sees half of it.  0 or -errno, with the path in err.
	 */
	int (*write_file_atomic)(const char *path, const void *data,
				 size_t len, struct kr_err *err);

	/*
	 * Make a directory and its parents (mkdir -p).  0 or -errno.
	 */
	int (*mkdir_p)(const char *path, struct kr_err *err);

	/* Root of sysfs, "/sys" unless configured ([node] sysfs_root). */
	const char *sysfs_root;

	/*
	 * sysfs, relative to 'root' (pass sysfs_root): every backend reads
	 * and writes /sys through these, so tests can use fake trees.  'rel'
	 * is like "class/net/ens1f0/device/sriov_numvfs" (no ".."); errors
	 * name the path.  read strips the trailing newline; read_int takes a
	 * decimal or -1; link_name gives the last component of a symlink's
	 * target (a VF's PCI address from virtfnN); exists answers 1 or 0.
	 */
	int (*sysfs_read)(const char *root, const char *rel, char *buf,
			  size_t size, struct kr_err *err);
	int (*sysfs_read_int)(const char *root, const char *rel,
			      long long *ret, struct kr_err *err);
	int (*sysfs_write)(const char *root, const char *rel,
			   const char *value, struct kr_err *err);
	int (*sysfs_link_name)(const char *root, const char *rel, char *buf,
			       size_t size, struct kr_err *err);
	int (*sysfs_exists)(const char *root, const char *rel);
	/* The first entry of directory ROOT/REL (a VF's one netdev under
	 * virtfnN/net); -ENOENT when empty or absent. */
	int (*sysfs_first_entry)(const char *root, const char *rel, char *buf,
				 size_t size, struct kr_err *err);

	/*
	 * VF rates through rtnetlink on the PF netdev 'pf' (one module for
	 * every backend, so tests can record what would be sent).
	 * vf_rates fills mins[i]/maxs[i] for VF i < max (0 = none) and
	 * *ret_count with the VFs the kernel listed.  vf_set_rate sends min
	 * and max together (IFLA_VF_RATE), falling back to the legacy
	 * IFLA_VF_TX_RATE when min is 0 and the driver refuses.
	 */
	int (*vf_rates)(const char *pf, uint32_t *mins, uint32_t *maxs,
			uint32_t max, uint32_t *ret_count, struct kr_err *err);
	int (*vf_set_rate)(const char *pf, uint32_t vf, uint32_t min,
			   uint32_t max, struct kr_err *err);
	/*
	 * The node's state directory ([node] state_dir).  A backend that
	 * must persist something keeps it under STATE_DIR/backend-NAME/.
	 */
	const char *state_dir;

	/* ---- ABI 1.1 ---- */

	/*
	 * Every VF setting of PF 'pf' as the kernel reports it: vfs[i] for
	 * the first 'max' VFs the kernel lists (in its order, vfs[i].vf says
	 * which), *ret_count the number it listed.  One RTM_GETLINK.
	 */
	int (*vf_query)(const char *pf, struct kr_vf_state *vfs, uint32_t max,
			uint32_t *ret_count, struct kr_err *err);
	/*
	 * Set the 'fields' (enum kr_vf_field) of VF want->vf on PF 'pf', one
	 * RTM_SETLINK per field in the enum's order, stopping at the first
	 * the kernel refuses (err names the field).  Rates fall back to the
	 * legacy IFLA_VF_TX_RATE when min is 0 and IFLA_VF_RATE is refused.
	 */
	int (*vf_apply)(const char *pf, const struct kr_vf_state *want,
			uint32_t fields, struct kr_err *err);
	/*
	 * Return VF 'vf' of PF 'pf' to the kernel's defaults: rates 0, no
	 * VLAN, spoofchk on, trust off, link state auto.  Reads the VF first
	 * and sends only what differs, and nothing the driver does not
	 * report (spoofchk or trust reported as -1).  MAC and GUIDs are left
	 * as they are.  Idempotent.  (Named vf_restore in ABI 1.1's first
	 * header; same member, same contract.)
	 */
	int (*vf_defaults)(const char *pf, uint32_t vf, struct kr_err *err);

	/* ---- ABI 1.2 ---- */

	/*
	 * Remove the temporary files write_file_atomic left in 'dir'
	 * (NAME.tmp.PID) whose writer is gone, killed before its rename.
	 * Call it when a PF is opened, before reading what is kept there.
	 */
	int (*stale_temps_remove)(const char *dir, struct kr_err *err);
};

/* One "key = value" line of a PF's INI section that the core passed on. */
struct kr_option {
	const char *key;
	const char *value;
	unsigned int line;	/* line in the configuration file */
};

/*
 * A PF as configured: what probe and pf_open receive.  Borrowed.
 */
struct kr_pf_desc {
	const char *name;		/* netdev name of the PF ([pf "NAME"]) */
	const struct kr_option *options;/* the backend's own keys */
	size_t n_options;
};

/*
 * Facts about a PF, filled by pf_query_caps.  The caller sets 'size' to
 * sizeof(struct kr_pf_caps) and zeroes the rest; a backend fills members
 * below that size.
 */
struct kr_pf_caps {
	uint32_t size;
	uint32_t caps;			/* enum kr_cap bits */
	uint32_t link_speed_mbps;	/* current speed; 0 if unknown/down */
	uint32_t total_vfs;		/* most VFs the PF supports */
	uint32_t max_rate_mbps;		/* largest accepted rate; 0 = speed */
	uint32_t link_layer;		/* enum kr_link_layer */
	int32_t numa_node;		/* -1 if none */
	char pci[KR_PCI_ADDR_SIZE];	/* the PF's PCI address, or "" */
};

/*
 * One VF, filled by vf_list.  Fixed-size strings so the caller owns the
 * whole array.  The layout is part of the ABI major.
 */
struct kr_vf_info {
	uint32_t index;			/* VF number on its PF, from 0 */
	uint32_t min_tx_rate;		/* Mbit/s reserved, 0 = none */
	uint32_t max_tx_rate;		/* Mbit/s ceiling, 0 = no limit */
	/* VF netdev name in the caller's network namespace, "" when the VF
	 * has none there (moved into a pod, or bound to a userspace
	 * driver). */
	char netdev[KR_IFNAMSIZ];
	char pci[KR_PCI_ADDR_SIZE];	/* VF PCI address, or "" */
	char mac[KR_MAC_STR_SIZE];	/* lower-case "aa:bb:..", or "" */
	/* RDMA device of the VF (e.g. "mlx5_3"), or "" */
	char rdma_device[64];
	uint32_t reserved[8];		/* zero */
};

/*
 * The RDMA side of a VF, filled by vf_get_rdma.  The caller sets 'size'
 * to the bytes it provides, at least KR_VF_RDMA_SIZE_NO_GUIDS; a backend
 * writes only the members that end within it, and need not work out the
 * others.
 */
struct kr_vf_rdma {
	uint32_t size;
	char device[64];		/* ibdev name, e.g. "mlx5_3" */
	/* character devices under /dev/infiniband, e.g. "uverbs3"; unused
	 * entries are "" */
	char char_devices[4][32];
	uint64_t node_guid;		/* 0 if not InfiniBand */
	uint64_t port_guid;
};

/*
 * 'size' for a caller that wants no GUIDs: reading them may cost the
 * backend a netlink dump of the whole PF per VF.
 */
#define KR_VF_RDMA_SIZE_NO_GUIDS offsetof(struct kr_vf_rdma, node_guid)

/* A backend's private state, one per process (init) and one per PF. */
struct kr_backend_ctx;
struct kr_backend_pf;

/*
 * The operations table.  A backend defines one static const instance with
 * designated initialisers and returns it from the entry function.  The
 * operations marked REQUIRED must be there: the loader refuses a table
 * without one, naming it.  The core copies the table into a full-sized one
 * in which every other absent operation (NULL, or beyond struct_size)
 * answers -EOPNOTSUPP, so a backend leaves out what it cannot do.
 */
struct kr_backend_ops {
	/* ---- header: never moves ---- */
	uint32_t abi_major;	/* KR_BACKEND_ABI_MAJOR it was written for */
	uint32_t abi_minor;	/* KR_BACKEND_ABI_MINOR it was written for */
	uint32_t struct_size;	/* sizeof(struct kr_backend_ops) it saw */
	/* Name; must equal the file name without ".so". */
	const char *name;
	const char *description;	/* one line, for --help and logs */
	/*
	 * NULL-terminated list of the keys this backend accepts in a
	 * [pf "NAME"] section beyond the core's (backend, num_vfs,
	 * capacity_mbps).  The core rejects other keys with file and line.
	 * May be NULL (no keys of its own).
	 */
	const char *const *pf_options;

	/* ---- process lifetime ---- */

	/*
	 * Set up the backend for this process.  'svc' stays valid until
	 * fini.  On success *ret_ctx (may be NULL) is handed to every other
	 * operation.  May block briefly (open sockets).  On failure nothing
	 * is left allocated and fini is not called.
	 */
	int (*init)(const struct kr_backend_services *svc,
		    struct kr_backend_ctx **ret_ctx, struct kr_err *err);

	/* Release what init made.  Never fails; accepts NULL. */
	void (*fini)(struct kr_backend_ctx *ctx);

	/* ---- PF lifetime ---- */

	/*
	 * REQUIRED.  Does this backend drive the PF?  Returns 0 with
	 * *ret_score > 0 when it does (the configuration names one backend
	 * per PF, so scores are never compared: any positive value means
	 * yes), 0 with *ret_score = 0 when it does not, or a negative errno
	 * with a reason a user can act on (-ENODEV "no netdev ens1f0",
	 * -EOPNOTSUPP "ens1f0 is driven by ice, not mlx5_core").  Reads the
	 * system only.
	 */
	int (*probe)(struct kr_backend_ctx *ctx, const struct kr_pf_desc *pf,
		     int *ret_score, struct kr_err *err);

	/*
	 * REQUIRED.  Open a PF for the other operations.  Validates the backend's own
	 * options: an error about one starts with KEY = "VALUE": so the
	 * core can name the option's line.  Must not change VF
	 * state; may create what the PF needs to exist (the mock's bridge),
	 * and completes what a process killed midway left half made, as the
	 * backend defines a complete VF (the mock: representor up on the
	 * bridge, shaping as its rates say): init opens every PF, so init
	 * repairs them.  On failure nothing is left allocated.
	 */
	int (*pf_open)(struct kr_backend_ctx *ctx, const struct kr_pf_desc *pf,
		       struct kr_backend_pf **ret_pf, struct kr_err *err);

	/* REQUIRED.  Release a PF handle.  Leaves VFs as they are.  Accepts
	 * NULL. */
	void (*pf_close)(struct kr_backend_pf *pf);

	/*
	 * REQUIRED.  Fill 'caps' (see struct kr_pf_caps).  Reads live state
	 * each time
	 * (link speed changes with the link).
	 */
	int (*pf_query_caps)(struct kr_backend_pf *pf, struct kr_pf_caps *caps,
			     struct kr_err *err);

	/* REQUIRED.  Number of VFs enabled now (sriov_numvfs). */
	int (*pf_get_num_vfs)(struct kr_backend_pf *pf, uint32_t *ret_num,
			      struct kr_err *err);

	/*
	 * Enable 'num' VFs (0 removes them all) and return when their netdevs
	 * exist, or -ETIMEDOUT after a bounded wait.  -ERANGE when num >
	 * total_vfs.  The kernel refuses to change a non-zero count to
	 * another non-zero count (-EBUSY); the core writes 0 first, so a
	 * backend need not.  May block for seconds.  On failure the count is
	 * whatever the kernel reports; pf_get_num_vfs tells.
	 */
	int (*pf_set_num_vfs)(struct kr_backend_pf *pf, uint32_t num,
			      struct kr_err *err);

	/*
	 * REQUIRED.  List the PF's VFs in index order into the caller's array
	 * of 'max' entries; *ret_count is the number of VFs, which may exceed 'max'
	 * (then only 'max' were written: call again with a larger array).
	 * Entries are zeroed by the backend before filling.
	 */
	int (*vf_list)(struct kr_backend_pf *pf, struct kr_vf_info *vfs,
		       uint32_t max, uint32_t *ret_count, struct kr_err *err);

	/*
	 * REQUIRED.  Set VF 'vf''s reservation and ceiling together (the
	 * kernel's IFLA_VF_RATE takes both).  0 = none.  -ERANGE when max !=
	 * 0 and min > max, or beyond max_rate_mbps; -EOPNOTSUPP for min != 0
	 * without KR_CAP_VF_RATE_MIN, and for anything but 0 and 0 on a NIC
	 * without rate limits.  On failure both rates are unchanged.
	 * Works wherever the VF's netdev is (host or pod namespace).
	 */
	int (*vf_set_rate)(struct kr_backend_pf *pf, uint32_t vf,
			   uint32_t min_tx_rate, uint32_t max_tx_rate,
			   struct kr_err *err);

	/*
	 * REQUIRED.  Give VF 'vf' back its host state: rates 0, and where
	 * supported its MAC as created, no VLAN, spoofchk on, trust off,
	 * link state auto.  Does not move the netdev.  Idempotent, and
	 * from what the hardware shows: a process killed after changing
	 * the VF and before saving anything of its own leaves the VF ahead
	 * of any saved state, so never skip work because a cache says the
	 * VF is already reset.  (The
	 * service svc->vf_defaults is narrower: the kernel's defaults of the
	 * settings, not the MAC; a backend's vf_reset builds on it.)
	 */
	int (*vf_reset)(struct kr_backend_pf *pf, uint32_t vf,
			struct kr_err *err);

	/* ---- per-VF settings (capability bits say which work) ---- */

	/* Set the VF's MAC address (6 bytes) from the PF side. */
	int (*vf_set_mac)(struct kr_backend_pf *pf, uint32_t vf,
			  const uint8_t mac[6], struct kr_err *err);
	/* Trust on (1) or off (0). */
	int (*vf_set_trust)(struct kr_backend_pf *pf, uint32_t vf, int on,
			    struct kr_err *err);
	/* Source MAC anti-spoofing on (1) or off (0). */
	int (*vf_set_spoofchk)(struct kr_backend_pf *pf, uint32_t vf, int on,
			       struct kr_err *err);
	/* VLAN 1..4094 with priority 0..7; vlan 0 removes it. */
	int (*vf_set_vlan)(struct kr_backend_pf *pf, uint32_t vf, uint16_t vlan,
			   uint8_t qos, struct kr_err *err);
	/*
	 * InfiniBand node and port GUIDs.  May rebind the VF driver, after
	 * which the VF netdev may have a new name (look it up by vf_list).
	 */
	int (*vf_set_guid)(struct kr_backend_pf *pf, uint32_t vf,
			   uint64_t node_guid, uint64_t port_guid,
			   struct kr_err *err);
	/* The VF's RDMA device and character devices; 'rdma->size' set. */
	int (*vf_get_rdma)(struct kr_backend_pf *pf, uint32_t vf,
			   struct kr_vf_rdma *rdma, struct kr_err *err);

	/* ---- ABI 1.2 ---- */

	/*
	 * Optional.  Validate the PF's backend options exactly as pf_open
	 * does, touching nothing (no netlink, no sysfs write, no file):
	 * check-config calls it, so a value that init would refuse is
	 * refused there, with the same message ("KEY = \"VALUE\": ...",
	 * so the core names the option's line).  Absent: only the option
	 * names are checked (against pf_options).
	 */
	int (*pf_check_options)(struct kr_backend_ctx *ctx,
				const struct kr_pf_desc *pf,
				struct kr_err *err);
};

/* Size of the table as ABI 1.0 defined it: the shortest the core accepts. */
#define KR_BACKEND_OPS_SIZE_V1_0                                             \
	(offsetof(struct kr_backend_ops, vf_get_rdma) +                      \
	 sizeof(((struct kr_backend_ops *)0)->vf_get_rdma))

/*
 * The entry function every backend exports under KR_BACKEND_ENTRY_NAME.
 * 'svc' tells the core's ABI version; a backend that needs a newer minor
 * returns -EPROTO.  On success *ret_ops points at the backend's static,
 * constant table.  Called once, before init.
 */
typedef int (*kr_backend_entry_fn)(const struct kr_backend_services *svc,
				   const struct kr_backend_ops **ret_ops);

/* Its prototype, for the backend that defines it (give it default
 * visibility there: the rest of a backend stays hidden). */
int KR_BACKEND_ENTRY(const struct kr_backend_services *svc,
		     const struct kr_backend_ops **ret_ops);

#ifdef __cplusplus
}
#endif

#endif /* KUBE_RDMA_BACKEND_H */
