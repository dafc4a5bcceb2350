"""A real libzmq (pyzmq) PLAIN peer for zocket's byte-level interop tests.

Usage (run with Debian's /usr/bin/python3, which has python3-zmq = libzmq 4.3.x):
  plain_peer.py server            bind a PLAIN-server DEALER on 127.0.0.1 (ZAP via pyzmq's
                                  ThreadAuthenticator: admin/secret only), print "PORT n"
  plain_peer.py client PORT USER PASS
                                  connect a PLAIN-client DEALER to 127.0.0.1:PORT

Each side exchanges one multipart message with the test, prints what it received as
"RECV hex,hex,...", and exits by itself (every wait has a timeout).
"""
import sys

from mech_common import client_round_trip, dealer, serve_once


def server():
    import zmq
    from zmq.auth.thread import ThreadAuthenticator

    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    s = dealer(ctx, [("PLAIN_SERVER", 1)])
    return serve_once(ctx, s, [b"pong", b""], cleanup=auth.stop)


def client(port, user, password):
    options = [("PLAIN_USERNAME", user), ("PLAIN_PASSWORD", password)]
    return client_round_trip(port, options, [b"hello", b"plain"])


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "server":
        sys.exit(server())
    if mode == "client":
        sys.exit(client(int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4].encode()))
    sys.exit("unknown mode " + mode)
