#!/usr/bin/env python3
# Hostile HTTP clients for the servers' tests and benchmarks.
#
#   slow_clients.py hold HOST:PORT --sources A[,B...] --count N
#       --mode idle|trickle|body [--interval S] [--ready FILE]
#       [--report FILE]
#     opens N connections from the given source addresses (round robin),
#     holds them and, by mode, sends nothing (idle), a request's headers
#     one byte per interval (trickle) or a POST's body one byte per
#     interval (body), until SIGTERM; then writes a JSON report: how many
#     connected, how many the server closed and after how long.  --ready
#     is written once every connection has been tried.  A HOST:PORT that
#     is a path is a unix socket (no source addresses).
#
#   slow_clients.py raw HOST:PORT REQUEST... [--pause S] [--times N]
#     sends each REQUEST (with \r\n escapes) on one connection, waiting
#     for its answer and S seconds between them; prints the status codes
#     (0: closed unanswered).  --times: all that N times, on N connections.
#
#   slow_clients.py probe HOST:PORT [--path P] [--count N]
#     GETs P (/healthz) N times, a new connection each (as kubelet's
#     probes do), for at most --seconds, and prints a JSON report:
#     answers, failures, latency percentiles in ms.
import argparse
import json
import selectors
import signal
import socket
import sys
import time

TRICKLE = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
BODY = (b"POST /filter HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")


def address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def next_piece(mode, sent):
    """What a connection sends next, having sent 'sent' bytes."""
    if mode == "trickle":
        return TRICKLE[sent:sent + 1] or b"a"
    if mode == "body":
        return BODY[sent:] or b" "
    return b""


def hold(args):
    unix = args.target.startswith("/")
    target = args.target if unix else address(args.target)
    sources = args.sources.split(",")
    sel = selectors.DefaultSelector()
    conns = {}      # socket -> [start, bytes sent, closed after]
    tried = connected = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    for i in range(args.count):
        s = socket.socket(socket.AF_UNIX if unix else socket.AF_INET)
        s.setblocking(False)
        try:
            if not unix:
                s.bind((sources[i % len(sources)], 0))
            s.connect_ex(target)
        except OSError:
            s.close()
            continue
        tried += 1
        conns[s] = [time.monotonic(), 0, None]
        sel.register(s, selectors.EVENT_READ)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%d\n" % tried)
    next_send = time.monotonic()
    while not stop:
        now = time.monotonic()
        if now >= next_send:
            next_send = now + args.interval
            for s, st in conns.items():
                if st[2] is not None:
                    continue
                data = next_piece(args.mode, st[1])
                if not data:
                    continue
                try:
                    st[1] += s.send(data)
                except BlockingIOError:
                    pass
                except OSError:
                    st[2] = now - st[0]
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            st = conns[s]
            try:
                if s.recv(65536):
                    continue    # an answer: the server closes next
            except BlockingIOError:
                continue
            except OSError:
                pass
            st[2] = time.monotonic() - st[0]
            sel.unregister(s)
    for s, st in conns.items():
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and \
                st[2] is None:
            try:
                s.getpeername()
                connected += 1
            except OSError:
                pass
    closed = [st[2] for st in conns.values() if st[2] is not None]
    report = {"tried": tried, "alive": connected,
              "closed_by_server": len(closed),
              "longest_before_close_s": round(max(closed), 2)
              if closed else None}
    for s in conns:
        s.close()
    text = json.dumps(report)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


def read_answer(s):
    """The status of one answer on 's' (its body read), or 0."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = s.recv(65536)
        if not piece:
            return 0
        data += piece
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        piece = s.recv(65536)
        if not piece:
            break
        body += piece
    return int(lines[0].split()[1])


def raw(args):
    codes = []
    for _ in range(args.times):
        with socket.create_connection(address(args.target), timeout=10) as s:
            for i, text in enumerate(args.requests):
                if i and args.pause:
                    time.sleep(args.pause)
                try:
                    s.sendall(text.encode().decode("unicode_escape")
                              .encode("latin-1"))
                    codes.append(read_answer(s))
                except OSError:
                    codes.append(0)
    print(" ".join(str(c) for c in codes))


def probe(args):
    target = address(args.target)
    request = ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
               % args.path).encode()
    times, failures = [], 0
    end = time.monotonic() + args.seconds
    for _ in range(args.count):
        if time.monotonic() > end:
            break
        t0 = time.monotonic()
        try:
            with socket.create_connection(target, timeout=args.timeout) as s:
                s.sendall(request)
                answer = b""
                while True:
                    piece = s.recv(4096)
                    if not piece:
                        break
                    answer += piece
            if not answer.startswith(b"HTTP/1.1 200"):
                raise OSError(answer[:40])
            times.append((time.monotonic() - t0) * 1000)
        except OSError:
            failures += 1
        if args.pause:
            time.sleep(args.pause)
    times.sort()

    def pct(p):
        return round(times[min(len(times) - 1, int(len(times) * p))], 2) \
            if times else None
    print(json.dumps({"answered": len(times), "failed": failures,
                      "p50_ms": pct(0.50), "p99_ms": pct(0.99),
                      "max_ms": round(times[-1], 2) if times else None}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("hold")
    h.add_argument("target")
    h.add_argument("--sources", default="127.0.0.2")
    h.add_argument("--count", type=int, default=512)
    h.add_argument("--mode", choices=["idle", "trickle", "body"],
                   default="idle")
    h.add_argument("--interval", type=float, default=1.0)
    h.add_argument("--ready")
    h.add_argument("--report")
    r = sub.add_parser("raw")
    r.add_argument("target")
    r.add_argument("requests", nargs="+")
    r.add_argument("--pause", type=float, default=0.0)
    r.add_argument("--times", type=int, default=1)
    p = sub.add_parser("probe")
    p.add_argument("target")
    p.add_argument("--path", default="/healthz")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--pause", type=float, default=0.0)
    p.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    {"hold": hold, "raw": raw, "probe": probe}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
