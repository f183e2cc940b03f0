#!/usr/bin/env bash
# test_serve_valgrind.sh: a short load run (keep-alive, pipelining, errors, hostile input,
# a reload, a graceful stop) of 'tlskit serve' under valgrind memcheck, main process and
# worker: no errors, nothing definitely lost.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

valgrind_or_skip
VG="$T_TMP/vg"
mkdir -p "$VG"
LOG="$T_TMP/serve.log"
PORT=$(free_port)
bg "$LOG" valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$VG/%p.log" "$TLSKIT" serve --listen "127.0.0.1:$PORT" --cert "$C/ecdsa.pem" \
    --workers 1 --header-timeout 2s --handshake-timeout 2s
SRV_PID=$BG_PID
wait_port "$PORT" 127.0.0.1 60 || { not_ok "server starts under valgrind"; exit 1; }
ok "server starts under valgrind"
timeout 120 "$PYTHON" "$PEERS/serve_load.py" 127.0.0.1 "$PORT" "$C/ca.pem" --conns 20 \
    --requests 10 --path /json --duration 90 >"$T_TMP/load.out" 2>&1
check "load under valgrind: every request answered" grep -q "failed=0" "$T_TMP/load.out"
printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\n\r\nBAD\r\n\r\n' |
    raw_tls 127.0.0.1 "$PORT" "$C/ca.pem" >"$T_TMP/o" 2>&1
contains "pipelined answers, then a 400" "$T_TMP/o" "HTTP/1.1 400"
timeout 60 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" random >/dev/null 2>&1
timeout 60 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" oversized >/dev/null 2>&1
curl -sS --max-time 10 "http://127.0.0.1:$PORT/" >/dev/null 2>&1
"$PYTHON" "$PEERS/seed_client.py" localhost "$PORT" "$C/ca.pem" >"$T_TMP/o" 2>&1
contains "seed client gets its 408 under valgrind" "$T_TMP/o" "408"
kill -HUP "$SRV_PID"
sleep 2
curl_s --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" >"$T_TMP/o"
contains "served after a reload under valgrind" "$T_TMP/o" "127.0.0.1"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
check "valgrind run exits 0" test $? -eq 0
n=$(ls "$VG" | wc -l)
check "valgrind watched the main process and the worker" test "$n" -ge 2
bad=0
for f in "$VG"/*.log; do
    if [ -s "$f" ]; then
        bad=1
        sed 's/^/#   /' "$f" | head -30
    fi
done
check "valgrind: no errors and no definite leaks in any process" test "$bad" -eq 0
valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
    "$TLSKIT" cert --out "$T_TMP/vg.pem" vg.test 127.0.0.2 >"$T_TMP/o" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T_TMP/o" | head -20
check "tlskit cert (a new CA, then a bundle) is clean under valgrind" test "$rc" -eq 0
t_done
