# Shared by the shell tests.  Sourcing it re-runs the test in private
# network and mount namespaces, so every netdev, network namespace and
# mount it makes vanishes with it, even when it fails; `cleanup` kills
# what it started and removes its temp dir.
set -eu

if [ -z "${KR_TEST_PRIVATE:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root for network namespaces"
		exit 0
	fi
	export KR_TEST_PRIVATE=1
	exec unshare --net --mount --propagation private "$0" "$@"
fi

# KR_TEST_KEEP=1 keeps the work directory, to look at after a failure
work=$(mktemp -d /tmp/kr-test-XXXXXX)
pids=""
cleanup() {
	status=$?
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	# the sanitizer build: what the node agent found, to its last breath
	if grep -q "Sanitizer" "$work/agent.log" 2>/dev/null; then
		echo "FAIL: the node agent:" >&2
		grep -A30 "Sanitizer" "$work/agent.log" >&2
		status=1
	fi
	[ -n "${KR_TEST_KEEP:-}" ] || rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
ip link set lo up
# `ip netns add` mounts under /run/netns: keep those mounts private.
mkdir -p /run/netns
mount -t tmpfs kr-test-netns /run/netns

bin=${KR_TEST_BIN_DIR:?run through ctest}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# write_config FILE NODE PF_SECTIONS...
write_config() {
	file=$1 node=$2
	shift 2
	{
		# dev_root: no RDMA device, so no CDI spec leaves the test
		printf '[node]\nname = %s\nbackend_dir = %s\nstate_dir = %s/state-%s\ndev_root = %s\n' \
			"$node" "$KR_TEST_BACKEND_DIR" "$work" "$node" "$work"
		printf '%s\n' "$@"
	} >"$file"
}

# start_agent CONF SOCKET: run kube-rdma-daemon serve, the node agent, in
# the background (its log in $work/agent.log; $agent_pid) and wait for its
# CNI socket.  The test's cleanup stops it.
start_agent() {
	rm -f "$2"	# left by a killed agent; the new one binds when ready
	"$bin/kube-rdma-daemon" serve --config "$1" 2>>"$work/agent.log" &
	agent_pid=$!
	pids="$pids $agent_pid"
	for _ in $(seq 200); do
		[ -S "$2" ] && return 0
		kill -0 "$agent_pid" 2>/dev/null ||
			fail "the agent died: $(tail -5 "$work/agent.log")"
		sleep 0.05
	done
	fail "the agent did not open $2: $(tail -5 "$work/agent.log")"
}

# start_apiserver DIR: the API-server stand-in, serving DIR's objects on
# 127.0.0.1:16443, and $work/kubeconfig to reach it.
start_apiserver() {
	"$KR_TEST_APISERVER" 16443 t0ken "$1" &
	pids="$pids $!"
	cat >"$work/kubeconfig" <<KUBE
apiVersion: v1
current-context: t
clusters: [{name: c, cluster: {server: "http://127.0.0.1:16443"}}]
contexts: [{name: t, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: t0ken}}]
KUBE
}

# drop_syns NET: packets to NET vanish, as they do to hosts that are down:
# they go to a gateway whose MAC nobody has, over a veth whose peer sits
# in a network namespace with no address.
drop_syns() {
	ip netns add sink
	ip link add krdead type veth peer name krsink netns sink
	ip addr add 198.18.254.1/30 dev krdead
	ip link set krdead up
	ip -n sink link set krsink up
	ip neigh add 198.18.254.2 lladdr 02:00:5e:00:00:fe dev krdead \
		nud permanent
	ip route add "$1" via 198.18.254.2 dev krdead
}

# stop_agent [SIGNAL]: stop the agent start_agent started, and wait for it.
stop_agent() {
	kill "-${1:-TERM}" "$agent_pid" 2>/dev/null || true
	wait "$agent_pid" 2>/dev/null || true
}

# cni_pod COMMAND POD [NETCONF]: the plugin as a runtime runs it, for pod
# POD (its container ID, and its namespace /run/netns/POD), interface eth0,
# with NETCONF (default $work/net.json); stdout in $work/POD.out, stderr
# appended to $work/POD.err, 0 or 1 in $work/POD.rc.
cni_pod() {
	if env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/$2" \
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$bin/kube-rdma" \
		<"${3:-$work/net.json}" >"$work/$2.out" 2>>"$work/$2.err"; then
		echo 0 >"$work/$2.rc"
	else
		echo 1 >"$work/$2.rc"
	fi
}
