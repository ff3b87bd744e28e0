#!/bin/sh
# Each program links only the core's layers it uses: the extender, which
# never touches a NIC, has no netlink library and no dlopen; the node's
# programs do; the CNI plugin has no shared library at all.
set -eu
bin=${KR_TEST_BIN_DIR:?run through ctest}
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
sanitized=$(ldd "$bin/kube-rdma-daemon" | grep -c 'libasan' || true)

ldd "$bin/kube-rdma-extender" | grep -q 'libnl' &&
	fail "the extender links libnl: $(ldd "$bin/kube-rdma-extender" | grep libnl)"
nm -D --undefined-only "$bin/kube-rdma-extender" | grep -qw dlopen &&
	fail "the extender calls dlopen"
for prog in kube-rdma-daemon kube-rdma-ctl; do
	ldd "$bin/$prog" | grep -q 'libnl-route-3' ||
		fail "$prog lacks libnl-route: the check above proves nothing"
	nm -D --undefined-only "$bin/$prog" | grep -qw dlopen ||
		fail "$prog does not load backends"
done
# the sanitizer build links the plugin dynamically (its runtimes are shared)
if [ "$sanitized" = 0 ]; then
	ldd "$bin/kube-rdma" 2>&1 | grep -q 'not a dynamic executable' ||
		fail "the plugin is not static: $(ldd "$bin/kube-rdma" 2>&1)"
fi
echo PASS
