/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VF settings on a PF through rtnetlink: every request kube-rdma makes
 * about a VF's rates, MAC, VLAN, spoofchk, trust, link state or GUIDs goes
 * through here, addressed to the PF by name (ifi_index 0, IFLA_IFNAME) so
 * no ifindex can go stale between a lookup and the request.  In the test
 * build (KR_TEST_FAKES, nl_internal.h's fake transport) the requests for a
 * fake tree are answered by the fake kernel of tests/support/nl_fake.h:
 * that is how the tests check each message attribute by attribute without
 * SR-IOV hardware.
 */
#ifndef KR_NL_VF_H
#define KR_NL_VF_H

#include <stdint.h>

#include "kube-rdma/backend.h"

struct kr_nl;

/* See struct kr_backend_services: vf_query, vf_apply, vf_defaults. */
int kr_nl_vf_query(struct kr_nl *nl, const char *pf, struct kr_vf_state *vfs,
		   uint32_t max, uint32_t *ret_count, struct kr_err *err);
int kr_nl_vf_apply(struct kr_nl *nl, const char *pf,
		   const struct kr_vf_state *want, uint32_t fields,
		   struct kr_err *err);
int kr_nl_vf_defaults(struct kr_nl *nl, const char *pf, uint32_t vf,
		     struct kr_err *err);

#endif
