#!/bin/sh
# Configure and build kube-rdma.
#   scripts/build.sh            -> build/       (release with debug info)
#   scripts/build.sh --sanitize -> build-asan/  (ASan + UBSan, debug)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build
# the fake kernels in the programs: the integration tests need them
opts="-DKR_WERROR=ON -DKR_TEST_FAKES=ON"
if [ "${1:-}" = "--sanitize" ]; then
	dir=$top/build-asan
	opts="$opts -DKR_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"
fi
# shellcheck disable=SC2086
cmake -S "$top" -B "$dir" $opts >/dev/null
cmake --build "$dir" -j "$(nproc)"
echo "$dir"
