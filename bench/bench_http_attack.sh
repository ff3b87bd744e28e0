#!/bin/sh
# The HTTP servers under hostile clients (docs/benchmarks.md): /healthz
# latency of kube-rdma-daemon, probed from 127.0.0.1 with a new connection
# per probe (as kubelet probes), while 3,000 connections from other
# loopback addresses are held idle or trickle headers; and the extender's
# peak memory under 16 parallel POSTs of 60 MiB.  Prints Markdown tables.
#
#   bench/bench_http_attack.sh [BUILD_DIR] [OLD_BUILD_DIR]   (root)
#
# With OLD_BUILD_DIR (a build of an earlier commit), its programs run the
# same attacks in the same run, for comparison.  Runs in private network
# and mount namespaces: nothing is left behind.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
old=${2:+$(cd "$2" && pwd)}

if [ -z "${KR_BENCH_PRIVATE:-}" ]; then
	export KR_BENCH_PRIVATE=1
	exec unshare --net --mount --propagation private "$0" "$build" $old
fi

work=$(mktemp -d /tmp/kr-bench-XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up
ulimit -n 16384
clients="python3 $top/tests/support/slow_clients.py"
crowd=$(seq 2 51 | sed 's/^/127.0.0./' | paste -sd, -)

answers() {	# URL: wait until it answers 200
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$1" && return
		sleep 0.1
	done
	echo "$1 did not answer" >&2
	exit 1
}

# daemon BUILD: start its kube-rdma-daemon on a mock node ($daemon_pid)
daemon() {
	cat >"$work/node.conf" <<CONF
[node]
name = bench-node
backend_dir = $1/lib/kube-rdma/backends-abi1
state_dir = $work/state
dev_root = $work
[daemon]
listen = 127.0.0.1:54005
agent_socket = $work/cni.sock
[pf "bp0"]
backend = mock
num_vfs = 16
CONF
	"$1/bin/kube-rdma-daemon" init --config "$work/node.conf" >/dev/null
	(ulimit -S -n 1024; exec "$1/bin/kube-rdma-daemon" serve \
		--config "$work/node.conf" 2>/dev/null) &
	daemon_pid=$!
	pids="$pids $daemon_pid"
	answers http://127.0.0.1:54005/healthz
}

# attack NAME ARGS...: hold connections ($hold_pid) until 'calm'
attack() {
	rm -f "$work/ready"
	$clients hold 127.0.0.1:54005 --ready "$work/ready" \
		--report "$work/hold.report" "$@" &
	hold_pid=$!
	pids="$pids $hold_pid"
	while [ ! -s "$work/ready" ]; do sleep 0.1; done
	sleep 2
}
calm() {
	kill "$hold_pid" 2>/dev/null || true
	wait "$hold_pid" 2>/dev/null || true
}

# row LABEL: 1,000 probes of /healthz (for 20 s at most); a table row
row() {
	held=$(ss -Htn state established "( sport = :54005 )" | wc -l)
	$clients probe 127.0.0.1:54005 --count 1000 --timeout 2 \
		--seconds 20 >"$work/probe"
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$daemon_pid/status")
	jq -r --arg l "$1" --arg h "$held" --arg r "$rss" \
		'"| \($l) | \($h) | \(.answered) | \(.failed) | \(.p50_ms) | \(.p99_ms) | \(.max_ms) | \($r) |"' \
		"$work/probe"
}

daemon_rows() {	# BUILD LABEL
	daemon "$1"
	row "$2: no attack"
	attack --sources "$crowd" --count 3000 --mode idle
	row "$2: 3,000 idle, 50 addresses"
	calm
	attack --sources 127.0.0.200 --count 3000 --mode idle
	row "$2: 3,000 idle, one address"
	calm
	attack --sources "$crowd" --count 3000 --mode trickle --interval 1
	row "$2: 3,000 trickling headers, 50 addresses"
	calm
	attack --sources "$crowd" --count 600 --mode trickle --interval 0.2
	t0=$(date +%s.%N)
	kill "$daemon_pid"
	while kill -0 "$daemon_pid" 2>/dev/null; do sleep 0.05; done
	wait "$daemon_pid" 2>/dev/null || true
	calm
	echo "| $2: SIGTERM with 600 trickling clients: stopped after $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s | | | | | | | |"
}

echo "### kube-rdma-daemon: /healthz, a new connection per probe, 1,000 probes"
echo
echo "| server: attack | connections established | answered | failed (2 s timeout) | p50 ms | p99 ms | max ms | RSS kB |"
echo "|---|---|---|---|---|---|---|---|"
[ -n "$old" ] && daemon_rows "$old" before
daemon_rows "$build" now

# ---- the extender: 16 parallel POSTs of 60 MiB ----
printf '{"Pod": {"metadata": {"name": "p", "uid": "u"}}, "NodeNames": ["n1"]%*s}' \
	62914560 "" >"$work/60m.json"
extender_row() {	# BUILD LABEL
	cat >"$work/ext.conf" <<CONF
[node]
name = bench
[extender]
listen = 127.0.0.1:8888
daemon_url = http://127.0.0.1:1
CONF
	"$1/bin/kube-rdma-extender" --config "$work/ext.conf" 2>/dev/null &
	ext_pid=$!
	pids="$pids $ext_pid"
	answers http://127.0.0.1:8888/healthz
	posts=""
	for i in $(seq 16); do
		curl -s -o /dev/null -w '%{http_code}\n' -X POST \
			--data-binary "@$work/60m.json" \
			http://127.0.0.1:8888/filter >"$work/code.$i" &
		posts="$posts $!"
	done
	for p in $posts; do wait "$p" || true; done
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$ext_pid/status")
	ok=$(cat "$work"/code.* | grep -c '^200$' || true)
	busy=$(cat "$work"/code.* | grep -c '^503$' || true)
	echo "| $2 | $ok | $busy | $((hwm / 1024)) |"
	kill "$ext_pid"
	wait "$ext_pid" 2>/dev/null || true
}
echo
echo "### kube-rdma-extender: 16 parallel POST /filter of 60 MiB each"
echo
echo "| extender | 200 | 503 (try again) | peak RSS MiB |"
echo "|---|---|---|---|"
[ -n "$old" ] && extender_row "$old" before
extender_row "$build" now
