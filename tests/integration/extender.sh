#!/bin/sh
# kube-rdma-extender against real kube-rdma-daemon processes on mock nodes
# and a test API server: the kube-scheduler wire fixtures in both
# nodeCacheCapable modes, the paper's scenario, an unreachable daemon, a
# malformed annotation, an impossible request, bind with its reservation,
# PATCH and Binding, and a bind that fails half-way.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "jq missing"
fix=$KR_TEST_SOURCE_DIR/tests/fixtures/extender
api=$work/api

# node-a (the paper's worker: two 100 Gb/s PFs) and node-b (one PF, two
# VFs) answer on the InternalIPs the fixtures' Node objects carry.
ip addr add 192.168.10.11/32 dev lo
ip addr add 192.168.10.12/32 dev lo
start_node() {	# NAME ADDRESS PF-SECTIONS...
	name=$1 addr=$2
	shift 2
	write_config "$work/$name.conf" "$name" \
		"[daemon]" "listen = $addr:54005" "refresh_interval_ms = 100" "$@"
	"$bin/kube-rdma-daemon" init --config "$work/$name.conf" >/dev/null
	"$bin/kube-rdma-daemon" serve --config "$work/$name.conf" 2>/dev/null &
	pids="$pids $!"
}
start_node node-a 192.168.10.11 \
	'[pf "na0"]' 'backend = mock' 'num_vfs = 8' \
	'[pf "na1"]' 'backend = mock' 'num_vfs = 8'
start_node node-b 192.168.10.12 \
	'[pf "nb0"]' 'backend = mock' 'num_vfs = 4'
# two of node-b's four VFs belong to a running pod
mkdir -p "$work/state-node-b/attachments"
cat >"$work/state-node-b/attachments/busy.eth0.json" <<REC
{"version": 1, "container_id": "busy", "ifname": "eth0", "netns": "",
 "pod": {"namespace": "default", "name": "busy", "uid": "u-busy"},
 "vfs": [{"pf": "nb0", "vf": 0, "pci": "", "host_netdev": "nb0v0",
          "pod_ifname": "eth0", "min_tx_rate": 0, "max_tx_rate": 0},
         {"pf": "nb0", "vf": 1, "pci": "", "host_netdev": "nb0v1",
          "pod_ifname": "eth0-1", "min_tx_rate": 0, "max_tx_rate": 0}]}
REC

# The API server: the pod of the fixtures, and Node objects (for
# NodeNames mode, where the extender looks addresses up).
mkdir -p "$api/api/v1/namespaces/ml/pods" "$api/api/v1/nodes"
jq .Pod "$fix/filter-request-nodes.json" \
	>"$api/api/v1/namespaces/ml/pods/rdma-worker-0.json"
for i in 0 1; do
	jq ".Nodes.items[$i]" "$fix/filter-request-nodes.json" \
		>"$api/api/v1/nodes/node-$(echo ab | cut -c$((i + 1))).json"
done
# node-c's daemon never answers
cp "$api/api/v1/nodes/node-b.json" "$api/api/v1/nodes/node-c.json"
sed -i 's/192.168.10.12/192.168.10.13/; s/"node-b"/"node-c"/g' \
	"$api/api/v1/nodes/node-c.json"
start_apiserver "$api"

write_config "$work/ext.conf" extender \
	"[extender]" "listen = 127.0.0.1:8888" \
	"daemon_url = http://{address}:54005" \
	"kubeconfig = $work/kubeconfig" "poll_interval_ms = 200" \
	"timeout_ms = 1000" "reservation_ttl_s = 4"
"$bin/kube-rdma-extender" --config "$work/ext.conf" 2>"$work/ext.log" &
pids="$pids $!"
for _ in $(seq 100); do
	curl -sf -o /dev/null http://192.168.10.11:54005/healthz &&
		curl -sf -o /dev/null http://192.168.10.12:54005/healthz &&
		curl -sf -o /dev/null http://127.0.0.1:8888/healthz && break
	sleep 0.1
done

post() {	# VERB FILE
	curl -s -o "$work/out" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "@$2" \
		"http://127.0.0.1:8888/$1"
}
check() {	# JQ-EXPRESSION MESSAGE
	jq -e "$1" "$work/out" >/dev/null || fail "$2: $(cat "$work/out")"
}

# The extender learns nodes in the background: a filter naming nodes it
# does not know yet fails them at once, with that reason.  Ask until it
# knows them, as kube-scheduler retries a pod.
learn() {	# FILE
	for _ in $(seq 100); do
		post filter "$1" >/dev/null
		jq -e '[(.FailedNodes // {})[] |
			select(test("not known yet|no inventory"))] == []' \
			"$work/out" >/dev/null && return
		sleep 0.1
	done
	fail "the extender did not learn the nodes: $(cat "$work/out")"
}

# ---- filter, NodeNames mode (addresses from the API server) ----
[ "$(post filter "$fix/filter-request-nodenames.json")" = 200 ] ||
	fail "filter status"
check '.NodeNames == [] and (.FailedNodes["node-a"] | test("^node-a: node not known yet"))' \
	"a node not known yet"
learn "$fix/filter-request-nodenames.json"
check '.NodeNames == ["node-a"] and .Nodes == null and .Error == ""' \
	"nodenames filter"
check '.FailedNodes["node-b"] | test("^node-b: needs 3 VFs; the node has 2 free")' \
	"node-b reason"
check '.FailedAndUnresolvableNodes == null' "unresolvable"

# ---- filter, Nodes mode: the Node objects come back unchanged ----
post filter "$fix/filter-request-nodes.json" >/dev/null
check '.NodeNames == null and (.Nodes.items | length) == 1' "nodes filter"
jq '.Nodes.items[0]' "$fix/filter-request-nodes.json" >"$work/want"
jq '.Nodes.items[0]' "$work/out" >"$work/got"
cmp -s "$work/want" "$work/got" || fail "Node object changed"

# ---- prioritize ----
post prioritize "$fix/prioritize-request-nodenames.json" >/dev/null
check 'type == "array" and length >= 1 and all(.[]; .Score >= 0 and .Score <= 10)
	and (map(.Host) | index("node-a")) != null' "prioritize"

# ---- the paper's pod: two interfaces of 100 Gb/s ----
jq '.Pod.metadata.annotations["kube-rdma.io/interfaces"] =
	"[{\"min_tx_rate\": 100000}, {\"min_tx_rate\": 100000}]"' \
	"$fix/filter-request-nodenames.json" >"$work/paper.json"
post filter "$work/paper.json" >/dev/null
check '.NodeNames == ["node-a"]' "paper pod"
check '.FailedAndUnresolvableNodes["node-b"] | test("node-b: ")' \
	"node-b can never hold 200 Gb/s"

# ---- no request: every node passes ----
jq 'del(.Pod.metadata.annotations["kube-rdma.io/interfaces"]) |
	.NodeNames += ["node-z"]' "$fix/filter-request-nodenames.json" \
	>"$work/none.json"
post filter "$work/none.json" >/dev/null
check '.NodeNames == ["node-a", "node-b", "node-z"]' "pods without a request"

# ---- malformed annotation: every node fails with the parser's message ----
jq '.Pod.metadata.annotations["kube-rdma.io/interfaces"] =
	"[{\"max-tx-rate\": 5}]"' "$fix/filter-request-nodenames.json" \
	>"$work/bad.json"
post filter "$work/bad.json" >/dev/null
check '.NodeNames == [] and (.FailedNodes["node-a"] |
	contains("unknown key \"max-tx-rate\""))' "malformed annotation"

# ---- a node whose daemon does not answer fails within the timeout ----
jq '.NodeNames = ["node-a", "node-c"]' "$fix/filter-request-nodenames.json" \
	>"$work/c.json"
for _ in $(seq 100); do
	post filter "$work/c.json" >/dev/null
	jq -e '.FailedNodes["node-c"] | test("no inventory")' "$work/out" \
		>/dev/null && break
	sleep 0.1
done
check '.NodeNames == ["node-a"] and (.FailedNodes["node-c"] |
	test("no inventory from the node.s daemon yet: .*192.168.10.13"))' \
	"unreachable daemon"

# ---- malformed request body ----
echo '{"Pod": ' >"$work/broken.json"
[ "$(post filter "$work/broken.json")" = 400 ] || fail "malformed JSON"

# ---- bind: reservation, annotation, Binding ----
[ "$(post bind "$fix/bind-request.json")" = 200 ] || fail "bind status"
check '.Error == ""' "bind"
jq -e '.metadata.annotations["kube-rdma.io/placement"] | fromjson |
	.node == "node-a" and (.pfs | length) == 3' \
	"$api/api/v1/namespaces/ml/pods/rdma-worker-0.json" >/dev/null ||
	fail "placement annotation not written"
jq -e '.target.name == "node-a" and .kind == "Binding"' \
	"$api/api/v1/namespaces/ml/pods/rdma-worker-0.binding.json" \
	>/dev/null || fail "Binding not created"
curl -s http://127.0.0.1:8888/metrics >"$work/out"
grep -q '^kube_rdma_extender_reservations 1$' "$work/out" ||
	fail "no reservation: $(grep reservations "$work/out")"

# the reservation counts: a second pod wanting all of node-a is refused
jq '.Pod.metadata.uid = "other" | .Pod.metadata.annotations["kube-rdma.io/interfaces"] =
	"[{\"min_tx_rate\": 90000}, {\"min_tx_rate\": 90000}]"' \
	"$fix/filter-request-nodenames.json" >"$work/big.json"
post filter "$work/big.json" >/dev/null
check '.NodeNames == []' "reservation not counted"

# ---- a bind whose Binding fails releases its reservation ----
jq '.metadata.uid = "uid-2" | .metadata.name = "second"' \
	"$api/api/v1/namespaces/ml/pods/rdma-worker-0.json" \
	>"$api/api/v1/namespaces/ml/pods/second.json"
echo "second/binding" >"$api/fail"
jq '.PodName = "second" | .PodUID = "uid-2"' "$fix/bind-request.json" \
	>"$work/bind2.json"
post bind "$work/bind2.json" >/dev/null
check '.Error | test("bind to node-a: .*HTTP 500")' "failed bind"
curl -s http://127.0.0.1:8888/metrics | grep -q '^kube_rdma_extender_reservations 1$' ||
	fail "the failed bind kept its reservation"
rm "$api/fail"

reservations() {
	curl -s http://127.0.0.1:8888/metrics |
		awk '/^kube_rdma_extender_reservations / { print $2 }'
}
# ---- a reservation ends when the node shows the pod's VFs ----
mkdir -p "$work/state-node-a/attachments"
cat >"$work/state-node-a/attachments/c1.eth0.json" <<REC
{"version": 1, "container_id": "c1", "ifname": "eth0", "netns": "",
 "pod": {"namespace": "ml", "name": "rdma-worker-0",
         "uid": "5f0c6a1e-2b7d-4c1a-9e43-8d2f1b6a7c90"},
 "vfs": [{"pf": "na0", "vf": 0, "pci": "", "host_netdev": "na0v0",
          "pod_ifname": "eth0", "min_tx_rate": 0, "max_tx_rate": 0}]}
REC
for _ in $(seq 30); do
	[ "$(reservations)" = 0 ] && break
	sleep 0.1
done
[ "$(reservations)" = 0 ] || fail "reservation kept after the VFs showed"

# ---- concurrent binds for 100 Gb/s each: node-a holds two ----
i=0
while [ $i -lt 6 ]; do
	jq --arg n "big$i" --arg u "ubig$i" '.metadata.name = $n | .metadata.uid = $u |
		.metadata.annotations["kube-rdma.io/interfaces"] =
		"[{\"min_tx_rate\": 100000}]"' \
		"$api/api/v1/namespaces/ml/pods/rdma-worker-0.json" \
		>"$api/api/v1/namespaces/ml/pods/big$i.json"
	jq --arg n "big$i" --arg u "ubig$i" '.PodName = $n | .PodUID = $u' \
		"$fix/bind-request.json" >"$work/bind-big$i.json"
	i=$((i + 1))
done
i=0
while [ $i -lt 6 ]; do
	curl -s -X POST --data-binary "@$work/bind-big$i.json" \
		http://127.0.0.1:8888/bind >"$work/big$i.out" &
	i=$((i + 1))
done
wait_for_binds() {
	for _ in $(seq 50); do
		[ "$(grep -l Error "$work"/big*.out | wc -l)" = 6 ] && return
		sleep 0.1
	done
}
wait_for_binds
ok=$(grep -l '"Error":""' "$work"/big*.out | wc -l)
[ "$ok" = 2 ] || fail "$ok of 6 binds of 100 Gb/s succeeded on 2 x 100 Gb/s"
r=$(reservations); [ "$r" = 2 ] || fail "expected 2 reservations, have $r: $(cat "$work"/big*.out)"

# ---- reservations expire after their TTL (4 s here) ----
sleep 4.5
[ "$(reservations)" = 0 ] || fail "reservations did not expire"
grep -q "expired before its VFs showed" "$work/ext.log" ||
	fail "expiry not logged"
echo PASS
