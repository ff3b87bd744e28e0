/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test build's fake kernels (nl_fake.h, rdma_fake.h) as the core's
 * netlink fake transport (core/kernel/nl_internal.h), installed before main():
 * linked into the unit tests, and into the programs only with
 * KR_TEST_FAKES=ON, so that the integration tests run the real programs
 * against fake trees ([node] sysfs_root with a netlink/ directory).
 */
#include "nl_fake.h"
#include "nl_internal.h"
#include "rdma_fake.h"

static const struct kr_nl_fake_transport fake_kernels = {
	.vf_exchange = kr_nl_fake_exchange,
	.rdma_present = kr_rdma_fake_present,
	.rdma_exchange = kr_rdma_fake_exchange,
};

__attribute__((constructor)) static void install_fake_kernels(void)
{
	kr_nl_fakes = &fake_kernels;
}
