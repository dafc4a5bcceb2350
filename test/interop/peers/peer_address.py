"""A libzmq (python3-zmq) ROUTER that reports where each connection comes from.

Prints "READY <endpoint>", then for each accepted connection "ACCEPTED <ip> <port>" (the remote end of the
accepted descriptor, read from the monitor's ACCEPTED event) and answers every REQ message with the
Peer-Address libzmq attaches to it. Used by test/transports/tcp-source.test.ts.
"""
import socket
import sys

import zmq
from zmq.utils.monitor import recv_monitor_message

ctx = zmq.Context()
router = ctx.socket(zmq.ROUTER)
router.bind(sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:0")
monitor = router.get_monitor_socket(zmq.EVENT_ACCEPTED)
print("READY", router.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
poller = zmq.Poller()
poller.register(router, zmq.POLLIN)
poller.register(monitor, zmq.POLLIN)
while True:
    for sock, _ in poller.poll():
        if sock is monitor:
            event = recv_monitor_message(monitor)
            fd = event["value"]
            s = socket.socket(fileno=fd)
            try:
                peer = s.getpeername()
            finally:
                s.detach()
            print("ACCEPTED", peer[0], peer[1], flush=True)
        else:
            frames = router.recv_multipart(copy=False)
            address = frames[-1].get("Peer-Address")
            router.send_multipart([frames[0].bytes, b"", address.encode()])
