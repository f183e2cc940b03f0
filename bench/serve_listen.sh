#!/usr/bin/env bash
# bench/serve_listen.sh: one shared listening socket vs one SO_REUSEPORT socket per worker,
# 'tlskit serve --workers 2' each: server CPU per full handshake (openssl s_time -new) and
# how the connections spread over the workers, for a burst of new connections and for
# keep-alive load. Usage: bench/serve_listen.sh [SECONDS, default 5] [ROUNDS, default 3]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-5}
ROUNDS=${2:-3}
TLSKIT=${TLSKIT:-$top/build/tlskit}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/tlskit-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
bash "$top/tests/certs/mkcerts.sh" "$tmp/certs" >/dev/null 2>&1
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu() { local t=0 p; for p in $1 $(pgrep -P "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
HZ=$(getconf CLK_TCK)
for mode in shared reuseport; do
    args=()
    [ $mode = reuseport ] && args=(--reuseport)
    P=$(port)
    "$TLSKIT" serve --listen "127.0.0.1:$P" --cert "$tmp/certs/ecdsa.pem" --workers 2 "${args[@]}" 2>"$tmp/$mode.log" &
    pid=$!
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null && break; sleep 0.1; done
    best=
    for _ in $(seq "$ROUNDS"); do
        c0=$(cpu $pid)
        n=$(openssl s_time -connect "127.0.0.1:$P" -new -time "$SECS" -www / 2>&1 | awk '/connections in/ && /real/ {print $1; exit}')
        c1=$(cpu $pid)
        us=$("$PY" -c "print(int(($c1-$c0)/$HZ/$n*1e6))")
        best="$best $us"
    done
    kill -USR1 $pid; sleep 0.5
    hs=$(grep 'info: stats' "$tmp/$mode.log" | grep -o ' handshakes=[0-9]*' | tr -d ' ' | tr '\n' ' ')
    c0=$(cpu $pid)
    n=$(wrk -t1 -c100 -d"${SECS}s" "https://127.0.0.1:$P/" | awk '/requests in/ {print $1}')
    c1=$(cpu $pid)
    ka=$("$PY" -c "print(round(($c1-$c0)/$HZ/$n*1e6, 1))")
    kill -USR1 $pid; sleep 0.5
    hs2=$(grep 'info: stats' "$tmp/$mode.log" | tail -2 | grep -o ' handshakes=[0-9]*' | tr -d ' ' | tr '\n' ' ')
    echo "$mode: CPU per full handshake (us) per round:$best; per-worker handshakes after s_time: $hs; keep-alive (wrk -c100): $n requests, $ka us CPU each; per-worker handshakes after wrk: $hs2"
    kill $pid; wait $pid 2>/dev/null || true
    pid=
done
