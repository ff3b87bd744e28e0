/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <rdma/rdma_netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nl_internal.h"
#include "rdma_nl.h"

struct kr_rdma_nl {
	struct kr_nl nl;
	int netns_fd;		/* the socket's namespace, or -1: ours */
	uint64_t netns_ino;	/* its inode, for the fake only */
};

/* The fake goes by the socket's namespace inode, and may play no RDMA. */
static int fake_open(struct kr_rdma_nl *rn, struct kr_err *err)
{
	struct stat st;

	if ((rn->netns_fd >= 0 ? fstat(rn->netns_fd, &st)
			       : stat("/proc/thread-self/ns/net", &st)) < 0)
		return kr_err_set(err, -errno, "netns: %s", strerror(errno));
	rn->netns_ino = (uint64_t)st.st_ino;
	return kr_nl_fakes->rdma_present(rn->nl.fake_dir) ? 0
							   : -EPROTONOSUPPORT;
}

int kr_rdma_nl_open(int netns_fd, struct kr_rdma_nl **ret,
		    struct kr_err *err)
{
	struct kr_rdma_nl *rn = calloc(1, sizeof(*rn));
	int r;

	if (!rn)
		return kr_err_set(err, -ENOMEM, "out of memory");
	rn->netns_fd = -1;
	if (netns_fd >= 0) {
		rn->netns_fd = fcntl(netns_fd, F_DUPFD_CLOEXEC, 0);
		if (rn->netns_fd < 0) {
			r = kr_err_set(err, -errno, "dup netns: %s",
				       strerror(errno));
			goto out_fail;
		}
	}
	r = kr_nl_init(&rn->nl, NETLINK_RDMA, "RDMA netlink", rn->netns_fd,
		       err);
	if (r == 0 && rn->nl.fake_dir)
		r = fake_open(rn, err);
	if (r == -EPROTONOSUPPORT)
		r = kr_err_set(err, r, "the kernel has no RDMA netlink "
				       "(ib_core is not loaded)");
	if (r < 0)
		goto out_fail;
	/* dumps end with NLMSG_DONE; requests that want an ACK say so */
	nl_socket_disable_auto_ack(rn->nl.sock);
	*ret = rn;
	return 0;
out_fail:
	kr_nl_fini(&rn->nl);
	if (rn->netns_fd >= 0)
		close(rn->netns_fd);
	free(rn);
	return r;
}

void kr_rdma_nl_close(struct kr_rdma_nl *rn)
{
	if (!rn)
		return;
	kr_nl_fini(&rn->nl);
	if (rn->netns_fd >= 0)
		close(rn->netns_fd);
	free(rn);
}

static struct nl_msg *request(int command, int flags)
{
	return nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, command),
				  flags);
}

static int exchange(struct kr_rdma_nl *rn, struct nl_msg *msg,
		    int (*on_reply)(struct nl_msg *msg, void *arg), void *arg)
{
	int r;

	if (!rn->nl.fake_dir)
		return kr_nl_exchange(&rn->nl, msg, on_reply, arg);
	nl_complete_msg(rn->nl.sock, msg);
	r = kr_nl_fakes->rdma_exchange(rn->nl.fake_dir, rn->netns_ino,
				       nlmsg_hdr(msg), on_reply, arg);
	nlmsg_free(msg);
	return r;
}

/* RDMA netlink messages carry their attributes right after the header. */
static int parse(struct nl_msg *msg, struct nlattr **tb)
{
	return nlmsg_parse(nlmsg_hdr(msg), 0, tb, RDMA_NLDEV_ATTR_MAX - 1,
			   NULL);
}

static int on_sys(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	int *shared = arg;

	if (parse(msg, tb) == 0 && tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE] &&
	    nla_len(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]) >= 1)
		*shared = nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]);
	return NL_OK;
}

int kr_rdma_netns_exclusive(struct kr_rdma_nl *rn, int *ret,
			    struct kr_err *err)
{
	struct nl_msg *msg = request(RDMA_NLDEV_CMD_SYS_GET, NLM_F_ACK);
	int shared = 1, r;

	if (!msg)
		return kr_err_set(err, -ENOMEM, "out of memory");
	r = exchange(rn, msg, on_sys, &shared);
	/* before 5.2 the kernel has no such command, and no modes */
	if (r == -EINVAL || r == -EOPNOTSUPP)
		r = 0;
	if (r < 0)
		return kr_err_set(err, r, "read the RDMA namespace mode: %s",
				  strerror(-r));
	*ret = shared == 0;
	return 0;
}

struct find {
	const char *name;
	uint32_t index;
	int found;
};

static int on_dev(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct find *f = arg;

	if (parse(msg, tb) == 0 && tb[RDMA_NLDEV_ATTR_DEV_INDEX] &&
	    tb[RDMA_NLDEV_ATTR_DEV_NAME] &&
	    nla_len(tb[RDMA_NLDEV_ATTR_DEV_INDEX]) >= 4 &&
	    !nla_strcmp(tb[RDMA_NLDEV_ATTR_DEV_NAME], f->name)) {
		f->index = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);
		f->found = 1;
	}
	return NL_OK;
}

int kr_rdma_dev_find(struct kr_rdma_nl *rn, const char *name,
		     uint32_t *ret_index, struct kr_err *err)
{
	/* a GET without an index must be a dump: the kernel has no lookup
	 * by name */
	struct nl_msg *msg = request(RDMA_NLDEV_CMD_GET, NLM_F_DUMP);
	struct find f = { .name = name };
	int r;

	if (!msg)
		return kr_err_set(err, -ENOMEM, "out of memory");
	r = exchange(rn, msg, on_dev, &f);
	if (r < 0)
		return kr_err_set(err, r, "list the RDMA devices: %s",
				  strerror(-r));
	if (!f.found)
		return kr_err_set(err, -ENODEV, "no RDMA device %s in this "
						"namespace", name);
	*ret_index = f.index;
	return 0;
}

int kr_rdma_dev_move(struct kr_rdma_nl *rn, const char *name,
		     int target_netns_fd, struct kr_err *err)
{
	struct nl_msg *msg;
	uint32_t index;
	int self, r;

	r = kr_rdma_dev_find(rn, name, &index, err);
	if (r < 0)
		return r;
	msg = request(RDMA_NLDEV_CMD_SET, NLM_F_ACK);
	if (!msg || nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX, index) < 0 ||
	    nla_put_u32(msg, RDMA_NLDEV_NET_NS_FD,
			(uint32_t)target_netns_fd) < 0) {
		nlmsg_free(msg);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	/* the kernel moves a device out of the namespace of the calling
	 * thread, not of the socket */
	r = kr_netns_enter(rn->netns_fd, &self, err);
	if (r < 0) {
		nlmsg_free(msg);
		return r;
	}
	r = exchange(rn, msg, NULL, NULL);
	kr_netns_leave(self);
	if (r == -EOPNOTSUPP)
		return kr_err_set(err, r, "move RDMA device %s: the kernel "
					  "refuses (shared RDMA namespace "
					  "mode, or a driver that cannot "
					  "disassociate its users)", name);
	if (r < 0)
		return kr_err_set(err, r, "move RDMA device %s: %s", name,
				  strerror(-r));
	return 0;
}
