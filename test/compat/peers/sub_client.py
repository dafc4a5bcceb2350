"""A libzmq SUB (Debian's python3-zmq) for a 5.x PUB: subscribes to one zipcode and to "status", and reads
until it has COUNT weather updates and one two-part status message.

usage: sub_client.py ENDPOINT ZIPCODE COUNT -- prints one JSON line; exits 1 after 10 s without a message.
"""
import json
import sys

import zmq

endpoint, zipcode, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.LINGER, 0)
sub.setsockopt(zmq.RCVTIMEO, 10000)
sub.connect(endpoint)
sub.setsockopt_string(zmq.SUBSCRIBE, zipcode)
sub.setsockopt_string(zmq.SUBSCRIBE, "status")
updates, status = [], None
while len(updates) < count or status is None:
    frames = [f.decode() for f in sub.recv_multipart()]
    if frames[0] == "status":
        status = frames
    else:
        updates.append(frames)
print(json.dumps({"updates": updates, "status": status}))
sub.close()
ctx.term()
