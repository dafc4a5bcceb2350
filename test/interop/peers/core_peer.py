"""A real libzmq (pyzmq) peer for zocket's core interop tests.

Usage: core_peer.py TYPE bind|connect ENDPOINT MODE
  TYPE      PUSH, PULL, PAIR, DEALER or ROUTER
  ENDPOINT  for bind: tcp://127.0.0.1:* or ipc://PATH; for connect: the endpoint to connect to
  MODE      send  send the suite (core_common.suite()) in order
            recv  receive len(suite) messages and compare them with the suite
            echo  receive len(suite) messages, compare each, and send it back (ROUTER keeps the
                  routing-id envelope, so the reply goes to the sender)
Prints "READY <endpoint>" once bound/connected, "RECV i OK" / "MISMATCH ..." per message, then
"DONE ok" or "DONE fail". Every wait has a timeout; the peer exits by itself.
"""
import sys

import zmq

from core_common import TIMEOUT_MS, check, say, suite

TYPES = {"PUSH": zmq.PUSH, "PULL": zmq.PULL, "PAIR": zmq.PAIR, "DEALER": zmq.DEALER, "ROUTER": zmq.ROUTER}


def main():
    kind, role, endpoint, mode = sys.argv[1:5]
    ctx = zmq.Context()
    s = ctx.socket(TYPES[kind])
    s.setsockopt(zmq.LINGER, 5000)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    if role == "bind":
        if endpoint.startswith("tcp://") and endpoint.endswith(":*"):
            port = s.bind_to_random_port(endpoint[: -len(":*")])
            endpoint = endpoint[: -len("*")] + str(port)
        else:
            s.bind(endpoint)
    else:
        s.connect(endpoint)
    say("READY", endpoint)
    msgs = suite()
    ok = True
    try:
        if mode == "send":
            for m in msgs:
                s.send_multipart(m)
        else:
            for i, want in enumerate(msgs):
                got = s.recv_multipart()
                envelope = []
                if kind == "ROUTER":
                    envelope, got = got[:1], got[1:]
                ok = check(i, got, want) and ok
                if mode == "echo":
                    s.send_multipart(envelope + got)
    except zmq.Again:
        say("TIMEOUT")
        ok = False
    say("DONE", "ok" if ok else "fail")
    s.close()
    ctx.term()


if __name__ == "__main__":
    main()
