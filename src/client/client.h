/* client.h: the client core: TLS options to a verified connection, and an HTTP/1.1 request to
 * a response streamed to the caller, following redirects. No printing, no option parsing. */
#ifndef TLSKIT_CLIENT_H
#define TLSKIT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "tlskit.h"
#include "client/url.h"
#include "http/http.h"

#define CLIENT_ERR_LEN 2048
#define CLIENT_MAX_RESOLVE 16
#define CLIENT_MAX_REDIRECTS 10

/* A failure: a library error kind (HTTP protocol errors are TLSKIT_ERR_IO) and a sentence. */
struct client_err {
    enum tlskit_error_kind kind;
    char msg[CLIENT_ERR_LEN];
};

/* What the user asked of TLS and the network. Strings are borrowed; NULL means the default. */
struct client_tls_opts {
    const char *cafile, *capath, *crlfile;
    const char *servername; /* SNI and the name verified, instead of the URL's host (that host
                               only: client_fetch verifies a redirect elsewhere as itself) */
    const char *min_tls, *max_tls, *ciphers, *ciphersuites, *alpn;
    const char *cert, *key;                  /* client certificate */
    const char *pinned;                      /* "sha256//BASE64[;...]" */
    int insecure;                            /* skip verification */
    int family;                              /* 0, AF_INET or AF_INET6 */
    int timeout_ms;                          /* connect and handshake, then idle; 0: 30 s */
    const char *resolve[CLIENT_MAX_RESOLVE]; /* curl's --resolve "HOST:PORT:ADDR" */
    size_t nresolve;
    /* Called for each address tried (result NULL on success), and after each handshake,
     * successful or not (conn is valid during the call). Either may be NULL. */
    void (*on_attempt)(void *arg, const char *address, const char *result);
    void (*on_handshake)(void *arg, const struct tlskit_conn *conn, int ok);
    void *arg;
};

/* The shared TLS state of one command run (a config and a context, built once). */
struct client {
    struct client_tls_opts opts;
    struct tlskit_config *cfg;
    struct tlskit_ctx *ctx;
};

/*
 * Checks the options and builds the context into *c. 0, or -1 with E set (kind USAGE or
 * CONFIG). Warnings of the config (tlskit_config_warning(c->cfg, i)) are for the caller to
 * print. client_free() must be called in both cases.
 */
int client_init(struct client *c, const struct client_tls_opts *opts, struct client_err *e);
void client_free(struct client *c);

/*
 * Resolves HOST (or the matching --resolve address), connects to each address in turn and
 * handshakes. 0 with *conn set, or -1 with E set; *conn may then still be set (a failed
 * handshake, for reporting): free it with tlskit_conn_free.
 */
int client_open(struct client *c, const char *host, unsigned port, struct tlskit_conn **conn,
                struct client_err *e);

/*
 * Finds the --resolve entry for HOST:PORT in OPTS: 1 with its address in ADDR (brackets
 * removed), 0 when none matches, -1 when an entry is malformed (with E set).
 */
int client_resolve_lookup(const struct client_tls_opts *opts, const char *host, unsigned port,
                          char *addr, size_t addrlen, struct client_err *e);

/* A request. The body is DATA[0..data_len) or, when data_fd >= 0, the whole file (which must
 * be seekable, so that a 307/308 redirect can send it again). */
struct client_request {
    const char *method;         /* NULL: GET, or POST when there is a body */
    const char *const *headers; /* "Name: value" lines, replacing defaults of the same name */
    size_t nheaders;
    const char *data;
    size_t data_len;
    int data_fd;
    const char *data_name; /* the file's name, for messages */
    int has_body;
    int follow; /* -L */
};

/* Where the response goes. Each callback returns 0, or -1 to stop (the caller explains). */
struct client_sink {
    /* Every response head received (1xx, redirects and the final one): raw bytes and parsed. */
    int (*head)(void *arg, const char *raw, size_t len, const struct http_response *resp,
                int final);
    /* Body bytes of the final response. */
    int (*body)(void *arg, const char *p, size_t n);
    /* The final response's expected size (-1 unknown), before its first body bytes. */
    void (*start)(void *arg, int64_t expected);
    void *arg;
};

/* What a request ended with. */
struct client_result {
    int status;          /* of the final response; 0 if none */
    uint64_t body_bytes; /* body bytes passed to the sink */
    int redirects;       /* how many were followed */
    int unclean_eof;     /* a read-until-close body ended without close_notify */
    char url[URL_HOST_MAX + URL_PATH_MAX + 32]; /* the final URL */
};

/*
 * Sends REQ to URL (which must be https) and streams the response to SINK, following up to
 * CLIENT_MAX_REDIRECTS redirects when req->follow (never from https to anything else). 0 when
 * a whole response arrived (whatever its status), -1 with E set: a usage error, a connection
 * or TLS failure, a sink that stopped (kind IO, E's text from the sink is the caller's), or a
 * peer that did not speak HTTP/1.x (kind IO).
 */
int client_fetch(struct client *c, const struct url *url, const struct client_request *req,
                 const struct client_sink *sink, struct client_result *res, struct client_err *e);

/* Sets E; returns -1. */
int client_fail(struct client_err *e, enum tlskit_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
