#!/usr/bin/env bash
# test_serve_basic.sh: 'tlskit serve' and its responder against real peers on loopback: curl,
# openssl s_client, gnutls-cli, Python ssl and the seed's client.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

LOG="$T_TMP/serve.log"
ACC="$T_TMP/access.log"
start_server "$LOG" --cert "$C/ecdsa.pem" --workers 2 --header-timeout 1s \
    --access-log "$ACC" || { not_ok "server starts"; exit 1; }
ok "server starts with the ecdsa bundle"
U="https://localhost:$PORT"
R=(--resolve "localhost:$PORT:127.0.0.1")
O="$T_TMP/out"

# --- GET / and /json ---
curl_s "${R[@]}" -D "$O.h" "$U/" >"$O"
check "GET / answers the client's address and a newline" cmp -s "$O" <(printf '127.0.0.1\n')
contains "GET / is 200" "$O.h" "HTTP/1.1 200"
contains "text/plain" "$O.h" "Content-Type: text/plain"
contains "Content-Length" "$O.h" "Content-Length: 10"
contains "Server: tlskit" "$O.h" "Server: tlskit"
contains "Cache-Control: no-store" "$O.h" "Cache-Control: no-store"
contains "Date header" "$O.h" "Date: "
contains "HSTS with a real certificate" "$O.h" "Strict-Transport-Security: max-age="
curl_s "${R[@]}" "$U/json" >"$O"
check "/json is JSON with every field" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ip"] == "127.0.0.1" and isinstance(d["port"], int) and d["port"] > 0, d
assert d["tls_version"] == "TLSv1.3" and d["cipher"].startswith("TLS_"), d
assert d["group"] and d["sni"] == "localhost" and d["alpn"] == "http/1.1", d
assert d["resumed"] is False and d["client_cert"] is None, d' "$O"
curl_s "${R[@]}" --tls-max 1.2 "$U/json" >"$O"
contains "/json over TLS 1.2 names it" "$O" '"tls_version":"TLSv1.2"'
curl_s "${R[@]}" -I "$U/" >"$O.h"
contains "HEAD / is 200 with the GET's length" "$O.h" "Content-Length: 10"
curl_s "${R[@]}" -I "$U/json" >"$O.h"
contains "HEAD /json is 200" "$O.h" "HTTP/1.1 200"
curl_s "${R[@]}" -o /dev/null -w '%{http_code}' "$U/nope" >"$O"
contains "other paths are 404" "$O" "404"
curl_s "${R[@]}" -o /dev/null -D "$O.h" -X DELETE "$U/"
contains "other methods are 405" "$O.h" "HTTP/1.1 405"
contains "405 says Allow: GET, HEAD" "$O.h" "Allow: GET, HEAD"
curl_s "${R[@]}" "$U/?q=1" >"$O"
check "a query string still reaches /" cmp -s "$O" <(printf '127.0.0.1\n')

# --- keep-alive, pipelining, HTTP/1.0, LF-only ---
curl_s "${R[@]}" -v "$U/" "$U/json" >/dev/null 2>"$O"
contains "keep-alive: curl reuses the connection" "$O" "Re-using existing connection"
printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
    raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
check "pipelining: three answers in order on one connection" \
    test "$(grep -c '^HTTP/1.1 200' "$O")" -eq 3 -a "$(grep -c '"ip"' "$O")" -eq 1
printf 'GET / HTTP/1.1\nHost: a\nConnection: close\n\n' | raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
contains "LF-only line ends are accepted" "$O" "HTTP/1.1 200"
printf 'GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n' | raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
check "HTTP/1.0 closes after one answer" test "$(grep -c '^HTTP/1.1 200' "$O")" -eq 1
contains "HTTP/1.0 answer says Connection: close" "$O" "Connection: close"
printf 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n' |
    raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
check "HTTP/1.0 with keep-alive gets two answers" test "$(grep -c '^HTTP/1.1 200' "$O")" -eq 2
contains "HTTP/1.0 keep-alive is confirmed" "$O" "Connection: keep-alive"

# A busy connection keeps its buffers; a second of quiet gives them back (the worker's sweep);
# then it is busy again. Every answer must stay whole through both switches.
timeout 30 "$PYTHON" - 127.0.0.1 "$PORT" "$C/ca.pem" >"$O" 2>&1 <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[3])
s = ctx.wrap_socket(socket.create_connection((sys.argv[1], int(sys.argv[2]))), server_hostname="localhost")
f = s.makefile("rb")
def one(path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    n = 0
    while True:
        line = f.readline()
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
        if line in (b"\r\n", b""):
            break
    return f.read(n)
good = 0
for rnd in range(3):
    for i in range(50):
        body = one(b"/json" if i % 2 else b"/")
        good += body.startswith(b'{"ip":"127.0.0.1"') or body == b"127.0.0.1\n"
    time.sleep(2.5)
print("answers=%d" % good)
PY
contains "busy, idle, busy again on one connection: every answer whole" "$O" "answers=150"
timeout 60 "$PYTHON" "$PEERS/pipeline.py" 127.0.0.1 "$PORT" "$C/ca.pem" 20000 2 >"$O" 2>&1
contains "20,000 pipelined requests, answers read late (back-pressure): all answered" "$O" "answers=20000"
# Their access-log lines, written in 4 KiB batches by two workers: every one whole.
for _ in $(seq 60); do [ "$(wc -l <"$ACC")" -ge 20000 ] && break; sleep 0.05; done
check "access log: 20,000+ lines, each one whole" "$PYTHON" -c '
import re, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "the log ends mid-line"
pat = re.compile(rb"^\S+ 127\.0\.0\.1:\d+ [A-Z-]+ \S+ \d{3} \d+ \S+$")
bad = [l for l in lines[:-1] if not pat.match(l)]
assert len(lines) - 1 >= 20000 and not bad, (len(lines), bad[:3])' "$ACC"

# An access log that cannot be written (/dev/full: "no space left"): said once for a run of
# failed batches, and the server goes on answering.
SAVED_PORT=$PORT SAVED_PID=$SRV_PID
start_server "$T_TMP/full.log" --cert "$C/ecdsa.pem" --workers 1 --access-log /dev/full ||
    not_ok "server starts with --access-log /dev/full"
RF=(--resolve "localhost:$PORT:127.0.0.1")
curl_s "${RF[@]}" "https://localhost:$PORT/" >"$O"
wait_log "$T_TMP/full.log" "cannot write the access log" 3
curl_s "${RF[@]}" "https://localhost:$PORT/" >"$O"
sleep 1.5 # a second batch fails too
contains "an unwritable access log is reported" "$T_TMP/full.log" "No space left on device"
check "... once, not per batch" test "$(grep -c 'cannot write the access log' "$T_TMP/full.log")" -eq 1
check "... and the server still answers" cmp -s "$O" <(printf '127.0.0.1\n')
stop "$SRV_PID"
PORT=$SAVED_PORT SRV_PID=$SAVED_PID

# --- malformed, oversized, slow ---
printf 'GET / HTTP/1.1\r\nBad Header\r\n\r\nGET / HTTP/1.1\r\n\r\n' | raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
contains "malformed request: 400" "$O" "HTTP/1.1 400"
check "malformed request: closed after the 400" test "$(grep -c '^HTTP/1.1' "$O")" -eq 1
"$PYTHON" -c 'import sys; sys.stdout.write("GET / HTTP/1.1\r\nHost: a\r\n" + "X-Big: " + "a"*9000 + "\r\n\r\n")' |
    raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
contains "header section over 8 KiB: 431" "$O" "HTTP/1.1 431"
contains "431 closes" "$O" "Connection: close"
printf 'GET / HTTP/2.0\r\n\r\n' | raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$O"
contains "HTTP/2.0 request line: 505" "$O" "HTTP/1.1 505"
"$PYTHON" "$PEERS/seed_client.py" localhost "$PORT" "$C/ca.pem" >"$O" 2>&1 &
sp=$!
T_PIDS+=("$sp")
for _ in $(seq 1 60); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$sp" 2>/dev/null; then not_ok "seed client: answered within the header timeout"; else
    ok "seed client: answered within the header timeout (does not hang)"
fi
contains "seed client (no blank line) gets a 408" "$O" "408 Request Timeout"

# --- plain HTTP on the TLS port ---
curl -sS --max-time 5 -i "http://127.0.0.1:$PORT/" >"$O" 2>&1
contains "plain HTTP gets a plaintext 400" "$O" "HTTP/1.1 400"
contains "the 400 says to use https" "$O" "use https://"

# --- other peers ---
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$C/ca.pem" \
        -verify_return_error -quiet >"$O" 2>&1
contains "openssl s_client: verified, answered" "$O" "127.0.0.1"
printf 'GET /json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 gnutls-cli --x509cafile="$C/ca.pem" -p "$PORT" localhost >"$O" 2>&1
contains "gnutls-cli: verified, answered" "$O" '"ip":"127.0.0.1"'
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' | raw_tls localhost "$PORT" "$C/ca.pem" >"$O"
contains "Python ssl: verified, answered" "$O" "127.0.0.1"
curl_s -6 -o /dev/null -w '%{http_code}' "https://localhost:$PORT/" >"$O" 2>&1
contains "only 127.0.0.1 is listened on when asked (IPv6 refused)" "$O" "000"

# --- logs ---
wait_log "$ACC" 'GET /json 200' 3 # lines are written in batches, at least once a second
contains "access log: one line per request" "$ACC" 'GET /json 200'
check "access log: the 404 is there" grep -q ' 404 ' "$ACC"
contains "plain HTTP is logged" "$LOG" "plain text on the TLS port"

# --- dev mode: no HSTS; --log-format json; IPv6 listen ---
stop "$SRV_PID"
PORT=$(free_port)
bg "$LOG.dev" "$TLSKIT" serve --listen "[::1]:$PORT" --listen "127.0.0.1:$PORT" --workers 1 --log-format json \
    --access-log "$ACC.dev"
DEV_PID=$BG_PID
wait_port "$PORT" 127.0.0.1 15
contains "dev mode prints the CA path" "$LOG.dev" "$TLSKIT_HOME/ca.pem"
contains "dev mode prints a ready-to-paste client command" "$LOG.dev" "$TLSKIT get --cafile $TLSKIT_HOME/ca.pem https://localhost:$PORT/"
curl -sS --max-time 10 --cacert "$TLSKIT_HOME/ca.pem" -D "$O.h" "https://localhost:$PORT/" -6 >"$O"
check "dev certificate verifies over IPv6 ([::1])" cmp -s "$O" <(printf '::1\n')
if grep -qi "Strict-Transport-Security" "$O.h"; then not_ok "no HSTS on a development certificate"; else
    ok "no HSTS on a development certificate"
fi
curl -sS --max-time 10 --cacert "$TLSKIT_HOME/ca.pem" "https://127.0.0.1:$PORT/" >"$O"
check "dev certificate verifies for 127.0.0.1" cmp -s "$O" <(printf '127.0.0.1\n')
check "--log-format json: every log line is JSON" "$PYTHON" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    if line.startswith("{"):
        json.loads(line); n += 1
assert n >= 1' "$LOG.dev"
kill -TERM "$DEV_PID"
wait "$DEV_PID"
rc=$?
check "SIGTERM: exit 0" test "$rc" -eq 0
check "SIGTERM: the batched access-log lines were written, as JSON" "$PYTHON" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["ip"] for l in lines] == ["::1", "127.0.0.1"], lines' "$ACC.dev"
t_done
