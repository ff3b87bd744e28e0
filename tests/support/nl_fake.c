/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fileio.h"
#include "nl_fake.h"
#include "util.h"

struct fake {
	const char *dir;
	const char *pf;
	json_t *state;		/* DIR/PF.json */
	json_t *vfs;		/* its "vfs" array */
	unsigned int mac_len;
	int changed;
	int log_fd;
};

void kr_nl_fake_log(int log_fd, int r, const char *fmt, ...)
{
	char line[512];
	const char *name;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 32)
		n = (int)sizeof(line) - 32;
	name = r ? strerrorname_np(-r) : "OK";
	n += snprintf(line + n, sizeof(line) - (size_t)n, " -> %s\n",
		      name ? name : "?");
	if (write(log_fd, line, (size_t)n) != n) {
		/* the log is what the tests read: losing a line fails them */
	}
}

int kr_nl_fake_log_open(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/netlink.log", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* one request at a time, across processes and protocols, as under
	 * the kernel's locks */
	flock(fd, LOCK_EX);
	return fd;
}

/* ---- the PF's VF table ---- */

static int load(struct fake *f)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *v;

	if (!kr_ifname_valid(f->pf))
		return -ENODEV;
	snprintf(path, sizeof(path), "%s/%s.json", f->dir, f->pf);
	if (access(path, F_OK) < 0)
		return -ENODEV;
	f->state = json_load_file(path, 0, &jerr);
	if (!f->state || !json_is_object(f->state))
		return -EIO;
	f->vfs = json_object_get(f->state, "vfs");
	if (!json_is_array(f->vfs))
		return -EIO;
	v = json_object_get(f->state, "mac_len");
	f->mac_len = json_is_integer(v) ? (unsigned int)json_integer_value(v)
					 : 6;
	if (f->mac_len < 1 || f->mac_len > 32)
		return -EIO;
	return 0;
}

static int save(struct fake *f)
{
	char path[PATH_MAX];
	char *text = json_dumps(f->state, JSON_INDENT(1) | JSON_SORT_KEYS);
	int r;

	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s.json", f->dir, f->pf);
	r = kr_write_file_atomic(path, text, strlen(text), NULL);
	free(text);
	return r;
}

static int refused(const struct fake *f, const char *attr)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(f->state, "refuse"), i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), attr))
			return 1;
	return 0;
}

static long long vf_int(json_t *vf, const char *key, long long missing)
{
	json_t *v = json_object_get(vf, key);

	return json_is_integer(v) ? json_integer_value(v) : missing;
}

static void vf_set_int(struct fake *f, json_t *vf, const char *key,
		       long long value)
{
	json_object_set_new(vf, key, json_integer(value));
	f->changed = 1;
}

static uint64_t vf_guid(json_t *vf, const char *key)
{
	const char *s = json_string_value(json_object_get(vf, key));

	return s ? strtoull(s, NULL, 16) : 0;
}

static void vf_mac(json_t *vf, uint8_t mac[32])
{
	const char *s = json_string_value(json_object_get(vf, "mac"));
	unsigned int i, byte;
	int used;

	memset(mac, 0, 32);
	for (i = 0; s && i < 32 && sscanf(s, "%2x%n", &byte, &used) == 1; i++) {
		mac[i] = (uint8_t)byte;
		s += used;
		if (*s != ':')
			break;
		s++;
	}
}

static void format_mac(const uint8_t *mac, unsigned int len, char *out)
{
	unsigned int i;

	/* "aa" then ":bb" ...: byte i starts at 3i - 1 */
	for (i = 0; i < len; i++)
		sprintf(out + (i ? 3 * i - 1 : 0), "%s%02x", i ? ":" : "",
			mac[i]);
	if (!len)
		*out = '\0';
}

/* ---- GETLINK ---- */

static int put_vf(struct nl_msg *msg, uint32_t i, json_t *vf)
{
	struct ifla_vf_mac mac = { .vf = i };
	struct ifla_vf_vlan vlan = { .vf = i,
				     .vlan = (uint32_t)vf_int(vf, "vlan", 0),
				     .qos = (uint32_t)vf_int(vf, "qos", 0) };
	struct ifla_vf_rate rate = {
		.vf = i, .min_tx_rate = (uint32_t)vf_int(vf, "min_tx_rate", 0),
		.max_tx_rate = (uint32_t)vf_int(vf, "max_tx_rate", 0) };
	struct ifla_vf_tx_rate tx = { .vf = i, .rate = rate.max_tx_rate };
	/* the kernel's -1 for what the driver does not fill in */
	struct ifla_vf_spoofchk spoof = {
		.vf = i, .setting = (uint32_t)vf_int(vf, "spoofchk", -1) };
	struct ifla_vf_link_state link = {
		.vf = i, .link_state = (uint32_t)vf_int(vf, "link_state", 0) };
	struct ifla_vf_trust trust = {
		.vf = i, .setting = (uint32_t)vf_int(vf, "trust", -1) };
	struct ifla_vf_guid node = { .vf = i,
				     .guid = vf_guid(vf, "node_guid") };
	struct ifla_vf_guid port = { .vf = i,
				     .guid = vf_guid(vf, "port_guid") };
	struct nlattr *info = nla_nest_start(msg, IFLA_VF_INFO);

	vf_mac(vf, mac.mac);
	/* in the order of the kernel's rtnl_fill_vfinfo */
	if (!info || nla_put(msg, IFLA_VF_MAC, sizeof(mac), &mac) < 0 ||
	    nla_put(msg, IFLA_VF_VLAN, sizeof(vlan), &vlan) < 0 ||
	    nla_put(msg, IFLA_VF_RATE, sizeof(rate), &rate) < 0 ||
	    nla_put(msg, IFLA_VF_TX_RATE, sizeof(tx), &tx) < 0 ||
	    nla_put(msg, IFLA_VF_SPOOFCHK, sizeof(spoof), &spoof) < 0 ||
	    nla_put(msg, IFLA_VF_LINK_STATE, sizeof(link), &link) < 0 ||
	    nla_put(msg, IFLA_VF_TRUST, sizeof(trust), &trust) < 0)
		return -ENOMEM;
	if (node.guid && nla_put(msg, IFLA_VF_IB_NODE_GUID, sizeof(node),
				 &node) < 0)
		return -ENOMEM;
	if (port.guid && nla_put(msg, IFLA_VF_IB_PORT_GUID, sizeof(port),
				 &port) < 0)
		return -ENOMEM;
	nla_nest_end(msg, info);
	return 0;
}

static int getlink(struct fake *f, struct nlmsghdr *req, struct nlattr **tb,
		   int (*on_reply)(struct nl_msg *msg, void *arg), void *arg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_type = f->mac_len == 20 ? 32 : 1,
				 .ifi_index = (int)vf_int(f->state, "ifindex",
							  100) };
	uint32_t mask = tb[IFLA_EXT_MASK] ? nla_get_u32(tb[IFLA_EXT_MASK]) : 0;
	uint8_t address[32] = { 0x02 };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct nlattr *list;
	json_t *vf;
	size_t i;
	int r = -ENOMEM;

	if (!msg)
		return -ENOMEM;
	nlmsg_hdr(msg)->nlmsg_seq = req->nlmsg_seq;
	nlmsg_hdr(msg)->nlmsg_pid = req->nlmsg_pid;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, f->pf) < 0 ||
	    nla_put(msg, IFLA_ADDRESS, (int)f->mac_len, address) < 0)
		goto out;
	/* without RTEXT_FILTER_VF the kernel leaves the VFs out */
	if (mask & RTEXT_FILTER_VF) {
		if (nla_put_u32(msg, IFLA_NUM_VF,
				(uint32_t)json_array_size(f->vfs)) < 0)
			goto out;
		list = nla_nest_start(msg, IFLA_VFINFO_LIST);
		if (!list)
			goto out;
		json_array_foreach(f->vfs, i, vf)
			if (put_vf(msg, (uint32_t)i, vf) < 0)
				goto out;
		nla_nest_end(msg, list);
	}
	r = 0;
	if (on_reply)
		on_reply(msg, arg);
	kr_nl_fake_log(f->log_fd, 0, "GETLINK %s%s", f->pf,
		 mask & RTEXT_FILTER_VF ? " RTEXT_FILTER_VF" : "");
out:
	nlmsg_free(msg);
	return r;
}

/* ---- SETLINK ---- */

/* The VF of a VF attribute, checked as the driver does. */
static json_t *attr_vf(struct fake *f, struct nlattr *a, size_t size,
		       uint32_t *ret_vf, int *r)
{
	json_t *vf;

	*ret_vf = UINT32_MAX;
	/* exact sizes: the kernel's policy takes longer, we send exact */
	if (nla_len(a) != (int)size) {
		*r = -EINVAL;
		return NULL;
	}
	memcpy(ret_vf, nla_data(a), sizeof(*ret_vf));
	vf = json_array_get(f->vfs, *ret_vf);
	*r = vf ? 0 : -EINVAL;
	return vf;
}

static int apply_attr(struct fake *f, struct nlattr *a)
{
	uint32_t n;
	json_t *vf;
	int r;

	/* copied out: attribute data is 4-byte aligned, guids are u64 */
#define VF_ATTR(type)                                                       \
	type val = { 0 };                                                   \
	const type *p = &val;                                               \
	vf = attr_vf(f, a, sizeof(type), &n, &r);                           \
	memcpy(&val, nla_data(a),                                           \
	       nla_len(a) < (int)sizeof(val) ? (size_t)nla_len(a)           \
					     : sizeof(val))

	switch (nla_type(a)) {
	case IFLA_VF_RATE: {
		VF_ATTR(struct ifla_vf_rate);
		if (vf && !refused(f, "IFLA_VF_RATE") && p->max_tx_rate &&
		    p->min_tx_rate > p->max_tx_rate)
			r = -EINVAL;
		else if (vf && refused(f, "IFLA_VF_RATE"))
			r = -EOPNOTSUPP;
		if (!r) {
			vf_set_int(f, vf, "min_tx_rate", p->min_tx_rate);
			vf_set_int(f, vf, "max_tx_rate", p->max_tx_rate);
		}
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d IFLA_VF_RATE min %u max %u",
			 f->pf, (int)n, p->min_tx_rate, p->max_tx_rate);
		return r;
	}
	case IFLA_VF_TX_RATE: {
		VF_ATTR(struct ifla_vf_tx_rate);
		if (vf && refused(f, "IFLA_VF_TX_RATE"))
			r = -EOPNOTSUPP;
		/* the kernel keeps the current min (rtnetlink.c) */
		else if (vf && p->rate &&
			 vf_int(vf, "min_tx_rate", 0) > (long long)p->rate)
			r = -EINVAL;
		if (!r)
			vf_set_int(f, vf, "max_tx_rate", p->rate);
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d IFLA_VF_TX_RATE rate %u",
			 f->pf, (int)n, p->rate);
		return r;
	}
	case IFLA_VF_MAC: {
		char text[3 * 32];

		VF_ATTR(struct ifla_vf_mac);
		if (vf && refused(f, "IFLA_VF_MAC"))
			r = -EOPNOTSUPP;
		format_mac(p->mac, f->mac_len, text);
		if (!r) {
			json_object_set_new(vf, "mac", json_string(text));
			f->changed = 1;
		}
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d IFLA_VF_MAC %s", f->pf, (int)n,
			 text);
		return r;
	}
	case IFLA_VF_VLAN: {
		VF_ATTR(struct ifla_vf_vlan);
		if (vf && refused(f, "IFLA_VF_VLAN"))
			r = -EOPNOTSUPP;
		else if (vf && (p->vlan > 4095 || p->qos > 7))
			r = -EINVAL;
		if (!r) {
			vf_set_int(f, vf, "vlan", p->vlan);
			vf_set_int(f, vf, "qos", p->qos);
		}
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d IFLA_VF_VLAN vlan %u qos %u",
			 f->pf, (int)n, p->vlan, p->qos);
		return r;
	}
	case IFLA_VF_SPOOFCHK:
	case IFLA_VF_TRUST: {
		int spoof = nla_type(a) == IFLA_VF_SPOOFCHK;
		const char *key = spoof ? "spoofchk" : "trust";

		VF_ATTR(struct ifla_vf_spoofchk);	/* same layout */
		/* a driver that reports none has no ndo for it */
		if (vf && vf_int(vf, key, -1) < 0)
			r = -EOPNOTSUPP;
		if (!r)
			vf_set_int(f, vf, key, p->setting ? 1 : 0);
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d %s %u", f->pf, (int)n,
			 spoof ? "IFLA_VF_SPOOFCHK" : "IFLA_VF_TRUST",
			 p->setting);
		return r;
	}
	case IFLA_VF_LINK_STATE: {
		VF_ATTR(struct ifla_vf_link_state);
		if (vf && refused(f, "IFLA_VF_LINK_STATE"))
			r = -EOPNOTSUPP;
		else if (vf && p->link_state > IFLA_VF_LINK_STATE_DISABLE)
			r = -EINVAL;
		if (!r)
			vf_set_int(f, vf, "link_state", p->link_state);
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d IFLA_VF_LINK_STATE %u", f->pf,
			 (int)n, p->link_state);
		return r;
	}
	case IFLA_VF_IB_NODE_GUID:
	case IFLA_VF_IB_PORT_GUID: {
		int node = nla_type(a) == IFLA_VF_IB_NODE_GUID;
		char text[24];

		VF_ATTR(struct ifla_vf_guid);
		/* the kernel takes GUIDs on InfiniBand PFs only */
		if (vf && f->mac_len != 20)
			r = -EOPNOTSUPP;
		snprintf(text, sizeof(text), "0x%016llx",
			 (unsigned long long)p->guid);
		if (!r) {
			json_object_set_new(vf, node ? "node_guid"
						     : "port_guid",
					    json_string(text));
			f->changed = 1;
		}
		kr_nl_fake_log(f->log_fd, r, "SETLINK %s vf %d %s %s", f->pf, (int)n,
			 node ? "IFLA_VF_IB_NODE_GUID" : "IFLA_VF_IB_PORT_GUID",
			 text);
		return r;
	}
	}
#undef VF_ATTR
	kr_nl_fake_log(f->log_fd, -EINVAL, "SETLINK %s unexpected VF attribute %d", f->pf,
		 nla_type(a));
	return -EINVAL;
}

static int setlink(struct fake *f, struct nlattr **tb)
{
	struct nlattr *info, *a;
	int rem, rem2, type, r;

	for (type = 0; type <= IFLA_MAX; type++)
		if (tb[type] && type != IFLA_IFNAME &&
		    type != IFLA_VFINFO_LIST) {
			kr_nl_fake_log(f->log_fd, -EINVAL, "SETLINK %s unexpected attribute "
					     "%d", f->pf, type);
			return -EINVAL;
		}
	if (!tb[IFLA_VFINFO_LIST]) {
		kr_nl_fake_log(f->log_fd, -EINVAL, "SETLINK %s without IFLA_VFINFO_LIST",
			 f->pf);
		return -EINVAL;
	}
	nla_for_each_nested(info, tb[IFLA_VFINFO_LIST], rem) {
		if (nla_type(info) != IFLA_VF_INFO) {
			kr_nl_fake_log(f->log_fd, -EINVAL, "SETLINK %s IFLA_VFINFO_LIST "
					     "holds attribute %d", f->pf,
				 nla_type(info));
			return -EINVAL;
		}
		/* applied in order; the first refusal ends the request */
		nla_for_each_nested(a, info, rem2) {
			r = apply_attr(f, a);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int kr_nl_fake_exchange(const char *dir, struct nlmsghdr *req,
			int (*on_reply)(struct nl_msg *msg, void *arg),
			void *arg)
{
	struct fake f = { .dir = dir, .log_fd = -1 };
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	const char *verb;
	int r;

	f.log_fd = kr_nl_fake_log_open(dir);
	if (f.log_fd < 0)
		return f.log_fd;
	verb = req->nlmsg_type == RTM_GETLINK	? "GETLINK"
	       : req->nlmsg_type == RTM_SETLINK ? "SETLINK"
						: NULL;
	r = nlmsg_parse(req, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 ? -EINVAL
								    : 0;
	if (!verb || r < 0) {
		kr_nl_fake_log(f.log_fd, r = -EINVAL, "message type %u", req->nlmsg_type);
		goto out;
	}
	ifi = nlmsg_data(req);
	if ((req->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) !=
		    (NLM_F_REQUEST | NLM_F_ACK) ||
	    ifi->ifi_index != 0 || !tb[IFLA_IFNAME]) {
		/* nl_vf.c always names the PF and waits for the ACK */
		kr_nl_fake_log(f.log_fd, r = -EINVAL, "%s flags 0x%x ifindex %d %s", verb,
			 req->nlmsg_flags, ifi->ifi_index,
			 tb[IFLA_IFNAME] ? "" : "without IFLA_IFNAME");
		goto out;
	}
	f.pf = nla_get_string(tb[IFLA_IFNAME]);
	r = load(&f);
	if (r < 0) {
		kr_nl_fake_log(f.log_fd, r, "%s %s", verb, f.pf);
		goto out;
	}
	r = req->nlmsg_type == RTM_GETLINK ? getlink(&f, req, tb, on_reply, arg)
					   : setlink(&f, tb);
	if (f.changed) {
		int s = save(&f);

		r = r < 0 ? r : s;
	}
out:
	json_decref(f.state);
	close(f.log_fd);
	return r;
}
