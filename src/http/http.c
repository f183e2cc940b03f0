/* http.c: the HTTP/1.1 request and response head parsers and the field lookup helpers. */
#include "http/http.h"

#include <limits.h>
#include <string.h>

#include "http/cursor.h"

/* Framing facts gathered from the field lines of one head, judged once the head is complete. */
struct framing {
    int cl_seen;
    int64_t cl;
    int te_seen;
    int te_chunked;      /* how many times chunked was listed */
    int te_chunked_last; /* chunked is the final coding */
    int te_other;        /* some coding other than chunked was listed */
    int conn_close;
    int conn_keep_alive;
    int host_count;
    struct http_slice host;
    int expect_continue;
};

/* Byte classes, built at compile time: one table load per byte instead of a strchr call. */
#define CLS_TCHAR 1 /* tchar of RFC 9110 5.6.2: methods, field names, transfer codings */
#define CLS_HOST 2  /* a byte a Host value may hold: uri-host [":" port] of RFC 3986 */
#define IS_ALNUM(c)                                                                                \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define IS_TSYM(c)                                                                                 \
    ((c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || (c) == '\'' ||          \
     (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || (c) == '_' ||           \
     (c) == '`' || (c) == '|' || (c) == '~')
#define IS_HSYM(c)                                                                                 \
    ((c) == '-' || (c) == '.' || (c) == '_' || (c) == '~' || (c) == '!' || (c) == '$' ||           \
     (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || (c) == '+' ||          \
     (c) == ',' || (c) == ';' || (c) == '=' || (c) == ':' || (c) == '[' || (c) == ']' ||           \
     (c) == '%')
#define CLS(c)                                                                                     \
    ((IS_ALNUM(c) || IS_TSYM(c) ? CLS_TCHAR : 0) | (IS_ALNUM(c) || IS_HSYM(c) ? CLS_HOST : 0))
#define CLS4(n) CLS(n), CLS((n) + 1), CLS((n) + 2), CLS((n) + 3)
#define CLS16(n) CLS4(n), CLS4((n) + 4), CLS4((n) + 8), CLS4((n) + 12)
#define CLS64(n) CLS16(n), CLS16((n) + 16), CLS16((n) + 32), CLS16((n) + 48)
static const unsigned char byte_class[256] = {CLS64(0), CLS64(64), CLS64(128), CLS64(192)};

/* ch is a byte or -1 (no byte): -1 is in no class. */
static int in_class(int ch, int cls)
{
    return ch >= 0 && (byte_class[ch & 0xff] & cls) != 0;
}

static int is_tchar(int ch)
{
    return in_class(ch, CLS_TCHAR);
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_ows(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* Field values may hold HTAB, SP, VCHAR and obs-text; every other control byte is refused. */
static int is_field_vchar(int ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

int http_casecmp_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;

    if (alen != blen) {
        return 0;
    }
    for (i = 0; i < alen; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) {
            return 0;
        }
    }
    return 1;
}

static int slice_is(struct http_slice s, const char *str)
{
    return http_casecmp_eq(s.p, s.len, str, strlen(str));
}

/* slice_is for a string literal: its length is known at compile time. */
#define SLICE_IS(s, lit) http_casecmp_eq((s).p, (s).len, lit, sizeof(lit) - 1)

static struct http_slice slice_of(const struct http_cur *c, size_t start, size_t end)
{
    struct http_slice s;

    /* start <= end <= c->len always holds here; an empty slice keeps a valid pointer. */
    s.p = c->p != NULL ? (const char *)c->p + start : NULL;
    s.len = end - start;
    return s;
}

/*
 * Calls fn on each element of a comma list (RFC 9110 5.6.1) with the surrounding OWS removed;
 * empty elements are skipped, as recipients must accept them. Stops when fn returns nonzero
 * and returns that.
 */
static int list_each(const char *value, size_t len, int (*fn)(struct http_slice el, void *arg),
                     void *arg)
{
    struct http_cur c;

    http_cur_init(&c, value, len);
    while (http_cur_left(&c) > 0) {
        size_t start, end, comma;
        int rv;

        while (is_ows(http_cur_peek(&c))) {
            http_cur_skip(&c, 1);
        }
        start = c.off;
        if (!http_cur_find(&c, ',', &comma)) {
            comma = http_cur_left(&c);
        }
        end = start + comma;
        http_cur_skip(&c, comma + 1);
        while (end > start && is_ows(http_cur_at(&c, end - 1))) {
            end--;
        }
        if (end == start) {
            continue;
        }
        rv = fn(slice_of(&c, start, end), arg);
        if (rv != 0) {
            return rv;
        }
    }
    return 0;
}

struct token_ctx {
    const char *token;
};

static int token_match(struct http_slice el, void *arg)
{
    const struct token_ctx *ctx = arg;

    return slice_is(el, ctx->token);
}

int http_list_has_token(const char *value, size_t len, const char *token)
{
    struct token_ctx ctx = {token};

    return list_each(value, len, token_match, &ctx) != 0;
}

const struct http_header *http_find_header(const struct http_header *hdrs, size_t n,
                                           const char *name, size_t *pos)
{
    size_t i = pos != NULL ? *pos : 0;

    for (; i < n; i++) {
        if (slice_is(hdrs[i].name, name)) {
            if (pos != NULL) {
                *pos = i + 1;
            }
            return &hdrs[i];
        }
    }
    if (pos != NULL) {
        *pos = n;
    }
    return NULL;
}

int http_header_has_token(const struct http_header *hdrs, size_t n, const char *name,
                          const char *token)
{
    size_t pos = 0;
    const struct http_header *h;

    while ((h = http_find_header(hdrs, n, name, &pos)) != NULL) {
        if (http_list_has_token(h->value.p, h->value.len, token)) {
            return 1;
        }
    }
    return 0;
}

int http_err_status(int err)
{
    switch (err) {
    case HTTP_ERR_TOO_LARGE:
        return 431;
    case HTTP_ERR_VERSION:
        return 505;
    case HTTP_ERR_NOT_IMPL:
        return 501;
    default:
        return 400;
    }
}

const char *http_strerror(int err)
{
    switch (err) {
    case HTTP_ERR_BAD:
        return "malformed HTTP message";
    case HTTP_ERR_TOO_LARGE:
        return "HTTP header section too large";
    case HTTP_ERR_VERSION:
        return "HTTP version not supported";
    case HTTP_ERR_NOT_IMPL:
        return "HTTP transfer coding not implemented";
    case HTTP_ERR_NOT_HTTP:
        return "the peer did not speak HTTP";
    default:
        return "unknown HTTP error";
    }
}

/*
 * Takes the next line from c into *line, without its LF and without one CR before it, and
 * moves c past the LF. Returns 0 when no LF has arrived yet. A lone LF ends a line too
 * (RFC 9112 2.2); any other CR stays in the line, where the byte checks refuse it.
 */
static int next_line(struct http_cur *c, struct http_cur *line)
{
    size_t lf;

    if (!http_cur_find(c, '\n', &lf)) {
        return 0;
    }
    *line = http_cur_sub(c, lf);
    if (line->len > 0 && http_cur_at(line, line->len - 1) == '\r') {
        line->len--;
    }
    http_cur_skip(c, lf + 1);
    return 1;
}

/* What to answer when no head end was found: wait, unless max_head bytes are already here. */
static int incomplete(size_t len, size_t max_head, const char **error)
{
    if (len >= max_head) {
        *error = "header section larger than allowed";
        return HTTP_ERR_TOO_LARGE;
    }
    return 0;
}

static size_t head_window(size_t len, size_t *max_head)
{
    /* The head length is returned as an int. */
    if (*max_head > INT_MAX) {
        *max_head = INT_MAX;
    }
    return len < *max_head ? len : *max_head;
}

/* "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3); returns 0 and the digits, or -1. */
static int parse_version(struct http_cur *c, int *major, int *minor)
{
    int a, b;

    if (!http_cur_eat_str(c, "HTTP/")) {
        return -1;
    }
    a = http_cur_get(c);
    if (!is_digit(a) || !http_cur_eat(c, '.')) {
        return -1;
    }
    b = http_cur_get(c);
    if (!is_digit(b)) {
        return -1;
    }
    *major = a - '0';
    *minor = b - '0';
    return 0;
}

struct cl_ctx {
    struct framing *f;
    const char **error;
    int any;
};

static int cl_element(struct http_slice el, void *arg)
{
    struct cl_ctx *ctx = arg;
    struct http_cur c;
    int64_t n = 0;
    int ch;

    http_cur_init(&c, el.p, el.len);
    while ((ch = http_cur_get(&c)) >= 0) {
        if (!is_digit(ch)) {
            *ctx->error = "Content-Length is not a number";
            return HTTP_ERR_BAD;
        }
        if (n > (INT64_MAX - (ch - '0')) / 10) {
            *ctx->error = "Content-Length is too large";
            return HTTP_ERR_BAD;
        }
        n = n * 10 + (ch - '0');
    }
    if (ctx->f->cl_seen && ctx->f->cl != n) {
        *ctx->error = "conflicting Content-Length values";
        return HTTP_ERR_BAD;
    }
    ctx->f->cl_seen = 1;
    ctx->f->cl = n;
    ctx->any = 1;
    return 0;
}

/* A Content-Length value, or a list of identical ones, possibly over several lines (RFC 9110 8.6).
 */
static int parse_content_length(struct http_slice v, struct framing *f, const char **error)
{
    struct cl_ctx ctx = {f, error, 0};
    int rv;

    rv = list_each(v.p, v.len, cl_element, &ctx);
    if (rv < 0) {
        return rv;
    }
    if (!ctx.any) {
        *error = "empty Content-Length";
        return HTTP_ERR_BAD;
    }
    return 0;
}

static int te_element(struct http_slice el, void *arg)
{
    struct framing *f = arg;

    if (SLICE_IS(el, "chunked")) {
        f->te_chunked++;
        f->te_chunked_last = 1;
    } else {
        f->te_other = 1;
        f->te_chunked_last = 0;
    }
    return 0;
}

/* Host is uri-host [":" port] (RFC 9110 7.2); only its bytes are checked here. */
static int valid_host_value(struct http_slice v)
{
    struct http_cur c;
    int ch;

    http_cur_init(&c, v.p, v.len);
    while ((ch = http_cur_get(&c)) >= 0) {
        if (!in_class(ch, CLS_HOST)) {
            return 0;
        }
    }
    return 1;
}

/* Records what a field line means for framing and connection handling. */
static int note_field(const struct http_header *h, struct framing *f, const char **error)
{
    if (SLICE_IS(h->name, "content-length")) {
        return parse_content_length(h->value, f, error);
    }
    if (SLICE_IS(h->name, "transfer-encoding")) {
        f->te_seen = 1;
        list_each(h->value.p, h->value.len, te_element, f);
        return 0;
    }
    if (SLICE_IS(h->name, "connection")) {
        if (http_list_has_token(h->value.p, h->value.len, "close")) {
            f->conn_close = 1;
        }
        if (http_list_has_token(h->value.p, h->value.len, "keep-alive")) {
            f->conn_keep_alive = 1;
        }
        return 0;
    }
    if (SLICE_IS(h->name, "host")) {
        f->host_count++;
        f->host = h->value;
        return 0;
    }
    if (SLICE_IS(h->name, "expect") && SLICE_IS(h->value, "100-continue")) {
        f->expect_continue = 1;
    }
    return 0;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5). */
static int parse_field_line(struct http_cur *line, struct http_header *h, const char **error)
{
    size_t start, end;
    int ch;

    ch = http_cur_peek(line);
    if (is_ows(ch)) {
        /* obs-fold, or whitespace before the first field: both are refused (RFC 9112 5.2, 2.2). */
        *error = "header line starts with whitespace (obsolete line folding)";
        return HTTP_ERR_BAD;
    }
    while (is_tchar(http_cur_peek(line))) {
        http_cur_skip(line, 1);
    }
    ch = http_cur_peek(line);
    if (line->off == 0) {
        *error = ch == ':' ? "empty header name" : "invalid character in header name";
        return HTTP_ERR_BAD;
    }
    if (ch != ':') {
        if (is_ows(ch)) {
            /* RFC 9112 5.1: a server MUST reject this; it is a request smuggling vector. */
            *error = "whitespace between header name and colon";
        } else if (ch < 0) {
            *error = "header line without a colon";
        } else {
            *error = "invalid character in header name";
        }
        return HTTP_ERR_BAD;
    }
    h->name = slice_of(line, 0, line->off);
    http_cur_skip(line, 1);
    while (is_ows(http_cur_peek(line))) {
        http_cur_skip(line, 1);
    }
    start = line->off;
    while ((ch = http_cur_get(line)) >= 0) {
        if (!is_field_vchar(ch)) {
            *error = "control character in header value";
            return HTTP_ERR_BAD;
        }
    }
    end = line->off;
    while (end > start && is_ows(http_cur_at(line, end - 1))) {
        end--;
    }
    h->value = slice_of(line, start, end);
    return 0;
}

/*
 * Reads field lines up to the empty line. Returns 1 at the end of the head, 0 when more bytes
 * are needed, or an error.
 */
static int parse_fields(struct http_cur *c, struct http_header *hdrs, size_t *num,
                        struct framing *f, const char **error)
{
    struct http_cur line;

    while (next_line(c, &line)) {
        struct http_header h;
        int rv;

        if (line.len == 0) {
            return 1;
        }
        rv = parse_field_line(&line, &h, error);
        if (rv < 0) {
            return rv;
        }
        if (*num >= HTTP_MAX_HEADERS) {
            *error = "too many header fields";
            return HTTP_ERR_TOO_LARGE;
        }
        hdrs[(*num)++] = h;
        rv = note_field(&h, f, error);
        if (rv < 0) {
            return rv;
        }
    }
    return 0;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3). */
static int parse_request_line(struct http_cur *line, struct http_request *req)
{
    size_t start;
    int ch, major, minor;

    while (is_tchar(http_cur_peek(line))) {
        http_cur_skip(line, 1);
    }
    if (line->off == 0 || http_cur_peek(line) != ' ') {
        req->error = line->off == 0 ? "missing or invalid method" : "invalid character in method";
        return HTTP_ERR_BAD;
    }
    req->method = slice_of(line, 0, line->off);
    http_cur_skip(line, 1);

    /* Visible ASCII only: spaces, controls and raw non-ASCII bytes are not in RFC 3986. */
    start = line->off;
    while ((ch = http_cur_peek(line)) > 0x20 && ch < 0x7f) {
        http_cur_skip(line, 1);
    }
    if (line->off == start) {
        req->error = "missing request target";
        return HTTP_ERR_BAD;
    }
    req->target = slice_of(line, start, line->off);
    if (!http_cur_eat(line, ' ')) {
        req->error =
            ch < 0 ? "missing HTTP version in request line" : "invalid character in request target";
        return HTTP_ERR_BAD;
    }

    if (parse_version(line, &major, &minor) < 0 || http_cur_left(line) != 0) {
        req->error = "malformed HTTP version in request line";
        return HTTP_ERR_BAD;
    }
    if (major != 1) {
        req->error = "only HTTP/1.0 and HTTP/1.1 are supported";
        return HTTP_ERR_VERSION;
    }
    /* RFC 9110 6.2: a higher minor version is handled as the highest one we implement. */
    req->minor_version = minor == 0 ? 0 : 1;
    return 0;
}

static int check_request_framing(struct http_request *req, const struct framing *f)
{
    if (f->te_seen) {
        if (f->cl_seen) {
            /* RFC 9112 6.1: the classic request smuggling shape. */
            req->error = "both Content-Length and Transfer-Encoding";
            return HTTP_ERR_BAD;
        }
        if (req->minor_version == 0) {
            /* RFC 9112 6.1: the framing of an HTTP/1.0 message with Transfer-Encoding is faulty. */
            req->error = "Transfer-Encoding in an HTTP/1.0 request";
            return HTTP_ERR_BAD;
        }
        if (f->te_other) {
            req->error = "unsupported transfer coding (only chunked is implemented)";
            return HTTP_ERR_NOT_IMPL;
        }
        if (f->te_chunked != 1) {
            req->error =
                f->te_chunked == 0 ? "empty Transfer-Encoding" : "chunked applied more than once";
            return HTTP_ERR_BAD;
        }
        req->chunked = 1;
    }
    if (f->cl_seen) {
        req->content_length = f->cl;
    }
    /* RFC 9112 3.2: exactly one Host in HTTP/1.1, and at most one in any request. */
    if (f->host_count > 1) {
        req->error = "more than one Host header";
        return HTTP_ERR_BAD;
    }
    if (f->host_count == 0 && req->minor_version == 1) {
        req->error = "missing Host header";
        return HTTP_ERR_BAD;
    }
    if (f->host_count == 1 && !valid_host_value(f->host)) {
        req->error = "invalid Host header";
        return HTTP_ERR_BAD;
    }
    req->host = f->host;
    req->expect_continue = f->expect_continue;
    /* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive". */
    if (req->minor_version == 1) {
        req->keep_alive = !f->conn_close;
    } else {
        req->keep_alive = f->conn_keep_alive && !f->conn_close;
    }
    return 0;
}

int http_parse_request(const char *buf, size_t len, size_t max_head, struct http_request *req)
{
    struct http_cur c, line;
    struct framing f;
    int rv;

    /* Every field but the header array, which is filled up to num_headers: clearing all of
     * it would cost more than parsing a typical request. */
    req->method = req->target = req->host = (struct http_slice){NULL, 0};
    req->minor_version = 0;
    req->num_headers = 0;
    req->content_length = -1;
    req->chunked = req->keep_alive = req->expect_continue = 0;
    req->error = NULL;
    memset(&f, 0, sizeof(f));
    http_cur_init(&c, buf, head_window(len, &max_head));

    /* RFC 9112 2.2: ignore empty lines before the request line (left over from a body). */
    for (;;) {
        if (http_cur_eat_str(&c, "\r\n") || http_cur_eat(&c, '\n')) {
            continue;
        }
        break;
    }
    if (!next_line(&c, &line)) {
        return incomplete(len, max_head, &req->error);
    }
    rv = parse_request_line(&line, req);
    if (rv < 0) {
        return rv;
    }
    rv = parse_fields(&c, req->headers, &req->num_headers, &f, &req->error);
    if (rv <= 0) {
        return rv < 0 ? rv : incomplete(len, max_head, &req->error);
    }
    rv = check_request_framing(req, &f);
    if (rv < 0) {
        return rv;
    }
    return (int)c.off;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4). */
static int parse_status_line(struct http_cur *line, struct http_response *resp)
{
    int major, minor, i, ch;
    size_t start;

    if (parse_version(line, &major, &minor) < 0) {
        resp->error = "malformed HTTP version in status line";
        return HTTP_ERR_BAD;
    }
    if (major != 1) {
        resp->error = "the server answered with an HTTP version other than 1.x";
        return HTTP_ERR_VERSION;
    }
    resp->minor_version = minor == 0 ? 0 : 1;
    if (!http_cur_eat(line, ' ')) {
        resp->error = "malformed status line";
        return HTTP_ERR_BAD;
    }
    resp->status = 0;
    for (i = 0; i < 3; i++) {
        ch = http_cur_get(line);
        if (!is_digit(ch)) {
            resp->error = "status code is not three digits";
            return HTTP_ERR_BAD;
        }
        resp->status = resp->status * 10 + (ch - '0');
    }
    if (resp->status < 100 || resp->status > 599) {
        resp->error = "status code out of range (100-599)";
        return HTTP_ERR_BAD;
    }
    /* Servers often drop the SP before an empty reason; that loses nothing, so accept it. */
    if (http_cur_left(line) > 0 && !http_cur_eat(line, ' ')) {
        resp->error = "status code is not three digits";
        return HTTP_ERR_BAD;
    }
    start = line->off;
    while ((ch = http_cur_get(line)) >= 0) {
        if (!is_field_vchar(ch)) {
            resp->error = "control character in reason phrase";
            return HTTP_ERR_BAD;
        }
    }
    resp->reason = slice_of(line, start, line->off);
    return 0;
}

int http_parse_response(const char *buf, size_t len, size_t max_head, struct http_response *resp)
{
    static const char magic[] = "HTTP/";
    struct http_cur c, line;
    struct framing f;
    size_t i;
    int rv;

    memset(resp, 0, sizeof(*resp));
    memset(&f, 0, sizeof(f));
    resp->content_length = -1;
    http_cur_init(&c, buf, head_window(len, &max_head));

    /* Say early that the peer speaks something else: it may never send an empty line. */
    for (i = 0; i < sizeof(magic) - 1; i++) {
        int ch = http_cur_peek_at(&c, i);

        if (ch < 0) {
            break;
        }
        if (ch != magic[i]) {
            resp->error = "the response does not start with \"HTTP/\"";
            return HTTP_ERR_NOT_HTTP;
        }
    }
    if (!next_line(&c, &line)) {
        return incomplete(len, max_head, &resp->error);
    }
    rv = parse_status_line(&line, resp);
    if (rv < 0) {
        return rv;
    }
    rv = parse_fields(&c, resp->headers, &resp->num_headers, &f, &resp->error);
    if (rv <= 0) {
        return rv < 0 ? rv : incomplete(len, max_head, &resp->error);
    }

    if (resp->minor_version == 1) {
        resp->connection_close = f.conn_close;
    } else {
        resp->connection_close = !f.conn_keep_alive || f.conn_close;
    }
    if (f.te_seen) {
        if (f.te_chunked > 1) {
            resp->error = "chunked applied more than once";
            return HTTP_ERR_BAD;
        }
        /*
         * RFC 9112 6.3: Transfer-Encoding overrides Content-Length, and without chunked as the
         * final coding the body runs to the close. Either way this connection is not reused.
         */
        resp->chunked = f.te_chunked_last;
        if (f.cl_seen || !resp->chunked) {
            resp->connection_close = 1;
        }
    } else if (f.cl_seen) {
        resp->content_length = f.cl;
    }
    return (int)c.off;
}

int http_response_has_body(const char *method, int status)
{
    if (method != NULL && strcmp(method, "HEAD") == 0) {
        return 0;
    }
    if ((status >= 100 && status < 200) || status == 204 || status == 304) {
        return 0;
    }
    if (method != NULL && strcmp(method, "CONNECT") == 0 && status >= 200 && status < 300) {
        return 0;
    }
    return 1;
}

enum http_body http_response_body(const struct http_response *resp, const char *method)
{
    if (!http_response_has_body(method, resp->status)) {
        return HTTP_BODY_NONE;
    }
    if (resp->chunked) {
        return HTTP_BODY_CHUNKED;
    }
    if (resp->content_length >= 0) {
        return HTTP_BODY_LENGTH;
    }
    return HTTP_BODY_CLOSE;
}

enum http_body http_request_body(const struct http_request *req)
{
    /* RFC 9112 6.3: a request without either has no body; it is never delimited by close. */
    if (req->chunked) {
        return HTTP_BODY_CHUNKED;
    }
    if (req->content_length > 0) {
        return HTTP_BODY_LENGTH;
    }
    return HTTP_BODY_NONE;
}
