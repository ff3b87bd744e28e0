#!/bin/sh
# The HTTP servers of kube-rdma-daemon and kube-rdma-extender against
# hostile clients: 3,000 held connections and more from one address than
# it may have, trickled headers and bodies, conflicting Content-Length,
# request bodies beyond the budget, a reason cut inside a UTF-8 character,
# floods of refusals in the log, and SIGTERM with hundreds of slow clients
# (HTTP and the CNI socket) held open.  The attackers connect from
# 127.0.0.2 and beyond, the probes from 127.0.0.1, as an attacker's and
# kubelet's addresses differ on a node.
. "$(dirname "$0")/lib.sh"

clients="python3 $KR_TEST_SOURCE_DIR/tests/support/slow_clients.py"
command -v jq >/dev/null || fail "jq missing"
command -v ss >/dev/null || fail "ss missing"
# 3,500 held connections, on both sides of loopback
ulimit -n 8192 2>/dev/null || true
[ "$(ulimit -n)" -ge 8192 ] || fail "needs ulimit -n 8192 (have $(ulimit -n))"

# sources FIRST COUNT: 127.0.0.FIRST .. 127.0.0.(FIRST+COUNT-1), with commas
sources() {
	seq "$1" $(($1 + $2 - 1)) | sed 's/^/127.0.0./' | paste -sd, -
}

# hold NAME TARGET ARGS...: hostile clients in the background ($NAME_pid),
# once every connection has been tried
hold() {
	name=$1 target=$2
	shift 2
	rm -f "$work/$name.ready"
	$clients hold "$target" --ready "$work/$name.ready" \
		--report "$work/$name.report" "$@" &
	eval "${name}_pid=$!"
	pids="$pids $!"
	for _ in $(seq 300); do
		[ -s "$work/$name.ready" ] && return 0
		sleep 0.1
	done
	fail "$name: the clients did not get going"
}

# release NAME: stop the clients, their report in $work/NAME.report
release() {
	eval "kill \$${1}_pid; wait \$${1}_pid" || true
	[ -s "$work/$1.report" ] || fail "$1: no report"
}

report() {	# NAME JQ-FILTER
	jq -r "$2" "$work/$1.report"
}

# stop_within PID SECONDS NAME: SIGTERM, and the process ends in time
# with status 0
stop_within() {
	kill -TERM "$1"
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && fail "$3 still runs $2 s after SIGTERM"
	wait "$1" || fail "$3 exited with status $? after SIGTERM"
}

# answers URL LOG: wait until URL answers 200, or fail with LOG's tail
answers() {
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$1" && return
		sleep 0.1
	done
	fail "$1 did not answer: $(tail -5 "$2")"
}

established() {	# PORT: the server's open connections
	ss -Htn state established "( sport = :$1 )" | wc -l
}

# A node daemon on a mock PF (the soft open files limit at 1024, as in
# many containers: it raises it to hold max_connections).
start_daemon() {	# NAME [DAEMON-KEYS...]
	name=$1
	shift
	write_config "$work/$name.conf" "$name" "[daemon]" \
		"listen = 127.0.0.1:54005" "agent_socket = $work/$name.sock" \
		"$@" '[pf "hl0"]' "backend = mock" "num_vfs = 2"
	"$bin/kube-rdma-daemon" init --config "$work/$name.conf" >/dev/null
	(ulimit -S -n 1024; exec "$bin/kube-rdma-daemon" serve \
		--config "$work/$name.conf" 2>>"$work/agent.log") &
	daemon_pid=$!
	pids="$pids $daemon_pid"
	answers http://127.0.0.1:54005/healthz "$work/agent.log"
}

# ---- the daemon: 3,000 connections held, one address over its limit ----
start_daemon node-a "request_timeout_s = 60" "idle_timeout_s = 60"
[ "$($clients raw 127.0.0.1:54005 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n')" = 400 ] ||
	fail "conflicting Content-Length headers accepted"
[ "$($clients raw 127.0.0.1:54005 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n')" = 400 ] ||
	fail "Content-Length with Transfer-Encoding accepted"
[ "$($clients raw 127.0.0.1:54005 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd')" = 413 ] ||
	fail "repeated equal Content-Length: not the body refusal"
[ "$($clients raw 127.0.0.1:54005 'GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n')" = 404 ] ||
	fail "a path that is not UTF-8 is not answered 404"

hold crowd 127.0.0.1:54005 --sources "$(sources 2 50)" --count 3000
hold greedy 127.0.0.1:54005 --sources 127.0.0.200 --count 500
sleep 1
[ "$(established 54005)" -ge 3000 ] ||
	fail "the daemon holds $(established 54005) connections, not 3,000"
$clients probe 127.0.0.1:54005 --count 200 --timeout 3 >"$work/probe"
[ "$(jq .failed "$work/probe")" = 0 ] ||
	fail "/healthz failed with 3,000 connections held: $(cat "$work/probe")"
release greedy
[ "$(report greedy .alive)" -le 64 ] ||
	fail "one address kept $(report greedy .alive) connections, over 64"
[ "$(report greedy .closed_by_server)" -ge 436 ] ||
	fail "refused connections: $(cat "$work/greedy.report")"
# 436 refusals, a few lines
n=$(grep -c 'http \[daemon\]: .*connection limit' "$work/agent.log" || true)
[ "$n" -le 10 ] || fail "$n log lines for 436 refused connections"
stop_within "$daemon_pid" 10 "the daemon with 3,000 connections"
release crowd

# ---- the daemon: deadlines, keep-alive, SIGTERM under slow clients ----
start_daemon node-b "request_timeout_s = 2" "idle_timeout_s = 30"
hold trickle 127.0.0.1:54005 --sources 127.0.0.2 --count 20 --mode trickle \
	--interval 0.5
sleep 6
release trickle
[ "$(report trickle .closed_by_server)" = 20 ] ||
	fail "trickled headers outlived request_timeout_s: $(cat "$work/trickle.report")"
# the deadline counts from a request's first byte, not from the last
# answer: a keep-alive connection idle past it still serves
[ "$($clients raw 127.0.0.1:54005 --pause 3 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')" = "200 200" ] ||
	fail "keep-alive connection closed while idle"
hold slow 127.0.0.1:54005 --sources "$(sources 2 10)" --count 600 \
	--mode trickle --interval 0.2
hold cni "$work/node-b.sock" --count 100
sleep 0.5
# the CNI socket waits 10 s for a request: stopping sooner shows that the
# requests being read were let go
stop_within "$daemon_pid" 5 "the daemon with 600 slow clients"
release slow
release cni

# ---- the extender: bodies' budget, framing, UTF-8, logs, SIGTERM ----
write_config "$work/ext.conf" extender "[extender]" \
	"listen = 127.0.0.1:8888" "daemon_url = http://127.0.0.1:1" \
	"max_body_bytes = 1048576" "max_body_total_bytes = 2097152" \
	"request_timeout_s = 3"
(ulimit -S -n 1024; exec "$bin/kube-rdma-extender" --config "$work/ext.conf" \
	2>"$work/ext.log") &
ext_pid=$!
pids="$pids $ext_pid"
answers http://127.0.0.1:8888/healthz "$work/ext.log"
post() {	# FILE: the status code; the answer in $work/out
	curl -s -o "$work/out" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "@$1" \
		http://127.0.0.1:8888/filter
}

# a valid filter request of 900 kB (padded), and one over max_body_bytes
printf '{"Pod": {"metadata": {"name": "p", "uid": "u"}}, "NodeNames": ["n1"]%*s}' \
	900000 "" >"$work/large.json"
printf '{"Pod": {}, "NodeNames": []%*s}' 1500000 "" >"$work/huge.json"
[ "$(post "$work/huge.json")" = 413 ] || fail "body over max_body_bytes"
[ "$(post "$work/large.json")" = 200 ] || fail "a 900 kB body: $(cat "$work/out")"
# two bodies of 1 MB on their way fill the 2 MiB budget
hold bodies 127.0.0.1:8888 --sources 127.0.0.2 --count 2 --mode body
sleep 0.5
[ "$(post "$work/large.json")" = 503 ] || fail "budget: $(cat "$work/out")"
grep -q 'in flight' "$work/out" || fail "503 without its reason: $(cat "$work/out")"
# the deadline (3 s) closes them and frees the budget
sleep 4
[ "$(post "$work/large.json")" = 200 ] || fail "budget not freed: $(cat "$work/out")"
release bodies

[ "$($clients raw 127.0.0.1:8888 'POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}')" = 400 ] ||
	fail "the extender took conflicting Content-Length headers"
# 200 more within a second: a few lines (10 per 10 s)
$clients raw 127.0.0.1:8888 --times 200 'POST /filter HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}' |
	tr ' ' '\n' | sort -u >"$work/codes"
[ "$(cat "$work/codes")" = 400 ] || fail "malformed requests: $(cat "$work/codes")"
n=$(grep -c 'http \[extender\]: 400' "$work/ext.log" || true)
[ "$n" -le 20 ] || fail "$n log lines for 201 malformed requests"

# a reason cut inside a character: every node keeps its FailedNodes entry
e=$(printf '\303\251')	# é, two bytes
key="a$(printf "$e%.0s" $(seq 30))"
long="n-$(printf "$e%.0s" $(seq 340))"
jq -n --arg key "$key" --arg long "$long" --arg long2 "x$long" '{
	Pod: {metadata: {name: "p", uid: "u", annotations: {
		"kube-rdma.io/interfaces": ("[{\"" + $key + "\": 1}]")}}},
	NodeNames: ["n1", $long, $long2]}' >"$work/utf8.json"
[ "$(post "$work/utf8.json")" = 200 ] || fail "UTF-8 filter: $(cat "$work/out")"
jq -e '(.FailedNodes | length) == 3 and .NodeNames == []' "$work/out" \
	>/dev/null || fail "a node vanished from FailedNodes: $(cat "$work/out")"

hold slowext 127.0.0.1:8888 --sources "$(sources 2 10)" --count 600 \
	--mode trickle --interval 0.2
sleep 0.5
stop_within "$ext_pid" 10 "the extender with 600 slow clients"
release slowext
echo PASS
