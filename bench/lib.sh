# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this
# bench/lib.sh: what the bench scripts share, sourced after `set -euo pipefail`: a temporary
# directory with the test certificates, the servers a script started (ended by their PID when
# it exits, and only those), a free loopback port, waiting for a port, and CPU time of a
# process tree.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TLSKIT=${TLSKIT:-$top/build/tlskit}
PY=${PYTHON:-/usr/bin/python3}
HZ=$(getconf CLK_TCK)
tmp=$(mktemp -d /tmp/tlskit-bench.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ ${#pids[@]} -eq 0 ] || sleep 0.3
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
bash "$top/tests/certs/mkcerts.sh" "$tmp/certs" >/dev/null 2>&1
CA="$tmp/certs/ca.pem"

# A free TCP port on 127.0.0.1.
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# waitp PORT [SECONDS, default 10]: until something accepts on 127.0.0.1:PORT.
waitp() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# stop_bg PID: ends a server this script started, waits for it, and forgets it (so that the
# exit trap never signals a PID the system may have given to another process since).
stop_bg() {
    local p keep=()
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

# cpu_ticks PID / sys_ticks PID: utime+stime, or stime alone (the kernel's share: TCP over
# loopback, system calls), of PID and its children, in clock ticks (HZ per second).
tree_ticks() {
    local t=0 p
    for p in "$1" $(pgrep -P "$1"); do t=$((t + $(awk "{print $2}" "/proc/$p/stat"))); done
    echo "$t"
}
# shellcheck disable=SC2016 # awk's fields, not shell expansions
cpu_ticks() { tree_ticks "$1" '$14 + $15'; }
# shellcheck disable=SC2016
sys_ticks() { tree_ticks "$1" '$15'; }
