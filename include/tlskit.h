/* tlskit.h: the whole public API of libtlskit, TLS over OpenSSL 3 with the safe choices made. */
#ifndef TLSKIT_H
#define TLSKIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSKIT_API __attribute__((visibility("default")))

/*
 * Conventions
 * - Calls return 0 on success and -1 on failure (or a count, or NULL). After a failure,
 *   tlskit_*_error(obj) is a sentence a person can act on and tlskit_*_error_kind(obj) a
 *   stable category. Callers never need errno.
 * - Every _new has a _free; _free(NULL) does nothing.
 * - Returned strings belong to the object they came from and stay valid until that object
 *   is changed or freed, unless a comment says otherwise.
 * - Non-blocking: handshake, read, write and close return TLSKIT_WANT_READ or
 *   TLSKIT_WANT_WRITE when they would block; wait for exactly that (a read may ask to write)
 *   and call again with the same arguments.
 */
#define TLSKIT_WANT_READ (-2)
#define TLSKIT_WANT_WRITE (-3)

/* Stable error categories; the command maps them to exit codes. */
enum tlskit_error_kind {
    TLSKIT_ERR_NONE = 0,
    TLSKIT_ERR_USAGE,     /* the caller asked for something that cannot be */
    TLSKIT_ERR_CONFIG,    /* a setting, file, key or certificate is wrong */
    TLSKIT_ERR_RESOLVE,   /* a host name did not resolve */
    TLSKIT_ERR_CONNECT,   /* no TCP connection could be made */
    TLSKIT_ERR_HANDSHAKE, /* TLS negotiation failed: version, cipher, alert, not TLS */
    TLSKIT_ERR_VERIFY,    /* the peer's certificate was not accepted */
    TLSKIT_ERR_TIMEOUT,   /* the peer did not answer in time */
    TLSKIT_ERR_IO,        /* the connection broke */
};

/* The kind's short name: "usage", "config", "resolve", ... (static storage). */
TLSKIT_API const char *tlskit_error_kind_name(enum tlskit_error_kind kind);

/* The library's version string, e.g. "tlskit 0.1.0 (OpenSSL 3.0.19 27 Jan 2026)". */
TLSKIT_API const char *tlskit_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Config: what the user wants. Starts with the safe defaults of lib/defaults.c.               */

struct tlskit_config;

/* A config holding the defaults, or NULL when out of memory. */
TLSKIT_API struct tlskit_config *tlskit_config_new(void);
TLSKIT_API void tlskit_config_free(struct tlskit_config *cfg);

/* The last failure's sentence ("" if none) and kind. */
TLSKIT_API const char *tlskit_config_error(const struct tlskit_config *cfg);
TLSKIT_API enum tlskit_error_kind tlskit_config_error_kind(const struct tlskit_config *cfg);

/*
 * Warnings: things accepted but worth a person's attention (a cipher string that admits
 * CBC, a certificate expiring within 14 days, a key others can read, an incomplete chain).
 * Setters and context builders append to the list; index 0..count-1.
 */
TLSKIT_API size_t tlskit_config_warning_count(const struct tlskit_config *cfg);
TLSKIT_API const char *tlskit_config_warning(const struct tlskit_config *cfg, size_t i);

/* Trust for verifying the peer. Without any of these a client uses the system store. */
TLSKIT_API int tlskit_config_set_ca_file(struct tlskit_config *cfg, const char *path);
TLSKIT_API int tlskit_config_set_ca_path(struct tlskit_config *cfg, const char *dir);
TLSKIT_API int tlskit_config_set_ca_mem(struct tlskit_config *cfg, const void *pem, size_t len);
/* CRLs (PEM) checked for the whole chain; a revoked certificate fails verification. */
TLSKIT_API int tlskit_config_set_crl_file(struct tlskit_config *cfg, const char *path);

/*
 * Protocol versions: "1.2" or "1.3" (also "TLSv1.2", "tls1.3"). Asking for 1.0 or 1.1 fails
 * with TLSKIT_ERR_CONFIG and says why. A min above the max fails.
 */
TLSKIT_API int tlskit_config_set_min_version(struct tlskit_config *cfg, const char *version);
TLSKIT_API int tlskit_config_set_max_version(struct tlskit_config *cfg, const char *version);

/*
 * TLS 1.2 cipher string (OpenSSL syntax). Refused, naming the offending part: a string that
 * selects nothing usable, or admits eNULL/NULL, aNULL, EXPORT, RC4, DES/3DES, MD5, or lowers
 * @SECLEVEL below 2. Accepted with a warning: one that admits CBC or static RSA key exchange.
 */
TLSKIT_API int tlskit_config_set_ciphers(struct tlskit_config *cfg, const char *ciphers);
/* TLS 1.3 suites, e.g. "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256". */
TLSKIT_API int tlskit_config_set_ciphersuites(struct tlskit_config *cfg, const char *suites);
/* Key-exchange groups, e.g. "X25519:P-256". Unknown names are refused by name. */
TLSKIT_API int tlskit_config_set_groups(struct tlskit_config *cfg, const char *groups);
/* ALPN protocols, comma separated in preference order: "h2,http/1.1". */
TLSKIT_API int tlskit_config_set_alpn(struct tlskit_config *cfg, const char *list);

/*
 * Certificate and key. BUNDLE is PEM holding the key (unless KEY_FILE is given), the
 * certificate, then its intermediates (the seed's order; the key may also come last). The
 * files are read and checked now: unreadable, empty, not PEM (DER is named as such),
 * encrypted key, key not matching, chain out of order, expired or not yet valid, a leaf that
 * is a CA, RSA under 2048 bits are errors; expiring within 14 days, a key readable by other
 * users, and an incomplete chain are warnings. For a server this is its identity; for a
 * client, its client certificate.
 */
TLSKIT_API int tlskit_config_set_keypair_file(struct tlskit_config *cfg, const char *bundle,
                                              const char *key_file);
/* The same from memory (NAME is used in messages). */
TLSKIT_API int tlskit_config_set_keypair_mem(struct tlskit_config *cfg, const char *name,
                                             const void *pem, size_t len);

/* Server: ask clients for a certificate (optional: verify it if sent; required: refuse). */
TLSKIT_API void tlskit_config_verify_client_optional(struct tlskit_config *cfg);
TLSKIT_API void tlskit_config_verify_client(struct tlskit_config *cfg);

/* Server: session tickets (on by default, 1 per handshake, keys rotating). 0 turns them off. */
TLSKIT_API void tlskit_config_set_session_tickets(struct tlskit_config *cfg, int on);
/*
 * Server: how long one ticket key encrypts new tickets (seconds, default 3600); tickets stay
 * accepted for one more period. Keys derive from a random secret made with the config, so
 * every context built from it, in any process forked after tlskit_config_new, issues and
 * accepts the same tickets and rotates keys in step without talking to the others.
 */
TLSKIT_API int tlskit_config_set_ticket_lifetime(struct tlskit_config *cfg, unsigned seconds);

/*
 * Server: make DST issue and accept the same tickets as SRC (copies its ticket secret and
 * lifetime), so a config rebuilt for a reload keeps resuming the sessions of the old one.
 */
TLSKIT_API void tlskit_config_share_tickets(struct tlskit_config *dst,
                                            const struct tlskit_config *src);

/*
 * Client: accept only a peer whose public key hashes to PIN, curl's syntax
 * "sha256//BASE64[;sha256//BASE64...]". Checked after normal verification.
 */
TLSKIT_API int tlskit_config_set_pinned_pubkey(struct tlskit_config *cfg, const char *pins);

/* Opt-outs. Each one weakens security and says so in its name. */
TLSKIT_API void tlskit_config_insecure_skip_verify(struct tlskit_config *cfg);
TLSKIT_API void tlskit_config_insecure_skip_name_check(struct tlskit_config *cfg);

/* ------------------------------------------------------------------------------------------ */
/* Context: the compiled, immutable OpenSSL state built from a config, shared by connections. */

struct tlskit_ctx;

/*
 * Build a client or server context from CFG (which is not kept: free it when you like).
 * NULL on failure: tlskit_config_error(cfg) says why. New warnings go to CFG's list.
 * A context is reference-counted and safe to share between threads; each connection holds a
 * reference, so a server may swap in a new context and free its own reference at once.
 */
TLSKIT_API struct tlskit_ctx *tlskit_client_ctx_new(struct tlskit_config *cfg);
TLSKIT_API struct tlskit_ctx *tlskit_server_ctx_new(struct tlskit_config *cfg);
TLSKIT_API void tlskit_ctx_free(struct tlskit_ctx *ctx);
TLSKIT_API int tlskit_ctx_is_server(const struct tlskit_ctx *ctx);

/* ------------------------------------------------------------------------------------------ */
/* Connection: one TLS session over a socket or over callbacks.                               */

struct tlskit_conn;

/* Callbacks for TLS over something other than a socket. They return a byte count (0 means
 * end of stream for read), TLSKIT_WANT_READ / TLSKIT_WANT_WRITE to wait, or -1 on error. */
typedef ssize_t (*tlskit_read_cb)(void *arg, void *buf, size_t len);
typedef ssize_t (*tlskit_write_cb)(void *arg, const void *buf, size_t len);

/* A new connection on CTX (which it references), or NULL when out of memory. */
TLSKIT_API struct tlskit_conn *tlskit_conn_new(struct tlskit_ctx *ctx);
/* Frees the connection and, if the library opened it (tlskit_conn_connect), the socket. */
TLSKIT_API void tlskit_conn_free(struct tlskit_conn *conn);

TLSKIT_API const char *tlskit_conn_error(const struct tlskit_conn *conn);
TLSKIT_API enum tlskit_error_kind tlskit_conn_error_kind(const struct tlskit_conn *conn);

/*
 * Client: the name to send as SNI and to verify. An IP address literal is verified against
 * the certificate's IP addresses and sent without SNI. Required before a client handshake
 * unless tlskit_conn_connect set it.
 */
TLSKIT_API int tlskit_conn_set_servername(struct tlskit_conn *conn, const char *name);

/*
 * Use socket FD (connected, or accepted by a server). The caller keeps ownership and closes
 * it after tlskit_conn_free (a socket that tlskit_conn_connect opened is closed when
 * replaced). A blocking socket blocks; one with SO_RCVTIMEO/SO_SNDTIMEO set fails with
 * TLSKIT_ERR_TIMEOUT when they expire. A non-blocking one gets TLSKIT_WANT_*.
 */
TLSKIT_API int tlskit_conn_set_fd(struct tlskit_conn *conn, int fd);
/* Use callbacks instead of a socket (for tests and custom transports). */
TLSKIT_API int tlskit_conn_set_cbs(struct tlskit_conn *conn, tlskit_read_cb rd, tlskit_write_cb wr,
                                   void *arg);

/* Options for tlskit_conn_connect; zero them for the defaults. */
struct tlskit_connect_opts {
    int family;             /* 0 for any, AF_INET or AF_INET6 */
    int timeout_ms;         /* per address for connect, for the whole (blocking) handshake,
                               then for each read/write; 0: 30 s */
    const char *connect_to; /* connect to this address instead of resolving HOST (curl's
                               --resolve); HOST is still sent as SNI and verified */
    /* called for each address tried: result is NULL on success, else why it failed */
    void (*on_attempt)(void *arg, const char *address, const char *result);
    void *arg;
};

/*
 * Client: resolve HOST, try each address in the resolver's order until one connects within
 * the timeout, and use that socket (blocking; the handshake must end within the timeout,
 * then each read and write; the connection owns it). Sets the server name to HOST unless
 * one was set. Does not handshake. Fails with TLSKIT_ERR_RESOLVE, TLSKIT_ERR_CONNECT (naming
 * each address and why) or TLSKIT_ERR_TIMEOUT. PORT is a number or a service name.
 */
TLSKIT_API int tlskit_conn_connect(struct tlskit_conn *conn, const char *host, const char *port,
                                   const struct tlskit_connect_opts *opts);

/*
 * The TLS handshake, including certificate verification for a client. 0 when done, -1 on
 * failure (kind HANDSHAKE, VERIFY, TIMEOUT or IO, with a sentence that explains), or
 * TLSKIT_WANT_READ / TLSKIT_WANT_WRITE. read and write run it implicitly if needed.
 */
TLSKIT_API int tlskit_conn_handshake(struct tlskit_conn *conn);

/*
 * Read up to LEN bytes: the count (> 0); 0 when the peer closed cleanly (close_notify, or a
 * TCP close after a complete HTTP-style exchange is for the caller to judge: see
 * tlskit_conn_eof_clean); -1 on error; TLSKIT_WANT_*.
 */
TLSKIT_API ssize_t tlskit_conn_read(struct tlskit_conn *conn, void *buf, size_t len);
/* Write LEN bytes: the count written (all of LEN when blocking), -1, or TLSKIT_WANT_*. */
TLSKIT_API ssize_t tlskit_conn_write(struct tlskit_conn *conn, const void *buf, size_t len);
/* After read returned 0: 1 if the peer sent close_notify, 0 if it just closed TCP. */
TLSKIT_API int tlskit_conn_eof_clean(const struct tlskit_conn *conn);
/* Send close_notify (once). 0, -1 or TLSKIT_WANT_*. Does not wait for the peer's. */
TLSKIT_API int tlskit_conn_close(struct tlskit_conn *conn);
/* Bytes already decrypted and buffered, readable without waiting for the socket. Connections
 * read ahead: this is at least 1 while received records wait undecrypted, so a caller that
 * polls the socket must first read until this is 0 (or until TLSKIT_WANT_READ). */
TLSKIT_API size_t tlskit_conn_pending(const struct tlskit_conn *conn);
/*
 * Server connections release their read and write buffers (about 34 KiB) whenever they run
 * empty, so an idle connection costs little memory. keep = 1 holds them instead, saving an
 * allocation and a free per record on a busy connection; keep = 0 goes back to releasing and
 * frees them now if they are empty. Returns 0, or -1 if buffers still hold data (they are
 * released when they empty).
 */
TLSKIT_API int tlskit_conn_keep_buffers(struct tlskit_conn *conn, int keep);
/* The connection's socket (for poll()), or -1 when it runs over callbacks or has none. */
TLSKIT_API int tlskit_conn_fd(const struct tlskit_conn *conn);
/*
 * Switch the socket to non-blocking (ON = 1) or blocking (ON = 0) I/O, e.g. after a blocking
 * connect and handshake, to poll() it together with other descriptors. From then on calls
 * return TLSKIT_WANT_* instead of waiting. 0, or -1 (no socket, or fcntl failed).
 */
TLSKIT_API int tlskit_conn_set_nonblocking(struct tlskit_conn *conn, int on);

/* Peer facts, valid after a successful handshake. Strings are "" when unknown. */
TLSKIT_API const char *tlskit_conn_version(const struct tlskit_conn *conn); /* "TLSv1.3" */
TLSKIT_API const char *tlskit_conn_cipher(const struct tlskit_conn *conn);
TLSKIT_API const char *tlskit_conn_group(const struct tlskit_conn *conn);  /* "X25519" */
TLSKIT_API const char *tlskit_conn_sigalg(const struct tlskit_conn *conn); /* peer's */
TLSKIT_API const char *tlskit_conn_alpn(const struct tlskit_conn *conn);
/* Server: the SNI the client sent ("" if none). Client: the name it verified. */
TLSKIT_API const char *tlskit_conn_servername(const struct tlskit_conn *conn);
TLSKIT_API int tlskit_conn_resumed(const struct tlskit_conn *conn);
/* Server: the highest version the client offered ("TLSv1.0" ...), also after a failure. */
TLSKIT_API const char *tlskit_conn_offered_version(const struct tlskit_conn *conn);
/* The verification result: "ok", "skipped (insecure)", "none (no certificate asked)" or why. */
TLSKIT_API const char *tlskit_conn_verify_result(const struct tlskit_conn *conn);

/* One certificate of the peer's chain, described for a person. */
struct tlskit_cert_info {
    char subject[256];
    char issuer[256];
    char names[1024];    /* subjectAltName entries, ", " separated; "" if none */
    char not_before[32]; /* "2026-11-28 01:02:03 UTC" */
    char not_after[32];
    char key[64];     /* "EC P-256", "RSA 2048", "Ed25519" */
    char sig_alg[64]; /* "ecdsa-with-SHA256" */
    char sha256[96];  /* fingerprint, hex with colons */
    int is_ca;
};
/* How many certificates the peer sent (0 if none). A client sees them after a failed
 * verification too, to explain the failure. */
TLSKIT_API size_t tlskit_conn_peer_cert_count(const struct tlskit_conn *conn);
/* Fill INFO for certificate I (0 = the peer's own). 0 or -1 if I is out of range. */
TLSKIT_API int tlskit_conn_peer_cert_info(const struct tlskit_conn *conn, size_t i,
                                          struct tlskit_cert_info *info);
/* Certificate I as PEM, malloc'd (the caller frees), or NULL. */
TLSKIT_API char *tlskit_conn_peer_cert_pem(const struct tlskit_conn *conn, size_t i);
/* The peer's public key pin "sha256//BASE64" (malloc'd, caller frees), or NULL. */
TLSKIT_API char *tlskit_conn_peer_pubkey_pin(const struct tlskit_conn *conn);

/* ------------------------------------------------------------------------------------------ */
/* Sockets for small programs (the examples): blocking, with messages that name the address. */

/*
 * A listening TCP socket on HOST:PORT (HOST may be NULL for all addresses), with
 * SO_REUSEADDR. Returns the fd, or -1 with a sentence in ERR.
 */
TLSKIT_API int tlskit_listen(const char *host, const char *port, int backlog, char *err,
                             size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
