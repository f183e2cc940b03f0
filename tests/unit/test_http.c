/* test_http.c: unit tests of src/http: head parsers, field helpers, chunked decoder, writer. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "t.h"

#define MAX_HEAD 8192

static struct http_request req;
static struct http_response resp;

static int sl_eq(struct http_slice s, const char *lit)
{
    return s.len == strlen(lit) && (s.len == 0 || memcmp(s.p, lit, s.len) == 0);
}

static int preq(const char *s)
{
    return http_parse_request(s, strlen(s), MAX_HEAD, &req);
}

static int presp(const char *s)
{
    return http_parse_response(s, strlen(s), MAX_HEAD, &resp);
}

/* Every strict prefix of a complete head must ask for more bytes, never fail. */
static int prefixes_wait(const char *s, int is_request)
{
    size_t n, len = strlen(s);

    for (n = 0; n < len; n++) {
        int rv = is_request ? http_parse_request(s, n, MAX_HEAD, &req)
                            : http_parse_response(s, n, MAX_HEAD, &resp);
        if (rv != 0) {
            printf("# prefix of %zu bytes gave %d\n", n, rv);
            return 0;
        }
    }
    return 1;
}

static void test_request_basic(void)
{
    const char *s = "GET /index.html?q=1 HTTP/1.1\r\n"
                    "Host: example.com\r\n"
                    "User-Agent: t\r\n"
                    "Accept:   */*  \r\n"
                    "\r\n";
    int rv = preq(s);

    CHECK(rv == (int)strlen(s), "request: returns the head length");
    CHECK(sl_eq(req.method, "GET"), "request: method");
    CHECK(sl_eq(req.target, "/index.html?q=1"), "request: target");
    CHECK(req.minor_version == 1, "request: HTTP/1.1 minor version");
    CHECK(req.num_headers == 3, "request: three headers");
    CHECK(sl_eq(req.headers[0].name, "Host") && sl_eq(req.headers[0].value, "example.com"),
          "request: first header name and value");
    CHECK(sl_eq(req.headers[2].value, "*/*"), "request: OWS around a value is trimmed");
    CHECK(sl_eq(req.host, "example.com"), "request: host slice");
    CHECK(req.content_length == -1, "request: no Content-Length gives -1");
    CHECK(req.chunked == 0, "request: not chunked");
    CHECK(req.keep_alive == 1, "request: HTTP/1.1 keeps alive by default");
    CHECK(req.error == NULL, "request: no error text on success");
    CHECK(req.method.p == s, "request: slices point into the caller's buffer");
    CHECK(http_request_body(&req) == HTTP_BODY_NONE, "request: GET without length has no body");
    CHECK(prefixes_wait(s, 1), "request: every prefix returns 0 (need more)");

    CHECK(http_parse_request("", 0, MAX_HEAD, &req) == 0, "request: empty input needs more");
    CHECK(http_parse_request(NULL, 0, MAX_HEAD, &req) == 0, "request: NULL empty input needs more");
    CHECK(preq("\r\n\r\n") == 0, "request: only empty lines need more");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\n\r") == 0, "request: CR of the final CRLF needs more");
    CHECK(http_parse_request(s, strlen(s), SIZE_MAX, &req) == (int)strlen(s),
          "request: max_head above INT_MAX is accepted");
}

static void test_request_line_ends(void)
{
    const char *lf = "GET / HTTP/1.1\nHost: a\nX: y\n\n";
    const char *mixed = "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n";
    const char *lead = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";

    CHECK(preq(lf) == (int)strlen(lf), "LF-only request head parses");
    CHECK(req.num_headers == 2 && sl_eq(req.headers[1].value, "y"), "LF-only headers are right");
    CHECK(prefixes_wait(lf, 1), "LF-only: every prefix needs more");
    CHECK(preq(mixed) == (int)strlen(mixed), "mixed CRLF and LF line ends parse");
    CHECK(preq(lead) == (int)strlen(lead), "leading empty lines are skipped and counted");
    CHECK(sl_eq(req.method, "GET"), "leading empty lines: method still right");
    CHECK(preq("GET / HTTP/1.1\rX\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "bare CR inside the request line is refused");
    CHECK(preq("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "CR CR LF after the request line is refused");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n") == HTTP_ERR_BAD,
          "CR CR LF after a header is refused");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n") == HTTP_ERR_BAD,
          "CR CR LF as the final line is refused");
}

static void test_request_pipelining(void)
{
    const char *s = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                    "GET /b HTTP/1.1\r\nHost: a\r\n\r\n"
                    "GET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    size_t len = strlen(s), off = 0;
    int rv;

    rv = http_parse_request(s, len, MAX_HEAD, &req);
    CHECK(rv > 0 && sl_eq(req.target, "/a") && req.content_length == 5,
          "pipelining: first request with a body");
    CHECK(http_request_body(&req) == HTTP_BODY_LENGTH, "pipelining: first body by length");
    off = (size_t)rv + 5;
    CHECK(memcmp(s + rv, "hello", 5) == 0, "pipelining: body starts right after the head");
    rv = http_parse_request(s + off, len - off, MAX_HEAD, &req);
    CHECK(rv > 0 && sl_eq(req.target, "/b") && req.keep_alive, "pipelining: second request");
    off += (size_t)rv;
    rv = http_parse_request(s + off, len - off, MAX_HEAD, &req);
    CHECK(rv > 0 && sl_eq(req.target, "/c") && !req.keep_alive, "pipelining: third request");
    off += (size_t)rv;
    CHECK(off == len, "pipelining: the three heads and body use every byte");
    rv = http_parse_request(s, 40, MAX_HEAD, &req);
    CHECK(rv == 0, "pipelining: a cut first head needs more");
}

static void build_head(char *buf, size_t cap, size_t headers, size_t pad)
{
    size_t i, n;

    n = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (i = 1; i < headers; i++) {
        n += (size_t)snprintf(buf + n, cap - n, "X-H%zu: v\r\n", i);
    }
    if (pad > 0) {
        n += (size_t)snprintf(buf + n, cap - n, "X-Pad: ");
        for (i = 0; i < pad; i++) {
            buf[n++] = 'p';
        }
        n += (size_t)snprintf(buf + n, cap - n, "\r\n");
    }
    snprintf(buf + n, cap - n, "\r\n");
}

static void test_request_limits(void)
{
    static char big[20000];
    size_t len;
    int rv;

    build_head(big, sizeof(big), 64, 0);
    CHECK(preq(big) == (int)strlen(big) && req.num_headers == 64, "64 headers are accepted");
    build_head(big, sizeof(big), 65, 0);
    CHECK(preq(big) == HTTP_ERR_TOO_LARGE, "65 headers give TOO_LARGE (431)");
    CHECK_CONTAINS(req.error, "too many", "65 headers: the error says too many");

    build_head(big, sizeof(big), 1, 1000);
    len = strlen(big);
    CHECK(http_parse_request(big, len, len, &req) == (int)len,
          "a head of exactly max_head bytes parses");
    CHECK(http_parse_request(big, len, len - 1, &req) == HTTP_ERR_TOO_LARGE,
          "a head one byte over max_head is TOO_LARGE");
    CHECK_CONTAINS(req.error, "larger than allowed", "oversized head: the error says so");
    CHECK(http_parse_request(big, len - 1, len, &req) == 0,
          "an unfinished head under max_head needs more");
    CHECK(http_parse_request(big, 500, 500, &req) == HTTP_ERR_TOO_LARGE,
          "max_head bytes without an end are TOO_LARGE before the rest arrives");
    CHECK(http_parse_request(big, 499, 500, &req) == 0, "one byte under max_head still waits");
    memset(big, '\n', 600);
    CHECK(http_parse_request(big, 600, 500, &req) == HTTP_ERR_TOO_LARGE,
          "endless empty lines still hit max_head");
    CHECK(http_err_status(HTTP_ERR_TOO_LARGE) == 431, "TOO_LARGE maps to 431");
    CHECK(http_err_status(HTTP_ERR_BAD) == 400, "BAD maps to 400");
    CHECK(http_err_status(HTTP_ERR_VERSION) == 505, "VERSION maps to 505");
    CHECK(http_err_status(HTTP_ERR_NOT_IMPL) == 501, "NOT_IMPL maps to 501");
    CHECK_CONTAINS(http_strerror(HTTP_ERR_NOT_HTTP), "did not speak HTTP", "NOT_HTTP text");
    rv = http_parse_request(big, 0, 0, &req);
    CHECK(rv == HTTP_ERR_TOO_LARGE, "max_head 0 with no bytes is TOO_LARGE");
}

static void test_request_line(void)
{
    CHECK(preq("GET / HTTP/1.0\r\n\r\n") > 0 && req.minor_version == 0,
          "HTTP/1.0 without Host is accepted");
    CHECK(req.keep_alive == 0, "HTTP/1.0 closes by default");
    CHECK(preq("GET / HTTP/1.2\r\nHost: a\r\n\r\n") > 0 && req.minor_version == 1,
          "HTTP/1.2 is handled as 1.1");
    CHECK(preq("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == HTTP_ERR_VERSION, "HTTP/2.0 is VERSION");
    CHECK_CONTAINS(req.error, "HTTP/1.0 and HTTP/1.1", "VERSION: the error names what works");
    CHECK(preq("GET / HTTP/0.9\r\n\r\n") == HTTP_ERR_VERSION, "HTTP/0.9 is VERSION");
    CHECK(preq("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == HTTP_ERR_VERSION,
          "the HTTP/2 preface is VERSION");
    CHECK(preq("GET / HTTP/1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "HTTP/1 is malformed");
    CHECK(preq("GET / http/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "lowercase http/ is BAD");
    CHECK(preq("GET / HTTP/1.1 \r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "a space after the version is BAD");
    CHECK(preq("GET / HTTP/10.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "HTTP/10.1 is BAD");
    CHECK(preq("GET / HTTP/1.1x\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "junk after version is BAD");
    CHECK(preq("GET /\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "a missing version is BAD");
    CHECK_CONTAINS(req.error, "missing HTTP version", "missing version: the error says so");
    CHECK(preq("GET\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "a bare method is BAD");
    CHECK(preq("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "two spaces are BAD");
    CHECK_CONTAINS(req.error, "missing request target", "empty target: the error says so");
    CHECK(preq("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "a space inside the target is BAD");
    CHECK(preq("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "a tab inside the target is BAD");
    CHECK_CONTAINS(req.error, "request target", "control in target: the error names the target");
    CHECK(preq("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "a control byte in the target is BAD");
    CHECK(preq("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "DEL in the target is BAD");
    CHECK(preq("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "raw non-ASCII in the target is BAD");
    CHECK(preq(" GET / HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "a space before the method is BAD");
    CHECK(preq("G@T / HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "@ in the method is BAD");
    CHECK_CONTAINS(req.error, "method", "bad method: the error names the method");
    CHECK(preq("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD, "( in the method is BAD");
    CHECK(preq("M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n") > 0 && sl_eq(req.method, "M-SEARCH") &&
              sl_eq(req.target, "*"),
          "token methods and the * target parse");
    CHECK(preq("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n") > 0 &&
              sl_eq(req.target, "example.com:443"),
          "authority-form target parses");
    CHECK(http_parse_request("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 28, MAX_HEAD, &req) ==
              HTTP_ERR_BAD,
          "a NUL in the request line is BAD");
}

static void test_request_fields(void)
{
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n") == HTTP_ERR_BAD,
          "obs-fold with SP is BAD");
    CHECK_CONTAINS(req.error, "folding", "obs-fold: the error names line folding");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n") == HTTP_ERR_BAD,
          "obs-fold with HT is BAD");
    CHECK(preq("GET / HTTP/1.1\r\n Host: a\r\n\r\n") == HTTP_ERR_BAD,
          "whitespace before the first header is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == HTTP_ERR_BAD,
          "SP between name and colon is BAD");
    CHECK_CONTAINS(req.error, "between header name and colon", "name SP colon: the error says so");
    CHECK(preq("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n") == HTTP_ERR_BAD,
          "HT between name and colon is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX\"y: 1\r\n\r\n") == HTTP_ERR_BAD,
          "a quote in a header name is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX(y: 1\r\n\r\n") == HTTP_ERR_BAD,
          "a ( in a header name is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n") == HTTP_ERR_BAD,
          "an empty header name is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n") == HTTP_ERR_BAD,
          "a header line without a colon is BAD");
    CHECK_CONTAINS(req.error, "colon", "no colon: the error says so");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n") == HTTP_ERR_BAD,
          "a control byte in a value is BAD");
    CHECK_CONTAINS(req.error, "control character", "control in value: the error says so");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n") == HTTP_ERR_BAD,
          "DEL in a value is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX: a\rz\r\n\r\n") == HTTP_ERR_BAD,
          "a bare CR in a value is BAD");
    CHECK(http_parse_request("GET / HTTP/1.1\r\nHost: a\r\nX: a\0z\r\n\r\n", 36, MAX_HEAD, &req) ==
              HTTP_ERR_BAD,
          "a NUL in a value is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb \xe9\xff\r\n\r\n") > 0 &&
              sl_eq(req.headers[1].value, "a\tb \xe9\xff"),
          "HT inside a value and obs-text are kept");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX:\r\nY: \t \r\n\r\n") > 0 &&
              req.headers[1].value.len == 0 && req.headers[2].value.len == 0,
          "empty values parse as empty slices");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nX:v\r\n\r\n") > 0 && sl_eq(req.headers[1].value, "v"),
          "a value without OWS parses");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n") > 0 &&
              req.expect_continue == 1,
          "Expect: 100-continue is noted");
}

static void test_request_framing(void)
{
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n") > 0 &&
              req.content_length == 10,
          "Content-Length is read");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n") > 0 &&
              req.content_length == 0 && http_request_body(&req) == HTTP_BODY_NONE,
          "Content-Length 0 means no body");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n") >
                  0 &&
              req.content_length == 5,
          "identical duplicate Content-Length is accepted");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n") > 0 &&
              req.content_length == 5,
          "a list of identical Content-Length values is accepted");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") ==
              HTTP_ERR_BAD,
          "conflicting duplicate Content-Length is BAD");
    CHECK_CONTAINS(req.error, "conflicting", "conflicting CL: the error says so");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n") == HTTP_ERR_BAD,
          "a list of different Content-Length values is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n") == HTTP_ERR_BAD,
          "a non-digit Content-Length is BAD");
    CHECK_CONTAINS(req.error, "not a number", "non-digit CL: the error says so");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n") == HTTP_ERR_BAD,
          "a negative Content-Length is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n") == HTTP_ERR_BAD,
          "a signed Content-Length is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n") == HTTP_ERR_BAD,
          "Content-Length 5 5 is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n") == HTTP_ERR_BAD,
          "a hex Content-Length is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n") == HTTP_ERR_BAD,
          "an empty Content-Length is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ,\r\n\r\n") == HTTP_ERR_BAD,
          "a Content-Length of only commas is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n") > 0 &&
              req.content_length == INT64_MAX,
          "Content-Length INT64_MAX is accepted");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n") ==
              HTTP_ERR_BAD,
          "Content-Length INT64_MAX + 1 is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n") ==
              HTTP_ERR_BAD,
          "an overflowing Content-Length is BAD");
    CHECK_CONTAINS(req.error, "too large", "overflowing CL: the error says so");

    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") > 0 &&
              req.chunked == 1 && req.content_length == -1 &&
              http_request_body(&req) == HTTP_BODY_CHUNKED,
          "Transfer-Encoding: chunked is read");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ChUnKeD\r\n\r\n") > 0 &&
              req.chunked == 1,
          "chunked is case-insensitive");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
               "Transfer-Encoding: chunked\r\n\r\n") == HTTP_ERR_BAD,
          "Content-Length with Transfer-Encoding is BAD");
    CHECK_CONTAINS(req.error, "both Content-Length and Transfer-Encoding", "CL+TE: error text");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
               "Content-Length: 5\r\n\r\n") == HTTP_ERR_BAD,
          "Transfer-Encoding then Content-Length is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") ==
              HTTP_ERR_NOT_IMPL,
          "Transfer-Encoding: gzip is NOT_IMPL (501)");
    CHECK_CONTAINS(req.error, "only chunked", "gzip: the error says what is implemented");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") ==
              HTTP_ERR_NOT_IMPL,
          "gzip, chunked is NOT_IMPL");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") ==
              HTTP_ERR_BAD,
          "chunked twice is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
               "Transfer-Encoding: chunked\r\n\r\n") == HTTP_ERR_BAD,
          "chunked on two lines is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n") == HTTP_ERR_BAD,
          "an empty Transfer-Encoding is BAD");
    CHECK(preq("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n") > 0 &&
              req.chunked == 1,
          "empty list elements around chunked are ignored");
    CHECK(preq("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == HTTP_ERR_BAD,
          "Transfer-Encoding in HTTP/1.0 is BAD");
}

static void test_request_host_and_connection(void)
{
    CHECK(preq("GET / HTTP/1.1\r\nX: y\r\n\r\n") == HTTP_ERR_BAD, "HTTP/1.1 without Host is BAD");
    CHECK_CONTAINS(req.error, "missing Host", "no Host: the error says so");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == HTTP_ERR_BAD,
          "two Host headers are BAD");
    CHECK(preq("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n") == HTTP_ERR_BAD,
          "two Host headers are BAD in HTTP/1.0 too");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == HTTP_ERR_BAD, "Host with / is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == HTTP_ERR_BAD, "Host with SP is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n") == HTTP_ERR_BAD, "Host with @ is BAD");
    CHECK(preq("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n") > 0 && sl_eq(req.host, "[::1]:8443"),
          "Host with an IPv6 literal and port parses");
    CHECK(preq("GET / HTTP/1.1\r\nHOST: Example.COM:443\r\n\r\n") > 0,
          "Host name is matched case-insensitively");
    CHECK(preq("GET / HTTP/1.1\r\nHost:\r\n\r\n") > 0 && req.host.len == 0,
          "an empty Host is accepted");

    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") > 0 && !req.keep_alive,
          "1.1 with Connection: close does not keep alive");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n") > 0 &&
              !req.keep_alive,
          "close wins in a list, any case");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n") >
                  0 &&
              !req.keep_alive,
          "close on a second Connection line counts");
    CHECK(preq("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n") > 0 && req.keep_alive,
          "closed is not close");
    CHECK(preq("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") > 0 && req.keep_alive,
          "1.0 with keep-alive keeps alive");
    CHECK(preq("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n") > 0 &&
              !req.keep_alive,
          "1.0 with keep-alive and close closes");
    CHECK(preq("GET / HTTP/1.0\r\nConnection: foo\r\n\r\n") > 0 && !req.keep_alive,
          "1.0 with another token closes");
}

static void test_response(void)
{
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nServer: x\r\n\r\nhello world!";
    const char *cont = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    size_t head = strlen(s) - 12;
    int rv;

    rv = presp(s);
    CHECK(rv == (int)head, "response: returns the head length");
    CHECK(resp.status == 200 && sl_eq(resp.reason, "OK") && resp.minor_version == 1,
          "response: status, reason, version");
    CHECK(resp.content_length == 12 && !resp.chunked && !resp.connection_close,
          "response: length, not chunked, keep-alive");
    CHECK(resp.num_headers == 2 && sl_eq(resp.headers[1].name, "Server"), "response: headers");
    CHECK(http_response_body(&resp, "GET") == HTTP_BODY_LENGTH, "response: body by length");
    CHECK(http_response_body(&resp, "HEAD") == HTTP_BODY_NONE, "response to HEAD: no body");
    CHECK(prefixes_wait("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", 0),
          "response: every prefix needs more");

    CHECK(presp("HTTP/1.1 200 OK\nContent-Length: 1\n\n") > 0 && resp.content_length == 1,
          "LF-only response parses");
    CHECK(presp("HTTP/1.1 204\r\n\r\n") > 0 && resp.status == 204 && resp.reason.len == 0,
          "a status line without reason nor SP parses");
    CHECK(presp("HTTP/1.1 200 \r\n\r\n") > 0 && resp.reason.len == 0, "an empty reason parses");
    CHECK(presp("HTTP/1.1 404 Not  Found \xe9\r\n\r\n") > 0 &&
              sl_eq(resp.reason, "Not  Found \xe9"),
          "a reason with spaces and obs-text parses");
    CHECK(presp("HTTP/1.1 200 O\x01K\r\n\r\n") == HTTP_ERR_BAD, "a control byte in the reason");
    CHECK(presp("HTTP/1.1 20 OK\r\n\r\n") == HTTP_ERR_BAD, "a two-digit status is BAD");
    CHECK_CONTAINS(resp.error, "three digits", "two-digit status: the error says so");
    CHECK(presp("HTTP/1.1 2000 OK\r\n\r\n") == HTTP_ERR_BAD, "a four-digit status is BAD");
    CHECK(presp("HTTP/1.1 099 X\r\n\r\n") == HTTP_ERR_BAD, "status 099 is BAD");
    CHECK(presp("HTTP/1.1 600 X\r\n\r\n") == HTTP_ERR_BAD, "status 600 is BAD");
    CHECK(presp("HTTP/1.1 abc X\r\n\r\n") == HTTP_ERR_BAD, "a non-numeric status is BAD");
    CHECK(presp("HTTP/1.1  200 X\r\n\r\n") == HTTP_ERR_BAD, "two spaces before status are BAD");
    CHECK(presp("HTTP/1.1\r\n\r\n") == HTTP_ERR_BAD, "a status line without status is BAD");
    CHECK(presp("HTTP/2.0 200 OK\r\n\r\n") == HTTP_ERR_VERSION, "HTTP/2.0 response is VERSION");
    CHECK(presp("HTTP/1.x 200 OK\r\n\r\n") == HTTP_ERR_BAD, "HTTP/1.x is BAD");
    CHECK(presp("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n") == HTTP_ERR_BAD,
          "obs-fold in a response is BAD");
    CHECK(presp("HTTP/1.1 200 OK\r\nX : a\r\n\r\n") == HTTP_ERR_BAD,
          "SP before colon in a response is BAD");

    CHECK(presp("SSH-2.0-OpenSSH_9.2\r\n") == HTTP_ERR_NOT_HTTP, "SSH banner is NOT_HTTP");
    CHECK_CONTAINS(resp.error, "HTTP/", "NOT_HTTP: the error names HTTP/");
    CHECK(presp("<html>") == HTTP_ERR_NOT_HTTP, "HTML without a head is NOT_HTTP");
    CHECK(http_parse_response("\x16\x03\x01\x00", 4, MAX_HEAD, &resp) == HTTP_ERR_NOT_HTTP,
          "a TLS record is NOT_HTTP");
    CHECK(presp("HTTX") == HTTP_ERR_NOT_HTTP, "NOT_HTTP is told from 4 bytes");
    CHECK(presp("http/1.1 200 OK\r\n\r\n") == HTTP_ERR_NOT_HTTP, "lowercase http/ is NOT_HTTP");
    CHECK(presp("H") == 0 && presp("HTTP") == 0 && presp("HTTP/") == 0,
          "a prefix of HTTP/ needs more");
    CHECK(presp("\r\nHTTP/1.1 200 OK\r\n\r\n") == HTTP_ERR_NOT_HTTP,
          "a response starting with an empty line is NOT_HTTP");

    rv = presp(cont);
    CHECK(rv > 0 && resp.status == 100, "interim 100 Continue parses");
    CHECK(http_response_body(&resp, "GET") == HTTP_BODY_NONE, "1xx has no body");
    rv = http_parse_response(cont + rv, strlen(cont) - (size_t)rv, MAX_HEAD, &resp);
    CHECK(rv > 0 && resp.status == 204, "the final response follows the interim one");
    CHECK(http_response_body(&resp, "GET") == HTTP_BODY_NONE, "204 has no body");
}

static void test_response_framing(void)
{
    CHECK(presp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") > 0 && resp.chunked &&
              !resp.connection_close && http_response_body(&resp, NULL) == HTTP_BODY_CHUNKED,
          "chunked response");
    CHECK(presp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") > 0 &&
              resp.chunked && resp.content_length == -1 && resp.connection_close,
          "TE overrides CL in a response, and the connection closes after");
    CHECK(presp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n") > 0 && !resp.chunked &&
              resp.connection_close && http_response_body(&resp, "GET") == HTTP_BODY_CLOSE,
          "TE without final chunked: body runs to the close");
    CHECK(presp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") == HTTP_ERR_BAD,
          "chunked twice in a response is BAD");
    CHECK(presp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
              HTTP_ERR_BAD,
          "conflicting CL in a response is BAD");
    CHECK(presp("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n") == HTTP_ERR_BAD,
          "non-digit CL in a response is BAD");
    CHECK(presp("HTTP/1.1 200 OK\r\n\r\n") > 0 && resp.content_length == -1 &&
              http_response_body(&resp, "GET") == HTTP_BODY_CLOSE,
          "no length nor chunked: delimited by close");
    CHECK(presp("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n") > 0 && resp.connection_close,
          "1.1 with Connection: close closes");
    CHECK(presp("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n") > 0 && resp.connection_close &&
              resp.minor_version == 0,
          "1.0 response closes by default");
    CHECK(presp("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n") > 0 &&
              !resp.connection_close,
          "1.0 response with keep-alive stays open");
    CHECK(presp("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n") > 0 &&
              http_response_body(&resp, "GET") == HTTP_BODY_NONE,
          "304 has no body even with Content-Length");
    CHECK(presp("HTTP/1.1 200 Connection established\r\n\r\n") > 0 &&
              http_response_body(&resp, "CONNECT") == HTTP_BODY_NONE,
          "2xx to CONNECT has no body");

    CHECK(http_response_has_body("GET", 200) == 1, "has_body: GET 200");
    CHECK(http_response_has_body(NULL, 200) == 1, "has_body: NULL method means GET");
    CHECK(http_response_has_body("HEAD", 200) == 0, "has_body: HEAD");
    CHECK(http_response_has_body("GET", 101) == 0, "has_body: 101");
    CHECK(http_response_has_body("GET", 199) == 0, "has_body: 199");
    CHECK(http_response_has_body("GET", 204) == 0, "has_body: 204");
    CHECK(http_response_has_body("GET", 304) == 0, "has_body: 304");
    CHECK(http_response_has_body("GET", 404) == 1, "has_body: 404");
    CHECK(http_response_has_body("CONNECT", 200) == 0, "has_body: CONNECT 200");
    CHECK(http_response_has_body("CONNECT", 407) == 1, "has_body: CONNECT 407");
    CHECK(http_response_has_body("POST", 205) == 1, "has_body: 205 is framed as usual");

    {
        static char big[12000];
        size_t n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");

        memset(big + n, 'a', 9000);
        memcpy(big + n + 9000, "\r\n\r\n", 5);
        CHECK(presp(big) == HTTP_ERR_TOO_LARGE, "an oversized response head is TOO_LARGE");
    }
}

static void test_helpers(void)
{
    const char *s = "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\nConnection: upgrade\r\n"
                    "CONNECTION: Keep-Alive , TE\r\n\r\n";
    size_t pos = 0;
    const struct http_header *h;

    CHECK(preq(s) > 0, "helpers: head parses");
    h = http_find_header(req.headers, req.num_headers, "x-A", &pos);
    CHECK(h != NULL && sl_eq(h->value, "1"), "find_header: first match, any case");
    h = http_find_header(req.headers, req.num_headers, "X-a", &pos);
    CHECK(h != NULL && sl_eq(h->value, "2"), "find_header: pos walks to the second line");
    h = http_find_header(req.headers, req.num_headers, "X-A", &pos);
    CHECK(h == NULL && pos == req.num_headers, "find_header: then none");
    CHECK(http_find_header(req.headers, req.num_headers, "Host", NULL) != NULL,
          "find_header: NULL pos finds the first");
    CHECK(http_find_header(req.headers, req.num_headers, "X-", NULL) == NULL,
          "find_header: no prefix match");
    CHECK(http_find_header(req.headers, 0, "Host", NULL) == NULL, "find_header: zero headers");
    CHECK(http_header_has_token(req.headers, req.num_headers, "connection", "te"),
          "header_has_token: a token on the second line");
    CHECK(http_header_has_token(req.headers, req.num_headers, "Connection", "keep-alive"),
          "header_has_token: case-insensitive token with spaces around");
    CHECK(!http_header_has_token(req.headers, req.num_headers, "Connection", "close"),
          "header_has_token: absent token");

    CHECK(http_list_has_token("a, b ,c", 7, "b"), "list: middle element with spaces");
    CHECK(http_list_has_token("  close  ", 9, "CLOSE"), "list: lone element with OWS");
    CHECK(http_list_has_token(",,close,", 8, "close"), "list: empty elements are skipped");
    CHECK(!http_list_has_token("closex", 6, "close"), "list: no prefix match");
    CHECK(!http_list_has_token("xclose", 6, "close"), "list: no suffix match");
    CHECK(!http_list_has_token("", 0, "close"), "list: empty value");
    CHECK(!http_list_has_token(NULL, 0, "close"), "list: NULL value");
    CHECK(!http_list_has_token("clo se", 6, "close"), "list: inner space is not ignored");
    CHECK(http_list_has_token("a,\tclose\t", 9, "close"), "list: tabs are OWS");
    CHECK(http_list_has_token("close", 3, "clo"), "list: length bounds the value");

    CHECK(http_casecmp_eq("Content-Length", 14, "content-length", 14), "casecmp: equal");
    CHECK(!http_casecmp_eq("Content-Length", 14, "content-lengt", 13), "casecmp: lengths");
    CHECK(!http_casecmp_eq("[", 1, "{", 1), "casecmp: only letters fold");
}

/* Decodes s in one call with plenty of room. */
static int decode_all(const char *s, size_t len, char *out, size_t cap, size_t *consumed,
                      size_t *produced)
{
    struct http_chunked st;

    http_chunked_init(&st);
    return http_chunked_decode(&st, s, len, out, cap, consumed, produced);
}

/* Feeds s in two pieces at every split point and pieces of every small size. */
static int decode_split_all(const char *s, size_t len, const char *want, size_t want_len,
                            size_t want_consumed)
{
    static char out[4096];
    size_t split, piece;

    for (split = 0; split <= len; split++) {
        struct http_chunked st;
        size_t c1, p1, c2 = 0, p2 = 0;
        int rv;

        http_chunked_init(&st);
        rv = http_chunked_decode(&st, s, split, out, sizeof(out), &c1, &p1);
        if (rv == 0) {
            rv = http_chunked_decode(&st, s + c1, len - c1, out + p1, sizeof(out) - p1, &c2, &p2);
        }
        if (rv != HTTP_CHUNKED_DONE || p1 + p2 != want_len || memcmp(out, want, want_len) != 0 ||
            c1 + c2 != want_consumed) {
            printf("# split at %zu: rv %d, out %zu, consumed %zu\n", split, rv, p1 + p2, c1 + c2);
            return 0;
        }
    }
    /* Pieces of 1..7 bytes, and an output buffer of 1..3 bytes: both loops must carry state. */
    for (piece = 1; piece < 8; piece++) {
        size_t cap = piece % 3 + 1;
        struct http_chunked st;
        size_t in_off = 0, out_off = 0;
        int rv = 0, guard = 0;

        http_chunked_init(&st);
        while (rv == 0 && guard++ < 100000) {
            size_t n = len - in_off < piece ? len - in_off : piece;
            size_t c, p;

            rv = http_chunked_decode(&st, s + in_off, n, out + out_off, cap, &c, &p);
            in_off += c;
            out_off += p;
        }
        if (rv != HTTP_CHUNKED_DONE || out_off != want_len || memcmp(out, want, want_len) != 0 ||
            in_off != want_consumed) {
            printf("# pieces of %zu: rv %d, out %zu, consumed %zu\n", piece, rv, out_off, in_off);
            return 0;
        }
    }
    return 1;
}

static int chunk_err(const char *s)
{
    char out[256];
    size_t c, p;

    return decode_all(s, strlen(s), out, sizeof(out), &c, &p);
}

static void test_chunked(void)
{
    static const char body[] = "5\r\nhello\r\n7;name=val;x\r\n, world\r\n0\r\n\r\nNEXT";
    static const char lf[] = "3\nabc\n0\n\n";
    static const char trailers[] = "A\r\n0123456789\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\nG";
    static const char hexcase[] = "a\r\n0123456789\r\nB\r\nabcdefghijk\r\n00\r\n\r\n";
    static const char ws_ext[] = "2 \t; a=b\r\nhi\r\n0 ;z\r\n\r\n";
    char out[256];
    size_t c, p;
    int rv;

    rv = decode_all(body, strlen(body), out, sizeof(out), &c, &p);
    CHECK(rv == HTTP_CHUNKED_DONE && p == 12 && memcmp(out, "hello, world", 12) == 0,
          "chunked: two chunks with extensions decode");
    CHECK(c == strlen(body) - 4 && memcmp(body + c, "NEXT", 4) == 0,
          "chunked: consumed stops where the next message starts");
    CHECK(decode_split_all(body, strlen(body), "hello, world", 12, strlen(body) - 4),
          "chunked: every split point and piece size give the same result");
    CHECK(decode_split_all(lf, strlen(lf), "abc", 3, strlen(lf)), "chunked: LF-only line ends");
    CHECK(decode_split_all(trailers, strlen(trailers), "0123456789", 10, strlen(trailers) - 1),
          "chunked: trailers are skipped at every split");
    CHECK(decode_split_all(hexcase, strlen(hexcase), "0123456789abcdefghijk", 21, strlen(hexcase)),
          "chunked: lower and upper hex, leading zeros");
    CHECK(decode_split_all(ws_ext, strlen(ws_ext), "hi", 2, strlen(ws_ext)),
          "chunked: whitespace before ; is allowed");
    CHECK(decode_split_all("0\r\n\r\n", 5, "", 0, 5), "chunked: empty body");

    {
        struct http_chunked st;
        char buf[] = "4\r\nwxyz\r\n3\r\n123\r\n0\r\n\r\n";

        http_chunked_init(&st);
        rv = http_chunked_decode(&st, buf, strlen(buf), buf, sizeof(buf), &c, &p);
        CHECK(rv == HTTP_CHUNKED_DONE && p == 7 && memcmp(buf, "wxyz123", 7) == 0,
              "chunked: decoding in place works");
        CHECK(st.total == 7, "chunked: total counts data bytes");
        rv = http_chunked_decode(&st, "more", 4, out, sizeof(out), &c, &p);
        CHECK(rv == HTTP_CHUNKED_DONE && c == 0 && p == 0,
              "chunked: after done, calls consume nothing");
    }
    {
        struct http_chunked st;

        http_chunked_init(&st);
        rv = http_chunked_decode(&st, "5\r\nhello", 8, NULL, 0, &c, &p);
        CHECK(rv == 0 && c == 3 && p == 0, "chunked: no room stops before data");
        rv = http_chunked_decode(&st, "hello\r\n0\r\n\r\n", 12, out, 2, &c, &p);
        CHECK(rv == 0 && c == 2 && p == 2 && memcmp(out, "he", 2) == 0,
              "chunked: a full output buffer stops with input left");
    }
    {
        struct http_chunked st;

        http_chunked_init(&st);
        rv = http_chunked_decode(&st, "4000000000000000\r\n", 18, out, sizeof(out), &c, &p);
        CHECK(rv == 0 && st.size == HTTP_CHUNK_SIZE_MAX, "chunked: a size of 2^62 is accepted");
    }

    CHECK(chunk_err("4000000000000001\r\n") == HTTP_ERR_BAD, "chunked: size over 2^62 is BAD");
    CHECK(chunk_err("ffffffffffffffffffff\r\n") == HTTP_ERR_BAD, "chunked: 80-bit size is BAD");
    CHECK(chunk_err("g\r\n") == HTTP_ERR_BAD, "chunked: bad hex is BAD");
    CHECK(chunk_err("\r\n") == HTTP_ERR_BAD, "chunked: empty size is BAD");
    CHECK(chunk_err("-5\r\n") == HTTP_ERR_BAD, "chunked: negative size is BAD");
    CHECK(chunk_err(" 5\r\n") == HTTP_ERR_BAD, "chunked: space before size is BAD");
    CHECK(chunk_err("0x5\r\n") == HTTP_ERR_BAD, "chunked: 0x prefix is BAD");
    CHECK(chunk_err("5 \r\nhello\r\n") == HTTP_ERR_BAD, "chunked: whitespace before CRLF is BAD");
    CHECK(chunk_err("5\rhello") == HTTP_ERR_BAD, "chunked: CR without LF after size is BAD");
    CHECK(chunk_err("5;a\x01\r\nhello") == HTTP_ERR_BAD, "chunked: control in extension is BAD");
    CHECK(chunk_err("5\r\nhelloX") == HTTP_ERR_BAD, "chunked: no CRLF after data is BAD");
    CHECK(chunk_err("5\r\nhello\rX") == HTTP_ERR_BAD, "chunked: CR then junk after data is BAD");
    CHECK(chunk_err("5\r\nhello\r\n\r\n") == HTTP_ERR_BAD, "chunked: missing next size is BAD");
    CHECK(chunk_err("0\r\nX: \x01\r\n\r\n") == HTTP_ERR_BAD, "chunked: control in trailer");
    CHECK(chunk_err("0\r\nX: 1\rY\r\n\r\n") == HTTP_ERR_BAD, "chunked: bare CR in trailer");
    CHECK(chunk_err("0\r\n\rX") == HTTP_ERR_BAD, "chunked: bare CR at the end is BAD");
    {
        static char big[HTTP_CHUNK_LINE_MAX + 64];
        static char trail[HTTP_CHUNK_TRAILER_MAX + 64];
        struct http_chunked st;

        memset(big, '0', sizeof(big) - 1);
        CHECK(chunk_err(big) == HTTP_ERR_TOO_LARGE, "chunked: endless zeros hit the line limit");
        memcpy(big, "1;", 2);
        memset(big + 2, 'e', sizeof(big) - 3);
        CHECK(chunk_err(big) == HTTP_ERR_TOO_LARGE, "chunked: a huge extension is TOO_LARGE");
        memcpy(trail, "0\r\n", 3);
        memset(trail + 3, 't', sizeof(trail) - 4);
        http_chunked_init(&st);
        rv = http_chunked_decode(&st, trail, strlen(trail), out, sizeof(out), &c, &p);
        CHECK(rv == HTTP_ERR_TOO_LARGE, "chunked: huge trailers are TOO_LARGE");
        CHECK_CONTAINS(st.error, "trailer", "chunked: the error names the trailers");
        rv = http_chunked_decode(&st, "0\r\n\r\n", 5, out, sizeof(out), &c, &p);
        CHECK(rv == HTTP_ERR_TOO_LARGE && c == 0, "chunked: errors are sticky");
    }
    {
        struct http_chunked st;

        http_chunked_init(&st);
        rv = http_chunked_decode(&st, "5\r\nhel", 6, out, sizeof(out), &c, &p);
        CHECK(rv == 0 && p == 3, "chunked: partial data is delivered");
        rv = http_chunked_decode(&st, "loX", 3, out, sizeof(out), &c, &p);
        CHECK(rv == HTTP_ERR_BAD && p == 2 && c == 3,
              "chunked: error after the data, across calls");
        CHECK_CONTAINS(st.error, "missing CRLF after chunk data", "chunked: error text");
    }
}

/* Every byte value, in a field name and in a Host value, against the RFC's sets written out
 * here independently of the parser's tables. */
static void test_byte_classes(void)
{
    static const char tsym[] = "!#$%&'*+-.^_`|~";
    static const char hsym[] = "-._~!$&'()*+,;=:[]%";
    int bad_name = 0, bad_host = 0;
    for (int b = 0; b < 256; b++) {
        char buf[64];
        int alnum = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
        int tchar = alnum || (b != 0 && strchr(tsym, b) != NULL);
        int hchar = alnum || (b != 0 && strchr(hsym, b) != NULL);
        /* %c writes a NUL byte too, and the count includes it. */
        size_t n =
            (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nA%cB: v\r\n\r\n", b);
        int ok = http_parse_request(buf, n, MAX_HEAD, &req) > 0;
        /* A colon ends the name early ("A" with value "B: v"), which is a valid field. */
        bad_name += ok != (tchar || b == ':');
        n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a%cb\r\n\r\n", b);
        ok = http_parse_request(buf, n, MAX_HEAD, &req) > 0;
        bad_host += ok != hchar;
    }
    CHECK(bad_name == 0, "field names: exactly the tchar bytes of RFC 9110 are accepted");
    CHECK(bad_host == 0, "Host values: exactly the uri-host and port bytes are accepted");
}

static void test_writer(void)
{
    char buf[256];
    struct http_writer w;
    int rv;

    http_writer_init(&w, buf, sizeof(buf));
    rv = http_writer_status_line(&w, 200);
    rv |= http_writer_header(&w, "Content-Type", "text/plain");
    rv |= http_writer_content_length(&w, 42);
    rv |= http_writer_header_n(&w, "X-Slice", "abcdef", 3);
    rv |= http_writer_end(&w);
    CHECK(rv == 0 && !w.failed, "writer: a head is written");
    CHECK(strcmp(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 42\r\n"
                      "X-Slice: abc\r\n\r\n") == 0 &&
              w.len == strlen(buf),
          "writer: exact bytes");
    CHECK(presp(buf) == (int)w.len && resp.content_length == 42,
          "writer: the response parser reads what the writer wrote");

    http_writer_init(&w, buf, 27);
    CHECK(http_writer_status_line(&w, 404) == 0 && w.len == 24, "writer: 24-byte status line");
    CHECK(http_writer_header(&w, "A", "b") == -1 && w.failed, "writer: overflow fails");
    CHECK(w.len == 24 && strcmp(buf, "HTTP/1.1 404 Not Found\r\n") == 0,
          "writer: a failed append leaves nothing half-written");
    CHECK(http_writer_end(&w) == -1, "writer: failure is sticky, even when it would fit");

    http_writer_init(&w, buf, 26);
    CHECK(http_writer_status_line(&w, 404) == 0 && http_writer_end(&w) == 0 && w.len == 26,
          "writer: a head that fills the buffer exactly succeeds");
    http_writer_init(&w, buf, 10);
    CHECK(http_writer_status_line(&w, 200) == -1 && w.len == 0 && buf[0] == '\0',
          "writer: a status line that does not fit writes nothing");

    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_header(&w, "X", "a\r\nSet-Cookie: x") == -1, "writer: CRLF in a value fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_header(&w, "X", "a\nb") == -1, "writer: LF in a value fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_header(&w, "Bad Name", "v") == -1, "writer: a name with SP fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_header(&w, "", "v") == -1, "writer: an empty name fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_header(&w, "X:Y", "v") == -1, "writer: a colon in a name fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_header(&w, "X", "a\tb") == 0, "writer: HT in a value is fine");
    http_writer_init(&w, buf, sizeof(buf));
    static const uint64_t vals[] = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 1048576};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint64_t v = vals[i];
        char want[48];
        snprintf(want, sizeof(want), "Content-Length: %llu\r\n", (unsigned long long)v);
        http_writer_init(&w, buf, sizeof(buf));
        CHECK(http_writer_content_length(&w, v) == 0 && strcmp(buf, want) == 0,
              "writer: Content-Length %llu", (unsigned long long)v);
    }
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_content_length(&w, UINT64_MAX) == 0 &&
              strcmp(buf, "Content-Length: 18446744073709551615\r\n") == 0,
          "writer: Content-Length maximum");
    char tiny[20];
    http_writer_init(&w, tiny, sizeof(tiny));
    CHECK(http_writer_content_length(&w, 1000) == -1 && w.failed,
          "writer: Content-Length that does not fit fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_status_line(&w, 299) == 0 && strcmp(buf, "HTTP/1.1 299 \r\n") == 0,
          "writer: an unknown status gets an empty reason and keeps the SP");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_status_line(&w, 99) == -1, "writer: status 99 fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_status_line(&w, 1000) == -1, "writer: status 1000 fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_request_line(&w, "GET", "/a?b") == 0 &&
              strcmp(buf, "GET /a?b HTTP/1.1\r\n") == 0,
          "writer: request line");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_request_line(&w, "GET", "/a b") == -1, "writer: target with SP fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_request_line(&w, "G T", "/") == -1, "writer: method with SP fails");
    http_writer_init(&w, buf, sizeof(buf));
    CHECK(http_writer_request_line(&w, "GET", "") == -1, "writer: empty target fails");
    http_writer_init(&w, NULL, 0);
    CHECK(http_writer_append(&w, "", 0) == 0 && http_writer_end(&w) == -1,
          "writer: a NULL buffer takes nothing");

    CHECK(strcmp(http_status_reason(200), "OK") == 0, "reason: 200");
    CHECK(strcmp(http_status_reason(400), "Bad Request") == 0, "reason: 400");
    CHECK(strcmp(http_status_reason(404), "Not Found") == 0, "reason: 404");
    CHECK(strcmp(http_status_reason(413), "Content Too Large") == 0, "reason: 413");
    CHECK(strcmp(http_status_reason(431), "Request Header Fields Too Large") == 0, "reason: 431");
    CHECK(strcmp(http_status_reason(501), "Not Implemented") == 0, "reason: 501");
    CHECK(strcmp(http_status_reason(505), "HTTP Version Not Supported") == 0, "reason: 505");
    CHECK(strcmp(http_status_reason(299), "") == 0, "reason: unknown is empty");
    CHECK(strcmp(http_status_reason(-1), "") == 0, "reason: negative is empty");
}

static void test_date(void)
{
    char d[HTTP_DATE_LEN];

    CHECK(http_date(784111777, d) == 0 && strcmp(d, "Sun, 06 Nov 1994 08:49:37 GMT") == 0,
          "date: the RFC 9110 example");
    CHECK(http_date(0, d) == 0 && strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT") == 0,
          "date: the epoch");
    CHECK(http_date(951782400, d) == 0 && strcmp(d, "Tue, 29 Feb 2000 00:00:00 GMT") == 0,
          "date: a leap day");
    CHECK(http_date(-1, d) == 0 && strcmp(d, "Wed, 31 Dec 1969 23:59:59 GMT") == 0,
          "date: one second before the epoch");
    CHECK(http_date((time_t)253402300799LL, d) == 0 &&
              strcmp(d, "Fri, 31 Dec 9999 23:59:59 GMT") == 0,
          "date: the last second of year 9999");
    CHECK(http_date((time_t)253402300800LL, d) == -1 &&
              strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT") == 0,
          "date: year 10000 fails and writes the epoch");
    CHECK(strlen(d) == HTTP_DATE_LEN - 1, "date: always 29 characters");
}

int main(void)
{
    test_request_basic();
    test_request_line_ends();
    test_request_pipelining();
    test_request_limits();
    test_request_line();
    test_request_fields();
    test_request_framing();
    test_request_host_and_connection();
    test_response();
    test_response_framing();
    test_helpers();
    test_chunked();
    test_byte_classes();
    test_writer();
    test_date();
    return T_DONE();
}
