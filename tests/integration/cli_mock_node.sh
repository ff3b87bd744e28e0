#!/bin/sh
# The programs as a user runs them: daemon init and kube-rdma-ctl on a mock
# node, their output, messages and exit statuses.
. "$(dirname "$0")/lib.sh"

ctl=$bin/kube-rdma-ctl
daemon=$bin/kube-rdma-daemon

# expect STATUS COMMAND...: run, check the exit status, keep the output.
expect() {
	want=$1
	shift
	set +e
	"$@" >"$work/out" 2>"$work/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || {
		cat "$work/out" "$work/err" >&2
		fail "$* exited $got, expected $want"
	}
}
has() {
	grep -qF -- "$2" "$work/$1" || {
		cat "$work/$1" >&2
		fail "$1 lacks: $2"
	}
}

for prog in "$ctl" "$daemon"; do
	expect 0 "$prog" --help
	has out "Usage:"
	expect 0 "$prog" --version
	has out "backend ABI 1.2"
	expect 2 "$prog" --no-such-option
done
expect 2 "$ctl" frobnicate
has err 'unknown command "frobnicate"'

conf=$work/node.conf
write_config "$conf" worker-1 \
	'[pf "w1p0"]' 'backend = mock' 'num_vfs = 4' \
	'[pf "w1p1"]' 'backend = mock' 'num_vfs = 2' 'capacity_mbps = 40000'

expect 0 "$ctl" check-config "$conf"
has out "ok (node worker-1, 2 PFs)"

expect 0 "$daemon" init --config "$conf"
has out "w1p0: 4 VFs (changed, backend mock)"
has out "w1p1: 2 VFs (changed, backend mock)"
expect 0 "$daemon" init --config "$conf"
has out "w1p0: 4 VFs (unchanged, backend mock)"

expect 0 "$ctl" inventory --config "$conf"
has out "node worker-1"
has out "w1p1            mock"
has out "40G"
has out "w1p0v3"
expect 0 "$ctl" inventory --config "$conf" --json
has out '"node": "worker-1"'
has out '"vfs_total": 4'
has out '"capacity_mbps": 40000'

# A rate left on a VF no pod holds is reset by init; a different count
# goes through zero.
"$KR_TEST_VF" "$conf" w1p0 2 1000 2000
write_config "$work/fewer.conf" worker-1 \
	'[pf "w1p0"]' 'backend = mock' 'num_vfs = 3' \
	'[pf "w1p1"]' 'backend = mock' 'num_vfs = 2' 'capacity_mbps = 40000'
"$KR_TEST_VF" "$conf" w1p1 1 0 500
expect 0 "$daemon" init --config "$work/fewer.conf"
has out "w1p0: 3 VFs (changed, backend mock)"
has out "w1p1: 2 VFs (unchanged, backend mock, 1 unowned VF reset)"
expect 0 "$ctl" inventory --config "$work/fewer.conf" --json
has out '"vfs_total": 3'
grep -q '"max_tx_rate": 500' "$work/out" && fail "rate not reset"

# One broken PF: the others still work, the status says so.
write_config "$work/partial.conf" worker-1 \
	'[pf "w1p0"]' 'backend = mock' 'num_vfs = 4' \
	'[pf "w1p1"]' 'backend = mock' 'num_vfs = 200'
expect 1 "$daemon" init --config "$work/partial.conf"
has out "w1p0: 4 VFs (changed"
has out "w1p1: FAILED (PF w1p1: num_vfs 200 is above the 128 VFs the PF supports)"
expect 2 "$ctl" inventory --config "$work/partial.conf" --no-such

# Bad configurations: file and line in the message, status 2.
write_config "$work/bad.conf" worker-1 '[pf "w1p0"]' 'backend = mock' \
	'num_vfs = 4' 'totl_vfs = 8'
expect 2 "$ctl" check-config "$work/bad.conf"
has err "bad.conf:9: [pf \"w1p0\"]: unknown key \"totl_vfs\" (backend mock)"
write_config "$work/bad2.conf" worker-1 '[pf "w1p0"]' 'backend = nosuch' \
	'num_vfs = 4'
expect 2 "$ctl" check-config "$work/bad2.conf"
has err "bad2.conf:6: [pf \"w1p0\"]: backend \"nosuch\": no such file"
# the backend's own values: check-config refuses what init would, with
# the option's line (one validator, the backend's pf_check_options)
for opt in 'total_vfs = 0' 'total_vfs = 5000' 'pci = 0000:af:00' \
	'pci = 0000:af:40.0' 'fail = vf_set_rate' 'fail = vf_set_rate:ENOPE' \
	'fail = no_such_op:EIO' 'link_speed_mbps = fast' 'min_rate = maybe'; do
	write_config "$work/bad3.conf" worker-1 '[pf "w1p0"]' 'backend = mock' \
		'num_vfs = 4' "$opt"
	expect 2 "$ctl" check-config "$work/bad3.conf"
	has err "bad3.conf:9: PF w1p0: ${opt%% = *} = \"${opt#* = }\": expected"
	expect 1 "$daemon" init --config "$work/bad3.conf"
	has out "${opt%% = *} = \"${opt#* = }\": expected"
done
write_config "$work/bad4.conf" worker-1 '[pf "w1p0abcdefgh"]' 'backend = mock' \
	'num_vfs = 4'
expect 2 "$ctl" check-config "$work/bad4.conf"
has err 'PF name "w1p0abcdefgh" too long for 128 mock VFs'
expect 2 "$daemon" init --config "$work/missing.conf"
has err "missing.conf: cannot open"
expect 2 "$ctl" inventory --config "$work/missing.conf"
echo PASS
