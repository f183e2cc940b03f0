/* write.c: the HTTP/1.1 head writer, the status reason table and the IMF-fixdate formatter. */
#include "http/http.h"

#include <string.h>

void http_writer_init(struct http_writer *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf != NULL ? cap : 0;
    w->len = 0;
    w->failed = 0;
    if (w->cap > 0) {
        w->buf[0] = '\0';
    }
}

static int writer_fail(struct http_writer *w)
{
    w->failed = 1;
    return -1;
}

int http_writer_append(struct http_writer *w, const char *s, size_t n)
{
    if (w->failed) {
        return -1;
    }
    if (n > w->cap - w->len) {
        return writer_fail(w);
    }
    if (n > 0) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
    if (w->len < w->cap) {
        w->buf[w->len] = '\0';
    }
    return 0;
}

static int append_str(struct http_writer *w, const char *s)
{
    return http_writer_append(w, s, strlen(s));
}

/* Appends several strings as one unit: all of them or, on overflow, none. */
static int append_all(struct http_writer *w, const char *const *parts, size_t n)
{
    size_t start = w->len;
    size_t i;

    for (i = 0; i < n; i++) {
        if (append_str(w, parts[i]) < 0) {
            w->len = start;
            if (w->len < w->cap) {
                w->buf[w->len] = '\0';
            }
            return -1;
        }
    }
    return 0;
}

/* Decimal digits of v, written backwards from end; returns where they start. Every response
 * carries a length, and snprintf costs more than the rest of its head. */
static char *u64_digits(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

static int is_token(const char *s)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        int ch = (unsigned char)*s;

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr("!#$%&'*+-.^_`|~", ch) != NULL)) {
            return 0;
        }
    }
    return 1;
}

int http_writer_status_line(struct http_writer *w, int status)
{
    char code[4];
    const char *parts[5];

    if (status < 100 || status > 999) {
        return writer_fail(w);
    }
    code[3] = '\0';
    u64_digits((uint64_t)status, code + 3);
    parts[0] = "HTTP/1.1 ";
    parts[1] = code;
    parts[2] = " ";
    parts[3] = http_status_reason(status);
    parts[4] = "\r\n";
    return append_all(w, parts, 5);
}

int http_writer_request_line(struct http_writer *w, const char *method, const char *target)
{
    const char *parts[5];
    const char *p;

    if (!is_token(method) || *target == '\0') {
        return writer_fail(w);
    }
    for (p = target; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            return writer_fail(w);
        }
    }
    parts[0] = method;
    parts[1] = " ";
    parts[2] = target;
    parts[3] = " HTTP/1.1\r\n";
    return append_all(w, parts, 4);
}

int http_writer_header_n(struct http_writer *w, const char *name, const char *value, size_t len)
{
    size_t start = w->len;
    size_t i;

    if (w->failed) {
        return -1;
    }
    if (!is_token(name)) {
        return writer_fail(w);
    }
    for (i = 0; i < len; i++) {
        int ch = (unsigned char)value[i];

        /* CR and LF here would end the line early: the header injection of CWE-113. */
        if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
            return writer_fail(w);
        }
    }
    if (append_str(w, name) < 0 || http_writer_append(w, ": ", 2) < 0 ||
        http_writer_append(w, value, len) < 0 || http_writer_append(w, "\r\n", 2) < 0) {
        w->len = start;
        if (w->len < w->cap) {
            w->buf[w->len] = '\0';
        }
        return -1;
    }
    return 0;
}

int http_writer_header(struct http_writer *w, const char *name, const char *value)
{
    return http_writer_header_n(w, name, value, strlen(value));
}

int http_writer_content_length(struct http_writer *w, uint64_t v)
{
    char line[48] = "Content-Length: ";
    char num[24];
    char *end = num + sizeof(num);
    char *d = u64_digits(v, end);
    size_t n = (size_t)(end - d);

    memcpy(line + 16, d, n);
    memcpy(line + 16 + n, "\r\n", 2);
    return http_writer_append(w, line, 18 + n);
}

int http_writer_end(struct http_writer *w)
{
    return http_writer_append(w, "\r\n", 2);
}

const char *http_status_reason(int status)
{
    /* RFC 9110 15, with its current names (413 Content Too Large, 422 Unprocessable Content). */
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 203:
        return "Non-Authoritative Information";
    case 204:
        return "No Content";
    case 205:
        return "Reset Content";
    case 206:
        return "Partial Content";
    case 300:
        return "Multiple Choices";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 305:
        return "Use Proxy";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 407:
        return "Proxy Authentication Required";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "";
    }
}

/* Writes v as exactly n decimal digits, zero-padded. */
static void put_digits(char *p, int v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

int http_date(time_t t, char out[HTTP_DATE_LEN])
{
    /* Own tables, not strftime: %a and %b follow the locale, and HTTP dates must not. */
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    int rv = 0;

    if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        time_t epoch = 0;

        rv = -1;
        gmtime_r(&epoch, &tm);
    }
    /* Filled by hand: every field has a fixed width, so the length is always 29. */
    memcpy(out, days[tm.tm_wday % 7], 3);
    memcpy(out + 3, ", ", 2);
    put_digits(out + 5, tm.tm_mday, 2);
    out[7] = ' ';
    memcpy(out + 8, months[tm.tm_mon % 12], 3);
    out[11] = ' ';
    put_digits(out + 12, tm.tm_year + 1900, 4);
    out[16] = ' ';
    put_digits(out + 17, tm.tm_hour, 2);
    out[19] = ':';
    put_digits(out + 20, tm.tm_min, 2);
    out[22] = ':';
    put_digits(out + 23, tm.tm_sec, 2);
    memcpy(out + 25, " GMT", 5);
    return rv;
}
