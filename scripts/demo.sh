#!/bin/sh
# kube-rdma's main job, with no cluster and no RDMA hardware: install the
# dependencies, build, and run the simulated cluster
# (scripts/simulate-cluster.sh): two workers with two 100 Gb/s mock PFs
# each, their daemons, the scheduler extender and the CNI plugin placing
# and starting the pods of etc/examples/pods/, then the data path proven
# and everything cleaned up.  Writes kube-rdma-simulation.json.
#
# Runs in private network and mount namespaces: the host's links are not
# touched and nothing is left behind.  Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" >/dev/null
dir=$("$top/scripts/build.sh" | tail -n 1)
exec "$top/scripts/simulate-cluster.sh" "$dir" "$PWD/kube-rdma-simulation.json"
