/* test_defaults.c: every default of lib/defaults.c, asserted on built contexts and
 * connections (peeking at the OpenSSL objects through lib/internal.h where the public API
 * has no getter), and by handshakes that show the default in action. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "mempipe.h"
#include "t.h"

static struct tlskit_config *server_cfg(const char *bundle)
{
    char path[512];
    struct tlskit_config *cfg = tlskit_config_new();
    if (cfg &&
        tlskit_config_set_keypair_file(cfg, mp_cert_path(path, sizeof(path), bundle), NULL) != 0) {
        printf("# %s\n", tlskit_config_error(cfg));
    }
    return cfg;
}

static struct tlskit_config *client_cfg(void)
{
    char path[512];
    struct tlskit_config *cfg = tlskit_config_new();
    if (cfg && tlskit_config_set_ca_file(cfg, mp_cert_path(path, sizeof(path), "ca.pem")) != 0) {
        printf("# %s\n", tlskit_config_error(cfg));
    }
    return cfg;
}

/* A handshake of a client context and a server context for NAME; the client connection is
 * returned in *OUT (to inspect), the server's is freed. 0, -1 as the client's result. */
static int handshake(struct tlskit_ctx *cctx, struct tlskit_ctx *sctx, const char *name,
                     struct tlskit_conn **out, struct tlskit_conn **sout)
{
    struct mp_link l;
    mp_link_init(&l);
    struct tlskit_conn *c = tlskit_conn_new(cctx), *s = tlskit_conn_new(sctx);
    int rc = -1, rs = -1;
    if (c && s && mp_attach(&l, c, s) == 0 && tlskit_conn_set_servername(c, name) == 0) {
        mp_handshake(c, s, &rc, &rs);
    }
    if (out) {
        *out = c;
    } else {
        tlskit_conn_free(c);
    }
    if (sout) {
        *sout = s;
    } else {
        tlskit_conn_free(s);
    }
    mp_link_free(&l);
    return rc;
}

static void test_config_defaults(void)
{
    struct tlskit_config *cfg = tlskit_config_new();
    CHECK(cfg != NULL, "config_new gives a config");
    CHECK(cfg->min_version == TLS1_2_VERSION, "config: min version is TLS 1.2");
    CHECK(cfg->max_version == TLS1_3_VERSION, "config: max version is TLS 1.3");
    CHECK(tlskit_config_warning_count(cfg) == 0, "config: the defaults warn of nothing");
    CHECK(tlskit_config_error_kind(cfg) == TLSKIT_ERR_NONE && tlskit_config_error(cfg)[0] == 0,
          "config: no error at first");
    CHECK(cfg->session_tickets == 1, "config: session tickets on");
    CHECK(cfg->ticket_lifetime == 3600, "config: ticket keys rotate hourly");
    CHECK(cfg->insecure_skip_verify == 0 && cfg->insecure_skip_name_check == 0,
          "config: verification is not skipped");
    tlskit_config_free(cfg);
}

static void test_ctx_common(struct tlskit_ctx *ctx, const char *who)
{
    SSL_CTX *s = ctx->ssl;
    CHECK(SSL_CTX_get_min_proto_version(s) == TLS1_2_VERSION, "%s: min protocol TLS 1.2", who);
    CHECK(SSL_CTX_get_max_proto_version(s) == TLS1_3_VERSION, "%s: max protocol TLS 1.3", who);
    CHECK(SSL_CTX_get_security_level(s) == 2, "%s: security level 2", who);
    uint64_t o = SSL_CTX_get_options(s);
    CHECK(o & SSL_OP_NO_COMPRESSION, "%s: no compression", who);
    CHECK(o & SSL_OP_NO_RENEGOTIATION, "%s: renegotiation off", who);
    CHECK(SSL_CTX_get_session_cache_mode(s) == SSL_SESS_CACHE_OFF,
          "%s: the internal session cache is off", who);

    /* TLS 1.2: ECDHE + AEAD only; TLS 1.3: the three RFC 8446 suites. */
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(s);
    int n12 = 0, bad12 = 0, n13 = 0, bad13 = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        int kx = SSL_CIPHER_get_kx_nid(c), cn = SSL_CIPHER_get_cipher_nid(c);
        const char *name = SSL_CIPHER_get_name(c);
        if (kx == NID_kx_any) {
            n13++;
            bad13 += strcmp(name, "TLS_AES_128_GCM_SHA256") != 0 &&
                     strcmp(name, "TLS_AES_256_GCM_SHA384") != 0 &&
                     strcmp(name, "TLS_CHACHA20_POLY1305_SHA256") != 0;
            continue;
        }
        n12++;
        int good = kx == NID_kx_ecdhe && SSL_CIPHER_is_aead(c) &&
                   (cn == NID_aes_128_gcm || cn == NID_aes_256_gcm || cn == NID_chacha20_poly1305);
        if (!good) {
            printf("#   %s: unexpected TLS 1.2 cipher %s\n", who, name);
            bad12++;
        }
        if (strstr(name, "CBC") || strstr(name, "DHE-RSA") == name ||
            strncmp(name, "AES", 3) == 0) {
            bad12++;
        }
    }
    CHECK(n12 == 6 && bad12 == 0, "%s: TLS 1.2 ciphers are the 6 ECDHE+AEAD ones (%d, %d bad)", who,
          n12, bad12);
    CHECK(n13 == 3 && bad13 == 0, "%s: TLS 1.3 suites are the 3 default ones (%d, %d bad)", who,
          n13, bad13);
}

static void test_client_ctx(void)
{
    struct tlskit_config *cfg = tlskit_config_new();
    struct tlskit_ctx *ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx != NULL, "client ctx from the defaults (X25519MLKEM768 is absent on %s)",
          OpenSSL_version(OPENSSL_VERSION));
    if (ctx == NULL) {
        printf("#   %s\n", tlskit_config_error(cfg));
        tlskit_config_free(cfg);
        return;
    }
    CHECK(!tlskit_ctx_is_server(ctx), "client ctx is a client's");
    test_ctx_common(ctx, "client");
    CHECK(SSL_CTX_get_verify_mode(ctx->ssl) == SSL_VERIFY_PEER, "client: verifies the server");
    X509_STORE *st = SSL_CTX_get_cert_store(ctx->ssl);
    unsigned long fl = X509_VERIFY_PARAM_get_flags(X509_STORE_get0_param(st));
    CHECK(fl & X509_V_FLAG_X509_STRICT, "client: strict X.509");
    CHECK(fl & X509_V_FLAG_PARTIAL_CHAIN, "client: partial-chain trust");

    struct tlskit_conn *c = tlskit_conn_new(ctx);
    unsigned hf = X509_VERIFY_PARAM_get_hostflags(SSL_get0_param(c->ssl));
    CHECK(hf & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, "client conn: never falls back to the CN");
    CHECK(hf & X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, "client conn: no partial wildcards");
    /* Verification needs a name: a handshake without one is refused. */
    struct mp_link l;
    mp_link_init(&l);
    CHECK(tlskit_conn_set_cbs(c, mp_read, mp_write, &l.cend) == 0, "client conn takes callbacks");
    CHECK(tlskit_conn_handshake(c) == -1 && tlskit_conn_error_kind(c) == TLSKIT_ERR_USAGE,
          "client: handshake without a server name is a usage error");
    CHECK_CONTAINS(tlskit_conn_error(c), "tlskit_conn_set_servername", "... naming the call");
    mp_link_free(&l);
    tlskit_conn_free(c);
    tlskit_ctx_free(ctx);
    tlskit_config_free(cfg);
}

static void test_server_ctx(void)
{
    struct tlskit_config *cfg = server_cfg("ecdsa.pem");
    struct tlskit_ctx *ctx = tlskit_server_ctx_new(cfg);
    CHECK(ctx != NULL, "server ctx from the defaults and ecdsa.pem");
    if (ctx == NULL) {
        printf("#   %s\n", tlskit_config_error(cfg));
        tlskit_config_free(cfg);
        return;
    }
    CHECK(tlskit_ctx_is_server(ctx), "server ctx is a server's");
    test_ctx_common(ctx, "server");
    CHECK((SSL_CTX_get_options(ctx->ssl) & SSL_OP_NO_TICKET) == 0, "server: session tickets on");
    CHECK(SSL_CTX_get_num_tickets(ctx->ssl) == 1, "server: 1 ticket per handshake");
    CHECK(SSL_CTX_get_verify_mode(ctx->ssl) == SSL_VERIFY_NONE,
          "server: asks no client certificate by default");
    tlskit_ctx_free(ctx);
    tlskit_config_free(cfg);

    /* Without a certificate there is no server. */
    cfg = tlskit_config_new();
    ctx = tlskit_server_ctx_new(cfg);
    CHECK(ctx == NULL && tlskit_config_error_kind(cfg) == TLSKIT_ERR_CONFIG,
          "server ctx without a certificate is refused");
    CHECK_CONTAINS(tlskit_config_error(cfg), "certificate", "... saying a certificate is needed");
    tlskit_ctx_free(ctx);

    /* Tickets off: none issued. */
    tlskit_config_free(cfg);
    cfg = server_cfg("ecdsa.pem");
    tlskit_config_set_session_tickets(cfg, 0);
    ctx = tlskit_server_ctx_new(cfg);
    CHECK(ctx && (SSL_CTX_get_options(ctx->ssl) & SSL_OP_NO_TICKET) &&
              SSL_CTX_get_num_tickets(ctx->ssl) == 0,
          "server: set_session_tickets(0) turns them off");
    tlskit_ctx_free(ctx);
    tlskit_config_free(cfg);
}

/* The defaults in action, over the in-memory transport. */
static void test_handshakes(void)
{
    struct tlskit_config *ccfg = client_cfg(), *scfg = server_cfg("ecdsa.pem");
    struct tlskit_ctx *cctx = tlskit_client_ctx_new(ccfg), *sctx = tlskit_server_ctx_new(scfg);
    struct tlskit_conn *c = NULL, *s = NULL;
    CHECK(handshake(cctx, sctx, "localhost", &c, &s) == 0, "default client and server agree");
    CHECK(strcmp(tlskit_conn_version(c), "TLSv1.3") == 0, "... on TLS 1.3 (%s)",
          tlskit_conn_version(c));
    CHECK(strcmp(tlskit_conn_group(c), "X25519") == 0, "... with X25519 (%s)",
          tlskit_conn_group(c));
    CHECK(strcmp(tlskit_conn_verify_result(c), "ok") == 0, "... verified (%s)",
          tlskit_conn_verify_result(c));
    CHECK(SSL_get_current_compression(c->ssl) == NULL, "... without compression");
    /* The groups the client offered, as the server saw them: X25519, P-256, P-384. */
    int groups[16];
    int ng = (int)SSL_get1_groups(s->ssl, NULL);
    int ok = ng == 3 && SSL_get1_groups(s->ssl, groups) == 3 && groups[0] == NID_X25519 &&
             groups[1] == NID_X9_62_prime256v1 && groups[2] == NID_secp384r1;
    CHECK(ok, "client offers exactly X25519, P-256, P-384 (%d groups)", ng);
    /* Renegotiation is refused. */
    CHECK(SSL_renegotiate(c->ssl) == 0 || tlskit_conn_version(c)[6] == '3',
          "client cannot renegotiate");
    tlskit_conn_free(c);
    tlskit_conn_free(s);

    /* TLS 1.2: the ECDHE-ECDSA AES-128-GCM suite first. */
    struct tlskit_config *c12 = client_cfg();
    CHECK(tlskit_config_set_max_version(c12, "1.2") == 0, "client max 1.2");
    struct tlskit_ctx *cctx12 = tlskit_client_ctx_new(c12);
    CHECK(handshake(cctx12, sctx, "localhost", &c, &s) == 0, "TLS 1.2 handshake");
    CHECK(strcmp(tlskit_conn_cipher(c), "ECDHE-ECDSA-AES128-GCM-SHA256") == 0,
          "TLS 1.2 picks ECDHE-ECDSA-AES128-GCM-SHA256 (%s)", tlskit_conn_cipher(c));
    CHECK(SSL_renegotiate(c->ssl) == 0, "TLS 1.2 client cannot start a renegotiation");
    ERR_clear_error();
    tlskit_conn_free(c);
    tlskit_conn_free(s);

    /* The server accepts each default group alone, and not P-521. */
    const char *gs[] = {"X25519", "P-256", "P-384"};
    for (size_t i = 0; i < 3; i++) {
        struct tlskit_config *g = client_cfg();
        CHECK(tlskit_config_set_groups(g, gs[i]) == 0, "client groups %s", gs[i]);
        struct tlskit_ctx *gctx = tlskit_client_ctx_new(g);
        CHECK(handshake(gctx, sctx, "localhost", &c, NULL) == 0 &&
                  strcmp(tlskit_conn_group(c), gs[i]) == 0,
              "server accepts %s (%s)", gs[i], tlskit_conn_group(c));
        tlskit_conn_free(c);
        tlskit_ctx_free(gctx);
        tlskit_config_free(g);
    }
    struct tlskit_config *g521 = client_cfg();
    CHECK(tlskit_config_set_groups(g521, "P-521") == 0, "client groups P-521");
    struct tlskit_ctx *g521ctx = tlskit_client_ctx_new(g521);
    CHECK(handshake(g521ctx, sctx, "localhost", &c, NULL) == -1 &&
              tlskit_conn_error_kind(c) == TLSKIT_ERR_HANDSHAKE,
          "server refuses a client offering only P-521");
    tlskit_conn_free(c);
    tlskit_ctx_free(g521ctx);
    tlskit_config_free(g521);

    /* Host-name check on by default: localhost's certificate is not for another name. */
    CHECK(handshake(cctx, sctx, "other.example", &c, NULL) == -1 &&
              tlskit_conn_error_kind(c) == TLSKIT_ERR_VERIFY,
          "client refuses a certificate for another name");
    CHECK_CONTAINS(tlskit_conn_error(c), "host name mismatch", "... saying host name mismatch");
    CHECK_CONTAINS(tlskit_conn_error(c), "localhost", "... and the names it covers");
    tlskit_conn_free(c);
    CHECK(handshake(cctx, sctx, "127.0.0.1", &c, NULL) == 0, "client accepts its IP SAN");
    CHECK(strcmp(tlskit_conn_servername(c), "127.0.0.1") == 0, "... and names it");
    tlskit_conn_free(c);
    CHECK(handshake(cctx, sctx, "127.0.0.2", &c, NULL) == -1 &&
              tlskit_conn_error_kind(c) == TLSKIT_ERR_VERIFY,
          "client refuses an IP address the certificate lacks");
    tlskit_conn_free(c);
    tlskit_ctx_free(sctx);
    tlskit_config_free(scfg);

    /* No CN fallback: cnonly has CN=localhost and no subjectAltName. */
    scfg = server_cfg("cnonly.pem");
    sctx = tlskit_server_ctx_new(scfg);
    CHECK(handshake(cctx, sctx, "localhost", &c, NULL) == -1 &&
              tlskit_conn_error_kind(c) == TLSKIT_ERR_VERIFY,
          "client refuses a certificate whose only name is the subject CN");
    CHECK_CONTAINS(tlskit_conn_error(c), "subjectAltName", "... saying it has no subjectAltName");
    tlskit_conn_free(c);
    tlskit_ctx_free(sctx);
    tlskit_config_free(scfg);

    /* Verification on by default: the system store does not hold the test root. */
    struct tlskit_config *sys = tlskit_config_new();
    struct tlskit_ctx *sysctx = tlskit_client_ctx_new(sys);
    scfg = server_cfg("ecdsa.pem");
    sctx = tlskit_server_ctx_new(scfg);
    CHECK(handshake(sysctx, sctx, "localhost", &c, NULL) == -1 &&
              tlskit_conn_error_kind(c) == TLSKIT_ERR_VERIFY,
          "default client refuses a CA it does not trust");
    tlskit_conn_free(c);
    tlskit_ctx_free(sysctx);
    tlskit_config_free(sys);

    tlskit_ctx_free(sctx);
    tlskit_config_free(scfg);
    tlskit_ctx_free(cctx12);
    tlskit_config_free(c12);
    tlskit_ctx_free(cctx);
    tlskit_config_free(ccfg);
}

static void test_misc(void)
{
    CHECK(strcmp(tlskit_error_kind_name(TLSKIT_ERR_VERIFY), "verify") == 0, "kind name verify");
    CHECK(strcmp(tlskit_error_kind_name(TLSKIT_ERR_USAGE), "usage") == 0, "kind name usage");
    CHECK(strcmp(tlskit_error_kind_name((enum tlskit_error_kind)99), "unknown") == 0,
          "kind name out of range");
    CHECK_CONTAINS(tlskit_version(), "OpenSSL 3", "version names OpenSSL");
    CHECK(tk_expiry_warning_days == 14 && tk_min_rsa_bits == 2048,
          "bundle limits: 14 days, RSA 2048");
}

int main(void)
{
    test_config_defaults();
    test_client_ctx();
    test_server_ctx();
    test_handshakes();
    test_misc();
    return T_DONE();
}
