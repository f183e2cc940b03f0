"""client_dhe_server.py HOST PORT BUNDLE DHPARAMS: an old-style HTTPS server for the client
tests: TLS 1.2 only, finite-field DHE only (DHE-RSA-AES128-GCM-SHA256) with the group from
DHPARAMS (e.g. the 1024-bit one of tests/certs), at security level 0 so that it serves it.
openssl s_server is not used: on OpenSSL 3.0 it ignores -dhparam here and picks 2048 bits."""
import socket
import ssl
import sys

HOST, PORT, BUNDLE, DH = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0")
ctx.load_dh_params(DH)
ctx.load_cert_chain(BUNDLE)
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((HOST, PORT))
sock.listen(8)
while True:
    raw, _ = sock.accept()
    try:
        with ctx.wrap_socket(raw, server_side=True) as conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nDHE\n")
    except (ssl.SSLError, OSError) as e:
        print("handshake:", e, flush=True)
    finally:
        raw.close()
