"""A libzmq (python3-zmq) REQ: connects to argv[1], sends each further argument as a request and prints
each reply on its own line, then exits. Gives up after 10 s per reply (exit code 2)."""
import sys

import zmq

ctx = zmq.Context()
req = ctx.socket(zmq.REQ)
req.setsockopt(zmq.LINGER, 0)
req.setsockopt(zmq.RCVTIMEO, 10000)
req.connect(sys.argv[1])
for request in sys.argv[2:]:
    req.send_string(request)
    try:
        print(req.recv_string(), flush=True)
    except zmq.Again:
        print("TIMEOUT", flush=True)
        sys.exit(2)
