#!/usr/bin/env bash
# test_client_net.sh: the options 'tlskit get' and 'tlskit connect' share, and the network
# failures: refused, unresolvable, timed out, plain HTTP on the port; --resolve, -4/-6,
# --servername, --min/--max-tls, --ciphers, --alpn, client certificates, --pinnedpubkey,
# --insecure and its refusals, -v, --json, --show-certs. openssl s_server on loopback.
# shellcheck disable=SC2016 # bash -c '...' _ ARG scripts expand $1 themselves
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

CA=(--cafile "$C/ca.pem")

# --- network failures ---
P0=$(free_port)
get_case "connection refused" 3 "${CA[@]}" "https://127.0.0.1:$P0/" -- "could not connect" \
    "127.0.0.1:$P0" "connection refused"
get_case "connection refused on every address" 3 "${CA[@]}" --resolve "x.test:$P0:127.0.0.1" \
    "https://x.test:$P0/" -- "could not connect" "127.0.0.1:$P0"
get_case "unresolvable host" 3 "${CA[@]}" "https://nx.invalid/" -- "could not resolve" "nx.invalid"
if "$PYTHON" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
    get_case "IPv6 refused names the address" 3 "${CA[@]}" "https://[::1]:$P0/" -- "[::1]:$P0"
fi

# A listener that accepts and never answers: the handshake times out.
PT=$(free_port)
bg "$T_TMP/mute.log" "$PYTHON" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); c=[]
while True: c.append(s.accept())' "$PT"
wait_port "$PT"
start=$(date +%s)
get_case "silent server times out" 6 "${CA[@]}" --timeout 1 "https://localhost:$PT/" -- "timed out" "127.0.0.1:$PT"
check "--timeout 1 ends within 4 s" test $(($(date +%s) - start)) -le 4
run_tlskit connect "${CA[@]}" --timeout 1 "localhost:$PT"
check_rc "connect: silent server times out" 6

# A server that trickles its answer, one byte every 0.3 s (a TLS record header announcing
# 16 KiB, then the body): each read gets a byte within the timeout, but the handshake as a
# whole must still end within --timeout.
PS=$(free_port)
bg "$T_TMP/trickle.log" "$PYTHON" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c,_=s.accept(); c.recv(4096)
    try:
        for b in b"\x16\x03\x03\x40\x00" + b"\x02" * 60:
            c.send(bytes([b])); time.sleep(0.3)
    except OSError:
        pass
    c.close()' "$PS"
wait_port "$PS"
start=$(date +%s)
get_case "trickling server: the handshake times out as a whole" 6 "${CA[@]}" --timeout 1 \
    "https://localhost:$PS/" -- "timed out" "handshake"
check "trickle: --timeout 1 ends within 4 s" test $(($(date +%s) - start)) -le 4

# A listener that resets every connection at once (SO_LINGER 0).
PR=$(free_port)
bg "$T_TMP/reset.log" "$PYTHON" -c 'import socket,struct,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c,_=s.accept(); c.recv(1); c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii",1,0)); c.close()' "$PR"
wait_port "$PR"
get_case "server resets the connection" 7 "${CA[@]}" "https://localhost:$PR/" -- "reset" "127.0.0.1:$PR"

# Plain HTTP on the port.
PH=$(free_port)
bg "$T_TMP/plain.log" "$PYTHON" -m http.server --bind 127.0.0.1 "$PH"
wait_port "$PH"
get_case "plain-HTTP server" 4 "${CA[@]}" "https://localhost:$PH/" -- "not TLS" "plain HTTP"

# IPv6: a server on ::1, the URL's [::1] literal verified against the certificate's IP:::1.
if "$PYTHON" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
    P6=$(free_port)
    bg "$T_TMP/http6.log" "$PYTHON" "$PEERS/client_http_server.py" ::1 "$P6" "$C/ecdsa.pem"
    H6_PID=$BG_PID
    wait_port "$P6" ::1
    get_case "IPv6 literal URL" 0 "${CA[@]}" --json "https://[::1]:$P6/echo"
    contains "IPv6: Host header with brackets" "$T_TMP/out" "Host: [::1]:$P6"
    contains "IPv6: connected to [::1]" "$T_TMP/err" "[::1]:$P6"
    get_case "-4 with an IPv6 literal" 3 "${CA[@]}" -4 "https://[::1]:$P6/echo" -- "could not"
    stop "$H6_PID"
fi

# A name with an IPv6 and an IPv4 address, from a hosts file bind-mounted over /etc/hosts in
# a private mount namespace (the machine's own file is not touched): every address is tried in
# the resolver's order, each failure named, and the IPv4 one, where a server listens, wins.
if "$PYTHON" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null &&
    unshare -m true 2>/dev/null; then
    printf '::1 tlskit.test\n127.0.0.1 tlskit.test\n' >"$T_TMP/hosts"
    PD=$(free_port)
    bg "$T_TMP/dual.log" "$PYTHON" "$PEERS/client_http_server.py" 127.0.0.1 "$PD" "$C/ecdsa.pem"
    DUAL_PID=$BG_PID
    wait_port "$PD"
    dual() { # dual ARGS...: tlskit with the two-address hosts file
        unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' _ "$T_TMP/hosts" \
            "$TLSKIT" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
        RC=$?
    }
    dual get -v "${CA[@]}" "https://tlskit.test:$PD/cl"
    check_rc "two addresses, IPv6 refused: IPv4 connects" 0
    contains "two addresses: the IPv6 failure is named" "$T_TMP/err" "[::1]:$PD: connection refused"
    contains "two addresses: then IPv4" "$T_TMP/err" "127.0.0.1:$PD"
    contains "two addresses: the body" "$T_TMP/out" "hello content-length"
    dual get "${CA[@]}" "https://tlskit.test:$P0/"
    check_rc "two addresses, both refused" 3
    contains "both refused: each address named" "$T_TMP/err" "[::1]:$P0: connection refused"
    contains "both refused: the IPv4 one too" "$T_TMP/err" "127.0.0.1:$P0: connection refused"
    dual get -6 "${CA[@]}" "https://tlskit.test:$PD/cl"
    check_rc "two addresses, -6: only IPv6 tried" 3
    check "-6: the IPv4 address is not tried" bash -c '! grep -q "127.0.0.1" "$1"' _ "$T_TMP/err"
    dual connect --quiet "${CA[@]}" "tlskit.test:$PD" <<<''
    check_rc "connect: two addresses, IPv4 connects" 0
    stop "$DUAL_PID"
else
    echo "# skipped the two-address cases: needs IPv6 on loopback and unshare -m (root)"
fi

# --- options against a good server ---
srv_start ecdsa -alpn "http/1.1"
U="https://localhost:$PORT/"
get_case "--resolve sends SNI and verifies the given name" 0 "${CA[@]}" --json \
    --resolve "tlskit.test:$PORT:127.0.0.1" "https://tlskit.test:$PORT/"
contains "--resolve: verified tlskit.test" "$T_TMP/err" '"servername":"tlskit.test"'
get_case "--resolve with [::1]-style brackets for IPv4 is fine" 0 "${CA[@]}" \
    --resolve "tlskit.test:$PORT:[127.0.0.1]" "https://tlskit.test:$PORT/"
get_case "malformed --resolve" 2 "${CA[@]}" --resolve "tlskit.test:$PORT" "$U" -- "--resolve" "HOST:PORT:ADDRESS"
get_case "-4" 0 "${CA[@]}" -4 "$U"
get_case "-6 on an IPv4-only name" 3 "${CA[@]}" -6 "$U" -- "could not" "IPv6"
get_case "--servername (connect to the address, verify the name)" 0 "${CA[@]}" \
    --servername tlskit.test "https://127.0.0.1:$PORT/"
get_case "--servername not in the certificate" 5 "${CA[@]}" --servername other.example "$U" \
    -- "host name mismatch" "other.example"
get_case "--max-tls 1.2" 0 "${CA[@]}" --json --max-tls 1.2 "$U"
contains "--max-tls 1.2: TLSv1.2" "$T_TMP/err" '"version":"TLSv1.2"'
get_case "--min-tls 1.3" 0 "${CA[@]}" --json --min-tls 1.3 "$U"
contains "--min-tls 1.3: TLSv1.3" "$T_TMP/err" '"version":"TLSv1.3"'
get_case "--min-tls 1.0 is refused" 2 "${CA[@]}" --min-tls 1.0 "$U" -- "1.0"
get_case "--min-tls above --max-tls" 2 "${CA[@]}" --min-tls 1.3 --max-tls 1.2 "$U" -- "1.3"
get_case "--ciphers" 0 "${CA[@]}" --json --max-tls 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384 "$U"
contains "--ciphers: the one asked for" "$T_TMP/err" "ECDHE-ECDSA-AES256-GCM-SHA384"
get_case "--ciphers with a broken cipher" 2 "${CA[@]}" --ciphers 'RC4-SHA' "$U" -- "RC4"
get_case "--ciphersuites" 0 "${CA[@]}" --json --ciphersuites TLS_CHACHA20_POLY1305_SHA256 "$U"
contains "--ciphersuites: ChaCha20" "$T_TMP/err" "TLS_CHACHA20_POLY1305_SHA256"
get_case "--alpn" 0 "${CA[@]}" --json --alpn "h2,http/1.1" "$U"
contains "--alpn: http/1.1 negotiated" "$T_TMP/err" '"alpn":"http/1.1"'
get_case "--timeout that is not a number" 2 "${CA[@]}" --timeout soon "$U" -- "--timeout" "seconds"
get_case "--cafile that does not exist" 2 --cafile "$T_TMP/none.pem" "$U" -- "none.pem"

# -v, --json, --show-certs
run_tlskit get -s -v "${CA[@]}" "$U"
check_rc "-v" 0
for w in "127.0.0.1:$PORT: connected" "TLSv1.3" "cipher TLS_" "group X25519" "signature ecdsa" \
    "ALPN" "full handshake" "subject: CN=localhost" "issuer:  CN=tlskit test intermediate" \
    "names:   localhost, tlskit.test" "valid:" "EC P-256" "verification: ok" "< HTTP/1.0 200"; do
    contains "-v reports '$w'" "$T_TMP/err" "$w"
done
run_tlskit get -s --json "${CA[@]}" "$U"
check "--json is one valid JSON object" "$PYTHON" -c 'import json,sys
d=json.loads(open(sys.argv[1]).read())
assert d["ok"] and d["exit"]==0 and d["http_status"]==200 and len(d["chain"])==2
assert d["verify"]=="ok" and d["attempts"][0]["result"]=="connected" and d["pubkey_pin"].startswith("sha256//")' "$T_TMP/err"
run_tlskit get -s --show-certs "${CA[@]}" "$U"
check "--show-certs prints the chain as PEM" test "$(grep -c 'BEGIN CERTIFICATE' "$T_TMP/err")" -eq 2
check "--show-certs: the first PEM is the server's leaf" bash -c '[ "$(openssl x509 -in "$1" -noout -fingerprint -sha256)" = "$(openssl x509 -in "$2" -noout -fingerprint -sha256)" ]' _ "$T_TMP/err" "$C/ecdsa.crt"
run_tlskit get -s --json "$U"
check_rc "--json on a refusal" 5
check "--json on a refusal holds the error" "$PYTHON" -c 'import json,sys
lines=open(sys.argv[1]).read().splitlines()
d=json.loads(lines[-1]); assert not d["ok"] and d["exit"]==5 and d["error_kind"]=="verify" and len(d["chain"])==2' "$T_TMP/err"

# --pinnedpubkey
PIN="sha256//$(openssl pkey -in "$C/ecdsa.key" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64)"
get_case "--pinnedpubkey of the server's key" 0 "${CA[@]}" --pinnedpubkey "$PIN" "$U"
get_case "--pinnedpubkey of another key" 5 "${CA[@]}" \
    --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$U" -- "pinned" "$PIN"

# --insecure
stop "$SRV_PID"
srv_start selfsigned
get_case "--insecure accepts a self-signed server" 0 --insecure "https://localhost:$PORT/"
contains "--insecure warns" "$T_TMP/err" "warning: --insecure"
get_case "-k warns too" 0 -k "https://localhost:$PORT/"
contains "-k warns" "$T_TMP/err" "not verified"
get_case "--insecure with --cafile is refused" 2 --insecure "${CA[@]}" "https://localhost:$PORT/" -- "--insecure" "--cafile"
get_case "--insecure with --capath is refused" 2 --insecure --capath "$C" "https://localhost:$PORT/" -- "--insecure" "--capath"
get_case "--insecure with --pinnedpubkey is refused" 2 --insecure --pinnedpubkey "$PIN" "https://localhost:$PORT/" -- "--insecure" "--pinnedpubkey"
stop "$SRV_PID"

# --capath (a hashed directory)
mkdir -p "$T_TMP/capath"
cp "$C/ca.pem" "$T_TMP/capath/$(openssl x509 -in "$C/ca.pem" -noout -hash).0"
srv_start ecdsa
get_case "--capath" 0 --capath "$T_TMP/capath" "https://localhost:$PORT/"
stop "$SRV_PID"

# --- client certificates ---
srv_start ecdsa -Verify 1 -CAfile "$C/ca.pem"
get_case "client certificate (bundle)" 0 "${CA[@]}" --cert "$C/client.pem" "https://localhost:$PORT/"
get_case "client certificate (--cert + --key)" 0 "${CA[@]}" --cert "$C/client.chain" --key "$C/client.key" "https://localhost:$PORT/"
contains "s_server saw the client certificate" "$T_TMP/out" "tlskit test client"
get_case "no client certificate (TLS 1.3)" 4 "${CA[@]}" "https://localhost:$PORT/" -- "requires a client certificate" "--cert"
get_case "no client certificate (TLS 1.2)" 4 "${CA[@]}" --max-tls 1.2 "https://localhost:$PORT/" -- "client certificate" "--cert"
get_case "--key without --cert" 2 "${CA[@]}" --key "$C/client.key" "https://localhost:$PORT/" -- "--cert"
get_case "--cert that is not a certificate" 2 "${CA[@]}" --cert "$C/garbage.pem" "https://localhost:$PORT/" -- "garbage.pem"
stop "$SRV_PID"

t_done
