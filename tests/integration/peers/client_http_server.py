"""client_http_server.py HOST PORT BUNDLE: a small HTTPS/1.1 server for the client tests.
Each path shows one HTTP behaviour; the connection is closed after each response.

  /cl              Content-Length body          /chunked      chunked body, extension, trailer
  /close           body until close (clean)     /close-unclean  body until TCP close, no close_notify
  /1xx             100 and 103 before the 200   /echo          echoes method, headers and body
  /redirect/N      N redirects, then 200        /loop          redirects to itself
  /to-http         redirects to http://         /rel           relative redirect to "cl"
  /to-other        redirects to https://tlskit.test:PORT/echo (another host)
  /303             303 to /echo                 /307           307 to /echo (keeps the method)
  /status/N        status N with a short body   /not-http      bytes that are not HTTP
  /truncated       Content-Length 100, 10 sent  /bad-chunk     a malformed chunk size
  /zeros/N         N zero bytes (Content-Length), streamed
  /zeros-chunked/N N zero bytes, chunked        /nobody        204 No Content
  /stall           10 body bytes, then 10 s of silence
  /ka-lie          a 302 to /cl that promises keep-alive, then closes the connection anyway
  /paced/N         N bytes (Content-Length) in three bursts with pauses, the last one small;
                   then the connection stays open for 10 s, as a keep-alive server's would
"""
import socket
import ssl
import sys
import threading
import time

HOST, PORT, BUNDLE = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, target, head.decode("latin-1"), rest[:n]


def respond(conn, status, body=b"", extra="", length=True):
    head = "HTTP/1.1 %d X\r\n%s" % (status, extra)
    if length:
        head += "Content-Length: %d\r\n" % len(body)
    conn.sendall((head + "Connection: close\r\n\r\n").encode() + body)


def zeros(conn, n, chunked):
    block = b"\0" * (1 << 20)
    if chunked:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    else:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
    while n > 0:
        b = block[: min(n, len(block))]
        if chunked:
            conn.sendall(b"%x\r\n" % len(b) + b + b"\r\n")
        else:
            conn.sendall(b)
        n -= len(b)
    if chunked:
        conn.sendall(b"0\r\n\r\n")


def handle(conn):
    req = read_request(conn)
    if req is None:
        return True
    method, target, head, body = req
    base = "https://%s:%d" % (HOST if ":" not in HOST else "[%s]" % HOST, PORT)
    if target == "/cl":
        respond(conn, 200, b"hello content-length\n", "Content-Type: text/plain\r\n")
    elif target == "/chunked":
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"6;ext=1\r\nhello \r\n8\r\nchunked \r\n5\r\nbody\n\r\n0\r\nX-Trailer: t\r\n\r\n")
    elif target == "/close":
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello until close\n")
    elif target == "/close-unclean":
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello until close\n")
        return False
    elif target == "/1xx":
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
        respond(conn, 200, b"after 1xx\n")
    elif target == "/echo":
        respond(conn, 200, ("%s\n%s\n\n" % (method, head)).encode() + body)
    elif target.startswith("/redirect/"):
        n = int(target.rsplit("/", 1)[1])
        if n == 0:
            respond(conn, 200, b"redirected ok\n")
        else:
            respond(conn, 302, b"moved", "Location: /redirect/%d\r\n" % (n - 1))
    elif target == "/loop":
        respond(conn, 302, b"", "Location: %s/loop\r\n" % base)
    elif target == "/to-http":
        respond(conn, 301, b"", "Location: http://%s:%d/cl\r\n" % (HOST, PORT))
    elif target == "/to-other":
        respond(conn, 302, b"", "Location: https://tlskit.test:%d/echo\r\n" % PORT)
    elif target == "/rel":
        respond(conn, 301, b"", "Location: cl\r\n")
    elif target == "/303":
        respond(conn, 303, b"", "Location: /echo\r\n")
    elif target == "/307":
        respond(conn, 307, b"", "Location: /echo\r\n")
    elif target.startswith("/status/"):
        respond(conn, int(target.rsplit("/", 1)[1]), b"status body\n")
    elif target == "/not-http":
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
    elif target == "/truncated":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
    elif target == "/bad-chunk":
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n")
    elif target.startswith("/zeros/"):
        zeros(conn, int(target.rsplit("/", 1)[1]), False)
    elif target.startswith("/zeros-chunked/"):
        zeros(conn, int(target.rsplit("/", 1)[1]), True)
    elif target == "/stall":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        time.sleep(10)
    elif target == "/ka-lie":
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /cl\r\nContent-Length: 5\r\n\r\nmoved")
    elif target.startswith("/paced/"):
        n = int(target.rsplit("/", 1)[1])
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
        for part in (n - n // 4, n // 4 - 100, 100):
            conn.sendall(b"p" * part)
            time.sleep(0.3)
        time.sleep(10)
    elif target == "/nobody":
        respond(conn, 204, b"", length=False)
    else:
        respond(conn, 404, b"no such test path\n")
    return True


def serve(ctx, raw):
    try:
        with ctx.wrap_socket(raw, server_side=True) as conn:
            clean = handle(conn)
            if clean:
                try:
                    conn.unwrap()  # close_notify
                except (ssl.SSLError, OSError):
                    pass
    except (ssl.SSLError, OSError) as e:
        print("connection:", e, flush=True)


def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(BUNDLE)
    fam = socket.AF_INET6 if ":" in HOST else socket.AF_INET
    sock = socket.socket(fam)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, PORT))
    sock.listen(16)
    while True:
        raw, _ = sock.accept()
        threading.Thread(target=serve, args=(ctx, raw), daemon=True).start()


if __name__ == "__main__":
    main()
