"""A real libzmq (pyzmq) PLAIN or CURVE client, for zocket's security interop tests
(test/interop/security-interop.test.ts).

Usage (Debian's /usr/bin/python3, python3-zmq = libzmq 4.3.x):
  security_client.py curve ENDPOINT --server-cert FILE --cert FILE [--source IP]
  security_client.py plain ENDPOINT --user U --password P         [--source IP]

FILE certificates are read with zmq.auth.load_certificate (--server-cert: the server's public
certificate; --cert: this client's secret certificate). --source connects from that local address
("tcp://SRC:0;127.0.0.1:PORT", libzmq's source-address syntax). A DEALER sends "hello from libzmq"
and waits 3 s for the reply. Prints:
  EVENT <name> <value>        handshake monitor events
  RECV <payload> | TIMEOUT    the outcome
"""
import argparse
import sys
import threading

import zmq
import zmq.auth
from security_common import say, watch

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mech", choices=["curve", "plain"])
    ap.add_argument("endpoint")
    ap.add_argument("--server-cert")
    ap.add_argument("--cert")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--source")
    a = ap.parse_args()

    ctx = zmq.Context()
    c = ctx.socket(zmq.DEALER)
    c.setsockopt(zmq.LINGER, 0)
    c.setsockopt(zmq.RCVTIMEO, 3000)
    if a.mech == "curve":
        server_public, _ = zmq.auth.load_certificate(a.server_cert)
        public, secret = zmq.auth.load_certificate(a.cert)
        c.curve_serverkey = server_public
        c.curve_publickey = public
        c.curve_secretkey = secret
    else:
        c.plain_username = a.user.encode()
        c.plain_password = a.password.encode()
    mon = c.get_monitor_socket()
    t = threading.Thread(target=watch, args=(mon,), daemon=True)
    t.start()
    endpoint = a.endpoint
    if a.source:
        endpoint = "tcp://%s:0;%s" % (a.source, endpoint[len("tcp://"):])
    c.connect(endpoint)
    c.send(b"hello from libzmq")
    try:
        reply = c.recv()
        say("RECV", reply.decode("utf-8", "replace"))
    except zmq.Again:
        say("TIMEOUT")
    c.disable_monitor()
    t.join(1)
    ctx.destroy(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
