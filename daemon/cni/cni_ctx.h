/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the CNI verbs share: one request's context (its node, its netlink
 * and RDMA netlink sockets, the pod's namespace) and the release of an
 * attachment, which DEL, GC, a failed ADD and the agent's repair all do.
 */
#ifndef KR_CNI_CTX_H
#define KR_CNI_CTX_H

#include <stdint.h>

#include "cni.h"
#include "nl.h"
#include "node.h"
#include "rdma_nl.h"

/* One request's context. */
struct cni_ctx {
	struct cni_call *call;
	const struct cni_env *env;
	struct cni_conf *conf;
	const struct kr_config *cfg;
	struct kr_node *node;
	int host_ns;			/* our own netns */
	int pod_ns;			/* CNI_NETNS, or -1 */
	struct kr_nl *host_nl;
	struct kr_nl *pod_nl;		/* NULL without pod_ns */
	/* RDMA netlink, opened when a VF has an RDMA device */
	int rdma_exclusive;		/* -1 until asked */
	struct kr_rdma_nl *host_rdma;
	struct kr_rdma_nl *pod_rdma;
};


/* The request's node and the host's netlink socket. */
int cni_ctx_open(struct cni_ctx *c, struct cni_call *call,
		 struct cni_error *e);
/* Close what cni_ctx_open and cni_ctx_open_pod opened. */
void cni_ctx_close(struct cni_ctx *c);

/*
 * Open the pod's namespace at 'path' and netlink in it; 'required' turns
 * absence into an error (ADD, CHECK), else a namespace that is gone is
 * fine (DEL).  The node's own namespace is refused (code 8).
 */
int cni_ctx_open_pod(struct cni_ctx *c, const char *path, int required,
		     struct cni_error *e);
void cni_ctx_close_pod(struct cni_ctx *c);

/* Is the system in exclusive RDMA namespace mode?  Asked once per request. */
int cni_rdma_exclusive(struct cni_ctx *c, int *ret, struct kr_err *err);

/*
 * 1 with the pod's RDMA netlink in *ret when the VF's RDMA device moves
 * with it (it has one, in exclusive mode); 0 when not.
 */
int cni_rdma_follows(struct cni_ctx *c, const struct kr_alloc_vf *v,
		     struct kr_rdma_nl **ret, struct kr_err *err);

/* What the backend says of VF 'vf' now (the caller holds the PF's lock). */
int cni_vf_info(struct kr_node_pf *pf, uint32_t vf, struct kr_vf_info *ret,
		struct kr_err *err);

/* Keep the first error in 'e'; every one is logged. */
void cni_note(struct cni_error *e, int *failed, int code, const char *msg,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Undo an attachment as its record describes (docs/cni.md): every VF back
 * under its host name and reset, IPAM released, the record removed.  Best
 * effort: carries on after errors and reports the first.  0 or -1.
 */
int cni_release(struct cni_ctx *c, struct kr_alloc *rec, struct cni_error *e);

/* 1 when GC's valid attachments (may be NULL) name (container_id, ifname). */
int cni_attachment_valid(json_t *valid, const char *container_id,
			 const char *ifname);

/*
 * DEL of the attachment of c->env, whose record cannot be read: the file
 * set aside (attachments/unreadable/), what the kernel shows of the
 * attachment released (cni_unreadable.c).  The caller holds the gc lock
 * for writing.  0 or -1.
 */
int cni_del_unreadable(struct cni_ctx *c, struct cni_error *e);

/*
 * GC's part for the unreadable record files at 'paths': each that no
 * valid attachment names is set aside and what it left on the host is
 * released.  'list' holds the readable records.  0 or -1.
 */
int cni_gc_unreadable(struct cni_ctx *c, char **paths, size_t n_paths,
		      struct kr_alloc **list, size_t n, json_t *valid,
		      struct cni_error *e);

#endif
