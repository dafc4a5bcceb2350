"""A real libzmq (pyzmq) DEALER for zocket's heartbeat tests.

Usage: core_hb.py bind|connect ENDPOINT IVL TIMEOUT TTL SECONDS
  Sets ZMQ_HEARTBEAT_IVL / _TIMEOUT / _TTL (ms; 0 leaves the option unset), binds (tcp://127.0.0.1:*)
  or connects, and watches its own monitor. It sends "start", stays SECONDS, sends "end", then reports
  "EVENTS handshakes=N disconnects=M" and "DONE". libzmq drops a connection whose peer does not answer
  its PINGs within TIMEOUT, so disconnects=0 proves zocket answers them.
"""
import sys
import threading
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

from core_common import say


def main():
    role, endpoint = sys.argv[1], sys.argv[2]
    ivl, timeout, ttl = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    seconds = float(sys.argv[6])
    ctx = zmq.Context()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 1000)
    s.setsockopt(zmq.SNDTIMEO, 5000)
    if ivl:
        s.setsockopt(zmq.HEARTBEAT_IVL, ivl)
    if timeout:
        s.setsockopt(zmq.HEARTBEAT_TIMEOUT, timeout)
    if ttl:
        s.setsockopt(zmq.HEARTBEAT_TTL, ttl)
    mon = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED)
    counts = {"handshakes": 0, "disconnects": 0}
    stop = threading.Event()

    def watch():
        mon.setsockopt(zmq.RCVTIMEO, 100)
        while not stop.is_set():
            try:
                ev = recv_monitor_message(mon)
            except zmq.Again:
                continue
            except zmq.ZMQError:
                return
            if ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                counts["handshakes"] += 1
            elif ev["event"] == zmq.EVENT_DISCONNECTED:
                counts["disconnects"] += 1

    w = threading.Thread(target=watch, daemon=True)
    w.start()
    if role == "bind":
        port = s.bind_to_random_port("tcp://127.0.0.1")
        endpoint = "tcp://127.0.0.1:%d" % port
    else:
        s.connect(endpoint)
    say("READY", endpoint)
    s.send(b"start")
    time.sleep(seconds)
    s.send(b"end")
    time.sleep(0.2)
    stop.set()
    w.join()
    say("EVENTS", "handshakes=%d" % counts["handshakes"], "disconnects=%d" % counts["disconnects"])
    say("DONE")
    s.disable_monitor()
    mon.close()
    s.close()
    ctx.term()


if __name__ == "__main__":
    main()
