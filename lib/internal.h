/* internal.h: libtlskit's private structures and helpers, shared by the files of lib/. */
#ifndef TLSKIT_INTERNAL_H
#define TLSKIT_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlskit.h"

#define WUR __attribute__((warn_unused_result))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* An error: a kind and a sentence, allocated only when something failed (idle
 * connections stay small). */
struct tk_err {
    enum tlskit_error_kind kind;
    char *msg;
};
void tk_err_set(struct tk_err *e, enum tlskit_error_kind kind, const char *fmt, ...) PRINTF(3, 4);
void tk_err_vset(struct tk_err *e, enum tlskit_error_kind kind, const char *fmt, va_list ap)
    PRINTF(3, 0);
void tk_err_clear(struct tk_err *e);
const char *tk_err_msg(const struct tk_err *e);
/* The reason of the first OpenSSL error queued, or "unknown error"; clears the queue. */
const char *tk_ssl_reason(char *buf, size_t len);

/* A growable string for building messages. */
struct tk_str {
    char *p;
    size_t len, cap;
    int oom;
};
void tk_str_add(struct tk_str *s, const char *fmt, ...) PRINTF(2, 3);
void tk_str_free(struct tk_str *s);

/* Versions as OpenSSL numbers (TLS1_2_VERSION ...). */
enum { TK_VERIFY_CLIENT_NONE = 0, TK_VERIFY_CLIENT_OPTIONAL, TK_VERIFY_CLIENT_REQUIRED };

struct tlskit_config {
    struct tk_err err;
    char **warnings;
    size_t nwarnings;

    char *ca_file, *ca_path, *crl_file;
    char *ca_mem;
    size_t ca_mem_len;
    int min_version, max_version;
    char *ciphers, *ciphersuites, *groups;
    int groups_default; /* groups may drop names this OpenSSL lacks */
    unsigned char *alpn;
    size_t alpn_len;

    /* Loaded and checked by tlskit_config_set_keypair_*. */
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) * chain;
    char *keypair_name;

    int verify_client;
    int session_tickets;
    unsigned ticket_lifetime;
    unsigned char ticket_secret[32];
    char *pins;
    int insecure_skip_verify, insecure_skip_name_check;
};

struct tlskit_ctx {
    SSL_CTX *ssl;
    atomic_int refs;
    int server;
    int skip_verify, skip_name_check, verify_client;
    char *pins;
    char *crl_file;
    unsigned char *alpn;
    size_t alpn_len;
    unsigned ticket_lifetime;
    unsigned char ticket_secret[32];
};

struct tlskit_conn {
    struct tlskit_ctx *ctx;
    SSL *ssl;
    struct tk_err err;
    int fd;
    unsigned own_fd : 1, blocking : 1, handshake_done : 1, eof_clean : 1, close_sent : 1,
        name_is_ip : 1, saw_any_byte : 1;
    tlskit_read_cb rd;
    tlskit_write_cb wr;
    void *cb_arg;
    int last_errno;         /* of the last failed socket call, for messages */
    int timeout_ms;         /* for "no answer within N s" */
    int64_t deadline_ms;    /* blocking handshake on our socket: when it must be over
                               (tk_now_ms), 0 if none */
    uint16_t offered;       /* server: the highest version in the ClientHello */
    unsigned char first[5]; /* client: the first bytes the peer sent, to spot plain HTTP */
    char *servername;
    char *alpn; /* the negotiated protocol, copied at the handshake; NULL if none */
    /* Client: the first verification failure, kept to explain it. */
    int vfy_err, vfy_depth;
    X509 *vfy_cert;
    char *verify_result;
};

/* defaults.c */
extern const char *const tk_default_ciphers;
extern const char *const tk_default_ciphersuites;
extern const char *const tk_default_groups;
extern const char *const tk_fallback_groups;
extern const int tk_default_min_version, tk_default_max_version;
extern const int tk_default_security_level;
extern const unsigned tk_default_ticket_lifetime;
extern const int tk_default_num_tickets;
extern const long tk_default_options;
extern const long tk_default_server_options;
extern const unsigned long tk_default_verify_flags;
extern const unsigned tk_default_host_flags;
extern const int tk_expiry_warning_days;
extern const int tk_min_rsa_bits;

/* config.c */
void tk_config_warn(struct tlskit_config *cfg, const char *fmt, ...) PRINTF(2, 3);
int tk_check_ciphers(struct tlskit_config *cfg, const char *ciphers) WUR;

/* cert.c */
int tk_load_keypair(struct tlskit_config *cfg, const char *name, const unsigned char *pem,
                    size_t len, const char *key_name, const unsigned char *key_pem, size_t key_len,
                    int key_file_mode) WUR;
void tk_name_oneline(const X509_NAME *name, char *buf, size_t len);
void tk_cert_names(X509 *cert, char *buf, size_t len);
void tk_time_str(const ASN1_TIME *t, char *buf, size_t len);
long tk_days_from_now(const ASN1_TIME *t);
void tk_key_desc(EVP_PKEY *key, char *buf, size_t len);

/* explain.c */
void tk_explain_verify(struct tlskit_conn *conn);
void tk_explain_handshake(struct tlskit_conn *conn, unsigned long ssl_err, int syscall_errno);
int tk_check_pins(struct tlskit_conn *conn) WUR;

/* ctx.c */
int tk_ticket_cb(SSL *s, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                 EVP_MAC_CTX *hctx, int enc);

/* net.c */
int64_t tk_now_ms(void);
/* SO_RCVTIMEO and SO_SNDTIMEO of FD, both MS milliseconds. */
void tk_sock_timeouts(int fd, int64_t ms);

/* bio.c */
BIO *tk_bio_new(struct tlskit_conn *conn) WUR;

#endif
