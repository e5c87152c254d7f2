#!/usr/bin/env python3
"""`entrad serve` against connections that never finish a request head.

An attacker holds ATTACKERS connections open, each with half a request head
(or none), and opens a new one as soon as the broker closes one; meanwhile a
caller with the secret sends PROBES well-formed token requests, one at a time,
each on a new connection, and times each to its full answer. Prints one JSON
line: the share answered within 1 s, latency percentiles, the attacker's
reconnections. Standard library only.

    serve_starvation.py URL HEADER [--attackers 48] [--probes 300] [--pause 0.02]
"""

import argparse
import json
import socket
import statistics
import threading
import time
import urllib.parse

PROBE_TIMEOUT = 30.0


def attacker(host, port, stop, counts, index):
    # Half the connections send half a head, the others nothing at all.
    partial = b"GET /msi/token?api-version=2019-08-01 HTTP/1.1\r\nHost: localhost\r\n"
    while not stop.is_set():
        try:
            with socket.create_connection((host, port)) as sock:
                if index % 2 == 0:
                    sock.sendall(partial)
                counts[index] += 1
                sock.settimeout(1.0)
                while not stop.is_set():
                    try:
                        if not sock.recv(4096):
                            break  # closed by the broker: reconnect at once
                    except socket.timeout:
                        continue
        except OSError:
            pass  # reset or refused: reconnect at once


def probe(host, port, target, header):
    request = (
        f"GET {target} HTTP/1.1\r\nHost: localhost\r\n"
        f"X-IDENTITY-HEADER: {header}\r\nConnection: close\r\n\r\n"
    ).encode()
    start = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT) as sock:
            sock.sendall(request)
            answer = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return None, time.perf_counter() - start
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1 ") else None
    return status, time.perf_counter() - start


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("header")
    parser.add_argument("--attackers", type=int, default=48)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--pause", type=float, default=0.02)
    args = parser.parse_args()
    parsed = urllib.parse.urlsplit(args.url)
    host, port = parsed.hostname, parsed.port
    target = "/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com"

    stop = threading.Event()
    counts = [0] * args.attackers
    threads = [
        threading.Thread(target=attacker, args=(host, port, stop, counts, i), daemon=True)
        for i in range(args.attackers)
    ]
    for thread in threads:
        thread.start()
    # Let the attacker fill every slot before the first probe.
    time.sleep(1.0 if args.attackers else 0)
    opened_before = sum(counts)

    latencies, failures = [], 0
    for _ in range(args.probes):
        status, elapsed = probe(host, port, target, args.header)
        if status == "200":
            latencies.append(elapsed)
        else:
            failures += 1
        time.sleep(args.pause)
    stop.set()

    latencies.sort()
    within = sum(1 for t in latencies if t <= 1.0)
    ms = lambda s: round(s * 1000, 2)
    print(
        json.dumps(
            {
                "attackers": args.attackers,
                "probes": args.probes,
                "answered_200": len(latencies),
                "failed": failures,
                "within_1s_percent": round(100 * within / args.probes, 1),
                "p50_ms": ms(statistics.median(latencies)) if latencies else None,
                "p90_ms": ms(percentile(latencies, 90)) if latencies else None,
                "p99_ms": ms(percentile(latencies, 99)) if latencies else None,
                "max_ms": ms(latencies[-1]) if latencies else None,
                "attacker_connections": sum(counts),
                "attacker_connections_during_probes": sum(counts) - opened_before,
            }
        )
    )


if __name__ == "__main__":
    main()
