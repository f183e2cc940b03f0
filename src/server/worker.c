/* worker.c: one worker process: its libev loop, accepting (with back-off and --max-conns),
 * reload on SIGHUP, and the graceful stop on SIGTERM/SIGINT. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/core.h"

static void listeners_start(struct srv_worker *w)
{
    for (size_t i = 0; i < w->nl; i++) {
        ev_io_start(w->loop, &w->lio[i]);
    }
    w->accepting = 1;
}

static void listeners_stop(struct srv_worker *w)
{
    for (size_t i = 0; i < w->nl; i++) {
        ev_io_stop(w->loop, &w->lio[i]);
    }
    w->accepting = 0;
}

static void accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    struct srv_worker *w = io->data;
    /* One per wake-up (level-triggered: the loop reports the socket again while clients
     * wait), which spares the failing accept() that ends a batch, and spreads new
     * connections over the workers sharing the socket. */
    for (int i = 0; i < 1; i++) {
        if (w->max_conns > 0 && w->nconns >= w->max_conns) {
            /* Full: stop accepting (the kernel queues new clients) until a slot frees. */
            listeners_stop(w);
            w->paused = 1;
            return;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = accept4(io->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of descriptors: accepting again at once would spin. Back off and let
                 * connections close; the kernel keeps the queue meanwhile. */
                w->st.accept_errors++;
                if (w->st.accept_errors == 1 || w->st.accept_errors % 100 == 0) {
                    srv_log(SRV_WARN, "accept paused for 100 ms: out of file descriptors", "error",
                            strerror(errno), "hint",
                            "raise the limit (ulimit -n) or lower --max-conns", NULL);
                }
                listeners_stop(w);
                ev_timer_set(&w->backoff, 0.1, 0.);
                ev_timer_start(w->loop, &w->backoff);
            }
            return; /* EAGAIN: another worker took it, or the queue is empty */
        }
        w->st.accepted++;
        srv_conn_accepted(w, fd, (struct sockaddr *)&ss, sl);
    }
}

static void backoff_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct srv_worker *w = t->data;
    if (!w->draining && !w->paused) {
        listeners_start(w);
    }
}

void srv_worker_conn_freed(struct srv_worker *w)
{
    if (w->draining) {
        if (w->nconns == 0) {
            ev_break(w->loop, EVBREAK_ALL);
        }
        return;
    }
    if (w->paused && w->nconns < w->max_conns) {
        w->paused = 0;
        if (!ev_is_active(&w->backoff)) {
            listeners_start(w);
        }
    }
}

static void log_stats(struct srv_worker *w, const char *msg)
{
    char s[7][24];
    snprintf(s[0], sizeof(s[0]), "%lu", w->st.accepted);
    snprintf(s[1], sizeof(s[1]), "%lu", w->st.handshakes);
    snprintf(s[2], sizeof(s[2]), "%lu", w->st.resumed);
    snprintf(s[3], sizeof(s[3]), "%lu", w->st.handshake_failed);
    snprintf(s[4], sizeof(s[4]), "%lu", w->st.plaintext);
    snprintf(s[5], sizeof(s[5]), "%ld", w->nconns);
    snprintf(s[6], sizeof(s[6]), "%d", w->index);
    srv_log(SRV_INFO, msg, "worker", s[6], "accepted", s[0], "handshakes", s[1], "resumed", s[2],
            "handshake_failed", s[3], "plaintext", s[4], "open", s[5], NULL);
}

static void grace_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct srv_worker *w = t->data;
    char n[24];
    snprintf(n, sizeof(n), "%ld", w->nconns);
    srv_log(SRV_WARN, "grace time over: closing the connections still open", "open", n, NULL);
    while (w->conns) {
        srv_conn_close_now(w->conns);
    }
    ev_break(loop, EVBREAK_ALL);
}

static void stop_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)revents;
    struct srv_worker *w = s->data;
    if (w->draining) {
        return;
    }
    w->draining = 1;
    listeners_stop(w);
    ev_timer_stop(loop, &w->backoff);
    for (size_t i = 0; i < w->nl; i++) {
        close(w->lfd[i]); /* the main process keeps its copy for the other workers */
    }
    w->nl = 0;
    ev_timer_set(&w->grace, w->opts->grace, 0.);
    ev_timer_start(loop, &w->grace);
    struct srv_conn *c = w->conns;
    while (c) {
        struct srv_conn *next = c->next;
        srv_conn_drain(c);
        c = next;
    }
    if (w->nconns == 0) {
        ev_break(loop, EVBREAK_ALL);
    }
}

static void hup_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)loop;
    (void)revents;
    struct srv_worker *w = s->data;
    struct tlskit_config *cfg = NULL;
    struct tlskit_ctx *ctx = NULL;
    char err[1024];
    if (srv_build(w->opts, w->cfg, &cfg, &ctx, err, sizeof(err)) != 0) {
        srv_log(SRV_ERROR, "reload failed: keeping the current certificate", "error", err, NULL);
        return;
    }
    /* Open connections hold their own reference to the old context and finish on it. */
    tlskit_ctx_free(w->ctx);
    tlskit_config_free(w->cfg);
    w->ctx = ctx;
    w->cfg = cfg;
}

static void logflush_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)t;
    (void)revents;
    srv_log_access_flush();
}

static void usr1_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
    (void)loop;
    (void)revents;
    log_stats(s->data, "stats");
}

int srv_worker_run(struct srv_worker *w)
{
    w->loop = ev_default_loop(EVFLAG_AUTO);
    if (w->loop == NULL) {
        srv_log(SRV_ERROR, "cannot start the event loop (libev)", NULL);
        return 1;
    }
    for (size_t i = 0; i < w->nl; i++) {
        ev_io_init(&w->lio[i], accept_cb, w->lfd[i], EV_READ);
        w->lio[i].data = w;
    }
    ev_init(&w->backoff, backoff_cb);
    w->backoff.data = w;
    ev_init(&w->grace, grace_cb);
    w->grace.data = w;
    ev_timer_init(&w->sweep, srv_conn_sweep_cb, 1., 1.);
    w->sweep.data = w;
    ev_timer_init(&w->logflush, logflush_cb, 1., 1.);
    if (srv_log_access_enabled()) {
        ev_timer_start(w->loop, &w->logflush);
    }
    ev_signal_init(&w->sig_term, stop_cb, SIGTERM);
    ev_signal_init(&w->sig_int, stop_cb, SIGINT);
    ev_signal_init(&w->sig_hup, hup_cb, SIGHUP);
    ev_signal_init(&w->sig_usr1, usr1_cb, SIGUSR1);
    w->sig_term.data = w->sig_int.data = w->sig_hup.data = w->sig_usr1.data = w;
    ev_signal_start(w->loop, &w->sig_term);
    ev_signal_start(w->loop, &w->sig_int);
    ev_signal_start(w->loop, &w->sig_hup);
    ev_signal_start(w->loop, &w->sig_usr1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    listeners_start(w);
    ev_run(w->loop, 0);
    srv_log_access_flush();
    log_stats(w, "worker stopped");
    while (w->conns) {
        srv_conn_close_now(w->conns);
    }
    ev_loop_destroy(w->loop);
    tlskit_ctx_free(w->ctx);
    tlskit_config_free(w->cfg);
    return 0;
}
