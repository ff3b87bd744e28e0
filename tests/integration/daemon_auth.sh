#!/bin/sh
# [daemon] auth = tokenreview, through the real programs: the node agent
# asks the API-server stand-in who each bearer token is.  No token, a
# token it does not know, or one for another audience: 401 with
# WWW-Authenticate; a known user not allowed: 403; the allowed user, or a
# member of an allowed group: 200 with the inventory; /healthz needs no
# token; an API server that fails, is late or is stopped: 503 (a token
# already checked still works, from the cache), and back when it is;
# kube-rdma-ctl inventory --url --token-file; no token in the log.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "jq missing"
api=$work/api
sock=$work/cni.sock
conf=$work/node.conf
url=http://127.0.0.1:54005
ext=system:serviceaccount:kube-rdma:kube-rdma-extender

mkdir -p "$api"
cat >"$api/tokens.json" <<EOF2
{"ext-token": {"username": "$ext", "uid": "u-1",
               "groups": ["system:serviceaccounts"],
               "audiences": ["kube-rdma-daemon"]},
 "ext-api-token": {"username": "$ext", "groups": []},
 "nosy-token": {"username": "system:serviceaccount:default:nosy",
                "groups": ["system:serviceaccounts"],
                "audiences": ["kube-rdma-daemon"]},
 "reader-token": {"username": "alice", "groups": ["kube-rdma-readers"],
                  "audiences": ["kube-rdma-daemon"]},
 "late-token": {"username": "$ext", "audiences": ["kube-rdma-daemon"]},
 "fresh-token": {"username": "$ext", "audiences": ["kube-rdma-daemon"]},
 "after-token": {"username": "$ext", "audiences": ["kube-rdma-daemon"]}}
EOF2
start_api() {
	"$KR_TEST_APISERVER" 16445 daemon-sa-token "$api" &
	api_pid=$!
	pids="$pids $api_pid"
	for _ in $(seq 100); do
		curl -s -o /dev/null http://127.0.0.1:16445/ && return 0
		sleep 0.05
	done
	fail "the API server stand-in did not start"
}
start_api
cat >"$work/kubeconfig" <<KUBE
apiVersion: v1
current-context: t
clusters: [{name: c, cluster: {server: "http://127.0.0.1:16445"}}]
contexts: [{name: t, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: daemon-sa-token}}]
KUBE

write_config "$conf" auth-node '[daemon]' "agent_socket = $sock" \
	"listen = 127.0.0.1:54005" "kubeconfig = $work/kubeconfig" \
	"auth = tokenreview" "auth_allowed_users = $ext" \
	"auth_allowed_groups = kube-rdma-readers, kube-rdma-admins" \
	"auth_audience = kube-rdma-daemon" \
	"auth_cache_ttl_s = 3600" "auth_timeout_ms = 500" \
	'[pf "au0"]' 'backend = mock' 'num_vfs = 2'
"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null
# a pod holds a VF: the inventory names it
mkdir -p "$work/state-auth-node/attachments"
cat >"$work/state-auth-node/attachments/c1.eth0.json" <<REC
{"version": 1, "container_id": "c1", "ifname": "eth0", "netns": "",
 "pod": {"namespace": "secret-ns", "name": "secret-pod", "uid": "u-secret"},
 "vfs": [{"pf": "au0", "vf": 0, "pci": "", "host_netdev": "au0v0",
          "pod_ifname": "eth0", "min_tx_rate": 0, "max_tx_rate": 0}]}
REC
start_agent "$conf" "$sock"
for _ in $(seq 100); do
	curl -sf -o /dev/null "$url/healthz" && break
	sleep 0.05
done

# get PATH [TOKEN]: the status; the body in $work/out, headers in $work/hdr
get() {
	if [ -n "${2:-}" ]; then
		curl -s -o "$work/out" -D "$work/hdr" -w '%{http_code}' \
			-H "Authorization: Bearer $2" "$url$1"
	else
		curl -s -o "$work/out" -D "$work/hdr" -w '%{http_code}' "$url$1"
	fi
}
expect() {	# WANT PATH [TOKEN]
	got=$(get "$2" "${3:-}")
	[ "$got" = "$1" ] ||
		fail "GET $2 (token ${3:-none}): $got, not $1: $(cat "$work/out")"
}
challenge() { grep -i '^WWW-Authenticate:' "$work/hdr" | tr -d '\r'; }

# ---- /healthz: kubelet's probes carry no token ----
expect 200 /healthz
curl -sf -I -o /dev/null "$url/healthz" || fail "HEAD /healthz"

# ---- no token: 401 on everything else, with the challenge ----
for path in /v1/inventory /getpfs /metrics /nowhere; do
	expect 401 "$path"
	[ "$(challenge)" = 'WWW-Authenticate: Bearer realm="kube-rdma-daemon"' ] ||
		fail "$path: challenge $(challenge)"
	jq -e '.error == "unauthorized"' "$work/out" >/dev/null ||
		fail "$path: body $(cat "$work/out")"
	grep -q secret "$work/out" && fail "$path: 401 shows the pod"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url/v1/inventory")" = 401 ] ||
	fail "HEAD without a token"
# another scheme is no token
[ "$(curl -s -o /dev/null -w '%{http_code}' -u a:b "$url/v1/inventory")" = 401 ] ||
	fail "basic auth let in"

# ---- tokens the API server does not accept ----
expect 401 /v1/inventory no-such-token
challenge | grep -q 'error="invalid_token"' || fail "challenge $(challenge)"
# the extender's, but issued for the API server, not for the daemons
expect 401 /v1/inventory ext-api-token
# no token is anything but printable ASCII: refused without asking
expect 401 /v1/inventory "$(printf 't\377ken')"

# ---- authenticated, not allowed ----
expect 403 /v1/inventory nosy-token
jq -e '.error == "forbidden" and (.message | test("nosy"))' "$work/out" \
	>/dev/null || fail "403 body: $(cat "$work/out")"
grep -q secret "$work/out" && fail "403 shows the pod"

# ---- allowed: by user, by group ----
expect 200 /v1/inventory ext-token
jq -e '.pfs[0].vfs[0].owner.pod == "secret-pod"' "$work/out" >/dev/null ||
	fail "inventory: $(cat "$work/out")"
expect 200 /getpfs ext-token
expect 200 /metrics reader-token
grep -q '^kube_rdma_http_requests_total{path="/v1/inventory",code="401"}' \
	"$work/out" || fail "401s not counted"
grep -q '^kube_rdma_http_requests_total{path="/v1/inventory",code="403"} 1' \
	"$work/out" || fail "403s not counted"
expect 404 /nowhere ext-token
# a token and If-None-Match: 304, as before
expect 200 /v1/inventory ext-token
etag=$(grep -i '^ETag:' "$work/hdr" | tr -d '\r' | cut -d' ' -f2)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" \
	-H "Authorization: Bearer ext-token" "$url/v1/inventory")
[ "$code" = 304 ] || fail "If-None-Match ($etag) with a token: $code"

# ---- kube-rdma-ctl inventory --url --token-file ----
printf 'ext-token\n' >"$work/token"
"$bin/kube-rdma-ctl" inventory --url "$url" --token-file "$work/token" \
	--json >"$work/ctl.json" || fail "ctl with the token"
jq -e '.pfs[0].vfs[0].owner.pod == "secret-pod"' "$work/ctl.json" >/dev/null ||
	fail "ctl: $(cat "$work/ctl.json")"
"$bin/kube-rdma-ctl" inventory --url "$url" >/dev/null 2>"$work/ctl.err" &&
	fail "ctl without a token read the inventory"
grep -q "401.*--token-file" "$work/ctl.err" || fail "ctl: $(cat "$work/ctl.err")"
printf 'nosy-token\n' >"$work/nosy"
"$bin/kube-rdma-ctl" inventory --url "$url" --token-file "$work/nosy" \
	>/dev/null 2>"$work/ctl.err" && fail "ctl with a forbidden token"
grep -q "403" "$work/ctl.err" || fail "ctl: $(cat "$work/ctl.err")"
"$bin/kube-rdma-ctl" inventory --url "$url" --token-file "$work/none" \
	>/dev/null 2>"$work/ctl.err" && fail "ctl with no token file"
grep -q -- "--token-file: token file $work/none" "$work/ctl.err" ||
	fail "ctl: $(cat "$work/ctl.err")"

# ---- the API server cannot answer: 503, said so ----
echo tokenreviews >"$api/fail"
expect 503 /v1/inventory fresh-token
jq -e '.error == "unavailable" and (.message | test("cannot check the token"))' \
	"$work/out" >/dev/null || fail "503 body: $(cat "$work/out")"
rm "$api/fail"
# late: the daemon gives up after auth_timeout_ms (the stand-in would
# have said yes)
echo "tokenreviews 3000" >"$api/slow"
expect 503 /v1/inventory late-token
rm "$api/slow"
# stopped: tokens checked already hold (the cache), new ones get 503
kill "$api_pid"
wait "$api_pid" 2>/dev/null || true
expect 503 /v1/inventory after-token
expect 200 /v1/inventory ext-token
expect 403 /v1/inventory nosy-token
expect 401 /v1/inventory no-such-token
expect 200 /healthz
# back: the ones refused for its absence are let in
start_api
expect 200 /v1/inventory after-token
expect 200 /v1/inventory fresh-token
expect 200 /v1/inventory late-token

# ---- no token ever reaches the log ----
for t in ext-token nosy-token reader-token fresh-token late-token \
	after-token no-such-token daemon-sa-token; do
	grep -q -- "$t" "$work/agent.log" && fail "the log shows $t"
done
grep -q "401 for 127.0.0.1: no bearer token" "$work/agent.log" ||
	fail "401s not logged: $(tail -5 "$work/agent.log")"
grep -q "403 for 127.0.0.1: user system:serviceaccount:default:nosy" \
	"$work/agent.log" || fail "403s not logged"
grep -q "503 for 127.0.0.1: cannot check its token" "$work/agent.log" ||
	fail "503s not logged"
echo "PASS"
