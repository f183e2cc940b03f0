#!/usr/bin/env bash
# bench/serve.sh: 'tlskit serve' against Debian's nginx, side by side in one run: one worker
# each, the same ECDSA P-256 certificate, TLS 1.3 only, server pinned to CPU 1 and the load
# generator to CPU 0. Compares server CPU time per operation (utime+stime of the server's
# process tree from /proc), memory per idle TLS connection, and p99 latency at a fixed rate.
# Usage: [ROUNDS=5] bench/serve.sh [SECONDS per load phase, default 10]. Prints a table of ratios.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SECS=${1:-10}
ulimit -n 8192

# ---- the two servers ----
NP=$(port)
NP2=$(port)
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 10000; }
http {
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    log_format reuse '\$ssl_session_reused';
    keepalive_requests 1000000;
    ssl_certificate $tmp/certs/ecdsa.chain;
    ssl_certificate_key $tmp/certs/ecdsa.key;
    ssl_protocols TLSv1.3;
    # The handshake phase logs \$ssl_session_reused to prove no session was resumed; the
    # other phases use a second port without an access log, as tlskit runs without one.
    server {
        listen 127.0.0.1:$NP ssl;
        access_log $tmp/nginx/logs/access.log reuse buffer=64k;
        location / { return 200 "\$remote_addr\n"; }
    }
    server {
        listen 127.0.0.1:$NP2 ssl;
        access_log off;
        location / { return 200 "\$remote_addr\n"; }
    }
}
NGX
taskset -c 1 nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx/stderr" &
NGX_PID=$!
pids+=("$NGX_PID")
TP=$(port)
taskset -c 1 "$TLSKIT" serve --listen "127.0.0.1:$TP" --cert "$tmp/certs/ecdsa.pem" --workers 1 \
    --min-tls 1.3 ${TLSKIT_SERVE_ARGS:-} 2>"$tmp/tlskit.log" &
TK_PID=$!
pids+=("$TK_PID")
waitp "$NP" && waitp "$NP2" && waitp "$TP"

rss_kb() { # RSS of the workers (the children), in KiB
    local t=0 p
    for p in $(pgrep -P "$1"); do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status"))); done
    echo "$t"
}
declare -A R

# Phases 1, 2 and 4 alternate the servers ROUNDS times and report each one's median: on a
# shared machine other jobs make single rounds of either server slow (or lucky).
ROUNDS=${ROUNDS:-5}
minof() { "$PY" -c "import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }

# per_op NAME PID COUNT_AWK LOAD...: runs the LOAD command on CPU 0 against one server and adds
# that server's CPU time and kernel time per operation (us) to R[NAME.cpu.SERVER] and
# R[NAME.sys.SERVER] (space-separated, one per round), and the operations to R[NAME.n.SERVER].
# COUNT_AWK picks the operation count out of the load generator's output.
per_op() {
    local name=$1 s=$2 pid=$3 count=$4 c0 k0 c1 k1 out n
    shift 4
    c0=$(cpu_ticks "$pid")
    k0=$(sys_ticks "$pid")
    out=$(taskset -c 0 "$@" 2>&1)
    c1=$(cpu_ticks "$pid")
    k1=$(sys_ticks "$pid")
    n=$(echo "$out" | awk "$count")
    R[$name.cpu.$s]="${R[$name.cpu.$s]:-} $("$PY" -c "print(f'{($c1-$c0)/$HZ/$n*1e6:.1f}')")"
    R[$name.sys.$s]="${R[$name.sys.$s]:-} $("$PY" -c "print(f'{($k1-$k0)/$HZ/$n*1e6:.1f}')")"
    R[$name.n.$s]=$((${R[$name.n.$s]:-0} + n))
}

# How many operations a load generator reports (awk programs).
# shellcheck disable=SC2016 # awk's $1, not the shell's
S_TIME_COUNT='/connections in/ && /real/ {print $1; exit}' WRK_COUNT='/requests in/ {print $1}'

# ---- 1. full handshakes, no resumption (openssl s_time -new: a fresh session each time) ----
for _ in $(seq "$ROUNDS"); do
    per_op hs nginx "$NGX_PID" "$S_TIME_COUNT" \
        openssl s_time -connect "127.0.0.1:$NP" -new -tls1_3 -time "$SECS" -www /
    per_op hs tlskit "$TK_PID" "$S_TIME_COUNT" \
        openssl s_time -connect "127.0.0.1:$TP" -new -tls1_3 -time "$SECS" -www /
done
kill -USR1 "$TK_PID"
sleep 0.5
R[tk_resumed]=$(grep -o 'resumed=[0-9]*' "$tmp/tlskit.log" | tail -1)
R[tk_handshakes]=$(grep -o ' handshakes=[0-9]*' "$tmp/tlskit.log" | tail -1)
kill -USR1 "$NGX_PID" 2>/dev/null || true # reopen logs: flushes the buffered access log
sleep 0.5
R[ngx_reused]=$(grep -c '^r$' "$tmp/nginx/logs/access.log" || true)
R[ngx_lines]=$(wc -l <"$tmp/nginx/logs/access.log")

# ---- 2. keep-alive requests (wrk, 50 connections) ----
for _ in $(seq "$ROUNDS"); do
    per_op ka nginx "$NGX_PID" "$WRK_COUNT" wrk -t1 -c50 -d"${SECS}s" "https://127.0.0.1:$NP2/"
    per_op ka tlskit "$TK_PID" "$WRK_COUNT" wrk -t1 -c50 -d"${SECS}s" "https://127.0.0.1:$TP/"
done
for m in hs ka; do
    for s in nginx tlskit; do
        R[$m.med.$s]=$(minof ${R[$m.cpu.$s]})
        R[$m.kmed.$s]=$(minof ${R[$m.sys.$s]})
    done
done

# ---- 3. memory per idle TLS connection (2,000 connections, one request each, then idle) ----
for s in nginx tlskit; do
    if [ $s = nginx ]; then P=$NP2; PID=$NGX_PID; else P=$TP; PID=$TK_PID; fi
    m0=$(rss_kb "$PID")
    taskset -c 0 "$PY" "$top/bench/serve_idle.py" 127.0.0.1 "$P" "$CA" 2000 4 >"$tmp/idle.out" &
    ip=$!
    for _ in $(seq 600); do grep -q idle "$tmp/idle.out" && break; sleep 0.1; done
    sleep 1
    m1=$(rss_kb "$PID")
    wait "$ip"
    R[mem_$s]=$("$PY" -c "print(f'{($m1-$m0)/2000:.1f}')")
done

# ---- 4. latency at a fixed moderate rate (1,000 requests/s over 10 keep-alive connections) ----
# Alternated ROUNDS times; each server's median p99 is reported. The load generator is C over
# OpenSSL (bench/latency.c): a Python one adds more jitter than either server has.
cc -O2 -o "$tmp/latency" "$top/bench/latency.c" -lssl -lcrypto
declare -A LAT
R[p99_nginx]=
for _ in $(seq "$ROUNDS"); do
    for s in nginx tlskit; do
        if [ $s = nginx ]; then P=$NP2; else P=$TP; fi
        out=$(taskset -c 0 "$tmp/latency" 127.0.0.1 "$P" "$CA" 1000 "$SECS" 10)
        LAT[$s]="${LAT[$s]:-} $(echo "$out" | sed -n 's/.*p99=\([0-9]*\).*/\1/p')"
        R[lat_$s]="$out"
    done
done
median() { "$PY" -c "import statistics, sys; print(int(statistics.median(int(x) for x in sys.argv[1:])))" "$@"; }
R[p99_nginx]=$(median ${LAT[nginx]})
R[p99_tlskit]=$(median ${LAT[tlskit]})

ratio() { "$PY" -c "print(f'{$1/$2:.2f}')"; }
p99() { echo "$1" | sed -n 's/.*p99=\([0-9]*\).*/\1/p'; }
echo "tlskit serve vs nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $(openssl version | cut -d' ' -f1-2), ECDSA P-256, TLS 1.3, 1 worker each, $(nproc) CPUs"
printf '%-44s %12s %12s %7s %7s\n' "measure" "nginx" "tlskit" "ratio" "target"
printf '%-44s %12s %12s %7s %7s\n' "server CPU per full handshake (us)" "${R[hs.med.nginx]}" "${R[hs.med.tlskit]}" "$(ratio "${R[hs.med.tlskit]}" "${R[hs.med.nginx]}")" "<=0.8"
printf '%-44s %12s %12s %7s %7s\n' "  of which kernel (stime)" "${R[hs.kmed.nginx]}" "${R[hs.kmed.tlskit]}" "$(ratio "${R[hs.kmed.tlskit]}" "${R[hs.kmed.nginx]}")" ""
printf '%-44s %12s %12s %7s %7s\n' "server CPU per keep-alive request (us)" "${R[ka.med.nginx]}" "${R[ka.med.tlskit]}" "$(ratio "${R[ka.med.tlskit]}" "${R[ka.med.nginx]}")" "<=0.6"
printf '%-44s %12s %12s %7s %7s\n' "  of which kernel (stime)" "${R[ka.kmed.nginx]}" "${R[ka.kmed.tlskit]}" "$(ratio "${R[ka.kmed.tlskit]}" "${R[ka.kmed.nginx]}")" ""
printf '%-44s %12s %12s %7s %7s\n' "RSS per idle TLS connection (KiB)" "${R[mem_nginx]}" "${R[mem_tlskit]}" "$(ratio "${R[mem_tlskit]}" "${R[mem_nginx]}")" "<=1.0"
printf '%-44s %12s %12s %7s %7s\n' "p99 latency at 1,000 req/s (us, median)" "${R[p99_nginx]}" "${R[p99_tlskit]}" "$(ratio "${R[p99_tlskit]}" "${R[p99_nginx]}")" "<=1.0"
echo
echo "medians of $ROUNDS alternating rounds x ${SECS}s per server and phase; per-round CPU per handshake: nginx${R[hs.cpu.nginx]}; tlskit${R[hs.cpu.tlskit]}"
echo "per-round CPU per keep-alive request: nginx${R[ka.cpu.nginx]}; tlskit${R[ka.cpu.tlskit]}"
echo "per-round kernel CPU per keep-alive request: nginx${R[ka.sys.nginx]}; tlskit${R[ka.sys.tlskit]}"
echo "full handshakes: nginx ${R[hs.n.nginx]} (access log lines ${R[ngx_lines]}, \$ssl_session_reused=r: ${R[ngx_reused]}), tlskit ${R[hs.n.tlskit]} (server counters:${R[tk_handshakes]} ${R[tk_resumed]})"
echo "keep-alive requests: nginx ${R[ka.n.nginx]}, tlskit ${R[ka.n.tlskit]}"
echo "p99 per round (us): nginx${LAT[nginx]}; tlskit${LAT[tlskit]}"
echo "last round, nginx:  ${R[lat_nginx]}"
echo "last round, tlskit: ${R[lat_tlskit]}"
