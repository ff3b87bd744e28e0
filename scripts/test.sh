#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this script):
# install the dependencies, then build and run every test twice, once
# plain and once under AddressSanitizer + UndefinedBehaviorSanitizer.
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
echo "All tests passed."
