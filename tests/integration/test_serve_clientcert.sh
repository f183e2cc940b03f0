#!/usr/bin/env bash
# test_serve_clientcert.sh: 'tlskit serve --client-ca' (optional and required client
# certificates, in /json, across resumption and reload) and request bodies read and dropped
# so keep-alive goes on (Content-Length, chunked, pipelined, trickled, stalled, oversized).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

O="$T_TMP/out"
E="$T_TMP/err"
CC=(--cert "$C/client.chain" --key "$C/client.key")

# --- misuse: exit 2, naming the option and the fix ---
expect_rc 2 "--client-ca with a missing file exits 2" \
    "$TLSKIT" serve --cert "$C/ecdsa.pem" --client-ca "$T_TMP/nope.pem" 2>"$E"
contains "the message names --client-ca and the file" "$E" "--client-ca $T_TMP/nope.pem"
contains "the message says what to give" "$E" "give the PEM file"
expect_rc 2 "--client-ca with a file holding no certificate exits 2" \
    "$TLSKIT" serve --cert "$C/ecdsa.pem" --client-ca "$C/garbage.pem" 2>"$E"
contains "it says PEM certificates are wanted" "$E" "no usable PEM certificate"
expect_rc 2 "--client-ca with a DER file exits 2" \
    "$TLSKIT" serve --cert "$C/ecdsa.pem" --client-ca "$C/ecdsa.der" 2>"$E"
contains "the DER refusal names --client-ca" "$E" "--client-ca"
expect_rc 2 "--require-client-cert without --client-ca exits 2" \
    "$TLSKIT" serve --cert "$C/ecdsa.pem" --require-client-cert 2>"$E"
contains "the message says to add --client-ca" "$E" "needs --client-ca"
"$TLSKIT" serve --help >"$O"
contains "--help lists --client-ca" "$O" "--client-ca FILE"
contains "--help lists --require-client-cert" "$O" "--require-client-cert"

# A client certificate from a CA the server does not trust (EKU clientAuth, so the refusal
# is about trust alone).
EV="$T_TMP/evil-client"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$EV.key" \
    -subj "/CN=evil client" -out "$EV.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' \
    >"$EV.ext"
openssl x509 -req -in "$EV.csr" -CA "$C/evil-inter.pem" -CAkey "$C/evil-inter.key" \
    -CAcreateserial -days 30 -extfile "$EV.ext" -out "$EV.crt" 2>/dev/null
cat "$EV.crt" "$C/evil-inter.pem" >"$EV.chain"
check "made an untrusted client certificate" test -s "$EV.chain"

# --- optional client certificates ---
LOG="$T_TMP/opt.log"
ACC="$T_TMP/opt-access.log"
start_server "$LOG" --cert "$C/ecdsa.pem" --client-ca "$C/ca.pem" --workers 2 \
    --header-timeout 1s --access-log "$ACC" || { not_ok "server starts"; exit 1; }
ok "server starts with --client-ca"
U="https://localhost:$PORT"
R=(--resolve "localhost:$PORT:127.0.0.1")
json_cc() { # json_cc FILE: prints client_cert of the /json answer in FILE
    "$PYTHON" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["client_cert"]))' "$1"
}
curl_s "${R[@]}" "${CC[@]}" "$U/json" >"$O"
json_cc "$O" >"$O.cc"
contains "curl --cert: /json names the client's subject" "$O.cc" '"subject": "CN=tlskit test client"'
contains "curl --cert: /json names its issuer" "$O.cc" '"issuer": "CN=tlskit test intermediate"'
contains "curl --cert: /json says verified" "$O.cc" '"verified": true'
curl_s "${R[@]}" "$U/json" >"$O"
json_cc "$O" >"$O.cc"
check "no certificate (optional): served, client_cert is null" grep -qx null "$O.cc"
printf 'GET /json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -quiet \
        -CAfile "$C/ca.pem" -cert "$C/client.crt" -cert_chain "$C/inter.pem" \
        -key "$C/client.key" >"$O" 2>/dev/null
contains "openssl s_client -cert: /json names the subject" "$O" '"subject":"CN=tlskit test client"'
if curl_s "${R[@]}" --cert "$EV.chain" --key "$EV.key" "$U/json" >"$O" 2>"$E"; then
    not_ok "a certificate from an untrusted CA is refused (optional mode)"
else
    ok "a certificate from an untrusted CA is refused (optional mode)"
fi
wait_log "$LOG" "handshake failed" 5
contains "the refusal is logged like other handshake failures" "$LOG" "client's certificate was not accepted"
if curl_s "${R[@]}" --cert "$C/ecdsa.chain" --key "$C/ecdsa.key" "$U/json" >"$O" 2>"$E"; then
    not_ok "a server-only certificate (no clientAuth) is refused as a client certificate"
else
    ok "a server-only certificate (no clientAuth) is refused as a client certificate"
fi
"$PYTHON" "$PEERS/mtls_resume.py" 127.0.0.1 "$PORT" "$C/ca.pem" "$C/client.chain" \
    "$C/client.key" >"$O" 2>&1
check "session resumption with a client certificate" "$PYTHON" -c '
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
assert a["resumed"] is False and b["resumed"] is True, (a, b)
assert b["client_cert"] and b["client_cert"]["subject"] == "CN=tlskit test client", b' "$O" ||
    sed 's/^/#   /' "$O"

# --- request bodies, on the same server ---
curl_s "${R[@]}" -d x "$U/" "$U/json" >"$O"
# Access-log lines are written in batches, at least once a second.
for _ in $(seq 30); do [ "$(grep -cE ' POST /(json)? 405 ' "$ACC")" -ge 2 ] && break; sleep 0.1; done
grep -E ' POST /(json)? ' "$ACC" | awk '{print $2}' | sort -u >"$O.ports"
check "curl -d URL URL: two POSTs answered" test "$(grep -cE ' POST /(json)? 405 ' "$ACC")" -eq 2
check "curl -d URL URL: both on one connection (one client port)" test "$(wc -l <"$O.ports")" -eq 1
: >"$ACC.mark"
head -c 300000 /dev/zero >"$T_TMP/big"
curl_s "${R[@]}" -v --data-binary @"$T_TMP/big" -H 'Expect: 100-continue' "$U/" "$U/" \
    >"$O" 2>"$E"
contains "Expect: 100-continue gets 100 Continue" "$E" "HTTP/1.1 100 Continue"
contains "a 300 KB body: the connection is reused" "$E" "Re-using existing connection"
curl_s "${R[@]}" -v -H 'Transfer-Encoding: chunked' --data-binary @"$T_TMP/big" "$U/" "$U/json" \
    >"$O" 2>"$E"
contains "a chunked 300 KB body: the connection is reused" "$E" "Re-using existing connection"
check "a chunked body: both requests answered" test "$(grep -c '^405 Method' "$O")" -eq 2
"$PYTHON" "$PEERS/serve_body.py" pipelined 127.0.0.1 "$PORT" "$C/ca.pem" >"$O" 2>&1
check "pipelined POSTs with bodies: every request answered, in order, kept alive" "$PYTHON" -c '
import sys
l = open(sys.argv[1]).read().splitlines()
assert len(l) == 5, l
assert l[0].startswith("405 keep") and l[1].startswith("405 keep"), l
assert l[2].startswith("200 keep {"), l
assert l[3].startswith("405 keep") and l[4] == "200 close 127.0.0.1", l' "$O" ||
    sed 's/^/#   /' "$O"
"$PYTHON" "$PEERS/serve_body.py" trickle 127.0.0.1 "$PORT" "$C/ca.pem" >"$O" 2>&1
check "a body trickling in within the header timeout: answered, then the next request" \
    "$PYTHON" -c '
import sys
l = open(sys.argv[1]).read().splitlines()
assert len(l) == 2 and l[0].startswith("405 keep") and l[1].startswith("200 close {"), l' "$O" ||
    sed 's/^/#   /' "$O"
"$PYTHON" "$PEERS/serve_body.py" stall 127.0.0.1 "$PORT" "$C/ca.pem" >"$O" 2>&1
contains "a body not complete within the header timeout gets 408" "$O" "408 close"
printf 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000000\r\n\r\n' |
    raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
contains "Content-Length over 1 MiB: 413" "$O" "HTTP/1.1 413"
contains "413 then close" "$O" "Connection: close"
{
    printf 'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n'
    head -c 1048600 /dev/zero
} | raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
contains "a chunked body over 1 MiB: 413" "$O" "HTTP/1.1 413"
curl_s "${R[@]}" "$U/" >"$O"
check "the server still serves" cmp -s "$O" <(printf '127.0.0.1\n')

# --- reload keeps the client-certificate settings ---
kill -HUP "$SRV_PID"
wait_log "$LOG" "reloaded the certificate" 5
sleep 0.5
curl_s "${R[@]}" "${CC[@]}" "$U/json" >"$O"
contains "after SIGHUP: the client certificate is still asked for" "$O" '"subject":"CN=tlskit test client"'
stop "$SRV_PID"

# --- required client certificates ---
LOG="$T_TMP/req.log"
start_server "$LOG" --cert "$C/ecdsa.pem" --client-ca "$C/ca.pem" --require-client-cert \
    --workers 2 || { not_ok "server starts with --require-client-cert"; exit 1; }
ok "server starts with --require-client-cert"
U="https://localhost:$PORT"
R=(--resolve "localhost:$PORT:127.0.0.1")
if curl_s "${R[@]}" "$U/json" >"$O" 2>"$E"; then
    not_ok "required: a client without a certificate is refused"
else
    ok "required: a client without a certificate is refused"
fi
wait_log "$LOG" "handshake failed" 5
contains "required: the refusal is logged as a handshake failure" "$LOG" "handshake failed"
curl_s "${R[@]}" "${CC[@]}" "$U/json" >"$O"
contains "required: with the certificate, served" "$O" '"subject":"CN=tlskit test client"'
if curl_s "${R[@]}" --cert "$EV.chain" --key "$EV.key" "$U/json" >"$O" 2>"$E"; then
    not_ok "required: a certificate from an untrusted CA is refused"
else
    ok "required: a certificate from an untrusted CA is refused"
fi
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -quiet \
        -CAfile "$C/ca.pem" >"$O" 2>&1
check "required: openssl s_client without -cert gets no answer" sh -c "! grep -q '^127.0.0.1' '$O'"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -quiet \
        -CAfile "$C/ca.pem" -cert "$C/client.crt" -cert_chain "$C/inter.pem" \
        -key "$C/client.key" >"$O" 2>/dev/null
contains "required: openssl s_client -cert is answered" "$O" "127.0.0.1"
kill -HUP "$SRV_PID"
wait_log "$LOG" "reloaded the certificate" 5
sleep 0.5
if curl_s "${R[@]}" "$U/json" >"$O" 2>"$E"; then
    not_ok "after SIGHUP: a client without a certificate is still refused"
else
    ok "after SIGHUP: a client without a certificate is still refused"
fi
curl_s "${R[@]}" "${CC[@]}" "$U/json" >"$O"
contains "after SIGHUP: with the certificate, served" "$O" '"subject":"CN=tlskit test client"'
stop "$SRV_PID"
if grep -qE 'worker died|Sanitizer|runtime error' "$T_TMP/opt.log" "$LOG"; then
    not_ok "no worker died and no sanitizer report"
    grep -hE 'worker died|Sanitizer|runtime error' "$T_TMP/opt.log" "$LOG" | head -5 | sed 's/^/#   /'
else
    ok "no worker died and no sanitizer report"
fi
t_done
