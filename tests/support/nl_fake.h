/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake kernel for the VF requests of core/kernel/nl_vf.c: there is no SR-IOV
 * NIC where the tests run, and a real netdev refuses VF settings.  Test
 * code: the unit tests link it, and the programs only when built with
 * KR_TEST_FAKES=ON (fake_kernel.c installs it as the core's fake
 * transport); then a sysfs root with a netlink/ directory, DIR, sends the
 * requests here.
 *
 * DIR/PF.json is the PF's VF table as a driver would hold it:
 *   {"mac_len": 6,
 *    "refuse": ["IFLA_VF_RATE"],          attributes the driver refuses
 *    "vfs": [{"mac": "02:..", "vlan": 0, "qos": 0, "min_tx_rate": 0,
 *             "max_tx_rate": 0, "spoofchk": 1, "trust": 0,
 *             "link_state": 0, "node_guid": "0x..", "port_guid": "0x.."}]}
 * A VF without "spoofchk" or "trust" reports -1 (no driver support).  A
 * missing file is a PF that does not exist (ENODEV).
 *
 * Every request is decoded from its bytes, checked as the kernel would
 * (header flags, ifi_index 0 with IFLA_IFNAME, nesting, attribute sizes),
 * applied and appended to DIR/netlink.log, one line per attribute:
 *   GETLINK ens1f0 RTEXT_FILTER_VF -> OK
 *   SETLINK ens1f0 vf 3 IFLA_VF_RATE min 0 max 1000 -> OK
 *   SETLINK ens1f0 vf 3 IFLA_VF_RATE min 0 max 1000 -> EOPNOTSUPP
 */
#ifndef KR_NL_FAKE_H
#define KR_NL_FAKE_H

#include <linux/netlink.h>
#include <netlink/msg.h>

/*
 * Answer 'req' from DIR: replies go to 'on_reply' (may be NULL) as the
 * kernel's would.  0 or the negative errno the kernel would send back.
 */
int kr_nl_fake_exchange(const char *dir, struct nlmsghdr *req,
			int (*on_reply)(struct nl_msg *msg, void *arg),
			void *arg);

/*
 * The log both fake kernels write (this one and rdma_fake.h): open
 * DIR/netlink.log for appending and take its lock, which serialises the
 * fakes across processes; closing the descriptor drops it.  The
 * descriptor or a negative errno.
 */
int kr_nl_fake_log_open(const char *dir);

/* Append "TEXT -> OK" or "TEXT -> EINVAL" (the name of -r) to the log. */
void kr_nl_fake_log(int log_fd, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
