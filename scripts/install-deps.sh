#!/bin/sh
# Installs what kube-rdma needs to build, test and run on Debian 12.
# Run as root. Safe to run again: apt-get skips what is already there.
set -eu

packages="
	build-essential clang cmake pkg-config git
	libinih-dev libjansson-dev libnl-3-dev libnl-route-3-dev
	libmicrohttpd-dev libcurl4-openssl-dev libpci-dev pci.ids libibverbs-dev
	libcmocka-dev libyaml-dev libssl-dev
	iproute2 iputils-ping iperf3 procps curl jq containernetworking-plugins
	podman runc busybox-static python3-yaml debootstrap
"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (it calls apt-get)" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $packages
