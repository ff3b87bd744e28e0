#!/bin/sh
# The hardware backends through the real programs, on fake node trees
# (tests/support/fake_node.py) with the fake rtnetlink kernel of
# tests/support/nl_fake.h (in the tree's netlink/), which logs every VF
# request:
#  - kube-rdma-daemon serves the inventory of ConnectX-5 PFs with 8 and with
#    0 VFs (mlx5), a ConnectX-6 InfiniBand PF (mlx5), an Intel E810 PF
#    (generic-sriov), and names the NIC without SR-IOV it cannot serve;
#  - a CNI ADD and DEL against generic-sriov sends exactly the expected VF
#    requests, while real veths standing in for the VF netdevs move.
. "$(dirname "$0")/lib.sh"

sys=$work/sys
# the fake kernels of the sysfs root (the programs are built with
# KR_TEST_FAKES; [node] sysfs_root names the tree)
fake=$sys/netlink
fake() { python3 "$KR_TEST_SOURCE_DIR/tests/support/fake_node.py" "$sys" "$@" \
	--netlink "$fake"; }
fake add-pf cx5 ens1f0 0000:3b:00.0 --vfs 8
fake add-pf cx5 ens1f1 0000:3b:00.1 --ibdev 20
fake add-pf cx6-ib ib0 0000:af:00.0 --vfs 2 --ibdev 40
fake add-pf e810 ens2f0 0000:5e:00.0 --vfs 4
fake add-pf plain eno1 0000:00:19.0

# ---- the daemon's inventory ----
write_config "$work/node.conf" hw-node "sysfs_root = $sys" \
	"[daemon]" "listen = 127.0.0.1:54011" \
	'[pf "ens1f0"]' "backend = mlx5" "num_vfs = 8" \
	'[pf "ens1f1"]' "backend = mlx5" "num_vfs = 0" \
	'[pf "ib0"]' "backend = mlx5" "num_vfs = 2" \
	'[pf "ens2f0"]' "backend = generic-sriov" "num_vfs = 4" \
	'[pf "eno1"]' "backend = generic-sriov" "num_vfs = 0"
"$bin/kube-rdma-daemon" serve --config "$work/node.conf" 2>"$work/daemon.log" &
daemon=$!
pids="$pids $daemon"
i=0
until curl -sf http://127.0.0.1:54011/v1/inventory >"$work/inv.json"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "daemon: $(cat "$work/daemon.log")"
	sleep 0.1
done
check() {
	jq -e "$1" "$work/inv.json" >/dev/null ||
		fail "inventory: $1: $(jq -c "$2" "$work/inv.json")"
}
check '[.pfs[].name] == ["ens1f0", "ens1f1", "ib0", "ens2f0"]' '[.pfs[].name]'
check '.pfs[0] | .backend == "mlx5" and .pci == "0000:3b:00.0" and
	.link_speed_mbps == 100000 and .min_rate_supported and
	.vfs_total == 8 and .vfs_free == 8' '.pfs[0] | del(.vfs)'
check '.pfs[0].vfs[3] == {"index": 3, "netdev": "ens1f0v3",
	"pci": "0000:3b:00.5", "mac": "02:3b:00:00:00:03", "min_tx_rate": 0,
	"max_tx_rate": 0, "allocated": false, "owner": null,
	"rdma": {"device": "mlx5_4", "char_devices": ["uverbs4"]}}' '.pfs[0].vfs[3]'
check '.pfs[1] | .vfs_total == 0 and .link_speed_mbps == 100000' '.pfs[1]'
# InfiniBand: the capacity is the RDMA port's (the netdev has no speed)
check '.pfs[2] | .link_speed_mbps == 200000 and .capacity_mbps == 200000 and
	.vfs[1].rdma.device == "mlx5_42" and .vfs[1].pci == "0000:af:00.3"' \
	'.pfs[2]'
# generic-sriov keeps no promise of min_tx_rate unless told
check '.pfs[3] | .backend == "generic-sriov" and .link_speed_mbps == 25000
	and (.min_rate_supported | not) and .vfs_total == 4 and
	(.vfs[0] | has("rdma") | not)' '.pfs[3]'
grep -q "eno1 has no SR-IOV (no sriov_totalvfs)" "$work/daemon.log" ||
	fail "no reason for eno1: $(cat "$work/daemon.log")"
# a rate set behind the daemon's back shows in the next inventory
jq '.vfs[2].max_tx_rate = 3000' "$fake/ens2f0.json" >"$work/t"
mv "$work/t" "$fake/ens2f0.json"
i=0
until curl -sf http://127.0.0.1:54011/v1/inventory |
	jq -e '.pfs[3].vfs[2].max_tx_rate == 3000' >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "rate never showed"
	sleep 0.1
done
jq '.vfs[2].max_tx_rate = 0' "$fake/ens2f0.json" >"$work/t"
mv "$work/t" "$fake/ens2f0.json"

# one inventory reads an InfiniBand PF's VFs with one GETLINK, not one per
# VF (it shows no GUIDs)
: >"$fake/netlink.log"
write_config "$work/ib.conf" hw-node "sysfs_root = $sys" \
	'[pf "ib0"]' "backend = mlx5" "num_vfs = 2"
"$bin/kube-rdma-ctl" inventory --config "$work/ib.conf" --json >"$work/ctl" 2>&1 ||
	fail "kube-rdma-ctl inventory: $(cat "$work/ctl")"
[ "$(grep -c '^GETLINK ib0 ' "$fake/netlink.log")" = 1 ] ||
	fail "GETLINKs of ib0: $(cat "$fake/netlink.log")"

# check-config refuses the SR-IOV backends' values as opening the PF does
for opt in 'vf_timeout_ms = 0' 'min_rate = perhaps'; do
	for backend in generic-sriov mlx5; do
		write_config "$work/bad.conf" hw-node "sysfs_root = $sys" \
			'[pf "ens2f0"]' "backend = $backend" "num_vfs = 4" "$opt"
		if "$bin/kube-rdma-ctl" check-config "$work/bad.conf" >"$work/ctl" 2>&1; then
			fail "check-config took $opt ($backend)"
		fi
		grep -q "bad.conf:10: PF ens2f0: ${opt%% = *} = \"${opt#* = }\": expected" \
			"$work/ctl" || fail "check-config: $(cat "$work/ctl")"
	done
done

# ---- CNI ADD and DEL against generic-sriov ----
kill "$daemon" && wait "$daemon" || fail "daemon did not stop cleanly"
# real netdevs under the VFs' names, so the moves are the kernel's
for v in 0 1 2 3; do ip link add "ens2f0v$v" type veth peer name "hw$v"; done
write_config "$work/cni.conf" hw-node "sysfs_root = $sys" \
	'[daemon]' "listen = 127.0.0.1:54012" "agent_socket = $work/cni.sock" \
	"refresh_interval_ms = 600000" \
	'[pf "ens2f0"]' "backend = generic-sriov" "num_vfs = 4"
start_agent "$work/cni.conf" "$work/cni.sock"
cat >"$work/net.json" <<JSON
{"cniVersion": "1.0.0", "name": "rdma", "type": "kube-rdma",
 "agent_socket": "$work/cni.sock",
 "ipam": {"type": "host-local", "dataDir": "$work/ipam",
          "ranges": [[{"subnet": "198.18.4.0/24"}]]},
 "interfaces": [{"max_tx_rate": 1000}, {"max_tx_rate": 2000, "name": "rdma1"}]}
JSON
ip netns add hwpod
log=$fake/netlink.log
cni() {
	env CNI_COMMAND="$1" CNI_CONTAINERID=hw1 CNI_NETNS=/run/netns/hwpod \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		"$bin/kube-rdma" <"$work/net.json" >"$work/out" 2>"$work/err" ||
		fail "$1: $(cat "$work/out" "$work/err")"
}
: >"$log"
cni ADD
cat >"$work/want" <<LOG
GETLINK ens2f0 RTEXT_FILTER_VF -> OK
SETLINK ens2f0 vf 0 IFLA_VF_RATE min 0 max 1000 -> OK
SETLINK ens2f0 vf 1 IFLA_VF_RATE min 0 max 2000 -> OK
GETLINK ens2f0 RTEXT_FILTER_VF -> OK
LOG
# (the last GETLINK is the agent's refresh of its inventory, here and below)
diff -u "$work/want" "$log" || fail "ADD sent other VF requests"
ip -n hwpod -br link show eth0 | grep -q UP || fail "no eth0 in the pod"
ip -n hwpod -br addr show rdma1 | grep -q 198.18.4. || fail "rdma1 has no address"
jq -e '[.interfaces[].name] == ["eth0", "rdma1"]' "$work/out" >/dev/null ||
	fail "result: $(cat "$work/out")"

: >"$log"
cni DEL
cat >"$work/want" <<LOG
GETLINK ens2f0 RTEXT_FILTER_VF -> OK
SETLINK ens2f0 vf 0 IFLA_VF_RATE min 0 max 0 -> OK
GETLINK ens2f0 RTEXT_FILTER_VF -> OK
SETLINK ens2f0 vf 1 IFLA_VF_RATE min 0 max 0 -> OK
GETLINK ens2f0 RTEXT_FILTER_VF -> OK
LOG
diff -u "$work/want" "$log" || fail "DEL sent other VF requests"
ip link show ens2f0v0 >/dev/null && ip link show ens2f0v1 >/dev/null ||
	fail "VFs not back under their names"
[ -z "$(ip -n hwpod -br link | grep -v '^lo')" ] || fail "pod kept a VF"

# a driver without IFLA_VF_RATE: the ceiling goes through the legacy
# IFLA_VF_TX_RATE, on ADD and on DEL
jq '.refuse = ["IFLA_VF_RATE"]' "$fake/ens2f0.json" >"$work/t"
mv "$work/t" "$fake/ens2f0.json"
: >"$log"
cni ADD
grep -q "IFLA_VF_TX_RATE rate 1000 -> OK" "$log" ||
	fail "no legacy fallback: $(cat "$log")"
cni DEL
grep -q "vf 1 IFLA_VF_TX_RATE rate 0 -> OK" "$log" ||
	fail "no legacy reset: $(cat "$log")"
echo "fake hardware: ok"
