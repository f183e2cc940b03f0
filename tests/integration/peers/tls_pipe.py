"""tls_pipe.py HOST PORT [CAFILE]: sends stdin over one verified TLS connection (SNI
localhost) and writes everything the server sends back until it closes (10 s at most)."""
import socket
import ssl
import sys

host, port = sys.argv[1], int(sys.argv[2])
ca = sys.argv[3] if len(sys.argv) > 3 else None
ctx = ssl.create_default_context(cafile=ca)
data = sys.stdin.buffer.read()
out = b""
with socket.create_connection((host, port), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        t.sendall(data)
        try:
            while True:
                b = t.recv(65536)
                if not b:
                    break
                out += b
        except (ssl.SSLError, ConnectionError, socket.timeout) as e:
            out += b"\n[" + type(e).__name__.encode() + b"]"
sys.stdout.buffer.write(out)
