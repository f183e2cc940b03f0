#!/usr/bin/env bash
# test_serve_load.sh: 1,000 concurrent keep-alive clients all served; --max-conns stops
# accepting until a slot frees; running out of descriptors backs off instead of spinning.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

ulimit -n 4096
LOG="$T_TMP/serve.log"
O="$T_TMP/out"
start_server "$LOG" --cert "$C/ecdsa.pem" --workers 2 || { not_ok "server starts"; exit 1; }
timeout 150 "$PYTHON" "$PEERS/serve_load.py" 127.0.0.1 "$PORT" "$C/ca.pem" --conns 1000 \
    --requests 5 --hold 60 --duration 90 >"$O" 2>&1
rc=$?
sed 's/^/# /' "$O"
check "1,000 concurrent keep-alive clients (all open at once): every request answered" test "$rc" -eq 0
contains "5,000 answers" "$O" "ok=5000 failed=0 conns=1000"
kill -USR1 "$SRV_PID"
wait_log "$LOG" "info: stats" 5
check "the clients spread over both workers" "$PYTHON" -c '
import re, sys
n = [int(m) for m in re.findall(r"stats .*handshakes=(\d+)", open(sys.argv[1]).read())]
assert len(n) == 2 and min(n) > 100, n' "$LOG"
stop "$SRV_PID"

# --- --max-conns: a full server stops accepting until a slot frees ---
start_server "$LOG.max" --cert "$C/ecdsa.pem" --workers 1 --max-conns 3 || not_ok "server starts"
timeout 30 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" hold 3 3 >"$O.hold" 2>&1 &
hp=$!
T_PIDS+=("$hp")
wait_log "$O.hold" "holding 3" 10
sleep 0.3
curl -sS --max-time 1 --cacert "$C/ca.pem" --resolve "localhost:$PORT:127.0.0.1" \
    "https://localhost:$PORT/" >"$O" 2>&1
if grep -q '^127.0.0.1$' "$O"; then not_ok "at --max-conns 3, a fourth client waits"; else
    ok "at --max-conns 3, a fourth client waits"
fi
wait "$hp"
curl -sS --max-time 5 --cacert "$C/ca.pem" --resolve "localhost:$PORT:127.0.0.1" \
    "https://localhost:$PORT/" >"$O" 2>&1
contains "once the slots free, it is served" "$O" "127.0.0.1"
stop "$SRV_PID"

# --- out of descriptors: accept backs off, and serves again once they free ---
PORT=$(free_port)
bg "$LOG.fd" sh -c "ulimit -n 32; exec '$TLSKIT' serve --listen 127.0.0.1:$PORT --cert '$C/ecdsa.pem' --workers 1"
FD_PID=$BG_PID
wait_port "$PORT" 127.0.0.1 15
timeout 30 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" hold 60 3 >"$O.hold" 2>&1 &
hp=$!
T_PIDS+=("$hp")
wait_log "$LOG.fd" "accept paused" 10
contains "out of descriptors: accept pauses, and says how to fix it" "$LOG.fd" "ulimit -n"
w=$(pgrep -P "$FD_PID" | head -1)
t0=$(awk '{print $14 + $15}' "/proc/$w/stat")
sleep 1
t1=$(awk '{print $14 + $15}' "/proc/$w/stat")
check "out of descriptors: the worker does not spin (< 30% CPU meanwhile)" test $((t1 - t0)) -lt 30
wait "$hp"
sleep 0.5
curl -sS --max-time 5 --cacert "$C/ca.pem" --resolve "localhost:$PORT:127.0.0.1" \
    "https://localhost:$PORT/" >"$O" 2>&1
contains "descriptors free again: served" "$O" "127.0.0.1"
stop "$FD_PID"
t_done
