/* conn.c: one server connection as an explicit state machine: peek (TLS or plain text?),
 * handshake, requests and responses through the handler, close_notify, lingering close. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/core.h"

/* How long a closing connection may take to drain what the peer still sends. */
#define LINGER_SECONDS 2.0
#define LINGER_MAX_BYTES (256 * 1024)

static void io_cb(struct ev_loop *loop, ev_io *io, int revents);
static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents);
static int do_io(struct srv_conn *c);

static int fd_of(const struct srv_conn *c)
{
    return c->io.fd;
}

/* The timer fires at c->deadline. Moving the deadline later costs a store: the timer fires at
 * the old time and re-arms itself (libev's lazy timer idiom), so a busy keep-alive connection
 * does not touch the timer heap on every request. */
static void arm(struct srv_conn *c, double secs)
{
    struct ev_loop *loop = c->w->loop;
    ev_tstamp now = ev_now(loop);
    c->deadline = now + secs;
    if (ev_is_active(&c->timer)) {
        if (ev_timer_remaining(loop, &c->timer) <= secs + 0.001) {
            return;
        }
        ev_timer_stop(loop, &c->timer);
    }
    ev_timer_set(&c->timer, secs, 0.);
    ev_timer_start(loop, &c->timer);
}

static const char *peer_str(const struct srv_conn *c, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (c->peer.sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &c->peer.v6.sin6_addr, ip, sizeof(ip));
        snprintf(buf, len, "[%s]:%u", ip, ntohs(c->peer.v6.sin6_port));
    } else {
        inet_ntop(AF_INET, &c->peer.v4.sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, ntohs(c->peer.v4.sin_port));
    }
    return buf;
}

/* Buffers. A connection releases its TLS buffers and its output buffer whenever they run
 * empty, so an idle one costs little memory (tlskit_conn_keep_buffers). One that reads twice
 * within a sweep period is busy: it keeps them, saving an allocation and a free per record
 * and per answer, until a sweep finds that it read nothing for a whole period. */
static void note_read(struct srv_conn *c)
{
    if (c->active && !c->bufs_kept) {
        struct srv_worker *w = c->w;
        tlskit_conn_keep_buffers(c->tls, 1);
        c->bufs_kept = 1;
        if (w->nkept++ == 0) {
            ev_timer_again(w->loop, &w->sweep);
        }
    }
    c->active = 1;
}

static void release_buffers(struct srv_conn *c)
{
    if (!c->bufs_kept) {
        return;
    }
    c->bufs_kept = 0;
    c->w->nkept--;
    if (c->tls) {
        tlskit_conn_keep_buffers(c->tls, 0); /* buffers holding data go when they empty */
    }
    if (c->out && c->out_off == c->out_len) {
        free(c->out);
        c->out = NULL;
        c->out_len = c->out_off = c->out_cap = 0;
    }
}

void srv_conn_sweep_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct srv_worker *w = t->data;
    for (struct srv_conn *c = w->conns; c; c = c->next) {
        if (c->bufs_kept && !c->active) {
            release_buffers(c);
        }
        c->active = 0;
    }
    if (w->nkept == 0) {
        ev_timer_stop(loop, t);
    }
}

/* Frees everything; c is gone afterwards. */
static void kill_conn(struct srv_conn *c)
{
    struct srv_worker *w = c->w;
    if (c->bufs_kept) {
        w->nkept--;
    }
    if (c->hstate && w->handler->closed) {
        w->handler->closed(c);
    }
    ev_io_stop(w->loop, &c->io);
    ev_timer_stop(w->loop, &c->timer);
    tlskit_conn_free(c->tls);
    close(fd_of(c));
    free(c->in);
    free(c->out);
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        w->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    free(c);
    w->nconns--;
    srv_worker_conn_freed(w);
}

void srv_conn_close_now(struct srv_conn *c)
{
    kill_conn(c);
}

static void update_events(struct srv_conn *c)
{
    int ev = EV_READ;
    int out_pending = c->out_len > c->out_off;
    switch (c->state) {
    case C_HANDSHAKE:
        ev = c->rd_want;
        break;
    case C_OPEN:
        ev = out_pending ? c->wr_want : 0;
        if (!c->finish && !srv_conn_out_full(c)) {
            ev |= c->rd_want;
        }
        if (ev == 0) {
            ev = EV_READ;
        }
        break;
    case C_CLOSING:
        ev = c->wr_want;
        break;
    default:
        break;
    }
    if ((c->io.events & (EV_READ | EV_WRITE)) != ev) {
        ev_io_stop(c->w->loop, &c->io);
        ev_io_set(&c->io, fd_of(c), ev);
        ev_io_start(c->w->loop, &c->io);
    }
}

void srv_conn_accepted(struct srv_worker *w, int fd, const struct sockaddr *sa, socklen_t salen)
{
    struct srv_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        return;
    }
    if (salen > sizeof(c->peer)) {
        salen = sizeof(c->peer);
    }
    memcpy(&c->peer, sa, salen);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->w = w;
    c->state = C_PEEK;
    c->rd_want = EV_READ;
    c->wr_want = EV_WRITE;
    ev_io_init(&c->io, io_cb, fd, EV_READ);
    c->io.data = c;
    ev_init(&c->timer, timer_cb);
    c->timer.data = c;
    c->next = w->conns;
    if (w->conns) {
        w->conns->prev = c;
    }
    w->conns = c;
    w->nconns++;
    ev_io_start(w->loop, &c->io);
    arm(c, w->opts->handshake_timeout);
}

/* Our side is done: stop sending, and read (and drop) what the peer still sends until it
 * closes, so the kernel does not answer its bytes with a reset that destroys our answer. */
static int start_linger(struct srv_conn *c)
{
    release_buffers(c);
    tlskit_conn_free(c->tls);
    c->tls = NULL;
    free(c->in);
    c->in = NULL;
    c->in_len = 0;
    shutdown(fd_of(c), SHUT_WR);
    c->state = C_LINGER;
    c->in_len = 0;
    arm(c, LINGER_SECONDS);
    return 0;
}

static int do_linger(struct srv_conn *c)
{
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(fd_of(c), c->w->scratch, sizeof(c->w->scratch), 0);
        if (n > 0) {
            c->out_off += (uint32_t)n; /* counts drained bytes; out is unused here */
            if (c->out_off > LINGER_MAX_BYTES) {
                kill_conn(c);
                return -1;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return 0;
        }
        kill_conn(c);
        return -1;
    }
    return 0;
}

/* Output flushed and a close asked for: close_notify, then close or linger. */
static int finish_close(struct srv_conn *c)
{
    int r = tlskit_conn_close(c->tls);
    if (r == TLSKIT_WANT_WRITE || r == TLSKIT_WANT_READ) {
        c->state = C_CLOSING;
        c->wr_want = r == TLSKIT_WANT_WRITE ? EV_WRITE : EV_READ;
        return 0;
    }
    if (c->linger_after || c->in_len > 0) {
        return start_linger(c);
    }
    kill_conn(c);
    return -1;
}

static int plaintext(struct srv_conn *c)
{
    struct srv_worker *w = c->w;
    char peer[64], answer[1024];
    /* Take what the client sent first, so that closing after our answer is not a reset. */
    ssize_t n = recv(fd_of(c), w->scratch, sizeof(w->scratch), 0);
    (void)n;
    w->st.plaintext++;
    srv_log(SRV_INFO, "plain text on the TLS port: answered 400, use https", "peer",
            peer_str(c, peer, sizeof(peer)), NULL);
    size_t len = w->handler->plaintext ? w->handler->plaintext(answer, sizeof(answer)) : 0;
    if (len > 0) {
        ssize_t s = send(fd_of(c), answer, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)s;
    }
    return start_linger(c);
}

static int do_handshake(struct srv_conn *c)
{
    struct srv_worker *w = c->w;
    int r = tlskit_conn_handshake(c->tls);
    if (r == TLSKIT_WANT_READ || r == TLSKIT_WANT_WRITE) {
        c->rd_want = r == TLSKIT_WANT_READ ? EV_READ : EV_WRITE;
        return 0;
    }
    if (r != 0) {
        char peer[64];
        w->st.handshake_failed++;
        srv_log(SRV_WARN, "handshake failed", "peer", peer_str(c, peer, sizeof(peer)), "reason",
                tlskit_conn_error(c->tls), "sni", tlskit_conn_servername(c->tls), "offered",
                tlskit_conn_offered_version(c->tls), NULL);
        kill_conn(c);
        return -1;
    }
    w->st.handshakes++;
    if (tlskit_conn_resumed(c->tls)) {
        w->st.resumed++;
    }
    c->state = C_OPEN;
    c->rd_want = EV_READ;
    c->wr_want = EV_WRITE;
    /* The first request must come within the header timeout; idle time counts after one. */
    c->deadline = 0;
    arm(c, w->opts->header_timeout);
    return do_io(c);
}

static int do_peek(struct srv_conn *c)
{
    unsigned char b[1];
    ssize_t n = recv(fd_of(c), b, sizeof(b), MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return 0;
    }
    if (n <= 0) {
        kill_conn(c); /* connected and closed (or reset) before saying anything */
        return -1;
    }
    /* A TLS record starts with its content type, 22 for a handshake; an HTTP request with an
     * upper-case method name. Anything else goes to TLS, which fails it with a reason. */
    if (b[0] >= 'A' && b[0] <= 'Z') {
        return plaintext(c);
    }
    c->tls = tlskit_conn_new(c->w->ctx);
    if (c->tls == NULL || tlskit_conn_set_fd(c->tls, fd_of(c)) != 0) {
        kill_conn(c);
        return -1;
    }
    c->state = C_HANDSHAKE;
    return do_handshake(c);
}

/* Hands buf[0..have) to the handler, message by message, and keeps what it did not consume. */
static int dispatch(struct srv_conn *c, char *buf, size_t have)
{
    struct srv_worker *w = c->w;
    size_t off = 0;
    while (off < have && !c->finish && !srv_conn_out_full(c)) {
        ssize_t k = w->handler->data(c, buf + off, have - off);
        if (k < 0 || (size_t)k > have - off) {
            kill_conn(c);
            return -1;
        }
        if (k == 0) {
            break;
        }
        off += (size_t)k;
        if (!c->in_msg) {
            c->header_timer = 0; /* a whole message: the next one has a deadline of its own */
        }
        c->served = 1;
    }
    size_t left = have - off;
    if (c->finish) {
        /* Bytes after the last answer will not be read: close with a linger. */
        c->linger_after |= left > 0;
        left = 0;
    }
    c->busy = left > 0 && srv_conn_out_full(c);
    if ((left > 0 || c->in_msg) && !c->finish && !c->header_timer && !c->busy) {
        /* A message has begun: it must be complete within the header timeout, however
         * slowly its bytes trickle in. */
        c->header_timer = 1;
        arm(c, w->opts->header_timeout);
    }
    if (left == 0) {
        free(c->in);
        c->in = NULL;
        c->in_len = 0;
        return 0;
    }
    if (c->in == NULL) {
        c->in = malloc(SRV_IN_CAP);
        if (c->in == NULL) {
            kill_conn(c);
            return -1;
        }
        memcpy(c->in, buf + off, left);
    } else if (off > 0) {
        memmove(c->in, c->in + off, left);
    }
    c->in_len = (uint32_t)left;
    return 0;
}

static int read_dispatch(struct srv_conn *c)
{
    struct srv_worker *w = c->w;
    for (;;) {
        if (c->finish || srv_conn_out_full(c)) {
            return 0;
        }
        if (c->busy) {
            /* Messages held back by back-pressure come before new bytes. */
            c->busy = 0;
            if (dispatch(c, c->in, c->in_len) < 0) {
                return -1;
            }
            continue;
        }
        char *buf = c->in ? c->in : w->scratch;
        size_t have = c->in_len;
        if (have >= SRV_IN_CAP) {
            kill_conn(c); /* the handler waits for more than any message may hold */
            return -1;
        }
        c->rd_want = EV_READ;
        ssize_t n = tlskit_conn_read(c->tls, buf + have, SRV_IN_CAP - have);
        if (n == TLSKIT_WANT_READ) {
            return 0;
        }
        if (n == TLSKIT_WANT_WRITE) {
            c->rd_want = EV_WRITE;
            return 0;
        }
        if (n <= 0) {
            kill_conn(c); /* the peer closed, or the connection broke */
            return -1;
        }
        note_read(c);
        if (dispatch(c, buf, have + (size_t)n) < 0) {
            return -1;
        }
        /* Level-triggered: bytes still in the socket wake us again; bytes already decrypted
         * inside TLS would not, so take them now. */
        if (tlskit_conn_pending(c->tls) == 0) {
            return 0;
        }
    }
}

static int flush(struct srv_conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = tlskit_conn_write(c->tls, c->out + c->out_off, c->out_len - c->out_off);
        if (n > 0) {
            c->out_off += (uint32_t)n;
            continue;
        }
        if (n == TLSKIT_WANT_WRITE || n == TLSKIT_WANT_READ) {
            c->wr_want = n == TLSKIT_WANT_WRITE ? EV_WRITE : EV_READ;
            return 0;
        }
        kill_conn(c);
        return -1;
    }
    if (c->bufs_kept) {
        c->out_len = c->out_off = 0;
        return 0;
    }
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = c->out_cap = 0;
    return 0;
}

static int do_io(struct srv_conn *c)
{
    struct srv_worker *w = c->w;
    if (c->state == C_CLOSING) {
        if (c->out_len > c->out_off && flush(c) < 0) {
            return -1;
        }
        return c->out_len > c->out_off ? 0 : finish_close(c);
    }
    int had_out = c->out_len > c->out_off;
    if (had_out && flush(c) < 0) {
        return -1;
    }
    for (;;) {
        if (read_dispatch(c) < 0) {
            return -1;
        }
        if (c->out_len > c->out_off && flush(c) < 0) {
            return -1;
        }
        /* All output left within this call, and input still waits (held back by
         * back-pressure, or read ahead inside TLS): no socket event would bring us back, so
         * go on now. Ends when the input is used up or the peer stops taking output. */
        if (c->finish || c->out_len > c->out_off ||
            (!c->busy && tlskit_conn_pending(c->tls) == 0)) {
            break;
        }
    }
    int out_pending = c->out_len > c->out_off;
    if (c->finish) {
        if (out_pending) {
            c->state = C_CLOSING;
            arm(c, w->opts->idle_timeout);
            return 0;
        }
        return finish_close(c);
    }
    if (w->draining && !out_pending && c->in_len == 0 && !c->in_msg) {
        return finish_close(c); /* shutting down: nothing in flight here */
    }
    if (c->header_timer) {
        return 0; /* the header deadline stands */
    }
    if (out_pending) {
        arm(c, w->opts->idle_timeout); /* the peer must keep taking our bytes */
    } else if (c->served) {
        arm(c, w->opts->idle_timeout);
    }
    return 0;
}

static void io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    struct srv_conn *c = io->data;
    int r = 0;
    switch (c->state) {
    case C_PEEK:
        r = do_peek(c);
        break;
    case C_HANDSHAKE: {
        /* The call that ends the handshake also writes the session ticket, and usually the
         * answer to a request that came with the client's Finished (and close_notify after
         * it): corked, they leave in one segment instead of three. Uncorked when the
         * callback ends, so nothing waits; a close sends what is queued anyway. */
        int fd = fd_of(c), on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
        r = do_handshake(c);
        if (r == 0) {
            on = 0;
            setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
        }
        break;
    }
    case C_OPEN:
    case C_CLOSING:
        r = do_io(c);
        break;
    case C_LINGER:
        r = do_linger(c);
        break;
    default:
        break;
    }
    if (r == 0) {
        update_events(c);
    }
}

static void expire(struct srv_conn *c)
{
    struct srv_worker *w = c->w;
    char peer[64];
    switch (c->state) {
    case C_PEEK:
    case C_HANDSHAKE:
        w->st.timeouts++;
        w->st.handshake_failed++;
        srv_log(SRV_INFO, "handshake timed out", "peer", peer_str(c, peer, sizeof(peer)), "state",
                c->state == C_PEEK ? "nothing received" : "handshake unfinished", NULL);
        kill_conn(c);
        return;
    case C_OPEN:
        if (c->header_timer && c->out_len == c->out_off) {
            w->st.timeouts++;
            if (w->handler->timeout) {
                w->handler->timeout(c);
            }
            c->finish = 1;
            c->linger_after = 1;
            c->header_timer = 0;
            if (do_io(c) == 0) {
                update_events(c);
            }
            return;
        }
        if (c->out_len == c->out_off && !c->header_timer) {
            /* Idle keep-alive: say goodbye politely. */
            c->finish = 1;
            if (finish_close(c) == 0) {
                update_events(c);
            }
            return;
        }
        kill_conn(c); /* the peer stopped taking our output */
        return;
    default:
        kill_conn(c);
        return;
    }
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct srv_conn *c = t->data;
    ev_tstamp now = ev_now(loop);
    if (c->deadline > now + 0.0005) {
        ev_timer_set(&c->timer, c->deadline - now, 0.);
        ev_timer_start(loop, &c->timer);
        return;
    }
    expire(c);
}

void srv_conn_drain(struct srv_conn *c)
{
    switch (c->state) {
    case C_PEEK:
        kill_conn(c);
        return;
    case C_OPEN:
        if (c->in_len == 0 && !c->in_msg && c->out_len == c->out_off && !c->finish) {
            c->finish = 1;
            if (finish_close(c) == 0) {
                update_events(c);
            }
        }
        return;
    default:
        return; /* handshakes, answers and closes in progress finish within the grace time */
    }
}

/* ---- what a handler may ask ---- */

int srv_conn_send(struct srv_conn *c, const void *buf, size_t len)
{
    size_t queued = c->out_len - c->out_off;
    if (len > SRV_OUT_MAX || queued + len > SRV_OUT_MAX) {
        return -1;
    }
    if (c->out_len + len > c->out_cap) {
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, queued);
            c->out_len = (uint32_t)queued;
            c->out_off = 0;
        }
        if (c->out_len + len > c->out_cap) {
            size_t cap = c->out_cap ? c->out_cap * 2 : 1024;
            while (cap < c->out_len + len) {
                cap *= 2;
            }
            char *p = realloc(c->out, cap);
            if (p == NULL) {
                return -1;
            }
            c->out = p;
            c->out_cap = (uint32_t)cap;
        }
    }
    memcpy(c->out + c->out_len, buf, len);
    c->out_len += (uint32_t)len;
    return 0;
}

void srv_conn_finish(struct srv_conn *c)
{
    c->finish = 1;
}

int srv_conn_out_full(const struct srv_conn *c)
{
    return c->out_len - c->out_off >= SRV_OUT_HIGH;
}

int srv_conn_draining(const struct srv_conn *c)
{
    return c->w->draining;
}

const struct tlskit_conn *srv_conn_tls(const struct srv_conn *c)
{
    return c->tls;
}

/* Dotted decimal without printf: this runs once per answer of the responder. */
static void fmt_ipv4(const unsigned char *a, char *out)
{
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100) {
            *out++ = (char)('0' + v / 100);
        }
        if (v >= 10) {
            *out++ = (char)('0' + v / 10 % 10);
        }
        *out++ = (char)('0' + v % 10);
        *out++ = i < 3 ? '.' : '\0';
    }
}

const char *srv_conn_peer_ip(const struct srv_conn *c)
{
    static char ip[INET6_ADDRSTRLEN];
    if (c->peer.sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &c->peer.v6.sin6_addr, ip, sizeof(ip));
    } else {
        fmt_ipv4((const unsigned char *)&c->peer.v4.sin_addr, ip);
    }
    return ip;
}

unsigned srv_conn_peer_port(const struct srv_conn *c)
{
    return ntohs(c->peer.sa.sa_family == AF_INET6 ? c->peer.v6.sin6_port : c->peer.v4.sin_port);
}

void *srv_conn_handler_arg(const struct srv_conn *c)
{
    return c->w->handler->arg;
}

void *srv_conn_state(const struct srv_conn *c)
{
    return c->hstate;
}

void srv_conn_set_state(struct srv_conn *c, void *state)
{
    c->hstate = state;
}

void srv_conn_in_message(struct srv_conn *c, int on)
{
    c->in_msg = on != 0;
}

void srv_conn_access(const struct srv_conn *c, const char *method, size_t mlen, const char *target,
                     size_t tlen, int status, size_t bytes)
{
    if (!srv_log_access_enabled()) {
        return;
    }
    srv_log_access_line(srv_conn_peer_ip(c), srv_conn_peer_port(c), method, mlen, target, tlen,
                        status, bytes, c->tls ? tlskit_conn_version(c->tls) : "");
}
