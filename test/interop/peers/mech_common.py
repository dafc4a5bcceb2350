"""Shared by the mechanism interop peers (curve_peer.py, plain_peer.py): a DEALER with the given
security options, the client's one round trip and the server's one exchange, with the lines the
tests read. Run with Debian's /usr/bin/python3 (python3-zmq = libzmq 4.3.x); zmq is imported lazily
(curve_peer.py's box helper runs without it)."""

TIMEOUT_MS = 8000


def say(*parts):
    print(*parts, flush=True)


def dealer(ctx, options):
    """A DEALER with LINGER 1 s, RCVTIMEO TIMEOUT_MS and `options` ((zmq option name, value) pairs)."""
    import zmq

    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 1000)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    for name, value in options:
        s.setsockopt(getattr(zmq, name), value)
    return s


def client_round_trip(port, options, request):
    """Connect, send `request`, print "RECV hex,hex,..." (or "TIMEOUT"); the exit code."""
    import zmq

    ctx = zmq.Context()
    c = dealer(ctx, options)
    c.connect("tcp://127.0.0.1:%d" % port)
    c.send_multipart(request)
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


def serve_once(ctx, s, reply, cleanup=lambda: None):
    """Print "PORT n", receive one message (print "USER id" and "RECV hex,..."), answer `reply`, then
    wait for the test's goodbye so LINGER does not cut the reply short; the exit code."""
    import zmq

    port = s.bind_to_random_port("tcp://127.0.0.1")
    say("PORT", port)
    try:
        frames = s.recv_multipart(copy=False)
    except zmq.Again:
        say("TIMEOUT")
        cleanup()
        ctx.destroy(0)
        return 1
    user = frames[-1].get("User-Id") if hasattr(frames[-1], "get") else None
    say("USER", user or "")
    say("RECV", ",".join(bytes(f.buffer).hex() for f in frames))
    s.send_multipart(reply)
    try:
        s.recv_multipart()
    except zmq.Again:
        pass
    cleanup()
    s.close()
    ctx.term()
    return 0
