"""A libzmq peer for `npm run chaos` (test/chaos/run.ts), run with /usr/bin/python3 (pyzmq on libzmq 4.3).

    peer.py ROLE ENDPOINT [RATE]

Roles:
    pull      bind PULL; receives u32 sequence numbers
    router    bind ROUTER with heartbeats; echoes every message, records sequence numbers
    push      connect PUSH; sends sequence numbers at RATE a second
    dealer    connect DEALER with heartbeats; sends sequence numbers at RATE a second

Every line on stdout is JSON: {"ready": endpoint} once bound or connecting, {"event": name} for monitor events
(connected, accepted, disconnected), and, when a line "report" arrives on stdin, {"got": [...]} (sequence
numbers received, in order) or {"sent": n}. Heartbeats: 200 ms interval, 800 ms timeout.
"""
import json
import struct
import sys
import threading
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

EVENTS = {
    zmq.EVENT_CONNECTED: "connected",
    zmq.EVENT_ACCEPTED: "accepted",
    zmq.EVENT_DISCONNECTED: "disconnected",
}


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    role, endpoint = sys.argv[1], sys.argv[2]
    rate = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    ctx = zmq.Context()
    kind = {"pull": zmq.PULL, "router": zmq.ROUTER, "push": zmq.PUSH, "dealer": zmq.DEALER}[role]
    s = ctx.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.HEARTBEAT_IVL, 200)
    s.setsockopt(zmq.HEARTBEAT_TIMEOUT, 800)
    s.setsockopt(zmq.RECONNECT_IVL, 100)
    mon = s.get_monitor_socket()
    lock = threading.Lock()
    got = []
    sent = [0]

    def watch():
        while True:
            try:
                ev = recv_monitor_message(mon)
            except zmq.ZMQError:
                return
            name = EVENTS.get(ev["event"])
            if name:
                with lock:
                    say({"event": name})

    threading.Thread(target=watch, daemon=True).start()

    def commands():
        for line in sys.stdin:
            if line.strip() == "report":
                with lock:
                    say({"got": list(got), "sent": sent[0]})
        # The driver went away.
        ctx.destroy(linger=0)
        sys.exit(0)

    threading.Thread(target=commands, daemon=True).start()

    if role in ("pull", "router"):
        s.bind(endpoint)
        say({"ready": s.getsockopt_string(zmq.LAST_ENDPOINT)})
        while True:
            frames = s.recv_multipart()
            body = frames[-1]
            if len(body) >= 4:
                with lock:
                    got.append(struct.unpack("<I", body[:4])[0])
            if role == "router":
                s.send_multipart(frames)
    else:
        s.connect(endpoint)
        say({"ready": endpoint})
        n = 0
        t0 = time.monotonic()
        while True:
            due = int((time.monotonic() - t0) * rate)
            while n < due:
                s.send(struct.pack("<I", n))
                n += 1
                with lock:
                    sent[0] = n
            time.sleep(0.005)


main()
