#!/usr/bin/env python3
"""Reads `dnsperf -v` output on stdin; prints the count, p50, p99 and max latency in ms."""
import sys
lat = []
for line in sys.stdin:
    if line.startswith("> "):
        try:
            lat.append(float(line.split()[-1]) * 1000)
        except ValueError:
            pass
lat.sort()
if not lat:
    sys.exit("no latencies")
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{len(lat)} responses: p50 {pick(0.5):.3f} ms p99 {pick(0.99):.3f} ms max {lat[-1]:.3f} ms")
