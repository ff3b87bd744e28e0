#!/bin/sh
# kill -9 of the node agent in the middle of ADDs and of DELs: the plugins
# in flight answer 11 (try again later) or finished; the restarted agent
# releases every attachment it was killed in before it serves (no record
# left "adding" or "releasing"); the runtime's DELs then give every VF
# back, and the books balance: every VF on the host under its own name,
# no rate, no record, no address left in IPAM.
. "$(dirname "$0")/lib.sh"

sock=$work/cni.sock
conf=$work/node.conf
write_config "$conf" crash-node '[daemon]' "agent_socket = $sock" \
	'[pf "cp0"]' 'backend = mock' 'num_vfs = 32' \
	'[pf "cp1"]' 'backend = mock' 'num_vfs = 32'
"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null
start_agent "$conf" "$sock"
pods="p0 p1 p2 p3"
for p in $pods; do ip netns add "$p"; done
ifaces=$(jq -nc '[range(8) | {min_tx_rate: 100, max_tx_rate: 200}]')
cat >"$work/net.json" <<EOF2
{"cniVersion": "1.0.0", "name": "rdma", "type": "kube-rdma",
 "agent_socket": "$sock",
 "ipam": {"type": "host-local", "dataDir": "$work/ipam",
          "ranges": [[{"subnet": "198.18.0.0/22"}]]},
 "interfaces": $ifaces}
EOF2

# in_flight COMMAND DELAY: COMMAND for every pod at once, kill -9 of the
# agent after DELAY seconds; every plugin finished or answered 11
in_flight() {
	running=""
	for p in $pods; do
		cni_pod "$1" "$p" &
		running="$running $!"
	done
	sleep "$2"
	kill -9 "$agent_pid"
	wait "$agent_pid" 2>/dev/null || true
	# shellcheck disable=SC2086
	wait $running
	for p in $pods; do
		[ "$(cat "$work/$p.rc")" = 0 ] ||
			jq -e '.code == 11' "$work/$p.out" >/dev/null ||
			fail "$1 $p during the kill: $(cat "$work/$p.out")"
	done
}
inventory() { "$bin/kube-rdma-ctl" inventory --config "$conf" --json; }
records() { ls "$work/state-crash-node/attachments" 2>/dev/null | grep -c '\.json$' || true; }
# after a restart: nothing half done, and each VF either free on the host
# (own name, no rate) or held by exactly one record with all its VFs in
# its pod
after_restart() {
	for f in "$work"/state-crash-node/attachments/*.json; do
		[ -e "$f" ] || continue
		state=$(jq -r '.state' "$f")
		[ "$state" = ready ] || fail "$1: $(basename "$f") is $state"
		p=$(jq -r .container_id "$f")
		for name in $(jq -r '.vfs[].pod_ifname' "$f"); do
			ip -n "$p" link show "$name" >/dev/null 2>&1 ||
				fail "$1: $p lacks $name of its record"
		done
	done
	inventory | jq -e '[.pfs[].vfs[] | select(.allocated | not) |
		select(.min_tx_rate > 0 or .max_tx_rate > 0 or
		       (.netdev | test("^cp[01]v[0-9]+$") | not))] | length == 0' \
		>/dev/null || fail "$1: a free VF is not reset: $(inventory)"
	n=$(inventory | jq '[.pfs[].vfs[] | select(.allocated)] | length')
	[ "$n" = "$(($(records) * 8))" ] ||
		fail "$1: $n VFs allocated for $(records) records"
}
# the runtime's DELs; then the books balance
balanced() {
	for p in $pods; do
		cni_pod DEL "$p"
		[ "$(cat "$work/$p.rc")" = 0 ] || fail "$1: DEL $p: $(cat "$work/$p.out")"
	done
	[ "$(records)" = 0 ] || fail "$1: records left: $(records)"
	inventory | jq -e '[.pfs[].vfs_free] | add == 64' >/dev/null ||
		fail "$1: VFs not free: $(inventory)"
	[ "$(ip -o link | grep -cE ' cp[01]v[0-9]+[:@]')" = 64 ] ||
		fail "$1: not every VF is on the host under its name"
	# the data plane as reset as the inventory says: no VF shaped
	[ -z "$(ip -o link | grep -E ' cp[01]q[0-9]+[:@]')" ] &&
		! tc qdisc show | grep -q ingress ||
		fail "$1: a VF is still shaped: $(tc qdisc show | grep -E 'ingress|htb')"
	for p in $pods; do
		[ -z "$(ip -n "$p" -o link | grep -v ' lo:')" ] ||
			fail "$1: $p kept a link"
	done
	[ -z "$(ls "$work/ipam/rdma" 2>/dev/null | grep '^198')" ] ||
		fail "$1: IPAM kept addresses: $(ls "$work/ipam/rdma")"
}

for delay in 0.1 0.3 0.6; do
	in_flight ADD $delay
	start_agent "$conf" "$sock"
	after_restart "ADD killed after ${delay}s"
	balanced "ADD killed after ${delay}s"
done
for delay in 0.05 0.2 0.4; do
	for p in $pods; do
		cni_pod ADD "$p"
		[ "$(cat "$work/$p.rc")" = 0 ] || fail "ADD $p: $(cat "$work/$p.out")"
	done
	in_flight DEL $delay
	start_agent "$conf" "$sock"
	after_restart "DEL killed after ${delay}s"
	balanced "DEL killed after ${delay}s"
done
# ---- init beside pods: it never takes their VFs ----
cni_pod ADD p0
[ "$(cat "$work/p0.rc")" = 0 ] || fail "ADD p0: $(cat "$work/p0.out")"
stop_agent
# a new VF count goes through 0 and would take p0's VFs: refused
sed 's/^num_vfs = 32$/num_vfs = 16/' "$conf" >"$work/fewer.conf"
if "$bin/kube-rdma-daemon" init --config "$work/fewer.conf" >"$work/init.out" 2>&1; then
	fail "init changed the VF count under a pod: $(cat "$work/init.out")"
fi
grep -q "would take away the VFs of 1 attachment: p0; delete" "$work/init.out" ||
	fail "init: $(cat "$work/init.out")"
[ "$(ip -n p0 -o link | grep -c ' eth0')" = 8 ] || fail "p0 lost VFs"
# an unreadable record: its VFs are unknown, so none is reset, and no VF
# count changes (cp1 went to 16 VFs above; back to 32 is refused)
rec=$work/state-crash-node/attachments/p0.eth0.json
mv "$rec" "$work/p0.record"
echo '{"version": 1, "contai' >"$rec"
if "$bin/kube-rdma-daemon" init --config "$conf" >"$work/init.out" 2>&1; then
	fail "init changed a VF count beside an unreadable record"
fi
grep -q "cp0: 32 VFs (unchanged, backend mock, 8 VFs with rates kept: an allocation record is unreadable)" \
	"$work/init.out" || fail "init reset VFs: $(cat "$work/init.out")"
grep -q "cp1: FAILED (num_vfs 16 -> 32 could take away VFs that an unreadable allocation record holds" \
	"$work/init.out" || fail "init: $(cat "$work/init.out")"
inventory | jq -e '[.pfs[].vfs[] | select(.max_tx_rate == 200)] | length == 8' \
	>/dev/null || fail "init reset p0's rates"
mv "$work/p0.record" "$rec"
"$bin/kube-rdma-daemon" init --config "$conf" >"$work/init.out" 2>&1 ||
	fail "init: $(cat "$work/init.out")"
start_agent "$conf" "$sock"
balanced "after init beside a pod"

# ---- an unreadable record while the agent serves ----
cni_pod ADD p0
[ "$(cat "$work/p0.rc")" = 0 ] || fail "ADD p0: $(cat "$work/p0.out")"
echo '{"version": 1, "contai' >"$rec"
# its VFs are unavailable, never free; the record is reported
inventory | jq -e '.unreadable_records == 1 and
	([.pfs[].vfs_free] | add == 56) and
	([.pfs[].vfs[] | select(.unavailable)] | length == 8)' >/dev/null ||
	fail "unreadable record: $(inventory)"
"$bin/kube-rdma-ctl" inventory --config "$conf" | grep -q \
	'WARNING: 1 allocation record cannot be read' ||
	fail "ctl does not show the unreadable record"
# another pod is given other VFs (and the agent's inventory, refreshed
# after the ADD, counts the record)
cni_pod ADD p1
[ "$(cat "$work/p1.rc")" = 0 ] || fail "ADD p1 beside it: $(cat "$work/p1.out")"
curl -s http://127.0.0.1:54005/metrics |
	grep -q '^kube_rdma_unreadable_records{node="crash-node"} 1$' ||
	fail "no metric: $(curl -s http://127.0.0.1:54005/metrics | grep unreadable)"
# DEL releases what the kernel shows, keeps the file aside; a re-ADD works
cni_pod DEL p0
[ "$(cat "$work/p0.rc")" = 0 ] || fail "DEL p0: $(cat "$work/p0.out")"
[ -z "$(ip -n p0 -o link | grep -v ' lo:')" ] || fail "p0 kept a VF"
ls "$work/state-crash-node/attachments/unreadable/" | grep -q '^p0\.eth0\.json\.' ||
	fail "the unreadable record was not kept aside"
grep -q "p0.eth0: the allocation record cannot be read; kept as" \
	"$work/agent.log" || fail "not logged: $(tail -3 "$work/agent.log")"
inventory | jq -e 'has("unreadable_records") | not' >/dev/null ||
	fail "still reported: $(inventory)"
cni_pod ADD p0
[ "$(cat "$work/p0.rc")" = 0 ] || fail "re-ADD p0: $(cat "$work/p0.out")"
balanced "DEL of an unreadable record"

# GC of an attachment with an unreadable record whose namespace is gone:
# set aside, and its VFs (back on the host with their rates) reset
jq '.cniVersion = "1.1.0" | del(.ipam)' "$work/net.json" >"$work/net11.json"
cni_pod ADD p2 "$work/net11.json"
[ "$(cat "$work/p2.rc")" = 0 ] || fail "ADD p2: $(cat "$work/p2.out")"
echo 'garbage' >"$work/state-crash-node/attachments/p2.eth0.json"
ip netns del p2
jq '. + {"cni.dev/valid-attachments": []}' "$work/net11.json" >"$work/gc.json"
env CNI_COMMAND=GC CNI_PATH=/usr/lib/cni "$bin/kube-rdma" <"$work/gc.json" \
	>"$work/gc.out" 2>&1 || fail "GC: $(cat "$work/gc.out")"
[ "$(records)" = 0 ] || fail "GC left a record"
ls "$work/state-crash-node/attachments/unreadable/" | grep -q '^p2\.eth0\.json\.' ||
	fail "GC did not keep the unreadable record aside"
ip netns add p2
pods="p0 p1 p2"
balanced "GC of an unreadable record"

grep -q "released the attachment (adding when the agent stopped)" \
	"$work/agent.log" || fail "no ADD was cut: $(tail "$work/agent.log")"
grep -q "released the attachment (releasing when the agent stopped)" \
	"$work/agent.log" || fail "no DEL was cut: $(tail "$work/agent.log")"
echo PASS
