#!/usr/bin/env bash
# test_valgrind_client.sh: the client side under valgrind memcheck: 'tlskit get' (plain, -v,
# --json, -i, a refusal), 'tlskit connect', and examples/client, each with no memory error
# and nothing lost (the server side has test_serve_valgrind.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

valgrind_or_skip
VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99)

# vg NAME WANT-RC CMD...: CMD under valgrind exits WANT-RC, and valgrind reports nothing.
vg() {
    local name=$1 want=$2 rc
    shift 2
    timeout 120 "${VG[@]}" --log-file="$T_TMP/vg.log" "$@" >"$T_TMP/out" 2>"$T_TMP/err" \
        <"${VG_STDIN:-/dev/null}"
    rc=$?
    if [ "$rc" -eq "$want" ] && [ ! -s "$T_TMP/vg.log" ]; then
        ok "valgrind: $name (exit $rc, clean)"
    else
        not_ok "valgrind: $name (exit $rc, wanted $want)"
        sed 's/^/#   /' "$T_TMP/vg.log" "$T_TMP/err" | head -30
    fi
}

srv_start ecdsa
U="https://localhost:$PORT"
vg "get" 0 "$TLSKIT" get --cafile "$C/ca.pem" "$U/"
vg "get -v --json -i" 0 "$TLSKIT" get -v --json -i --cafile "$C/ca.pem" "$U/"
vg "get --show-certs -o FILE" 0 "$TLSKIT" get --show-certs -o "$T_TMP/body" --cafile "$C/ca.pem" "$U/"
vg "get refused: unknown issuer" 5 "$TLSKIT" get "$U/"
vg "get refused: wrong pin" 5 "$TLSKIT" get --cafile "$C/ca.pem" \
    --pinnedpubkey 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' "$U/"
vg "get refused: bad option" 2 "$TLSKIT" get --min-tls 1.1 "$U/"
printf 'GET / HTTP/1.0\r\n\r\n' >"$T_TMP/req"
VG_STDIN="$T_TMP/req" vg "connect" 0 "$TLSKIT" connect --quiet --cafile "$C/ca.pem" "localhost:$PORT"
vg "examples/client" 0 "$TLSKIT_BUILD/examples/client" localhost "$PORT" "$C/ca.pem"
vg "examples/client refused" 1 "$TLSKIT_BUILD/examples/client" localhost "$PORT"
stop "$SRV_PID"

srv_start expired
vg "get refused: expired" 5 "$TLSKIT" get -v --cafile "$C/ca.pem" "https://localhost:$PORT/"
stop "$SRV_PID"
vg "get refused: nothing listens" 3 "$TLSKIT" get --cafile "$C/ca.pem" "https://127.0.0.1:$PORT/"
t_done
