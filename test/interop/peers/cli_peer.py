"""Real libzmq (pyzmq) peers for the `zocket` CLI interop tests.

Run with Debian's /usr/bin/python3 (python3-zmq = libzmq 4.3.x). Every mode binds on 127.0.0.1 with a
free port and prints "PORT n" first (or connects to the port it is given), reports what it saw on
stdout, and exits by itself: every wait has a timeout.

  cli_peer.py pull N                      PULL: receive N messages, print "RECV hex,hex,..." for each
  cli_peer.py pub TOPIC                   PUB: publish [TOPIC, i] and ["other", i] every 10 ms for 30 s
  cli_peer.py rep [SECRET_CERT]           REP echo until 30 s pass without a request (CURVE server with a czmq secret cert)

Waits are generous (a `zocket` child's tsx start-up on a loaded machine takes seconds); the tests kill
the peer as soon as they are done with it.
  cli_peer.py req PORT N [PUBLIC_CERT]    REQ: N round trips to 127.0.0.1:PORT (CURVE client of the
                                          server in PUBLIC_CERT), print "REPLY hex" each, then "OK"
"""
import sys
import time

import zmq
import zmq.auth

TIMEOUT_MS = 20000


def say(*parts):
    print(*parts, flush=True)


def bound(ctx, kind):
    s = ctx.socket(kind)
    s.setsockopt(zmq.LINGER, 1000)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    return s


def main(argv):
    mode = argv[1]
    ctx = zmq.Context()
    try:
        if mode == "pull":
            n = int(argv[2])
            s = bound(ctx, zmq.PULL)
            port = s.bind_to_random_port("tcp://127.0.0.1")
            say("PORT", port)
            for _ in range(n):
                frames = s.recv_multipart()
                say("RECV", ",".join(f.hex() for f in frames))
            say("DONE")
        elif mode == "pub":
            topic = argv[2].encode()
            s = bound(ctx, zmq.PUB)
            port = s.bind_to_random_port("tcp://127.0.0.1")
            say("PORT", port)
            end = time.time() + 30
            i = 0
            while time.time() < end:
                s.send_multipart([b"other", b"%d" % i])
                s.send_multipart([topic, b"%d" % i])
                i += 1
                time.sleep(0.01)
        elif mode == "rep":
            s = bound(ctx, zmq.REP)
            if len(argv) > 2:
                public, secret = zmq.auth.load_certificate(argv[2])
                s.curve_server = True
                s.curve_secretkey = secret
            port = s.bind_to_random_port("tcp://127.0.0.1")
            say("PORT", port)
            s.setsockopt(zmq.RCVTIMEO, 30000)
            while True:
                try:
                    frames = s.recv_multipart()
                except zmq.Again:
                    break
                s.send_multipart(frames)
                say("ECHO", ",".join(f.hex() for f in frames))
        elif mode == "req":
            port = int(argv[2])
            n = int(argv[3])
            s = bound(ctx, zmq.REQ)
            if len(argv) > 4:
                server_public, _ = zmq.auth.load_certificate(argv[4])
                public, secret = zmq.curve_keypair()
                s.curve_serverkey = server_public
                s.curve_publickey = public
                s.curve_secretkey = secret
            s.connect("tcp://127.0.0.1:%d" % port)
            for i in range(n):
                payload = [b"ping %d" % i, b"\x00\xff"]
                s.send_multipart(payload)
                reply = s.recv_multipart()
                if reply != payload:
                    say("MISMATCH", ",".join(f.hex() for f in reply))
                    return 1
                say("REPLY", ",".join(f.hex() for f in reply))
            say("OK")
        else:
            say("unknown mode", mode)
            return 2
    except zmq.Again:
        say("TIMEOUT")
        return 1
    finally:
        ctx.destroy(linger=500)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
