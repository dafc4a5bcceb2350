"""Shared by the security interop peers (security_client.py, security_server.py): line output that the
monitor thread and the main thread can both use, and the handshake monitor events they report.
Run with Debian's /usr/bin/python3 (python3-zmq = libzmq 4.3.x)."""
import sys
import threading

import zmq
from zmq.utils.monitor import recv_monitor_message

EVENT_NAMES = {
    zmq.EVENT_HANDSHAKE_SUCCEEDED: "HANDSHAKE_SUCCEEDED",
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL: "HANDSHAKE_FAILED_NO_DETAIL",
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL: "HANDSHAKE_FAILED_PROTOCOL",
    zmq.EVENT_HANDSHAKE_FAILED_AUTH: "HANDSHAKE_FAILED_AUTH",
    zmq.EVENT_DISCONNECTED: "DISCONNECTED",
}


PROTOCOL_ERRORS = {getattr(zmq, n): n[len("PROTOCOL_ERROR_"):] for n in dir(zmq) if n.startswith("PROTOCOL_ERROR_")}


_out = threading.Lock()


def say(*parts):
    # One write per line under a lock: the monitor thread prints too, and print(*parts) writes
    # its pieces separately, so lines could interleave.
    line = " ".join(str(p) for p in parts) + "\n"
    with _out:
        sys.stdout.write(line)
        sys.stdout.flush()


def watch(mon):
    while True:
        try:
            ev = recv_monitor_message(mon)
        except zmq.ZMQError:
            return
        name = EVENT_NAMES.get(ev["event"])
        if name == "HANDSHAKE_FAILED_PROTOCOL":
            say("EVENT", name, PROTOCOL_ERRORS.get(ev["value"], ev["value"]))
        elif name:
            say("EVENT", name, ev["value"])
        if ev["event"] == zmq.EVENT_MONITOR_STOPPED:
            return
