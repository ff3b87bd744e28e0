#!/bin/sh
# A VF's RDMA device follows it into the pod when the system runs in
# exclusive RDMA namespace mode, and comes back on DEL: the CNI plugin
# and the node agent against mlx5 on a fake ConnectX-5 tree
# (tests/support/fake_node.py), the fake rtnetlink and RDMA netlink kernels
# of tests/support/nl_fake.h and rdma_fake.h (in the tree's netlink/), and
# real veths standing in for the VF netdevs, so the netdev moves are the
# kernel's.
. "$(dirname "$0")/lib.sh"

sys=$work/sys
# the fake kernels of the sysfs root (the programs are built with
# KR_TEST_FAKES; [node] sysfs_root names the tree)
fake=$sys/netlink
python3 "$KR_TEST_SOURCE_DIR/tests/support/fake_node.py" "$sys" \
	add-pf cx5 ens1f0 0000:3b:00.0 --vfs 4 --netlink "$fake"
for v in 0 1 2 3; do ip link add "ens1f0v$v" type veth peer name "mx$v"; done
# the agent's own refreshes: only the one after each change (the last
# request of each ADD and DEL below)
write_config "$work/cni.conf" rdma-node "sysfs_root = $sys" \
	'[daemon]' "agent_socket = $work/cni.sock" "refresh_interval_ms = 600000" \
	'[pf "ens1f0"]' "backend = mlx5" "num_vfs = 4"
start_agent "$work/cni.conf" "$work/cni.sock"
cat >"$work/net.json" <<JSON
{"cniVersion": "1.0.0", "name": "rdma", "type": "kube-rdma",
 "agent_socket": "$work/cni.sock",
 "ipam": {"type": "host-local", "dataDir": "$work/ipam",
          "ranges": [[{"subnet": "198.18.6.0/24"}]]},
 "interfaces": [{"min_tx_rate": 500, "max_tx_rate": 1000},
                {"max_tx_rate": 2000, "name": "rdma1"}]}
JSON
ip netns add rpod
host_ns=$(stat -L -c %i /proc/self/ns/net)
pod_ns=$(stat -L -c %i /run/netns/rpod)
log=$fake/netlink.log
rdma=$fake/rdma.json
# cni COMMAND [NETWORK_CONFIG]
cni() {
	env CNI_COMMAND="$1" CNI_CONTAINERID=r1 CNI_NETNS=/run/netns/rpod \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		"$bin/kube-rdma" <"${2:-$work/net.json}" >"$work/out" 2>"$work/err"
}
ok() { cni "$1" || fail "$1: $(cat "$work/out" "$work/err" "$log")"; }
mode() {
	jq ".netns_mode = \"$1\"" "$rdma" >"$work/t" && mv "$work/t" "$rdma"
}
# the namespace each RDMA device is in, by name
where() { jq -r '[.devices[] | "\(.name)=\(.netns)"] | join(" ")' "$rdma"; }
rdma_lines() { grep '^RDMA' "$log" || true; }

# ---- exclusive mode: each VF's RDMA device moves before its netdev ----
mode exclusive
: >"$log"
ok ADD
# per VF: its rates, its RDMA device, then its netdev found again (the
# move re-creates an IPoIB netdev) and moved
cat >"$work/want" <<LOG
GETLINK ens1f0 RTEXT_FILTER_VF -> OK
SETLINK ens1f0 vf 0 IFLA_VF_RATE min 500 max 1000 -> OK
RDMA SYS_GET -> OK
RDMA GET dump -> OK
RDMA SET mlx5_1 NET_NS_FD net:[$pod_ns] -> OK
GETLINK ens1f0 RTEXT_FILTER_VF -> OK
SETLINK ens1f0 vf 1 IFLA_VF_RATE min 0 max 2000 -> OK
RDMA GET dump -> OK
RDMA SET mlx5_2 NET_NS_FD net:[$pod_ns] -> OK
GETLINK ens1f0 RTEXT_FILTER_VF -> OK
GETLINK ens1f0 RTEXT_FILTER_VF -> OK
LOG
# (the last GETLINK is the agent's refresh of its inventory)
diff -u "$work/want" "$log" || fail "ADD sent other requests"
[ "$(where)" = "mlx5_0=$host_ns mlx5_1=$pod_ns mlx5_2=$pod_ns mlx5_3=$host_ns mlx5_4=$host_ns" ] ||
	fail "RDMA devices: $(where)"
ip -n rpod -br addr show rdma1 | grep -q 198.18.6. || fail "rdma1 has no address"
# the host's sysfs no longer shows them; the inventory names them from the
# records
inventory() {
	"$bin/kube-rdma-ctl" inventory --config "$work/cni.conf" --json \
		>"$work/inv.json" || fail "inventory: $(cat "$work/inv.json")"
}
inventory
[ ! -e "$sys/class/infiniband/mlx5_1" ] && [ -e "$sys/class/infiniband/mlx5_3" ] ||
	fail "fake sysfs: $(ls "$sys/class/infiniband")"
jq -e '.pfs[0].vfs | map(.rdma) == [
	{"device": "mlx5_1", "char_devices": []},
	{"device": "mlx5_2", "char_devices": []},
	{"device": "mlx5_3", "char_devices": ["uverbs3"]},
	{"device": "mlx5_4", "char_devices": ["uverbs4"]}]' "$work/inv.json" \
	>/dev/null || fail "inventory: $(jq -c '.pfs[0].vfs' "$work/inv.json")"
jq -e '.vfs | map(.rdma_device) == ["mlx5_1", "mlx5_2"]' \
	"$work/state-rdma-node/attachments/r1.eth0.json" >/dev/null ||
	fail "record: $(cat "$work/state-rdma-node/attachments/r1.eth0.json")"

# CHECK finds each RDMA device in the pod, and says when one is not
jq --slurpfile p "$work/out" '. + {prevResult: $p[0]}' "$work/net.json" \
	>"$work/check.json"
check() { cni CHECK "$work/check.json"; }
check || fail "CHECK: $(cat "$work/out" "$work/err")"
jq "(.devices[] | select(.name == \"mlx5_2\") | .netns) = $host_ns" "$rdma" \
	>"$work/t" && mv "$work/t" "$rdma"
check && fail "CHECK passed with mlx5_2 on the host"
jq -e '.msg == "RDMA device not in the container" and
	(.details | contains("rdma1 (PF ens1f0 VF 1): no RDMA device mlx5_2"))' \
	"$work/out" >/dev/null || fail "CHECK: $(cat "$work/out")"
jq "(.devices[] | select(.name == \"mlx5_2\") | .netns) = $pod_ns" "$rdma" \
	>"$work/t" && mv "$work/t" "$rdma"

# DEL: each netdev back, then its RDMA device, from inside the pod
: >"$log"
ok DEL
cat >"$work/want" <<LOG
RDMA SYS_GET -> OK
RDMA GET dump -> OK
RDMA SET mlx5_1 NET_NS_FD net:[$host_ns] -> OK
RDMA GET dump -> OK
RDMA SET mlx5_2 NET_NS_FD net:[$host_ns] -> OK
LOG
rdma_lines | diff -u "$work/want" - || fail "DEL sent other RDMA requests"
[ "$(where)" = "mlx5_0=$host_ns mlx5_1=$host_ns mlx5_2=$host_ns mlx5_3=$host_ns mlx5_4=$host_ns" ] ||
	fail "RDMA devices after DEL: $(where)"
ip link show ens1f0v0 >/dev/null && ip link show ens1f0v1 >/dev/null ||
	fail "VFs not back under their names"
inventory
jq -e '.pfs[0].vfs[0].rdma == {"device": "mlx5_1", "char_devices": ["uverbs1"]}
	and .pfs[0].vfs_free == 4' "$work/inv.json" >/dev/null ||
	fail "inventory after DEL: $(jq -c '.pfs[0]' "$work/inv.json")"
# a second DEL finds nothing to do
: >"$log"
ok DEL
[ -z "$(rdma_lines)" ] || fail "second DEL: $(cat "$log")"

# ---- a failed ADD gives back the RDMA devices it moved ----
ip link del ens1f0v1	# VF 1's netdev move fails after its RDMA device's
cni ADD && fail "ADD without VF 1's netdev succeeded"
grep -q "cannot set up an interface" "$work/out" || fail "ADD: $(cat "$work/out")"
[ "$(where)" = "mlx5_0=$host_ns mlx5_1=$host_ns mlx5_2=$host_ns mlx5_3=$host_ns mlx5_4=$host_ns" ] ||
	fail "RDMA devices after the rollback: $(where)"
[ -z "$(ip -n rpod -br link | grep -v '^lo')" ] || fail "pod kept a VF"
[ ! -e "$work/state-rdma-node/attachments/r1.eth0.json" ] ||
	fail "the rollback kept the record"
ip link add ens1f0v1 type veth peer name mx1

# ---- shared mode: RDMA devices stay where they are ----
mode shared
: >"$log"
ok ADD
[ "$(rdma_lines)" = "RDMA SYS_GET -> OK" ] || fail "shared ADD: $(cat "$log")"
ok DEL
[ "$(where)" = "mlx5_0=$host_ns mlx5_1=$host_ns mlx5_2=$host_ns mlx5_3=$host_ns mlx5_4=$host_ns" ] ||
	fail "RDMA devices in shared mode: $(where)"
echo "rdma namespace: ok"
