"""A raw ZMTP 2.0 peer, emulating libzmq 3.x on the wire (RFC 15), for zocket's downgrade tests.

Usage: core_zmtp2.py bind|connect PORT TYPE MODE
  bind      listen on 127.0.0.1 (PORT 0 = any) and accept one connection; connect: connect to PORT
  TYPE      our socket type: PUSH (8), PULL (7), DEALER (5)
  MODE      send | recv | echo, with the suite of core_common.py (see core_peer.py)

Greeting: we send ff 00*7 01 7f, read the peer's 10 bytes, send the revision byte 01 and our socket-type
byte, and read the peer's 2 more bytes (libzmq 4 answers 03 and its type). Then the first message each
way is the identity frame (ours is empty). Framing: flags (01 MORE, 02 LONG), a 1- or 8-byte size, the
body. ZMTP 2.0 has no commands: a frame with any other flag bit (e.g. a PING command) is reported as
"BADFLAGS" and fails the run. Prints "READY tcp://127.0.0.1:PORT", "PEER type=N identity=HEX", per
message "RECV i OK" / "MISMATCH ...", then "DONE ok" / "DONE fail".
"""
import socket
import sys

from core_common import check, say, suite
from zmtp2_wire import frame, read_frame, read_message, recv_exact, send_message

TYPES = {"PUSH": 8, "PULL": 7, "DEALER": 5}
TIMEOUT = 10.0


def expect_silence(s, seconds):
    """True if nothing arrives for `seconds` (or the peer closes first)."""
    s.settimeout(seconds)
    try:
        extra = s.recv(65536)
    except socket.timeout:
        return True
    except OSError:
        return True
    if extra:
        say("EXTRA", extra[:32].hex())
        return False
    return True


def main():
    role, port, kind, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if role == "bind":
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("127.0.0.1", port))
        lsock.listen(1)
        lsock.settimeout(TIMEOUT)
        say("READY", "tcp://127.0.0.1:%d" % lsock.getsockname()[1])
        s, _ = lsock.accept()
    else:
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        say("READY", "tcp://127.0.0.1:%d" % port)
    s.settimeout(TIMEOUT)
    ok = True
    try:
        s.sendall(b"\xff" + b"\x00" * 7 + b"\x01\x7f")
        sig = recv_exact(s, 10)
        if sig[0] != 0xFF or not sig[9] & 1:
            say("BADSIG", sig.hex())
            ok = False
        s.sendall(bytes([0x01, TYPES[kind]]))
        rest = recv_exact(s, 2)
        s.sendall(frame(b"", False))  # our identity: empty
        _, identity = read_frame(s, strict=True)
        say("PEER", "major=%d" % rest[0], "type=%d" % rest[1], "identity=%s" % identity.hex())
        msgs = suite()
        if mode == "send":
            for m in msgs:
                send_message(s, m)
            # Stay until the peer has read everything and closes (or we time out); it sends nothing.
            ok = expect_silence(s, 3.0) and ok
        else:
            for i, want in enumerate(msgs):
                got = read_message(s, strict=True)
                ok = check(i, got, want) and ok
                if mode == "echo":
                    send_message(s, got)
            # Nothing else may come (e.g. no heartbeat PING: ZMTP 2.0 has no commands).
            ok = expect_silence(s, 0.4) and ok
    except (EOFError, ValueError, socket.timeout, OSError) as e:
        say("ERROR", repr(e))
        ok = False
    say("DONE", "ok" if ok else "fail")
    s.close()


if __name__ == "__main__":
    main()
