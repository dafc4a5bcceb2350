"""A libzmq 4.3.4 (Debian python3-zmq) peer over ws:// for test/interop/ws-interop.test.ts.

Usage: ws_peer.py ROLE bind|connect ENDPOINT MECH
  ROLE: rep | router   echo every message back (ROUTER keeps the routing id) until "quit" arrives
        pull           print "RECV i fingerprint" for each message, until "quit"
        push | req | dealer   send the message suite (core_common.suite()); req/dealer check the echo
        pub            publish "A-n" and "B-n" every 20 ms until stdin closes
        sub            subscribe to "A", print "RECV text" for 3 messages
        pair           echo like rep
  MECH: null | plain | curve (the RFC 26 keys; the binding side is the server)
Prints "READY <endpoint>" once bound or connected. Every wait has a timeout.
"""
import sys
import threading

import zmq

from core_common import TIMEOUT_MS, check, fp, say, suite

SERVER_PUBLIC = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
SERVER_SECRET = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
CLIENT_PUBLIC = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
CLIENT_SECRET = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

TYPES = {
    "rep": zmq.REP, "router": zmq.ROUTER, "pull": zmq.PULL, "push": zmq.PUSH, "req": zmq.REQ,
    "dealer": zmq.DEALER, "pub": zmq.PUB, "sub": zmq.SUB, "pair": zmq.PAIR,
}


def start_zap(ctx):
    """libzmq refuses PLAIN without a ZAP handler: this one accepts admin/secret."""
    zap = ctx.socket(zmq.REP)
    zap.setsockopt(zmq.LINGER, 0)
    zap.bind("inproc://zeromq.zap.01")

    def serve():
        while True:
            try:
                req = zap.recv_multipart()
            except zmq.ZMQError:
                return
            ok = req[6:8] == [b"admin", b"secret"]
            zap.send_multipart([b"1.0", req[1], b"200" if ok else b"400", b"", b"admin" if ok else b"", b""])

    threading.Thread(target=serve, daemon=True).start()


def main():
    role, how, endpoint, mech = sys.argv[1:5]
    ctx = zmq.Context()
    s = ctx.socket(TYPES[role])
    s.setsockopt(zmq.LINGER, 2000)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    server = how == "bind"
    if mech == "curve":
        if server:
            s.curve_server = True
            s.curve_secretkey = SERVER_SECRET
        else:
            s.curve_serverkey = SERVER_PUBLIC
            s.curve_publickey = CLIENT_PUBLIC
            s.curve_secretkey = CLIENT_SECRET
    elif mech == "plain":
        if server:
            start_zap(ctx)
            s.plain_server = True
        else:
            s.plain_username = b"admin"
            s.plain_password = b"secret"
    if role == "sub":
        s.setsockopt(zmq.SUBSCRIBE, b"A")
    if server:
        s.bind(endpoint)
        endpoint = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    else:
        s.connect(endpoint)
    say("READY", endpoint)
    try:
        run(role, s)
    except zmq.Again:
        say("TIMEOUT")
    s.close()
    ctx.term()


def run(role, s):
    if role in ("rep", "router", "pair"):
        while True:
            msg = s.recv_multipart()
            body = msg[1:] if role == "router" else msg
            s.send_multipart(msg)
            if body == [b"quit"]:
                break
    elif role == "pull":
        i = 0
        while True:
            msg = s.recv_multipart()
            if msg == [b"quit"]:
                break
            say("RECV", i, fp(msg))
            i += 1
    elif role == "push":
        for m in suite():
            s.send_multipart(m)
        say("SENT")
    elif role in ("req", "dealer"):
        ok = True
        for i, m in enumerate(suite()):
            s.send_multipart(m)
            ok = check(i, s.recv_multipart(), m) and ok
        say("DONE", "OK" if ok else "FAIL")
    elif role == "pub":
        stop = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        n = 0
        while not stop.wait(0.02):
            s.send(b"A-%d" % n)
            s.send(b"B-%d" % n)
            n += 1
    elif role == "sub":
        for _ in range(3):
            say("RECV", s.recv().decode())


main()
