"""The seed's TLS server; changed only: HOST, PORT, CERT from argv, and flush=True on prints so a test reading its log through a pipe sees them before the server is killed."""
import socket, ssl, sys
HOST, PORT, CERT = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def handle(conn):
    print(conn.recv(), flush=True)
    conn.write(b'HTTP/1.1 200 OK\n\n%s' % conn.getpeername()[0].encode())

def main():
    sock = socket.socket()
    sock.bind((HOST, PORT))
    sock.listen(5)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile=CERT) # 1. key, 2. cert, 3. intermediates
    context.options |= ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1 # optional
    context.set_ciphers('EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH')
    while True:
        conn = None
        ssock, addr = sock.accept()
        try:
            conn = context.wrap_socket(ssock, server_side=True)
            handle(conn)
        except ssl.SSLError as e:
            print(e, flush=True)
        finally:
            if conn:
                conn.close()

if __name__ == '__main__':
    main()
