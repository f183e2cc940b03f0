/* ctx.c: compiling a config into an immutable, shareable OpenSSL context, and the session
 * ticket keys that every process built from one config shares and rotates in step. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "internal.h"

static int ctx_index = -1;

/* The ctx owning an SSL_CTX, for callbacks. */
static struct tlskit_ctx *ctx_of(SSL *s)
{
    return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(s), ctx_index);
}

/* Key material for ticket epoch N: name, AES key and HMAC key, derived from the config's
 * secret so that every worker computes the same keys without coordination. */
struct ticket_key {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char mac[32];
};

static int derive_ticket_key(const struct tlskit_ctx *c, uint64_t epoch, struct ticket_key *k)
{
    unsigned char in[9 + 8], out[32];
    unsigned int olen = 0;
    static const char labels[3][9] = {"tk-name-", "tk-aes--", "tk-mac--"};
    unsigned char *dst[3] = {k->name, k->aes, k->mac};
    size_t dlen[3] = {sizeof(k->name), sizeof(k->aes), sizeof(k->mac)};
    for (int i = 0; i < 3; i++) {
        memcpy(in, labels[i], 9);
        for (int j = 0; j < 8; j++) {
            in[9 + j] = (unsigned char)(epoch >> (56 - 8 * j));
        }
        if (HMAC(EVP_sha256(), c->ticket_secret, sizeof(c->ticket_secret), in, sizeof(in), out,
                 &olen) == NULL) {
            return -1;
        }
        memcpy(dst[i], out, dlen[i]);
    }
    OPENSSL_cleanse(out, sizeof(out));
    return 0;
}

/* The keys of the last two epochs, per thread: deriving takes three HMACs, a noticeable part
 * of a server handshake. Entries are matched on the secret itself, so a context freed and
 * another made at the same address can never pick up stale keys. */
static __thread struct {
    int valid;
    uint64_t epoch;
    unsigned char secret[32];
    struct ticket_key k;
} ticket_cache[2];

static int ticket_key_for(const struct tlskit_ctx *c, uint64_t epoch, struct ticket_key *k)
{
    int slot = (int)(epoch & 1);
    if (ticket_cache[slot].valid && ticket_cache[slot].epoch == epoch &&
        CRYPTO_memcmp(ticket_cache[slot].secret, c->ticket_secret, sizeof(c->ticket_secret)) == 0) {
        *k = ticket_cache[slot].k;
        return 0;
    }
    if (derive_ticket_key(c, epoch, k) != 0) {
        return -1;
    }
    ticket_cache[slot].valid = 1;
    ticket_cache[slot].epoch = epoch;
    memcpy(ticket_cache[slot].secret, c->ticket_secret, sizeof(c->ticket_secret));
    ticket_cache[slot].k = *k;
    return 0;
}

/* Wipes this thread's cached keys made from SECRET (a context being freed). Other threads'
 * copies go when their next ticket needs the slot, or with the thread. */
static void ticket_cache_wipe(const unsigned char *secret, size_t len)
{
    for (int i = 0; i < 2; i++) {
        if (ticket_cache[i].valid && CRYPTO_memcmp(ticket_cache[i].secret, secret, len) == 0) {
            OPENSSL_cleanse(&ticket_cache[i], sizeof(ticket_cache[i]));
        }
    }
}

static int ticket_setup(struct ticket_key *k, unsigned char *iv, EVP_CIPHER_CTX *cctx,
                        EVP_MAC_CTX *hctx, int enc)
{
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(hctx, k->mac, sizeof(k->mac), params) != 1) {
        return -1;
    }
    if (enc) {
        return EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) == 1 ? 0 : -1;
    }
    return EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) == 1 ? 0 : -1;
}

/* OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb): 1 to use the key, 2
 * to accept a ticket and issue a fresh one (it was sealed with the previous key), 0 when the
 * ticket is unknown (full handshake), -1 on error. */
int tk_ticket_cb(SSL *s, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                 EVP_MAC_CTX *hctx, int enc)
{
    struct tlskit_ctx *c = ctx_of(s);
    struct ticket_key k;
    int rv = -1;
    if (c == NULL) {
        return -1;
    }
    uint64_t epoch = (uint64_t)time(NULL) / c->ticket_lifetime;
    if (enc) {
        if (ticket_key_for(c, epoch, &k) != 0 || RAND_bytes(iv, 16) != 1) {
            goto out;
        }
        memcpy(key_name, k.name, 16);
        rv = ticket_setup(&k, iv, cctx, hctx, 1) == 0 ? 1 : -1;
        goto out;
    }
    for (uint64_t back = 0; back < 2 && back <= epoch; back++) {
        if (ticket_key_for(c, epoch - back, &k) != 0) {
            goto out;
        }
        if (CRYPTO_memcmp(key_name, k.name, 16) == 0) {
            rv = ticket_setup(&k, iv, cctx, hctx, 0) == 0 ? (back ? 2 : 1) : -1;
            goto out;
        }
    }
    rv = 0;
out:
    OPENSSL_cleanse(&k, sizeof(k));
    return rv;
}

/* Server: note the highest version a client offers, so that a refusal can name it. */
static int client_hello_cb(SSL *s, int *al, void *arg)
{
    (void)al;
    (void)arg;
    struct tlskit_conn *conn = SSL_get_app_data(s);
    if (conn == NULL) {
        return SSL_CLIENT_HELLO_SUCCESS;
    }
    unsigned v = SSL_client_hello_get0_legacy_version(s);
    const unsigned char *ext;
    size_t len;
    if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_supported_versions, &ext, &len) == 1 && len >= 1) {
        size_t n = ext[0];
        for (size_t i = 1; i + 1 < len && i + 1 <= n; i += 2) {
            unsigned w = (unsigned)ext[i] << 8 | ext[i + 1];
            if ((w & 0x0f0f) != 0x0a0a && w > v && w <= TLS1_3_VERSION) { /* skip GREASE */
                v = w;
            }
        }
    }
    conn->offered = (uint16_t)v;
    return SSL_CLIENT_HELLO_SUCCESS;
}

/* Server: pick the first of our ALPN protocols that the client also offers. A client that
 * offers only others is refused (RFC 7301 3.2), which also blunts cross-protocol attacks
 * such as ALPACA. */
static int alpn_select_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)arg;
    struct tlskit_ctx *c = ctx_of(s);
    unsigned char *sel = NULL;
    if (c && c->alpn &&
        SSL_select_next_proto(&sel, outlen, c->alpn, (unsigned)c->alpn_len, in, inlen) ==
            OPENSSL_NPN_NEGOTIATED) {
        *out = sel;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ptr, (void)ad, (void)idx, (void)argl, (void)argp;
}

static pthread_once_t index_once = PTHREAD_ONCE_INIT;
static void make_index(void)
{
    ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ex_free);
}

static int load_trust(struct tlskit_config *cfg, SSL_CTX *ssl)
{
    char r[256];
    X509_STORE *store = SSL_CTX_get_cert_store(ssl);
    if (cfg->ca_file && X509_STORE_load_file(store, cfg->ca_file) != 1) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "CA file '%s' could not be loaded: %s",
                   cfg->ca_file, tk_ssl_reason(r, sizeof(r)));
        return -1;
    }
    if (cfg->ca_path && X509_STORE_load_path(store, cfg->ca_path) != 1) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "CA path '%s' could not be used: %s", cfg->ca_path,
                   tk_ssl_reason(r, sizeof(r)));
        return -1;
    }
    if (cfg->ca_mem) {
        BIO *b = BIO_new_mem_buf(cfg->ca_mem, (int)cfg->ca_mem_len);
        STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
        int n = 0;
        for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
            X509_INFO *xi = sk_X509_INFO_value(infos, i);
            if (xi->x509 && X509_STORE_add_cert(store, xi->x509) == 1) {
                n++;
            }
        }
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
        BIO_free(b);
        ERR_clear_error();
        if (n == 0) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                       "the CA certificates given in memory hold no PEM certificate");
            return -1;
        }
    }
    if (!cfg->ca_file && !cfg->ca_path && !cfg->ca_mem) {
        /* The system store, where OpenSSL was told it is (or $SSL_CERT_FILE / _DIR). */
        if (SSL_CTX_set_default_verify_paths(ssl) != 1) {
            ERR_clear_error();
        }
    }
    if (cfg->crl_file) {
        X509_LOOKUP *lu = X509_STORE_add_lookup(store, X509_LOOKUP_file());
        if (lu == NULL || X509_load_crl_file(lu, cfg->crl_file, X509_FILETYPE_PEM) <= 0) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "CRL file '%s' could not be loaded: %s",
                       cfg->crl_file, tk_ssl_reason(r, sizeof(r)));
            return -1;
        }
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
    X509_STORE_set_flags(store, tk_default_verify_flags);
    return 0;
}

static int verify_cb(int ok, X509_STORE_CTX *xs)
{
    SSL *s = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tlskit_conn *conn = s ? SSL_get_app_data(s) : NULL;
    if (!ok && conn && conn->vfy_err == 0) {
        /* Keep the first failure and its certificate to explain it after the handshake. */
        conn->vfy_err = X509_STORE_CTX_get_error(xs);
        conn->vfy_depth = X509_STORE_CTX_get_error_depth(xs);
        X509 *c = X509_STORE_CTX_get_current_cert(xs);
        if (c && X509_up_ref(c) == 1) {
            conn->vfy_cert = c;
        }
    }
    return ok;
}

static struct tlskit_ctx *ctx_new(struct tlskit_config *cfg, int server)
{
    char r[256];
    struct tlskit_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL || pthread_once(&index_once, make_index) != 0 || ctx_index < 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "out of memory building the TLS context");
        free(c);
        return NULL;
    }
    atomic_init(&c->refs, 1);
    c->server = server;
    c->skip_verify = cfg->insecure_skip_verify;
    c->skip_name_check = cfg->insecure_skip_name_check;
    c->verify_client = cfg->verify_client;
    c->ticket_lifetime = cfg->ticket_lifetime;
    memcpy(c->ticket_secret, cfg->ticket_secret, sizeof(c->ticket_secret));
    c->ssl = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (c->ssl == NULL || SSL_CTX_set_ex_data(c->ssl, ctx_index, c) != 1) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "OpenSSL could not make a context: %s",
                   tk_ssl_reason(r, sizeof(r)));
        goto fail;
    }
    if ((cfg->pins && (c->pins = strdup(cfg->pins)) == NULL) ||
        (cfg->crl_file && (c->crl_file = strdup(cfg->crl_file)) == NULL)) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "out of memory building the TLS context");
        goto fail;
    }
    SSL_CTX *s = c->ssl;
    SSL_CTX_set_security_level(s, tk_default_security_level);
    SSL_CTX_set_options(s, (uint64_t)tk_default_options);
    SSL_CTX_set_mode(s, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_set_min_proto_version(s, cfg->min_version) != 1 ||
        SSL_CTX_set_max_proto_version(s, cfg->max_version) != 1) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "TLS versions could not be set: %s",
                   tk_ssl_reason(r, sizeof(r)));
        goto fail;
    }
    if (SSL_CTX_set_cipher_list(s, cfg->ciphers) != 1 ||
        SSL_CTX_set_ciphersuites(s, cfg->ciphersuites) != 1) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "ciphers could not be set: %s",
                   tk_ssl_reason(r, sizeof(r)));
        goto fail;
    }
    if (SSL_CTX_get_security_level(s) < tk_default_security_level) {
        SSL_CTX_set_security_level(s, tk_default_security_level); /* "@SECLEVEL=0" in a string */
    }
    if (SSL_CTX_set1_groups_list(s, cfg->groups) != 1) {
        ERR_clear_error();
        if (!cfg->groups_default || SSL_CTX_set1_groups_list(s, tk_fallback_groups) != 1) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "groups '%s' could not be set: %s",
                       cfg->groups, tk_ssl_reason(r, sizeof(r)));
            goto fail;
        }
    }
    if (cfg->alpn) {
        if ((c->alpn = malloc(cfg->alpn_len)) == NULL) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "out of memory building the TLS context");
            goto fail;
        }
        memcpy(c->alpn, cfg->alpn, cfg->alpn_len);
        c->alpn_len = cfg->alpn_len;
        if (server) {
            SSL_CTX_set_alpn_select_cb(s, alpn_select_cb, NULL);
        } else if (SSL_CTX_set_alpn_protos(s, cfg->alpn, (unsigned)cfg->alpn_len) != 0) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "ALPN could not be set");
            goto fail;
        }
    }
    if (cfg->key && cfg->cert) {
        if (SSL_CTX_use_certificate(s, cfg->cert) != 1 ||
            SSL_CTX_use_PrivateKey(s, cfg->key) != 1 ||
            (cfg->chain && SSL_CTX_set1_chain(s, cfg->chain) != 1) ||
            SSL_CTX_check_private_key(s) != 1) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                       "the certificate and key from '%s' were refused by OpenSSL: %s",
                       cfg->keypair_name ? cfg->keypair_name : "?", tk_ssl_reason(r, sizeof(r)));
            goto fail;
        }
    }

    if (server) {
        if (cfg->key == NULL) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                       "a server needs a certificate and its private key; none was set");
            goto fail;
        }
        /* Idle connections keep no read/write buffers (about 34 KiB each otherwise). */
        SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS);
        /* Read what the socket holds at once, not a record header and then its body: one
         * recv per request instead of two. tlskit_conn_pending also counts records read
         * but not yet decrypted, so an event-driven caller knows to read again. */
        SSL_CTX_set_read_ahead(s, 1);
        SSL_CTX_set_options(s, (uint64_t)tk_default_server_options);
        /* Client-initiated renegotiation is refused too (SSL_OP_NO_RENEGOTIATION above);
         * DHE, if a cipher string asks for it, gets a group sized to the key. */
        SSL_CTX_set_dh_auto(s, 1);
        SSL_CTX_set_client_hello_cb(s, client_hello_cb, NULL);
        if (cfg->session_tickets) {
            /* Stateless tickets only: no server-side cache to grow or to share. */
            SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_num_tickets(s, (size_t)tk_default_num_tickets);
            SSL_CTX_set_timeout(s, (long)cfg->ticket_lifetime * 2);
            SSL_CTX_set_tlsext_ticket_key_evp_cb(s, tk_ticket_cb);
        } else {
            SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
            SSL_CTX_set_num_tickets(s, 0);
        }
        if (cfg->verify_client != TK_VERIFY_CLIENT_NONE) {
            if (load_trust(cfg, s) != 0) {
                goto fail;
            }
            SSL_CTX_set_verify(s,
                               SSL_VERIFY_PEER | (cfg->verify_client == TK_VERIFY_CLIENT_REQUIRED
                                                      ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                                      : 0),
                               verify_cb);
            /* Name the acceptable issuers in the CertificateRequest. */
            if (cfg->ca_file) {
                STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);
                if (names) {
                    SSL_CTX_set_client_CA_list(s, names);
                }
            }
            static const unsigned char sid[] = "tlskit";
            SSL_CTX_set_session_id_context(s, sid, sizeof(sid) - 1);
        }
    } else {
        if (!cfg->insecure_skip_verify) {
            if (load_trust(cfg, s) != 0) {
                goto fail;
            }
            SSL_CTX_set_verify(s, SSL_VERIFY_PEER, verify_cb);
        } else {
            SSL_CTX_set_verify(s, SSL_VERIFY_NONE, NULL);
        }
        /* The client keeps no session cache of its own; callers that reuse sessions do so
         * explicitly. */
        SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
        /* Read ahead: one recv() fetches several records instead of two calls (header, then
         * body) per record; a bulk download costs far fewer system calls. */
        SSL_CTX_set_read_ahead(s, 1);
        SSL_CTX_set_default_read_buffer_len(s, 64 * 1024);
    }
    ERR_clear_error();
    return c;
fail:
    tlskit_ctx_free(c);
    return NULL;
}

struct tlskit_ctx *tlskit_client_ctx_new(struct tlskit_config *cfg)
{
    return ctx_new(cfg, 0);
}

struct tlskit_ctx *tlskit_server_ctx_new(struct tlskit_config *cfg)
{
    return ctx_new(cfg, 1);
}

void tlskit_ctx_free(struct tlskit_ctx *ctx)
{
    if (ctx == NULL || atomic_fetch_sub(&ctx->refs, 1) != 1) {
        return;
    }
    SSL_CTX_free(ctx->ssl);
    free(ctx->pins);
    free(ctx->crl_file);
    free(ctx->alpn);
    ticket_cache_wipe(ctx->ticket_secret, sizeof(ctx->ticket_secret));
    OPENSSL_cleanse(ctx->ticket_secret, sizeof(ctx->ticket_secret));
    free(ctx);
}

int tlskit_ctx_is_server(const struct tlskit_ctx *ctx)
{
    return ctx->server;
}
