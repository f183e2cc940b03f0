#!/usr/bin/env bash
# bench/serve_listen.sh: one shared listening socket vs one SO_REUSEPORT socket per worker,
# 'tlskit serve --workers 2' each: server CPU per full handshake (openssl s_time -new) and
# how the connections spread over the workers, for a burst of new connections and for
# keep-alive load. Usage: bench/serve_listen.sh [SECONDS, default 5] [ROUNDS, default 3]
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SECS=${1:-5}
ROUNDS=${2:-3}
for mode in shared reuseport; do
    args=()
    [ $mode = reuseport ] && args=(--reuseport)
    P=$(port)
    "$TLSKIT" serve --listen "127.0.0.1:$P" --cert "$tmp/certs/ecdsa.pem" --workers 2 "${args[@]}" 2>"$tmp/$mode.log" &
    pid=$!
    pids+=("$pid")
    waitp "$P"
    best=
    for _ in $(seq "$ROUNDS"); do
        c0=$(cpu_ticks "$pid")
        n=$(openssl s_time -connect "127.0.0.1:$P" -new -time "$SECS" -www / 2>&1 | awk '/connections in/ && /real/ {print $1; exit}')
        c1=$(cpu_ticks "$pid")
        us=$("$PY" -c "print(int(($c1-$c0)/$HZ/$n*1e6))")
        best="$best $us"
    done
    kill -USR1 $pid; sleep 0.5
    hs=$(grep 'info: stats' "$tmp/$mode.log" | grep -o ' handshakes=[0-9]*' | tr -d ' ' | tr '\n' ' ')
    c0=$(cpu_ticks "$pid")
    n=$(wrk -t1 -c100 -d"${SECS}s" "https://127.0.0.1:$P/" | awk '/requests in/ {print $1}')
    c1=$(cpu_ticks "$pid")
    ka=$("$PY" -c "print(round(($c1-$c0)/$HZ/$n*1e6, 1))")
    kill -USR1 $pid; sleep 0.5
    hs2=$(grep 'info: stats' "$tmp/$mode.log" | tail -2 | grep -o ' handshakes=[0-9]*' | tr -d ' ' | tr '\n' ' ')
    echo "$mode: CPU per full handshake (us) per round:$best; per-worker handshakes after s_time: $hs; keep-alive (wrk -c100): $n requests, $ka us CPU each; per-worker handshakes after wrk: $hs2"
    stop_bg "$pid"
done
