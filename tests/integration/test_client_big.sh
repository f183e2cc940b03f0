#!/usr/bin/env bash
# test_client_big.sh: 'tlskit get' streams: a 1 GiB body (Content-Length, then chunked) arrives
# whole while the client's peak memory (/usr/bin/time -v) stays as low as for a 1 MB body.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

GIB=1073741824
LIMIT_KB=20480 # 20 MB
SLACK_KB=4096
if ldd "$TLSKIT" 2>/dev/null | grep -q 'libasan'; then
    LIMIT_KB=65536 # ASan's shadow memory and quarantine, not our buffers
    SLACK_KB=16384
fi
PORT=$(free_port)
bg "$T_TMP/http.log" "$PYTHON" "$PEERS/client_http_server.py" 127.0.0.1 "$PORT" "$C/ecdsa.pem"
wait_port "$PORT"
U="https://localhost:$PORT"

if [ ! -x /usr/bin/time ]; then
    not_ok "/usr/bin/time is needed (apt-get install time)"
    exit 1
fi

# rss_get NAME PATH: downloads PATH to a byte counter; sets BYTES and RSS_KB.
rss_get() {
    /usr/bin/time -v -o "$T_TMP/time.txt" "$TLSKIT" get -s --cafile "$C/ca.pem" --timeout 20 \
        "$U$2" 2>"$T_TMP/err" | wc -c >"$T_TMP/count"
    BYTES=$(tr -d ' ' <"$T_TMP/count")
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T_TMP/time.txt")
    echo "# $1: $BYTES bytes, max RSS ${RSS_KB} kB, $(grep -E 'Elapsed' "$T_TMP/time.txt" | sed 's/.*: //') elapsed"
}

rss_get "1 MB" /zeros/1048576
small=$RSS_KB
check "1 MB body arrives" test "$BYTES" -eq 1048576

start=$(date +%s)
rss_get "1 GiB Content-Length" "/zeros/$GIB"
check "1 GiB (Content-Length) arrives whole" test "$BYTES" -eq "$GIB"
check "1 GiB (Content-Length): max RSS ${RSS_KB} kB < $LIMIT_KB kB" test "$RSS_KB" -lt "$LIMIT_KB"
check "1 GiB (Content-Length): max RSS within $((SLACK_KB / 1024)) MB of a 1 MB download (${small} kB)" \
    test "$RSS_KB" -lt $((small + SLACK_KB))
check "1 GiB (Content-Length) within 30 s" test $(($(date +%s) - start)) -le 30

rss_get "1 GiB chunked" "/zeros-chunked/$GIB"
check "1 GiB (chunked) arrives whole" test "$BYTES" -eq "$GIB"
check "1 GiB (chunked): max RSS ${RSS_KB} kB < $LIMIT_KB kB" test "$RSS_KB" -lt "$LIMIT_KB"

t_done
