"""inflight.py HOST PORT CAFILE SIGNAL_FILE: opens a TLS connection, sends half a request, then
waits until SIGNAL_FILE exists (the test has sent SIGTERM), sends the rest and prints the
answer. Bounded by 30 s."""
import os
import socket
import ssl
import sys
import time

host, port, ca, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
with socket.create_connection((host, port), timeout=30) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        t.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        print("sent half", flush=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(flag) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        t.sendall(b"\r\n")
        out = b""
        try:
            while True:
                b = t.recv(65536)
                if not b:
                    break
                out += b
        except (ssl.SSLError, ConnectionError, socket.timeout) as e:
            out += b"[" + type(e).__name__.encode() + b"]"
        sys.stdout.write(out.decode(errors="replace"))
