#!/bin/sh
# A real container runtime: podman (CNI network backend) runs a busybox
# container on a kube-rdma network asking for 2 VFs, through the plugin and
# the node agent; the container sees both interfaces with their addresses;
# when it exits, the VFs are back.
# Setup per ../../docs/cni.md: runc, explicit ulimits, CONTAINERS_CONF, a
# private --root/--runroot, all inside this test's private namespaces.
. "$(dirname "$0")/lib.sh"

for tool in podman runc busybox jq; do
	command -v $tool >/dev/null ||
		fail "$tool missing (scripts/install-deps.sh installs it)"
done
# libcni caches results under /var/lib/cni: keep that private too
mkdir -p /var/lib/cni
mount -t tmpfs kr-test-cni /var/lib/cni

conf=$work/node.conf
write_config "$conf" podman-node '[daemon]' "agent_socket = $work/cni.sock" \
	'[pf "pm0"]' 'backend = mock' 'num_vfs = 4'
"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null
start_agent "$conf" "$work/cni.sock"

lab=$work/lab
mkdir -p "$lab/plugins" "$lab/net.d" "$lab/rootfs/bin" "$lab/rootfs/proc" \
	"$lab/rootfs/sys" "$lab/rootfs/dev" "$lab/rootfs/etc" "$lab/rootfs/tmp"
cp "$(command -v busybox)" "$lab/rootfs/bin/"
for a in sh ip cat; do ln -s busybox "$lab/rootfs/bin/$a"; done
ln -s "$bin/kube-rdma" "$lab/plugins/kube-rdma"
cat >"$lab/containers.conf" <<CONF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$lab/plugins", "/usr/lib/cni"]
network_config_dir = "$lab/net.d"
CONF
cat >"$lab/net.d/50-rdma.conflist" <<CONF
{"cniVersion": "1.0.0", "name": "rdmanet",
 "plugins": [{"type": "kube-rdma", "agent_socket": "$work/cni.sock",
   "ipam": {"type": "host-local", "dataDir": "$work/ipam",
            "ranges": [[{"subnet": "198.18.4.0/24"}]]},
   "interfaces": [{"min_tx_rate": 1000, "max_tx_rate": 5000},
                  {"min_tx_rate": 2000}]}]}
CONF
export CONTAINERS_CONF=$lab/containers.conf
podman="podman --root $lab/storage --runroot $lab/runroot --runtime runc"

$podman network ls --format '{{.Name}}' | grep -qx rdmanet ||
	fail "podman does not list the network"
$podman run --rm --network rdmanet \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--rootfs "$lab/rootfs" /bin/ip -4 -o addr show >"$work/inside" 2>"$work/podman.err" ||
	fail "podman run: $(cat "$work/podman.err")"
grep -q 'eth0 .*inet 198\.18\.4\.' "$work/inside" ||
	fail "no eth0 in the container: $(cat "$work/inside")"
grep -q 'eth0-1 .*inet 198\.18\.4\.' "$work/inside" ||
	fail "no eth0-1 in the container: $(cat "$work/inside")"

echo "in the container:"; cat "$work/inside"
# the container is gone: every VF is back, reset, and unrecorded
"$bin/kube-rdma-ctl" inventory --config "$conf" --json |
	jq -e '.pfs[0].vfs_free == 4 and .pfs[0].reserved_mbps == 0 and
		([.pfs[0].vfs[].netdev] | sort == ["pm0v0","pm0v1","pm0v2","pm0v3"])' \
	>/dev/null || fail "VFs not returned: $("$bin/kube-rdma-ctl" inventory --config "$conf")"
[ -z "$(ls "$work/state-podman-node/attachments" 2>/dev/null)" ] ||
	fail "an allocation record was left"
echo PASS
