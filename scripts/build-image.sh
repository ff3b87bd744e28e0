#!/bin/sh
# Builds the kube-rdma image from Containerfile with podman:
#   scripts/build-image.sh [TAG]              (default kube-rdma:0.1.0)
# KR_PODMAN is the podman command with its global options, e.g.
#   KR_PODMAN="podman --root DIR/root --runroot DIR/run" for private storage.
# Without a registry, the base images docker.io/library/debian:12 and
# debian:12-slim are made here when podman lacks them: a minbase
# debootstrap of bookworm from the Debian mirror apt uses on this machine
# (or KR_DEBIAN_MIRROR), imported into podman.  Needs root for that.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
podman=${KR_PODMAN:-podman}
tag=${1:-kube-rdma:0.1.0}
base=docker.io/library/debian:12
slim=docker.io/library/debian:12-slim

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/kr-image-XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
trap 'exit 143' HUP INT TERM

# apt's sources, one "URI SUITE" line per suite, from both formats:
# one-line (sources.list, *.list) and deb822 (*.sources).
apt_sources() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && enabled != "no")
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						print u[i], s[j]
			types = ""; enabled = ""; nu = 0; ns = 0
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{
			key = tolower($1); sub(/:$/, "", key); $1 = ""
			sub(/^ +/, "")
			if (key == "types") types = $0
			else if (key == "enabled") enabled = tolower($0)
			else if (key == "uris") nu = split($0, u, " ")
			else if (key == "suites") ns = split($0, s, " ")
		}
		END { flush() }' "$f"
	done
}

# mirror_for SUITE: the first URI apt uses for SUITE
mirror_for() {
	apt_sources | awk -v suite="$1" '$2 == suite { print $1; exit }'
}

make_base() {
	mirror=${KR_DEBIAN_MIRROR:-$(mirror_for bookworm)}
	[ -n "$mirror" ] || {
		echo "build-image.sh: no bookworm mirror in /etc/apt; set KR_DEBIAN_MIRROR" >&2
		exit 1
	}
	if ! command -v debootstrap >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends debootstrap >/dev/null
	fi
	echo "build-image.sh: debootstrap bookworm from $mirror" >&2
	# debootstrap mounts /proc and /sys in the tree: keep those mounts in
	# a namespace of their own, so a failure leaves none behind
	unshare --mount --propagation private \
		debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" \
		>"$tmp/debootstrap.log" 2>&1 || {
		tail -n 20 "$tmp/debootstrap.log" >&2
		exit 1
	}
	# the sources an official image has: the release, its updates and
	# security, from the mirrors this machine uses
	rm -f "$tmp/root/etc/apt/sources.list"
	security=$(mirror_for bookworm-security)
	suites=bookworm
	[ -z "$(mirror_for bookworm-updates)" ] || suites="$suites bookworm-updates"
	{
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$mirror" "$suites"
		printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
		if [ -n "$security" ]; then
			printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\n' "$security"
			printf 'Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
		fi
	} >"$tmp/root/etc/apt/sources.list.d/debian.sources"
	# no package cache, and none of this machine's identity
	rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"* \
		"$tmp/root/etc/hostname" "$tmp/root/etc/resolv.conf"
	tar -C "$tmp/root" --numeric-owner -c . |
		$podman import --change 'CMD ["bash"]' - "$base" >/dev/null
}

if ! $podman image exists "$base"; then
	make_base
fi
$podman image exists "$slim" || $podman tag "$base" "$slim"

# The context without build trees and history: smaller, and a build tree's
# files never reach the image.
printf '%s\n' .git 'build' 'build-*' >"$tmp/ignore"
# --jobs 2: the runtime stage installs its packages while the build stage
# compiles.  The ulimits: runc cannot give the RUN steps podman's default
# nofile limit (above this host's hard limit).
$podman build --network=host --pull=never --jobs 2 \
	--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--ignorefile "$tmp/ignore" -t "$tag" -f "$top/Containerfile" "$top"
