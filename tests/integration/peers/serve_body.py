"""serve_body.py MODE HOST PORT CAFILE: request bodies sent to 'tlskit serve' on one TLS
connection. Prints what it saw, one fact a line, for the test to check.
  pipelined  three requests in one write: POST with Content-Length, POST chunked, GET /json;
             then a fourth after reading those, on the same connection
  trickle    a POST whose body comes in pieces 0.2 s apart, then GET /json
  stall      a POST with Content-Length: 10 and only 3 body bytes, then silence"""
import socket
import ssl
import sys
import time

mode, host, port, ca = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
s = socket.create_connection((host, port), timeout=10)
t = ctx.wrap_socket(s, server_hostname="localhost")
buf = b""


def response():
    """One response: (status, head, body); None when the server closed first."""
    global buf
    while b"\r\n\r\n" not in buf:
        d = t.recv(65536)
        if not d:
            return None
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(buf) < n:
        d = t.recv(65536)
        if not d:
            break
        buf += d
    body, buf = buf[:n], buf[n:]
    return status, head.decode(), body.decode(errors="replace")


def report(r):
    if r is None:
        print("closed")
        return
    status, head, body = r
    close = "close" if "connection: close" in head.lower() else "keep"
    print(status, close, body.strip().replace("\n", " "))


H = "Host: localhost\r\n"
if mode == "pipelined":
    body = b"a=1&b=" + b"x" * 5000
    chunked = b"5\r\nhello\r\n3;ext=1\r\n, w\r\n4\r\norld\r\n0\r\nTrailer: x\r\n\r\n"
    t.sendall(
        ("POST / HTTP/1.1\r\n" + H + "Content-Length: %d\r\n\r\n" % len(body)).encode() + body
        + ("POST /json HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n").encode()
        + chunked + ("GET /json HTTP/1.1\r\n" + H + "\r\n").encode())
    for _ in range(3):
        report(response())
    t.sendall(("POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\n\r\nabc"
               "GET / HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n").encode())
    report(response())
    report(response())
elif mode == "trickle":
    t.sendall(("POST / HTTP/1.1\r\n" + H + "Content-Length: 12\r\n\r\n").encode())
    for piece in (b"abcd", b"efgh", b"ijkl"):
        time.sleep(0.2)
        t.sendall(piece)
    report(response())
    t.sendall(("GET /json HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n").encode())
    report(response())
elif mode == "stall":
    t.sendall(("POST / HTTP/1.1\r\n" + H + "Content-Length: 10\r\n\r\nabc").encode())
    start = time.monotonic()
    report(response())
    print("after %.1f s" % (time.monotonic() - start))
