/* core.h: the server core's private structures: a worker (one process, one libev loop) and its
 * connections. Shared by worker.c, conn.c and master.c only; handlers see server.h. */
#ifndef TLSKIT_SERVER_CORE_H
#define TLSKIT_SERVER_CORE_H

#include <netinet/in.h>
#include <stdint.h>

#include <ev.h>

#include "server/server.h"

/* Bytes of one connection's unconsumed input: a request head (8 KiB) and what follows it. */
#define SRV_IN_CAP 16384
/* Output queued beyond this stops reading and producing until the peer takes it. */
#define SRV_OUT_HIGH 65536
/* A handler may not queue more than this at all. */
#define SRV_OUT_MAX (1024 * 1024)
#define SRV_MAX_FDS 64

/* The states of one connection (the core's state machine). */
enum srv_state {
    C_PEEK,      /* accepted: waiting for the first byte, to tell TLS from plain text */
    C_HANDSHAKE, /* TLS handshake under the handshake timer */
    C_OPEN,      /* requests and responses; header timer while a message is partial, else idle */
    C_CLOSING,   /* flushing the last output, then close_notify */
    C_LINGER,    /* our side shut down; draining the peer's bytes so our answer is not reset */
};

struct srv_worker;

struct srv_conn {
    ev_io io;
    ev_timer timer;
    struct srv_worker *w;
    struct tlskit_conn *tls;
    struct srv_conn *prev, *next;
    char *in; /* SRV_IN_CAP bytes, only while unconsumed input waits */
    char *out;
    void *hstate; /* the handler's, see srv_conn_state() */
    uint32_t in_len, out_len, out_off, out_cap;
    ev_tstamp deadline; /* when the timer's current reason expires */
    union {
        struct sockaddr sa;
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } peer;
    uint8_t state;
    uint8_t rd_want, wr_want; /* EV_READ / EV_WRITE the last read / write waited for */
    uint8_t finish : 1, header_timer : 1, busy : 1, dead : 1, linger_after : 1, served : 1,
        in_msg : 1;
    uint8_t active : 1;    /* read something since the last buffer sweep */
    uint8_t bufs_kept : 1; /* busy: TLS and output buffers stay between requests */
};

struct srv_stats {
    unsigned long accepted, handshakes, resumed, handshake_failed, plaintext, timeouts,
        accept_errors;
};

struct srv_worker {
    struct ev_loop *loop;
    const struct srv_options *opts;
    const struct srv_handler *handler;
    struct tlskit_config *cfg;
    struct tlskit_ctx *ctx; /* new connections use this one; reload swaps it */
    ev_io lio[SRV_MAX_FDS];
    int lfd[SRV_MAX_FDS];
    size_t nl;
    ev_timer backoff; /* accept paused after EMFILE/ENFILE */
    ev_timer grace;
    ev_timer sweep;    /* runs while some connection keeps its buffers */
    ev_timer logflush; /* writes batched access-log lines once a second */
    long nkept;        /* connections keeping their buffers */
    ev_signal sig_term, sig_int, sig_hup, sig_usr1;
    struct srv_conn *conns;
    long nconns, max_conns;
    int accepting, paused, draining, index;
    struct srv_stats st;
    char scratch[SRV_IN_CAP];
};

/* conn.c */
void srv_conn_accepted(struct srv_worker *w, int fd, const struct sockaddr *sa, socklen_t salen);
void srv_conn_drain(struct srv_conn *c); /* the worker began shutting down */
void srv_conn_close_now(struct srv_conn *c);
void srv_conn_sweep_cb(struct ev_loop *loop, ev_timer *t, int revents);

/* worker.c */
int srv_worker_run(struct srv_worker *w);
void srv_worker_conn_freed(struct srv_worker *w);

/* master.c: builds a config and context from the options (for start and reload). */
int srv_build(const struct srv_options *opts, const struct tlskit_config *share,
              struct tlskit_config **cfg_out, struct tlskit_ctx **ctx_out, char *err,
              size_t errlen);

#endif
