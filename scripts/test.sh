#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this script):
# install the dependencies, then build and run every test twice, once
# plain and once under AddressSanitizer + UndefinedBehaviorSanitizer (the
# image test, which builds its own programs, only in the first); then the
# builds a packager makes, Release with gcc and with clang, warnings as
# errors.
# Run as root: the integration tests make network namespaces and links
# (each test in private namespaces of its own, so nothing is left behind).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/scripts/install-deps.sh"
for variant in "" --sanitize; do
	dir=$("$top/scripts/build.sh" $variant | tail -n 1)
	echo "== ctest in $dir"
	(cd "$dir" && ctest --output-on-failure --timeout 600)
done
for cc in gcc clang; do
	echo "== Release build with $cc"
	cmake -S "$top" -B "$top/build-release-$cc" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_C_COMPILER=$cc -DKR_WERROR=ON -DKR_BUILD_TESTS=OFF >/dev/null
	cmake --build "$top/build-release-$cc" -j "$(nproc)"
	# what a release installs holds no test code: no fake kernel, and no
	# environment variable that points a program at other hardware
	for f in "$top/build-release-$cc"/bin/kube-rdma* \
		"$top/build-release-$cc"/lib/kube-rdma/backends-abi1/*.so; do
		if nm "$f" 2>/dev/null | grep -E 'kr_(nl|rdma)_fake_|fake_kernels' ||
			grep -aqE 'KR_NETLINK_FAKE|KR_SYSFS_ROOT' "$f"; then
			echo "test code in the release build: $f" >&2
			exit 1
		fi
	done
done
echo "All tests passed."
