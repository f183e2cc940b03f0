/* error.c: errors as a kind and a sentence, and small string helpers for building them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/crypto.h>

#include "internal.h"

static const char *const kind_names[] = {
    [TLSKIT_ERR_NONE] = "none",       [TLSKIT_ERR_USAGE] = "usage",
    [TLSKIT_ERR_CONFIG] = "config",   [TLSKIT_ERR_RESOLVE] = "resolve",
    [TLSKIT_ERR_CONNECT] = "connect", [TLSKIT_ERR_HANDSHAKE] = "handshake",
    [TLSKIT_ERR_VERIFY] = "verify",   [TLSKIT_ERR_TIMEOUT] = "timeout",
    [TLSKIT_ERR_IO] = "io",
};

const char *tlskit_error_kind_name(enum tlskit_error_kind kind)
{
    if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0])) {
        return "unknown";
    }
    return kind_names[kind];
}

static char version[128];
static pthread_once_t version_once = PTHREAD_ONCE_INIT;

static void make_version(void)
{
    snprintf(version, sizeof(version), "tlskit 0.1.0 (%s)", OpenSSL_version(OPENSSL_VERSION));
}

const char *tlskit_version(void)
{
    /* Once, so that threads calling it together do not race on the buffer. */
    (void)pthread_once(&version_once, make_version);
    return version;
}

void tk_err_vset(struct tk_err *e, enum tlskit_error_kind kind, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    free(e->msg);
    e->msg = msg; /* NULL when out of memory: tk_err_msg says so */
    e->kind = kind;
}

void tk_err_set(struct tk_err *e, enum tlskit_error_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tk_err_vset(e, kind, fmt, ap);
    va_end(ap);
}

void tk_err_clear(struct tk_err *e)
{
    free(e->msg);
    e->msg = NULL;
    e->kind = TLSKIT_ERR_NONE;
}

const char *tk_err_msg(const struct tk_err *e)
{
    if (e->kind == TLSKIT_ERR_NONE) {
        return "";
    }
    return e->msg ? e->msg : "out of memory while describing an error";
}

const char *tk_ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(buf, len, "%s", r ? r : "unknown error");
    ERR_clear_error();
    return buf;
}

void tk_str_add(struct tk_str *s, const char *fmt, ...)
{
    va_list ap;
    if (s->oom) {
        return;
    }
    for (;;) {
        size_t room = s->cap - s->len;
        va_start(ap, fmt);
        int n = vsnprintf(s->p ? s->p + s->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            s->oom = 1;
            return;
        }
        if ((size_t)n < room) {
            s->len += (size_t)n;
            return;
        }
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap - s->len <= (size_t)n) {
            cap *= 2;
        }
        char *p = realloc(s->p, cap);
        if (p == NULL) {
            s->oom = 1;
            return;
        }
        s->p = p;
        s->cap = cap;
    }
}

void tk_str_free(struct tk_str *s)
{
    free(s->p);
    memset(s, 0, sizeof(*s));
}
