#!/bin/sh
# max_tx_rate is enforced in the mock's data plane: two pods on one mock PF,
# iperf3 between them, the capped VF's transmit measured against the limit
# and against the uncapped direction in the same run.
. "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || fail "iperf3 missing (scripts/install-deps.sh installs it)"

conf=$work/node.conf
write_config "$conf" rate-node '[pf "rl0"]' 'backend = mock' 'num_vfs = 2'
"$bin/kube-rdma-daemon" init --config "$conf" >/dev/null

# Cap VF 0 (pod A's) before the move, as the CNI plugin does.
"$KR_TEST_VF" "$conf" rl0 0 0 100

ip netns add podA
ip netns add podB
ip link set rl0v0 netns podA name eth0
ip link set rl0v1 netns podB name eth0
for pod in podA:198.18.0.1 podB:198.18.0.2; do
	ns=${pod%%:*} addr=${pod#*:}
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
done

ip netns exec podB iperf3 -s -B 198.18.0.2 >/dev/null 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do
	ip netns exec podA ping -c1 -W1 198.18.0.2 >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 0.5

# mbits [iperf3 client options...]: receiver throughput in Mbit/s
mbits() {
	ip netns exec podA iperf3 -c 198.18.0.2 -t 3 -f m "$@" |
		awk '/receiver/ { for (i = 1; i < NF; i++)
			if ($(i + 1) == "Mbits/sec") print int($i) }'
}

capped=$(mbits)
uncapped=$(mbits -R)	# pod B sends: VF 1 has no cap
echo "A->B (max_tx_rate 100): $capped Mbit/s; B->A (no cap): $uncapped Mbit/s"
[ -n "$capped" ] && [ -n "$uncapped" ] || fail "iperf3 gave no result"
[ "$capped" -le 110 ] || fail "capped VF sent $capped Mbit/s, limit 100"
[ "$capped" -ge 50 ] || fail "capped VF sent only $capped Mbit/s"
# The uncapped direction shows the machine's veth speed: compare with it.
[ "$uncapped" -ge $((capped * 4)) ] || fail "uncapped direction only $uncapped Mbit/s"

# A new limit applies while the VF is in the pod.
"$KR_TEST_VF" "$conf" rl0 0 0 300
raised=$(mbits)
echo "A->B (max_tx_rate 300): $raised Mbit/s"
[ "$raised" -le 330 ] && [ "$raised" -ge 200 ] || fail "raised cap gave $raised Mbit/s"

# And reset removes it.
"$KR_TEST_VF" "$conf" rl0 0 0 0
free=$(mbits)
echo "A->B (reset): $free Mbit/s"
[ "$free" -ge $((raised * 2)) ] || fail "after reset only $free Mbit/s"
echo PASS
