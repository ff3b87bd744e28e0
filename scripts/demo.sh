#!/bin/sh
# kube-rdma's main job on the mock backend, with no cluster and no RDMA
# hardware: install the dependencies, build, bring up a mock node (the
# paper's worker: two 100 Gb/s PFs) and print its inventory, as a table
# and as the JSON the node daemon serves.
#
# Runs in private network and mount namespaces: the host's links are not
# touched and nothing is left behind.  Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${KR_DEMO_PRIVATE:-}" ]; then
	"$top/scripts/install-deps.sh" >/dev/null
	dir=$("$top/scripts/build.sh" | tail -n 1)
	export KR_DEMO_PRIVATE=1 KR_DEMO_BUILD=$dir
	exec unshare --net --mount --propagation private "$0" "$@"
fi

bin=$KR_DEMO_BUILD/bin
work=$(mktemp -d /tmp/kube-rdma-demo-XXXXXX)
daemon_pid=
trap '[ -n "$daemon_pid" ] && kill "$daemon_pid"; wait; rm -rf "$work"' EXIT
ip link set lo up
sed "s#^state_dir = .*#state_dir = $work/state#" \
	"$top/etc/mock-node.conf" >"$work/kube-rdma.conf"

echo "== kube-rdma-ctl check-config"
"$bin/kube-rdma-ctl" check-config "$work/kube-rdma.conf"
echo
echo "== kube-rdma-daemon init (creates the VFs)"
"$bin/kube-rdma-daemon" init --config "$work/kube-rdma.conf"
echo
echo "== kube-rdma-ctl inventory"
"$bin/kube-rdma-ctl" inventory --config "$work/kube-rdma.conf"
echo
echo "== kube-rdma-ctl inventory --json (first PF)"
"$bin/kube-rdma-ctl" inventory --config "$work/kube-rdma.conf" --json |
	sed -n '1,/"vfs": \[/p'
echo "   ..."
echo
echo "== kube-rdma-daemon serve, read back over HTTP"
"$bin/kube-rdma-daemon" serve --config "$work/kube-rdma.conf" &
daemon_pid=$!
for _ in $(seq 50); do
	"$bin/kube-rdma-ctl" inventory --url http://127.0.0.1:54005 \
		>"$work/remote" 2>/dev/null && break
	sleep 0.1
done
head -n 5 "$work/remote"
echo "   ..."
echo "GET /healthz: $(curl -s http://127.0.0.1:54005/healthz)"
echo "GET /metrics (excerpt):"
curl -s http://127.0.0.1:54005/metrics | grep -E '^kube_rdma_pf_vfs_(total|free)'
echo
echo "== the netdevs behind it (PF = bridge, VF = veth pair)"
ip -br link show master w1p0 | head -n 3
ip -br link show type veth | grep '^w1p0v' | head -n 3
