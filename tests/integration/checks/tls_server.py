#!/usr/bin/python3
"""An HTTPS server for tst_checks_kinds' TLS checks (Python's ssl, nothing else).

Answers every GET with 200 "tls ok" over HTTP/1.1 and offers only "http/1.1" by ALPN, so an
H2PING check against it must find that HTTP/2 was not negotiated. TCP checks with
tcp_use_tls only complete the handshake. Listens on 127.0.0.1 with the given certificate and
key (and, given CLIENT_CA, requiring a client certificate that CA signed); prints the port,
then runs until its standard input closes. --tls12 caps it at TLS 1.2; --ciphers restricts
its TLS 1.2 cipher suites (OpenSSL names).

usage: tls_server.py CERT KEY [CLIENT_CA] [--tls12] [--ciphers LIST]
"""
import argparse
import http.server
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b"tls ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # failed handshakes (untrusting clients, bare TCP checks) are expected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cert")
    parser.add_argument("key")
    parser.add_argument("client_ca", nargs="?")
    parser.add_argument("--tls12", action="store_true")
    parser.add_argument("--ciphers")
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["http/1.1"])
    if args.tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.ciphers:
        context.set_ciphers(args.ciphers)
    if args.client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(args.client_ca)
    server = Server(("127.0.0.1", 0), Handler)
    # The handshake runs in the request's thread, on its first read.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
