/* server.h: the server core's interface: options, the handler contract, and what a handler may
 * ask of its connection. The core owns sockets, TLS, buffers and timers; a handler owns the
 * meaning of the bytes and never sees a socket. */
#ifndef TLSKIT_SERVER_H
#define TLSKIT_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "tlskit.h"

#define SRV_MAX_LISTEN 16

/* What 'tlskit serve' asked for. Strings are borrowed from argv (or the dev CA paths). */
struct srv_options {
    const char *listen[SRV_MAX_LISTEN];
    size_t nlisten;
    const char *cert, *key; /* bundle and optional separate key */
    const char *min_tls, *ciphers, *ciphersuites, *groups;
    int workers;
    double handshake_timeout, header_timeout, idle_timeout, grace; /* seconds */
    long max_conns;          /* over all workers; 0: no limit beyond the descriptor limit */
    const char *user;        /* drop to this user once bound and loaded */
    int log_json;            /* --log-format json */
    const char *access_log;  /* NULL: none; "-": stdout; else a file appended to */
    int dev;                 /* development certificate: no HSTS */
    int reuseport;           /* one SO_REUSEPORT socket per worker instead of a shared one */
    const char *client_ca;   /* --client-ca: ask clients for a certificate issued by these CAs */
    int require_client_cert; /* --require-client-cert: refuse clients without a valid one */
};

/* ---- the handler contract ---- */

struct srv_conn;

/*
 * A handler gives meaning to the decrypted bytes of a connection. All callbacks run on the
 * worker's loop; none may block. The core calls data() with every byte not yet consumed; the
 * handler consumes whole messages only (returns their length), or 0 to wait for more bytes
 * (the core keeps them and starts the header timer), or -1 to close at once. It queues output
 * with srv_conn_send() and asks for a close after that output with srv_conn_finish().
 */
struct srv_handler {
    const char *name;
    ssize_t (*data)(struct srv_conn *c, const char *buf, size_t len);
    /* The header timer fired with a message unfinished: queue an answer (or not); the core
     * closes after flushing it. */
    void (*timeout)(struct srv_conn *c);
    /* The peer spoke plain text on the TLS port: write an answer into buf (at most cap
     * bytes), sent in the clear before closing. Returns its length (0: close silently). */
    size_t (*plaintext)(char *buf, size_t cap);
    /* The connection is going away while srv_conn_state() is set: free that state. */
    void (*closed)(struct srv_conn *c);
    void *arg; /* handler-wide settings, see srv_conn_handler_arg() */
};

/* Queue bytes to send. 0, or -1 when the connection's output is over its hard limit. */
int srv_conn_send(struct srv_conn *c, const void *buf, size_t len);
/* Close once everything queued is sent (close_notify, then TCP close). */
void srv_conn_finish(struct srv_conn *c);
/* 1 while the output queue is over its high-water mark: stop producing (back-pressure). */
int srv_conn_out_full(const struct srv_conn *c);
/* 1 while the worker is shutting down: answer what is in flight, then close. */
int srv_conn_draining(const struct srv_conn *c);
/* The TLS connection (peer facts: version, cipher, SNI, ...). Owned by the core. */
const struct tlskit_conn *srv_conn_tls(const struct srv_conn *c);
/* The peer's address as text ("127.0.0.1", "::1") and its port. Owned by the core. */
const char *srv_conn_peer_ip(const struct srv_conn *c);
unsigned srv_conn_peer_port(const struct srv_conn *c);
void *srv_conn_handler_arg(const struct srv_conn *c);
/* Per-connection state of the handler: NULL at first; the handler owns what it sets (see
 * closed()). */
void *srv_conn_state(const struct srv_conn *c);
void srv_conn_set_state(struct srv_conn *c, void *state);
/* A handler that consumed bytes of a message it has not finished (a request body read
 * piece by piece) says so with on = 1, and on = 0 once it has: meanwhile the message's
 * header timer keeps running even when no unconsumed bytes wait, and a draining worker does
 * not close the connection under it. */
void srv_conn_in_message(struct srv_conn *c, int on);
/* One access-log line (if --access-log is on). */
void srv_conn_access(const struct srv_conn *c, const char *method, size_t mlen, const char *target,
                     size_t tlen, int status, size_t bytes);

/* ---- the responder: the seed's handler ---- */
struct srv_responder_opts {
    int hsts; /* send Strict-Transport-Security (real certificates only) */
};
extern const struct srv_handler srv_responder;

/* ---- running ---- */

/* Runs the server until SIGTERM/SIGINT; returns the exit code (0, or 2 on misconfiguration,
 * with the message already printed). */
int srv_run(const struct srv_options *opts, const struct srv_handler *handler);

/* ---- logging (log.c) ---- */
enum srv_level { SRV_INFO, SRV_WARN, SRV_ERROR };
void srv_log_init(int json, const char *access_log, char *err, size_t errlen);
int srv_log_access_open(const char *path, char *err, size_t errlen);
/* One line: msg, then key/value string pairs ending with NULL. */
void srv_log(enum srv_level level, const char *msg, ...) __attribute__((sentinel));
int srv_log_access_enabled(void);
void srv_log_access_line(const char *ip, unsigned port, const char *method, size_t mlen,
                         const char *target, size_t tlen, int status, size_t bytes,
                         const char *version);
/* Writes the access-log lines still batched (the worker calls it each second and at exit). */
void srv_log_access_flush(void);

/* ---- listening sockets (listen.c) ---- */
/* Parses "host:port", "[v6]:port", ":port", "*:port". 0, or -1 with a sentence in err. */
int srv_parse_addr(const char *spec, char *host, size_t hostlen, char *port, size_t portlen,
                   char *err, size_t errlen);
/* Binds every address SPEC resolves to; appends fds to fds[*n]. 0 or -1 with err. */
int srv_bind(const char *spec, int reuseport, int *fds, size_t *n, size_t max, char *err,
             size_t errlen);

/* ---- the development CA (devca.c) ---- */
/* $TLSKIT_HOME or ~/.local/share/tlskit, into buf. 0 or -1 with err. */
int devca_home(char *buf, size_t len, char *err, size_t errlen);
/* Makes (first time) or loads the CA under home. ca_pem gets the root's path. */
int devca_ensure(const char *home, char *ca_pem, size_t ca_len, char *err, size_t errlen);
/* The development server bundle (localhost, 127.0.0.1, ::1), reissued when missing or
 * expiring within 30 days. */
int devca_server_bundle(const char *home, char *path, size_t len, char *err, size_t errlen);
/* Issues a bundle for names (DNS names or IP addresses) into out. */
int devca_issue(const char *home, const char *const *names, size_t nnames, int days, int rsa,
                const char *out, char *err, size_t errlen);

#endif
