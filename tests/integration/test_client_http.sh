#!/usr/bin/env bash
# test_client_http.sh: 'tlskit get' speaks HTTP/1.1 right against a Python TLS server
# (peers/client_http_server.py): Content-Length, chunked, read-until-close, 1xx, redirects
# and the https-to-http refusal, --fail, -I, -i, -o, -X, -d, --data-binary, -H, and
# responses that are not HTTP.
# shellcheck disable=SC2016 # bash -c '...' _ ARG scripts expand $1 themselves
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/peers/client_lib.sh
. "$PEERS/client_lib.sh"

CA=(--cafile "$C/ca.pem")
PORT=$(free_port)
bg "$T_TMP/http.log" "$PYTHON" "$PEERS/client_http_server.py" 127.0.0.1 "$PORT" "$C/ecdsa.pem"
wait_port "$PORT"
U="https://localhost:$PORT"

# out_is NAME TEXT: stdout is exactly TEXT (plus a newline).
out_is() {
    if [ "$(cat "$T_TMP/out")" = "$2" ]; then ok "$1"; else
        not_ok "$1 (stdout: '$(head -c 200 "$T_TMP/out")')"
        sed 's/^/#   /' "$T_TMP/err" | head -5
    fi
}

get_case "Content-Length body" 0 "${CA[@]}" "$U/cl"
out_is "Content-Length body is exact" "hello content-length"
get_case "chunked body" 0 "${CA[@]}" "$U/chunked"
out_is "chunked body decoded (extension and trailer skipped)" "hello chunked body"
get_case "read-until-close body" 0 "${CA[@]}" "$U/close"
out_is "read-until-close body" "hello until close"
check "read-until-close with close_notify: no warning" bash -c '! grep -q warning "$1"' _ "$T_TMP/err"
get_case "read-until-close without close_notify" 0 "${CA[@]}" "$U/close-unclean"
out_is "read-until-close without close_notify: body" "hello until close"
run_tlskit get "${CA[@]}" "$U/close-unclean"
contains "read-until-close without close_notify: warns of truncation" "$T_TMP/err" "truncated"
get_case "1xx responses skipped" 0 "${CA[@]}" "$U/1xx"
out_is "1xx responses skipped: only the final body" "after 1xx"
get_case "204 without a body" 0 "${CA[@]}" "$U/nobody"
out_is "204: empty output" ""

# -i, -I, -o
get_case "-i prints the head" 0 "${CA[@]}" -i "$U/cl"
contains "-i: status line" "$T_TMP/out" "HTTP/1.1 200"
contains "-i: header" "$T_TMP/out" "Content-Type: text/plain"
contains "-i: body follows" "$T_TMP/out" "hello content-length"
get_case "-I sends HEAD" 0 "${CA[@]}" -I "$U/echo"
contains "-I: head printed" "$T_TMP/out" "HTTP/1.1 200"
check "-I: no body read" bash -c '! grep -q "^HEAD" "$1"' _ "$T_TMP/out"
get_case "-o FILE" 0 "${CA[@]}" -o "$T_TMP/body.txt" "$U/chunked"
check "-o FILE: body in the file" grep -qx "hello chunked body" "$T_TMP/body.txt"
out_is "-o FILE: nothing on stdout" ""

# Request: method, headers, data
get_case "GET sends Host, User-Agent and the path" 0 "${CA[@]}" "$U/echo"
contains "request line" "$T_TMP/out" "GET /echo HTTP/1.1"
contains "Host with port" "$T_TMP/out" "Host: localhost:$PORT"
contains "User-Agent" "$T_TMP/out" "User-Agent: tlskit/"
get_case "-H adds and replaces headers" 0 "${CA[@]}" -H "X-Test: one" -H "User-Agent: mine" "$U/echo"
contains "-H: added" "$T_TMP/out" "X-Test: one"
contains "-H: replaced the default" "$T_TMP/out" "User-Agent: mine"
check "-H: default not sent too" bash -c '! grep -q "User-Agent: tlskit" "$1"' _ "$T_TMP/out"
get_case "-d sends a POST body" 0 "${CA[@]}" -d "a=1" -d "b=2" "$U/echo"
contains "-d: POST" "$T_TMP/out" "POST /echo"
contains "-d: joined with &" "$T_TMP/out" "a=1&b=2"
contains "-d: form content type" "$T_TMP/out" "application/x-www-form-urlencoded"
head -c 300000 /dev/urandom >"$T_TMP/upload.bin"
get_case "--data-binary @FILE streams the file" 0 "${CA[@]}" -X PUT --data-binary "@$T_TMP/upload.bin" "$U/echo"
contains "--data-binary: PUT" "$T_TMP/out" "PUT /echo"
contains "--data-binary: Content-Length" "$T_TMP/out" "Content-Length: 300000"
check "--data-binary: body arrived unchanged" bash -c 'tail -c 300000 "$1" | cmp -s - "$2"' _ "$T_TMP/out" "$T_TMP/upload.bin"
get_case "-X sets the method" 0 "${CA[@]}" -X DELETE "$U/echo"
contains "-X: DELETE" "$T_TMP/out" "DELETE /echo"
get_case "-H with a newline is refused" 2 "${CA[@]}" -H $'X-Bad: a\r\nInjected: b' "$U/echo" -- "not a valid header"
get_case "-H without a colon is refused" 2 "${CA[@]}" -H "NoColon" "$U/echo" -- "-H 'Name: value'"

# --fail
get_case "404 without --fail exits 0" 0 "${CA[@]}" "$U/status/404"
out_is "404 without --fail: body printed" "status body"
get_case "404 with --fail" 1 "${CA[@]}" --fail "$U/status/404"
out_is "--fail: no body written" ""
contains "--fail: says the status" "$T_TMP/err" "404"
get_case "500 with --fail" 1 "${CA[@]}" -f "$U/status/500"
get_case "399 with --fail exits 0" 0 "${CA[@]}" -f "$U/status/299"

# Redirects
get_case "redirect not followed without -L" 0 "${CA[@]}" "$U/redirect/2"
out_is "without -L: the redirect's body" "moved"
get_case "-L follows 10 redirects" 0 "${CA[@]}" -L "$U/redirect/10"
out_is "-L: final body" "redirected ok"
get_case "-L refuses an 11th redirect" 7 "${CA[@]}" -L "$U/redirect/11" -- "too many redirects" "10"
get_case "-L redirect loop" 7 "${CA[@]}" -L "$U/loop" -- "too many redirects"
get_case "-L never follows https to http" 7 "${CA[@]}" -L "$U/to-http" -- "refused redirect" "http://127.0.0.1:$PORT/cl" "not https"
get_case "-L relative Location" 0 "${CA[@]}" -L "$U/rel"
out_is "-L relative: body" "hello content-length"
get_case "-L 303 after POST continues with GET" 0 "${CA[@]}" -L -d x=1 "$U/303"
contains "303: GET" "$T_TMP/out" "GET /echo"
printf 'a=1\r\nb=2\n' >"$T_TMP/form.txt"
get_case "-d @FILE" 0 "${CA[@]}" -d @"$T_TMP/form.txt" "$U/echo"
contains "-d @FILE: line ends dropped, as curl" "$T_TMP/out" "a=1b=2"
# Over one 64 KiB read, with a line end on the boundary: nothing lost or doubled.
"$PYTHON" -c 'import sys; sys.stdout.write("x"*65535 + "\n" + "y"*70000 + "\r\nEND")' >"$T_TMP/big.txt"
get_case "-d @FILE over 64 KiB" 0 "${CA[@]}" -d @"$T_TMP/big.txt" "$U/echo"
contains "-d @FILE over 64 KiB: Content-Length" "$T_TMP/out" "Content-Length: 135538"
get_case "-d @missing" 2 "${CA[@]}" -d @"$T_TMP/nope.txt" "$U/echo" -- "cannot read the data file" "nope.txt"
get_case "-L 307 keeps POST and the body" 0 "${CA[@]}" -L -d x=1 "$U/307"
contains "307: POST" "$T_TMP/out" "POST /echo"
contains "307: body sent again" "$T_TMP/out" "x=1"
get_case "-L to the same host keeps Authorization" 0 "${CA[@]}" -L -H "Authorization: Bearer s3cret" "$U/307"
contains "same host: Authorization sent" "$T_TMP/out" "Authorization: Bearer s3cret"
get_case "-L to another host" 0 "${CA[@]}" -L --resolve "tlskit.test:$PORT:127.0.0.1" \
    -H "Authorization: Bearer s3cret" -H "Cookie: a=b" -H "X-Keep: yes" "$U/to-other"
contains "another host: reached it" "$T_TMP/out" "Host: tlskit.test:$PORT"
contains "another host: other headers kept" "$T_TMP/out" "X-Keep: yes"
check "another host: Authorization and Cookie not sent" bash -c '! grep -qiE "^(Authorization|Cookie):" "$1"' _ "$T_TMP/out"
get_case "-L to another host with -H Host" 0 "${CA[@]}" -L --resolve "tlskit.test:$PORT:127.0.0.1" \
    -H "Host: custom.example" "$U/to-other"
contains "another host: our Host, not the -H one" "$T_TMP/out" "Host: tlskit.test:$PORT"
check "another host: -H Host not sent" bash -c '! grep -qi "^Host: custom.example" "$1"' _ "$T_TMP/out"
# --servername names the URL's host only: a redirect to another host is verified as itself.
get_case "-L to another host with --servername" 0 "${CA[@]}" -L -v --servername localhost \
    --resolve "tlskit.test:$PORT:127.0.0.1" "https://127.0.0.1:$PORT/to-other"
contains "--servername: the first host verified as localhost" "$T_TMP/err" "* server name: localhost"
contains "--servername: the other host verified as itself" "$T_TMP/err" "* server name: tlskit.test"
get_case "-L -i prints every head" 0 "${CA[@]}" -L -i "$U/redirect/1"
contains "-L -i: the redirect head" "$T_TMP/out" "HTTP/1.1 302"

# Broken or non-HTTP peers
get_case "response that is not HTTP" 7 "${CA[@]}" "$U/not-http" -- "not HTTP" "SSH-2.0"
# A redirect that promises keep-alive on a connection the server then closes: the kept
# connection fails before any byte of the answer, and the request goes again on a new one.
get_case "-L: a kept connection the server closed is replaced" 0 "${CA[@]}" -L -v "$U/ka-lie"
out_is "-L after a broken keep-alive: the target's body" "hello content-length"
contains "-L after a broken keep-alive: the reuse was tried" "$T_TMP/err" "connection reused"
check "-L after a broken keep-alive: two connections made" test "$(grep -c ': connected' "$T_TMP/err")" -eq 2

# A large body is read with a raised low-water mark: its small last burst must still end the
# read at once on a connection the server keeps open, not when the 20 s idle timeout gives up
# waiting for bytes that never come (a hang check with a wide margin, not a speed test).
for n in 400000 150000 118000; do
    t0=$(date +%s)
    get_case "paced $n-byte body on a kept-open connection" 0 "${CA[@]}" --timeout 20 "$U/paced/$n"
    check "paced $n-byte body: every byte" test "$(wc -c <"$T_TMP/out")" -eq "$n"
    check "paced $n-byte body: done without waiting for the timeout" test $(($(date +%s) - t0)) -lt 10
done
ALLOW_OUT=1 get_case "truncated Content-Length body" 7 "${CA[@]}" "$U/truncated" -- "truncated" "10 of the 100"
start=$(date +%s)
ALLOW_OUT=1 get_case "a server silent in the middle of the body times out" 6 "${CA[@]}" --timeout 1 "$U/stall" -- "timed out" "body"
check "--timeout 1 mid-body ends within 5 s" test $(($(date +%s) - start)) -le 5
get_case "malformed chunk" 7 "${CA[@]}" "$U/bad-chunk" -- "chunked"
get_case "http:// URL refused" 2 "${CA[@]}" "http://localhost:$PORT/cl" -- "speaks only TLS" "https://"
get_case "bad URL" 2 "${CA[@]}" "https://local host/" -- "bad URL"
get_case "no URL" 2 -- "no URL"
get_case "unknown option" 2 --frobnicate "$U/cl" -- "unknown option" "--frobnicate"
get_case "-o into a missing directory" 2 "${CA[@]}" -o "$T_TMP/nodir/x" "$U/cl" -- "cannot write" "nodir"

# The progress meter: only when stdout is not a terminal and stderr is.
if command -v script >/dev/null; then
    script -qec "'$TLSKIT' get --cafile '$C/ca.pem' '$U/zeros/3000000' 2>/dev/tty >/dev/null" "$T_TMP/tty.log" >/dev/null 2>&1
    contains "progress meter on a terminal's stderr" "$T_TMP/tty.log" "MiB"
    script -qec "'$TLSKIT' get --cafile '$C/ca.pem' -o '$T_TMP/m.bin' '$U/zeros/3000000'" "$T_TMP/tty3.log" >/dev/null 2>&1
    contains "progress meter with -o FILE on a terminal" "$T_TMP/tty3.log" "100.0%"
    script -qec "'$TLSKIT' get -s --cafile '$C/ca.pem' '$U/zeros/3000000' 2>/dev/tty >/dev/null" "$T_TMP/tty2.log" >/dev/null 2>&1
    check "-s silences the meter" bash -c '! grep -q MiB "$1"' _ "$T_TMP/tty2.log"
fi
run_tlskit get "${CA[@]}" "$U/zeros/3000000"
check "no meter when stderr is not a terminal" bash -c '! grep -q MiB "$1"' _ "$T_TMP/err"

t_done
