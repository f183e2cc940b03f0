"""mtls_resume.py HOST PORT CAFILE CERT KEY: two connections with a client certificate, the
second resuming the first's TLS 1.3 session; prints each /json answer on a line."""
import json
import socket
import ssl
import sys

host, port, ca, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
session = None
for _ in range(2):
    with socket.create_connection((host, port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost", session=session) as t:
            t.sendall(b"GET /json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                d = t.recv(65536)
                if not d:
                    break
                data += d
            session = t.session
    print(json.dumps(json.loads(data.split(b"\r\n\r\n", 1)[1])))
