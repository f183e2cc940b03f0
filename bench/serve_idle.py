"""serve_idle.py HOST PORT CAFILE N HOLD: opens N TLS connections, sends one keep-alive GET /
on each and reads the answer, then holds them all idle HOLD seconds (prints "idle N" when all
are open) and closes them."""
import socket
import ssl
import sys
import time

host, port, ca, n, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
conns = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=30)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        got += t.recv(4096)
    head, body = got.split(b"\r\n\r\n", 1)
    cl = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < cl:
        body += t.recv(4096)
    conns.append(t)
print(f"idle {len(conns)}", flush=True)
time.sleep(hold)
for t in conns:
    t.close()
