"""A libzmq REP server (Debian's python3-zmq) for a 5.x REQ client: answers COUNT requests "Hello N" with
"World N", then exits.

usage: rep_server.py COUNT -- binds tcp://127.0.0.1:* and prints "listening on ENDPOINT", then one JSON line
{"requests": [...]}; exits 1 after 10 s without a request.
"""
import json
import sys

import zmq

count = int(sys.argv[1])
ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
rep.setsockopt(zmq.LINGER, 1000)
rep.setsockopt(zmq.RCVTIMEO, 10000)
rep.bind("tcp://127.0.0.1:*")
print("listening on " + rep.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
requests = []
for _ in range(count):
    request = rep.recv_string()
    requests.append(request)
    rep.send_string(request.replace("Hello", "World"))
print(json.dumps({"requests": requests}), flush=True)
rep.close()
ctx.term()
