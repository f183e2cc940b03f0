"""The seed's TLS client; changed only: HOST, PORT from argv, and an optional CAFILE (argv[3]) loaded with load_verify_locations."""
import socket, ssl, sys
HOST, PORT = sys.argv[1], int(sys.argv[2])
CAFILE = sys.argv[3] if len(sys.argv) > 3 else None

def handle(conn):
    conn.write(b'GET / HTTP/1.1\n')
    print(conn.recv().decode())

def main():
    sock = socket.socket(socket.AF_INET)
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if CAFILE:
        context.load_verify_locations(cafile=CAFILE)  # the test CA is not in the system store
    context.options |= ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1 # optional
    conn = context.wrap_socket(sock, server_hostname=HOST)
    try:
        conn.connect((HOST, PORT))
        handle(conn)
    finally:
        conn.close()

if __name__ == '__main__':
    main()
