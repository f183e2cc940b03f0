#!/usr/bin/env bash
# test_examples.sh: examples/client and examples/server against real peers on loopback (the
# seed's Python programs, openssl, gnutls, curl), their refusals, and the installed library
# (make install, pkg-config, exported symbols).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

CLIENT="$TLSKIT_BUILD/examples/client"
SERVER="$TLSKIT_BUILD/examples/server"
for f in "$CLIENT" "$SERVER" "$C/ca.pem"; do
    if [ ! -e "$f" ]; then
        not_ok "missing $f (run make, and tests/run for the certificates)"
        exit 1
    fi
done
OUT="$T_TMP/out"
ERR="$T_TMP/err"

# client_ok NAME PORT [HOST] [CAFILE]: examples/client succeeds, prints a 200 reply.
client_ok() {
    local name=$1 port=$2 host=${3:-127.0.0.1} ca=${4:-$C/ca.pem} rc
    timeout 20 "$CLIENT" "$host" "$port" "$ca" >"$OUT" 2>"$ERR"
    rc=$?
    if [ "$rc" -eq 0 ]; then ok "$name: client exits 0"; else
        not_ok "$name: client exits 0 (exit $rc)"
        sed 's/^/#   /' "$ERR" | head -5
    fi
    contains "$name: a 200 reply" "$OUT" " 200 "
    check "$name: nothing on stderr" test ! -s "$ERR"
}

# client_refused NAME WORDS PORT [HOST]: examples/client exits non-zero with WORDS on stderr
# and nothing on stdout.
client_refused() {
    local name=$1 words=$2 port=$3 host=${4:-localhost} rc
    timeout 20 "$CLIENT" "$host" "$port" "$C/ca.pem" >"$OUT" 2>"$ERR"
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then ok "$name: client exits non-zero ($rc)"; else
        not_ok "$name: client exits non-zero (exit $rc)"
    fi
    contains "$name: says '$words'" "$ERR" "$words"
    check "$name: nothing on stdout" test ! -s "$OUT"
}

# seed_server BUNDLE: the seed's Python server on a free port; sets PORT and SRV.
seed_server() {
    PORT=$(free_port)
    bg "$T_TMP/seed-server.log" "$PYTHON" "$PEERS/seed_server.py" 127.0.0.1 "$PORT" "$C/$1"
    SRV=$BG_PID
    wait_port "$PORT"
}

# --- examples/client against servers -----------------------------------------------------
if seed_server ecdsa.pem; then
    client_ok "client vs seed server" "$PORT"
    contains "client vs seed server: the reply holds our IP" "$OUT" "127.0.0.1"
    client_ok "client vs seed server, by name" "$PORT" localhost
    sleep 0.2
    contains "seed server got a proper request line" "$T_TMP/seed-server.log" 'GET / HTTP/1.1\r\n'
    contains "seed server got a Host header" "$T_TMP/seed-server.log" "Host: 127.0.0.1:$PORT"
else
    not_ok "seed server starts"
fi
stop "$SRV"

PORT=$(free_port)
bg "$T_TMP/s_server.log" openssl s_server -accept "127.0.0.1:$PORT" -cert "$C/rsa.crt" \
    -cert_chain "$C/inter.pem" -key "$C/rsa.key" -www
SRV=$BG_PID
if wait_port "$PORT"; then
    client_ok "client vs openssl s_server -www" "$PORT"
    contains "client vs openssl s_server: TLS 1.3" "$OUT" "TLSv1.3"
    # s_server -www lists the ciphers the client offered: only AEAD ones.
    awk '/common between both/ {f = 1; next} /^(Signature|Supported|Shared|New|SSL-Session)/ {f = 0} f' \
        "$OUT" | tr ' :' '\n\n' | grep . >"$T_TMP/common"
    contains "client vs openssl s_server: offers ECDHE-RSA-AES128-GCM-SHA256" "$T_TMP/common" \
        "ECDHE-RSA-AES128-GCM-SHA256"
    check "client vs openssl s_server: offers only ECDHE+AEAD suites in TLS 1.2" bash -c \
        '! grep -vE "^(TLS_|ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$)" "$1"' \
        _ "$T_TMP/common"
else
    not_ok "openssl s_server starts"
fi
stop "$SRV"

PORT=$(free_port)
bg "$T_TMP/gnutls-serv.log" gnutls-serv --http -p "$PORT" --x509certfile "$C/ecdsa.chain" \
    --x509keyfile "$C/ecdsa.key"
SRV=$BG_PID
if wait_port "$PORT"; then
    client_ok "client vs gnutls-serv --http" "$PORT"
    contains "client vs gnutls-serv: the reply is gnutls's page" "$OUT" "GnuTLS"
    contains "client vs gnutls-serv: the page shows the client's address" "$OUT" "127.0.0.1"
else
    not_ok "gnutls-serv starts"
fi
stop "$SRV"

# --- examples/client refusals -------------------------------------------------------------
if seed_server wronghost.pem; then
    client_refused "wrong host name" "host name mismatch" "$PORT"
    contains "wrong host name: names what it covers" "$ERR" "wrong.example"
fi
stop "$SRV"
if seed_server untrusted.pem; then
    client_refused "untrusted CA" "unknown issuer" "$PORT"
    contains "untrusted CA: names the issuer" "$ERR" "tlskit untrusted root"
fi
stop "$SRV"
if seed_server expired.pem; then
    client_refused "expired certificate" "certificate expired" "$PORT"
fi
stop "$SRV"
PORT=$(free_port)
bg "$T_TMP/s_server11.log" openssl s_server -accept "127.0.0.1:$PORT" -cert "$C/rsa.crt" \
    -cert_chain "$C/inter.pem" -key "$C/rsa.key" -www -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
SRV=$BG_PID
if wait_port "$PORT"; then
    client_refused "TLS 1.1-only server" "protocol version" "$PORT"
    contains "TLS 1.1-only server: says it is an older version" "$ERR" "TLS 1.0/1.1"
else
    not_ok "openssl s_server -tls1_1 starts"
fi
stop "$SRV"
# Nothing listening.
PORT=$(free_port)
client_refused "nothing listening" "connection refused" "$PORT" 127.0.0.1

# --- examples/server against clients ------------------------------------------------------
PORT=$(free_port)
SLOG="$T_TMP/server.log"
bg "$SLOG" "$SERVER" 127.0.0.1 "$PORT" "$C/ecdsa.pem"
SRV=$BG_PID
if wait_port "$PORT"; then
    ok "examples/server listens"
    # The seed's client sends "GET / HTTP/1.1\n" and no blank line: 408 after 5 s, no hang.
    start=$(date +%s)
    timeout 20 "$PYTHON" "$PEERS/seed_client.py" 127.0.0.1 "$PORT" "$C/ca.pem" >"$OUT" 2>"$ERR"
    rc=$?
    secs=$(($(date +%s) - start))
    if [ "$rc" -eq 0 ]; then ok "seed client vs server: exits 0"; else
        not_ok "seed client vs server: exits 0 (exit $rc)"
        sed 's/^/#   /' "$ERR" | head -5
    fi
    contains "seed client vs server: 408 for an unfinished request" "$OUT" "408 Request Timeout"
    check "seed client vs server: answered within 4..10 s ($secs s)" test "$secs" -ge 4 -a "$secs" -le 10

    # A complete request from a Python client (the seed's, with a blank line added).
    "$PYTHON" - "$PORT" "$C/ca.pem" >"$OUT" 2>"$ERR" <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="127.0.0.1") as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while True:
            d = c.recv(4096)
            if not d:
                break
            data += d
        print(data.decode(), c.version())
EOF
    contains "python client vs server: 200" "$OUT" "HTTP/1.1 200 OK"
    contains "python client vs server: our IP as the body" "$OUT" "127.0.0.1"
    contains "python client vs server: TLS 1.3" "$OUT" "TLSv1.3"

    timeout 20 curl -sS --cacert "$C/ca.pem" "https://127.0.0.1:$PORT/" -o "$OUT" 2>"$ERR"
    rc=$?
    check "curl vs server: exits 0 ($rc)" test "$rc" -eq 0
    check "curl vs server: body is our IP" grep -qx "127.0.0.1" "$OUT"
    timeout 20 curl -sS --cacert "$C/ca.pem" --tls-max 1.2 --resolve "localhost:$PORT:127.0.0.1" \
        -w '%{http_code}\n' "https://localhost:$PORT/" -o "$OUT.body" >"$OUT" 2>"$ERR"
    check "curl --tls-max 1.2 vs server: 200" grep -qx 200 "$OUT"
    check "curl --tls-max 1.2 vs server: body is our IP" grep -qx "127.0.0.1" "$OUT.body"

    printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' |
        timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
            -CAfile "$C/ca.pem" -verify_return_error -verify_hostname localhost -ign_eof \
            >"$OUT" 2>"$ERR"
    rc=$?
    check "openssl s_client vs server: exits 0 ($rc)" test "$rc" -eq 0
    contains "openssl s_client vs server: verified" "$OUT" "Verify return code: 0 (ok)"
    contains "openssl s_client vs server: 200" "$OUT" "HTTP/1.1 200 OK"
    check "openssl s_client vs server: our IP as the body" grep -qx "127.0.0.1" "$OUT"

    { printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'; sleep 2; } |
        timeout 20 gnutls-cli --x509cafile "$C/ca.pem" --verify-hostname localhost -p "$PORT" \
            127.0.0.1 >"$OUT" 2>"$ERR"
    contains "gnutls-cli vs server: 200" "$OUT" "HTTP/1.1 200 OK"
    check "gnutls-cli vs server: our IP as the body" grep -qx "127.0.0.1" "$OUT"

    # Old clients are refused, the reason is logged, and the server keeps serving.
    for v in tls1 tls1_1; do
        name=$([ "$v" = tls1 ] && echo TLSv1.0 || echo TLSv1.1)
        : >"$OUT"
        timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -"$v" -cipher 'DEFAULT@SECLEVEL=0' \
            </dev/null >"$OUT" 2>"$ERR"
        rc=$?
        check "$name client vs server: refused ($rc)" test "$rc" -ne 0
        sleep 0.3
        contains "$name client vs server: the server logs the offered version" "$SLOG" \
            "the client offered only $name"
        timeout 20 curl -sS --cacert "$C/ca.pem" "https://127.0.0.1:$PORT/" -o "$OUT" 2>"$ERR"
        check "after the $name client, a good client is served" grep -qx "127.0.0.1" "$OUT"
    done
    contains "server logs requests" "$SLOG" "GET / HTTP/1.1"
    check "server is still running" kill -0 "$SRV"
else
    not_ok "examples/server listens"
    sed 's/^/#   /' "$SLOG" | head
fi
stop "$SRV"

# A bundle the server refuses to load: it does not start, and says why.
timeout 10 "$SERVER" 127.0.0.1 "$(free_port)" "$C/outoforder.pem" >"$OUT" 2>"$ERR"
rc=$?
check "server with outoforder.pem: exits 2 ($rc)" test "$rc" -eq 2
contains "server with outoforder.pem: says out of order" "$ERR" "out of order"
# The seed's cipher list draws a warning at start.
PORT=$(free_port)
bg "$T_TMP/server2.log" "$SERVER" 127.0.0.1 "$PORT" "$C/expiring.pem"
SRV=$BG_PID
wait_port "$PORT" >/dev/null
# It listens first (the seed's order) and loads the bundle after: wait for its words.
for _ in $(seq 50); do grep -q 'expires on' "$T_TMP/server2.log" && break; sleep 0.1; done
contains "server warns about the seed's CBC suites" "$T_TMP/server2.log" "CBC"
contains "server warns about an expiring certificate" "$T_TMP/server2.log" "expires on"
stop "$SRV"

# --- installed library --------------------------------------------------------------------
INST="$T_TMP/inst"
if make -s -C "$TLSKIT_TOP" install BUILD="$TLSKIT_BUILD" DESTDIR="$INST" PREFIX=/usr \
    >"$T_TMP/install.log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=/usr"
else
    not_ok "make install DESTDIR=... PREFIX=/usr"
    tail -5 "$T_TMP/install.log" | sed 's/^/#   /'
fi
for f in usr/include/tlskit.h usr/lib/libtlskit.a usr/lib/libtlskit.so usr/lib/libtlskit.so.0 \
    usr/lib/pkgconfig/tlskit.pc; do
    check "installed $f" test -e "$INST/$f"
done
# Under SANITIZE the installed library is instrumented: so must the program be.
SAN=()
[ -n "${SANITIZE:-}" ] && SAN=(-fsanitize="$SANITIZE")
# The .pc file says prefix=/usr; point it at the staging directory.
export PKG_CONFIG_PATH="$INST/usr/lib/pkgconfig"
pc() { pkg-config --define-variable=prefix="$INST/usr" "$@"; }
check "pkg-config knows tlskit" pkg-config --exists tlskit
check "tlskit.pc says prefix=/usr" grep -qx "prefix=/usr" "$INST/usr/lib/pkgconfig/tlskit.pc"
# shellcheck disable=SC2046 # word splitting of pkg-config's flags is intended
if cc "${SAN[@]}" -o "$T_TMP/client-inst" "$TLSKIT_TOP/examples/client.c" $(pc --cflags --libs tlskit) \
    2>"$ERR"; then
    ok "examples/client.c compiles and links against the installed library"
else
    not_ok "examples/client.c compiles and links against the installed library"
    sed 's/^/#   /' "$ERR" | head
fi
# shellcheck disable=SC2046
if cc "${SAN[@]}" -o "$T_TMP/client-static" "$TLSKIT_TOP/examples/client.c" \
    $(pc --cflags tlskit) "$INST/usr/lib/libtlskit.a" $(pkg-config --libs-only-l --static openssl) \
    2>"$ERR"; then
    ok "examples/client.c links statically against the installed libtlskit.a"
else
    not_ok "examples/client.c links statically against the installed libtlskit.a"
    sed 's/^/#   /' "$ERR" | head
fi
unset PKG_CONFIG_PATH
if seed_server ecdsa.pem; then
    LD_LIBRARY_PATH="$INST/usr/lib" timeout 20 "$T_TMP/client-inst" 127.0.0.1 "$PORT" "$C/ca.pem" \
        >"$OUT" 2>"$ERR"
    contains "the client built on the installed library works" "$OUT" "127.0.0.1"
    check "... using the installed libtlskit.so" bash -c \
        'LD_LIBRARY_PATH="$1/usr/lib" ldd "$2" | grep -q "$1/usr/lib/libtlskit.so"' _ "$INST" "$T_TMP/client-inst"
fi
stop "$SRV"

# Only tlskit_* symbols are exported.
nm -D --defined-only "$TLSKIT_BUILD/libtlskit.so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' >"$T_TMP/syms"
check "libtlskit.so exports symbols" test -s "$T_TMP/syms"
if grep -v '^tlskit_' "$T_TMP/syms" >"$T_TMP/bad-syms"; then
    not_ok "libtlskit.so exports only tlskit_* symbols"
    sed 's/^/#   /' "$T_TMP/bad-syms" | head
else
    ok "libtlskit.so exports only tlskit_* symbols ($(wc -l <"$T_TMP/syms"))"
fi
check "libtlskit.so exports tlskit_conn_handshake" grep -qx tlskit_conn_handshake "$T_TMP/syms"
check "libtlskit.so hides tk_load_keypair" bash -c '! grep -q tk_load_keypair "$1"' _ "$T_TMP/syms"

t_done
