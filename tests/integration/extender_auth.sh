#!/bin/sh
# The extender shows its token file to daemons that check tokens
# ([daemon] auth = tokenreview), and follows the file as the kubelet
# rotates it: the allowed token is let in, a rotation to a token the
# daemon does not allow makes the node fail, the next rotation brings it
# back.
. "$(dirname "$0")/lib.sh"

fix=$KR_TEST_SOURCE_DIR/tests/fixtures/extender
api=$work/api
mkdir -p "$api/api/v1/namespaces/ml/pods"
jq .Pod "$fix/filter-request-nodes.json" \
	>"$api/api/v1/namespaces/ml/pods/rdma-worker-0.json"
cat >"$api/tokens.json" <<JSON
{"tok-ext-1f3a": {"username": "system:serviceaccount:kube-rdma:kube-rdma-extender",
         "audiences": ["kube-rdma-daemon"]},
 "tok-nosy-9b2c": {"username": "nosy", "audiences": ["kube-rdma-daemon"]}}
JSON
start_apiserver "$api"
# the node of the fixture, at its address
ip addr add 192.168.10.11/32 dev lo
write_config "$work/a.conf" node-a "[daemon]" "listen = 192.168.10.11:54005" \
	"agent_socket = $work/a.sock" "kubeconfig = $work/kubeconfig" \
	"auth = tokenreview" \
	"auth_allowed_users = system:serviceaccount:kube-rdma:kube-rdma-extender" \
	"auth_audience = kube-rdma-daemon" "auth_cache_ttl_s = 1" \
	'[pf "na0"]' 'backend = mock' 'num_vfs = 8'
"$bin/kube-rdma-daemon" init --config "$work/a.conf" >/dev/null
start_agent "$work/a.conf" "$work/a.sock"

# rotate TOKEN: the kubelet's layout of a projected token, swapped whole
n=0
rotate() {
	n=$((n + 1))
	mkdir "$work/tok/..v$n"
	echo "$1" >"$work/tok/..v$n/token"
	ln -s "..v$n" "$work/tok/..tmp"
	mv -T "$work/tok/..tmp" "$work/tok/..data"
}
mkdir "$work/tok"
rotate tok-ext-1f3a
ln -s ..data/token "$work/tok/token"
write_config "$work/ext.conf" extender "[extender]" "listen = 127.0.0.1:8888" \
	"daemon_url = http://{address}:54005" "kubeconfig = $work/kubeconfig" \
	"poll_interval_ms = 200" "timeout_ms = 1000" "stale_after_ms = 1000" \
	"inventory_token_file = $work/tok/token"
"$bin/kube-rdma-extender" --config "$work/ext.conf" 2>"$work/ext.log" &
pids="$pids $!"
jq '.Nodes.items |= [.[0]]' "$fix/filter-request-nodes.json" >"$work/req.json"

# until_filter JQ WHAT: filter until its answer satisfies JQ (10 s)
until_filter() {
	for _ in $(seq 100); do
		curl -s -X POST -H 'Content-Type: application/json' \
			--data-binary "@$work/req.json" \
			http://127.0.0.1:8888/filter >"$work/out" 2>/dev/null &&
			jq -e "$1" "$work/out" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$2: $(cat "$work/out"; tail -3 "$work/ext.log")"
}
until_filter '.Nodes.items | length == 1' "the allowed token is not let in"
rotate tok-nosy-9b2c
until_filter '(.Nodes.items | length == 0) and
	(.FailedNodes | to_entries[0].value | test("403|stale"))' \
	"a token the daemon does not allow is let in"
rotate tok-ext-1f3a
until_filter '.Nodes.items | length == 1' "the node did not come back"
# the daemon saw the refused token, and logged no token
grep -q "403" "$work/agent.log" || fail "no refusal logged: $(tail -3 "$work/agent.log")"
! grep -q "tok-" "$work/agent.log" "$work/ext.log" ||
	fail "a token is in a log"
echo PASS
