#!/bin/sh
# kill -9 of kube-rdma-daemon init while it creates VFs, again and again:
# the next init finds every VF that was left half made and completes it
# (on the mock: the representor up on the PF bridge, the VF end named and
# aliased), so no pod is ever given a VF that cannot carry traffic.
. "$(dirname "$0")/lib.sh"

conf=$work/node.conf
write_config "$conf" init-node '[pf "ic0"]' 'backend = mock' 'num_vfs = 128'
write_config "$work/none.conf" init-node '[pf "ic0"]' 'backend = mock' \
	'num_vfs = 0'

# every VF of ic0 exists and is complete
complete() {
	n=0
	for i in $(seq 0 127); do
		ip -o link show "ic0r$i" 2>/dev/null | grep -q 'master ic0' &&
			ip -o link show "ic0r$i" | grep -q '[<,]UP[,>]' &&
			ip -d link show "ic0v$i" 2>/dev/null |
			grep -q "alias kube-rdma mock VF ic0 $i" ||
			fail "$1: VF $i is not complete: $(ip -d link show "ic0r$i" 2>&1)"
		n=$((n + 1))
	done
	[ "$n" = 128 ] || fail "$1: $n VFs"
}

killed=0
for delay in 0.005 0.01 0.015 0.02 0.025 0.03 0.04 0.05; do
	"$bin/kube-rdma-daemon" init --config "$work/none.conf" >/dev/null ||
		fail "init to 0 VFs"
	"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null || true
	"$bin/kube-rdma-daemon" init --config "$conf" >"$work/init.out" 2>&1 ||
		fail "init after the kill at ${delay}s: $(cat "$work/init.out")"
	complete "init killed after ${delay}s"
done
# the test means nothing if no kill landed while VFs were being made
echo "$killed of 8 inits killed while making VFs"
[ "$killed" -ge 3 ] || fail "only $killed of 8 inits were killed midway"

# a VF broken by hand the same ways is completed by the next init
ip link set ic0r5 nomaster
ip link set ic0r6 down
ip link set ic0v7 alias stray
"$bin/kube-rdma-daemon" init --config "$conf" >"$work/init.out" 2>&1 ||
	fail "init: $(cat "$work/init.out")"
complete "VFs broken by hand"
echo PASS
