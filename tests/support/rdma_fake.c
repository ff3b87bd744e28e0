/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <rdma/rdma_netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "nl_fake.h"
#include "rdma_fake.h"

struct fake {
	json_t *state;		/* DIR/rdma.json */
	json_t *devices;	/* its "devices" array */
	int exclusive;
	uint64_t sock_netns;
	int log_fd;
};

static void state_path(const char *dir, char path[PATH_MAX])
{
	snprintf(path, PATH_MAX, "%s/rdma.json", dir);
}

int kr_rdma_fake_present(const char *dir)
{
	char path[PATH_MAX];

	state_path(dir, path);
	return access(path, F_OK) == 0;
}

static int load(struct fake *f, const char *dir)
{
	char path[PATH_MAX];
	const char *mode;
	json_t *dev;
	size_t i;

	state_path(dir, path);
	if (access(path, F_OK) < 0)
		return -EPROTONOSUPPORT;
	f->state = json_load_file(path, 0, NULL);
	f->devices = json_object_get(f->state, "devices");
	if (!json_is_object(f->state) || !json_is_array(f->devices))
		return -EIO;
	json_array_foreach(f->devices, i, dev)
		if (!json_is_integer(json_object_get(dev, "index")) ||
		    !json_is_string(json_object_get(dev, "name")) ||
		    !json_is_integer(json_object_get(dev, "netns")))
			return -EIO;
	mode = json_string_value(json_object_get(f->state, "netns_mode"));
	if (mode && strcmp(mode, "shared") && strcmp(mode, "exclusive"))
		return -EIO;
	f->exclusive = mode && !strcmp(mode, "exclusive");
	return 0;
}

static uint64_t dev_netns(json_t *dev)
{
	return (uint64_t)json_integer_value(json_object_get(dev, "netns"));
}

/* The kernel's rdma_dev_access_netns: all in shared mode, else its own. */
static int visible(const struct fake *f, json_t *dev)
{
	return !f->exclusive || dev_netns(dev) == f->sock_netns;
}

static json_t *dev_by_index(const struct fake *f, uint32_t index)
{
	json_t *dev;
	size_t i;

	json_array_foreach(f->devices, i, dev)
		if (json_integer_value(json_object_get(dev, "index")) ==
			    (json_int_t)index &&
		    visible(f, dev))
			return dev;
	return NULL;
}

/* A reply as the kernel builds it: no family header, attributes only. */
static struct nl_msg *reply(const struct nlmsghdr *req, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_simple(req->nlmsg_type, flags);

	if (msg) {
		nlmsg_hdr(msg)->nlmsg_seq = req->nlmsg_seq;
		nlmsg_hdr(msg)->nlmsg_pid = req->nlmsg_pid;
	}
	return msg;
}

static int sys_get(struct fake *f, const struct nlmsghdr *req,
		   int (*on_reply)(struct nl_msg *msg, void *arg), void *arg)
{
	struct nl_msg *msg = reply(req, 0);

	if (!msg || nla_put_u8(msg, RDMA_NLDEV_SYS_ATTR_NETNS_MODE,
			       f->exclusive ? 0 : 1) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	if (on_reply)
		on_reply(msg, arg);
	nlmsg_free(msg);
	kr_nl_fake_log(f->log_fd, 0, "RDMA SYS_GET");
	return 0;
}

static int get_dump(struct fake *f, const struct nlmsghdr *req,
		    int (*on_reply)(struct nl_msg *msg, void *arg), void *arg)
{
	struct nl_msg *msg;
	json_t *dev;
	size_t i;

	json_array_foreach(f->devices, i, dev) {
		if (!visible(f, dev))
			continue;
		msg = reply(req, NLM_F_MULTI);
		if (!msg ||
		    nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX,
				(uint32_t)json_integer_value(
					json_object_get(dev, "index"))) < 0 ||
		    nla_put_string(msg, RDMA_NLDEV_ATTR_DEV_NAME,
				   json_string_value(json_object_get(
					   dev, "name"))) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		if (on_reply)
			on_reply(msg, arg);
		nlmsg_free(msg);
	}
	kr_nl_fake_log(f->log_fd, 0, "RDMA GET dump");
	return 0;
}

/* The inode of the network namespace behind descriptor 'fd', or 0. */
static uint64_t netns_of_fd(int fd)
{
	struct stat st;

	/* get_net_ns_by_fd takes nsfs files of network namespaces only */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET || fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

/*
 * The fake node tree (tests/support/fake_node.py) shows a device's sysfs
 * entries ("sysfs": paths) only while the device is in the namespace the
 * tree stands for ("sysfs_netns"), as the kernel's sysfs shows a
 * namespaced class device only to the namespace it was mounted in: they
 * move to DIR/rdma-away/NAME.K and back.
 */
static int sysfs_follow(const char *dir, json_t *dev)
{
	json_t *paths = json_object_get(dev, "sysfs"), *p;
	json_t *home = json_object_get(dev, "sysfs_netns");
	int away = json_is_integer(home) &&
		   (uint64_t)json_integer_value(home) != dev_netns(dev);
	char stash[PATH_MAX];
	const char *from, *to;
	size_t i;

	snprintf(stash, sizeof(stash), "%s/rdma-away", dir);
	if (mkdir(stash, 0755) < 0 && errno != EEXIST)
		return -errno;
	json_array_foreach(paths, i, p) {
		if (!json_is_string(p))
			return -EIO;
		snprintf(stash, sizeof(stash), "%s/rdma-away/%s.%zu", dir,
			 json_string_value(json_object_get(dev, "name")), i);
		from = away ? json_string_value(p) : stash;
		to = away ? stash : json_string_value(p);
		if (access(from, F_OK) == 0 && rename(from, to) < 0)
			return -errno;
	}
	return 0;
}

static int set(struct fake *f, const char *dir, struct nlattr **tb)
{
	uint64_t target, caller;
	char path[PATH_MAX];
	const char *name = "?";
	struct stat st;
	uint32_t fd = UINT32_MAX;
	json_t *dev = NULL;
	int type, r = 0;
	char *text;

	for (type = 0; type < RDMA_NLDEV_ATTR_MAX; type++)
		if (tb[type] && type != RDMA_NLDEV_ATTR_DEV_INDEX &&
		    type != RDMA_NLDEV_NET_NS_FD) {
			kr_nl_fake_log(f->log_fd, -EINVAL, "RDMA SET "
				       "unexpected attribute %d", type);
			return -EINVAL;
		}
	/* nldev_policy: both are u32 */
	if (!tb[RDMA_NLDEV_ATTR_DEV_INDEX] || !tb[RDMA_NLDEV_NET_NS_FD] ||
	    nla_len(tb[RDMA_NLDEV_ATTR_DEV_INDEX]) != 4 ||
	    nla_len(tb[RDMA_NLDEV_NET_NS_FD]) != 4) {
		kr_nl_fake_log(f->log_fd, -EINVAL, "RDMA SET without a u32 "
			       "DEV_INDEX and NET_NS_FD");
		return -EINVAL;
	}
	dev = dev_by_index(f, nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]));
	fd = nla_get_u32(tb[RDMA_NLDEV_NET_NS_FD]);
	target = fd <= INT_MAX ? netns_of_fd((int)fd) : 0;
	caller = stat("/proc/thread-self/ns/net", &st) == 0
			 ? (uint64_t)st.st_ino : 0;
	if (!dev)
		r = -EINVAL;		/* ib_device_get_by_index */
	else if (!target)
		r = -EINVAL;		/* get_net_ns_by_fd */
	else if (!f->exclusive ||
		 json_is_false(json_object_get(dev, "disassociate")))
		r = -EOPNOTSUPP;	/* ib_device_set_netns_put */
	else if (caller != dev_netns(dev))
		r = -ENODEV;		/* rdma_dev_change_netns */
	if (dev)
		name = json_string_value(json_object_get(dev, "name"));
	if (r == 0 && target != dev_netns(dev)) {
		json_object_set_new(dev, "netns", json_integer(
						  (json_int_t)target));
		text = json_dumps(f->state, JSON_INDENT(1) | JSON_SORT_KEYS);
		state_path(dir, path);
		r = text ? kr_write_file_atomic(path, text, strlen(text), NULL)
			 : -ENOMEM;
		free(text);
		if (r == 0)
			r = sysfs_follow(dir, dev);
	}
	if (target)
		kr_nl_fake_log(f->log_fd, r, "RDMA SET %s NET_NS_FD net:[%llu]",
			       name, (unsigned long long)target);
	else
		kr_nl_fake_log(f->log_fd, r, "RDMA SET %s NET_NS_FD %u (not a "
			       "namespace)", name, fd);
	return r;
}

int kr_rdma_fake_exchange(const char *dir, uint64_t sock_netns,
			  struct nlmsghdr *req,
			  int (*on_reply)(struct nl_msg *msg, void *arg),
			  void *arg)
{
	struct fake f = { .sock_netns = sock_netns };
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	unsigned int op = RDMA_NL_GET_OP(req->nlmsg_type);
	int flags = req->nlmsg_flags & ~NLM_F_ACK, r;

	f.log_fd = kr_nl_fake_log_open(dir);
	if (f.log_fd < 0)
		return f.log_fd;
	r = load(&f, dir);
	if (r < 0) {
		kr_nl_fake_log(f.log_fd, r, "RDMA %s", dir);
		goto out;
	}
	r = -EINVAL;
	if (RDMA_NL_GET_CLIENT(req->nlmsg_type) != RDMA_NL_NLDEV ||
	    !(req->nlmsg_flags & NLM_F_REQUEST) ||
	    nlmsg_parse(req, 0, tb, RDMA_NLDEV_ATTR_MAX - 1, NULL) < 0)
		kr_nl_fake_log(f.log_fd, r, "RDMA message type 0x%x flags "
			       "0x%x", req->nlmsg_type, req->nlmsg_flags);
	else if (op == RDMA_NLDEV_CMD_GET &&
		 flags == (NLM_F_REQUEST | NLM_F_DUMP))
		r = get_dump(&f, req, on_reply, arg);
	/* rdma_nl.c waits for the ACK of every other request */
	else if (flags != NLM_F_REQUEST || !(req->nlmsg_flags & NLM_F_ACK))
		kr_nl_fake_log(f.log_fd, r, "RDMA op %u flags 0x%x", op,
			       req->nlmsg_flags);
	else if (op == RDMA_NLDEV_CMD_SYS_GET)
		r = sys_get(&f, req, on_reply, arg);
	else if (op == RDMA_NLDEV_CMD_SET)
		r = set(&f, dir, tb);
	else	/* not what rdma_nl.c sends */
		kr_nl_fake_log(f.log_fd, r, "RDMA op %u flags 0x%x", op,
			       req->nlmsg_flags);
out:
	json_decref(f.state);
	close(f.log_fd);
	return r;
}
