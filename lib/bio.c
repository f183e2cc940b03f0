/* bio.c: the one BIO under every connection, over a socket (send with MSG_NOSIGNAL, so a
 * peer that goes away never kills the process) or over the caller's callbacks. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static BIO_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static void note_first(struct tlskit_conn *c, const char *buf, int n)
{
    /* Keep the peer's first bytes: if the handshake fails they tell plain HTTP from TLS. */
    if (!c->saw_any_byte && n > 0) {
        memcpy(c->first, buf, n < 5 ? (size_t)n : 5);
        c->saw_any_byte = 1;
    }
}

/* A blocking handshake on our own socket must end within the timeout as a whole, not just
 * get a byte per timeout: a peer trickling bytes would otherwise hold it for hours. Each wait
 * gets only the time left. 0, or -1 when none is left (the caller reports a timeout). */
static int arm_deadline(struct tlskit_conn *c)
{
    if (c->deadline_ms == 0) {
        return 0;
    }
    int64_t left = c->deadline_ms - tk_now_ms();
    if (left <= 0) {
        return -1;
    }
    tk_sock_timeouts(c->fd, left);
    return 0;
}

static int bio_read(BIO *b, char *buf, int len)
{
    struct tlskit_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (c->rd) {
        ssize_t n = c->rd(c->cb_arg, buf, (size_t)len);
        if (n == TLSKIT_WANT_READ || n == TLSKIT_WANT_WRITE) {
            BIO_set_retry_read(b);
            return -1;
        }
        if (n > 0) {
            note_first(c, buf, (int)n);
        }
        if (n < 0) {
            c->last_errno = EIO; /* the callback failed: an error, not an end of stream */
        }
        return n < 0 ? -1 : (int)n;
    }
    if (arm_deadline(c) != 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    for (;;) {
        ssize_t n = recv(c->fd, buf, (size_t)len, 0);
        if (n >= 0) {
            note_first(c, buf, (int)n);
            return (int)n;
        }
        if (errno == EINTR) {
            continue;
        }
        c->last_errno = errno;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            BIO_set_retry_read(b);
        }
        return -1;
    }
}

static int bio_write(BIO *b, const char *buf, int len)
{
    struct tlskit_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (c->wr) {
        ssize_t n = c->wr(c->cb_arg, buf, (size_t)len);
        if (n == TLSKIT_WANT_READ || n == TLSKIT_WANT_WRITE) {
            BIO_set_retry_write(b);
            return -1;
        }
        if (n < 0) {
            c->last_errno = EIO;
        }
        return n < 0 ? -1 : (int)n;
    }
    if (arm_deadline(c) != 0) {
        BIO_set_retry_write(b);
        return -1;
    }
    for (;;) {
        ssize_t n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL);
        if (n >= 0) {
            return (int)n;
        }
        if (errno == EINTR) {
            continue;
        }
        c->last_errno = errno;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            BIO_set_retry_write(b);
        }
        return -1;
    }
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b, (void)num, (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void make_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlskit");
    if (m && BIO_meth_set_read(m, bio_read) == 1 && BIO_meth_set_write(m, bio_write) == 1 &&
        BIO_meth_set_ctrl(m, bio_ctrl) == 1 && BIO_meth_set_create(m, bio_create) == 1) {
        method = m;
    } else {
        BIO_meth_free(m);
    }
}

BIO *tk_bio_new(struct tlskit_conn *conn)
{
    if (pthread_once(&method_once, make_method) != 0 || method == NULL) {
        return NULL;
    }
    BIO *b = BIO_new(method);
    if (b) {
        BIO_set_data(b, conn);
    }
    return b;
}
