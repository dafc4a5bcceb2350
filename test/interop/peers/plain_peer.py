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

TIMEOUT_MS = 8000


def say(*parts):
    print(*parts, flush=True)


def server():
    import zmq
    from zmq.auth.thread import ThreadAuthenticator

    ctx = zmq.Context()
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 1000)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.PLAIN_SERVER, 1)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    say("PORT", port)
    try:
        frames = s.recv_multipart(copy=False)
    except zmq.Again:
        say("TIMEOUT")
        auth.stop()
        ctx.destroy(0)
        return 1
    say("USER", frames[-1].get("User-Id") or "")
    say("RECV", ",".join(bytes(f.buffer).hex() for f in frames))
    s.send_multipart([b"pong", b""])
    try:
        s.recv_multipart()
    except zmq.Again:
        pass
    auth.stop()
    s.close()
    ctx.term()
    return 0


def client(port, user, password):
    import zmq

    ctx = zmq.Context()
    c = ctx.socket(zmq.DEALER)
    c.setsockopt(zmq.LINGER, 1000)
    c.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    c.setsockopt(zmq.PLAIN_USERNAME, user)
    c.setsockopt(zmq.PLAIN_PASSWORD, password)
    c.connect("tcp://127.0.0.1:%d" % port)
    c.send_multipart([b"hello", b"plain"])
    try:
        frames = c.recv_multipart()
    except zmq.Again:
        say("TIMEOUT")
        ctx.destroy(0)
        return 1
    say("RECV", ",".join(f.hex() for f in frames))
    c.close()
    ctx.term()
    return 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "server":
        sys.exit(server())
    if mode == "client":
        sys.exit(client(int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4].encode()))
    sys.exit("unknown mode " + mode)
