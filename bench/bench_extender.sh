#!/bin/sh
# Extender benchmark: a simulated cluster of 5,000 nodes (one process,
# bench/fake_fleet.c, serving 5,000 different inventories), warm cache;
# filter + prioritize for one pod over 500 and 5,000 NodeNames, and with
# full Node objects: median and p99 latency of the pair, pairs per second,
# and the extender's resident memory.  Prints a Markdown table.
#
#   bench/bench_extender.sh [BUILD_DIR] [ROUNDS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
rounds=${2:-200}

if [ -z "${KR_BENCH_PRIVATE:-}" ]; then
	export KR_BENCH_PRIVATE=1
	exec unshare --net "$0" "$build" "$rounds"
fi
work=$(mktemp -d /tmp/kr-bench-ext-XXXXXX)
fleet= ext=
trap '[ -n "$ext" ] && kill $ext; [ -n "$fleet" ] && kill $fleet; wait; rm -rf "$work"' EXIT
ip link set lo up

"$build/bench/fake-fleet" 9000 &
fleet=$!
cat >"$work/ext.conf" <<CONF
[node]
name = extender
state_dir = $work/state
[extender]
listen = 127.0.0.1:8888
daemon_url = http://127.0.0.1:9000/{node}
poll_interval_ms = 1000
timeout_ms = 5000
CONF
"$build/bin/kube-rdma-extender" --config "$work/ext.conf" 2>/dev/null &
ext=$!
sleep 0.5
# the cache learns nodes in the background: name them all once, then wait
# until every inventory is in
"$build/bench/bench-extender" http://127.0.0.1:8888 5000 1 >/dev/null
for _ in $(seq 600); do
	curl -s http://127.0.0.1:8888/metrics |
		grep -q '^kube_rdma_extender_nodes_stale 0$' && break
	sleep 0.1
done

echo "| nodes | request | median µs | p99 µs | filter+prioritize per s | request bytes |"
echo "|---|---|---|---|---|---|"
for spec in "500 names" "5000 names" "500 nodes" "5000 nodes"; do
	set -- $spec
	mode=""
	[ "$2" = nodes ] && mode=nodes
	"$build/bench/bench-extender" http://127.0.0.1:8888 "$1" "$rounds" $mode |
		awk '{ printf "| %d | %s | %d | %d | %d | %d |\n", $1, $2, $3, $4, $5, $6 }'
done
echo
echo "kube-rdma-extender resident memory: $(awk '/^VmRSS/ { print $2 }' /proc/$ext/status) kB (peak $(awk '/^VmHWM/ { print $2 }' /proc/$ext/status) kB), 5000 nodes cached"
