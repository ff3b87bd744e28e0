#!/bin/sh
# The kube-rdma image, built from this tree (scripts/build-image.sh) into
# podman storage of the test's own:
#  - its CNI plugin is static, and alone in an empty root it answers
#    VERSION, and ADD with "agent not answering" (code 11);
#  - its installer copies that plugin, and nothing else, into a directory
#    standing in for the node's /opt/cni/bin;
#  - its node agent (kube-rdma-daemon init, then serve, in containers in a
#    "node" network namespace, mounted and confined as docs/deploy.md says)
#    serves that plugin run on the host from a root holding only itself
#    and the agent's socket (at its default path): ADD of a pod namespace made
#    after the agent started, 3 interfaces with host-local addresses, CHECK,
#    DEL; then every mock VF is back on the node; with the agent stopped,
#    ADD fails with code 11.
# The build needs the network, so it runs first, in the host's network
# namespace (and a mount namespace of its own); then the script runs again
# in private namespaces (../integration/lib.sh) for the rest.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${KR_TEST_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
image=kube-rdma:0.1.0
# runc: crun fails on this host's hybrid cgroups.  The ulimits: runc
# cannot give a container podman's default nofile limit (above this host's
# hard limit).
run_opts="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

if [ -z "${KR_IMAGE_STORE:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root for podman and network namespaces"
		exit 0
	fi
	for tool in podman runc jq curl chroot; do
		command -v $tool >/dev/null ||
			{ echo "FAIL: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
	done
	store=$(mktemp -d /tmp/kr-image-XXXXXX)
	trap 'rm -rf --one-file-system "$store"' EXIT
	trap 'exit 143' HUP INT TERM
	export KR_IMAGE_STORE="$store"
	mkdir "$store/net.d"
	export KR_PODMAN="podman --root $store/root --runroot $store/run \
--tmpdir $store/tmp --network-config-dir $store/net.d --runtime runc \
--cgroup-manager cgroupfs"
	start=$(date +%s)
	unshare --mount --propagation private \
		"$src/scripts/build-image.sh" "$image" >"$store/build.log" 2>&1 || {
		tail -n 40 "$store/build.log" >&2
		echo "FAIL: scripts/build-image.sh" >&2
		exit 1
	}
	echo "image built in $(($(date +%s) - start)) s"
	# not exec: the trap above removes the storage afterwards; a signal
	# goes on to the second run, whose cleanup this one waits for
	"$0" "$@" &
	child=$!
	trap 'kill $child 2>/dev/null || true' HUP INT TERM
	rc=0
	wait $child || rc=$?
	while kill -0 $child 2>/dev/null; do
		wait $child || rc=$?
	done
	exit $rc
fi

. "$here/../integration/lib.sh"
podman=$KR_PODMAN
# the containers' and conmon's cgroups, under a parent of this test's own
cgparent=$(basename "$KR_IMAGE_STORE")
run_opts="$run_opts --cgroup-parent=/$cgparent"
image_cleanup() {
	$podman rm -f -a -t 0 >/dev/null 2>&1 || true
	# should podman itself be broken: no conmon may outlive the test
	for f in "$KR_IMAGE_STORE"/run/overlay-containers/*/userdata/conmon.pid; do
		[ -r "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
	for d in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	cleanup
}
trap image_cleanup EXIT
trap 'exit 143' HUP INT TERM

# The plugin in the image is static.
# shellcheck disable=SC2086
out=$($podman run --rm --network none $run_opts "$image" \
	ldd /opt/cni/bin/kube-rdma 2>&1) || true
case $out in
*"not a dynamic executable"* | *"statically linked"*) ;;
*) fail "/opt/cni/bin/kube-rdma in the image is dynamic: $out" ;;
esac

# Copied out into a root that holds nothing else, it answers alone.
bare=$work/bare
mkdir "$bare"
$podman create --name kr-plugin --network none "$image" true >/dev/null
$podman cp kr-plugin:/opt/cni/bin/kube-rdma "$bare/kube-rdma"
$podman rm kr-plugin >/dev/null
if command -v readelf >/dev/null; then
	! readelf -lW "$bare/kube-rdma" | grep -q INTERP ||
		fail "the plugin has an ELF interpreter"
	! readelf -dW "$bare/kube-rdma" | grep -q NEEDED ||
		fail "the plugin needs shared libraries"
fi
[ "$(ls -A "$bare")" = kube-rdma ] || fail "the bare root holds more than the plugin"
chroot=$(command -v chroot)
echo '{"cniVersion": "1.0.0", "name": "rdma", "type": "kube-rdma"}' |
	env -i CNI_COMMAND=VERSION "$chroot" "$bare" /kube-rdma >"$work/version.json" ||
	fail "VERSION in an empty root: $(cat "$work/version.json")"
jq -e '(.cniVersion | type == "string") and
	.supportedVersions == ["0.4.0", "1.0.0", "1.1.0"]' "$work/version.json" \
	>/dev/null || fail "VERSION answered $(cat "$work/version.json")"
# no agent socket in there: "try again later"
rc=0
echo '{"cniVersion": "1.0.0", "name": "rdma", "type": "kube-rdma"}' |
	env -i CNI_COMMAND=ADD CNI_CONTAINERID=kr-bare CNI_NETNS=/nonexistent \
		CNI_IFNAME=eth0 CNI_PATH=/ "$chroot" "$bare" /kube-rdma \
	>"$work/bare-add.json" 2>"$work/bare-add.err" || rc=$?
[ "$rc" -ne 0 ] && jq -e '.code == 11' "$work/bare-add.json" >/dev/null ||
	fail "ADD without an agent: exit $rc, $(cat "$work/bare-add.json")"
echo "static plugin: ok ($(cat "$work/version.json"))"

# The installer, confined as cni-install.yaml confines it, puts that plugin
# and nothing else into the node's CNI directory.
mkdir "$work/host-bin"
# shellcheck disable=SC2086
$podman run -d --name kr-install --network none $run_opts --read-only \
	--cap-drop all --security-opt no-new-privileges \
	-v "$work/host-bin:/host/opt/cni/bin" "$image" kube-rdma-install-cni >/dev/null
i=0
until $podman logs kr-install 2>&1 | grep -q installed; do
	i=$((i + 1))
	[ $i -lt 50 ] && [ "$($podman inspect -f '{{.State.Running}}' kr-install)" = true ] ||
		fail "kube-rdma-install-cni: $($podman logs kr-install 2>&1)"
	sleep 0.2
done
[ "$(ls -A "$work/host-bin")" = kube-rdma ] &&
	[ "$(stat -c %a "$work/host-bin/kube-rdma")" = 755 ] &&
	cmp -s "$work/host-bin/kube-rdma" "$bare/kube-rdma" ||
	fail "the installer left: $(ls -lA "$work/host-bin")"
$podman rm -f -t 0 kr-install >/dev/null

# The node agent in a container, as the DaemonSet runs it: host network
# (here the "node" namespace), init privileged, serve with only NET_ADMIN
# and SYS_ADMIN, the netns directory with host-to-container propagation,
# the CNI plugins read-only at the same path, state, socket and
# host-local's data in $work at the same path.
ip netns add node
ip -n node link set lo up
mount --make-shared /run/netns
mkdir "$work/state" "$work/ipam"
port=54005
cat >"$work/node.conf" <<CONF
[node]
name = image-node
backend_dir = /usr/lib/x86_64-linux-gnu/kube-rdma/backends-abi1
state_dir = $work/state
; no RDMA device, so no CDI spec
dev_root = $work
[daemon]
listen = 127.0.0.1:$port
; in the bare root, where the plugin runs: at its default path there
agent_socket = $bare/run/kube-rdma/cni.sock
[pf "im0"]
backend = mock
num_vfs = 4
CONF
agent_opts="--network ns:/run/netns/node $run_opts
	-v $work:$work -v /run/netns:/run/netns:rslave
	-v /usr/lib/cni:/usr/lib/cni:ro"
# shellcheck disable=SC2086
$podman run --rm --privileged $agent_opts "$image" \
	kube-rdma-daemon init --config "$work/node.conf" >"$work/init.log" 2>&1 ||
	fail "kube-rdma-daemon init: $(cat "$work/init.log")"
# shellcheck disable=SC2086
$podman run -d --name kr-agent \
	--cap-drop all --cap-add NET_ADMIN --cap-add SYS_ADMIN $agent_opts \
	"$image" kube-rdma-daemon serve --config "$work/node.conf" >/dev/null
agent_log() {
	$podman logs kr-agent 2>&1 | tail -n 20
}
inventory() {
	ip netns exec node curl -fsS "http://127.0.0.1:$port/v1/inventory"
}
inventory_shows() {	# JQ_FILTER: within 5 s (the inventory refreshes each second)
	n=0
	until inventory | jq -e "$1" >/dev/null; do
		n=$((n + 1))
		[ $n -lt 25 ] || return 1
		sleep 0.2
	done
}
i=0
until [ -S "$bare/run/kube-rdma/cni.sock" ] && inventory >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] && [ "$($podman inspect -f '{{.State.Running}}' kr-agent)" = true ] ||
		fail "the agent did not come up: $(agent_log)"
	sleep 0.2
done
case $(stat -c %a "$bare/run/kube-rdma/cni.sock") in
?00) ;;
*) fail "agent socket mode $(stat -c %a "$bare/run/kube-rdma/cni.sock"): others may connect" ;;
esac

# A pod's namespace, named as containerd names them, made after the agent
# started, and given by its /var/run path, as containerd gives it.
pod=cni-4b5e6c1e-1f0a-4c39-9d1c-6a2f0e8b7d13
ip netns add $pod
netns=/var/run/netns/$pod
netconf=$(jq -nc --arg ipam "$work/ipam" '
	{cniVersion: "1.0.0", name: "rdma", type: "kube-rdma",
	 ipam: {type: "host-local", dataDir: $ipam,
	        ranges: [[{subnet: "198.18.8.0/24"}]]},
	 interfaces: [{min_tx_rate: 1000, max_tx_rate: 5000},
	              {min_tx_rate: 2000}, {}]}')
cni() {	# COMMAND [NETCONF]: the plugin, from the bare root, as kubelet runs it
	printf '%s' "${2:-$netconf}" | env -i \
		CNI_COMMAND="$1" CNI_CONTAINERID=kr-image-pod CNI_NETNS="$netns" \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$chroot" "$bare" /kube-rdma
}

cni ADD >"$work/add.json" || fail "ADD: $(cat "$work/add.json") $(agent_log)"
jq -e --arg ns "$netns" '[.interfaces[] | select(.sandbox == $ns) | .name] ==
	["eth0", "eth0-1", "eth0-2"] and (.ips | length) == 3' "$work/add.json" \
	>/dev/null || fail "ADD answered $(cat "$work/add.json")"
ip -n $pod -4 -o addr show >"$work/pod-addrs"
for ifname in eth0 eth0-1 eth0-2; do
	grep -q "^[0-9]*: $ifname *inet 198\.18\.8\." "$work/pod-addrs" ||
		fail "no $ifname with an address in the pod: $(cat "$work/pod-addrs")"
done
inventory_shows '.pfs[0] | .vfs_free == 1 and .reserved_mbps == 3000 and
	([.vfs[] | select(.allocated) | [.min_tx_rate, .max_tx_rate]] | sort ==
	 [[0, 0], [1000, 5000], [2000, 0]])' ||
	fail "inventory after ADD: $(inventory)"
echo "in the pod:"; cat "$work/pod-addrs"

checkconf=$(printf '%s' "$netconf" |
	jq -c --slurpfile prev "$work/add.json" '. + {prevResult: $prev[0]}')
cni CHECK "$checkconf" >"$work/check.json" ||
	fail "CHECK: $(cat "$work/check.json") $(agent_log)"

cni DEL >"$work/del.json" || fail "DEL: $(cat "$work/del.json") $(agent_log)"
! ip -n $pod -o link show | grep -qv ': lo:' ||
	fail "links left in the pod: $(ip -n $pod -o link show)"
[ "$(ip -n node -o link show | sed -n 's/^[0-9]*: \(im0v[0-9]*\)[@:].*/\1/p' | sort | tr '\n' ' ')" = \
	"im0v0 im0v1 im0v2 im0v3 " ] ||
	fail "the VFs are not all back on the node: $(ip -n node -o link show)"
inventory_shows '.pfs[0] | .vfs_free == 4 and .reserved_mbps == 0 and
	all(.vfs[]; .allocated == false and .min_tx_rate == 0 and
	.max_tx_rate == 0)' || fail "inventory after DEL: $(inventory)"
[ -d "$work/ipam/rdma" ] || fail "host-local did not use its dataDir"
for f in "$work/ipam/rdma"/*; do
	case ${f##*/} in
	last_reserved_ip.* | lock) ;;
	*) fail "host-local kept ${f##*/}" ;;
	esac
done

# The agent stopped: "try again later".
$podman stop -t 5 kr-agent >/dev/null
rc=0
cni ADD >"$work/add2.json" 2>"$work/add2.err" || rc=$?
[ "$rc" -ne 0 ] && jq -e '.code == 11' "$work/add2.json" >/dev/null ||
	fail "ADD with the agent stopped: exit $rc, $(cat "$work/add2.json")"
echo PASS
