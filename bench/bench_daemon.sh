#!/bin/sh
# Inventory server benchmark: kube-rdma-daemon serve against nginx serving
# the same JSON as a static file, in the same run, on loopback, with wrk.
# A mock node of 2 PFs x 64 VFs.  Prints a Markdown table for
# docs/benchmarks.md.
#
#   bench/bench_daemon.sh [BUILD_DIR]     (root; installs wrk and nginx)
#
# Runs in private network and mount namespaces: nothing is left behind.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)

if [ -z "${KR_BENCH_PRIVATE:-}" ]; then
	if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
		apt-get update >/dev/null
		apt-get install -y --no-install-recommends wrk nginx-light \
			>/dev/null
	fi
	export KR_BENCH_PRIVATE=1
	exec unshare --net --mount --propagation private "$0" "$build"
fi

work=$(mktemp -d /tmp/kr-bench-XXXXXX)
daemon_pid= nginx_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up

cat >"$work/node.conf" <<CONF
[node]
name = bench-node
backend_dir = $build/lib/kube-rdma/backends-abi1
state_dir = $work/state
dev_root = $work
[daemon]
listen = 127.0.0.1:54005
max_connections = 1024
[pf "bp0"]
backend = mock
num_vfs = 64
[pf "bp1"]
backend = mock
num_vfs = 64
CONF
"$build/bin/kube-rdma-daemon" init --config "$work/node.conf" >/dev/null
"$build/bin/kube-rdma-daemon" serve --config "$work/node.conf" 2>/dev/null &
daemon_pid=$!
for _ in $(seq 100); do
	curl -sf -o "$work/inventory.json" http://127.0.0.1:54005/v1/inventory &&
		break
	sleep 0.1
done
etag=$(curl -sI http://127.0.0.1:54005/v1/inventory | tr -d '\r' |
	awk -F': ' 'tolower($1) == "etag" { print $2 }')

mkdir -p "$work/www/v1"
cp "$work/inventory.json" "$work/www/v1/inventory"
cat >"$work/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	default_type application/json;
	server {
		listen 127.0.0.1:8081;
		root $work/www;
		etag on;
	}
}
CONF
nginx -c "$work/nginx.conf" &
nginx_pid=$!
sleep 0.5

# run NAME URL [header]: wrk for 10 s, 2 threads, 64 connections
run() {
	name=$1 url=$2
	shift 2
	wrk -t2 -c64 -d10s --latency "$@" "$url" >"$work/wrk.out"
	rps=$(awk '/^Requests\/sec/ { print int($2) }' "$work/wrk.out")
	avg=$(awk '/^ +Latency/ { print $2; exit }' "$work/wrk.out")
	p99=$(awk '/^ +99%/ { print $2 }' "$work/wrk.out")
	echo "$name $rps $avg $p99"
}

size=$(wc -c <"$work/inventory.json")
echo "inventory: $size bytes (2 PFs x 64 VFs)"
echo
echo "| server | request | requests/s | mean latency | p99 latency | ratio to nginx |"
echo "|---|---|---|---|---|---|"
set -- $(run nginx http://127.0.0.1:8081/v1/inventory)
nginx_rps=$2
echo "| nginx (static file) | 200, full body | $2 | $3 | $4 | 1.00 |"
set -- $(run daemon http://127.0.0.1:54005/v1/inventory)
awk -v r="$2" -v n="$nginx_rps" -v a="$3" -v p="$4" 'BEGIN {
	printf "| kube-rdma-daemon | 200, full body | %d | %s | %s | %.2f |\n",
		r, a, p, r / n }'
nginx_etag=$(curl -sI http://127.0.0.1:8081/v1/inventory | tr -d '\r' |
	awk -F': ' 'tolower($1) == "etag" { print $2 }')
set -- $(run nginx http://127.0.0.1:8081/v1/inventory -H "If-None-Match: $nginx_etag")
nginx_304=$2
echo "| nginx (static file) | 304 (If-None-Match) | $2 | $3 | $4 | 1.00 |"
set -- $(run daemon http://127.0.0.1:54005/v1/inventory -H "If-None-Match: $etag")
awk -v r="$2" -v n="$nginx_304" -v a="$3" -v p="$4" 'BEGIN {
	printf "| kube-rdma-daemon | 304 (If-None-Match) | %d | %s | %s | %.2f |\n",
		r, a, p, r / n }'
echo
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$daemon_pid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$daemon_pid/status")
echo "kube-rdma-daemon resident memory after the runs: ${rss} kB (peak ${hwm} kB)"
