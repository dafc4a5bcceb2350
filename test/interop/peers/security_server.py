"""A real libzmq (pyzmq) PLAIN or CURVE server with pyzmq's own ZAP handler, for zocket's
security interop tests (test/interop/security-interop.test.ts).

Usage (Debian's /usr/bin/python3, python3-zmq = libzmq 4.3.x):
  security_server.py curve --server-cert FILE (--clients DIR | --any) [common options]
  security_server.py plain --passwords user:pass[,user:pass...]      [common options]
common options: --allow IP, --deny IP (repeatable), --domain DOMAIN

The server is a ROUTER bound on tcp://127.0.0.1:*, authenticated by zmq.auth.thread.ThreadAuthenticator
(CURVE: configure_curve with a certificate directory, or CURVE_ALLOW_ANY; PLAIN: configure_plain).
The server key pair is read from FILE with zmq.auth.load_certificate (so a zocket-written certificate
is read by pyzmq). Prints:
  READY tcp://127.0.0.1:PORT
  RECV <User-Id> <payload>            for every message (and replies "echo:<payload>")
  EVENT <name> <value>                for handshake monitor events (protocol errors by name,
                                      e.g. "EVENT HANDSHAKE_FAILED_PROTOCOL ZMTP_CRYPTOGRAPHIC")
Exits when stdin closes, or after 60 s.
"""
import argparse
import sys
import threading
import time

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator
from security_common import say, watch

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mech", choices=["curve", "plain"])
    ap.add_argument("--server-cert")
    ap.add_argument("--clients")
    ap.add_argument("--any", action="store_true")
    ap.add_argument("--passwords", default="")
    ap.add_argument("--allow", action="append", default=[])
    ap.add_argument("--deny", action="append", default=[])
    ap.add_argument("--domain")
    a = ap.parse_args()

    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    if a.allow:
        auth.allow(*a.allow)
    if a.deny:
        auth.deny(*a.deny)
    s = ctx.socket(zmq.ROUTER)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 200)
    if a.domain:
        s.setsockopt(zmq.ZAP_DOMAIN, a.domain.encode())
    if a.mech == "curve":
        if a.any:
            auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
        else:
            auth.configure_curve(domain="*", location=a.clients)
        public, secret = zmq.auth.load_certificate(a.server_cert)
        s.curve_publickey = public
        s.curve_secretkey = secret
        s.curve_server = True
    else:
        pw = dict(p.split(":", 1) for p in a.passwords.split(",") if p)
        auth.configure_plain(domain="*", passwords=pw)
        s.plain_server = True
    mon = s.get_monitor_socket()
    threading.Thread(target=watch, args=(mon,), daemon=True).start()
    port = s.bind_to_random_port("tcp://127.0.0.1")
    say("READY", "tcp://127.0.0.1:%d" % port)

    done = threading.Event()

    def stdin_watch():
        sys.stdin.read()
        done.set()

    threading.Thread(target=stdin_watch, daemon=True).start()
    deadline = time.time() + 60
    while not done.is_set() and time.time() < deadline:
        try:
            frames = s.recv_multipart(copy=False)
        except zmq.Again:
            continue
        user = frames[-1].get("User-Id") or "-"
        payload = bytes(frames[-1].buffer)
        say("RECV", user, payload.decode("utf-8", "replace"))
        s.send_multipart([bytes(frames[0].buffer), b"echo:" + payload])
    s.disable_monitor()
    auth.stop()
    ctx.destroy(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
