#!/usr/bin/env bash
# test_serve_lifecycle.sh: reload under load with no failed request, a bad bundle on reload
# keeps the old one, session resumption across workers, a dead worker replaced, and a
# graceful shutdown that finishes the request in flight.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

LOG="$T_TMP/serve.log"
O="$T_TMP/out"
CUR="$T_TMP/current.pem"
cp "$C/ecdsa.pem" "$CUR"
start_server "$LOG" --cert "$CUR" --workers 2 || { not_ok "server starts"; exit 1; }
# key_of: the public key type new connections see.
key_of() {
    echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
        -CAfile "$C/ca.pem" 2>/dev/null | grep -E '^Server public key is'
}
key_of >"$O"
contains "before reload: the ECDSA certificate" "$O" "256 bit"

# --- reload under load: new handshakes and keep-alive requests all along ---
timeout 120 "$PYTHON" "$PEERS/serve_load.py" 127.0.0.1 "$PORT" "$C/ca.pem" --conns 20 \
    --requests 20 --rounds 1000 --duration 6 >"$T_TMP/load.out" 2>&1 &
lp=$!
T_PIDS+=("$lp")
sleep 1
cp "$C/rsa.pem" "$CUR.new" && mv "$CUR.new" "$CUR"
kill -HUP "$SRV_PID"
wait_log "$LOG" "reloaded the certificate" 5
sleep 1
key_of >"$O"
contains "after SIGHUP: new connections get the new (RSA) certificate" "$O" "2048 bit"
cp "$C/garbage.pem" "$CUR.new" && mv "$CUR.new" "$CUR"
kill -HUP "$SRV_PID"
wait_log "$LOG" "reload refused" 5
contains "a bad bundle on reload is refused and logged, naming the file" "$LOG" "reload refused"
grep "reload refused" "$LOG" >"$O"
contains "the refusal names the file" "$O" "$CUR"
sleep 0.5
key_of >"$O"
contains "after a refused reload: the previous certificate still serves" "$O" "2048 bit"
cp "$C/ecdsa.pem" "$CUR.new" && mv "$CUR.new" "$CUR"
kill -HUP "$SRV_PID"
sleep 1
wait "$lp"
lrc=$?
sed 's/^/# load: /' "$T_TMP/load.out"
check "reload under load: every request answered (no failure)" test "$lrc" -eq 0
check "reload under load: thousands of requests were made" "$PYTHON" -c '
import re, sys
ok = int(re.search(r"ok=(\d+)", open(sys.argv[1]).read()).group(1))
assert ok >= 1000, ok' "$T_TMP/load.out"
key_of >"$O"
contains "a second reload brings ECDSA back" "$O" "256 bit"

# --- session resumption across workers ---
printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$C/ca.pem" \
        -sess_out "$T_TMP/sess.pem" -ign_eof >/dev/null 2>&1
# A reload in between: the new contexts share the ticket keys of the old ones.
before=$(grep -c "reloaded the certificate" "$LOG")
kill -HUP "$SRV_PID"
for _ in $(seq 50); do
    [ "$(grep -c "reloaded the certificate" "$LOG")" -gt "$before" ] && break
    sleep 0.1
done
sleep 0.5
reused=0
for _ in $(seq 1 20); do
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
            -CAfile "$C/ca.pem" -sess_in "$T_TMP/sess.pem" -ign_eof 2>/dev/null | grep -q '^Reused' &&
        reused=$((reused + 1))
done
check "a session saved before a reload resumes after it (20 of 20)" test "$reused" -eq 20
: >"$LOG.stats"
kill -USR1 "$SRV_PID"
sleep 0.5
grep "info: stats" "$LOG" | tail -2 >"$LOG.stats"
sed 's/^/# /' "$LOG.stats"
check "resumptions landed on both workers (shared ticket keys)" "$PYTHON" -c '
import re, sys
n = [int(m) for m in re.findall(r"resumed=(\d+)", open(sys.argv[1]).read())]
assert len(n) == 2 and all(x > 0 for x in n) and sum(n) >= 20, n' "$LOG.stats"

# --- a worker that dies is replaced ---
victim=$(worker_pids | head -1)
kill -9 "$victim"
wait_log "$LOG" "worker died" 5
contains "a dead worker is logged" "$LOG" "worker died"
sleep 1.5
check "and replaced (two workers again, the dead one gone)" \
    sh -c "test \$(pgrep -P $SRV_PID | wc -l) -eq 2 && ! pgrep -P $SRV_PID | grep -qx $victim"
curl_s --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" >"$O"
contains "still serving after a worker died" "$O" "127.0.0.1"

# --- graceful shutdown: the request in flight is finished ---
"$PYTHON" "$PEERS/inflight.py" 127.0.0.1 "$PORT" "$C/ca.pem" "$T_TMP/flag" >"$T_TMP/inflight.out" 2>&1 &
ip=$!
T_PIDS+=("$ip")
wait_log "$T_TMP/inflight.out" "sent half" 10
sleep 0.3
kill -TERM "$SRV_PID"
touch "$T_TMP/flag"
sleep 0.2
curl -sS --max-time 3 --cacert "$C/ca.pem" --resolve "localhost:$PORT:127.0.0.1" \
    "https://localhost:$PORT/" >"$O" 2>&1
if grep -q '^127.0.0.1$' "$O"; then not_ok "after SIGTERM: new connections are refused"; else
    ok "after SIGTERM: new connections are refused"
fi
wait "$ip"
contains "the request in flight at SIGTERM is answered" "$T_TMP/inflight.out" "HTTP/1.1 200"
contains "and told the connection closes" "$T_TMP/inflight.out" "Connection: close"
wait "$SRV_PID"
rc=$?
check "SIGTERM: the server exits 0" test "$rc" -eq 0
contains "the shutdown is logged" "$LOG" "stopped"
t_done
