#!/bin/sh
# VFs vanishing while the agent lists them: pods' namespaces destroyed
# without a DEL, again and again, while another pod's CHECK runs.  A VF
# whose namespace is going is in transit, not a failure of its PF: every
# CHECK of the other pod passes, the PF is never reported down, and the
# runtime's late DELs give every VF back.
. "$(dirname "$0")/lib.sh"

sock=$work/cni.sock
conf=$work/node.conf
write_config "$conf" transit-node '[daemon]' "agent_socket = $sock" \
	'[pf "vt0"]' 'backend = mock' 'num_vfs = 16'
"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null
start_agent "$conf" "$sock"
ifaces=$(jq -nc '[range(4) | {max_tx_rate: 100}]')
cat >"$work/net.json" <<EOF2
{"cniVersion": "1.0.0", "name": "rdma", "type": "kube-rdma",
 "agent_socket": "$sock",
 "ipam": {"type": "host-local", "dataDir": "$work/ipam",
          "ranges": [[{"subnet": "198.18.0.0/24"}]]},
 "interfaces": $ifaces}
EOF2
ip netns add steady
cni_pod ADD steady
[ "$(cat "$work/steady.rc")" = 0 ] || fail "ADD steady: $(cat "$work/steady.out")"
jq --slurpfile r "$work/steady.out" '. + {prevResult: $r[0]}' \
	"$work/net.json" >"$work/check.json"

# pods whose namespaces vanish under their VFs, in the background
# churn COMMAND POD: the plugin, and its answer kept when it failed
churn() {
	cni_pod "$1" "$2"
	[ "$(cat "$work/$2.rc")" = 0 ] ||
		echo "$1 $2: $(cat "$work/$2.out")" >>"$work/churn.failed"
}
(
	for i in $(seq 30); do
		ip netns add "gone$i"
		churn ADD "gone$i"
		ip netns del "gone$i"
		# the runtime's DEL comes late, after the namespace went
		[ "$i" = 1 ] || churn DEL "gone$((i - 1))"
	done
	churn DEL gone30
	: >"$work/churn.done"
) &
pids="$pids $!"
checks=0
while [ ! -e "$work/churn.done" ]; do
	cni_pod CHECK steady "$work/check.json"
	[ "$(cat "$work/steady.rc")" = 0 ] ||
		fail "CHECK of steady while VFs vanished: $(cat "$work/steady.out")"
	checks=$((checks + 1))
done
echo "$checks CHECKs during the churn"
[ ! -e "$work/churn.failed" ] || fail "$(cat "$work/churn.failed")"
! grep -E "look up representor|PF vt0" "$work/agent.log" ||
	fail "the PF failed while VFs were in transit"

cni_pod DEL steady
[ "$(cat "$work/steady.rc")" = 0 ] || fail "DEL steady: $(cat "$work/steady.out")"
"$bin/kube-rdma-ctl" inventory --config "$conf" --json |
	jq -e '.pfs[0].vfs_free == 16 and
		([.pfs[0].vfs[] | select(.netdev | test("^vt0v[0-9]+$"))] |
		 length == 16)' >/dev/null ||
	fail "VFs not back: $("$bin/kube-rdma-ctl" inventory --config "$conf")"
echo PASS
