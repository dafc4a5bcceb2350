"""Shared by the core interop peers: the message suite (same bytes as interopSuite() in test/helpers/sockets.ts),
fingerprints, and line output. Run the peers with Debian's /usr/bin/python3 (python3-zmq = libzmq 4.3.4)."""
import hashlib
import sys

TIMEOUT_MS = 10000


def pattern(n, seed):
    # (i*31 + seed) & 0xff has period 256 (31 is odd), so build one period and repeat it.
    period = bytes(((i * 31 + seed) & 0xFF) for i in range(256))
    return (period * (n // 256 + 1))[:n]


def suite():
    return [
        [b"hello"],
        [b""],
        [pattern(255, 1)],
        [pattern(256, 2)],
        [b"multi", b"", pattern(255, 3), pattern(256, 4), b"end"],
        [pattern(4 * 1024 * 1024, 5)],
        [b"last"],
    ]


def fp(frames):
    return ",".join("%d:%s" % (len(f), hashlib.sha1(f).hexdigest()[:12]) for f in frames)


def say(*parts):
    print(*parts, flush=True)


def check(i, got, want):
    if got == want:
        say("RECV", i, "OK")
        return True
    say("MISMATCH", i, "got", fp(got), "want", fp(want))
    return False
