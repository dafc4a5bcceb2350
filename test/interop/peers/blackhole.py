"""A tcp listener whose accept queue is full (listen(0), filled, never accepted): Linux drops further
SYNs, so a connect to it neither succeeds nor fails until its own timeout. Prints "READY tcp://127.0.0.1:PORT".
Used by the connectTimeout test (test/transports/options.test.ts)."""
import socket
import time

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
port = s.getsockname()[1]
held = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.3)
print("READY tcp://127.0.0.1:%d" % port, flush=True)
while True:
    time.sleep(3600)
