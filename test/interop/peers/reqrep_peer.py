"""Real libzmq (pyzmq) request-reply peers for zocket's interop tests.

Usage (run with Debian's /usr/bin/python3, which has python3-zmq = libzmq 4.3.x):
  reqrep_peer.py ROLE ACTION ENDPOINT COUNT [ENDPOINT2]

ACTION is "bind" or "connect". A tcp endpoint ending in ":*" binds an ephemeral port. Every bound
endpoint is printed as "ENDPOINT <resolved>" before any traffic. Roles:
  rep      REP: answer COUNT requests with every frame prefixed by b"py:".
  req      REQ: send COUNT requests [b"req", b"<i>"], print each reply as "REPLY hex,hex,...".
  router   ROUTER: for COUNT messages [id, *body] print "RECV hex,hex,..." (id first) and answer
           [id, b"py:" + body[0], ...].
  dealers  two DEALERs with routing ids D1 and D2: each sends [b"hello", <its id>] COUNT times and
           prints the replies it gets as "GOT <id> hex,hex,...".
  broker   ROUTER (frontend, ENDPOINT) and DEALER (backend, ENDPOINT2, same ACTION) forwarding both
           ways until COUNT replies went back to the frontend.
Each role prints "DONE" at the end, or "TIMEOUT" if a wait of 8 s expired, and always exits by itself.
"""
import sys

import zmq

TIMEOUT_MS = 8000


def say(*parts):
    print(*parts, flush=True)


def hexes(frames):
    return ",".join(f.hex() for f in frames)


def setup(sock, action, endpoint):
    sock.setsockopt(zmq.LINGER, 1000)
    sock.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    sock.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    if action == "bind":
        if endpoint.startswith("tcp://") and endpoint.endswith(":*"):
            port = sock.bind_to_random_port(endpoint[: -len(":*")])
            endpoint = "%s:%d" % (endpoint[: -len(":*")], port)
        else:
            sock.bind(endpoint)
        say("ENDPOINT", endpoint)
    else:
        sock.connect(endpoint)
    return sock


def rep(ctx, action, endpoint, count):
    s = setup(ctx.socket(zmq.REP), action, endpoint)
    for _ in range(count):
        frames = s.recv_multipart()
        say("RECV", hexes(frames))
        s.send_multipart([b"py:" + f for f in frames])


def req(ctx, action, endpoint, count):
    s = setup(ctx.socket(zmq.REQ), action, endpoint)
    for i in range(count):
        s.send_multipart([b"req", str(i).encode()])
        say("REPLY", hexes(s.recv_multipart()))


def router(ctx, action, endpoint, count):
    s = setup(ctx.socket(zmq.ROUTER), action, endpoint)
    for _ in range(count):
        frames = s.recv_multipart()
        say("RECV", hexes(frames))
        s.send_multipart([frames[0]] + [b"py:" + f for f in frames[1:]])


def dealers(ctx, action, endpoint, count):
    socks = []
    for ident in (b"D1", b"D2"):
        d = ctx.socket(zmq.DEALER)
        d.setsockopt(zmq.ROUTING_ID, ident)
        socks.append((ident, setup(d, action, endpoint)))
    for _ in range(count):
        for ident, d in socks:
            d.send_multipart([b"hello", ident])
        for ident, d in socks:
            say("GOT", ident.decode(), hexes(d.recv_multipart()))


def broker(ctx, action, front_ep, back_ep, count):
    front = setup(ctx.socket(zmq.ROUTER), action, front_ep)
    back = setup(ctx.socket(zmq.DEALER), action, back_ep)
    poller = zmq.Poller()
    poller.register(front, zmq.POLLIN)
    poller.register(back, zmq.POLLIN)
    replies = 0
    while replies < count:
        events = dict(poller.poll(TIMEOUT_MS))
        if not events:
            raise zmq.Again()
        if front in events:
            back.send_multipart(front.recv_multipart())
        if back in events:
            front.send_multipart(back.recv_multipart())
            replies += 1


def main():
    role, action, endpoint, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ctx = zmq.Context()
    try:
        if role == "rep":
            rep(ctx, action, endpoint, count)
        elif role == "req":
            req(ctx, action, endpoint, count)
        elif role == "router":
            router(ctx, action, endpoint, count)
        elif role == "dealers":
            dealers(ctx, action, endpoint, count)
        elif role == "broker":
            broker(ctx, action, endpoint, sys.argv[5], count)
        else:
            say("ERROR unknown role", role)
            sys.exit(2)
        say("DONE")
    except zmq.Again:
        say("TIMEOUT")
        sys.exit(1)
    finally:
        ctx.destroy(1000)


if __name__ == "__main__":
    main()
