/* log.c: the server's log lines (text or JSON, on stderr) and its access log. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"

static int log_json;
static int access_fd = -1;

/* Access-log lines are batched: one write() per 4 KiB of lines, or per second (the worker's
 * timer), instead of one per request. 4 KiB is PIPE_BUF, so a batch written to a pipe (-)
 * never interleaves with another worker's; a file is opened O_APPEND. */
static char abuf[4096];
static size_t alen;

void srv_log_access_flush(void)
{
    static int failing; /* said once per run of failures, not once per batch */
    size_t off = 0;
    while (off < alen) {
        ssize_t w = write(access_fd, abuf + off, alen - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            /* A full disk or a closed pipe: the lines are lost, the server goes on. */
            if (!failing) {
                srv_log(SRV_WARN,
                        "cannot write the access log: its lines are lost until it works "
                        "again; check the disk or the reader of the pipe",
                        "error", w < 0 ? strerror(errno) : "nothing written", NULL);
            }
            failing = 1;
            alen = 0;
            return;
        }
        off += (size_t)w;
    }
    failing = 0;
    alen = 0;
}

void srv_log_init(int json, const char *access_log, char *err, size_t errlen)
{
    (void)access_log;
    (void)err;
    (void)errlen;
    log_json = json;
}

int srv_log_access_open(const char *path, char *err, size_t errlen)
{
    if (path == NULL) {
        return 0;
    }
    if (strcmp(path, "-") == 0) {
        access_fd = STDOUT_FILENO;
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen,
                 "--access-log %s: cannot open it for appending: %s; give a writable file or '-'",
                 path, strerror(errno));
        return -1;
    }
    access_fd = fd;
    return 0;
}

int srv_log_access_enabled(void)
{
    return access_fd >= 0;
}

/* Appends s to b as a JSON string body (no quotes), escaping what JSON requires. */
static void json_esc(char *b, size_t cap, size_t *len, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *len + 8 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            b[(*len)++] = '\\';
            b[(*len)++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            *len += (size_t)snprintf(b + *len, cap - *len, "\\u%04x", ch);
        } else {
            b[(*len)++] = (char)ch;
        }
    }
}

/* Appends s for a text line: quoted when it holds spaces or quotes, control bytes as \xNN. */
static void text_val(char *b, size_t cap, size_t *len, const char *s, size_t n)
{
    int quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++) {
        quote = s[i] == ' ' || s[i] == '"' || s[i] == '=';
    }
    if (quote && *len + 1 < cap) {
        b[(*len)++] = '"';
    }
    for (size_t i = 0; i < n && *len + 8 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            *len += (size_t)snprintf(b + *len, cap - *len, "\\x%02x", ch);
        } else {
            b[(*len)++] = (char)ch;
        }
    }
    if (quote && *len + 1 < cap) {
        b[(*len)++] = '"';
    }
}

static void stamp(char *buf, size_t len)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", (long)tv.tv_usec / 1000);
}

static const char *level_name(enum srv_level l)
{
    return l == SRV_ERROR ? "error" : l == SRV_WARN ? "warn" : "info";
}

void srv_log(enum srv_level level, const char *msg, ...)
{
    char b[2048], ts[40];
    size_t len = 0;
    va_list ap;
    stamp(ts, sizeof(ts));
    if (log_json) {
        len += (size_t)snprintf(b, sizeof(b),
                                "{\"time\":\"%s\",\"level\":\"%s\",\"pid\":%ld,\"msg\":\"", ts,
                                level_name(level), (long)getpid());
        json_esc(b, sizeof(b), &len, msg, strlen(msg));
        len += (size_t)snprintf(b + len, sizeof(b) - len, "\"");
    } else {
        len += (size_t)snprintf(b, sizeof(b), "%s tlskit[%ld] %s: %s", ts, (long)getpid(),
                                level_name(level), msg);
    }
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (k == NULL) {
            break;
        }
        const char *v = va_arg(ap, const char *);
        if (v == NULL) {
            v = "";
        }
        if (len + 16 >= sizeof(b)) {
            continue;
        }
        if (log_json) {
            len += (size_t)snprintf(b + len, sizeof(b) - len, ",\"%s\":\"", k);
            json_esc(b, sizeof(b), &len, v, strlen(v));
            if (len + 1 < sizeof(b)) {
                b[len++] = '"';
            }
        } else {
            len += (size_t)snprintf(b + len, sizeof(b) - len, " %s=", k);
            text_val(b, sizeof(b), &len, v, strlen(v));
        }
    }
    va_end(ap);
    if (len > sizeof(b) - 3) {
        len = sizeof(b) - 3;
    }
    if (log_json) {
        b[len++] = '}';
    }
    b[len++] = '\n';
    /* One write per line: workers share stderr, and lines must not interleave. */
    ssize_t w = write(STDERR_FILENO, b, len);
    (void)w;
}

void srv_log_access_line(const char *ip, unsigned port, const char *method, size_t mlen,
                         const char *target, size_t tlen, int status, size_t bytes,
                         const char *version)
{
    char b[4096], ts[40];
    size_t len = 0;
    if (access_fd < 0) {
        return;
    }
    if (mlen > 32) {
        mlen = 32;
    }
    if (tlen > 1024) {
        tlen = 1024;
    }
    stamp(ts, sizeof(ts));
    if (log_json) {
        len += (size_t)snprintf(
            b, sizeof(b), "{\"time\":\"%s\",\"ip\":\"%s\",\"port\":%u,\"method\":\"", ts, ip, port);
        json_esc(b, sizeof(b), &len, method, mlen);
        len += (size_t)snprintf(b + len, sizeof(b) - len, "\",\"target\":\"");
        json_esc(b, sizeof(b), &len, target, tlen);
        len += (size_t)snprintf(b + len, sizeof(b) - len,
                                "\",\"status\":%d,\"bytes\":%zu,\"tls\":\"%s\"}\n", status, bytes,
                                version);
    } else {
        len += (size_t)snprintf(b, sizeof(b), "%s %s:%u ", ts, ip, port);
        text_val(b, sizeof(b), &len, method, mlen);
        b[len++] = ' ';
        text_val(b, sizeof(b), &len, target, tlen);
        len += (size_t)snprintf(b + len, sizeof(b) - len, " %d %zu %s\n", status, bytes,
                                version[0] ? version : "-");
    }
    if (len > sizeof(b)) {
        len = sizeof(b);
    }
    if (alen + len > sizeof(abuf)) {
        srv_log_access_flush();
    }
    memcpy(abuf + alen, b, len);
    alen += len;
}
