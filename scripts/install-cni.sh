#!/bin/sh
# kube-rdma-install-cni: run in the kube-rdma-cni-install DaemonSet.
# Copies the CNI plugin into the node's CNI bin directory (mounted at
# /host/opt/cni/bin), then sleeps so that the DaemonSet's pod stays up.
# The plugin is static, so it runs on any node, and it only forwards each
# request to the node agent (kube-rdma-daemon serve) over
# /run/kube-rdma/cni.sock: nothing else goes onto the node.  The network
# configuration is the NetworkAttachmentDefinition's.  Idempotent; the
# copy is atomic, so a runtime never runs half a plugin.
set -eu
dir=${KR_HOST_ROOT:-/host}/opt/cni/bin
tmp=$dir/.kube-rdma.tmp.$$
trap 'rm -f "$tmp"' EXIT

cp /opt/cni/bin/kube-rdma "$tmp"
chmod 0755 "$tmp"
mv "$tmp" "$dir/kube-rdma"
echo "kube-rdma CNI plugin installed in /opt/cni/bin"
trap - EXIT
exec sleep infinity
