#!/usr/bin/env bash
# test_certs.sh: the material from tests/certs/mkcerts.sh behaves as tests/certs/README.md
# says (checked with `openssl verify`), and the seed's Python peers talk to each other
# over it. Needs only openssl and /usr/bin/python3, not the tlskit binary.
# shellcheck disable=SC2016 # bash -c '...' _ ARG scripts expand $1 themselves
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ ! -f "$C/ca.pem" ]; then
    not_ok "no test certificates in $C (run: bash tests/certs/mkcerts.sh $C)"
    exit 1
fi

VOUT="$T_TMP/verify.out"
# verify_ok NAME CERT ARGS...: openssl verify against ca.pem accepts CERT.
verify_ok() {
    local name=$1 cert=$2
    shift 2
    if openssl verify -CAfile "$C/ca.pem" "$@" "$cert" >"$VOUT" 2>&1; then ok "$name"; else
        not_ok "$name"
        sed 's/^/#   /' "$VOUT"
    fi
}
# verify_fail NAME ERRTEXT CERT ARGS...: openssl verify refuses CERT, saying ERRTEXT.
verify_fail() {
    local name=$1 want=$2 cert=$3
    shift 3
    if openssl verify -CAfile "$C/ca.pem" "$@" "$cert" >"$VOUT" 2>&1; then
        not_ok "$name (verified, should not)"
    else
        contains "$name" "$VOUT" "$want"
    fi
}

I=(-untrusted "$C/inter.pem")
SRV=(-purpose sslserver -x509_strict -auth_level 2)

# --- the CA material ---
verify_ok "root is a trusted self-signed CA" "$C/root.pem" -x509_strict
verify_ok "intermediate chains to the root" "$C/inter.pem" -x509_strict
check "ca.pem is the root certificate" cmp -s "$C/ca.pem" "$C/root.pem"
check "ca-with-inter.pem is root + intermediate" \
    bash -c 'cat "$1/root.pem" "$1/inter.pem" | cmp -s - "$1/ca-with-inter.pem"' _ "$C"
check "evil root is not in ca.pem" bash -c '! grep -qF "$(sed -n 2p "$1/evil-root.pem")" "$1/ca.pem"' _ "$C"

# --- good server certificates ---
for n in ecdsa rsa expiring; do
    verify_ok "$n verifies for localhost" "$C/$n.crt" "${I[@]}" "${SRV[@]}" -verify_hostname localhost
    verify_ok "$n verifies for 127.0.0.1" "$C/$n.crt" "${I[@]}" "${SRV[@]}" -verify_ip 127.0.0.1
done
verify_ok "ecdsa verifies for tlskit.test" "$C/ecdsa.crt" "${I[@]}" "${SRV[@]}" -verify_hostname tlskit.test
verify_ok "ecdsa verifies for ::1" "$C/ecdsa.crt" "${I[@]}" "${SRV[@]}" -verify_ip ::1
verify_ok "ecdsa.chain verifies with ca-with-inter.pem" "$C/ecdsa.crt" -untrusted "$C/ecdsa.chain" \
    -CAfile "$C/ca-with-inter.pem" "${SRV[@]}"
verify_ok "wildcard verifies for x.tlskit.test" "$C/wildcard.crt" "${I[@]}" "${SRV[@]}" -verify_hostname x.tlskit.test
verify_ok "ipsan verifies for 127.0.0.1" "$C/ipsan.crt" "${I[@]}" "${SRV[@]}" -verify_ip 127.0.0.1
verify_ok "client certificate verifies for sslclient" "$C/client.crt" "${I[@]}" -purpose sslclient -x509_strict
check "ecdsa key is P-256" bash -c 'openssl pkey -in "$1" -noout -text | grep -q "NIST CURVE: P-256"' _ "$C/ecdsa.key"
check "rsa key is 2048-bit" bash -c 'openssl pkey -in "$1" -noout -text | grep -q "(2048 bit"' _ "$C/rsa.key"
expect_rc 1 "expiring ends within 14 days" openssl x509 -in "$C/expiring.crt" -noout -checkend $((14 * 86400)) >/dev/null
expect_rc 0 "expiring is still valid for a day" openssl x509 -in "$C/expiring.crt" -noout -checkend 86400 >/dev/null
expect_rc 0 "ecdsa does not end within 14 days" openssl x509 -in "$C/ecdsa.crt" -noout -checkend $((14 * 86400)) >/dev/null
check "ecdsa.key is mode 600" test "$(stat -c %a "$C/ecdsa.key")" = 600

# --- the client must refuse these ---
verify_fail "expired is refused" "certificate has expired" "$C/expired.crt" "${I[@]}"
verify_fail "notyet is refused" "certificate is not yet valid" "$C/notyet.crt" "${I[@]}"
verify_fail "wronghost is refused for localhost" "hostname mismatch" "$C/wronghost.crt" "${I[@]}" -verify_hostname localhost
verify_fail "ipsan is refused for localhost" "hostname mismatch" "$C/ipsan.crt" "${I[@]}" -verify_hostname localhost
verify_fail "deepwild is refused for a.b.tlskit.test" "hostname mismatch" "$C/deepwild.crt" "${I[@]}" -verify_hostname a.b.tlskit.test
verify_fail "selfsigned is refused" "self-signed certificate" "$C/selfsigned.crt"
verify_fail "untrusted (evil intermediate) is refused" "unable to get local issuer certificate" \
    "$C/untrusted.crt" -untrusted "$C/untrusted.chain"
verify_fail "untrusted-full (evil root sent) is refused" "self-signed certificate in certificate chain" \
    "$C/untrusted.crt" -untrusted "$C/untrusted-full.pem"
verify_fail "incomplete (no intermediate) is refused" "unable to get local issuer certificate" \
    "$C/incomplete.crt" -untrusted "$C/incomplete.pem"
verify_fail "nonca-issuer is refused" "invalid CA certificate" "$C/nonca-issuer.crt" -untrusted "$C/nonca-issuer.pem"
verify_fail "clientonly is refused as a server" "unsuitable certificate purpose" "$C/clientonly.crt" "${I[@]}" -purpose sslserver
verify_fail "sha1 is refused at auth_level 2" "digest algorithm too weak" "$C/sha1.crt" "${I[@]}" -auth_level 2
verify_fail "rsa1024 is refused at auth_level 2" "key too weak" "$C/rsa1024.crt" "${I[@]}" -auth_level 2
verify_fail "revoked is refused with the CRL" "certificate revoked" "$C/revoked.crt" "${I[@]}" \
    -crl_check -CRLfile "$C/crl.pem"
verify_ok "revoked verifies without the CRL" "$C/revoked.crt" "${I[@]}" "${SRV[@]}"
verify_ok "ecdsa verifies with the CRLs (crl_check_all)" "$C/ecdsa.crt" "${I[@]}" -crl_check_all -CRLfile "$C/crl.pem"
check "cnonly has no subjectAltName" bash -c '! openssl x509 -in "$1" -noout -text | grep -q "Subject Alternative Name"' _ "$C/cnonly.crt"

# --- the server's load checks ---
pub() { openssl x509 -in "$1" -noout -pubkey; }
check "ecdsa.pem key matches its leaf" test "$(openssl pkey -in "$C/ecdsa.pem" -pubout)" = "$(pub "$C/ecdsa.crt")"
check "mismatch.pem key does not match its leaf" test "$(openssl pkey -in "$C/mismatch.pem" -pubout)" != "$(pub "$C/mismatch.pem")"
check "encrypted.pem opens with passphrase test" openssl pkey -in "$C/encrypted.pem" -passin pass:test -noout
expect_rc 1 "encrypted.pem does not open with a wrong passphrase" openssl pkey -in "$C/encrypted.pem" -passin pass:nope -noout 2>/dev/null
check "outoforder.pem has the intermediate first" \
    bash -c 'openssl x509 -in "$1" -noout -subject | grep -q intermediate' _ "$C/outoforder.pem"
check "ecdsa.der is the ecdsa leaf in DER" \
    bash -c 'openssl x509 -inform DER -in "$1/ecdsa.der" | cmp -s - "$1/ecdsa.crt"' _ "$C"
check "leafca has CA:TRUE" bash -c 'openssl x509 -in "$1" -noout -ext basicConstraints | grep -q CA:TRUE' _ "$C/leafca.crt"
expect_rc 1 "nokey.pem has no private key" openssl pkey -in "$C/nokey.pem" -noout 2>/dev/null
check "empty.pem is empty" test ! -s "$C/empty.pem"
expect_rc 1 "garbage.pem is not PEM" grep -q -- '-----BEGIN' "$C/garbage.pem"
check "dh1024.pem is 1024-bit DH" bash -c 'openssl pkeyparam -in "$1" -text -noout | grep -q "(1024 bit)"' _ "$C/dh1024.pem"
check "dh2048.pem is 2048-bit DH" bash -c 'openssl pkeyparam -in "$1" -text -noout | grep -q "(2048 bit)"' _ "$C/dh2048.pem"

# --- the seed's Python peers over ecdsa.pem ---
port=$(free_port)
bg "$T_TMP/server.log" "$PYTHON" "$PEERS/seed_server.py" 127.0.0.1 "$port" "$C/ecdsa.pem"
srv=$BG_PID
if wait_port "$port"; then
    ok "seed_server listens with ecdsa.pem"
    timeout 20 "$PYTHON" "$PEERS/seed_client.py" 127.0.0.1 "$port" "$C/ca.pem" >"$T_TMP/client.out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then ok "seed_client exits 0"; else not_ok "seed_client exits 0 (exit $rc)"; fi
    contains "seed_client prints HTTP/1.1 200 OK" "$T_TMP/client.out" "HTTP/1.1 200 OK"
    contains "seed_client prints 127.0.0.1" "$T_TMP/client.out" "127.0.0.1"
    # Without the test CA the seed client must refuse the server (system store only).
    timeout 20 "$PYTHON" "$PEERS/seed_client.py" 127.0.0.1 "$port" >"$T_TMP/client2.out" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ]; then ok "seed_client without ca.pem refuses"; else not_ok "seed_client without ca.pem refuses"; fi
    contains "seed_client without ca.pem says why" "$T_TMP/client2.out" "certificate verify failed"
    sleep 0.2
    contains "seed_server logged the request" "$T_TMP/server.log" "GET / HTTP/1.1"
else
    not_ok "seed_server listens with ecdsa.pem"
    sed 's/^/#   /' "$T_TMP/server.log"
fi
stop "$srv"

t_done
