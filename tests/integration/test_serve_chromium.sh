#!/usr/bin/env bash
# test_serve_chromium.sh: headless Chromium fetches /json from 'tlskit serve', trusting the
# test CA through an NSS database in a throwaway HOME (no certificate errors ignored), all
# inside a private network namespace with only loopback up.
# shellcheck disable=SC2016 # the sh -c script expands its own $1..$6
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ] || ! command -v certutil >/dev/null || ! unshare -n true 2>/dev/null; then
    echo "# needs chromium, certutil (libnss3-tools) and unshare -n: scripts/install-deps --test"
    not_ok "chromium, certutil and a network namespace are available"
    exit 1
fi
H="$T_TMP/home"
mkdir -p "$H/.pki/nssdb"
certutil -d "sql:$H/.pki/nssdb" -N --empty-password
certutil -d "sql:$H/.pki/nssdb" -A -t C,, -n tlskit-test -i "$C/ca.pem"
OUT="$T_TMP/dom.html"
LOG="$T_TMP/serve.log"
# Everything below runs in the namespace: the server, then Chromium; the server is stopped
# (SIGTERM) before the namespace ends, so nothing outlives the test.
timeout 120 unshare -n sh -c '
    ip link set lo up
    "$1" serve --listen 127.0.0.1:8443 --listen "[::1]:8443" --cert "$2" --workers 1 >"$3" 2>&1 &
    srv=$!
    i=0
    while ! (exec 3<>/dev/tcp/127.0.0.1/8443) 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
    HOME="$4" timeout 60 "$5" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$4/profile" --dump-dom https://localhost:8443/json >"$6" 2>"$4/chrome.err"
    kill -TERM $srv
    wait $srv
' _ "$TLSKIT" "$C/ecdsa.pem" "$LOG" "$H" "$CHROME" "$OUT"
sed 's/^/# dom: /' "$OUT" | head -5
check "Chromium gets /json over a verified connection" "$PYTHON" -c '
import json, re, sys
html = open(sys.argv[1]).read()
m = re.search(r"\{.*\}", html, re.S)
d = json.loads(m.group(0).replace("&quot;", "\""))
assert d["tls_version"] == "TLSv1.3" and d["sni"] == "localhost", d
assert d["alpn"] == "http/1.1" and d["ip"] in ("127.0.0.1", "::1"), d' "$OUT"
if grep -q "handshake failed" "$LOG"; then
    not_ok "no failed handshake logged for Chromium"
    grep "handshake failed" "$LOG" | sed 's/^/#   /' | head -3
else
    ok "no failed handshake logged for Chromium"
fi
t_done
