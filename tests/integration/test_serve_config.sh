#!/usr/bin/env bash
# test_serve_config.sh: every misconfiguration of 'tlskit serve' is refused at start with exit 2
# and a message naming the option or file; the development CA and 'tlskit cert'.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/serve_common.sh
. "$PEERS/serve_common.sh"

E="$T_TMP/err"
P=$(free_port)
L=(--listen "127.0.0.1:$P")
# refused NAME TEXT ARGS...: 'tlskit serve ARGS' exits 2 within 10 s, saying TEXT.
refused() {
    local name=$1 text=$2 rc
    shift 2
    timeout 10 "$TLSKIT" serve "$@" >"$E" 2>&1
    rc=$?
    if [ "$rc" -ne 2 ]; then
        not_ok "$name (exit $rc, wanted 2)"
        sed 's/^/#   /' "$E" | head -5
    else
        contains "$name" "$E" "$text"
    fi
}
for b in expired notyet mismatch outoforder nokey empty garbage encrypted leafca rsa1024; do
    f="$C/$b.pem"
    refused "bad bundle $b.pem is refused, naming --cert and the file" "--cert $f" "${L[@]}" --cert "$f"
done
refused "expired bundle says expired" "expired" "${L[@]}" --cert "$C/expired.pem"
refused "mismatched key says so" "match" "${L[@]}" --cert "$C/mismatch.pem"
refused "missing bundle file" "--cert $T_TMP/none.pem" "${L[@]}" --cert "$T_TMP/none.pem"
refused "--key without --cert" "--key" "${L[@]}" --key "$C/ecdsa.key"
refused "--listen without a port" "--listen localhost" --listen localhost --cert "$C/ecdsa.pem"
refused "--listen with a bad port" "--listen 127.0.0.1:99999" --listen 127.0.0.1:99999 --cert "$C/ecdsa.pem"
refused "--listen IPv6 without brackets" "brackets" --listen ::1:443 --cert "$C/ecdsa.pem"
refused "--listen unresolvable host" "--listen no.such.host.invalid:443" --listen no.such.host.invalid:443 --cert "$C/ecdsa.pem"
refused "--listen on an address not ours" "cannot listen" --listen 192.0.2.1:8443 --cert "$C/ecdsa.pem"
refused "--min-tls 1.0 is refused" "--min-tls" "${L[@]}" --cert "$C/ecdsa.pem" --min-tls 1.0
refused "--ciphers with NULL is refused" "--ciphers" "${L[@]}" --cert "$C/ecdsa.pem" --ciphers 'eNULL'
refused "--groups with an unknown name" "--groups" "${L[@]}" --cert "$C/ecdsa.pem" --groups 'X25519:nope'
refused "--workers 0" "--workers" "${L[@]}" --cert "$C/ecdsa.pem" --workers 0
refused "--header-timeout junk" "--header-timeout" "${L[@]}" --cert "$C/ecdsa.pem" --header-timeout 5parsecs
refused "--log-format xml" "--log-format" "${L[@]}" --cert "$C/ecdsa.pem" --log-format xml
refused "--max-conns 0" "--max-conns" "${L[@]}" --cert "$C/ecdsa.pem" --max-conns 0
refused "--user with no such user" "--user" "${L[@]}" --cert "$C/ecdsa.pem" --user no-such-user-tlskit
refused "--access-log in a missing directory" "--access-log" "${L[@]}" --cert "$C/ecdsa.pem" --access-log /nonexistent/dir/a.log
refused "an unknown option" "unknown option" "${L[@]}" --cert "$C/ecdsa.pem" --frobnicate
# A port in use: a server holds it.
start_server "$T_TMP/s1.log" --cert "$C/ecdsa.pem" --workers 1
refused "a port already in use is named" "in use" --listen "127.0.0.1:$PORT" --cert "$C/ecdsa.pem"
stop "$SRV_PID"
# Warnings are printed, the server still starts.
start_server "$T_TMP/s2.log" --cert "$C/expiring.pem" --workers 1
contains "an expiring certificate starts with a warning" "$T_TMP/s2.log" "expire"
stop "$SRV_PID"
start_server "$T_TMP/s3.log" --cert "$C/ecdsa.chain" --key "$C/ecdsa.key" --workers 1
curl_s --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" >"$E"
contains "--cert with a separate --key serves" "$E" "127.0.0.1"
stop "$SRV_PID"
start_server "$T_TMP/s4.log" --cert "$C/ecdsa.pem" --workers 1 --min-tls 1.3
curl -sS --max-time 5 --cacert "$C/ca.pem" --resolve "localhost:$PORT:127.0.0.1" --tls-max 1.2 \
    "https://localhost:$PORT/" >"$E" 2>&1
if grep -q 127.0.0.1 "$E"; then not_ok "--min-tls 1.3 refuses a TLS 1.2 client"; else
    ok "--min-tls 1.3 refuses a TLS 1.2 client"
fi
contains "the refused handshake is logged with the offered version" "$T_TMP/s4.log" "offered=TLSv1.2"
stop "$SRV_PID"

# --user: only root can switch; then no process of the server keeps root.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    start_server "$T_TMP/s6.log" --cert "$C/ecdsa.pem" --workers 2 --user nobody
    curl_s --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" >"$E"
    contains "--user nobody: serves" "$E" "127.0.0.1"
    users=$(ps -o user= -p "$SRV_PID" $(pgrep -P "$SRV_PID") | sort -u | tr -d ' ')
    check "--user nobody: the main process and workers run as nobody" test "$users" = nobody
    stop "$SRV_PID"
fi

# --- the development CA ---
check "tlskit cert --ca-path prints the CA under TLSKIT_HOME" \
    test "$("$TLSKIT" cert --ca-path)" = "$TLSKIT_HOME/ca.pem"
check "TLSKIT_HOME is private (0700)" test "$(stat -c %a "$TLSKIT_HOME")" = 700
check "the CA key is private (0600)" test "$(stat -c %a "$TLSKIT_HOME/ca.key")" = 600
check "the intermediate key is private (0600)" test "$(stat -c %a "$TLSKIT_HOME/intermediate.key")" = 600
sum1=$(sha256sum <"$TLSKIT_HOME/ca.pem")
"$TLSKIT" cert --ca-path >/dev/null
check "the CA is reused, not remade" test "$sum1" = "$(sha256sum <"$TLSKIT_HOME/ca.pem")"
openssl x509 -in "$TLSKIT_HOME/ca.pem" -noout -text >"$E"
contains "the root is a CA" "$E" "CA:TRUE"
cd "$T_TMP" || exit 1
"$TLSKIT" cert app.test 10.1.2.3 >"$E" 2>&1
check "tlskit cert writes NAME.pem" test -f "$T_TMP/app.test.pem"
check "the bundle is private (0600)" test "$(stat -c %a "$T_TMP/app.test.pem")" = 600
check "the bundle is key, certificate, intermediate" test "$(grep -c BEGIN "$T_TMP/app.test.pem")" -eq 3
openssl x509 -in "$T_TMP/app.test.pem" -noout -ext subjectAltName >"$E" 2>&1
contains "names go into subjectAltName (DNS)" "$E" "DNS:app.test"
contains "addresses go into subjectAltName (IP)" "$E" "IP Address:10.1.2.3"
openssl verify -CAfile "$TLSKIT_HOME/ca.pem" -untrusted "$TLSKIT_HOME/intermediate.pem" \
    -purpose sslserver -x509_strict "$T_TMP/app.test.pem" >"$E" 2>&1
contains "the issued certificate verifies strictly against the CA" "$E" "OK"
"$TLSKIT" cert --rsa --days 30 --out "$T_TMP/r.pem" rsa.test >/dev/null 2>&1
openssl x509 -in "$T_TMP/r.pem" -noout -text >"$E"
contains "--rsa gives an RSA 2048 key" "$E" "(2048 bit)"
check "--days 30 sets the validity" sh -c "openssl x509 -in '$T_TMP/r.pem' -noout -checkend $((29 * 86400)) >/dev/null && ! openssl x509 -in '$T_TMP/r.pem' -noout -checkend $((31 * 86400)) >/dev/null"
"$TLSKIT" cert >"$E" 2>&1
check "tlskit cert without a name: exit 2" test $? -eq 2
"$TLSKIT" cert 'bad name!' >"$E" 2>&1
contains "a bad name is refused, named" "$E" "'bad name!'"
start_server "$T_TMP/s5.log" --cert "$T_TMP/r.pem" --workers 1
curl -sS --max-time 10 --cacert "$TLSKIT_HOME/ca.pem" --resolve "rsa.test:$PORT:127.0.0.1" \
    "https://rsa.test:$PORT/" >"$E" 2>&1
contains "a 'tlskit cert' bundle serves and verifies" "$E" "127.0.0.1"
stop "$SRV_PID"
t_done
