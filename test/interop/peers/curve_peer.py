"""A real libzmq (pyzmq) CURVE peer for zocket's byte-level interop tests.

Usage (run with Debian's /usr/bin/python3, which has python3-zmq = libzmq 4.3.x):
  curve_peer.py server ZAP_STATUS          bind a CURVE-server DEALER on 127.0.0.1, print "PORT n"
  curve_peer.py client PORT SERVER_PUBLIC  connect a CURVE-client DEALER to 127.0.0.1:PORT
  curve_peer.py box SK PK NONCE MSG        libsodium oracle: print beforenm and crypto_box_easy (hex)

Keys are the libzmq documentation test keys (digest §2.4). The server runs a hand-written ZAP handler
(REP at inproc://zeromq.zap.01) that answers ZAP_STATUS ("200", "300", "400", "none" = no handler) and
reports the request it saw. Each side exchanges one multipart message with the test, prints what it
received as "RECV hex,hex,...", and exits by itself (every wait has a timeout).
"""
import ctypes
import sys
import threading

from mech_common import TIMEOUT_MS, client_round_trip, dealer, say, serve_once

SERVER_PUBLIC = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
SERVER_SECRET = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
CLIENT_PUBLIC = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
CLIENT_SECRET = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"


def zap_handler(ctx, status, ready):
    import zmq

    zap = ctx.socket(zmq.REP)
    zap.setsockopt(zmq.LINGER, 0)
    zap.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    zap.bind("inproc://zeromq.zap.01")
    ready.set()
    try:
        req = zap.recv_multipart()
    except zmq.ZMQError:
        zap.close()
        return
    # version, request id, domain, address, identity, mechanism, credentials...
    say("ZAP", ",".join(f.hex() for f in req))
    user = b"curve-user" if status == b"200" else b""
    zap.send_multipart([req[0], req[1], status, b"status text", user, b""])
    zap.close()


def server(status):
    import zmq

    ctx = zmq.Context()
    if status != b"none":
        ready = threading.Event()
        threading.Thread(target=zap_handler, args=(ctx, status, ready), daemon=True).start()
        ready.wait(5)
    s = dealer(ctx, [("CURVE_SERVER", 1), ("CURVE_SECRETKEY", SERVER_SECRET)])
    return serve_once(ctx, s, [b"pong", b"x" * 300, b""])


def client(port, server_public):
    options = [("CURVE_SERVERKEY", server_public), ("CURVE_PUBLICKEY", CLIENT_PUBLIC), ("CURVE_SECRETKEY", CLIENT_SECRET)]
    return client_round_trip(port, options, [b"hello", b"y" * 300, b""])


def box(sk_hex, pk_hex, nonce_hex, msg_hex):
    lib = ctypes.CDLL("libsodium.so.23")
    assert lib.sodium_init() >= 0
    sk, pk, nonce, msg = (bytes.fromhex(x) for x in (sk_hex, pk_hex, nonce_hex, msg_hex))
    k = ctypes.create_string_buffer(32)
    assert lib.crypto_box_beforenm(k, pk, sk) == 0
    c = ctypes.create_string_buffer(len(msg) + 16)
    assert lib.crypto_box_easy(c, msg, ctypes.c_ulonglong(len(msg)), nonce, pk, sk) == 0
    pub = ctypes.create_string_buffer(32)
    assert lib.crypto_scalarmult_base(pub, sk) == 0
    say("BEFORENM", k.raw.hex())
    say("BOX", c.raw.hex())
    say("PUBLIC", pub.raw.hex())
    return 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "server":
        sys.exit(server(sys.argv[2].encode()))
    if mode == "client":
        sys.exit(client(int(sys.argv[2]), sys.argv[3].encode()))
    if mode == "box":
        sys.exit(box(*sys.argv[2:6]))
    sys.exit("unknown mode " + mode)
