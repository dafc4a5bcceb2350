"""libzmq workers and clients (Debian's python3-zmq) around a 5.x ROUTER/DEALER broker.

WORKERS REP sockets connect to the backend and answer each request with "<request> by <worker>"; CLIENTS
REQ sockets connect to the frontend and send REQUESTS requests each, checking every reply. One thread per
socket, as libzmq wants.

usage: broker_peers.py FRONTEND BACKEND WORKERS CLIENTS REQUESTS -- prints one JSON line
{"served": {worker: count}, "replies": total}; exits 1 on a wrong reply or a 10 s silence.
"""
import json
import sys
import threading

import zmq

frontend, backend = sys.argv[1], sys.argv[2]
workers, clients, requests = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ctx = zmq.Context()
served = {}
errors = []
lock = threading.Lock()
stop = threading.Event()


def worker(name):
    rep = ctx.socket(zmq.REP)
    rep.setsockopt(zmq.LINGER, 0)
    rep.setsockopt(zmq.RCVTIMEO, 100)
    rep.connect(backend)
    while not stop.is_set():
        try:
            request = rep.recv_string()
        except zmq.Again:
            continue
        with lock:
            served[name] = served.get(name, 0) + 1
        rep.send_string("%s by %s" % (request, name))
    rep.close()


def client(name):
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, 10000)
    req.connect(frontend)
    try:
        for i in range(requests):
            request = "%s-%d" % (name, i)
            req.send_string(request)
            reply = req.recv_string()
            if not reply.startswith(request + " by worker-"):
                errors.append("%s got %r" % (request, reply))
                return
    except zmq.Again:
        errors.append("%s: no reply in 10 s" % name)
    finally:
        req.close()


worker_threads = [threading.Thread(target=worker, args=("worker-%d" % i,)) for i in range(workers)]
client_threads = [threading.Thread(target=client, args=("client-%d" % i,)) for i in range(clients)]
for t in worker_threads + client_threads:
    t.start()
for t in client_threads:
    t.join()
stop.set()
for t in worker_threads:
    t.join()
ctx.term()
if errors:
    print(json.dumps({"errors": errors}))
    sys.exit(1)
print(json.dumps({"served": served, "replies": sum(served.values())}))
