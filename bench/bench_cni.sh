#!/bin/sh
# CNI ADD and DEL of one pod with 60 interfaces on the mock backend, in the
# same run as: the same kernel work done by `ip -batch` (move and rename
# into the pod, address, up; and back), the floor; 60 invocations of
# Debian's host-device plugin, the usual way today; and the agent's verbs
# run in-process (bench/cni-in-process), which the real path (the static
# plugin, the socket, the node agent) is compared with.  All use
# host-local for the addresses where they have them.  Then 16 concurrent
# ADDs through the agent, and the agent's peak resident memory.  Prints
# Markdown tables for docs/benchmarks.md.
#
#   bench/bench_cni.sh [BUILD_DIR] [ROUNDS]     (root)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
rounds=${2:-5}
n=60

if [ -z "${KR_BENCH_PRIVATE:-}" ]; then
	export KR_BENCH_PRIVATE=1
	exec unshare --net --mount --propagation private "$0" "$build" "$rounds"
fi
work=$(mktemp -d /tmp/kr-bench-cni-XXXXXX)
agent=""
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null; rm -rf "$work"' EXIT
ip link set lo up
mkdir -p /run/netns
mount -t tmpfs bench /run/netns

cat >"$work/node.conf" <<CONF
[node]
name = bench
backend_dir = $build/lib/kube-rdma/backends-abi1
state_dir = $work/state
[daemon]
listen = 127.0.0.1:54099
agent_socket = $work/cni.sock
[pf "bp0"]
backend = mock
num_vfs = 64
CONF
"$build/bin/kube-rdma-daemon" init --config "$work/node.conf" >/dev/null
"$build/bin/kube-rdma-daemon" serve --config "$work/node.conf" 2>"$work/agent.log" &
agent=$!
until [ -S "$work/cni.sock" ]; do sleep 0.05; done

ipam='"ipam": {"type": "host-local", "dataDir": "'$work'/ipam",
	"ranges": [[{"subnet": "198.18.0.0/22"}]]}'
req=$(i=0; s=""; while [ $i -lt $n ]; do s="$s${s:+,}{}"; i=$((i+1)); done; echo "[$s]")
cat >"$work/kr.json" <<CONF
{"cniVersion": "1.0.0", "name": "bench", "type": "kube-rdma",
 "agent_socket": "$work/cni.sock", $ipam, "interfaces": $req}
CONF

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

export CNI_PATH=/usr/lib/cni CNI_IFNAME=eth0 CNI_NETNS=/run/netns/pod
: >"$work/kr.add"; : >"$work/kr.del"
: >"$work/in.add"; : >"$work/in.del"
: >"$work/ip.add"; : >"$work/ip.del"
: >"$work/hd.add"; : >"$work/hd.del"
: >"$work/hl.add"; : >"$work/hl.del"
r=0
while [ $r -lt "$rounds" ]; do
	ip netns add pod

	# kube-rdma
	t0=$(now)
	CNI_COMMAND=ADD CNI_CONTAINERID=kr$r "$build/bin/kube-rdma" \
		<"$work/kr.json" >/dev/null
	t1=$(now)
	CNI_COMMAND=DEL CNI_CONTAINERID=kr$r "$build/bin/kube-rdma" \
		<"$work/kr.json" >/dev/null
	t2=$(now)
	ms "$t0" "$t1" >>"$work/kr.add"
	ms "$t1" "$t2" >>"$work/kr.del"

	# the same verbs in this process: no plugin, no socket
	t0=$(now)
	CNI_COMMAND=ADD CNI_CONTAINERID=in$r "$build/bench/cni-in-process" \
		"$work/node.conf" <"$work/kr.json" >/dev/null
	t1=$(now)
	CNI_COMMAND=DEL CNI_CONTAINERID=in$r "$build/bench/cni-in-process" \
		"$work/node.conf" <"$work/kr.json" >/dev/null
	t2=$(now)
	ms "$t0" "$t1" >>"$work/in.add"
	ms "$t1" "$t2" >>"$work/in.del"

	# ip -batch: the kernel work alone (addresses precomputed)
	: >"$work/host.batch"; : >"$work/pod.batch"; : >"$work/back.batch"
	i=0
	while [ $i -lt $n ]; do
		name=eth0-$i
		[ $i = 0 ] && name=eth0
		echo "link set bp0v$i netns pod name $name" >>"$work/host.batch"
		echo "addr add 198.18.1.$((i + 10))/22 dev $name" >>"$work/pod.batch"
		echo "link set $name up" >>"$work/pod.batch"
		echo "link set $name down" >>"$work/back.batch"
		echo "link set $name netns 1 name bp0v$i" >>"$work/back.batch"
		i=$((i + 1))
	done
	sed -i "s/netns 1 /netns \/proc\/$$\/ns\/net /" "$work/back.batch"
	t0=$(now)
	ip -batch "$work/host.batch"
	ip -n pod -batch "$work/pod.batch"
	t1=$(now)
	ip -n pod -batch "$work/back.batch"
	t2=$(now)
	ms "$t0" "$t1" >>"$work/ip.add"
	ms "$t1" "$t2" >>"$work/ip.del"

	# host-device, once per interface
	t0=$(now)
	i=0
	while [ $i -lt $n ]; do
		printf '{"cniVersion": "1.0.0", "name": "hd", "type": "host-device", "device": "bp0v%d", %s}' \
			$i "$ipam" | CNI_COMMAND=ADD CNI_CONTAINERID=hd$r \
			CNI_IFNAME=net$i /usr/lib/cni/host-device >/dev/null
		i=$((i + 1))
	done
	t1=$(now)
	i=0
	while [ $i -lt $n ]; do
		printf '{"cniVersion": "1.0.0", "name": "hd", "type": "host-device", "device": "bp0v%d", %s}' \
			$i "$ipam" | CNI_COMMAND=DEL CNI_CONTAINERID=hd$r \
			CNI_IFNAME=net$i /usr/lib/cni/host-device >/dev/null
		i=$((i + 1))
	done
	t2=$(now)
	ms "$t0" "$t1" >>"$work/hd.add"
	ms "$t1" "$t2" >>"$work/hd.del"

	# host-local alone, as kube-rdma calls it: the IPAM part of its time
	t0=$(now)
	i=0
	while [ $i -lt $n ]; do
		CNI_COMMAND=ADD CNI_CONTAINERID=hl$r CNI_IFNAME=net$i \
			/usr/lib/cni/host-local <"$work/kr.json" >/dev/null
		i=$((i + 1))
	done
	t1=$(now)
	i=0
	while [ $i -lt $n ]; do
		CNI_COMMAND=DEL CNI_CONTAINERID=hl$r CNI_IFNAME=net$i \
			/usr/lib/cni/host-local <"$work/kr.json" >/dev/null
		i=$((i + 1))
	done
	t2=$(now)
	ms "$t0" "$t1" >>"$work/hl.add"
	ms "$t1" "$t2" >>"$work/hl.del"

	ip netns del pod
	r=$((r + 1))
done

ka=$(median <"$work/kr.add"); kd=$(median <"$work/kr.del")
pa=$(median <"$work/in.add"); pd=$(median <"$work/in.del")
ia=$(median <"$work/ip.add"); id=$(median <"$work/ip.del")
ha=$(median <"$work/hd.add"); hd=$(median <"$work/hd.del")
la=$(median <"$work/hl.add"); ld=$(median <"$work/hl.del")
echo "One pod, $n interfaces, median of $rounds rounds (ms):"
echo
echo "| method | ADD ms | DEL ms | ADD / floor | DEL / floor |"
echo "|---|---|---|---|---|"
echo "| ip -batch (the kernel work, no IPAM: the floor) | $ia | $id | 1.00 | 1.00 |"
awk -v a="$ka" -v d="$kd" -v fa="$ia" -v fd="$id" 'BEGIN {
	printf "| kube-rdma: static plugin -> socket -> node agent (host-local IPAM per interface) | %d | %d | %.2f | %.2f |\n",
		a, d, a / fa, d / fd }'
awk -v a="$pa" -v d="$pd" -v fa="$ia" -v fd="$id" 'BEGIN {
	printf "| kube-rdma: the agent'"'"'s verbs in-process (no plugin, no socket) | %d | %d | %.2f | %.2f |\n",
		a, d, a / fa, d / fd }'
awk -v a="$ha" -v d="$hd" -v fa="$ia" -v fd="$id" 'BEGIN {
	printf "| host-device (%d calls, host-local IPAM) | %d | %d | %.2f | %.2f |\n",
		60, a, d, a / fa, d / fd }'
echo "| host-local alone ($n ADD, $n DEL calls) | $la | $ld | | |"
awk -v a="$ka" -v d="$kd" -v la="$la" -v ld="$ld" -v fa="$ia" -v fd="$id" 'BEGIN {
	printf "| kube-rdma less its host-local calls | %d | %d | %.2f | %.2f |\n",
		a - la, d - ld, (a - la) / fa, (d - ld) / fd }'
awk -v a="$ka" -v d="$kd" -v pa="$pa" -v pd="$pd" 'BEGIN {
	printf "\nThrough the agent / in-process: ADD %.3f, DEL %.3f\n", a / pa, d / pd }'

# 16 concurrent ADDs of 4 interfaces each (the PF's 64 VFs) through the
# agent, then their DELs: the agent's peak resident memory
c=0 running=""
while [ $c -lt 16 ]; do
	ip netns add "c$c"
	sed "s/\"interfaces\": \[.*\]}/\"interfaces\": [{}, {}, {}, {}]}/" \
		"$work/kr.json" | CNI_COMMAND=ADD CNI_CONTAINERID=c$c \
		CNI_NETNS=/run/netns/c$c "$build/bin/kube-rdma" >/dev/null &
	running="$running $!"
	c=$((c + 1))
done
t0=$(now)
# shellcheck disable=SC2086
wait $running
t1=$(now)
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$agent/status")
c=0
while [ $c -lt 16 ]; do
	CNI_COMMAND=DEL CNI_CONTAINERID=c$c CNI_NETNS=/run/netns/c$c \
		"$build/bin/kube-rdma" <"$work/kr.json" >/dev/null
	ip netns del "c$c"
	c=$((c + 1))
done
echo
echo "16 concurrent ADDs of 4 interfaces through the agent: $(ms "$t0" "$t1") ms in all;"
echo "the agent's peak resident memory (VmHWM): $((hwm / 1024)) MiB ($hwm kB)"
