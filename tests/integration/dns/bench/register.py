#!/usr/bin/env python3
"""Registers <services> services with <instances> instances each (one node per instance
slot) through /v1/catalog/register over one keep-alive connection.
usage: register.py <http-port> [services=1000] [instances=3]"""
import http.client, json, sys

port = int(sys.argv[1])
services = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
instances = int(sys.argv[3]) if len(sys.argv) > 3 else 3
conn = http.client.HTTPConnection("127.0.0.1", port)
for s in range(services):
    for i in range(instances):
        body = {"Node": f"bench-node{i}", "Address": f"10.{i}.0.1",
                "Service": {"ID": f"svc{s}-{i}", "Service": f"svc{s}", "Port": 20000 + s,
                            "Address": f"10.{i}.{s // 250}.{s % 250 + 1}"},
                "Check": {"CheckID": f"svc{s}-{i}", "Name": "ok", "Status": "passing", "ServiceID": f"svc{s}-{i}"}}
        conn.request("PUT", "/v1/catalog/register", json.dumps(body))
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            sys.exit(f"register failed: {r.status}")
