"""A real libzmq (pyzmq) PUB/SUB/XPUB/XSUB peer for zocket's publish-subscribe interop tests.

Usage (run with Debian's /usr/bin/python3, which has python3-zmq = libzmq 4.3.x):
  pubsub_peer.py TYPE connect ENDPOINT     TYPE is PUB, SUB, XPUB or XSUB
  pubsub_peer.py TYPE bind ENDPOINT        prints the endpoint actually bound (tcp port '*' works)

It prints "READY <endpoint>", then obeys one command per stdin line and answers each with one line:
  sub [HEX]          ZMQ_SUBSCRIBE (no argument: everything)           -> OK
  unsub [HEX]        ZMQ_UNSUBSCRIBE                                    -> OK
  send HEX[,HEX...]  send a (multipart) message                         -> OK
  recv               receive one message (3 s timeout)                  -> RECV hex[,hex...] | TIMEOUT
  quit               close the socket (a disconnect the other side sees) and exit
Frames and topics are hex so that any byte goes through. The peer exits by itself after 60 s, or
when stdin closes.
"""
import signal
import sys

TIMEOUT_MS = 3000


def say(*parts):
    print(*parts, flush=True)


def main():
    import zmq

    signal.alarm(60)
    kind, how, endpoint = sys.argv[1], sys.argv[2], sys.argv[3]
    ctx = zmq.Context()
    s = ctx.socket({"PUB": zmq.PUB, "SUB": zmq.SUB, "XPUB": zmq.XPUB, "XSUB": zmq.XSUB}[kind])
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    if how == "bind":
        s.bind(endpoint)
        endpoint = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    else:
        s.connect(endpoint)
    say("READY", endpoint)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd, arg = parts[0], (parts[1] if len(parts) > 1 else "")
        if cmd == "sub":
            s.setsockopt(zmq.SUBSCRIBE, bytes.fromhex(arg))
            say("OK")
        elif cmd == "unsub":
            s.setsockopt(zmq.UNSUBSCRIBE, bytes.fromhex(arg))
            say("OK")
        elif cmd == "send":
            s.send_multipart([bytes.fromhex(f) for f in arg.split(",")])
            say("OK")
        elif cmd == "recv":
            try:
                frames = s.recv_multipart()
                say("RECV", ",".join(f.hex() for f in frames))
            except zmq.Again:
                say("TIMEOUT")
        elif cmd == "quit":
            break
        else:
            say("ERROR unknown command", cmd)
    s.close(0)
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
