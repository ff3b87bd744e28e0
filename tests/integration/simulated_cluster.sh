#!/bin/sh
# The README's main command, checked: the simulated cluster runs, and its
# report shows the expected placements, interface counts, rates,
# connectivity and rate limit (within a tolerance).
set -eu
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 0; }
build=$(cd "$KR_TEST_BIN_DIR/.." && pwd)
report=$(mktemp /tmp/kr-test-sim-XXXXXX.json)
trap 'rm -f "$report"' EXIT
"$KR_TEST_SOURCE_DIR/scripts/simulate-cluster.sh" "$build" "$report"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() {
	jq -e "$1" "$report" >/dev/null || fail "$2"
}
check '.problems == 0 and .vfs_returned and .ping_across_workers' \
	"problems, VFs or ping"
check '.rate_limit.held and .rate_limit.measured_mbps <= 330 and
	.rate_limit.measured_mbps >= 150' "rate limit"
pod() { echo ".pods[] | select(.pod == \"$1\")"; }
check "$(pod paper-pod) | (.interfaces | map(.min_tx_rate)) == [15000, 5000, 0]
	and .interfaces[0].max_tx_rate == 20000" "paper pod rates"
check "[($(pod paper-pod) | .node), ($(pod two-100g) | .node)] | unique | length == 2" \
	"the paper pod and the 2x100G pod share a node"
check "$(pod two-100g) | [.interfaces[].pf] | unique | length == 2" \
	"2x100G must use both PFs of its node"
check "$(pod no-room) | .node == null and (.reason | contains(\"needs 50000 Mb/s reserved\"))" \
	"no-room's reason"
check "$(pod no-rdma) | .node != null and (.interfaces | length) == 0" "no-rdma"
check "[($(pod sixty-a)), ($(pod sixty-b))] | map(.interfaces | length) == [60, 60]" \
	"60-interface pods"
check "([.pods[] | select(.node != null) | .interfaces[] | .address] | unique | length)
	== ([.pods[] | select(.node != null) | .interfaces[]] | length)" \
	"every interface has its own address"
echo PASS
