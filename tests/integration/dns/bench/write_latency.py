#!/usr/bin/env python3
"""How long after a catalog write returns does DNS answer with it? Registers a new service
instance, then queries <name>.service.consul A over UDP until the new address shows up.
Prints the delays in ms (min/median/max over <rounds>).
usage: write_latency.py <http-port> <dns-port> [rounds=50]"""
import http.client, json, socket, struct, sys, time

http_port, dns_port = int(sys.argv[1]), int(sys.argv[2])
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 50
conn = http.client.HTTPConnection("127.0.0.1", http_port)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(1)

def query(name, qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    sock.sendto(q, ("127.0.0.1", dns_port))
    while True:
        data, _ = sock.recvfrom(4096)
        if struct.unpack(">H", data[:2])[0] == qid:
            return data

delays = []
for r in range(rounds):
    addr = bytes([192, 0, 2, r % 250 + 1])
    body = {"Node": "latency-node", "Address": "10.9.9.9",
            "Service": {"ID": f"lat{r}", "Service": f"latency{r}", "Port": 1, "Address": socket.inet_ntoa(addr)}}
    conn.request("PUT", "/v1/catalog/register", json.dumps(body))
    resp = conn.getresponse()
    resp.read()
    t0 = time.perf_counter()
    qid = 1
    while True:
        data = query(f"latency{r}.service.consul", qid & 0xFFFF)
        qid += 1
        if addr in data[12:]:
            break
    delays.append((time.perf_counter() - t0) * 1000)
delays.sort()
print(f"write->DNS ms: min {delays[0]:.3f} median {delays[len(delays)//2]:.3f} max {delays[-1]:.3f} over {rounds}")
