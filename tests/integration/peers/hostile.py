"""hostile.py HOST PORT KIND: one hostile peer against a TLS server; prints what happened.

KIND: random (4 KiB of random bytes), truncated (half a ClientHello, then close),
truncated-stall (half a ClientHello, then wait for the server to give up), oversized (a
handshake record claiming 65535 bytes and sending them), silent (connect, send nothing, report
after how long the server closed), connect-close N (N connections opened and closed at once), hold N S (N TCP
connections held open S seconds, saying nothing).
Every socket operation is bounded by a 30 s timeout.
"""
import os
import socket
import ssl
import sys
import time

host, port, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def client_hello():
    """A real ClientHello, captured from Python's ssl over a memory BIO."""
    ctx = ssl.create_default_context()
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def drain(s):
    """Reads until the server closes; returns (bytes received, seconds taken)."""
    t0 = time.monotonic()
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except (ConnectionError, socket.timeout) as e:
        got += f"[{type(e).__name__}]".encode()
    return got, time.monotonic() - t0


def conn():
    s = socket.create_connection((host, port), timeout=30)
    return s


if kind == "random":
    s = conn()
    data = bytearray(os.urandom(4096))
    data[0] = 0x01  # not a TLS handshake byte, not an HTTP method letter
    try:
        s.sendall(bytes(data))
    except ConnectionError:
        pass
    got, secs = drain(s)
    print(f"closed after {secs:.2f}s, {len(got)} bytes back")
elif kind in ("truncated", "truncated-stall"):
    ch = client_hello()
    s = conn()
    s.sendall(ch[: len(ch) // 2])
    if kind == "truncated":
        s.close()
        print("sent half a ClientHello and closed")
    else:
        got, secs = drain(s)
        print(f"closed after {secs:.2f}s")
elif kind == "oversized":
    s = conn()
    try:
        s.sendall(b"\x16\x03\x01\xff\xff" + os.urandom(65535))
    except ConnectionError:
        pass
    got, secs = drain(s)
    alert = got[:1] == b"\x15"
    print(f"closed after {secs:.2f}s, alert={alert}")
elif kind == "silent":
    s = conn()
    got, secs = drain(s)
    print(f"closed after {secs:.2f}s")
elif kind == "connect-close":
    n = int(sys.argv[4])
    t0 = time.monotonic()
    for _ in range(n):
        c = socket.create_connection((host, port), timeout=30)
        c.close()
    print(f"{n} connect-and-close in {time.monotonic() - t0:.2f}s")
elif kind == "hold":
    n, secs = int(sys.argv[4]), float(sys.argv[5])
    held = [socket.create_connection((host, port), timeout=30) for _ in range(n)]
    print(f"holding {n} connections", flush=True)
    time.sleep(secs)
    for c in held:
        c.close()
    print("released")
else:
    sys.exit("unknown kind " + kind)
