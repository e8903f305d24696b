#!/usr/bin/env python3
"""Serves a directory read-only over HTTPS on 127.0.0.1, for the e2e tests (a provider network
mirror is any static HTTPS server). Prints the port it listens on, then logs one line per
request on stderr.

    static_https.py DIR CERT_PEM KEY_PEM
"""
import functools
import http.server
import ssl
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("%s\n" % (format % args))
        sys.stderr.flush()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root, cert, key = sys.argv[1:]
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=root)
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
