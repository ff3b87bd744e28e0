/* SPDX-License-Identifier: Apache-2.0 */
/* One CNI request's context: cni_ctx.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_ctx.h"
#include "err.h"
#include "log.h"

/* What cni_ctx_open_pod opened. */
void cni_ctx_close_pod(struct cni_ctx *c)
{
	kr_rdma_nl_close(c->pod_rdma);
	c->pod_rdma = NULL;
	kr_nl_close(c->pod_nl);
	c->pod_nl = NULL;
	if (c->pod_ns >= 0)
		close(c->pod_ns);
	c->pod_ns = -1;
}

void cni_ctx_close(struct cni_ctx *c)
{
	cni_ctx_close_pod(c);
	kr_rdma_nl_close(c->host_rdma);
	kr_nl_close(c->host_nl);
	if (c->host_ns >= 0)
		close(c->host_ns);
}

/* The request's node and the host's netlink socket. */
int cni_ctx_open(struct cni_ctx *c, struct cni_call *call,
		    struct cni_error *e)
{
	struct kr_err err = { 0 };

	memset(c, 0, sizeof(*c));
	c->call = call;
	c->env = &call->env;
	c->conf = &call->conf;
	c->cfg = call->cfg;
	c->node = call->node;
	c->host_ns = c->pod_ns = c->rdma_exclusive = -1;
	if (kr_nl_open(-1, &c->host_nl, &err) < 0)
		return cni_fail(e, CNI_ERR_INTERNAL, "cannot open netlink",
				"%s", kr_err_text(&err));
	c->host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (c->host_ns < 0)
		return cni_fail(e, CNI_ERR_IO, "cannot open own netns",
				"%s", strerror(errno));
	return 0;
}

/* Is the namespace open as 'fd' the agent's own (the node's)? */
static int same_netns(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Open CNI_NETNS (or 'path'); 'required' turns absence into an error. */
int cni_ctx_open_pod(struct cni_ctx *c, const char *path, int required,
			struct cni_error *e)
{
	struct kr_err err = { 0 };

	if (!path || !*path) {
		if (required)
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"required env variables [CNI_NETNS] "
					"missing", NULL);
		return 0;
	}
	c->pod_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (c->pod_ns < 0) {
		if (required)
			return cni_fail(e, CNI_ERR_INVALID_NETNS,
					"cannot open the container's netns",
					"%s: %s (the agent sees the runtime's "
					"netns directory through its mount, "
					"docs/deploy.md)", path,
					strerror(errno));
		return 0;	/* DEL: gone is fine */
	}
	if (same_netns(c->pod_ns, c->host_ns)) {
		/* never move the node's own links around */
		close(c->pod_ns);
		c->pod_ns = -1;
		return cni_fail(e, CNI_ERR_INVALID_NETNS,
				"CNI_NETNS is the node's own network "
				"namespace", "%s", path);
	}
	if (kr_nl_open(c->pod_ns, &c->pod_nl, &err) < 0) {
		close(c->pod_ns);
		c->pod_ns = -1;
		if (required)
			return cni_fail(e, CNI_ERR_INVALID_NETNS,
					"not a network namespace", "%s: %s",
					path, kr_err_text(&err));
	}
	return 0;
}

/*
 * Does an RDMA device follow its VF into the pod?  Only when the system
 * runs in exclusive RDMA namespace mode, which is asked once, and only
 * when a VF has an RDMA device, so nodes without RDMA never open RDMA
 * netlink.  A kernel without it (no ib_core) has no modes either.
 */
int cni_rdma_exclusive(struct cni_ctx *c, int *ret, struct kr_err *err)
{
	int r = 0;

	if (c->rdma_exclusive < 0) {
		r = kr_rdma_nl_open(-1, &c->host_rdma, err);
		if (r == 0)
			r = kr_rdma_netns_exclusive(c->host_rdma,
						    &c->rdma_exclusive, err);
		else if (r == -EPROTONOSUPPORT)
			r = c->rdma_exclusive = 0;
	}
	*ret = c->rdma_exclusive > 0;
	return r;
}

/* RDMA netlink in the pod's namespace, opened on first use. */
static int pod_rdma(struct cni_ctx *c, struct kr_rdma_nl **ret,
		    struct kr_err *err)
{
	int r = 0;

	if (!c->pod_rdma)
		r = kr_rdma_nl_open(c->pod_ns, &c->pod_rdma, err);
	*ret = c->pod_rdma;
	return r;
}

/* What the backend says of VF 'vf' now. */
int cni_vf_info(struct kr_node_pf *pf, uint32_t vf, struct kr_vf_info *ret,
		   struct kr_err *err)
{
	struct kr_vf_info *vfs = NULL;
	uint32_t n = 0, i;
	int r;

	r = kr_node_pf_vfs(pf, &vfs, &n, err);
	for (i = 0; r == 0 && i < n && vfs[i].index != vf; i++)
		;
	if (r == 0 && i == n)
		r = kr_err_set(err, -ENODEV, "PF %s has no VF %u",
			       pf->cfg->name, vf);
	else if (r == 0)
		*ret = vfs[i];
	free(vfs);
	return r;
}

void cni_note(struct cni_error *e, int *failed, int code,
		 const char *msg, const char *fmt, ...)
{
	char details[KR_ERR_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	kr_log(KR_LOG_WARNING, "%s: %s", msg, details);
	if (!*failed)
		cni_fail(e, code, msg, "%s", details);
	*failed = 1;
}

/*
 * 1 with the pod's RDMA netlink in *ret when the VF's RDMA device moves
 * with it (it has one, in exclusive mode); 0 when not.
 */
int cni_rdma_follows(struct cni_ctx *c, const struct kr_alloc_vf *v,
			struct kr_rdma_nl **ret, struct kr_err *err)
{
	int exclusive, r;

	if (!v->rdma_device[0] || !c->pod_nl)
		return 0;
	r = cni_rdma_exclusive(c, &exclusive, err);
	if (r < 0 || !exclusive)
		return r;
	r = pod_rdma(c, ret, err);
	return r < 0 ? r : 1;
}

