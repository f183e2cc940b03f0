# shellcheck shell=bash
# serve_common.sh: helpers shared by the test_serve*.sh scripts (source after lib.sh).
# start_server LOG ARGS...: starts 'tlskit serve' on a free port ($PORT) with ARGS, waits until
# it accepts; sets $SRV_PID. The development CA goes to a throwaway TLSKIT_HOME.
export TLSKIT_HOME="$T_TMP/home"
start_server() {
    local log=$1
    shift
    PORT=$(free_port)
    bg "$log" "$TLSKIT" serve --listen "127.0.0.1:$PORT" "$@"
    SRV_PID=$BG_PID
    if ! wait_port "$PORT" 127.0.0.1 15; then
        sed 's/^/#   /' "$log" | head -20
        return 1
    fi
}
# wait_log FILE TEXT [SECONDS]: until FILE holds TEXT.
wait_log() {
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# curl_s ARGS...: curl trusting the test CA, quiet, bounded.
curl_s() {
    curl -sS --max-time 10 --cacert "$C/ca.pem" "$@"
}
# raw_tls HOST PORT: stdin to a TLS connection (verified against the test CA), stdout back.
raw_tls() {
    "$PYTHON" "$PEERS/tls_pipe.py" "$@"
}
# worker_pids: the worker processes of $SRV_PID.
worker_pids() {
    pgrep -P "$SRV_PID"
}
