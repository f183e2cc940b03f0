"""client_echo_server.py HOST PORT BUNDLE MODE: a TLS peer for 'tlskit connect' tests.
MODE greet:  sends "hello from the server\n" at once, then reads until the client's
             close_notify, then answers "got N bytes sha256 HEX\n" and closes with close_notify.
     close:  sends "bye\n" and closes with close_notify without waiting for the client.
     reset:  sends "bye\n" and closes the TCP connection without close_notify.
One connection at a time; a line per connection on stdout says how the client closed."""
import hashlib
import socket
import ssl
import sys

HOST, PORT, BUNDLE, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(BUNDLE)
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((HOST, PORT))
sock.listen(4)
while True:
    raw, _ = sock.accept()
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
        if MODE == "greet":
            conn.sendall(b"hello from the server\n")
            h, n = hashlib.sha256(), 0
            while True:
                try:
                    d = conn.recv(65536)
                except ssl.SSLEOFError:
                    print("client closed without close_notify", flush=True)
                    break
                if not d:
                    print("client sent close_notify", flush=True)
                    break
                h.update(d)
                n += len(d)
            conn.sendall(b"got %d bytes sha256 %s\n" % (n, h.hexdigest().encode()))
            conn.unwrap()
        elif MODE == "close":
            conn.sendall(b"bye\n")
            conn.unwrap()
        else:
            conn.sendall(b"bye\n")
            conn.close()
    except (ssl.SSLError, OSError) as e:
        print("error:", e, flush=True)
    finally:
        raw.close()
