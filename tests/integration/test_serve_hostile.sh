#!/usr/bin/env bash
# test_serve_hostile.sh: hostile input against 'tlskit serve' (random bytes, a truncated
# ClientHello, TLS 1.0/1.1 only, an oversized record, plain HTTP, 1,000 connect-and-close, a
# silent client): the server logs and counts what failed, survives, and serves everyone else.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

LOG="$T_TMP/serve.log"
start_server "$LOG" --cert "$C/ecdsa.pem" --workers 2 --handshake-timeout 2s ||
    { not_ok "server starts"; exit 1; }
WORKERS_BEFORE=$(worker_pids | sort | tr '\n' ' ')
O="$T_TMP/out"
H=(--resolve "localhost:$PORT:127.0.0.1")
served() {
    curl_s "${H[@]}" "https://localhost:$PORT/" 2>&1 | grep -q '^127.0.0.1$'
}
hostile() {
    timeout 60 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" "$@"
}

hostile random >"$O" 2>&1
contains "random bytes: the server closes" "$O" "closed after"
check "random bytes: still serving" served
contains "random bytes: the failed handshake is logged with the peer" "$LOG" "handshake failed peer=127.0.0.1:"

hostile truncated >"$O" 2>&1
check "truncated ClientHello: still serving" served
hostile truncated-stall >"$O" 2>&1
check "truncated ClientHello then silence: dropped at the handshake timeout" \
    "$PYTHON" -c 'import sys; s = float(open(sys.argv[1]).read().split()[2][:-1]); assert 1.5 < s < 4, s' "$O"

echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' >"$O" 2>&1
check "TLS 1.1-only client: refused" sh -c "! grep -q 'Cipher is ECDHE' '$O'"
wait_log "$LOG" "offered=TLSv1.1" 5
contains "TLS 1.1-only client: logged with the offered version" "$LOG" "offered=TLSv1.1"
echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' >"$O" 2>&1
wait_log "$LOG" "offered=TLSv1.0" 5
contains "TLS 1.0-only client: logged with the offered version" "$LOG" "offered=TLSv1.0"
grep "offered=TLSv1.0" "$LOG" | head -1 >"$O"
contains "the log says why (protocol version)" "$O" "version"
check "old clients: still serving" served

hostile oversized >"$O" 2>&1
contains "oversized record: the server closes" "$O" "closed after"
check "oversized record: still serving" served

curl -sS --max-time 5 "http://127.0.0.1:$PORT/" >"$O" 2>&1
contains "plain HTTP: a 400 in plain text" "$O" "use https://"
check "plain HTTP: still serving" served

hostile connect-close 1000 >"$O" 2>&1
contains "1,000 connect-and-close done" "$O" "1000 connect-and-close"
check "1,000 connect-and-close: still serving" served

# A silent client is dropped at the handshake timeout while others are served meanwhile.
hostile silent >"$O" 2>&1 &
sp=$!
T_PIDS+=("$sp")
sleep 0.2
n=0
for _ in $(seq 1 10); do served && n=$((n + 1)); sleep 0.1; done
check "while a silent client waits, 10 of 10 others are served" test "$n" -eq 10
wait "$sp"
check "the silent client is dropped at the 2 s handshake timeout" \
    "$PYTHON" -c 'import sys; s = float(open(sys.argv[1]).read().split()[2][:-1]); assert 1.5 < s < 4, s' "$O"
contains "the timeout is logged" "$LOG" "handshake timed out"

# Counted: SIGUSR1 makes every worker log its counters.
kill -USR1 "$SRV_PID"
wait_log "$LOG" "info: stats" 5
check "failed handshakes are counted (at least 5 over the workers)" "$PYTHON" -c '
import re, sys
n = sum(int(m) for m in re.findall(r"stats .*handshake_failed=(\d+)", open(sys.argv[1]).read()))
assert n >= 5, n' "$LOG"
check "no worker died (same worker processes)" test "$(worker_pids | sort | tr '\n' ' ')" = "$WORKERS_BEFORE"
if grep -q "worker died" "$LOG"; then not_ok "no worker died (log)"; else ok "no worker died (log)"; fi
t_done
