#!/usr/bin/env bash
# bench/serve_instr.sh: the deterministic side of bench/serve.sh: user-space instructions per
# full handshake and per keep-alive request, tlskit serve vs nginx, counted by valgrind's
# callgrind inside each server's event loop only (ev_run / ngx_process_events_and_timers),
# so start-up is left out. Kernel work is not counted here (bench/serve.sh measures it).
# Usage: bench/serve_instr.sh [SECONDS per phase, default 6]
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SECS=${1:-6}
total_ir() { # the largest callgrind profile's total (the worker's)
    local f
    f=$(ls -S "$tmp"/cg.* | head -1)
    callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'
}
mkdir -p "$tmp/nginx/logs"
run() { # run NAME PHASE: starts the server under callgrind, loads it, prints instructions/op
    local name=$1 phase=$2 P n
    P=$(port)
    rm -f "$tmp"/cg.*
    if [ "$name" = nginx ]; then
        cat >"$tmp/nginx/nginx.conf" <<NGX
worker_processes 1; daemon off; master_process off;
pid $tmp/nginx/nginx.pid; error_log $tmp/nginx/logs/error.log;
events { worker_connections 10000; }
http {
    client_body_temp_path $tmp/nginx/b; proxy_temp_path $tmp/nginx/p; fastcgi_temp_path $tmp/nginx/f;
    uwsgi_temp_path $tmp/nginx/u; scgi_temp_path $tmp/nginx/s;
    access_log off; keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$P ssl;
        ssl_certificate $tmp/certs/ecdsa.chain; ssl_certificate_key $tmp/certs/ecdsa.key;
        ssl_protocols TLSv1.3;
        location / { return 200 "\$remote_addr\n"; }
    }
}
NGX
        valgrind --tool=callgrind --toggle-collect=ngx_process_events_and_timers \
            --callgrind-out-file="$tmp/cg.%p" nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>/dev/null &
    else
        valgrind --tool=callgrind --trace-children=yes --toggle-collect=ev_run \
            --callgrind-out-file="$tmp/cg.%p" "$TLSKIT" serve --listen "127.0.0.1:$P" \
            --cert "$tmp/certs/ecdsa.pem" --workers 1 --min-tls 1.3 2>/dev/null &
    fi
    local pid=$!
    waitp "$P" 30
    sleep 1
    if [ "$phase" = handshake ]; then
        n=$(openssl s_time -connect "127.0.0.1:$P" -new -tls1_3 -time "$SECS" -www / 2>&1 | awk '/connections in/ && /real/ {print $1; exit}')
    else
        n=$(wrk -t1 -c10 -d"${SECS}s" "https://127.0.0.1:$P/" | awk '/requests in/ {print $1}')
    fi
    stop_bg "$pid"
    sleep 1
    echo "$(total_ir) $n"
}
declare -A I
for phase in handshake keepalive; do
    for s in nginx tlskit; do
        read -r ir n < <(run $s $phase)
        I[${s}_$phase]=$("$PY" -c "print(round($ir / $n))")
        I[${s}_${phase}_n]=$n
    done
done
# A keep-alive run also holds 10 handshakes: take them out.
for s in nginx tlskit; do
    I[${s}_keepalive]=$("$PY" -c "print(round((${I[${s}_keepalive]} * ${I[${s}_keepalive_n]} - 10 * ${I[${s}_handshake]}) / ${I[${s}_keepalive_n]}))")
done
printf '%-46s %12s %12s %7s\n' "user-space instructions (callgrind)" nginx tlskit ratio
for phase in handshake keepalive; do
    printf '%-46s %12s %12s %7s\n' "per $( [ $phase = handshake ] && echo 'full handshake' || echo 'keep-alive request')" \
        "${I[nginx_$phase]}" "${I[tlskit_$phase]}" "$("$PY" -c "print(f'{${I[tlskit_$phase]} / ${I[nginx_$phase]}:.2f}')")"
done
echo "operations: handshakes nginx ${I[nginx_handshake_n]}, tlskit ${I[tlskit_handshake_n]}; requests nginx ${I[nginx_keepalive_n]}, tlskit ${I[tlskit_keepalive_n]}"
