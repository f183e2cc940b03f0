/* fetch.c: one HTTP/1.1 exchange per connection: the request written, the response head parsed
 * (1xx skipped), the body streamed through a fixed buffer, and redirects followed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/client.h"

#define HEAD_MAX (64 * 1024)  /* a response head longer than this is refused */
#define BUF_SIZE (256 * 1024) /* the one buffer a response goes through */
#define USER_AGENT "tlskit/0.1.0"

/* One exchange's state. */
struct xfer {
    struct client *c;
    struct tlskit_conn *conn;
    const struct url *url;
    char where[URL_HOST_MAX + 16]; /* "host:port", for messages */
    char *buf;
    size_t len;
    int lowat;    /* the socket's SO_RCVLOWAT as last set; 0 for the kernel's default (1) */
    int reuse;    /* the connection may carry the next request (a redirect on the same origin) */
    uint64_t got; /* bytes received for the current request */
};

/* The connection's error in E: the library's sentence first, then, unless it is a refusal
 * (handshake, verification), the step: "... (reading the body from host:port)". */
static int conn_fail(struct xfer *x, const char *step, struct client_err *e)
{
    enum tlskit_error_kind k = tlskit_conn_error_kind(x->conn);
    if (k == TLSKIT_ERR_HANDSHAKE || k == TLSKIT_ERR_VERIFY) {
        return client_fail(e, k, "%s", tlskit_conn_error(x->conn));
    }
    return client_fail(e, k, "%s (%s %s)", tlskit_conn_error(x->conn), step, x->where);
}

/* Writes S[0..N) to the connection, naming the step in a failure. */
static int send_all(struct xfer *x, const void *s, size_t n, struct client_err *e)
{
    if (n > 0 && tlskit_conn_write(x->conn, s, n) < 0) {
        /* A TLS 1.3 server refuses our certificate after the handshake and may close before
         * our request is written: its alert, still unread, says why. */
        char b[512];
        if (tlskit_conn_error_kind(x->conn) == TLSKIT_ERR_IO &&
            tlskit_conn_read(x->conn, b, sizeof(b)) < 0 &&
            (tlskit_conn_error_kind(x->conn) == TLSKIT_ERR_HANDSHAKE ||
             tlskit_conn_error_kind(x->conn) == TLSKIT_ERR_VERIFY)) {
            return conn_fail(x, "", e);
        }
        return conn_fail(x, "sending the request to", e);
    }
    return 0;
}

/* The name part of a "Name: value" line, and whether it equals NAME. */
static int header_is(const char *line, const char *name)
{
    size_t n = strcspn(line, ":");
    return line[n] == ':' && http_casecmp_eq(line, n, name, strlen(name));
}

static int user_has(const struct client_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        if (header_is(req->headers[i], name)) {
            return 1;
        }
    }
    return 0;
}

/* Headers that carry credentials are not sent to another host after a redirect (as curl). */
static int is_credential(const char *line)
{
    return header_is(line, "Authorization") || header_is(line, "Cookie") ||
           header_is(line, "Proxy-Authorization");
}

static int send_request(struct xfer *x, const char *method, const struct client_request *req,
                        int body, int same_origin, struct client_err *e)
{
    int rv = -1;
    size_t cap = 4096 + strlen(x->url->path);
    for (size_t i = 0; i < req->nheaders; i++) {
        cap += strlen(req->headers[i]) + 2;
    }
    char *head = malloc(cap);
    char *fbuf = NULL;
    if (head == NULL) {
        return client_fail(e, TLSKIT_ERR_IO, "out of memory");
    }
    uint64_t blen = req->data_len;
    if (body && req->data_fd >= 0) {
        struct stat st;
        if (fstat(req->data_fd, &st) != 0 || lseek(req->data_fd, 0, SEEK_SET) != 0) {
            client_fail(e, TLSKIT_ERR_USAGE, "cannot read '%s': %s", req->data_name,
                        strerror(errno));
            goto out;
        }
        blen = (uint64_t)st.st_size;
    }
    struct http_writer w;
    char host[URL_HOST_MAX + 16];
    http_writer_init(&w, head, cap);
    http_writer_request_line(&w, method, x->url->path);
    /* A -H Host names the first URL's host only: after a redirect elsewhere, ours is sent. */
    if ((!same_origin || !user_has(req, "Host")) &&
        url_host_port(x->url, host, sizeof(host)) >= 0) {
        http_writer_header(&w, "Host", host);
    }
    if (!user_has(req, "User-Agent")) {
        http_writer_header(&w, "User-Agent", USER_AGENT);
    }
    if (!user_has(req, "Accept")) {
        http_writer_header(&w, "Accept", "*/*");
    }
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *h = req->headers[i];
        size_t n = strcspn(h, ":");
        if (h[n] != ':' || header_is(h, "Content-Length") || header_is(h, "Connection") ||
            header_is(h, "Transfer-Encoding") ||
            (!same_origin && (is_credential(h) || header_is(h, "Host")))) {
            continue; /* framing is ours to set; a malformed line was refused by the caller */
        }
        const char *v = h + n + 1;
        v += strspn(v, " \t");
        char name[256];
        if (n >= sizeof(name)) {
            client_fail(e, TLSKIT_ERR_USAGE, "header name too long in '-H %.40s...'", h);
            goto out;
        }
        memcpy(name, h, n);
        name[n] = '\0';
        if (http_writer_header(&w, name, v) != 0) {
            client_fail(e, TLSKIT_ERR_USAGE,
                        "-H '%s' is not a valid header: the name must be a token and the value "
                        "must not hold control characters",
                        h);
            goto out;
        }
    }
    if (body) {
        http_writer_content_length(&w, blen);
    }
    if (!req->follow) {
        /* One request per connection; with -L, a redirect to the same origin reuses it. */
        http_writer_header(&w, "Connection", "close");
    }
    if (http_writer_end(&w) != 0) {
        client_fail(e, TLSKIT_ERR_USAGE, "the request head for %s could not be written: %s",
                    x->where, "a method, path or header is invalid");
        goto out;
    }
    if (send_all(x, head, w.len, e) != 0) {
        goto out;
    }
    if (body && req->data_fd < 0 && send_all(x, req->data, req->data_len, e) != 0) {
        goto out;
    }
    if (body && req->data_fd >= 0) {
        fbuf = malloc(64 * 1024);
        if (fbuf == NULL) {
            client_fail(e, TLSKIT_ERR_IO, "out of memory");
            goto out;
        }
        uint64_t left = blen;
        while (left > 0) {
            ssize_t n = read(req->data_fd, fbuf, left < 64 * 1024 ? (size_t)left : 64 * 1024);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                client_fail(e, TLSKIT_ERR_IO, "reading '%s': %s", req->data_name,
                            n == 0 ? "the file shrank while being sent" : strerror(errno));
                goto out;
            }
            if (send_all(x, fbuf, (size_t)n, e) != 0) {
                goto out;
            }
            left -= (uint64_t)n;
        }
    }
    rv = 0;
out:
    free(fbuf);
    free(head);
    return rv;
}

/* Reads more bytes into x->buf: the count, 0 at the end of the stream, -1 with E set. */
static ssize_t fill(struct xfer *x, size_t max, const char *during, struct client_err *e)
{
    size_t room = BUF_SIZE - x->len;
    if (max < room) {
        room = max;
    }
    ssize_t n = tlskit_conn_read(x->conn, x->buf + x->len, room);
    if (n > 0) {
        x->got += (uint64_t)n;
    }
    if (n < 0) {
        char step[64];
        snprintf(step, sizeof(step), "reading the %s from", during);
        return conn_fail(x, step, e);
    }
    x->len += (size_t)n;
    return n;
}

/* A large body is read with the socket's low-water mark raised: a blocked read wakes when
 * LOWAT bytes have arrived instead of at every segment. Each wake-up is paid by the sender
 * (on loopback, by the server's CPU), so fewer of them make a fast server faster: measured
 * with bench/client.sh. The mark is raised only while more than LOWAT bytes are sure to
 * come: the body left, less what the TLS read-ahead buffer may hold unseen. */
#define LOWAT (32 * 1024)
#define READ_AHEAD_MAX (80 * 1024) /* the library's client read buffer is 64 KiB */

static void set_lowat(struct xfer *x, uint64_t left)
{
    int v = left > READ_AHEAD_MAX + LOWAT ? LOWAT : 1;
    int fd = tlskit_conn_fd(x->conn);
    if (v != (x->lowat ? x->lowat : 1) && fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v));
        x->lowat = v;
    }
}

/* The peer's first bytes, printable, for "that is not HTTP". */
static void show_bytes(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && i < 24 && o + 5 < cap; i++) {
        unsigned char ch = (unsigned char)p[i];
        o += (size_t)snprintf(out + o, cap - o, ch >= 0x20 && ch < 0x7f ? "%c" : "\\x%02x", ch);
    }
    out[o] = '\0';
}

/* Reads until a final (non-1xx) head is parsed; 1xx heads go to the sink and are dropped.
 * Returns the head's length in x->buf, or -1 with E set. */
static int read_head(struct xfer *x, struct http_response *resp, const struct client_sink *sink,
                     struct client_err *e)
{
    for (;;) {
        int r = x->len ? http_parse_response(x->buf, x->len, HEAD_MAX, resp) : 0;
        if (r == HTTP_ERR_NOT_HTTP) {
            char shown[128];
            show_bytes(x->buf, x->len, shown, sizeof(shown));
            return client_fail(e, TLSKIT_ERR_IO,
                               "not HTTP: %s answered over TLS with something that is not an "
                               "HTTP/1.x response (it began '%s'); check the port and that the "
                               "server speaks HTTPS",
                               x->where, shown);
        }
        if (r < 0) {
            return client_fail(e, TLSKIT_ERR_IO, "malformed HTTP response from %s: %s", x->where,
                               resp->error ? resp->error : http_strerror(r));
        }
        if (r > 0 && resp->status >= 200) {
            return r;
        }
        if (r > 0) {
            if (resp->status == 101) {
                return client_fail(e, TLSKIT_ERR_IO,
                                   "%s switched protocols (101) though none was asked for",
                                   x->where);
            }
            if (sink->head && sink->head(sink->arg, x->buf, (size_t)r, resp, 0) != 0) {
                return client_fail(e, TLSKIT_ERR_IO, "%s", "");
            }
            memmove(x->buf, x->buf + r, x->len - (size_t)r);
            x->len -= (size_t)r;
            continue;
        }
        ssize_t n = fill(x, HEAD_MAX, "response head", e);
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            return client_fail(e, TLSKIT_ERR_IO,
                               x->len == 0 ? "empty reply: %s closed the connection without "
                                             "sending an HTTP response"
                                           : "%s closed the connection in the middle of the "
                                             "response head",
                               x->where);
        }
    }
}

static int emit(const struct client_sink *sink, const char *p, size_t n, struct client_result *res,
                struct client_err *e)
{
    if (n == 0) {
        return 0;
    }
    res->body_bytes += n;
    if (sink->body && sink->body(sink->arg, p, n) != 0) {
        return client_fail(e, TLSKIT_ERR_IO, "%s", "");
    }
    return 0;
}

/* Streams the body of RESP (delimited by MODE) to the sink, starting with the x->len bytes
 * already in x->buf. */
static int read_body(struct xfer *x, const struct http_response *resp, enum http_body mode,
                     const struct client_sink *sink, struct client_result *res,
                     struct client_err *e)
{
    if (sink->start) {
        sink->start(sink->arg, mode == HTTP_BODY_LENGTH ? resp->content_length
                               : mode == HTTP_BODY_NONE ? 0
                                                        : -1);
    }
    switch (mode) {
    case HTTP_BODY_NONE:
        return 0;
    case HTTP_BODY_LENGTH: {
        uint64_t left = (uint64_t)resp->content_length;
        for (;;) {
            size_t n = x->len < left ? x->len : (size_t)left;
            if (emit(sink, x->buf, n, res, e) != 0) {
                return -1;
            }
            left -= n;
            x->len = 0;
            if (left == 0) {
                return 0;
            }
            set_lowat(x, left);
            ssize_t r = fill(x, left < BUF_SIZE ? (size_t)left : BUF_SIZE, "body", e);
            if (r < 0) {
                return -1;
            }
            if (r == 0) {
                return client_fail(e, TLSKIT_ERR_IO,
                                   "truncated body: %s closed the connection after %llu of the "
                                   "%lld bytes it announced (Content-Length)",
                                   x->where, (unsigned long long)res->body_bytes,
                                   (long long)resp->content_length);
            }
        }
    }
    case HTTP_BODY_CHUNKED: {
        struct http_chunked st;
        http_chunked_init(&st);
        for (;;) {
            size_t used = 0, made = 0;
            int r = http_chunked_decode(&st, x->buf, x->len, x->buf, x->len, &used, &made);
            if (r < 0) {
                return client_fail(e, TLSKIT_ERR_IO, "malformed chunked body from %s: %s", x->where,
                                   st.error ? st.error : http_strerror(r));
            }
            if (emit(sink, x->buf, made, res, e) != 0) {
                return -1;
            }
            /* The decoder consumed everything it was given unless it finished. */
            x->len = 0;
            if (r == HTTP_CHUNKED_DONE) {
                return 0;
            }
            ssize_t n = fill(x, BUF_SIZE, "body", e);
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                return client_fail(e, TLSKIT_ERR_IO,
                                   "truncated body: %s closed the connection before the last "
                                   "chunk, after %llu bytes",
                                   x->where, (unsigned long long)res->body_bytes);
            }
        }
    }
    case HTTP_BODY_CLOSE:
    default:
        for (;;) {
            if (emit(sink, x->buf, x->len, res, e) != 0) {
                return -1;
            }
            x->len = 0;
            ssize_t n = fill(x, BUF_SIZE, "body", e);
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                res->unclean_eof = !tlskit_conn_eof_clean(x->conn);
                return 0;
            }
        }
    }
}

static int is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* A redirect's body is read and dropped, so that the connection can carry the next request,
 * when it is this small and the server keeps the connection open. */
#define REDIRECT_BODY_MAX (64 * 1024)

static int reusable_after(const struct http_response *resp, enum http_body mode)
{
    return resp->minor_version >= 1 && !resp->connection_close &&
           (mode == HTTP_BODY_NONE ||
            (mode == HTTP_BODY_LENGTH && resp->content_length <= REDIRECT_BODY_MAX));
}

/* One request and its response head, on x->conn when it is set (a connection kept from the
 * last redirect), else on a new one. A kept connection the server closed in the meantime is
 * replaced once, before any byte of the response. */
static int request_head(struct xfer *x, const char *method, const struct client_request *req,
                        int body, int same_origin, struct http_response *resp,
                        const struct client_sink *sink, struct client_err *e)
{
    for (int attempt = 0;; attempt++) {
        int reused = x->conn != NULL;
        if (reused) {
            const struct client_tls_opts *o = &x->c->opts;
            if (o->on_attempt) {
                o->on_attempt(o->arg, x->where, "connection reused");
            }
        } else if (client_open(x->c, x->url->host, x->url->port, &x->conn, e) != 0) {
            return -1;
        }
        x->len = 0;
        x->got = 0;
        int hl = -1;
        if (send_request(x, method, req, body, same_origin, e) == 0) {
            hl = read_head(x, resp, sink, e);
        }
        if (hl >= 0 || !reused || attempt > 0 || x->got > 0 || e->kind == TLSKIT_ERR_TIMEOUT ||
            e->kind == TLSKIT_ERR_USAGE) {
            return hl;
        }
        tlskit_conn_free(x->conn); /* the server closed the kept connection: a new one */
        x->conn = NULL;
        x->lowat = 0;
    }
}

/* One request and its response. *NEXT is set when a redirect is to be followed; then
 * x->reuse says whether the connection may carry the next request. */
static int exchange(struct xfer *x, const char *method, const struct client_request *req, int body,
                    int same_origin, const struct client_sink *sink, struct client_result *res,
                    struct url *next, int *follow, struct client_err *e)
{
    struct http_response resp;
    x->reuse = 0;
    int hl = request_head(x, method, req, body, same_origin, &resp, sink, e);
    if (hl < 0) {
        return -1;
    }
    res->status = resp.status;
    *follow = 0;
    const struct http_header *loc =
        http_find_header(resp.headers, resp.num_headers, "Location", NULL);
    if (req->follow && is_redirect(resp.status) && loc != NULL) {
        char err[URL_ERR_LEN];
        if (url_resolve(x->url, loc->value.p, loc->value.len, next, err, sizeof(err)) != 0) {
            return client_fail(e, TLSKIT_ERR_IO, "%s sent a redirect to a bad Location '%.*s': %s",
                               x->where, (int)(loc->value.len < 200 ? loc->value.len : 200),
                               loc->value.p, err);
        }
        *follow = 1;
    }
    if (sink->head && sink->head(sink->arg, x->buf, (size_t)hl, &resp, !*follow) != 0) {
        return client_fail(e, TLSKIT_ERR_IO, "%s", "");
    }
    enum http_body mode = http_response_body(&resp, method);
    memmove(x->buf, x->buf + hl, x->len - (size_t)hl);
    x->len -= (size_t)hl;
    if (*follow) {
        /* The redirect's body is not wanted: read and dropped when that keeps the connection
         * usable, else the connection is closed. */
        if (reusable_after(&resp, mode)) {
            static const struct client_sink drop = {0};
            struct client_result scratch = {0};
            struct client_err ignored = {0};
            x->reuse = read_body(x, &resp, mode, &drop, &scratch, &ignored) == 0 && x->len == 0;
        }
        return 0;
    }
    return read_body(x, &resp, mode, sink, res, e);
}

int client_fetch(struct client *c, const struct url *url, const struct client_request *req,
                 const struct client_sink *sink, struct client_result *res, struct client_err *e)
{
    int rv = -1;
    struct url cur = *url, next;
    struct xfer x = {.c = c};
    const char *method = req->method ? req->method : req->has_body ? "POST" : "GET";
    int body = req->has_body;
    int same_origin = 1;
    /* --servername names the URL's host: a redirect to another host is verified as itself,
     * not as the name the user gave for the first. */
    const char *servername = c->opts.servername;

    memset(res, 0, sizeof(*res));
    x.buf = malloc(BUF_SIZE);
    if (x.buf == NULL) {
        return client_fail(e, TLSKIT_ERR_IO, "out of memory");
    }
    if (!url_is_https(&cur)) {
        client_fail(e, TLSKIT_ERR_USAGE,
                    "tlskit speaks only TLS, and '%s://' URLs are plain text; use https://%s%s",
                    cur.scheme, cur.host, cur.path);
        goto out;
    }
    for (;;) {
        int follow = 0;
        x.url = &cur;
        url_format(&cur, res->url, sizeof(res->url));
        snprintf(x.where, sizeof(x.where), cur.host_type == URL_HOST_IPV6 ? "[%s]:%u" : "%s:%u",
                 cur.host, cur.port);
        c->opts.servername = strcasecmp(cur.host, url->host) == 0 ? servername : NULL;
        int r = exchange(&x, method, req, body, same_origin, sink, res, &next, &follow, e);
        if (r == 0 && follow && x.reuse && strcasecmp(next.host, cur.host) == 0 &&
            next.port == cur.port && url_is_https(&next)) {
            /* Same origin, connection kept open: the next request goes on it (unless it
             * carries a body, see below). */
        } else {
            if (r == 0) {
                (void)tlskit_conn_close(x.conn); /* close_notify: we end on purpose */
            }
            tlskit_conn_free(x.conn);
            x.conn = NULL;
            x.lowat = 0;
        }
        if (r != 0) {
            goto out;
        }
        if (!follow) {
            break;
        }
        if (!url_is_https(&next)) {
            char to[URL_HOST_MAX + URL_PATH_MAX + 32];
            url_format(&next, to, sizeof(to));
            client_fail(e, TLSKIT_ERR_IO,
                        "refused redirect: %s redirects to '%s', which is not https; tlskit never "
                        "follows a redirect away from TLS (open that URL yourself if you accept "
                        "plain text)",
                        res->url, to);
            goto out;
        }
        if (++res->redirects > CLIENT_MAX_REDIRECTS) {
            client_fail(e, TLSKIT_ERR_IO,
                        "too many redirects: more than %d, the last from %s; the server may be "
                        "redirecting in a loop",
                        CLIENT_MAX_REDIRECTS, res->url);
            goto out;
        }
        /* 303 always, and 301/302 after a POST, continue with GET (as browsers and curl). */
        if (res->status == 303 ||
            ((res->status == 301 || res->status == 302) && strcmp(method, "POST") == 0)) {
            if (strcmp(method, "HEAD") != 0) {
                method = "GET";
            }
            body = 0;
        }
        if (body && x.conn) {
            /* A body is sent on a new connection: a kept one the server closed meanwhile
             * could not be retried without sending the body twice. */
            (void)tlskit_conn_close(x.conn);
            tlskit_conn_free(x.conn);
            x.conn = NULL;
            x.lowat = 0;
        }
        same_origin = same_origin && strcmp(next.host, cur.host) == 0 && next.port == cur.port;
        cur = next;
    }
    rv = 0;
out:
    tlskit_conn_free(x.conn); /* a connection kept for a redirect not followed */
    c->opts.servername = servername;
    free(x.buf);
    return rv;
}
