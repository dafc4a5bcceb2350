"""ZMTP 2.0 framing (RFC 15) over a plain socket, shared by the raw ZMTP 2.0 peers (core_zmtp2.py,
reqrep_zmtp2_rep.py): frames are [flags][size][body], flags 01 = MORE, 02 = LONG (8-byte size).
Standard library only."""
import struct


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def read_frame(s, strict=False):
    """(flags, body). `strict`: any flag beyond MORE/LONG (ZMTP 2.0 has no COMMAND bit) prints
    "BADFLAGS xx" and raises."""
    flags = recv_exact(s, 1)[0]
    if strict and flags & ~0x03:
        print("BADFLAGS", "%02x" % flags, flush=True)
        raise ValueError("ZMTP 2.0 frame with flags %02x" % flags)
    if flags & 0x02:
        size = struct.unpack(">Q", recv_exact(s, 8))[0]
    else:
        size = recv_exact(s, 1)[0]
    return flags, recv_exact(s, size) if size else b""


def read_message(s, strict=False):
    parts = []
    while True:
        flags, body = read_frame(s, strict)
        parts.append(body)
        if not flags & 0x01:
            return parts


def frame(body, more):
    flags = 0x01 if more else 0x00
    if len(body) > 255:
        return bytes([flags | 0x02]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def message(parts):
    return b"".join(frame(p, i < len(parts) - 1) for i, p in enumerate(parts))


def send_message(s, parts):
    s.sendall(message(parts))
