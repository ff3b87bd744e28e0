#!/bin/sh
# Extender node-cache benchmark: how the cache copes with nodes that are
# dead or do not exist.
#
#  1. 400 nodes whose inventory address drops SYNs and one healthy node
#     (bench/fake_fleet.c), full Node objects: of 60 filters, 0.25 s
#     apart, how many passed the healthy node, and the filters' latency.
#  2. One filter naming 100,000 nodes the API server does not have
#     (tests/support/apiserver-sim): its latency, the extender's resident
#     memory after it and at its peak, and the warnings logged.
#  3. Five filters naming 20,000 new such nodes each: resident memory
#     after each, and once the cache has forgotten them (forget_after_s
#     = 5).
#
#   bench/bench_extender_cache.sh [BUILD_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
# the tests' helpers: private namespaces, $work, a cleanup that stops
# $pids, the API server, dead addresses
export KR_TEST_BIN_DIR="$build/bin"
export KR_TEST_APISERVER="$build/bin/kube-rdma-apiserver-sim"
. "$top/tests/integration/lib.sh"

drop_syns 198.19.0.0/16
"$build/bench/fake-fleet" 9000 &
pids="$pids $!"
mkdir -p "$work/api/api/v1/nodes"
start_apiserver "$work/api"
cat >"$work/ext.conf" <<CONF
[node]
name = extender
state_dir = $work/state
[extender]
listen = 127.0.0.1:8888
daemon_url = http://{address}:9000/{node}
kubeconfig = $work/kubeconfig
poll_interval_ms = 1000
timeout_ms = 2000
CONF
# a build from before forget_after_s would refuse the key
if "$build/bin/kube-rdma-extender" --help >/dev/null &&
	grep -q forget_after_s "$build/bin/kube-rdma-extender"; then
	echo "forget_after_s = 5" >>"$work/ext.conf"
fi
"$build/bin/kube-rdma-extender" --config "$work/ext.conf" 2>"$work/ext.log" &
ext=$!
pids="$pids $ext"
sleep 0.5

pod='{"metadata": {"name": "p", "namespace": "default", "uid": "u-p",
	"annotations": {"kube-rdma.io/interfaces": "[{\"min_tx_rate\": 1000}]"}}}'
filter() {	# FILE: seconds taken; the answer in $work/out
	curl -s -o "$work/out" -w '%{time_total}\n' --max-time 600 -X POST \
		-H 'Content-Type: application/json' --data-binary "@$1" \
		http://127.0.0.1:8888/filter
}
rss() {
	awk '/^VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$ext/status"
}
hwm() {
	awk '/^VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$ext/status"
}
echo "kube-rdma-extender at start: $(rss)"

# ---- 1 ----
jq -n --argjson pod "$pod" '
	def node($n; $a): {metadata: {name: $n}, status: {addresses:
		[{type: "InternalIP", address: $a}]}};
	{Pod: $pod, NodeNames: null, Nodes: {items: (
		[range(400) | node("syn-\(.)";
			"198.19.\(. / 250 | floor).\(. % 250 + 1)")] +
		[node("live-0"; "127.0.0.1")])}}' >"$work/dead.json"
# until the cache knows live-0 (or 60 s)
for _ in $(seq 240); do
	filter "$work/dead.json" >/dev/null
	jq -e '[.Nodes.items[].metadata.name] == ["live-0"]' "$work/out" \
		>/dev/null && break
	sleep 0.25
done
passed=0
: >"$work/times"
for _ in $(seq 60); do
	filter "$work/dead.json" >>"$work/times"
	jq -e '[.Nodes.items[].metadata.name] == ["live-0"]' "$work/out" \
		>/dev/null && passed=$((passed + 1))
	sleep 0.25
done
echo
echo "400 nodes dropping SYNs + 1 healthy: the healthy node passed $passed of 60 filters;" \
	"filter median $(sort -n "$work/times" | awk '{ t[NR] = $1 } END { printf "%.1f ms", t[int((NR + 1) / 2)] * 1000 }')," \
	"slowest $(sort -n "$work/times" | tail -1 | awk '{ printf "%.1f ms", $1 * 1000 }')"

# ---- 2 ----
jq -n --argjson pod "$pod" '{Pod: $pod, Nodes: null,
	NodeNames: [range(100000) | "ghost-\(.)"]}' >"$work/ghosts.json"
lines0=$(wc -l <"$work/ext.log")
t=$(filter "$work/ghosts.json")
sleep 5
echo
echo "one filter naming 100,000 unknown nodes: $(awk -v t="$t" 'BEGIN { printf "%.2f s", t }')," \
	"$(jq '.FailedNodes | length' "$work/out") failed with a reason; resident $(rss) (peak $(hwm));" \
	"$(($(wc -l <"$work/ext.log") - lines0)) log lines"

# ---- 3 ----
echo
for round in 0 1 2 3 4; do
	jq -n --argjson pod "$pod" --argjson r "$round" '{Pod: $pod,
		Nodes: null, NodeNames: [range(20000) | "new-\($r)-\(.)"]}' \
		>"$work/new.json"
	t=$(filter "$work/new.json")
	echo "filter $((round + 1)) of 20,000 new names: $(awk -v t="$t" 'BEGIN { printf "%.2f s", t }'), resident $(rss)"
done
# the cache forgets them: wait 30 s
sleep 30
echo "30 s later: resident $(rss) (peak $(hwm)); $(curl -s http://127.0.0.1:8888/metrics |
	awk '/^kube_rdma_extender_nodes / { print $2 }') nodes cached"
