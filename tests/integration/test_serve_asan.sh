#!/usr/bin/env bash
# test_serve_asan.sh: a short load run of 'tlskit serve' built with ASan+UBSan (its own build
# directory, $TLSKIT_BUILD/asan, made here if missing): keep-alive, pipelining, errors, hostile
# input, a reload and a graceful stop, with no sanitizer report in any process.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
ASAN_BUILD="$TLSKIT_BUILD/asan"
if ! make -s -C "$TLSKIT_TOP" BUILD="$ASAN_BUILD" SANITIZE=address,undefined \
    "$ASAN_BUILD/tlskit" >"$T_TMP/build.log" 2>&1; then
    not_ok "ASan+UBSan build"
    tail -20 "$T_TMP/build.log" | sed 's/^/#   /'
    exit 1
fi
ok "ASan+UBSan build"
TLSKIT="$ASAN_BUILD/tlskit"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"
export ASAN_OPTIONS="detect_leaks=1:log_path=$T_TMP/asan:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$T_TMP/ubsan"
LOG="$T_TMP/serve.log"
start_server "$LOG" --workers 2 --header-timeout 2s --handshake-timeout 2s ||
    { not_ok "server starts (development mode)"; exit 1; }
ok "ASan server starts in development mode (makes the CA)"
CA="$TLSKIT_HOME/ca.pem"
timeout 120 "$PYTHON" "$PEERS/serve_load.py" 127.0.0.1 "$PORT" "$CA" --conns 50 --requests 20 \
    --path /json --duration 60 >"$T_TMP/load.out" 2>&1
check "load under ASan: every request answered" grep -q "failed=0" "$T_TMP/load.out"
printf 'GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /json HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nX: '"$(head -c 9000 /dev/zero | tr '\0' a)"'\r\n\r\n' |
    raw_tls 127.0.0.1 "$PORT" "$CA" >"$T_TMP/o" 2>&1
contains "pipelined answers, then a 431" "$T_TMP/o" "HTTP/1.1 431"
for k in random truncated oversized; do
    timeout 60 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" "$k" >/dev/null 2>&1
done
timeout 60 "$PYTHON" "$PEERS/hostile.py" 127.0.0.1 "$PORT" connect-close 200 >/dev/null 2>&1
curl -sS --max-time 10 "http://127.0.0.1:$PORT/" >/dev/null 2>&1
"$PYTHON" "$PEERS/seed_client.py" localhost "$PORT" "$CA" >"$T_TMP/o" 2>&1
contains "seed client gets its 408 under ASan" "$T_TMP/o" "408"
kill -HUP "$SRV_PID"
sleep 1
"$PYTHON" "$PEERS/serve_load.py" 127.0.0.1 "$PORT" "$CA" --conns 10 --requests 5 >"$T_TMP/o" 2>&1
check "served after a reload under ASan" grep -q "failed=0" "$T_TMP/o"
"$TLSKIT" cert --out "$T_TMP/c.pem" asan.test ::2 >/dev/null 2>&1
check "tlskit cert under ASan" test -s "$T_TMP/c.pem"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
check "ASan server exits 0 on SIGTERM" test $? -eq 0
reports=$(cat "$T_TMP"/asan.* "$T_TMP"/ubsan.* 2>/dev/null)
if [ -n "$reports" ]; then
    not_ok "no ASan/UBSan report in any process"
    echo "$reports" | head -40 | sed 's/^/#   /'
else
    ok "no ASan/UBSan report in any process"
fi
t_done
