/* conn.c: one TLS connection: handshake, read, write and close over a socket or callbacks,
 * blocking or not, and the facts about the peer afterwards. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* ERR_clear_error() wipes all 16 slots of the thread's queue each time, a visible cost per
 * request; the queue is almost always empty, and looking is cheap. */
static void clear_errors(void)
{
    if (ERR_peek_error() != 0) {
        ERR_clear_error();
    }
}

struct tlskit_conn *tlskit_conn_new(struct tlskit_ctx *ctx)
{
    struct tlskit_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->fd = -1;
    c->ssl = SSL_new(ctx->ssl);
    if (c->ssl == NULL) {
        ERR_clear_error();
        free(c);
        return NULL;
    }
    atomic_fetch_add(&ctx->refs, 1);
    c->ctx = ctx;
    SSL_set_app_data(c->ssl, c);
    if (ctx->server) {
        SSL_set_accept_state(c->ssl);
    } else {
        SSL_set_connect_state(c->ssl);
        if (!ctx->skip_name_check && !ctx->skip_verify) {
            X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(c->ssl), tk_default_host_flags);
        }
    }
    return c;
}

void tlskit_conn_free(struct tlskit_conn *c)
{
    if (c == NULL) {
        return;
    }
    SSL_free(c->ssl);
    if (c->own_fd && c->fd >= 0) {
        close(c->fd);
    }
    X509_free(c->vfy_cert);
    tk_err_clear(&c->err);
    free(c->servername);
    free(c->alpn);
    free(c->verify_result);
    tlskit_ctx_free(c->ctx);
    free(c);
}

const char *tlskit_conn_error(const struct tlskit_conn *c)
{
    return tk_err_msg(&c->err);
}

enum tlskit_error_kind tlskit_conn_error_kind(const struct tlskit_conn *c)
{
    return c->err.kind;
}

int tlskit_conn_set_servername(struct tlskit_conn *c, const char *name)
{
    unsigned char addr[16];
    if (c->ctx->server) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "a server connection has no server name to set");
        return -1;
    }
    if (name == NULL || name[0] == '\0' || strlen(name) > 253) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE,
                   "the server name must be a host name of 1 to 253 characters");
        return -1;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "out of memory");
        return -1;
    }
    /* "example.com." names the same host; certificates and SNI carry no trailing dot. */
    size_t n = strlen(copy);
    if (n > 1 && copy[n - 1] == '.') {
        copy[n - 1] = '\0';
    }
    int is_ip = inet_pton(AF_INET, copy, addr) == 1 || inet_pton(AF_INET6, copy, addr) == 1;
    /* A name set before is replaced whole: its SNI, host name and address all go, so that a
     * later address is not checked against an earlier name, nor sent with its SNI. */
    X509_VERIFY_PARAM *p = SSL_get0_param(c->ssl);
    int ok = SSL_set_tlsext_host_name(c->ssl, NULL) == 1 && SSL_set1_host(c->ssl, NULL) == 1 &&
             X509_VERIFY_PARAM_set1_ip(p, NULL, 0) == 1;
    if (ok && !is_ip) {
        /* RFC 6066 3: SNI carries host names only, never addresses. */
        ok = SSL_set_tlsext_host_name(c->ssl, copy) == 1;
    }
    if (ok && !c->ctx->skip_verify && !c->ctx->skip_name_check) {
        ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(p, copy) == 1 : SSL_set1_host(c->ssl, copy) == 1;
    }
    if (!ok) {
        /* No name at all rather than half of one: the handshake then refuses to start. */
        ERR_clear_error();
        free(copy);
        free(c->servername);
        c->servername = NULL;
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "'%s' is not a valid host name or address", name);
        return -1;
    }
    free(c->servername);
    c->servername = copy;
    c->name_is_ip = is_ip;
    return 0;
}

static int attach_bio(struct tlskit_conn *c)
{
    BIO *b = tk_bio_new(c);
    if (b == NULL) {
        tk_err_set(&c->err, TLSKIT_ERR_IO, "out of memory");
        return -1;
    }
    SSL_set_bio(c->ssl, b, b);
    return 0;
}

/* Closes the socket tlskit_conn_connect opened, when another transport replaces it. */
static void drop_own_fd(struct tlskit_conn *c)
{
    if (c->own_fd && c->fd >= 0) {
        close(c->fd);
    }
    c->own_fd = 0;
}

int tlskit_conn_set_fd(struct tlskit_conn *c, int fd)
{
    if (fd < 0) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "invalid socket %d", fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "socket %d is not open", fd);
        return -1;
    }
    if (c->fd != fd) {
        /* Another socket: the caller's, with the caller's timeouts. */
        drop_own_fd(c);
        c->timeout_ms = 0;
        c->deadline_ms = 0;
    }
    c->fd = fd;
    c->blocking = (fl & O_NONBLOCK) == 0;
    c->rd = NULL;
    c->wr = NULL;
    return attach_bio(c);
}

int tlskit_conn_set_cbs(struct tlskit_conn *c, tlskit_read_cb rd, tlskit_write_cb wr, void *arg)
{
    if (rd == NULL || wr == NULL) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "both a read and a write callback are needed");
        return -1;
    }
    drop_own_fd(c);
    c->rd = rd;
    c->wr = wr;
    c->cb_arg = arg;
    c->blocking = 0;
    c->fd = -1;
    return attach_bio(c);
}

/* After an SSL call returned R <= 0: WANT_*, 0 for end of stream, or -1 with the error set.
 * WHAT says which step failed, for messages. */
static int io_result(struct tlskit_conn *c, int r, const char *what)
{
    int e = SSL_get_error(c->ssl, r);
    unsigned long q = ERR_peek_error();
    switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        if (c->blocking) {
            /* A blocking socket only says "again" when SO_RCVTIMEO/SO_SNDTIMEO expired. */
            if (c->deadline_ms != 0 && !c->handshake_done) {
                tk_err_set(&c->err, TLSKIT_ERR_TIMEOUT,
                           "timed out: the handshake did not finish within %d s",
                           (c->timeout_ms + 999) / 1000);
            } else if (c->timeout_ms > 0) {
                tk_err_set(&c->err, TLSKIT_ERR_TIMEOUT,
                           e == SSL_ERROR_WANT_WRITE
                               ? "timed out: the peer took nothing for %d s during the %s"
                               : "timed out: the peer sent nothing for %d s during the %s",
                           (c->timeout_ms + 999) / 1000, what);
            } else { /* the caller's socket: its timeout is the caller's to know */
                tk_err_set(&c->err, TLSKIT_ERR_TIMEOUT,
                           "timed out during the %s: the socket's SO_RCVTIMEO/SO_SNDTIMEO expired",
                           what);
            }
            ERR_clear_error();
            return -1;
        }
        ERR_clear_error();
        return e == SSL_ERROR_WANT_READ ? TLSKIT_WANT_READ : TLSKIT_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        c->eof_clean = 1;
        ERR_clear_error();
        return 0;
    case SSL_ERROR_SYSCALL:
        /* r is 0 for every failure of SSL_read_ex: only errno tells EOF from an error. */
        if (q == 0 && c->last_errno == 0) {
            ERR_clear_error();
            if (!c->handshake_done) {
                break; /* explained below */
            }
            c->eof_clean = 0;
            return 0;
        }
        break;
    case SSL_ERROR_SSL:
        if (c->handshake_done && ERR_GET_REASON(q) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            /* TCP closed without close_notify: end of stream, flagged as not clean. */
            ERR_clear_error();
            c->eof_clean = 0;
            return 0;
        }
        break;
    default:
        break;
    }
    int r13 = ERR_GET_REASON(q);
    if (!c->handshake_done) {
        tk_explain_handshake(c, q, e == SSL_ERROR_SYSCALL ? c->last_errno : 0);
    } else if (!c->ctx->server && e == SSL_ERROR_SSL &&
               (r13 == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
                r13 == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE || r13 == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
                r13 == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN ||
                r13 == SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED ||
                r13 == SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED)) {
        /* TLS 1.3: the server judges our certificate after our side of the handshake is
         * done, so its refusal arrives with the first read; explain it as a handshake. */
        tk_explain_handshake(c, q, 0);
    } else if (e == SSL_ERROR_SYSCALL && c->last_errno) {
        tk_err_set(&c->err, c->last_errno == ETIMEDOUT ? TLSKIT_ERR_TIMEOUT : TLSKIT_ERR_IO,
                   "the connection broke during the %s: %s", what, strerror(c->last_errno));
    } else {
        char rb[256];
        tk_err_set(&c->err, TLSKIT_ERR_IO, "TLS error during the %s: %s", what,
                   tk_ssl_reason(rb, sizeof(rb)));
    }
    ERR_clear_error();
    return -1;
}

/* Copies the negotiated ALPN protocol into the connection, NUL-terminated, so that
 * tlskit_conn_alpn returns a string owned by this connection alone. 0, or -1 (out of memory,
 * kind IO). */
static int keep_alpn(struct tlskit_conn *c)
{
    const unsigned char *p = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(c->ssl, &p, &len);
    if (p == NULL || len == 0) {
        return 0;
    }
    c->alpn = malloc(len + 1);
    if (c->alpn == NULL) {
        tk_err_set(&c->err, TLSKIT_ERR_IO, "out of memory after the handshake");
        return -1;
    }
    memcpy(c->alpn, p, len);
    c->alpn[len] = '\0';
    return 0;
}

int tlskit_conn_handshake(struct tlskit_conn *c)
{
    if (c->handshake_done) {
        return 0;
    }
    if (c->err.kind != TLSKIT_ERR_NONE && c->err.kind != TLSKIT_ERR_USAGE) {
        return -1; /* a failed handshake is not tried again */
    }
    if (SSL_get_rbio(c->ssl) == NULL) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE,
                   "no socket or callbacks set: call tlskit_conn_set_fd or _set_cbs first");
        return -1;
    }
    if (!c->ctx->server && !c->ctx->skip_verify && !c->ctx->skip_name_check &&
        c->servername == NULL) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE,
                   "no server name to verify: call tlskit_conn_set_servername first");
        return -1;
    }
    if (c->own_fd && c->blocking && c->timeout_ms > 0 && c->deadline_ms == 0) {
        c->deadline_ms = tk_now_ms() + c->timeout_ms;
    }
    clear_errors();
    c->last_errno = 0;
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        if (c->deadline_ms != 0) {
            c->deadline_ms = 0;
            tk_sock_timeouts(c->fd, c->timeout_ms); /* from now on, per read and write */
        }
        /* Done only once the pins match too: a refused peer gets no read or write. */
        if (!c->ctx->server && tk_check_pins(c) != 0) {
            return -1;
        }
        if (keep_alpn(c) != 0) {
            return -1;
        }
        c->handshake_done = 1;
        return 0;
    }
    int rv = io_result(c, r, "handshake");
    if (rv == 0) {
        tk_explain_handshake(c, 0, 0);
        return -1;
    }
    return rv;
}

ssize_t tlskit_conn_read(struct tlskit_conn *c, void *buf, size_t len)
{
    int r = tlskit_conn_handshake(c);
    if (r != 0) {
        return r;
    }
    size_t n = 0;
    clear_errors();
    c->last_errno = 0;
    r = SSL_read_ex(c->ssl, buf, len, &n);
    if (r == 1) {
        return (ssize_t)n;
    }
    return io_result(c, r, "read");
}

ssize_t tlskit_conn_write(struct tlskit_conn *c, const void *buf, size_t len)
{
    int r = tlskit_conn_handshake(c);
    if (r != 0) {
        return r;
    }
    size_t done = 0;
    while (done < len) {
        size_t n = 0;
        clear_errors();
        c->last_errno = 0;
        r = SSL_write_ex(c->ssl, (const char *)buf + done, len - done, &n);
        if (r != 1) {
            if (done > 0 && !c->blocking) {
                return (ssize_t)done;
            }
            int rv = io_result(c, r, "write");
            if (rv == 0) {
                tk_err_set(&c->err, TLSKIT_ERR_IO, "the peer closed the connection during a write");
                return -1;
            }
            return rv;
        }
        done += n;
        if (!c->blocking) {
            break; /* a partial write is the caller's to finish when writable */
        }
    }
    return (ssize_t)done;
}

int tlskit_conn_eof_clean(const struct tlskit_conn *c)
{
    return c->eof_clean;
}

int tlskit_conn_close(struct tlskit_conn *c)
{
    if (!c->handshake_done || c->close_sent) {
        return 0;
    }
    ERR_clear_error();
    c->last_errno = 0;
    int r = SSL_shutdown(c->ssl);
    if (r >= 0) {
        c->close_sent = 1;
        return 0;
    }
    int e = SSL_get_error(c->ssl, r);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && !c->blocking) {
        ERR_clear_error();
        return e == SSL_ERROR_WANT_READ ? TLSKIT_WANT_READ : TLSKIT_WANT_WRITE;
    }
    /* The peer may already be gone; that is no reason to fail a close. */
    c->close_sent = 1;
    ERR_clear_error();
    if (e == SSL_ERROR_SYSCALL && (c->last_errno == EPIPE || c->last_errno == ECONNRESET)) {
        return 0;
    }
    tk_err_set(&c->err, TLSKIT_ERR_IO, "close_notify could not be sent: %s",
               c->last_errno ? strerror(c->last_errno) : "TLS error");
    return -1;
}

size_t tlskit_conn_pending(const struct tlskit_conn *c)
{
    int n = SSL_pending(c->ssl);
    if (n <= 0 && SSL_has_pending(c->ssl)) {
        return 1; /* read ahead: whole records wait undecrypted */
    }
    return n > 0 ? (size_t)n : 0;
}

int tlskit_conn_keep_buffers(struct tlskit_conn *c, int keep)
{
    if (keep) {
        SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
        return 0;
    }
    SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
    return SSL_free_buffers(c->ssl) == 1 ? 0 : -1;
}

int tlskit_conn_fd(const struct tlskit_conn *c)
{
    return c->rd ? -1 : c->fd;
}

int tlskit_conn_set_nonblocking(struct tlskit_conn *c, int on)
{
    if (c->rd || c->fd < 0) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "the connection has no socket to switch");
        return -1;
    }
    int fl = fcntl(c->fd, F_GETFL);
    if (fl < 0 || fcntl(c->fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) != 0) {
        tk_err_set(&c->err, TLSKIT_ERR_IO, "socket %d could not be switched to %sblocking: %s",
                   c->fd, on ? "non-" : "", strerror(errno));
        return -1;
    }
    c->blocking = on ? 0 : 1;
    return 0;
}

/* ---- facts ---- */

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

const char *tlskit_conn_version(const struct tlskit_conn *c)
{
    return c->handshake_done ? SSL_get_version(c->ssl) : "";
}

const char *tlskit_conn_cipher(const struct tlskit_conn *c)
{
    return c->handshake_done ? or_empty(SSL_get_cipher_name(c->ssl)) : "";
}

static const char *group_name(int nid)
{
    switch (nid) {
    case NID_X9_62_prime256v1:
        return "P-256";
    case NID_secp384r1:
        return "P-384";
    case NID_secp521r1:
        return "P-521";
    case NID_X25519:
        return "X25519";
    case NID_X448:
        return "X448";
    default:
        return nid > 0 ? or_empty(OBJ_nid2sn(nid)) : "";
    }
}

const char *tlskit_conn_group(const struct tlskit_conn *c)
{
    if (!c->handshake_done) {
        return "";
    }
    int nid = SSL_get_negotiated_group(c->ssl);
    if (nid <= 0) {
        return "";
    }
    if (nid & TLSEXT_nid_unknown) {
        return "unknown";
    }
    return group_name(nid);
}

const char *tlskit_conn_sigalg(const struct tlskit_conn *c)
{
    int type = 0, hash = 0;
    if (!c->handshake_done || SSL_get_peer_signature_type_nid(c->ssl, &type) != 1) {
        return "";
    }
    SSL_get_peer_signature_nid(c->ssl, &hash);
    switch (type) {
    case EVP_PKEY_EC:
        switch (hash) {
        case NID_sha256:
            return "ecdsa_secp256r1_sha256";
        case NID_sha384:
            return "ecdsa_secp384r1_sha384";
        case NID_sha512:
            return "ecdsa_secp521r1_sha512";
        default:
            return "ecdsa";
        }
    case EVP_PKEY_RSA_PSS:
        return hash == NID_sha384   ? "rsa_pss_rsae_sha384"
               : hash == NID_sha512 ? "rsa_pss_rsae_sha512"
                                    : "rsa_pss_rsae_sha256";
    case EVP_PKEY_RSA:
        return hash == NID_sha384   ? "rsa_pkcs1_sha384"
               : hash == NID_sha512 ? "rsa_pkcs1_sha512"
                                    : "rsa_pkcs1_sha256";
    case EVP_PKEY_ED25519:
        return "ed25519";
    case EVP_PKEY_ED448:
        return "ed448";
    default:
        return or_empty(OBJ_nid2sn(type));
    }
}

const char *tlskit_conn_alpn(const struct tlskit_conn *c)
{
    return or_empty(c->alpn);
}

const char *tlskit_conn_servername(const struct tlskit_conn *c)
{
    if (c->ctx->server) {
        return or_empty(SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name));
    }
    return or_empty(c->servername);
}

int tlskit_conn_resumed(const struct tlskit_conn *c)
{
    return c->handshake_done && SSL_session_reused(c->ssl);
}

const char *tlskit_conn_offered_version(const struct tlskit_conn *c)
{
    switch (c->offered) {
    case TLS1_3_VERSION:
        return "TLSv1.3";
    case TLS1_2_VERSION:
        return "TLSv1.2";
    case TLS1_1_VERSION:
        return "TLSv1.1";
    case TLS1_VERSION:
        return "TLSv1.0";
    case SSL3_VERSION:
        return "SSLv3";
    default:
        return "";
    }
}

const char *tlskit_conn_verify_result(const struct tlskit_conn *c)
{
    if (c->verify_result) {
        return c->verify_result;
    }
    if (c->ctx->server) {
        if (c->ctx->verify_client == TK_VERIFY_CLIENT_NONE) {
            return "none (no certificate asked)";
        }
        if (SSL_get0_peer_certificate(c->ssl) == NULL) {
            return "none (no certificate sent)";
        }
    } else if (c->ctx->skip_verify) {
        return "skipped (insecure)";
    }
    if (!c->handshake_done) {
        /* After a failed verification: why it failed. */
        return c->vfy_err ? X509_verify_cert_error_string(c->vfy_err) : "";
    }
    long v = SSL_get_verify_result(c->ssl);
    if (v == X509_V_OK) {
        return c->ctx->skip_name_check ? "ok (host name not checked: insecure)" : "ok";
    }
    return X509_verify_cert_error_string(v);
}

/* The peer's chain with its own certificate first, on both sides. */
static X509 *peer_cert(const struct tlskit_conn *c, size_t i)
{
    X509 *leaf = SSL_get0_peer_certificate(c->ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    if (leaf == NULL) {
        /* A client whose verification failed holds the chain the server sent (leaf first)
         * but no peer certificate: show that chain, to explain the failure. */
        if (!c->ctx->server && chain && i < (size_t)sk_X509_num(chain)) {
            return sk_X509_value(chain, (int)i);
        }
        return NULL;
    }
    if (i == 0) {
        return leaf;
    }
    /* A client's view of the chain includes the leaf; a server's does not. */
    int skip = chain && sk_X509_num(chain) > 0 && X509_cmp(sk_X509_value(chain, 0), leaf) == 0;
    int idx = (int)i - 1 + skip;
    if (chain == NULL || idx >= sk_X509_num(chain)) {
        return NULL;
    }
    return sk_X509_value(chain, idx);
}

size_t tlskit_conn_peer_cert_count(const struct tlskit_conn *c)
{
    size_t n = 0;
    while (peer_cert(c, n) != NULL) {
        n++;
    }
    return n;
}

int tlskit_conn_peer_cert_info(const struct tlskit_conn *c, size_t i, struct tlskit_cert_info *info)
{
    X509 *x = peer_cert(c, i);
    memset(info, 0, sizeof(*info));
    if (x == NULL) {
        return -1;
    }
    tk_name_oneline(X509_get_subject_name(x), info->subject, sizeof(info->subject));
    tk_name_oneline(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
    tk_cert_names(x, info->names, sizeof(info->names));
    tk_time_str(X509_get0_notBefore(x), info->not_before, sizeof(info->not_before));
    tk_time_str(X509_get0_notAfter(x), info->not_after, sizeof(info->not_after));
    EVP_PKEY *k = X509_get0_pubkey(x);
    if (k) {
        tk_key_desc(k, info->key, sizeof(info->key));
    }
    int sig = X509_get_signature_nid(x);
    snprintf(info->sig_alg, sizeof(info->sig_alg), "%s", sig ? OBJ_nid2ln(sig) : "unknown");
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
        for (unsigned j = 0; j < mdlen; j++) {
            snprintf(info->sha256 + 3 * j, sizeof(info->sha256) - 3 * j, "%02X%s", md[j],
                     j + 1 < mdlen ? ":" : "");
        }
    }
    info->is_ca = X509_check_ca(x) != 0 && (X509_get_extension_flags(x) & EXFLAG_CA);
    return 0;
}

char *tlskit_conn_peer_cert_pem(const struct tlskit_conn *c, size_t i)
{
    X509 *x = peer_cert(c, i);
    BIO *b = x ? BIO_new(BIO_s_mem()) : NULL;
    char *out = NULL;
    if (b && PEM_write_bio_X509(b, x) == 1) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        out = malloc((size_t)n + 1);
        if (out) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(b);
    return out;
}

char *tlskit_conn_peer_pubkey_pin(const struct tlskit_conn *c)
{
    X509 *x = peer_cert(c, 0);
    unsigned char *der = NULL, md[32], b64[64];
    char *out = NULL;
    int n = x ? i2d_PUBKEY(X509_get0_pubkey(x), &der) : -1;
    if (n > 0 && EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL) == 1) {
        EVP_EncodeBlock(b64, md, sizeof(md));
        if (asprintf(&out, "sha256//%s", b64) < 0) {
            out = NULL;
        }
    }
    OPENSSL_free(der);
    return out;
}
