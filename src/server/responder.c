/* responder.c: the seed's handler, done right: answers GET / with the client's address and
 * GET /json with the facts of its TLS connection, over HTTP/1.1 with keep-alive. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http.h"
#include "server/server.h"

#define MAX_HEAD 8192
/* A request body is read and dropped (nothing here uses one) up to this size; a larger one
 * is answered 413 and the connection closed. */
#define MAX_BODY (1024 * 1024)

/* The Date header changes once a second; format it once a second. */
static const char *date_now(void)
{
    static char date[HTTP_DATE_LEN];
    static time_t at = -1;
    time_t now = time(NULL);
    if (now != at) {
        http_date(now, date);
        at = now;
    }
    return date;
}

static int eq(struct http_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* Appends s as a JSON string (with quotes). */
static void json_str(struct http_writer *w, const char *s)
{
    char esc[8];
    http_writer_append(w, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            http_writer_append(w, esc, 2);
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
            http_writer_append(w, esc, 6);
        } else {
            http_writer_append(w, (const char *)&ch, 1);
        }
    }
    http_writer_append(w, "\"", 1);
}

static size_t json_body(struct srv_conn *c, char *buf, size_t cap)
{
    const struct tlskit_conn *t = srv_conn_tls(c);
    struct http_writer w;
    char num[32];
    http_writer_init(&w, buf, cap);
    http_writer_append(&w, "{\"ip\":", 6);
    json_str(&w, srv_conn_peer_ip(c));
    snprintf(num, sizeof(num), ",\"port\":%u,\"tls_version\":", srv_conn_peer_port(c));
    http_writer_append(&w, num, strlen(num));
    json_str(&w, tlskit_conn_version(t));
    http_writer_append(&w, ",\"cipher\":", 10);
    json_str(&w, tlskit_conn_cipher(t));
    http_writer_append(&w, ",\"group\":", 9);
    json_str(&w, tlskit_conn_group(t));
    http_writer_append(&w, ",\"sni\":", 7);
    json_str(&w, tlskit_conn_servername(t));
    http_writer_append(&w, ",\"alpn\":", 8);
    json_str(&w, tlskit_conn_alpn(t));
    const char *resumed = tlskit_conn_resumed(t) ? ",\"resumed\":true" : ",\"resumed\":false";
    http_writer_append(&w, resumed, strlen(resumed));
    http_writer_append(&w, ",\"client_cert\":", 15);
    struct tlskit_cert_info info;
    if (tlskit_conn_peer_cert_count(t) > 0 && tlskit_conn_peer_cert_info(t, 0, &info) == 0) {
        /* Sent, and (with --client-ca) verified, or the handshake would have failed. */
        int verified = strcmp(tlskit_conn_verify_result(t), "ok") == 0;
        http_writer_append(&w, "{\"subject\":", 11);
        json_str(&w, info.subject);
        http_writer_append(&w, ",\"issuer\":", 10);
        json_str(&w, info.issuer);
        const char *v = verified ? ",\"verified\":true}" : ",\"verified\":false}";
        http_writer_append(&w, v, strlen(v));
    } else {
        http_writer_append(&w, "null", 4);
    }
    http_writer_append(&w, "}\n", 2);
    return w.failed ? 0 : w.len;
}

/* The part of a 200 response head that changes only once a second: status line, Date,
 * Server, Content-Type, Cache-Control and HSTS, built once a second per variant. */
static const char *head_200(int json, int hsts, size_t *len)
{
    static struct {
        time_t at;
        size_t len;
        char buf[320];
    } cache[2][2];
    time_t now = time(NULL);
    if (cache[json][hsts].at != now) {
        int n = snprintf(cache[json][hsts].buf, sizeof(cache[json][hsts].buf),
                         "HTTP/1.1 200 OK\r\nDate: %s\r\nServer: tlskit\r\nContent-Type: %s\r\n"
                         "Cache-Control: no-store\r\n%s",
                         date_now(), json ? "application/json" : "text/plain; charset=utf-8",
                         hsts ? "Strict-Transport-Security: max-age=31536000\r\n" : "");
        cache[json][hsts].len = n > 0 ? (size_t)n : 0;
        cache[json][hsts].at = now;
    }
    *len = cache[json][hsts].len;
    return cache[json][hsts].buf;
}

/* Queues one whole response. keep: 1 keep-alive, 0 close; http10: the client spoke 1.0. */
static void respond(struct srv_conn *c, int status, const char *ctype, const char *body,
                    size_t blen, int head_only, int keep, int http10, const char *allow)
{
    const struct srv_responder_opts *o = srv_conn_handler_arg(c);
    char hb[1024 + 2048];
    struct http_writer w;
    http_writer_init(&w, hb, sizeof(hb));
    if (status == 200 && blen <= 2048) {
        /* The hot path: one cached block, the length, the end, the body; one send. */
        size_t hl;
        const char *h = head_200(ctype[0] == 'a', o && o->hsts, &hl);
        http_writer_append(&w, h, hl);
        http_writer_content_length(&w, blen);
    } else {
        http_writer_status_line(&w, status);
        http_writer_header(&w, "Date", date_now());
        http_writer_header(&w, "Server", "tlskit");
        http_writer_header(&w, "Content-Type", ctype);
        http_writer_content_length(&w, blen);
        http_writer_header(&w, "Cache-Control", "no-store");
        if (o && o->hsts) {
            http_writer_header(&w, "Strict-Transport-Security", "max-age=31536000");
        }
        if (allow) {
            http_writer_header(&w, "Allow", allow);
        }
    }
    if (!keep) {
        http_writer_append(&w, "Connection: close\r\n", 19);
    } else if (http10) {
        http_writer_append(&w, "Connection: keep-alive\r\n", 24);
    }
    http_writer_end(&w);
    if (!head_only && blen > 0) {
        http_writer_append(&w, body, blen);
    }
    if (w.failed || srv_conn_send(c, hb, w.len) != 0) {
        srv_conn_finish(c);
        return;
    }
    if (!keep) {
        srv_conn_finish(c);
    }
}

static void respond_error(struct srv_conn *c, int status, const char *why)
{
    char body[512];
    int n = snprintf(body, sizeof(body), "%d %s%s%s\n", status, http_status_reason(status),
                     why ? ": " : "", why ? why : "");
    if (n < 0 || (size_t)n >= sizeof(body)) {
        n = (int)strlen(body);
    }
    respond(c, status, "text/plain; charset=utf-8", body, (size_t)n, 0, 0, 0, NULL);
    srv_conn_access(c, "-", 1, "-", 1, status, (size_t)n);
}

/* The path of a request-target: origin-form up to '?', or the path of an absolute-form. */
static struct http_slice target_path(struct http_slice t)
{
    struct http_slice p = t;
    if (t.len > 0 && t.p[0] != '/') {
        const char *sep = memchr(t.p, ':', t.len);
        size_t i = sep ? (size_t)(sep - t.p) : t.len;
        if (i + 2 < t.len && t.p[i + 1] == '/' && t.p[i + 2] == '/') {
            const char *slash = memchr(t.p + i + 3, '/', t.len - i - 3);
            p.p = slash ? slash : "/";
            p.len = slash ? t.len - (size_t)(slash - t.p) : 1;
        }
    }
    const char *q = memchr(p.p, '?', p.len);
    if (q) {
        p.len = (size_t)(q - p.p);
    }
    return p;
}

enum route { R_METHOD, R_ROOT, R_JSON, R_NOT_FOUND };

/* What to answer a request: decided from its head, sent once its body (if any) is read. */
struct answer {
    enum route route;
    int head, keep, http10;
    struct http_slice method, target; /* into the input, or into struct body's copies */
};

/* A request body being read and dropped, and the answer that waits for its end. */
struct body {
    int chunked;
    uint64_t left; /* Content-Length bytes still to come */
    struct http_chunked ch;
    struct answer a;
    char method[32], target[256]; /* for the access log, cut if longer */
};

static void answer(struct srv_conn *c, const struct answer *a)
{
    int status, keep = a->keep, http10 = a->http10, head = a->head;
    size_t sent;
    switch (a->route) {
    case R_METHOD: {
        static const char body[] = "405 Method Not Allowed: use GET or HEAD\n";
        status = 405;
        sent = sizeof(body) - 1;
        respond(c, status, "text/plain; charset=utf-8", body, sent, 0, keep, http10, "GET, HEAD");
        head = 0;
        break;
    }
    case R_ROOT: {
        char body[64];
        const char *ip = srv_conn_peer_ip(c);
        size_t il = strlen(ip); /* at most INET6_ADDRSTRLEN - 1 */
        memcpy(body, ip, il);
        body[il] = '\n';
        status = 200;
        sent = il + 1;
        respond(c, status, "text/plain; charset=utf-8", body, sent, head, keep, http10, NULL);
        break;
    }
    case R_JSON: {
        char body[2048];
        status = 200;
        sent = json_body(c, body, sizeof(body));
        respond(c, status, "application/json", body, sent, head, keep, http10, NULL);
        break;
    }
    default: {
        static const char body[] = "404 Not Found: try / or /json\n";
        status = 404;
        sent = sizeof(body) - 1;
        respond(c, status, "text/plain; charset=utf-8", body, sent, head, keep, http10, NULL);
        break;
    }
    }
    srv_conn_access(c, a->method.p, a->method.len, a->target.p, a->target.len, status,
                    head ? 0 : sent);
}

static void body_end(struct srv_conn *c, struct body *b)
{
    srv_conn_set_state(c, NULL);
    srv_conn_in_message(c, 0);
    free(b);
}

/* Takes body bytes from buf; answers the request once the body has all come. Returns the
 * bytes used: all of len unless the body ends inside buf (the rest is the next request). */
static size_t body_feed(struct srv_conn *c, struct body *b, const char *buf, size_t len)
{
    if (!b->chunked) {
        size_t take = b->left < len ? (size_t)b->left : len;
        b->left -= take;
        if (b->left == 0) {
            struct answer a = b->a;
            answer(c, &a);
            body_end(c, b);
        }
        return take;
    }
    static char sink[4096]; /* decoded bytes go nowhere */
    size_t off = 0;
    int r = 0;
    while (off < len) {
        size_t used = 0, made = 0;
        r = http_chunked_decode(&b->ch, buf + off, len - off, sink, sizeof(sink), &used, &made);
        off += used;
        if (b->ch.total > MAX_BODY) {
            body_end(c, b);
            respond_error(c, 413, "the request body is over 1 MiB");
            return len;
        }
        if (r != 0 || (used == 0 && made == 0)) {
            break;
        }
    }
    if (r < 0) {
        const char *why = b->ch.error ? b->ch.error : http_strerror(r);
        body_end(c, b);
        respond_error(c, 400, why);
        return len;
    }
    if (r == HTTP_CHUNKED_DONE) {
        struct answer a = b->a;
        answer(c, &a);
        body_end(c, b);
    }
    return off;
}

static ssize_t on_data(struct srv_conn *c, const char *buf, size_t len)
{
    struct body *b = srv_conn_state(c);
    if (b) {
        return (ssize_t)body_feed(c, b, buf, len);
    }
    struct http_request req;
    int n = http_parse_request(buf, len, MAX_HEAD, &req);
    if (n == 0) {
        return 0;
    }
    if (n < 0) {
        respond_error(c, http_err_status(n), req.error ? req.error : http_strerror(n));
        return (ssize_t)len;
    }
    struct answer a = {
        .head = eq(req.method, "HEAD"),
        .keep = req.keep_alive && !srv_conn_draining(c),
        .http10 = req.minor_version == 0,
        .method = req.method,
        .target = req.target,
    };
    struct http_slice path = target_path(req.target);
    if (!a.head && !eq(req.method, "GET")) {
        a.route = R_METHOD;
    } else if (eq(path, "/")) {
        a.route = R_ROOT;
    } else if (eq(path, "/json")) {
        a.route = R_JSON;
    } else {
        a.route = R_NOT_FOUND;
    }
    enum http_body kind = http_request_body(&req);
    if (kind == HTTP_BODY_NONE) {
        answer(c, &a);
        return n;
    }
    /* A body: read it (and drop it) so the connection can carry the next request; answer
     * once it has all come, within the header timeout like the head. */
    if (kind == HTTP_BODY_LENGTH && req.content_length > MAX_BODY) {
        respond_error(c, 413, "the request body is over 1 MiB");
        return (ssize_t)len;
    }
    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return -1;
    }
    b->chunked = kind == HTTP_BODY_CHUNKED;
    b->left = b->chunked ? 0 : (uint64_t)req.content_length;
    http_chunked_init(&b->ch);
    b->a = a;
    size_t ml = a.method.len < sizeof(b->method) ? a.method.len : sizeof(b->method);
    size_t tl = a.target.len < sizeof(b->target) ? a.target.len : sizeof(b->target);
    memcpy(b->method, a.method.p, ml);
    memcpy(b->target, a.target.p, tl);
    b->a.method = (struct http_slice){b->method, ml};
    b->a.target = (struct http_slice){b->target, tl};
    srv_conn_set_state(c, b);
    srv_conn_in_message(c, 1);
    if (req.expect_continue && !a.http10) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (srv_conn_send(c, cont, sizeof(cont) - 1) != 0) {
            return -1;
        }
    }
    return (ssize_t)((size_t)n + body_feed(c, b, buf + n, len - (size_t)n));
}

static void on_timeout(struct srv_conn *c)
{
    struct body *b = srv_conn_state(c);
    if (b) {
        body_end(c, b);
        respond_error(c, 408, "the request body was not complete within the header timeout");
        return;
    }
    respond_error(c, 408, "the request was not complete within the header timeout");
}

static void on_closed(struct srv_conn *c)
{
    struct body *b = srv_conn_state(c);
    srv_conn_set_state(c, NULL);
    free(b);
}

static size_t on_plaintext(char *buf, size_t cap)
{
    static const char body[] = "400 Bad Request: this port speaks HTTPS (TLS); use https:// "
                               "instead of http://\n";
    int n = snprintf(buf, cap,
                     "HTTP/1.1 400 Bad Request\r\nServer: tlskit\r\nDate: %s\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n%s",
                     date_now(), sizeof(body) - 1, body);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

const struct srv_handler srv_responder = {
    .name = "responder",
    .data = on_data,
    .timeout = on_timeout,
    .plaintext = on_plaintext,
    .closed = on_closed,
    .arg = NULL,
};
