#!/bin/sh
# A vendor's backend built against the installed tree alone: install this
# build into a scratch root, take the skeleton out of docs/backends.md,
# compile it with the installed pkg-config file and the project's warnings
# as errors, and run check-config and an inventory on it.  Also: a backend
# without a required operation is refused by check-config, naming it.
set -eu
bin=${KR_TEST_BIN_DIR:?run through ctest}
src=${KR_TEST_SOURCE_DIR:?run through ctest}
build=$(dirname "$bin")
work=$(mktemp -d /tmp/kr-test-sdk-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

DESTDIR=$work/root cmake --install "$build" >"$work/install.log" 2>&1 ||
	fail "cmake --install: $(tail -5 "$work/install.log")"
prefix=$(sed -n 's/^prefix=//p' "$build/core/kube-rdma-backend.pc")
pc="pkg-config --define-variable=prefix=$work/root$prefix"
export PKG_CONFIG_PATH=$work/root$prefix/lib/pkgconfig:$work/root$prefix/lib/x86_64-linux-gnu/pkgconfig
$pc --exists kube-rdma-backend || fail "no kube-rdma-backend.pc installed"
[ -f "$($pc --variable=versionscript kube-rdma-backend)" ] ||
	fail "the version script is not installed"
[ -f "$work/root$prefix/share/doc/kube-rdma/backends.md" ] ||
	fail "docs/backends.md is not installed"

# the guide's skeleton, as a reader would copy it
awk '/<!-- backend skeleton: acme.c -->/ { on = 1; next }
	on && /^```c$/ { inside = 1; next }
	inside && /^```$/ { exit }
	inside { print }' "$src/docs/backends.md" >"$work/acme.c"
[ -s "$work/acme.c" ] || fail "no skeleton in docs/backends.md"
mkdir "$work/backends"
# the project's warnings (CMakeLists.txt), as errors
warnings="-Wall -Wextra -Wshadow -Wformat=2 -Wformat-nonliteral
	-Wmissing-prototypes -Wmissing-declarations -Wstrict-prototypes
	-Wold-style-definition -Wwrite-strings -Wredundant-decls
	-Wnested-externs -Wnull-dereference -Wvla -Wimplicit-fallthrough
	-Wno-unused-parameter -Werror"
for cc in gcc clang; do
	command -v $cc >/dev/null || continue
	# shellcheck disable=SC2086
	$cc -std=c11 -O2 $warnings -o "$work/backends/acme.so" "$work/acme.c" \
		$($pc --cflags --libs kube-rdma-backend) 2>"$work/cc.log" ||
		fail "$cc: the skeleton does not build: $(cat "$work/cc.log")"
done
exported=$(nm -D --defined-only "$work/backends/acme.so" | awk '{ print $3 }' |
	grep -v '^_' || true)
[ "$exported" = kr_backend_entry_v1 ] || fail "acme.so exports: $exported"

cat >"$work/node.conf" <<CONF
[node]
name = sdk-node
backend_dir = $work/backends
state_dir = $work/state
[pf "acme0"]
backend = acme
num_vfs = 0
CONF
"$bin/kube-rdma-ctl" check-config "$work/node.conf" >"$work/check.out" 2>&1 ||
	fail "check-config: $(cat "$work/check.out")"
"$bin/kube-rdma-ctl" inventory --config "$work/node.conf" --json \
	>"$work/inv.json" 2>"$work/inv.err" ||
	fail "inventory: $(cat "$work/inv.json" "$work/inv.err")"
jq -e '.pfs | length == 1 and .[0].name == "acme0" and
	.[0].backend == "acme" and .[0].link_speed_mbps == 25000' \
	"$work/inv.json" >/dev/null || fail "inventory: $(cat "$work/inv.json")"

# without a required operation the loader refuses it, naming the operation
sed 's/^	\.vf_list = acme_vf_list,$//; s/^static int acme_vf_list(/static __attribute__((unused)) int acme_vf_list(/' \
	"$work/acme.c" >"$work/acme-broken.c"
# shellcheck disable=SC2086
cc -std=c11 $warnings -o "$work/backends/acme.so" "$work/acme-broken.c" \
	$($pc --cflags --libs kube-rdma-backend) ||
	fail "the broken skeleton does not build"
if "$bin/kube-rdma-ctl" check-config "$work/node.conf" >"$work/check.out" 2>&1; then
	fail "check-config accepted a backend without vf_list"
fi
grep -q "required operation vf_list is missing" "$work/check.out" ||
	fail "check-config: $(cat "$work/check.out")"
echo PASS
