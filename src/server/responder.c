/* responder.c: the seed's handler, done right: answers GET / with the client's address and
 * GET /json with the facts of its TLS connection, over HTTP/1.1 with keep-alive. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/http.h"
#include "server/server.h"

#define MAX_HEAD 8192

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
        json_str(&w, info.subject);
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
        http_writer_header_u64(&w, "Content-Length", blen);
    } else {
        http_writer_status_line(&w, status);
        http_writer_header(&w, "Date", date_now());
        http_writer_header(&w, "Server", "tlskit");
        http_writer_header(&w, "Content-Type", ctype);
        http_writer_header_u64(&w, "Content-Length", blen);
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

static ssize_t on_data(struct srv_conn *c, const char *buf, size_t len)
{
    struct http_request req;
    int n = http_parse_request(buf, len, MAX_HEAD, &req);
    if (n == 0) {
        return 0;
    }
    if (n < 0) {
        respond_error(c, http_err_status(n), req.error ? req.error : http_strerror(n));
        return (ssize_t)len;
    }
    int get = eq(req.method, "GET"), head = eq(req.method, "HEAD");
    /* A body is not read: answer, then close rather than parse it as the next request. */
    int has_body = req.chunked || req.content_length > 0;
    int keep = req.keep_alive && !has_body && !srv_conn_draining(c);
    int http10 = req.minor_version == 0;
    struct http_slice path = target_path(req.target);
    int status;
    size_t sent;
    if (!get && !head) {
        static const char body[] = "405 Method Not Allowed: use GET or HEAD\n";
        status = 405;
        sent = sizeof(body) - 1;
        respond(c, status, "text/plain; charset=utf-8", body, sent, 0, keep, http10, "GET, HEAD");
    } else if (eq(path, "/")) {
        char body[64];
        const char *ip = srv_conn_peer_ip(c);
        size_t il = strlen(ip); /* at most INET6_ADDRSTRLEN - 1 */
        memcpy(body, ip, il);
        body[il] = '\n';
        status = 200;
        sent = il + 1;
        respond(c, status, "text/plain; charset=utf-8", body, sent, head, keep, http10, NULL);
    } else if (eq(path, "/json")) {
        char body[2048];
        status = 200;
        sent = json_body(c, body, sizeof(body));
        respond(c, status, "application/json", body, sent, head, keep, http10, NULL);
    } else {
        static const char body[] = "404 Not Found: try / or /json\n";
        status = 404;
        sent = sizeof(body) - 1;
        respond(c, status, "text/plain; charset=utf-8", body, sent, head, keep, http10, NULL);
    }
    srv_conn_access(c, req.method.p, req.method.len, req.target.p, req.target.len, status,
                    head ? 0 : sent);
    return has_body ? (ssize_t)len : n;
}

static void on_timeout(struct srv_conn *c)
{
    respond_error(c, 408, "the request was not complete within the header timeout");
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
    .arg = NULL,
};
