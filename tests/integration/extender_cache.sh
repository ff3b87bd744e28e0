#!/bin/sh
# kube-rdma-extender's node cache against a real kube-rdma-daemon, the test
# API server and hundreds of dead nodes: nodes whose address drops SYNs and
# nodes whose address is a blackhole never make a healthy node stale;
# filters naming 20,000 nodes that do not exist answer at once, each such
# node failed with a reason, in bounded memory and in a few log lines, and
# the cache forgets them.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || fail "jq missing"
api=$work/api
n_syn=400	# nodes whose inventory address drops SYNs
n_hole=100	# nodes whose inventory address is a blackhole

drop_syns 198.19.0.0/16
# immediate errors
ip route add blackhole 198.18.200.0/24
rc=0
curl -s -o /dev/null --max-time 1 http://198.19.0.1:54005/v1/inventory || rc=$?
[ "$rc" = 28 ] || fail "198.19.0.1 should time out (curl 28), got $rc"

# the healthy node: a real daemon with one mock PF
ip addr add 198.18.10.1/32 dev lo
write_config "$work/live-0.conf" live-0 \
	"[daemon]" "listen = 198.18.10.1:54005" "refresh_interval_ms = 200" \
	'[pf "lv0"]' 'backend = mock' 'num_vfs = 4'
"$bin/kube-rdma-daemon" init --config "$work/live-0.conf" >/dev/null
"$bin/kube-rdma-daemon" serve --config "$work/live-0.conf" 2>"$work/agent.log" &
pids="$pids $!"

# The API server knows live-0 only: every other node the scheduler names
# has no Node object.
mkdir -p "$api/api/v1/nodes"
jq -n '{kind: "Node", metadata: {name: "live-0"}, status: {addresses:
	[{type: "InternalIP", address: "198.18.10.1"}]}}' \
	>"$api/api/v1/nodes/live-0.json"
start_apiserver "$api"

write_config "$work/ext.conf" extender \
	"[extender]" "listen = 127.0.0.1:8888" \
	"daemon_url = http://{address}:54005" \
	"kubeconfig = $work/kubeconfig" "poll_interval_ms = 200" \
	"timeout_ms = 1000" "stale_after_ms = 3000" "forget_after_s = 3"
"$bin/kube-rdma-extender" --config "$work/ext.conf" 2>"$work/ext.log" &
ext=$!
pids="$pids $ext"
for _ in $(seq 100); do
	curl -sf -o /dev/null http://198.18.10.1:54005/healthz &&
		curl -sf -o /dev/null http://127.0.0.1:8888/healthz && break
	sleep 0.1
done

pod='{"metadata": {"name": "p", "namespace": "default", "uid": "u-p",
	"annotations": {"kube-rdma.io/interfaces": "[{\"min_tx_rate\": 1000}]"}}}'
# filter FILE: POST it; the answer in $work/out.  However busy the cache,
# filter answers well within kube-scheduler's timeout.
filter() {
	code=$(curl -s -o "$work/out" -w '%{http_code}' --max-time 20 \
		-X POST -H 'Content-Type: application/json' \
		--data-binary "@$1" http://127.0.0.1:8888/filter) ||
		fail "filter did not answer within 20 s"
	[ "$code" = 200 ] || fail "filter: HTTP $code: $(head -c 300 "$work/out")"
}

# ---- 400 nodes dropping SYNs, 100 blackholed, and one healthy node ----
jq -n --argjson pod "$pod" --argjson syn "$n_syn" --argjson hole "$n_hole" '
	def node($n; $a): {metadata: {name: $n}, status: {addresses:
		[{type: "InternalIP", address: $a}]}};
	{Pod: $pod, NodeNames: null, Nodes: {items: (
		[range($syn) | node("syn-\(.)";
			"198.19.\(. / 250 | floor).\(. % 250 + 1)")] +
		[range($hole) | node("hole-\(.)"; "198.18.200.\(. + 1)")] +
		[node("live-0"; "198.18.10.1")])}}' \
	>"$work/dead.json"
passes() {
	jq -e '[.Nodes.items[].metadata.name] == ["live-0"]' "$work/out" \
		>/dev/null
}
# live-0 is unknown at first; the cache learns it in the background
for _ in $(seq 100); do
	filter "$work/dead.json"
	passes && break
	sleep 0.2
done
passes || fail "live-0 never passed: $(jq -c '.FailedNodes["live-0"]' "$work/out")"
# every dead node fails with a reason
jq -e --argjson n $((n_syn + n_hole)) '(.FailedNodes | length) == $n and
	all(.FailedNodes[]; test("^(syn|hole)-[0-9]+: "))' "$work/out" >/dev/null ||
	fail "dead nodes' reasons: $(jq -c '.FailedNodes | to_entries[:3]' "$work/out")"
# Over many of the dead nodes' timeouts and retries, live-0 passes every
# filter.
i=0
while [ $i -lt 60 ]; do
	filter "$work/dead.json"
	passes || fail "filter $i refused live-0: $(jq -c '.FailedNodes["live-0"]' "$work/out")"
	i=$((i + 1))
	sleep 0.25
done
jq -e '.FailedNodes | (.["syn-7"] | test("Timeout|timed out|no inventory")) and
	(.["hole-7"] | test("no inventory|stale"))' "$work/out" >/dev/null ||
	fail "dead nodes' reasons: $(jq -c '.FailedNodes | {"syn-7", "hole-7"}' "$work/out")"

# ---- five filters naming 20,000 nodes the cluster does not have ----
n_junk=20000
max_nodes=20000	# the default
rss_mb=64	# docs/extender.md: the bound at the default max_nodes
# the sanitizers' shadow memory is no measure of ours
sanitized=$(ldd "$bin/kube-rdma-extender" | grep -c libasan || true)
metric() {
	curl -s http://127.0.0.1:8888/metrics | awk -v m="$1" '$1 == m { print $2 }'
}
reasons='node not known yet, looking it up|no Node of that name in the API server|node not known yet: the node cache is full'
round=0
while [ $round -lt 5 ]; do
	jq -n --argjson pod "$pod" --argjson r "$round" --argjson n "$n_junk" '
		{Pod: $pod, Nodes: null,
		 NodeNames: ([range($n) | "junk-\($r)-\(.)"] + ["live-0"])}' \
		>"$work/junk.json"
	filter "$work/junk.json"
	# answered at once: each unknown name failed with a reason
	jq -e --argjson n "$n_junk" --arg re ": ($reasons)" '
		.NodeNames == ["live-0"] and (.FailedNodes | length) == $n and
		all(.FailedNodes | to_entries[]; (.key + ": ") as $p |
			.value | startswith($p) and test($re))' "$work/out" \
		>/dev/null || fail "round $round: $(jq -c '.NodeNames,
			(.FailedNodes | length), (.FailedNodes | to_entries[:2])' "$work/out")"
	[ "$(metric kube_rdma_extender_nodes)" -le $max_nodes ] ||
		fail "$(metric kube_rdma_extender_nodes) nodes cached, max_nodes = $max_nodes"
	rss=$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$ext/status")
	[ "$sanitized" != 0 ] || [ "$rss" -lt $rss_mb ] ||
		fail "round $round: resident memory $rss MB, over $rss_mb MB"
	round=$((round + 1))
done
# The lookups went on in the background, a few at a time; once the first
# round's names are forgotten, those of the last round the cache holds fail
# for what they are, the others because the cache is full.
settled='all(.FailedNodes[]; test("no Node of that name in the API server|the node cache is full"))
	and any(.FailedNodes[]; test("no Node of that name"))'
for _ in $(seq 150); do
	sleep 0.4
	filter "$work/junk.json"
	jq -e '.NodeNames == ["live-0"]' "$work/out" >/dev/null ||
		fail "live-0 refused behind the lookups: $(jq -c '.FailedNodes["live-0"]' "$work/out")"
	jq -e "$settled" "$work/out" >/dev/null && break
done
jq -e "$settled" "$work/out" >/dev/null ||
	fail "lookups unfinished: $(jq -c '[.FailedNodes[] |
	sub("^junk-[0-9-]+: "; "")] | group_by(.) | map([.[0], length])' "$work/out")"
# 100,000 names without a Node are a few log lines, with their count
lines=$(grep -c "no Node of that name\|node cache is full" "$work/ext.log" || true)
[ "$lines" -ge 1 ] && [ "$lines" -le 40 ] ||
	fail "$lines log lines about unknown nodes: $(head -5 "$work/ext.log")"
grep -q "suppressed [0-9]* similar messages" "$work/ext.log" || fail "no count: $(head -5 "$work/ext.log")"

# ---- the cache forgets what does not exist ----
# live-0 alone is named now: the junk, and the dead nodes (which have no
# Node either), go once forget_after_s (3 s here) have passed.
jq -n --argjson pod "$pod" '{Pod: $pod, Nodes: null, NodeNames: ["live-0"]}' \
	>"$work/live.json"
for _ in $(seq 300); do
	filter "$work/live.json"
	jq -e '.NodeNames == ["live-0"]' "$work/out" >/dev/null ||
		fail "live-0 refused: $(jq -c '.FailedNodes["live-0"]' "$work/out")"
	[ "$(metric kube_rdma_extender_nodes)" = 1 ] && break
	sleep 0.2
done
[ "$(metric kube_rdma_extender_nodes)" = 1 ] ||
	fail "$(metric kube_rdma_extender_nodes) nodes still cached"
# more than a full cache's worth (how much more depends on how fast the
# lookups went, beside the rounds)
[ "$(metric kube_rdma_extender_nodes_forgotten_total)" -gt $max_nodes ] ||
	fail "$(metric kube_rdma_extender_nodes_forgotten_total) nodes forgotten"
echo PASS
