/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "nl_internal.h"
#include "nl_vf.h"

static const char *const field_names[] = {
	"rate", "mac", "vlan", "spoofchk", "trust", "link state", "guids",
};
#define N_FIELDS (sizeof(field_names) / sizeof(field_names[0]))

static int exchange(struct kr_nl *nl, struct nl_msg *msg,
		    int (*on_reply)(struct nl_msg *msg, void *arg), void *arg)
{
	int r;

	if (!nl->fake_dir)
		return kr_nl_exchange(nl, msg, on_reply, arg);
	/* the header as the kernel would get it: flags, sequence, port */
	nl_complete_msg(nl->sock, msg);
	r = kr_nl_fakes->vf_exchange(nl->fake_dir, nlmsg_hdr(msg), on_reply,
				     arg);
	nlmsg_free(msg);
	return r;
}

/* RTM_GETLINK or RTM_SETLINK addressed to the PF by name. */
static struct nl_msg *pf_request(int type, const char *pf)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(type, 0);

	if (msg && (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_string(msg, IFLA_IFNAME, pf) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* ---- reading ---- */

struct query {
	struct kr_vf_state *vfs;
	uint32_t max;
	uint32_t count;		/* VFs listed */
	uint32_t only;		/* keep only this VF (in vfs[0]), or all */
	int found;
};

/*
 * Copy attribute 'a' into 'dst' when it holds at least 'size' bytes:
 * attribute data is only 4-byte aligned, and ifla_vf_guid has a u64.
 */
static int attr_get(const struct nlattr *a, void *dst, size_t size)
{
	if (nla_len(a) < (int)size)
		return 0;
	memcpy(dst, nla_data(a), size);
	return 1;
}

static void parse_vf_info(struct nlattr *info, uint8_t mac_len,
			  struct kr_vf_state *s)
{
	union {
		struct ifla_vf_mac mac;
		struct ifla_vf_vlan vlan;
		struct ifla_vf_rate rate;
		struct ifla_vf_tx_rate tx_rate;
		struct ifla_vf_spoofchk spoofchk;
		struct ifla_vf_trust trust;
		struct ifla_vf_link_state link_state;
		struct ifla_vf_guid guid;
	} u;
	struct nlattr *a;
	int rem, have_rate = 0;

	memset(s, 0, sizeof(*s));
	s->spoofchk = -1;
	s->trust = -1;
	s->mac_len = mac_len;
	nla_for_each_nested(a, info, rem) {
		switch (nla_type(a)) {
		case IFLA_VF_MAC:
			if (attr_get(a, &u.mac, sizeof(u.mac))) {
				s->vf = u.mac.vf;
				memcpy(s->mac, u.mac.mac, sizeof(s->mac));
			}
			break;
		case IFLA_VF_VLAN:
			if (attr_get(a, &u.vlan, sizeof(u.vlan))) {
				s->vf = u.vlan.vf;
				s->vlan = (uint16_t)u.vlan.vlan;
				s->qos = (uint8_t)u.vlan.qos;
			}
			break;
		case IFLA_VF_RATE:
			if (attr_get(a, &u.rate, sizeof(u.rate))) {
				s->vf = u.rate.vf;
				s->min_tx_rate = u.rate.min_tx_rate;
				s->max_tx_rate = u.rate.max_tx_rate;
				have_rate = 1;
			}
			break;
		case IFLA_VF_TX_RATE:
			/* kernels before IFLA_VF_RATE report only this */
			if (attr_get(a, &u.tx_rate, sizeof(u.tx_rate)) &&
			    !have_rate)
				s->max_tx_rate = u.tx_rate.rate;
			break;
		case IFLA_VF_SPOOFCHK:
			if (attr_get(a, &u.spoofchk, sizeof(u.spoofchk)))
				s->spoofchk = (int32_t)u.spoofchk.setting;
			break;
		case IFLA_VF_TRUST:
			if (attr_get(a, &u.trust, sizeof(u.trust)))
				s->trust = (int32_t)u.trust.setting;
			break;
		case IFLA_VF_LINK_STATE:
			if (attr_get(a, &u.link_state, sizeof(u.link_state)))
				s->link_state = u.link_state.link_state;
			break;
		case IFLA_VF_IB_NODE_GUID:
			if (attr_get(a, &u.guid, sizeof(u.guid)))
				s->node_guid = u.guid.guid;
			break;
		case IFLA_VF_IB_PORT_GUID:
			if (attr_get(a, &u.guid, sizeof(u.guid)))
				s->port_guid = u.guid.guid;
			break;
		}
	}
	/* spoofchk and trust come as u32 -1 when the driver has none */
	if (s->spoofchk != 0 && s->spoofchk != 1)
		s->spoofchk = -1;
	if (s->trust != 0 && s->trust != 1)
		s->trust = -1;
}

static int on_link(struct nl_msg *msg, void *arg)
{
	struct query *q = arg;
	struct nlattr *tb[IFLA_MAX + 1], *info;
	uint8_t mac_len = 6;
	int rem;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb,
			IFLA_MAX, NULL) < 0 || !tb[IFLA_VFINFO_LIST])
		return NL_OK;
	/* the VF's MAC is as long as the PF's hardware address */
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) > 0 &&
	    nla_len(tb[IFLA_ADDRESS]) <= 32)
		mac_len = (uint8_t)nla_len(tb[IFLA_ADDRESS]);
	nla_for_each_nested(info, tb[IFLA_VFINFO_LIST], rem) {
		struct kr_vf_state s;

		if (nla_type(info) != IFLA_VF_INFO)
			continue;
		parse_vf_info(info, mac_len, &s);
		if (q->only == UINT32_MAX && q->count < q->max)
			q->vfs[q->count] = s;
		else if (q->only == s.vf && q->max) {
			q->vfs[0] = s;
			q->found = 1;
		}
		q->count++;
	}
	return NL_OK;
}

static int query(struct kr_nl *nl, const char *pf, struct query *q,
		 struct kr_err *err)
{
	struct nl_msg *msg = pf_request(RTM_GETLINK, pf);
	int r;

	if (!msg || nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_VF) < 0) {
		nlmsg_free(msg);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	r = exchange(nl, msg, on_link, q);
	if (r == -ENODEV)
		return kr_err_set(err, r, "no PF %s", pf);
	if (r < 0)
		return kr_err_set(err, r, "read the VFs of %s: %s", pf,
				  strerror(-r));
	return 0;
}

int kr_nl_vf_query(struct kr_nl *nl, const char *pf, struct kr_vf_state *vfs,
		   uint32_t max, uint32_t *ret_count, struct kr_err *err)
{
	struct query q = { .vfs = vfs, .max = max, .only = UINT32_MAX };
	int r = query(nl, pf, &q, err);

	if (r == 0)
		*ret_count = q.count;
	return r;
}

/* ---- writing ---- */

/* RTM_SETLINK on the PF with one VF attribute. */
static int set_attr(struct kr_nl *nl, const char *pf, int type,
		    const void *data, size_t len)
{
	struct nl_msg *msg = pf_request(RTM_SETLINK, pf);
	struct nlattr *list, *info;

	list = msg ? nla_nest_start(msg, IFLA_VFINFO_LIST) : NULL;
	info = list ? nla_nest_start(msg, IFLA_VF_INFO) : NULL;
	if (!info || nla_put(msg, type, (int)len, data) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, info);
	nla_nest_end(msg, list);
	return exchange(nl, msg, NULL, NULL);
}

static int set_rate(struct kr_nl *nl, const char *pf,
		    const struct kr_vf_state *w)
{
	struct ifla_vf_rate rate = { .vf = w->vf,
				     .min_tx_rate = w->min_tx_rate,
				     .max_tx_rate = w->max_tx_rate };
	struct ifla_vf_tx_rate legacy = { .vf = w->vf,
					  .rate = w->max_tx_rate };
	int r;

	r = set_attr(nl, pf, IFLA_VF_RATE, &rate, sizeof(rate));
	if ((r == -EOPNOTSUPP || r == -EINVAL) && w->min_tx_rate == 0)
		/* drivers older than IFLA_VF_RATE take the max alone */
		r = set_attr(nl, pf, IFLA_VF_TX_RATE, &legacy, sizeof(legacy));
	return r;
}

static int set_field(struct kr_nl *nl, const char *pf, uint32_t field,
		     const struct kr_vf_state *w)
{
	uint32_t vf = w->vf;

	switch (field) {
	case KR_VF_RATE:
		return set_rate(nl, pf, w);
	case KR_VF_MAC: {
		struct ifla_vf_mac m = { .vf = vf };

		memcpy(m.mac, w->mac, sizeof(m.mac));
		return set_attr(nl, pf, IFLA_VF_MAC, &m, sizeof(m));
	}
	case KR_VF_VLAN: {
		struct ifla_vf_vlan v = { .vf = vf, .vlan = w->vlan,
					  .qos = w->qos };

		return set_attr(nl, pf, IFLA_VF_VLAN, &v, sizeof(v));
	}
	case KR_VF_SPOOFCHK: {
		struct ifla_vf_spoofchk s = { .vf = vf,
					      .setting = w->spoofchk == 1 };

		return set_attr(nl, pf, IFLA_VF_SPOOFCHK, &s, sizeof(s));
	}
	case KR_VF_TRUST: {
		struct ifla_vf_trust t = { .vf = vf, .setting = w->trust == 1 };

		return set_attr(nl, pf, IFLA_VF_TRUST, &t, sizeof(t));
	}
	case KR_VF_LINK_STATE: {
		struct ifla_vf_link_state l = { .vf = vf,
						.link_state = w->link_state };

		return set_attr(nl, pf, IFLA_VF_LINK_STATE, &l, sizeof(l));
	}
	case KR_VF_GUIDS: {
		struct ifla_vf_guid n = { .vf = vf, .guid = w->node_guid };
		struct ifla_vf_guid p = { .vf = vf, .guid = w->port_guid };
		int r = set_attr(nl, pf, IFLA_VF_IB_NODE_GUID, &n, sizeof(n));

		return r < 0 ? r : set_attr(nl, pf, IFLA_VF_IB_PORT_GUID, &p,
					    sizeof(p));
	}
	}
	return -EINVAL;
}

int kr_nl_vf_apply(struct kr_nl *nl, const char *pf,
		   const struct kr_vf_state *want, uint32_t fields,
		   struct kr_err *err)
{
	size_t i;
	int r;

	if ((fields & KR_VF_RATE) && want->max_tx_rate &&
	    want->min_tx_rate > want->max_tx_rate)
		return kr_err_set(err, -ERANGE, "PF %s VF %u: min_tx_rate %u "
				  "above max_tx_rate %u", pf, want->vf,
				  want->min_tx_rate, want->max_tx_rate);
	for (i = 0; i < N_FIELDS; i++) {
		uint32_t field = 1u << i;

		if (!(fields & field))
			continue;
		r = set_field(nl, pf, field, want);
		if (r == -ENODEV)
			return kr_err_set(err, r, "no PF %s", pf);
		if (r < 0)
			return kr_err_set(err, r, "PF %s VF %u: set %s: %s", pf,
					  want->vf, field_names[i],
					  strerror(-r));
	}
	return 0;
}

int kr_nl_vf_defaults(struct kr_nl *nl, const char *pf, uint32_t vf,
		     struct kr_err *err)
{
	struct kr_vf_state now, want = { .vf = vf, .spoofchk = 1 };
	struct query q = { .vfs = &now, .max = 1, .only = vf };
	uint32_t fields = 0;
	int r;

	r = query(nl, pf, &q, err);
	if (r < 0)
		return r;
	if (!q.found)
		return kr_err_set(err, -ENODEV, "PF %s has no VF %u", pf, vf);
	if (now.min_tx_rate || now.max_tx_rate)
		fields |= KR_VF_RATE;
	if (now.vlan || now.qos)
		fields |= KR_VF_VLAN;
	if (now.spoofchk == 0)
		fields |= KR_VF_SPOOFCHK;
	if (now.trust == 1)
		fields |= KR_VF_TRUST;
	if (now.link_state != IFLA_VF_LINK_STATE_AUTO)
		fields |= KR_VF_LINK_STATE;
	return kr_nl_vf_apply(nl, pf, &want, fields, err);
}
