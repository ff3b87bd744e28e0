#!/bin/sh
# The kube-rdma CNI plugin against a mock node, as a runtime calls it,
# through the node agent: verbs, versions, error codes, the agent absent
# and refusing callers, 2 pods x 60 interfaces, rollback when the k-th
# interface fails, DEL after the netns is gone, concurrent ADDs, and
# repair after kill -9 of the plugin.  IPAM: Debian's host-local.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "jq missing (scripts/install-deps.sh)"
[ -x /usr/lib/cni/host-local ] ||
	fail "host-local missing (containernetworking-plugins)"
cni=$bin/kube-rdma
ctl=$bin/kube-rdma-ctl

conf=$work/node.conf
sock=$work/run/cni.sock
write_config "$conf" cni-node \
	'[daemon]' "agent_socket = $sock" \
	'[pf "cp0"]' 'backend = mock' 'num_vfs = 64' \
	'[pf "cp1"]' 'backend = mock' 'num_vfs = 64'
"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null

# netconf VERSION INTERFACES [IPAM_RANGE_END]: a network configuration
netconf() {
	end=${3:-198.18.3.250}
	cat <<EOF
{"cniVersion": "$1", "name": "rdma", "type": "kube-rdma", "agent_socket": "$sock",
 "ipam": {"type": "host-local", "dataDir": "$work/ipam",
          "ranges": [[{"subnet": "198.18.0.0/22", "rangeStart": "198.18.0.10",
                       "rangeEnd": "$end"}]],
          "routes": [{"dst": "198.19.0.0/16"}]},
 "interfaces": $2}
EOF
}

# ifaces N [RATE]: a request of N interfaces
ifaces() {
	i=0 out=""
	while [ "$i" -lt "$1" ]; do
		r=${2:-100}
		out="$out${out:+,}{\"min_tx_rate\": $r, \"max_tx_rate\": $((r * 2))}"
		i=$((i + 1))
	done
	echo "[$out]"
}

# plugin CMD CONTAINER NETNS IFNAME < config: run, keep stdout and status
plugin() {
	set +e
	env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" \
		CNI_IFNAME="$4" CNI_PATH=/usr/lib/cni \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$2" \
		"$cni" >"$work/out" 2>"$work/err"
	status=$?
	set -e
}
want_code() {
	[ "$status" -ne 0 ] || fail "expected error code $1, got success: $(cat "$work/out")"
	code=$(jq -r .code "$work/out")
	[ "$code" = "$1" ] || fail "expected code $1, got $(cat "$work/out" "$work/err") (status $status)"
	[ -z "${2:-}" ] || grep -qF -- "$2" "$work/out" ||
		fail "error lacks \"$2\": $(cat "$work/out")"
}
want_ok() {
	[ "$status" -eq 0 ] || fail "$1: $(cat "$work/out" "$work/err")"
}
# free VFs and reserved bandwidth on the node, from the inventory
books() {
	"$ctl" inventory --config "$conf" --json |
		jq -r '[.pfs[].vfs_free] | add | tostring'
}
records() {
	ls "$work/state-cni-node/attachments" 2>/dev/null | grep -c json || true
}

# ---- the plugin itself: static, VERSION without the agent ----
ldd "$cni" 2>&1 | grep -q "not a dynamic executable" ||
	[ -n "$(ldd "$cni" 2>&1 | grep -i asan)" ] ||
	fail "the plugin is not static: $(ldd "$cni" 2>&1)"
plugin VERSION "" "" "" </dev/null
want_ok VERSION
jq -e '.supportedVersions == ["0.4.0","1.0.0","1.1.0"]' "$work/out" >/dev/null
echo '{"cniVersion": "1.0.0"}' | plugin VERSION "" "" ""
jq -e '.cniVersion == "1.0.0"' "$work/out" >/dev/null

# ---- no agent: try again later (11), STATUS not available (50) ----
ip netns add pod0
netconf 1.0.0 "$(ifaces 1)" >"$work/one.json"
plugin ADD c1 /run/netns/pod0 eth0 <"$work/one.json"
want_code 11 "the kube-rdma node agent is not answering"
grep -q "$sock" "$work/out" || fail "the error does not name the socket"
for verb in DEL CHECK; do
	plugin $verb c1 /run/netns/pod0 eth0 <"$work/one.json"
	want_code 11
done
netconf 1.1.0 "$(ifaces 1)" >"$work/one11.json"
plugin GC "" "" "" <"$work/one11.json"
want_code 11
plugin STATUS "" "" "" <"$work/one11.json"
want_code 50
jq '.agent_socket = "relative.sock"' "$work/one.json" |
	plugin ADD c1 /run/netns/pod0 eth0
want_code 7 "agent_socket"

start_agent "$conf" "$sock"
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode $(stat -c %a "$sock")"
# a caller that is not root cannot connect; one that gets through a
# socket opened to everyone is refused by its credentials
plugin_nobody() {
	set +e
	env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/pod0 \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$cni" \
		<"$work/one.json" >"$work/out" 2>"$work/err"
	status=$?
	set -e
}
chmod 755 "$work" "$work/run"
plugin_nobody
want_code 104 "Permission denied"
chmod 666 "$sock"
plugin_nobody
chmod 600 "$sock"
want_code 104 "uid 65534"
# the node's own namespace is never a pod's
plugin ADD c1 /proc/self/ns/net eth0 <"$work/one.json"
want_code 8 "node's own network namespace"

plugin "" c1 /run/netns/pod0 eth0 <"$work/one.json"
want_code 4 CNI_COMMAND
plugin FROB c1 /run/netns/pod0 eth0 <"$work/one.json"
want_code 4 "unknown CNI_COMMAND"
netconf 0.3.1 "$(ifaces 1)" | plugin ADD c1 /run/netns/pod0 eth0
want_code 1 "incompatible CNI versions"
echo "{\"cniVersion\": \"1.0.0\", \"type\": \"kube-rdma\", \"agent_socket\": \"$sock\"}" |
	plugin ADD c1 /run/netns/pod0 eth0
want_code 7 "missing network name"
echo "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"max-tx-rate\": 5, \"agent_socket\": \"$sock\"}" |
	plugin ADD c1 /run/netns/pod0 eth0
want_code 2 "max-tx-rate = 5"
jq '.ipam = "host-local"' "$work/one.json" | plugin ADD c1 /run/netns/pod0 eth0
want_code 7 "ipam must be an object"
echo '{"cniVersion": ' | plugin ADD c1 /run/netns/pod0 eth0
want_code 6
plugin ADD c1 /run/netns/pod0 "bad/name" <"$work/one.json"
want_code 4 "invalid CNI_IFNAME"

plugin ADD "" /run/netns/pod0 eth0 <"$work/one.json"
want_code 3 "missing containerID"
plugin ADD c1 /run/netns/nonesuch eth0 <"$work/one.json"
want_code 8
env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_PATH=/x \
	"$cni" <"$work/one.json" >"$work/out" 2>/dev/null && fail "no netns"
jq -e '.code == 4 and (.details | contains("CNI_NETNS"))' "$work/out" >/dev/null
plugin CHECK c1 /run/netns/pod0 eth0 <"$work/one.json"
want_code 7 "Required prevResult missing"
plugin GC "" "" "" <"$work/one.json"
want_code 1 "does not allow GC"
netconf 1.0.0 '[{"min_tx_rate": 5, "max_tx_rate": 1}]' |
	plugin ADD c1 /run/netns/pod0 eth0
want_code 7 "max_tx_rate: 1 is below min_tx_rate 5"
netconf 1.0.0 "$(ifaces 200)" | plugin ADD c1 /run/netns/pod0 eth0
want_code 7 "at most 128"
netconf 1.0.0 '[{"min_tx_rate": 150000}]' | plugin ADD c1 /run/netns/pod0 eth0
want_code 100 "interface 0 needs 150000 Mb/s reserved"
[ "$(books)" = 128 ] || fail "a refused ADD changed the books: $(books)"

# ---- results in each version ----
for v in 0.4.0 1.0.0 1.1.0; do
	netconf $v "$(ifaces 2)" >"$work/v.json"
	plugin ADD cv /run/netns/pod0 eth0 <"$work/v.json"
	want_ok "ADD $v"
	jq -e --arg v $v '.cniVersion == $v and (.interfaces | length) == 2
		and .interfaces[1].name == "eth0-1"
		and (.interfaces[0].mac | test("^02:"))
		and .interfaces[0].sandbox == "/run/netns/pod0"
		and .ips[1].interface == 1' "$work/out" >/dev/null ||
		fail "result $v: $(cat "$work/out")"
	case $v in
	0.4.0) jq -e '.ips[0].version == "4"' "$work/out" >/dev/null ||
		fail "0.4.0 needs ips[].version" ;;
	1.0.0) jq -e '.ips[0].version == null and .interfaces[0].pciID == null' \
		"$work/out" >/dev/null || fail "1.0.0 has no version/pciID" ;;
	1.1.0) jq -e '.interfaces[0].pciID | test("^0000:")' "$work/out" \
		>/dev/null || fail "1.1.0 needs pciID" ;;
	esac
	jq --slurpfile r "$work/out" '.prevResult = $r[0]' "$work/v.json" \
		>"$work/v-prev.json"
	plugin CHECK cv /run/netns/pod0 eth0 <"$work/v-prev.json"
	want_ok "CHECK $v"
	plugin DEL cv /run/netns/pod0 eth0 <"$work/v-prev.json"
	want_ok "DEL $v"
	plugin DEL cv /run/netns/pod0 eth0 <"$work/v.json"
	want_ok "second DEL $v"
done
[ "$(books)" = 128 ] && [ "$(records)" = 0 ] || fail "books after versions"

# CHECK notices a changed address
netconf 1.0.0 "$(ifaces 1)" >"$work/c.json"
plugin ADD cc /run/netns/pod0 eth0 <"$work/c.json"
jq --slurpfile r "$work/out" '.prevResult = $r[0]' "$work/c.json" >"$work/cp.json"
ip -n pod0 addr flush dev eth0
plugin CHECK cc /run/netns/pod0 eth0 <"$work/cp.json"
want_code 103 "address missing"
plugin DEL cc /run/netns/pod0 eth0 <"$work/cp.json"
want_ok "DEL cc"

# ---- the paper's stress test: two pods with 60 interfaces each ----
netconf 1.0.0 "$(ifaces 60 1000)" >"$work/sixty.json"
for p in podA podB; do
	ip netns add $p
	plugin ADD $p /run/netns/$p eth0 <"$work/sixty.json"
	want_ok "ADD $p"
	cp "$work/out" "$work/$p.result"
	n=$(ip -n $p -o -4 addr show | grep -c 'inet 198.18.')
	[ "$n" = 60 ] || fail "$p has $n addressed interfaces"
	ip -n $p link show eth0-59 >/dev/null || fail "$p lacks eth0-59"
done
[ "$(books)" = 8 ] || fail "120 of 128 VFs should be taken: $(books) free"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[].vfs[] | select(.allocated) | .min_tx_rate] |
		length == 120 and all(. == 1000)' >/dev/null ||
	fail "rates of the 120 VFs"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[].vfs[] | select(.owner.pod == "podA")] | length == 60' \
	>/dev/null || fail "owners"
for p in podA podB; do
	plugin DEL $p /run/netns/$p eth0 <"$work/sixty.json"
	want_ok "DEL $p"
	[ "$(ip -n $p -o link | grep -c eth0)" = 0 ] || fail "$p kept VFs"
done
[ "$(books)" = 128 ] && [ "$(records)" = 0 ] || fail "books after the 120"
[ -z "$(ls "$work/ipam/rdma" | grep '^198')" ] || fail "IPAM leaked"

# ---- the 4th interface fails (IPAM has 3 addresses): full rollback ----
netconf 1.0.0 "$(ifaces 6 2000)" 198.18.0.12 >"$work/short.json"
plugin ADD cf /run/netns/pod0 eth0 <"$work/short.json"
want_code 102 "IPAM"
[ "$(ip -n pod0 -o link | grep -c eth0)" = 0 ] || fail "VFs left in the pod"
[ "$(books)" = 128 ] && [ "$(records)" = 0 ] || fail "rollback books"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[].vfs[] | select(.min_tx_rate > 0 or .max_tx_rate > 0
		or (.netdev | test("^cp[01]v") | not))] | length == 0' \
	>/dev/null || fail "rollback left a rate or a name"
[ -z "$(ls "$work/ipam/rdma" | grep '^198')" ] || fail "rollback leaked IPAM"

# ---- DEL after the netns is gone ----
ip netns add gone
netconf 1.0.0 "$(ifaces 3 500)" >"$work/gone.json"
plugin ADD cg /run/netns/gone eth0 <"$work/gone.json"
want_ok "ADD gone"
ip netns del gone
plugin DEL cg /run/netns/gone eth0 <"$work/gone.json"
want_ok "DEL with the netns gone"
[ "$(books)" = 128 ] && [ "$(records)" = 0 ] || fail "books after gone"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[].vfs[] | select(.min_tx_rate > 0)] | length == 0' \
	>/dev/null || fail "rates left after the netns went"

# ---- 16 concurrent ADDs for 10 VFs each: only 12 fit in 128 ----
netconf 1.0.0 "$(ifaces 10 100)" >"$work/ten.json"
i=0
while [ $i -lt 16 ]; do
	ip netns add par$i
	(env CNI_COMMAND=ADD CNI_CONTAINERID=par$i CNI_NETNS=/run/netns/par$i \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=par$i" "$cni" \
		<"$work/ten.json" >"$work/par$i.out" 2>/dev/null &&
		echo 0 >"$work/par$i.rc" || echo 1 >"$work/par$i.rc") &
	par="${par:-} $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $par
ok=0 refused=0 i=0
while [ $i -lt 16 ]; do
	if [ "$(cat "$work/par$i.rc")" = 0 ]; then
		ok=$((ok + 1))
	else
		jq -e '.code == 100' "$work/par$i.out" >/dev/null ||
			fail "par$i failed oddly: $(cat "$work/par$i.out")"
		refused=$((refused + 1))
	fi
	i=$((i + 1))
done
[ $ok = 12 ] && [ $refused = 4 ] || fail "$ok succeeded, $refused refused"
[ "$(books)" = 8 ] && [ "$(records)" = 12 ] || fail "concurrent books"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[].vfs[] | select(.allocated) | .owner.container_id] |
		group_by(.) | map(length) | all(. == 10)' >/dev/null ||
	fail "a VF in two attachments"
i=0
while [ $i -lt 16 ]; do
	plugin DEL par$i /run/netns/par$i eth0 <"$work/ten.json"
	want_ok "DEL par$i"
	i=$((i + 1))
done
[ "$(books)" = 128 ] && [ "$(records)" = 0 ] || fail "books after DELs"

# ---- kill -9 in the middle of an ADD; DEL repairs, then GC ----
for how in DEL GC; do
	ip netns add crash$how
	env CNI_COMMAND=ADD CNI_CONTAINERID=crash$how \
		CNI_NETNS=/run/netns/crash$how CNI_IFNAME=eth0 \
		CNI_PATH=/usr/lib/cni "$cni" <"$work/sixty.json" \
		>/dev/null 2>&1 &
	victim=$!
	sleep 0.4
	kill -9 $victim 2>/dev/null || true
	wait $victim 2>/dev/null || true
	if [ $how = DEL ]; then
		plugin DEL crash$how /run/netns/crash$how eth0 <"$work/sixty.json"
	else
		netconf 1.1.0 "$(ifaces 1)" |
			jq '."cni.dev/valid-attachments" = []' |
			plugin GC "" "" ""
	fi
	want_ok "$how after kill -9"
	[ "$(books)" = 128 ] && [ "$(records)" = 0 ] ||
		fail "$how did not repair: $(books) free, $(records) records"
	[ "$(ip -n crash$how -o link | grep -c eth0)" = 0 ] ||
		fail "$how left VFs in the pod"
done

# ---- the request from the pod's annotation, through the API server ----
mkdir -p "$work/pods/api/v1/namespaces/default/pods"
ln -s api/v1/namespaces/default/pods "$work/pods/default"
cat >"$work/pods/default/web.json" <<'POD'
{"kind": "Pod", "apiVersion": "v1",
 "metadata": {"name": "web", "namespace": "default", "uid": "uid-web",
  "annotations": {"kube-rdma.io/interfaces":
   "[{\"min_tx_rate\": 3000, \"max_tx_rate\": 6000}, {\"name\": \"rdma9\"}]"}}}
POD
cat >"$work/pods/default/plain.json" <<'POD'
{"kind": "Pod", "metadata": {"name": "plain", "namespace": "default", "uid": "u2"}}
POD
cat >"$work/pods/default/bad.json" <<'POD'
{"kind": "Pod", "metadata": {"name": "bad", "namespace": "default", "uid": "u3",
  "annotations": {"rdma_interfaces_required": "[{\"min_tx_rate\": -1}]"}}}
POD
cat >"$work/pods/default/placed.json" <<'POD'
{"kind": "Pod", "metadata": {"name": "placed", "namespace": "default",
  "uid": "u4", "annotations": {
   "kube-rdma.io/interfaces": "[{\"min_tx_rate\": 10}, {}]",
   "kube-rdma.io/placement": "{\"node\": \"cni-node\", \"pfs\": [\"cp1\", \"cp1\"]}"}}}
POD
cat >"$work/pods/default/stale.json" <<'POD'
{"kind": "Pod", "metadata": {"name": "stale", "namespace": "default",
  "uid": "u5", "annotations": {
   "kube-rdma.io/interfaces": "[{}]",
   "kube-rdma.io/placement": "{\"node\": \"elsewhere\", \"pfs\": [\"cp1\"]}"}}}
POD
"$KR_TEST_APISERVER" 16443 s3cret "$work/pods" &
pids="$pids $!"
cat >"$work/kubeconfig" <<KUBE
apiVersion: v1
kind: Config
current-context: test
clusters:
- name: local
  cluster:
    server: http://127.0.0.1:16443
contexts:
- name: test
  context: {cluster: local, user: cni}
users:
- name: cni
  user:
    token: s3cret
KUBE
sed 's/s3cret/wrong/' "$work/kubeconfig" >"$work/kubeconfig.bad"
# the agent reads pods with its own credentials ([daemon] kubeconfig here,
# its service account in a cluster); a netconf's kubeconfig overrides them
stop_agent
sed -i "s|^agent_socket = .*|&\nkubeconfig = $work/kubeconfig|" "$conf"
# and places what the extender did not with the cluster's policy
printf '[extender]\npolicy = spread\n' >>"$conf"
start_agent "$conf" "$sock"
netconf 1.0.0 "$(ifaces 1)" >"$work/k8s.json"
jq --arg k "$work/kubeconfig.bad" '.kubeconfig = $k' "$work/k8s.json" \
	>"$work/k8s-bad.json"
# kube_plugin CMD POD UID < config
kube_plugin() {
	set +e
	env CNI_COMMAND="$1" CNI_CONTAINERID="k-$2" CNI_NETNS=/run/netns/pod0 \
		CNI_IFNAME=net1 CNI_PATH=/usr/lib/cni \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$2;K8S_POD_UID=$3" \
		"$cni" >"$work/out" 2>"$work/err"
	status=$?
	set -e
}
for _ in $(seq 50); do
	curl -s -o /dev/null http://127.0.0.1:16443/ && break
	sleep 0.1
done
kube_plugin ADD web uid-web <"$work/k8s.json"
want_ok "ADD from the annotation"
jq -e '[.interfaces[].name] == ["net1", "rdma9"]' "$work/out" >/dev/null ||
	fail "annotation interfaces: $(cat "$work/out")"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[].vfs[] | select(.owner.pod == "web") | .max_tx_rate]
		| sort == [0, 6000]' >/dev/null || fail "annotation rates"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[] | select(any(.vfs[]; .owner.pod == "web")) | .name] |
		length == 2' >/dev/null || fail "not spread over both PFs"
kube_plugin DEL web uid-web <"$work/k8s.json"
want_ok "DEL web"
kube_plugin ADD web other-uid <"$work/k8s.json"
want_code 7 "has UID uid-web, the runtime says other-uid"
kube_plugin ADD web uid-web <"$work/k8s-bad.json"
want_code 7 "HTTP 401"
kube_plugin ADD nobody x <"$work/k8s.json"
want_code 7 "HTTP 404"
# names go into the API server's paths: only Kubernetes names
set +e
env CNI_COMMAND=ADD CNI_CONTAINERID=k-climb CNI_NETNS=/run/netns/pod0 \
	CNI_IFNAME=net1 CNI_PATH=/usr/lib/cni \
	CNI_ARGS="K8S_POD_NAMESPACE=default;K8S_POD_NAME=../../../nodes/n1" \
	"$cni" <"$work/k8s.json" >"$work/out" 2>"$work/err"
status=$?
set -e
want_code 4 "is not a Kubernetes name"
kube_plugin ADD bad u3 <"$work/k8s.json"
want_code 7 "rdma_interfaces_required: [0].min_tx_rate: -1 is negative"
# the extender's placement is honoured while it fits, else ignored
kube_plugin ADD placed u4 <"$work/k8s.json"
want_ok "ADD with a placement"
"$ctl" inventory --config "$conf" --json |
	jq -e '[.pfs[] | select(.vfs[].owner.pod == "placed") | .name] |
		unique == ["cp1"]' >/dev/null || fail "placement not honoured"
kube_plugin DEL placed u4 <"$work/k8s.json"
want_ok "DEL placed"
kube_plugin ADD stale u5 <"$work/k8s.json"
want_ok "ADD with a stale placement"
grep -q "no longer fits (made for node elsewhere" "$work/err" ||
	fail "stale placement not reported: $(cat "$work/err")"
kube_plugin DEL stale u5 <"$work/k8s.json"
want_ok "DEL stale"
kube_plugin ADD plain u2 <"$work/k8s.json"
want_ok "a pod that asks for nothing"
jq -e '.interfaces == []' "$work/out" >/dev/null || fail "plain pod got VFs"
kube_plugin DEL plain u2 <"$work/k8s.json"
want_ok "DEL plain"
[ "$(books)" = 128 ] && [ "$(records)" = 0 ] || fail "books after API pods"

# STATUS
netconf 1.1.0 "$(ifaces 1)" | plugin STATUS "" "" ""
want_ok STATUS

# ---- GC tells a 1.1.0 IPAM plugin every interface of a valid attachment ----
# (each holds its address under its own name: eth0, eth0-1, ...)
mkdir -p "$work/ipam-bin"
cat >"$work/ipam-bin/gcipam" <<IPAM
#!/bin/sh
# an IPAM plugin of spec 1.1.0 that keeps nothing and records its GC input
input=\$(cat)
case \$CNI_COMMAND in
VERSION) echo '{"cniVersion": "1.1.0", "supportedVersions": ["1.1.0"]}' ;;
ADD) n=\$(ls "$work/ipam-bin" | wc -l)
     echo "{\\"cniVersion\\": \\"1.1.0\\", \\"ips\\": [{\\"address\\": \\"198.18.9.\$n/24\\"}]}"
     touch "$work/ipam-bin/lease-\$CNI_IFNAME" ;;
GC) printf '%s' "\$input" >"$work/gc.json" ;;
esac
exit 0
IPAM
chmod +x "$work/ipam-bin/gcipam"
netconf 1.1.0 "$(ifaces 3)" | jq '.ipam = {"type": "gcipam"}' >"$work/gc-net.json"
ip netns add gcpod
env CNI_COMMAND=ADD CNI_CONTAINERID=gcpod CNI_NETNS=/run/netns/gcpod \
	CNI_IFNAME=eth0 CNI_PATH="$work/ipam-bin" "$cni" <"$work/gc-net.json" \
	>"$work/out" 2>"$work/err" || fail "ADD gcpod: $(cat "$work/out")"
jq '."cni.dev/valid-attachments" = [{"containerID": "gcpod", "ifname": "eth0"}]' \
	"$work/gc-net.json" >"$work/gc-req.json"
env CNI_COMMAND=GC CNI_PATH="$work/ipam-bin" "$cni" <"$work/gc-req.json" \
	>"$work/out" 2>"$work/err" || fail "GC: $(cat "$work/out")"
jq -e '[."cni.dev/valid-attachments"[] | select(.containerID == "gcpod") |
	.ifname] | sort == ["eth0", "eth0-1", "eth0-2"]' "$work/gc.json" \
	>/dev/null || fail "IPAM's GC list: $(cat "$work/gc.json")"
[ "$(records)" = 1 ] || fail "GC released a valid attachment"
env CNI_COMMAND=DEL CNI_CONTAINERID=gcpod CNI_NETNS=/run/netns/gcpod \
	CNI_IFNAME=eth0 CNI_PATH="$work/ipam-bin" "$cni" <"$work/gc-net.json" \
	>"$work/out" 2>"$work/err" || fail "DEL gcpod: $(cat "$work/out")"
echo PASS
