/* mempipe.h: two in-memory byte pipes joining a client and a server tlskit_conn through
 * tlskit_conn_set_cbs, and a loop that drives both non-blocking state machines in turn. */
#ifndef TLSKIT_MEMPIPE_H
#define TLSKIT_MEMPIPE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlskit.h>

#define MP_CAP (1024 * 1024)

struct mp_pipe {
    unsigned char *buf;
    size_t len;
    size_t cap;           /* bytes it holds at most; a full pipe asks the writer to wait */
    int closed;           /* the writer has gone: the reader sees end of stream when it is empty */
    int broken;           /* reads fail (-1), as on a reset connection */
    size_t writes, reads; /* calls that moved bytes */
};

/* One side's view: it reads IN and writes OUT, CHUNK bytes per call at most (0: any). */
struct mp_end {
    struct mp_pipe *in, *out;
    size_t chunk;
    size_t want_writes; /* how often the write callback asked to wait */
};

static inline ssize_t mp_read(void *arg, void *buf, size_t len)
{
    struct mp_end *e = arg;
    struct mp_pipe *p = e->in;
    if (p->broken) {
        return -1;
    }
    if (p->len == 0) {
        return p->closed ? 0 : TLSKIT_WANT_READ;
    }
    size_t n = len < p->len ? len : p->len;
    memcpy(buf, p->buf, n);
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
    p->reads++;
    return (ssize_t)n;
}

static inline ssize_t mp_write(void *arg, const void *buf, size_t len)
{
    struct mp_end *e = arg;
    struct mp_pipe *p = e->out;
    if (p->closed) {
        return -1;
    }
    size_t room = p->cap - p->len;
    if (room == 0) {
        e->want_writes++;
        return TLSKIT_WANT_WRITE;
    }
    size_t n = len < room ? len : room;
    if (e->chunk && n > e->chunk) {
        n = e->chunk;
    }
    memcpy(p->buf + p->len, buf, n);
    p->len += n;
    p->writes++;
    return (ssize_t)n;
}

/* A client and a server joined by two pipes. */
struct mp_link {
    struct mp_pipe c2s, s2c;
    struct mp_end cend, send;
};

static inline void mp_link_init(struct mp_link *l)
{
    memset(l, 0, sizeof(*l));
    l->c2s.buf = malloc(MP_CAP);
    l->s2c.buf = malloc(MP_CAP);
    l->c2s.cap = l->s2c.cap = MP_CAP;
    l->cend.in = &l->s2c;
    l->cend.out = &l->c2s;
    l->send.in = &l->c2s;
    l->send.out = &l->s2c;
}

static inline void mp_link_free(struct mp_link *l)
{
    free(l->c2s.buf);
    free(l->s2c.buf);
    l->c2s.buf = l->s2c.buf = NULL;
}

static inline int mp_attach(struct mp_link *l, struct tlskit_conn *client,
                            struct tlskit_conn *server)
{
    return tlskit_conn_set_cbs(client, mp_read, mp_write, &l->cend) == 0 &&
                   tlskit_conn_set_cbs(server, mp_read, mp_write, &l->send) == 0
               ? 0
               : -1;
}

static inline int mp_is_want(int r)
{
    return r == TLSKIT_WANT_READ || r == TLSKIT_WANT_WRITE;
}

/* Runs both handshakes, one step each in turn, until neither wants to wait (or 200 rounds);
 * their results go to *RC and *RS (0, -1, or a TLSKIT_WANT_* if it never finished). */
static inline void mp_handshake(struct tlskit_conn *client, struct tlskit_conn *server, int *rc,
                                int *rs)
{
    *rc = *rs = TLSKIT_WANT_READ;
    for (int i = 0; i < 200 && (mp_is_want(*rc) || mp_is_want(*rs)); i++) {
        if (mp_is_want(*rc)) {
            *rc = tlskit_conn_handshake(client);
        }
        if (mp_is_want(*rs)) {
            *rs = tlskit_conn_handshake(server);
        }
        /* One side failed: give the other a few rounds to read the alert, then stop. */
        if ((*rc == -1 || *rs == -1) && i > 0 && (mp_is_want(*rc) || mp_is_want(*rs))) {
            for (int j = 0; j < 4; j++) {
                if (mp_is_want(*rc)) {
                    *rc = tlskit_conn_handshake(client);
                }
                if (mp_is_want(*rs)) {
                    *rs = tlskit_conn_handshake(server);
                }
            }
            break;
        }
    }
}

/* The directory of tests/certs/mkcerts.sh's files. */
static inline const char *mp_certs(void)
{
    const char *d = getenv("TLSKIT_CERTS");
    return d && d[0] ? d : "build/test-certs";
}

static inline const char *mp_cert_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", mp_certs(), name);
    return buf;
}

#endif
