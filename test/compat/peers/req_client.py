"""A libzmq REQ client (Debian's python3-zmq) for a 5.x REP server: N requests, each reply checked.

usage: req_client.py ENDPOINT COUNT -- prints one JSON line: {"replies": [...]}; exits 1 on a wrong reply
or after 10 s without one.
"""
import json
import sys

import zmq

endpoint, count = sys.argv[1], int(sys.argv[2])
ctx = zmq.Context()
req = ctx.socket(zmq.REQ)
req.setsockopt(zmq.LINGER, 0)
req.setsockopt(zmq.RCVTIMEO, 10000)
req.connect(endpoint)
replies = []
for i in range(count):
    req.send_string("Hello %d" % i)
    reply = req.recv_string()
    if reply != "World %d" % i:
        print(json.dumps({"error": "request %d got %r" % (i, reply)}))
        sys.exit(1)
    replies.append(reply)
print(json.dumps({"replies": replies}))
req.close()
ctx.term()
