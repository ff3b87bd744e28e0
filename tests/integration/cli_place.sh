#!/bin/sh
# kube-rdma-ctl place: output shapes, exit statuses and messages, on the
# inventory fixtures (no privileges needed).
set -eu
ctl=${KR_TEST_BIN_DIR:?run through ctest}/kube-rdma-ctl
inv=${KR_TEST_SOURCE_DIR:?}/tests/fixtures/inventory/paper-worker.json
out=$(mktemp /tmp/kr-test-place-XXXXXX)
trap 'rm -f "$out" "$out.err"' EXIT

fail() {
	echo "FAIL: $*" >&2
	cat "$out" "$out.err" >&2
	exit 1
}
# place STATUS ARGS...: run kube-rdma-ctl place, check the status.
place() {
	want=$1
	shift
	set +e
	"$ctl" place "$@" >"$out" 2>"$out.err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "place $* exited $got, expected $want"
}
has() {
	grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# The paper's example: two 100G interfaces on two 100G PFs; ens1f0 has
# 15000 reserved, so only one goes there... and 100000 does not.
place 1 --inventory "$inv" --request \
	'[{"min_tx_rate": 100000}, {"min_tx_rate": 100000}]'
has "$out" '{"fits":false,"reason":"needs 200000 Mb/s reserved; the node has 185000 Mb/s unreserved (best PF ens1f1 has 100000)"}'

place 0 --inventory "$inv" --request \
	'[{"min_tx_rate": 100000}, {"min_tx_rate": 85000}]'
has "$out" '{"fits":true,"score":'
has "$out" '"policy":"binpack","assignment":[{"interface":0,"pf":"ens1f1"},{"interface":1,"pf":"ens1f0"}]}'

# binpack fills the reserved PF, spread the empty one
place 0 --inventory "$inv" --request '[{"min_tx_rate": 1000}]'
has "$out" '"assignment":[{"interface":0,"pf":"ens1f0"}]'
place 0 --inventory "$inv" --request '[{"min_tx_rate": 1000}]' --policy spread
has "$out" '"policy":"spread","assignment":[{"interface":0,"pf":"ens1f1"}]'

# pins and the empty request
place 0 --inventory "$inv" --request '[{"pf": "ens1f1"}, {}]'
has "$out" '{"interface":0,"pf":"ens1f1"}'
place 0 --inventory "$inv" --request '[]'
has "$out" '"assignment":[]'
place 1 --inventory "$inv" --request '[{"pf": "ens9"}]'
has "$out" 'pinned to PF ens9, which node worker-1 does not have'

# a full node with one packing among many tries: the default budget finds
# it; a budget of 2 steps is undecided (status 3), which is never "does
# not fit", and the warning gives a command that reproduces the instance
tight='[{"min_tx_rate":31000},{"min_tx_rate":29000},{"min_tx_rate":27000},
{"min_tx_rate":23000},{"min_tx_rate":19000},{"min_tx_rate":17000},
{"min_tx_rate":13000},{"min_tx_rate":11000},{"min_tx_rate":9000},
{"min_tx_rate":6000}]'
place 0 --inventory "$inv" --request "$tight"
has "$out" '{"fits":true,'
place 3 --inventory "$inv" --budget 2 --request "$tight"
has "$out" '{"fits":false,"undecided":true,"reason":"undecided: needs 10 VFs with 185000 Mb/s reserved;'
has "$out" 'not placed here, though the node may have room'
has "$out.err" 'placement undecided after'
repro=$(sed -n 's/.*reproduce with: //p' "$out.err")
[ -n "$repro" ] || fail "no reproducing command"
dir=$(mktemp -d /tmp/kr-test-place-XXXXXX)
# the repro runs kube-rdma-ctl from PATH, in the directory it writes to
set +e
(cd "$dir" && PATH=$(dirname "$ctl"):$PATH && eval "$repro") >"$out" 2>"$out.err"
got=$?
set -e
rm -rf "$dir"
[ "$got" -eq 0 ] || fail "the reproducing command exited $got"
has "$out" '{"fits":true,'

# bad input: status 2, message naming the problem
place 2 --inventory "$inv" --request '[{"min_tx_rate": -1}]'
has "$out.err" '--request: [0].min_tx_rate: -1 is negative'
place 2 --inventory "$inv" --request '[{"max-tx-rate": 1}]'
has "$out.err" 'unknown key "max-tx-rate"'
place 2 --inventory "$inv" --request '[]' --policy fastest
has "$out.err" '--policy fastest: expected binpack or spread'
place 2 --inventory "$inv" --request '[]' --budget 0
has "$out.err" '--budget 0: expected a number of search steps'
place 2 --inventory /nonexistent.json --request '[]'
has "$out.err" '/nonexistent.json'
place 2 --request '[]'
has "$out.err" 'place needs --request JSON and one of'
place 2 --inventory "$inv" --config /x --request '[]'
bad=${KR_TEST_SOURCE_DIR}/tests/fixtures/inventory/unknown-key.json
place 2 --inventory "$bad" --request '[]'
has "$out.err" 'unknown-key.json: inventory: '
echo PASS
