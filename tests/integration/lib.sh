# lib.sh: shared helpers for integration scripts. Source it; it sets up a scratch dir,
# PID-tracked background processes (killed on exit, only those we started), free ports
# on loopback, and the "ok" / "not ok" lines that tests/run counts.
set -u
: "${TLSKIT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${TLSKIT_BUILD:=$TLSKIT_TOP/build}"
: "${TLSKIT_CERTS:=$TLSKIT_BUILD/test-certs}"
: "${PYTHON:=/usr/bin/python3}"
TLSKIT="$TLSKIT_BUILD/tlskit"
PEERS="$TLSKIT_TOP/tests/integration/peers"
C="$TLSKIT_CERTS"
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tlskit-test.XXXXXX")
T_PIDS=()
T_FAILS=0

t_cleanup() {
    local p
    for p in "${T_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    sleep 0.1
    for p in "${T_PIDS[@]}"; do
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$T_TMP"
}
trap t_cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    T_FAILS=$((T_FAILS + 1))
}
# check NAME CMD...: runs CMD; ok when it exits 0.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# expect_rc WANT NAME CMD...: ok when CMD exits with status WANT.
expect_rc() {
    local want=$1 name=$2 rc
    shift 2
    "$@"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$name"; else not_ok "$name (exit $rc, wanted $want)"; fi
}
# contains NAME FILE TEXT: ok when FILE holds TEXT (fixed string, case-insensitive).
contains() {
    if grep -qiF -- "$3" "$2"; then ok "$1"; else
        not_ok "$1 (no '$3' in $2)"
        sed 's/^/#   /' "$2" | head -15
    fi
}
# free_port: a TCP port nobody listens on right now, on loopback.
free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
# wait_port PORT [HOST] [SECONDS]: until something accepts on HOST:PORT.
wait_port() {
    local port=$1 host=${2:-127.0.0.1} secs=${3:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "# nothing listens on $host:$port after ${secs}s"
    return 1
}
# bg LOGFILE CMD...: starts CMD in the background, remembers its PID in $BG_PID.
bg() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    BG_PID=$!
    T_PIDS+=("$BG_PID")
}
# stop PID: ends one process we started.
stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}
# valgrind_or_skip: ends the script with a "# skipped" line (no ok) when $TLSKIT is a sanitizer
# build, which valgrind cannot run (the sanitizers check that build); fails without valgrind.
valgrind_or_skip() {
    if ! command -v valgrind >/dev/null; then
        not_ok "valgrind is installed (scripts/install-deps --test)"
        exit 1
    fi
    if ldd "$TLSKIT" 2>/dev/null | grep -q 'libasan\|libubsan'; then
        echo "# skipped: $TLSKIT is a sanitizer build; valgrind runs on the plain build"
        exit 0
    fi
}
t_done() { [ "$T_FAILS" -eq 0 ]; }
