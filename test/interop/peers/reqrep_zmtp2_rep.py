"""A raw ZMTP 2.0 (RFC 15, "legacy greeting") REP peer for zocket's REQ interop test. No libzmq involved.

Usage (any python3; only the standard library is used):
  reqrep_zmtp2_rep.py N     listen on 127.0.0.1, print "PORT n", accept one connection, answer N
                            requests, then print "DONE" and exit.

Wire (ZMTP 2.0): greeting = signature ff 00*7 01 7f, revision 01, socket type 04 (REP); then each side's
first message is its identity frame; frames are [flags][size][body] with flags 01 = MORE, 02 = LONG
(8-byte size). Each request's envelope (every frame up to and including the empty delimiter) is echoed in
front of the reply, whose body is b"v2:" + each request body frame. The peer also prints what it saw:
  "PEER-SIG hex", "PEER-REV n", "PEER-TYPE n", "PEER-ID hex", "REQ hex,hex,...".
Every wait has a timeout, so the script always ends by itself.
"""
import socket
import sys

from zmtp2_wire import frame, message, read_frame, read_message, recv_exact

TIMEOUT_S = 8.0


def say(*parts):
    print(*parts, flush=True)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(TIMEOUT_S)
    say("PORT", ls.getsockname()[1])
    s, _ = ls.accept()
    s.settimeout(TIMEOUT_S)
    # Signature (ZMTP 2.0: length-prefixed identity marker), revision 01, socket type REP.
    s.sendall(b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f" + b"\x01" + b"\x04")
    theirs = recv_exact(s, 12)
    say("PEER-SIG", theirs[:10].hex())
    say("PEER-REV", theirs[10])
    say("PEER-TYPE", theirs[11])
    flags, ident = read_frame(s)
    say("PEER-ID", ident.hex())
    s.sendall(frame(b"", False))  # our (empty) identity
    for _ in range(n):
        frames = read_message(s)
        say("REQ", ",".join(f.hex() for f in frames))
        try:
            bottom = frames.index(b"")
        except ValueError:
            continue  # REP drops requests without a delimiter
        envelope, body = frames[: bottom + 1], frames[bottom + 1 :]
        s.sendall(message(envelope + [b"v2:" + f for f in body]))
    say("DONE")
    s.close()
    ls.close()


if __name__ == "__main__":
    try:
        main()
    except (EOFError, socket.timeout, OSError) as e:
        say("ERROR", repr(e))
        sys.exit(1)
