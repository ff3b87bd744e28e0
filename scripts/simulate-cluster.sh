#!/bin/sh
# The simulated cluster: kube-rdma's whole path on one machine, with the
# mock backend.  Two workers (each two 100 Gb/s PFs, a kube-rdma-daemon on
# its own 127.0.1.x address), kube-rdma-extender, an API-server stand-in,
# and a driver that plays kube-scheduler (filter, prioritize, pick the best
# node, bind) and then the kubelet (the pod's network namespace, the CNI
# plugin, which hands each request to its node's agent) for every pod in
# etc/examples/pods/.
# It prints where each pod went, with which VFs, rates and addresses, and
# each node before and after; proves the data path (ping across workers,
# a pod held to its max_tx_rate); writes a JSON report; cleans up; and
# exits non-zero if anything is wrong.
#
#   scripts/simulate-cluster.sh [BUILD_DIR] [REPORT.json]      (root)
#
# Everything runs in private network and mount namespaces.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
report=${2:-$PWD/kube-rdma-simulation.json}
case $report in /*) ;; *) report=$PWD/$report ;; esac

if [ -z "${KR_SIM_PRIVATE:-}" ]; then
	export KR_SIM_PRIVATE=1
	exec unshare --net --mount --propagation private "$0" "$build" "$report"
fi

bin=$build/bin
work=$(mktemp -d /tmp/kube-rdma-sim-XXXXXX)
pids=""
placed=""
problems=0
cleanup() {
	status=$?
	if [ "$status" -ne 0 ]; then
		for log in "$work"/*.log; do
			[ -s "$log" ] || continue
			echo "--- $(basename "$log") (last lines)" >&2
			tail -n 20 "$log" >&2
		done
	fi
	for p in $placed; do
		cni_del "$p" >/dev/null 2>&1 || true
	done
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
problem() {
	echo "PROBLEM: $*" >&2
	problems=$((problems + 1))
}
ip link set lo up
mkdir -p /run/netns
mount -t tmpfs kube-rdma-sim /run/netns

# ---- the workers ----
ip link add fabric0 type bridge
ip link set fabric0 up
for w in 1 2; do
	cat >"$work/worker-$w.conf" <<CONF
[node]
name = worker-$w
backend_dir = $build/lib/kube-rdma/backends-abi1
state_dir = $work/state-worker-$w
dev_root = $work
[daemon]
listen = 127.0.1.$w:54005
refresh_interval_ms = 200
agent_socket = $work/worker-$w.sock
kubeconfig = $work/kubeconfig
[pf "w${w}p0"]
backend = mock
num_vfs = 64
[pf "w${w}p1"]
backend = mock
num_vfs = 64
CONF
	"$bin/kube-rdma-daemon" init --config "$work/worker-$w.conf" >/dev/null
	"$bin/kube-rdma-daemon" serve --config "$work/worker-$w.conf" \
		2>>"$work/daemons.log" &
	pids="$pids $!"
	# the PFs' switches hang off one fabric, as NICs off a ToR switch
	for p in 0 1; do
		ip link add "up$w$p" type veth peer name "fab$w$p"
		ip link set "up$w$p" master "w${w}p$p" up
		ip link set "fab$w$p" master fabric0 up
	done
done

# ---- the API server and the extender ----
api=$work/api
mkdir -p "$api/api/v1/nodes" "$api/api/v1/namespaces/default/pods"
for w in 1 2; do
	jq -n --arg n "worker-$w" --arg a "127.0.1.$w" '{kind: "Node",
		metadata: {name: $n}, status: {addresses: [{type: "InternalIP",
		address: $a}, {type: "Hostname", address: $n}]}}' \
		>"$api/api/v1/nodes/worker-$w.json"
done
"$bin/kube-rdma-apiserver-sim" 16443 sim-token "$api" &
pids="$pids $!"
cat >"$work/kubeconfig" <<KUBE
apiVersion: v1
current-context: sim
clusters: [{name: sim, cluster: {server: "http://127.0.0.1:16443"}}]
contexts: [{name: sim, context: {cluster: sim, user: sim}}]
users: [{name: sim, user: {token: sim-token}}]
KUBE
cat >"$work/extender.conf" <<CONF
[node]
name = scheduler
state_dir = $work/state-extender
[extender]
listen = 127.0.0.1:8888
daemon_url = http://{address}:54005
kubeconfig = $work/kubeconfig
poll_interval_ms = 200
CONF
"$bin/kube-rdma-extender" --config "$work/extender.conf" \
	2>>"$work/extender.log" &
pids="$pids $!"
for url in http://127.0.1.1:54005/healthz http://127.0.1.2:54005/healthz \
	http://127.0.0.1:8888/healthz; do
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$url" && break
		sleep 0.1
	done
done
for w in 1 2; do	# the node agents' CNI sockets
	for _ in $(seq 100); do
		[ -S "$work/worker-$w.sock" ] && break
		sleep 0.1
	done
done

# ---- helpers ----
node_summary() {	# WORKER -> one line per PF
	"$bin/kube-rdma-ctl" inventory --url "http://127.0.1.${1#worker-}:54005" \
		--json | jq -r '.pfs[] | "  \(.name): \(.vfs_free)/\(.vfs_total) VFs free, \(.reserved_mbps / 1000) of \(.capacity_mbps / 1000) Gb/s reserved"'
}
# each worker hands out its own addresses of one subnet, as per-node
# IPAM would
netconf() {	# WORKER
	w=${1#worker-}
	jq -n --arg a "$work/$1.sock" \
		--arg d "$work/ipam-$1" --arg s "198.18.$((w * 4)).1" \
		--arg e "198.18.$((w * 4 + 3)).254" '{cniVersion: "1.0.0",
		name: "rdma", type: "kube-rdma", agent_socket: $a,
		ipam: {type: "host-local", dataDir: $d, ranges: [[{subnet:
		"198.18.0.0/16", rangeStart: $s, rangeEnd: $e}]]}}'
}
cni() {		# COMMAND POD NODE
	netconf "$3" | env CNI_COMMAND="$1" CNI_CONTAINERID="ctr-$2" \
		CNI_NETNS="/run/netns/pod-$2" CNI_IFNAME=net1 \
		CNI_PATH=/usr/lib/cni \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$2;K8S_POD_UID=uid-$2" \
		"$bin/kube-rdma"
}
cni_del() {	# POD:NODE
	cni DEL "${1%%:*}" "${1#*:}"
}
extender() {	# VERB JSON-FILE
	curl -s -X POST -H 'Content-Type: application/json' \
		--data-binary "@$2" "http://127.0.0.1:8888/$1"
}

echo "== nodes before"
for w in worker-1 worker-2; do
	echo "$w"
	node_summary $w
done | tee "$work/before.txt"
echo

# ---- schedule and start every pod ----
echo '[]' >"$work/pods.json"
for manifest in "$top"/etc/examples/pods/*.json; do
	name=$(jq -r .metadata.name "$manifest")
	jq --arg u "uid-$name" '.metadata.uid = $u' "$manifest" \
		>"$api/api/v1/namespaces/default/pods/$name.json"
	jq -n --slurpfile p "$api/api/v1/namespaces/default/pods/$name.json" \
		'{Pod: $p[0], Nodes: null, NodeNames: ["worker-1", "worker-2"]}' \
		>"$work/args.json"
	# the extender fails the nodes it does not know yet, while it learns
	# them in the background; kube-scheduler tries the pod again
	for _ in $(seq 50); do
		extender filter "$work/args.json" >"$work/filter.json"
		jq -e '[(.FailedNodes // {})[] | select(test("not known yet"))]
			== []' "$work/filter.json" >/dev/null && break
		sleep 0.1
	done
	feasible=$(jq -r '.NodeNames | join(" ")' "$work/filter.json")
	if [ -z "$feasible" ]; then
		reason=$(jq -r '[(.FailedNodes // {}), (.FailedAndUnresolvableNodes // {})]
			| add | to_entries | map(.value) | join("; ")' "$work/filter.json")
		jq --arg n "$name" --arg r "$reason" '. += [{pod: $n,
			node: null, reason: $r, interfaces: []}]' \
			"$work/pods.json" >"$work/p" && mv "$work/p" "$work/pods.json"
		continue
	fi
	jq --argjson f "$(jq .NodeNames "$work/filter.json")" \
		'.NodeNames = $f' "$work/args.json" >"$work/pargs.json"
	node=$(extender prioritize "$work/pargs.json" |
		jq -r 'sort_by(-.Score) | .[0].Host')
	jq -n --arg n "$name" --arg u "uid-$name" --arg h "$node" \
		'{PodName: $n, PodNamespace: "default", PodUID: $u, Node: $h}' \
		>"$work/bind.json"
	error=$(extender bind "$work/bind.json" | jq -r .Error)
	if [ -n "$error" ]; then
		problem "bind of $name to $node: $error"
		continue
	fi
	ip netns add "pod-$name"
	if ! cni ADD "$name" "$node" >"$work/result-$name.json" \
		2>>"$work/cni.log"; then
		problem "CNI ADD of $name on $node: $(cat "$work/result-$name.json")"
		continue
	fi
	placed="$placed $name:$node"
	# VFs, PFs and rates as the node's daemon reports them
	sleep 0.3
	"$bin/kube-rdma-ctl" inventory --url "http://127.0.1.${node#worker-}:54005" \
		--json >"$work/inv.json"
	jq --arg n "$name" --arg h "$node" --slurpfile r "$work/result-$name.json" \
		--slurpfile i "$work/inv.json" '. += [{pod: $n, node: $h,
		interfaces: [$r[0].interfaces | to_entries[] | .key as $k |
		{name: .value.name, mac: .value.mac,
		address: ([$r[0].ips[] | select(.interface == $k) | .address][0])}
		+ ([$i[0].pfs[] | .name as $pf | .vfs[]
		   | select(.mac == $r[0].interfaces[$k].mac)
		   | {pf: $pf, vf: .index, min_tx_rate, max_tx_rate}][0] // {})]}]' \
		"$work/pods.json" >"$work/p" && mv "$work/p" "$work/pods.json"
done

# ---- what happened ----
echo "== pods"
printf '%-10s %-9s %-4s %s\n' POD NODE IFS "INTERFACES (name PF/VF min-max Mb/s address)"
jq -r '.[] | if .node == null then "\(.pod)\t-\t0\tnot scheduled: \(.reason)"
	else "\(.pod)\t\(.node)\t\(.interfaces | length)\t" +
	([.interfaces[:3][] | "\(.name) \(.pf)/\(.vf) \(.min_tx_rate)-\(.max_tx_rate) \(.address)"]
	| join(", ")) + (if (.interfaces | length) > 3 then ", ..." else "" end) end' \
	"$work/pods.json" | awk -F '\t' '{ printf "%-10s %-9s %-4s %s\n", $1, $2, $3, $4 }'
echo
echo "== nodes after"
for w in worker-1 worker-2; do
	echo "$w"
	node_summary $w
done | tee "$work/after.txt"
echo

# ---- the data path ----
addr_of() {	# POD -> address of its first interface
	jq -r --arg n "$1" '.[] | select(.pod == $n) | .interfaces[0].address
		| split("/")[0]' "$work/pods.json"
}
node_of() {
	jq -r --arg n "$1" '.[] | select(.pod == $n) | .node' "$work/pods.json"
}
ping_ok=false
a=paper-pod b=two-100g
if [ "$(node_of $a)" != "$(node_of $b)" ] &&
	ip netns exec "pod-$a" ping -c 3 -W 2 "$(addr_of $b)" >/dev/null; then
	ping_ok=true
fi
echo "== data path"
echo "ping $a ($(node_of $a)) -> $b ($(node_of $b)): $ping_ok"
$ping_ok || problem "no ping between pods on different workers"

ip netns exec pod-server iperf3 -s -B "$(addr_of server)" >/dev/null 2>&1 &
pids="$pids $!"
sleep 0.5
mbits() {
	ip netns exec pod-limited iperf3 -c "$(addr_of server)" -t 3 -f m "$@" |
		awk '/receiver/ { for (i = 1; i < NF; i++)
			if ($(i + 1) == "Mbits/sec") print int($i) }'
}
limited=$(mbits || echo 0)
free=$(mbits -R || echo 0)
limit=$(jq '.[] | select(.pod == "limited") | .interfaces[0].max_tx_rate' \
	"$work/pods.json")
echo "limited ($limit Mb/s max_tx_rate) sends at $limited Mb/s; the other way, uncapped: $free Mb/s"
held=false
[ "${limited:-0}" -gt 0 ] && [ "$limited" -le $((limit * 11 / 10)) ] &&
	[ "${free:-0}" -gt $((limited * 3)) ] && held=true
$held || problem "limited pod not held to its max_tx_rate"
echo

# ---- checks ----
count() { jq --arg n "$1" '[.[] | select(.pod == $n) | .interfaces[]] | length' "$work/pods.json"; }
[ "$(count sixty-a)" = 60 ] && [ "$(count sixty-b)" = 60 ] ||
	problem "the 60-interface pods did not get 60 interfaces each"
[ "$(jq '[.[] | select(.pod == "no-room" and .node == null)] | length' \
	"$work/pods.json")" = 1 ] || problem "no-room was scheduled"
[ "$(jq -r '.[] | select(.pod == "no-rdma") | .node' "$work/pods.json")" != null ] ||
	problem "no-rdma was not scheduled"
jq -e '[.[] | select(.node != null) | .interfaces[] | select(.pf == null)] | length == 0' \
	"$work/pods.json" >/dev/null || problem "an interface without a VF"

# ---- clean up the pods; every VF must come back ----
for p in $placed; do
	cni_del "$p" >/dev/null 2>>"$work/cni.log" || problem "CNI DEL of ${p%%:*}"
	ip netns del "pod-${p%%:*}"
done
placed=""
sleep 0.5
returned=true
for w in 1 2; do
	"$bin/kube-rdma-ctl" inventory --url "http://127.0.1.$w:54005" --json |
		jq -e '[.pfs[] | select(.vfs_free != .vfs_total or .reserved_mbps != 0)]
			| length == 0' >/dev/null || returned=false
done
$returned || problem "VFs not returned after the pods were deleted"

jq -n --slurpfile pods "$work/pods.json" --argjson ping "$ping_ok" \
	--argjson limited "${limited:-0}" --argjson free "${free:-0}" \
	--argjson limit "${limit:-0}" --argjson held "$held" \
	--argjson returned "$returned" --argjson problems "$problems" \
	--rawfile before "$work/before.txt" --rawfile after "$work/after.txt" \
	'{pods: $pods[0], ping_across_workers: $ping,
	  rate_limit: {max_tx_rate: $limit, measured_mbps: $limited,
	               uncapped_mbps: $free, held: $held},
	  nodes_before: $before, nodes_after: $after,
	  vfs_returned: $returned, problems: $problems}' >"$report"
echo "report: $report"
if [ "$problems" -gt 0 ]; then
	echo "FAILED: $problems problem(s)" >&2
	exit 1
fi
echo "OK: every pod placed as expected, data path and limits proven"
