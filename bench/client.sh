#!/usr/bin/env bash
# bench/client.sh: 'tlskit get' against curl, side by side in one run, on the same machine and
# the same local nginx (one worker, ECDSA P-256 certificate, TLS 1.3, TLS_AES_128_GCM_SHA256
# for both clients). Measures (1) a 1 GiB download over one connection: MB/s and the client's
# CPU seconds (user+sys), median of RUNS; (2) client CPU per full handshake: N sequential
# fetches of a small file, user+sys of all the client processes, divided by N.
# The server runs on CPU 1 and the clients on CPU 0. Usage: bench/client.sh [RUNS, default 3]
# [N, default 200]. Loopback only; every loop bounded.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${1:-3}
N=${2:-200}
CURL=${CURL:-curl}
[ -x "$TLSKIT" ] || { echo "build tlskit first (make)"; exit 2; }
command -v "$CURL" >/dev/null || { echo "curl is needed"; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install time)"; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is needed (apt-get install nginx-light)"; exit 2; }

PORT=$(port)
mkdir -p "$tmp/html" "$tmp/logs"
truncate -s 1G "$tmp/html/1g.bin" # sparse: the server reads zeros from the page cache
printf 'small\n' >"$tmp/html/small.txt"
cat >"$tmp/nginx.conf" <<NGX
daemon off;
user $(id -un) $(id -gn);
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    ssl_session_tickets off;
    ssl_session_cache off;
    server {
        listen 127.0.0.1:$PORT ssl;
        ssl_certificate $tmp/certs/ecdsa.chain;
        ssl_certificate_key $tmp/certs/ecdsa.key;
        ssl_protocols TLSv1.3;
        ssl_buffer_size 16k;
        root $tmp/html;
    }
}
NGX
# The server on CPU 1, the clients on CPU 0 (when there are two), as bench/serve.sh does.
PIN_S=()
PIN_C=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    PIN_S=(taskset -c 1)
    PIN_C=(taskset -c 0)
fi
"${PIN_S[@]}" "$NGINX" -p "$tmp" -c "$tmp/nginx.conf" >"$tmp/logs/nginx.out" 2>&1 &
pids+=("$!")
waitp "$PORT"

U="https://localhost:$PORT"
SUITE=TLS_AES_128_GCM_SHA256
TK=("${PIN_C[@]}" "$TLSKIT" get -s --cafile "$CA" --ciphersuites "$SUITE")
CU=("${PIN_C[@]}" "$CURL" -s --fail --cacert "$CA" --tlsv1.3 --tls13-ciphers "$SUITE")

# timed CMD...: runs CMD under /usr/bin/time; prints "elapsed user sys".
timed() {
    /usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >/dev/null
    cat "$tmp/t"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "bench/client.sh: tlskit $("$TLSKIT" version | head -1) vs $("$CURL" -V | head -1 | cut -d' ' -f1-3)"
echo "server: nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), TLS 1.3 $SUITE, ECDSA P-256; $(nproc) cores"
echo

# 1. 1 GiB over one connection, alternating the clients.
: >"$tmp/dl.tk"
: >"$tmp/dl.cu"
for _ in $(seq "$RUNS"); do
    timed "${TK[@]}" -o /dev/null "$U/1g.bin" >>"$tmp/dl.tk"
    timed "${CU[@]}" -o /dev/null "$U/1g.bin" >>"$tmp/dl.cu"
done
for c in tk cu; do
    awk '{print 1073.741824 / $1}' "$tmp/dl.$c" | median >"$tmp/mbs.$c"
    awk '{print $2 + $3}' "$tmp/dl.$c" | median >"$tmp/cpu.$c"
done

# 2. N sequential full handshakes (no session reuse: each is a new process).
hs() {
    local out=$1
    shift
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    /usr/bin/time -f '%e %U %S' -o "$out" bash -c 'for ((i = 0; i < $1; i++)); do "${@:2}" >/dev/null || exit 1; done' _ "$N" "$@"
}
hs "$tmp/hs.tk" "${TK[@]}" "$U/small.txt"
hs "$tmp/hs.cu" "${CU[@]}" "$U/small.txt"
# The same loop running /bin/true: the shell's own share, subtracted from both.
hs "$tmp/hs.base" "${PIN_C[@]}" /bin/true
base=$(awk '{print $2 + $3}' "$tmp/hs.base")
for c in tk cu; do
    awk -v b="$base" -v n="$N" '{printf "%.3f\n", ($2 + $3 - b) * 1000 / n}' "$tmp/hs.$c" >"$tmp/hscpu.$c"
    awk -v n="$N" '{printf "%.2f\n", $1 * 1000 / n}' "$tmp/hs.$c" >"$tmp/hswall.$c"
done

r() { awk -v a="$(cat "$1")" -v b="$(cat "$2")" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
printf '%-44s %12s %12s %14s\n' "measure (median of $RUNS, or over $N runs)" "tlskit" "curl" "tlskit/curl"
printf '%-44s %12.0f %12.0f %14s\n' "1 GiB download, MB/s (higher is better)" "$(cat "$tmp/mbs.tk")" "$(cat "$tmp/mbs.cu")" "$(r "$tmp/mbs.tk" "$tmp/mbs.cu")"
printf '%-44s %12.2f %12.2f %14s\n' "1 GiB download, client CPU s (lower better)" "$(cat "$tmp/cpu.tk")" "$(cat "$tmp/cpu.cu")" "$(r "$tmp/cpu.tk" "$tmp/cpu.cu")"
printf '%-44s %12.2f %12.2f %14s\n' "per full handshake + GET, client CPU ms" "$(cat "$tmp/hscpu.tk")" "$(cat "$tmp/hscpu.cu")" "$(r "$tmp/hscpu.tk" "$tmp/hscpu.cu")"
printf '%-44s %12.2f %12.2f %14s\n' "per full handshake + GET, wall ms" "$(cat "$tmp/hswall.tk")" "$(cat "$tmp/hswall.cu")" "$(r "$tmp/hswall.tk" "$tmp/hswall.cu")"
echo
echo "per run, 1 GiB download MB/s: tlskit $(awk '{printf " %.0f", 1073.741824 / $1}' "$tmp/dl.tk"); curl $(awk '{printf " %.0f", 1073.741824 / $1}' "$tmp/dl.cu")"
