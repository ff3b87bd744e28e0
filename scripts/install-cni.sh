#!/bin/sh
# kube-rdma-install-cni: run in the kube-rdma-cni-install DaemonSet.
# Puts the CNI plugin, the backends, the node configuration and a
# kubeconfig (from the pod's service account, for reading pod annotations)
# onto the node through the host paths mounted under /host, then sleeps so
# that the DaemonSet's pod stays up.  Idempotent; copies are atomic.
set -eu
host=${KR_HOST_ROOT:-/host}
sa=/var/run/secrets/kubernetes.io/serviceaccount
backends=/usr/lib/x86_64-linux-gnu/kube-rdma

install_file() {	# SOURCE DESTINATION MODE
	cp "$1" "$2.tmp.$$"
	chmod "$3" "$2.tmp.$$"
	mv "$2.tmp.$$" "$2"
}

install_file /opt/cni/bin/kube-rdma "$host/opt/cni/bin/kube-rdma" 0755
mkdir -p "$host$backends"
cp -r "$backends/." "$host$backends/"
install_file /etc/kube-rdma/kube-rdma.conf "$host/etc/kube-rdma/kube-rdma.conf" 0644
mkdir -p "$host/etc/cni/net.d/kube-rdma.d"
umask 077
cat >"$host/etc/cni/net.d/kube-rdma.d/kubeconfig.tmp.$$" <<KUBE
apiVersion: v1
kind: Config
current-context: kube-rdma
clusters:
- name: cluster
  cluster:
    server: https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}
    certificate-authority-data: $(base64 -w0 "$sa/ca.crt")
contexts:
- name: kube-rdma
  context: {cluster: cluster, user: kube-rdma-cni}
users:
- name: kube-rdma-cni
  user:
    token: $(cat "$sa/token")
KUBE
mv "$host/etc/cni/net.d/kube-rdma.d/kubeconfig.tmp.$$" \
	"$host/etc/cni/net.d/kube-rdma.d/kubeconfig"
echo "kube-rdma CNI plugin installed"
exec sleep infinity
