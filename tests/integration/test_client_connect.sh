#!/usr/bin/env bash
# test_client_connect.sh: 'tlskit connect HOST:PORT': bytes flow both ways, the end of stdin
# sends close_notify after the pending data and the output goes on until the peer closes;
# --quiet; refusals as for get (peers/client_echo_server.py and openssl s_server -rev).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

CA=(--cafile "$C/ca.pem")

PORT=$(free_port)
bg "$T_TMP/greet.log" "$PYTHON" "$PEERS/client_echo_server.py" 127.0.0.1 "$PORT" "$C/ecdsa.pem" greet
GREET_PID=$BG_PID
wait_port "$PORT"

# Both directions and the clean close: 1 MB in, the server's digest of it out.
head -c 1000000 /dev/urandom >"$T_TMP/in.bin"
want=$(sha256sum "$T_TMP/in.bin" | cut -d' ' -f1)
"$TLSKIT" connect "${CA[@]}" "localhost:$PORT" <"$T_TMP/in.bin" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
check_rc "connect: 1 MB through" 0
contains "connect: the server's greeting arrived" "$T_TMP/out" "hello from the server"
contains "connect: the server got every byte (after close_notify)" "$T_TMP/out" "got 1000000 bytes sha256 $want"
sleep 0.2
contains "connect: our end of stdin sent close_notify" "$T_TMP/greet.log" "client sent close_notify"
contains "connect: reports the peer's close_notify" "$T_TMP/err" "close_notify"
contains "connect: reports the connection" "$T_TMP/err" "connected to localhost port $PORT"

# --quiet: nothing but the peer's bytes.
printf 'abc' | "$TLSKIT" connect --quiet "${CA[@]}" "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
check_rc "connect --quiet" 0
check "--quiet: stderr is empty" test ! -s "$T_TMP/err"
contains "--quiet: bytes arrived" "$T_TMP/out" "got 3 bytes"

# A slow writer: the peer's greeting comes out before stdin ends.
{
    sleep 6
    printf 'late'
} | "$TLSKIT" connect -q "${CA[@]}" "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err" &
CPID=$!
for ((i = 0; i < 50; i++)); do # up to 5 s, before stdin ends (slow under valgrind)
    grep -q "hello from the server" "$T_TMP/out" 2>/dev/null && break
    sleep 0.1
done
contains "connect: output flows while stdin is still open" "$T_TMP/out" "hello from the server"
wait "$CPID"
RC=$?
check_rc "connect: slow writer" 0
contains "connect: the late bytes arrived" "$T_TMP/out" "got 4 bytes"

# -v report, and an IPv6-style target refused.
printf '' | "$TLSKIT" connect -v "${CA[@]}" "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
check_rc "connect -v" 0
contains "connect -v: reports the chain" "$T_TMP/err" "subject: CN=localhost"
contains "connect -v: verification" "$T_TMP/err" "verification: ok"
stop "$GREET_PID"

# The peer closes first (with and without close_notify): connect ends with exit 0.
PORT=$(free_port)
bg "$T_TMP/close.log" "$PYTHON" "$PEERS/client_echo_server.py" 127.0.0.1 "$PORT" "$C/ecdsa.pem" close
wait_port "$PORT"
sleep 5 | "$TLSKIT" connect "${CA[@]}" --timeout 4 "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
check_rc "connect: the peer closes first" 0
contains "connect: peer closed: its bytes" "$T_TMP/out" "bye"
contains "connect: peer closed with close_notify" "$T_TMP/err" "(close_notify)"
stop "$BG_PID"
PORT=$(free_port)
bg "$T_TMP/reset.log" "$PYTHON" "$PEERS/client_echo_server.py" 127.0.0.1 "$PORT" "$C/ecdsa.pem" reset
wait_port "$PORT"
sleep 5 | "$TLSKIT" connect "${CA[@]}" --timeout 4 "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
check_rc "connect: the peer closes TCP without close_notify" 0
contains "connect: says so" "$T_TMP/err" "without close_notify"
stop "$BG_PID"

# openssl s_server -rev: an echo of each line, reversed.
PORT=$(free_port)
bg "$T_TMP/rev.log" openssl s_server -accept "$PORT" -cert "$C/ecdsa.crt" -key "$C/ecdsa.key" \
    -cert_chain "$C/inter.pem" -rev -quiet
REV_PID=$BG_PID
wait_port "$PORT"
{
    printf 'hello tlskit\n'
    sleep 0.5
} | "$TLSKIT" connect -q "${CA[@]}" --timeout 3 "localhost:$PORT" >"$T_TMP/out" 2>"$T_TMP/err"
RC=$?
contains "connect to s_server -rev: the reversed line" "$T_TMP/out" "tikslt olleh"
check_rc "connect to s_server -rev: ends when it answers our close_notify" 0
stop "$REV_PID"

# Refusals and usage.
srv_start expired
run_tlskit connect "${CA[@]}" "localhost:$PORT"
check_rc "connect: expired certificate" 5
check_refusal "connect: expired certificate" "expired"
stop "$SRV_PID"
P0=$(free_port)
run_tlskit connect "${CA[@]}" "127.0.0.1:$P0"
check_rc "connect: refused" 3
check_refusal "connect: refused" "could not connect" "127.0.0.1:$P0"
run_tlskit connect "${CA[@]}" "localhost"
check_rc "connect: no port" 2
check_refusal "connect: no port" "HOST:PORT"
run_tlskit connect "${CA[@]}" "::1:443"
check_rc "connect: bare IPv6 needs brackets" 2
run_tlskit connect --help
check_rc "connect --help" 0
contains "connect --help lists exit codes" "$T_TMP/out" "6  timed out"

t_done
