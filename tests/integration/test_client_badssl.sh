#!/usr/bin/env bash
# test_client_badssl.sh: a local badssl.com made at test time: 'tlskit get' accepts the good
# servers and refuses each bad one with the documented exit code and a message naming the
# problem (openssl s_server on loopback, certificates from tests/certs/mkcerts.sh).
# shellcheck disable=SC2016 # bash -c '...' _ ARG scripts expand $1 themselves
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

CA=(--cafile "$C/ca.pem")
LOW=(-cipher 'DEFAULT@SECLEVEL=0') # lets s_server load 1024-bit and SHA-1 certificates

# --- accepted ---
srv_start ecdsa
get_case "good ECDSA chain" 0 "${CA[@]}" "https://localhost:$PORT/"
contains "good ECDSA chain: body is s_server's page" "$T_TMP/out" "s_server"
stop "$SRV_PID"

srv_start rsa
get_case "good RSA chain" 0 "${CA[@]}" --json "https://localhost:$PORT/"
contains "good RSA chain: RSA 2048 in the report" "$T_TMP/err" '"key":"RSA 2048"'
stop "$SRV_PID"

srv_start ecdsa -tls1_2
get_case "TLS 1.2-only server" 0 "${CA[@]}" --json "https://localhost:$PORT/"
contains "TLS 1.2-only server: negotiated TLSv1.2" "$T_TMP/err" '"version":"TLSv1.2"'
stop "$SRV_PID"

srv_start wildcard
get_case "wildcard *.tlskit.test for x.tlskit.test" 0 "${CA[@]}" \
    --resolve "x.tlskit.test:$PORT:127.0.0.1" "https://x.tlskit.test:$PORT/"
get_case "too-deep wildcard (a.b.tlskit.test)" 5 "${CA[@]}" \
    --resolve "a.b.tlskit.test:$PORT:127.0.0.1" "https://a.b.tlskit.test:$PORT/" \
    -- "host name mismatch" "a.b.tlskit.test" "*.tlskit.test"
stop "$SRV_PID"

srv_start ipsan
get_case "IP address in subjectAltName" 0 "${CA[@]}" "https://127.0.0.1:$PORT/"
get_case "IP-only certificate, asked for a name" 5 "${CA[@]}" "https://localhost:$PORT/" \
    -- "host name mismatch" "127.0.0.1"
stop "$SRV_PID"

srv_start expiring
get_case "certificate expiring in 5 days is accepted" 0 "${CA[@]}" "https://localhost:$PORT/"
stop "$SRV_PID"

# --- refused: certificates ---
srv_start expired
get_case "expired" 5 "${CA[@]}" "https://localhost:$PORT/" -- "expired" "30 days ago" "renew"
stop "$SRV_PID"

srv_start notyet
get_case "not yet valid" 5 "${CA[@]}" "https://localhost:$PORT/" -- "not yet valid" "clock"
stop "$SRV_PID"

srv_start wronghost
get_case "wrong host" 5 "${CA[@]}" "https://localhost:$PORT/" -- "host name mismatch" \
    "wrong.example"
get_case "IP address not in the certificate" 5 "${CA[@]}" "https://127.0.0.1:$PORT/" \
    -- "address mismatch" "127.0.0.1" "wrong.example"
stop "$SRV_PID"

srv_start selfsigned
get_case "self-signed" 5 "${CA[@]}" "https://localhost:$PORT/" -- "self-signed" "--cafile"
stop "$SRV_PID"

srv_start untrusted
get_case "untrusted root (chain without the root)" 5 "${CA[@]}" "https://localhost:$PORT/" \
    -- "unknown issuer" "tlskit untrusted root"
stop "$SRV_PID"

PORT=$(free_port)
bg "$T_TMP/srv-untrusted-full.log" openssl s_server -accept "$PORT" -cert "$C/untrusted.crt" \
    -key "$C/untrusted.key" -cert_chain <(cat "$C/evil-inter.pem" "$C/evil-root.pem") -quiet -www
SRV_PID=$BG_PID
wait_port "$PORT"
get_case "untrusted root (sent by the server)" 5 "${CA[@]}" "https://localhost:$PORT/" \
    -- "untrusted root" "tlskit untrusted root"
stop "$SRV_PID"

srv_start incomplete
get_case "incomplete chain" 5 "${CA[@]}" "https://localhost:$PORT/" -- "incomplete chain" \
    "CN=tlskit test intermediate" "misconfiguration"
stop "$SRV_PID"

srv_start nonca-issuer
get_case "issuer that is not a CA" 5 "${CA[@]}" "https://localhost:$PORT/" -- "not a CA" \
    "CN=not a ca"
stop "$SRV_PID"

srv_start clientonly
get_case "leaf only for client authentication" 5 "${CA[@]}" "https://localhost:$PORT/" \
    -- "purpose" "clientAuth"
stop "$SRV_PID"

srv_start cnonly
get_case "CN only, no subjectAltName" 5 "${CA[@]}" "https://localhost:$PORT/" \
    -- "subjectAltName" "CN"
stop "$SRV_PID"

srv_start rsa1024 "${LOW[@]}"
get_case "RSA-1024" 5 "${CA[@]}" "https://localhost:$PORT/" -- "weak key" "RSA 1024" "2048"
stop "$SRV_PID"

srv_start sha1 "${LOW[@]}"
get_case "SHA-1 signed" 5 "${CA[@]}" "https://localhost:$PORT/" -- "weak signature" "SHA1"
stop "$SRV_PID"

srv_start revoked
get_case "revoked, without --crlfile" 0 "${CA[@]}" "https://localhost:$PORT/"
get_case "revoked, with --crlfile" 5 "${CA[@]}" --crlfile "$C/crl.pem" "https://localhost:$PORT/" \
    -- "revoked" "crl.pem"
stop "$SRV_PID"
srv_start ecdsa
get_case "good chain with --crlfile" 0 "${CA[@]}" --crlfile "$C/crl.pem" "https://localhost:$PORT/"
stop "$SRV_PID"

# --- refused: protocol ---
srv_start ecdsa -tls1 "${LOW[@]}"
check "the TLS 1.0-only server really speaks TLS 1.0" bash -c 'echo | openssl s_client -connect "127.0.0.1:$1" -tls1 -cipher "DEFAULT@SECLEVEL=0" 2>&1 | grep -qE "Protocol *: TLSv1$"' _ "$PORT"
get_case "TLS 1.0-only server" 4 "${CA[@]}" "https://localhost:$PORT/" -- "protocol version" \
    "TLS 1.0/1.1"
stop "$SRV_PID"

srv_start ecdsa -tls1_1 "${LOW[@]}"
check "the TLS 1.1-only server really speaks TLS 1.1" bash -c 'echo | openssl s_client -connect "127.0.0.1:$1" -tls1_1 -cipher "DEFAULT@SECLEVEL=0" 2>&1 | grep -qE "Protocol *: TLSv1.1$"' _ "$PORT"
get_case "TLS 1.1-only server" 4 "${CA[@]}" "https://localhost:$PORT/" -- "protocol version" \
    "TLS 1.0/1.1"
stop "$SRV_PID"

# A DHE-only TLS 1.2 server with a 1024-bit group (Python: openssl s_server on 3.0 ignores
# -dhparam and serves 2048 bits). By default we offer no DHE at all; asked for DHE, the
# group is refused as too small.
PORT=$(free_port)
bg "$T_TMP/dhe.log" "$PYTHON" "$PEERS/client_dhe_server.py" 127.0.0.1 "$PORT" "$C/rsa.pem" "$C/dh1024.pem"
SRV_PID=$BG_PID
wait_port "$PORT"
check "the DHE server really offers a 1024-bit group" bash -c 'echo | openssl s_client -connect "127.0.0.1:$1" -cipher "DHE-RSA-AES128-GCM-SHA256@SECLEVEL=0" 2>&1 | grep -q "Server Temp Key: DH, 1024 bits"' _ "$PORT"
get_case "DHE-only server with a 1024-bit group" 4 "${CA[@]}" "https://localhost:$PORT/" \
    -- "no shared cipher" "DHE"
get_case "DHE-only server, DHE asked for: 1024-bit group refused" 4 "${CA[@]}" \
    --ciphers DHE-RSA-AES128-GCM-SHA256 "https://localhost:$PORT/" -- "weak key exchange" "2048"
stop "$SRV_PID"

t_done
