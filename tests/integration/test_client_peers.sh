#!/usr/bin/env bash
# test_client_peers.sh: 'tlskit get' and 'tlskit connect' against real peers on loopback: the
# seed's Python server, gnutls-serv, nginx (TLS 1.2 and 1.3, ALPN, client certificates) and
# openssl s_server -WWW; each check names the peer and what it proves.
# shellcheck disable=SC2016 # bash -c '...' _ ARG scripts expand $1 themselves
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

CA=(--cafile "$C/ca.pem")

# --- the seed's server: HTTP/1.1 200 with LF line ends and a read-until-close body ---
PORT=$(free_port)
bg "$T_TMP/seed.log" "$PYTHON" "$PEERS/seed_server.py" 127.0.0.1 "$PORT" "$C/ecdsa.pem"
SEED_PID=$BG_PID
wait_port "$PORT"
get_case "seed server" 0 "${CA[@]}" "https://localhost:$PORT/"
check "seed server: body is the client's address" grep -qx "127.0.0.1" "$T_TMP/out"
sleep 0.2
contains "seed server: got our GET with Host" "$T_TMP/seed.log" "Host: localhost:$PORT"
for v in 1.2 1.3; do
    get_case "seed server over TLS $v" 0 "${CA[@]}" --json --min-tls "$v" --max-tls "$v" "https://localhost:$PORT/"
    contains "seed server: TLSv$v" "$T_TMP/err" "\"version\":\"TLSv$v\""
done
# stdin stays open until the seed server has answered: it closes without reading our
# close_notify, and a close with unread bytes makes the kernel send a reset.
{
    printf 'GET / HTTP/1.0\r\n\r\n'
    sleep 1
} | "$TLSKIT" connect -q "${CA[@]}" --timeout 5 "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
check_rc "connect to the seed server" 0
contains "connect to the seed server: its answer" "$T_TMP/out" "HTTP/1.1 200 OK"
stop "$SEED_PID"

# --- gnutls-serv ---
if command -v gnutls-serv >/dev/null; then
    PORT=$(free_port)
    bg "$T_TMP/gnutls.log" gnutls-serv --http --port "$PORT" --x509certfile "$C/ecdsa.chain" \
        --x509keyfile "$C/ecdsa.key" --alpn http/1.1
    G_PID=$BG_PID
    wait_port "$PORT"
    for v in 1.2 1.3; do
        get_case "gnutls-serv over TLS $v" 0 "${CA[@]}" --json --min-tls "$v" --max-tls "$v" \
            --alpn http/1.1 "https://localhost:$PORT/"
        contains "gnutls-serv: TLSv$v" "$T_TMP/err" "\"version\":\"TLSv$v\""
        contains "gnutls-serv: ALPN http/1.1" "$T_TMP/err" '"alpn":"http/1.1"'
        contains "gnutls-serv: its HTML page" "$T_TMP/out" "GnuTLS"
    done
    stop "$G_PID"
    PORT=$(free_port)
    bg "$T_TMP/gnutls-echo.log" gnutls-serv --echo --port "$PORT" --x509certfile "$C/rsa.chain" \
        --x509keyfile "$C/rsa.key"
    G_PID=$BG_PID
    wait_port "$PORT"
    { printf 'echo me\n'; sleep 0.5; } | "$TLSKIT" connect -q "${CA[@]}" --timeout 3 "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
    contains "connect to gnutls-serv --echo (RSA)" "$T_TMP/out" "echo me"
    stop "$G_PID"
    PORT=$(free_port)
    bg "$T_TMP/gnutls-cc.log" gnutls-serv --http --port "$PORT" --x509certfile "$C/ecdsa.chain" \
        --x509keyfile "$C/ecdsa.key" --x509cafile "$C/ca.pem" --require-client-cert
    G_PID=$BG_PID
    wait_port "$PORT"
    get_case "gnutls-serv requiring a client certificate" 0 "${CA[@]}" --cert "$C/client.pem" "https://localhost:$PORT/"
    get_case "gnutls-serv requiring a client certificate, none sent" 4 "${CA[@]}" "https://localhost:$PORT/" -- "client certificate"
    stop "$G_PID"
else
    echo "# gnutls-serv not installed: skipped"
fi

# --- nginx (nginx-light), with its own config in a temp dir ---
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$NGINX" ]; then
    N="$T_TMP/nginx"
    mkdir -p "$N/html/big"
    PORT=$(free_port)
    printf 'hello from nginx\n' >"$N/html/index.html"
    head -c 5000000 /dev/urandom >"$N/html/big/file.bin"
    cat >"$N/nginx.conf" <<NGX
daemon off;
user $(id -un) $(id -gn);
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 64; }
http {
    log_format conn '\$connection \$request_uri \$status';
    access_log $N/access.log conn;
    client_body_temp_path $N/body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/fastcgi;
    uwsgi_temp_path $N/uwsgi;
    scgi_temp_path $N/scgi;
    server {
        listen 127.0.0.1:$PORT ssl;
        ssl_certificate $C/ecdsa.chain;
        ssl_certificate_key $C/ecdsa.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_client_certificate $C/ca.pem;
        ssl_verify_client optional;
        root $N/html;
        location /mtls { if (\$ssl_client_verify != SUCCESS) { return 403; } return 200 "client \$ssl_client_s_dn\n"; }
        location /chunked { gzip off; return 200 "x"; }
        location /redir { return 301 /index.html; }
        location /hop { return 302 /redir; }
        location /plain { return 301 http://127.0.0.1:$PORT/index.html; }
    }
}
NGX
    bg "$T_TMP/nginx.log" "$NGINX" -p "$N" -c "$N/nginx.conf"
    NG_PID=$BG_PID
    wait_port "$PORT"
    for v in 1.2 1.3; do
        get_case "nginx over TLS $v" 0 "${CA[@]}" --json --min-tls "$v" --max-tls "$v" "https://localhost:$PORT/"
        contains "nginx: TLSv$v" "$T_TMP/err" "\"version\":\"TLSv$v\""
        contains "nginx: the page" "$T_TMP/out" "hello from nginx"
    done
    get_case "nginx: 5 MB static file" 0 "${CA[@]}" -o "$T_TMP/big.bin" "https://localhost:$PORT/big/file.bin"
    check "nginx: 5 MB file arrives intact" cmp -s "$T_TMP/big.bin" "$N/html/big/file.bin"
    get_case "nginx: 404 with --fail" 1 "${CA[@]}" --fail "https://localhost:$PORT/missing"
    get_case "nginx: -L follows its 301" 0 "${CA[@]}" -L "https://localhost:$PORT/redir"
    contains "nginx: -L body" "$T_TMP/out" "hello from nginx"
    get_case "nginx: -L, two redirects" 0 "${CA[@]}" -L -v "https://localhost:$PORT/hop"
    contains "nginx: -L, two redirects: the page" "$T_TMP/out" "hello from nginx"
    check "nginx: -L, two redirects: the connection reused twice" \
        test "$(grep -c 'connection reused' "$T_TMP/err")" -eq 2
    check "nginx: the three requests came on one connection" "$PYTHON" -c '
import sys
lines = [l.split() for l in open(sys.argv[1])]
hop = [i for i, l in enumerate(lines) if l[1] == "/hop"][-1]
seq = lines[hop:hop + 3]
assert [l[1] for l in seq] == ["/hop", "/redir", "/index.html"], seq
assert len({l[0] for l in seq}) == 1, seq' "$N/access.log"
    get_case "nginx: -L refuses its redirect to http" 7 "${CA[@]}" -L "https://localhost:$PORT/plain" -- "refused redirect"
    get_case "nginx: client certificate accepted" 0 "${CA[@]}" --cert "$C/client.pem" "https://localhost:$PORT/mtls"
    contains "nginx: saw our client certificate" "$T_TMP/out" "CN=tlskit test client"
    get_case "nginx: no client certificate, 403 with --fail" 1 "${CA[@]}" --fail "https://localhost:$PORT/mtls"
    get_case "nginx: -I" 0 "${CA[@]}" -I "https://localhost:$PORT/"
    contains "nginx: -I head" "$T_TMP/out" "Server: nginx"
    check "nginx: -I no body" bash -c '! grep -q "hello from nginx" "$1"' _ "$T_TMP/out"
    stop "$NG_PID"
else
    echo "# nginx not installed: skipped"
fi

# --- openssl s_server -WWW (serves files, HTTP/1.0) ---
mkdir -p "$T_TMP/www"
printf 'file via s_server\n' >"$T_TMP/www/f.txt"
PORT=$(free_port)
(cd "$T_TMP/www" && exec openssl s_server -accept "$PORT" -cert "$C/rsa.crt" -key "$C/rsa.key" \
    -cert_chain "$C/inter.pem" -WWW -quiet) >"$T_TMP/www.log" 2>&1 &
T_PIDS+=("$!")
WWW_PID=$!
wait_port "$PORT"
get_case "s_server -WWW file (RSA)" 0 "${CA[@]}" "https://localhost:$PORT/f.txt"
check "s_server -WWW file body" grep -qx "file via s_server" "$T_TMP/out"
stop "$WWW_PID"

t_done
