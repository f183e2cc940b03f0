# client_lib.sh: helpers for the test_client*.sh scripts (source after lib.sh): an openssl
# s_server per certificate bundle, and one-line cases that run 'tlskit get' or 'tlskit connect'
# and check the exit code, an empty stdout on refusal, and the key words of the message.
# shellcheck shell=bash

# Absolute, so that peers started in other directories (nginx -p, s_server -WWW) find it.
C=$(cd "$C" && pwd)

# srv_start BUNDLE [S_SERVER ARGS...]: serves bundle BUNDLE (leaf, key and the intermediates
# it ships with) with `openssl s_server -www` on a free loopback port. Sets PORT and SRV_PID.
srv_start() {
    local b=$1
    shift
    PORT=$(free_port)
    local inter="$T_TMP/$b.inter" chain=()
    awk '/BEGIN CERTIFICATE/{n++} n>1{print}' "$C/$b.chain" >"$inter"
    [ -s "$inter" ] && chain=(-cert_chain "$inter")
    bg "$T_TMP/srv-$b-$PORT.log" openssl s_server -accept "$PORT" -cert "$C/$b.crt" \
        -key "$C/$b.key" "${chain[@]}" -quiet -www "$@"
    SRV_PID=$BG_PID # for the caller's stop
    export SRV_PID
    wait_port "$PORT"
}

# run_tlskit SUBCOMMAND ARGS...: runs tlskit with stdout in $T_TMP/out and stderr in
# $T_TMP/err; the exit code is in RC.
run_tlskit() {
    "$TLSKIT" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
    RC=$?
}

# check_rc NAME WANT: RC is WANT.
check_rc() {
    if [ "$RC" -eq "$2" ]; then ok "$1: exit $2"; else
        not_ok "$1: exit $RC, wanted $2"
        sed 's/^/#   /' "$T_TMP/err" | head -8
    fi
}

# check_refusal NAME WORDS...: stdout is empty, stderr's first line is 'tlskit CMD: ...' and
# holds the first word, and stderr holds every word (case-insensitive).
check_refusal() {
    local name=$1 w
    shift
    # A body cut short (ALLOW_OUT=1) may have streamed some bytes; a refusal writes none.
    if [ "${ALLOW_OUT:-0}" = 1 ]; then
        :
    elif [ -s "$T_TMP/out" ]; then not_ok "$name: stdout is not empty"; else ok "$name: nothing on stdout"; fi
    head -1 "$T_TMP/err" >"$T_TMP/err1"
    if grep -qE '^tlskit [a-z]+: ' "$T_TMP/err1"; then
        contains "$name: first line says '$1'" "$T_TMP/err1" "$1"
    else
        not_ok "$name: stderr does not start with the sentence"
        sed 's/^/#   /' "$T_TMP/err" | head -5
    fi
    shift
    for w in "$@"; do contains "$name: says '$w'" "$T_TMP/err" "$w"; done
}

# get_case NAME WANT_RC [GET ARGS...] -- [WORDS...]: 'tlskit get -s ARGS'; checks the exit code
# and, for a refusal (exit >= 2), check_refusal with WORDS.
get_case() {
    local name=$1 want=$2 args=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        args+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    run_tlskit get -s "${args[@]}"
    check_rc "$name" "$want"
    if [ "$want" -ge 2 ]; then
        check_refusal "$name" "$@"
    fi
}
