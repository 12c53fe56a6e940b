#!/usr/bin/python3
"""A gRPC health server for tst_checks_kinds (Debian's python3-grpcio; no generated code).

Serves grpc.health.v1.Health/Check with hand-encoded protobuf: service "" and "web" are
SERVING, "down" is NOT_SERVING, any other name fails with NOT_FOUND "unknown service" (as
grpc's own health servicer does). Listens on 127.0.0.1, with TLS when given a certificate and
key; prints the port, then runs until its standard input closes.

usage: grpc_health_server.py [CERT KEY]
"""
import sys
from concurrent import futures

import grpc


def requested_service(request: bytes) -> str:
    # HealthCheckRequest{string service = 1}; the test's names are short (one-byte length).
    if len(request) >= 2 and request[0] == 0x0A:
        return request[2:2 + request[1]].decode()
    return ""


def check(request: bytes, context) -> bytes:
    service = requested_service(request)
    if service not in ("", "web", "down"):
        context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
    return bytes([0x08, 2 if service == "down" else 1])  # HealthCheckResponse{status}


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(check)})
    server.add_generic_rpc_handlers((handler,))
    if len(sys.argv) == 3:
        with open(sys.argv[1], "rb") as c, open(sys.argv[2], "rb") as k:
            credentials = grpc.ssl_server_credentials([(k.read(), c.read())])
        port = server.add_secure_port("127.0.0.1:0", credentials)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
