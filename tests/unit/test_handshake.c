/* test_handshake.c: client x server in memory, over tlskit_conn_set_cbs and two pipes,
 * both non-blocking state machines driven in turn: the matrix of versions, certificates and
 * default ciphers; resumption; refusals; verification failures; end of stream; partial
 * writes and WANT_READ / WANT_WRITE. */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "internal.h"
#include "mempipe.h"
#include "t.h"

static const char *cert(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    return mp_cert_path(buf[i], sizeof(buf[i]), name);
}

static struct tlskit_config *server_cfg(const char *bundle)
{
    struct tlskit_config *cfg = tlskit_config_new();
    if (tlskit_config_set_keypair_file(cfg, cert(bundle), NULL) != 0) {
        printf("# %s: %s\n", bundle, tlskit_config_error(cfg));
    }
    return cfg;
}

static struct tlskit_config *client_cfg(void)
{
    struct tlskit_config *cfg = tlskit_config_new();
    if (tlskit_config_set_ca_file(cfg, cert("ca.pem")) != 0) {
        printf("# %s\n", tlskit_config_error(cfg));
    }
    return cfg;
}

/* One connection pair over its own pipes. */
struct pair {
    struct mp_link l;
    struct tlskit_conn *c, *s;
    int rc, rs;
};

static void pair_open(struct pair *p, struct tlskit_ctx *cctx, struct tlskit_ctx *sctx,
                      const char *name)
{
    mp_link_init(&p->l);
    p->c = tlskit_conn_new(cctx);
    p->s = tlskit_conn_new(sctx);
    p->rc = p->rs = -1;
    if (p->c == NULL || p->s == NULL || mp_attach(&p->l, p->c, p->s) != 0 ||
        (name && tlskit_conn_set_servername(p->c, name) != 0)) {
        printf("# could not set up a connection pair\n");
    }
}

static void pair_handshake(struct pair *p)
{
    mp_handshake(p->c, p->s, &p->rc, &p->rs);
}

static void pair_close(struct pair *p)
{
    tlskit_conn_free(p->c);
    tlskit_conn_free(p->s);
    mp_link_free(&p->l);
    p->c = p->s = NULL;
}

/* Reads from A until N bytes arrived or nothing more comes; the count. */
static size_t read_all(struct tlskit_conn *a, struct tlskit_conn *b, char *buf, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < 1000 && got < n; i++) {
        ssize_t r = tlskit_conn_read(a, buf + got, n - got);
        if (r > 0) {
            got += (size_t)r;
        } else if (mp_is_want((int)r)) {
            char tmp[1];
            (void)tlskit_conn_read(b, tmp, 0); /* let the other side move */
        } else {
            break;
        }
    }
    return got;
}

/* Data both ways: the client asks, the server answers. */
static int exchange(struct pair *p)
{
    char buf[64];
    if (tlskit_conn_write(p->c, "ping", 4) != 4 || read_all(p->s, p->c, buf, 4) != 4 ||
        memcmp(buf, "ping", 4) != 0) {
        return -1;
    }
    if (tlskit_conn_write(p->s, "pong!", 5) != 5 || read_all(p->c, p->s, buf, 5) != 5 ||
        memcmp(buf, "pong!", 5) != 0) {
        return -1;
    }
    return 0;
}

static void test_matrix(void)
{
    static const char *const ec12[] = {"ECDHE-ECDSA-AES128-GCM-SHA256",
                                       "ECDHE-ECDSA-AES256-GCM-SHA384",
                                       "ECDHE-ECDSA-CHACHA20-POLY1305"};
    static const char *const rsa12[] = {"ECDHE-RSA-AES128-GCM-SHA256",
                                        "ECDHE-RSA-AES256-GCM-SHA384",
                                        "ECDHE-RSA-CHACHA20-POLY1305"};
    static const char *const s13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                      "TLS_CHACHA20_POLY1305_SHA256"};
    static const struct {
        const char *bundle, *key;
        const char *const *ciphers12;
    } certs[] = {{"ecdsa.pem", "EC P-256", ec12}, {"rsa.pem", "RSA 2048", rsa12}};

    struct tlskit_config *ccfg = client_cfg();
    struct tlskit_ctx *cctx = tlskit_client_ctx_new(ccfg);
    for (size_t ci = 0; ci < 2; ci++) {
        for (int v = 2; v <= 3; v++) {
            for (size_t k = 0; k < 3; k++) {
                const char *want = v == 2 ? certs[ci].ciphers12[k] : s13[k];
                char what[160];
                snprintf(what, sizeof(what), "TLS 1.%d %s %s", v, certs[ci].key, want);
                struct tlskit_config *scfg = server_cfg(certs[ci].bundle);
                int set = v == 2 ? tlskit_config_set_max_version(scfg, "1.2") == 0 &&
                                       tlskit_config_set_ciphers(scfg, want) == 0
                                 : tlskit_config_set_min_version(scfg, "1.3") == 0 &&
                                       tlskit_config_set_ciphersuites(scfg, want) == 0;
                struct tlskit_ctx *sctx = set ? tlskit_server_ctx_new(scfg) : NULL;
                if (sctx == NULL) {
                    CHECK(0, "%s: server context (%s)", what, tlskit_config_error(scfg));
                    tlskit_config_free(scfg);
                    continue;
                }
                struct pair p;
                pair_open(&p, cctx, sctx, "localhost");
                pair_handshake(&p);
                CHECK(p.rc == 0 && p.rs == 0, "%s: handshake", what);
                if (p.rc != 0 || p.rs != 0) {
                    printf("#   client: %s\n#   server: %s\n", tlskit_conn_error(p.c),
                           tlskit_conn_error(p.s));
                }
                char wantv[16];
                snprintf(wantv, sizeof(wantv), "TLSv1.%d", v);
                CHECK(strcmp(tlskit_conn_version(p.c), wantv) == 0 &&
                          strcmp(tlskit_conn_version(p.s), wantv) == 0,
                      "%s: version %s", what, tlskit_conn_version(p.c));
                CHECK(strcmp(tlskit_conn_cipher(p.c), want) == 0 &&
                          strcmp(tlskit_conn_cipher(p.s), want) == 0,
                      "%s: cipher %s", what, tlskit_conn_cipher(p.c));
                CHECK(strcmp(tlskit_conn_group(p.c), "X25519") == 0 &&
                          strcmp(tlskit_conn_group(p.s), "X25519") == 0,
                      "%s: group %s", what, tlskit_conn_group(p.c));
                CHECK(!tlskit_conn_resumed(p.c) && !tlskit_conn_resumed(p.s), "%s: not resumed",
                      what);
                CHECK(strcmp(tlskit_conn_verify_result(p.c), "ok") == 0, "%s: verified", what);
                CHECK(strcmp(tlskit_conn_servername(p.s), "localhost") == 0,
                      "%s: server saw SNI localhost", what);
                CHECK(strcmp(tlskit_conn_offered_version(p.s), "TLSv1.3") == 0,
                      "%s: the client offered TLSv1.3", what);
                CHECK(tlskit_conn_sigalg(p.c)[0] != '\0', "%s: signature %s", what,
                      tlskit_conn_sigalg(p.c));
                struct tlskit_cert_info info, inter;
                CHECK(tlskit_conn_peer_cert_count(p.c) == 2, "%s: the server sent 2 certificates",
                      what);
                CHECK(tlskit_conn_peer_cert_info(p.c, 0, &info) == 0 &&
                          strcmp(info.subject, "CN=localhost") == 0 &&
                          strcmp(info.issuer, "CN=tlskit test intermediate") == 0 &&
                          strcmp(info.key, certs[ci].key) == 0 && !info.is_ca &&
                          strstr(info.names, "localhost") && strstr(info.names, "IP 127.0.0.1") &&
                          strlen(info.sha256) == 95 && strstr(info.not_after, " UTC"),
                      "%s: peer certificate: %s, %s, %s", what, info.subject, info.key, info.names);
                CHECK(tlskit_conn_peer_cert_info(p.c, 1, &inter) == 0 && inter.is_ca &&
                          strcmp(inter.subject, "CN=tlskit test intermediate") == 0,
                      "%s: the intermediate is a CA", what);
                CHECK(tlskit_conn_peer_cert_info(p.c, 2, &inter) == -1, "%s: no third", what);
                CHECK(tlskit_conn_peer_cert_count(p.s) == 0, "%s: the client sent none", what);
                CHECK(exchange(&p) == 0, "%s: data both ways", what);
                pair_close(&p);
                tlskit_ctx_free(sctx);
                tlskit_config_free(scfg);
            }
        }
    }
    tlskit_ctx_free(cctx);
    tlskit_config_free(ccfg);
}

/* A full handshake, data (so a TLS 1.3 client reads its ticket), and the session. */
static SSL_SESSION *first_session(struct tlskit_ctx *cctx, struct tlskit_ctx *sctx)
{
    struct pair p;
    pair_open(&p, cctx, sctx, "localhost");
    pair_handshake(&p);
    SSL_SESSION *sess = NULL;
    if (p.rc == 0 && p.rs == 0 && exchange(&p) == 0 && !tlskit_conn_resumed(p.c)) {
        sess = SSL_get1_session(p.c->ssl);
    }
    /* Ended with close_notify: OpenSSL does not resume a session that was cut off. */
    (void)tlskit_conn_close(p.c);
    pair_close(&p);
    return sess;
}

static int resumes(struct tlskit_ctx *cctx, struct tlskit_ctx *sctx, SSL_SESSION *sess)
{
    struct pair p;
    pair_open(&p, cctx, sctx, "localhost");
    int rv = -1;
    if (sess && SSL_set_session(p.c->ssl, sess) == 1) {
        pair_handshake(&p);
        if (p.rc == 0 && p.rs == 0 && exchange(&p) == 0) {
            rv = tlskit_conn_resumed(p.c) && tlskit_conn_resumed(p.s);
        }
        (void)tlskit_conn_close(p.c);
    }
    pair_close(&p);
    return rv;
}

static void test_resumption(void)
{
    for (int v = 2; v <= 3; v++) {
        struct tlskit_config *ccfg = client_cfg();
        if (v == 2) {
            CHECK(tlskit_config_set_max_version(ccfg, "1.2") == 0, "client max 1.2");
        }
        struct tlskit_ctx *cctx = tlskit_client_ctx_new(ccfg);
        struct tlskit_config *scfg = server_cfg("ecdsa.pem"), *other = server_cfg("ecdsa.pem");
        struct tlskit_ctx *s1 = tlskit_server_ctx_new(scfg), *s2 = tlskit_server_ctx_new(scfg);
        struct tlskit_ctx *s3 = tlskit_server_ctx_new(other);
        SSL_SESSION *sess = first_session(cctx, s1);
        CHECK(sess != NULL, "TLS 1.%d: a session after the first handshake", v);
        CHECK(sess && SSL_SESSION_has_ticket(sess), "TLS 1.%d: with a ticket", v);
        CHECK(resumes(cctx, s1, sess) == 1, "TLS 1.%d: resumed on the same context", v);
        CHECK(resumes(cctx, s2, sess) == 1,
              "TLS 1.%d: resumed on another context from the same config (ticket keys shared)", v);
        CHECK(resumes(cctx, s3, sess) == 0,
              "TLS 1.%d: not resumed on a context from another config", v);
        SSL_SESSION_free(sess);

        /* Tickets off: nothing to resume. */
        struct tlskit_config *nt = server_cfg("ecdsa.pem");
        tlskit_config_set_session_tickets(nt, 0);
        struct tlskit_ctx *s4 = tlskit_server_ctx_new(nt);
        sess = first_session(cctx, s4);
        CHECK(sess == NULL || resumes(cctx, s4, sess) == 0,
              "TLS 1.%d: no resumption with tickets off", v);
        SSL_SESSION_free(sess);
        tlskit_ctx_free(s4);
        tlskit_config_free(nt);

        tlskit_ctx_free(s1);
        tlskit_ctx_free(s2);
        tlskit_ctx_free(s3);
        tlskit_config_free(scfg);
        tlskit_config_free(other);
        tlskit_ctx_free(cctx);
        tlskit_config_free(ccfg);
    }
}

/* A pair of contexts from two configs; the handshake's results. */
static void refusal(struct tlskit_config *ccfg, struct tlskit_config *scfg, struct pair *p,
                    struct tlskit_ctx **cctx, struct tlskit_ctx **sctx)
{
    *cctx = tlskit_client_ctx_new(ccfg);
    *sctx = tlskit_server_ctx_new(scfg);
    if (*cctx == NULL || *sctx == NULL) {
        printf("# contexts: %s / %s\n", tlskit_config_error(ccfg), tlskit_config_error(scfg));
    }
    pair_open(p, *cctx, *sctx, "localhost");
    pair_handshake(p);
}

static void done(struct pair *p, struct tlskit_ctx *cctx, struct tlskit_ctx *sctx,
                 struct tlskit_config *ccfg, struct tlskit_config *scfg)
{
    pair_close(p);
    tlskit_ctx_free(cctx);
    tlskit_ctx_free(sctx);
    tlskit_config_free(ccfg);
    tlskit_config_free(scfg);
}

static void expect_fail(struct tlskit_conn *c, enum tlskit_error_kind kind, int rv,
                        const char *const *words, const char *what)
{
    CHECK(rv == -1, "%s: refused", what);
    CHECK(tlskit_conn_error_kind(c) == kind, "%s: kind %s (got %s: %s)", what,
          tlskit_error_kind_name(kind), tlskit_error_kind_name(tlskit_conn_error_kind(c)),
          tlskit_conn_error(c));
    for (; words && *words; words++) {
        CHECK_CONTAINS(tlskit_conn_error(c), *words, "%s: says '%s'", what, *words);
    }
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_refusals(void)
{
    struct pair p;
    struct tlskit_ctx *cx, *sx;
    struct tlskit_config *cc, *sc;

    /* A 1.3-only client and a 1.2-only server. */
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    CHECK(tlskit_config_set_min_version(cc, "1.3") == 0 &&
              tlskit_config_set_max_version(sc, "1.2") == 0,
          "client 1.3 only, server 1.2 only");
    refusal(cc, sc, &p, &cx, &sx);
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, p.rc, WORDS("protocol version", "1.3"),
                "version mismatch, client");
    CHECK(strstr(tlskit_conn_error(p.c), "1.0/1.1") == NULL,
          "version mismatch, client: does not blame TLS 1.0/1.1");
    expect_fail(p.s, TLSKIT_ERR_HANDSHAKE, p.rs, WORDS("protocol version", "TLSv1.3", "1.2 only"),
                "version mismatch, server");
    CHECK(strcmp(tlskit_conn_offered_version(p.s), "TLSv1.3") == 0,
          "version mismatch: the server saw TLSv1.3 offered");
    done(&p, cx, sx, cc, sc);

    /* A 1.2-only client and a 1.3-only server. */
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    CHECK(tlskit_config_set_max_version(cc, "1.2") == 0 &&
              tlskit_config_set_min_version(sc, "1.3") == 0,
          "client 1.2 only, server 1.3 only");
    refusal(cc, sc, &p, &cx, &sx);
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, p.rc, WORDS("protocol version", "1.2"),
                "reverse version mismatch, client");
    CHECK(strstr(tlskit_conn_error(p.c), "1.0/1.1") == NULL,
          "reverse version mismatch, client: does not blame TLS 1.0/1.1");
    expect_fail(p.s, TLSKIT_ERR_HANDSHAKE, p.rs, WORDS("protocol version", "TLSv1.2", "1.3 only"),
                "reverse version mismatch, server");
    done(&p, cx, sx, cc, sc);

    /* No shared TLS 1.2 cipher. */
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    CHECK(tlskit_config_set_max_version(cc, "1.2") == 0 &&
              tlskit_config_set_ciphers(cc, "ECDHE-ECDSA-AES128-GCM-SHA256") == 0 &&
              tlskit_config_set_ciphers(sc, "ECDHE-ECDSA-AES256-GCM-SHA384") == 0,
          "client and server with one different cipher each");
    refusal(cc, sc, &p, &cx, &sx);
    expect_fail(p.s, TLSKIT_ERR_HANDSHAKE, p.rs, WORDS("no shared cipher"),
                "no shared cipher, server");
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, p.rc, WORDS("no shared cipher", "localhost"),
                "no shared cipher, client");
    done(&p, cx, sx, cc, sc);

    /* An RSA-only cipher list against an ECDSA certificate. */
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    CHECK(tlskit_config_set_max_version(sc, "1.2") == 0 &&
              tlskit_config_set_ciphers(sc, "ECDHE-RSA-AES128-GCM-SHA256") == 0,
          "ECDSA server with an RSA-only cipher");
    refusal(cc, sc, &p, &cx, &sx);
    expect_fail(p.s, TLSKIT_ERR_HANDSHAKE, p.rs, WORDS("no shared cipher"),
                "cipher unusable with the certificate, server");
    done(&p, cx, sx, cc, sc);

    /* No shared TLS 1.3 suite. */
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    CHECK(tlskit_config_set_min_version(cc, "1.3") == 0 &&
              tlskit_config_set_ciphersuites(cc, "TLS_AES_128_GCM_SHA256") == 0 &&
              tlskit_config_set_ciphersuites(sc, "TLS_AES_256_GCM_SHA384") == 0 &&
              tlskit_config_set_min_version(sc, "1.3") == 0,
          "TLS 1.3 client and server with one different suite each");
    refusal(cc, sc, &p, &cx, &sx);
    expect_fail(p.s, TLSKIT_ERR_HANDSHAKE, p.rs, WORDS("no shared cipher"),
                "no shared TLS 1.3 suite, server");
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, p.rc, WORDS("no shared cipher"),
                "no shared TLS 1.3 suite, client");
    done(&p, cx, sx, cc, sc);

    /* No shared group. */
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    CHECK(tlskit_config_set_groups(cc, "P-384") == 0 && tlskit_config_set_groups(sc, "X25519") == 0,
          "client P-384 only, server X25519 only");
    refusal(cc, sc, &p, &cx, &sx);
    expect_fail(p.s, TLSKIT_ERR_HANDSHAKE, p.rs, WORDS("group"), "no shared group, server");
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, p.rc, WORDS("groups"), "no shared group, client");
    done(&p, cx, sx, cc, sc);

    /* Not TLS at all. */
    cc = client_cfg();
    cx = tlskit_client_ctx_new(cc);
    mp_link_init(&p.l);
    p.c = tlskit_conn_new(cx);
    tlskit_conn_set_cbs(p.c, mp_read, mp_write, &p.l.cend);
    tlskit_conn_set_servername(p.c, "localhost");
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    memcpy(p.l.s2c.buf, http, sizeof(http) - 1);
    p.l.s2c.len = sizeof(http) - 1;
    p.l.s2c.closed = 1;
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, tlskit_conn_handshake(p.c),
                WORDS("not TLS", "plain HTTP"), "a plain-HTTP server");
    CHECK(tlskit_conn_handshake(p.c) == -1, "a failed handshake is not tried again");
    tlskit_conn_free(p.c);
    mp_link_free(&p.l);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);

    /* A peer that closes before answering. */
    cc = client_cfg();
    cx = tlskit_client_ctx_new(cc);
    mp_link_init(&p.l);
    p.c = tlskit_conn_new(cx);
    tlskit_conn_set_cbs(p.c, mp_read, mp_write, &p.l.cend);
    tlskit_conn_set_servername(p.c, "localhost");
    p.l.s2c.closed = 1;
    expect_fail(p.c, TLSKIT_ERR_HANDSHAKE, tlskit_conn_handshake(p.c),
                WORDS("closed the connection without answering"), "a server that hangs up");
    tlskit_conn_free(p.c);
    mp_link_free(&p.l);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
}

/* A server context serving NAME.chain / NAME.key as is, past the loader's checks. */
static struct tlskit_ctx *raw_server(const char *name, struct tlskit_config **cfg)
{
    /* Start from a certificate of the same key type, which the new one replaces. */
    *cfg = server_cfg(strncmp(name, "rsa", 3) == 0 ? "rsa.pem" : "ecdsa.pem");
    struct tlskit_ctx *sx = tlskit_server_ctx_new(*cfg);
    char chain[64], key[64];
    snprintf(chain, sizeof(chain), "%s.chain", name);
    snprintf(key, sizeof(key), "%s.key", name);
    SSL_CTX_set_security_level(sx->ssl, 0); /* rsa1024 and sha1 must be served */
    if (SSL_CTX_use_certificate_chain_file(sx->ssl, cert(chain)) != 1 ||
        SSL_CTX_use_PrivateKey_file(sx->ssl, cert(key), SSL_FILETYPE_PEM) != 1) {
        printf("# could not serve %s\n", name);
        ERR_clear_error();
    }
    return sx;
}

static void test_verify(void)
{
    static const struct {
        const char *name, *host, *w1, *w2;
        int crl;
    } cases[] = {
        {"expired", "localhost", "certificate expired", "expired on", 0},
        {"notyet", "localhost", "not yet valid", "clock", 0},
        {"wronghost", "localhost", "host name mismatch", "wrong.example", 0},
        {"ecdsa", "tlskit.example", "host name mismatch", "tlskit.example", 0},
        {"ipsan", "localhost", "host name mismatch", "127.0.0.1", 0},
        {"deepwild", "a.b.tlskit.test", "host name mismatch", "*.tlskit.test", 0},
        {"cnonly", "localhost", "host name mismatch", "subjectAltName", 0},
        {"selfsigned", "localhost", "self-signed", "CN=localhost", 0},
        {"untrusted", "localhost", "unknown issuer", "tlskit untrusted root", 0},
        {"incomplete", "localhost", "incomplete chain", "tlskit test intermediate", 0},
        {"nonca-issuer", "localhost", "not a CA", "not a ca", 0},
        {"clientonly", "localhost", "purpose", "clientAuth", 0},
        {"rsa1024", "localhost", "weak key", "RSA 1024", 0},
        {"sha1", "localhost", "weak signature", "SHA1", 0},
        {"revoked", "localhost", "revoked", "crl.pem", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tlskit_config *cc = client_cfg(), *sc;
        if (cases[i].crl) {
            CHECK(tlskit_config_set_crl_file(cc, cert("crl.pem")) == 0, "client with crl.pem");
        }
        struct tlskit_ctx *cx = tlskit_client_ctx_new(cc), *sx = raw_server(cases[i].name, &sc);
        struct pair p;
        char what[96];
        snprintf(what, sizeof(what), "%s for %s", cases[i].name, cases[i].host);
        pair_open(&p, cx, sx, cases[i].host);
        pair_handshake(&p);
        expect_fail(p.c, TLSKIT_ERR_VERIFY, p.rc, WORDS(cases[i].w1, cases[i].w2), what);
        CHECK(p.rs == -1 && tlskit_conn_error_kind(p.s) == TLSKIT_ERR_HANDSHAKE,
              "%s: the server hears the alert (%s)", what, tlskit_conn_error(p.s));
        CHECK(tlskit_conn_verify_result(p.c)[0] != '\0' &&
                  strcmp(tlskit_conn_verify_result(p.c), "ok") != 0,
              "%s: verify result '%s'", what, tlskit_conn_verify_result(p.c));
        pair_close(&p);
        tlskit_ctx_free(cx);
        tlskit_ctx_free(sx);
        tlskit_config_free(cc);
        tlskit_config_free(sc);
    }

    /* The same certificates pass with the name check or verification turned off. */
    struct tlskit_config *cc = client_cfg(), *sc;
    tlskit_config_insecure_skip_name_check(cc);
    struct tlskit_ctx *cx = tlskit_client_ctx_new(cc), *sx = raw_server("wronghost", &sc);
    struct pair p;
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    CHECK(p.rc == 0, "wronghost with insecure_skip_name_check: accepted");
    CHECK_CONTAINS(tlskit_conn_verify_result(p.c), "insecure", "... and reported insecure");
    pair_close(&p);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
    cc = tlskit_config_new();
    tlskit_config_insecure_skip_verify(cc);
    cx = tlskit_client_ctx_new(cc);
    pair_open(&p, cx, sx, NULL);
    pair_handshake(&p);
    CHECK(p.rc == 0, "insecure_skip_verify needs no name and accepts anything");
    pair_close(&p);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
    tlskit_ctx_free(sx);
    tlskit_config_free(sc);

    /* A server name set again replaces the first one entirely: an address after a host name
     * sends no SNI and verifies the address alone. */
    cc = client_cfg();
    cx = tlskit_client_ctx_new(cc);
    sx = raw_server("ipsan", &sc);
    pair_open(&p, cx, sx, "localhost");
    CHECK(tlskit_conn_set_servername(p.c, "127.0.0.1") == 0, "server name reset to 127.0.0.1");
    pair_handshake(&p);
    CHECK(p.rc == 0, "ipsan for localhost, then 127.0.0.1: accepted (%s)", tlskit_conn_error(p.c));
    CHECK(p.rs == 0 && strcmp(tlskit_conn_servername(p.s), "") == 0,
          "... and no SNI left over from localhost ('%s')", tlskit_conn_servername(p.s));
    pair_close(&p);
    pair_open(&p, cx, sx, "127.0.0.1");
    CHECK(tlskit_conn_set_servername(p.c, "localhost") == 0, "server name reset to localhost");
    pair_handshake(&p);
    expect_fail(p.c, TLSKIT_ERR_VERIFY, p.rc, WORDS("host name mismatch", "127.0.0.1"),
                "ipsan for 127.0.0.1, then localhost");
    pair_close(&p);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
    tlskit_ctx_free(sx);
    tlskit_config_free(sc);

    /* Pins: the right one passes, another is refused with kind VERIFY. */
    char buf[64];
    cc = client_cfg();
    sc = server_cfg("ecdsa.pem");
    cx = tlskit_client_ctx_new(cc);
    sx = tlskit_server_ctx_new(sc);
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    char *pin = p.rc == 0 ? tlskit_conn_peer_pubkey_pin(p.c) : NULL;
    CHECK(pin && strncmp(pin, "sha256//", 8) == 0 && strlen(pin) == 52, "the server's pin");
    pair_close(&p);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
    struct tlskit_config *pc = client_cfg();
    CHECK(pin && tlskit_config_set_pinned_pubkey(pc, pin) == 0, "pin it");
    cx = tlskit_client_ctx_new(pc);
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    CHECK(p.rc == 0, "the pinned key is accepted");
    pair_close(&p);
    tlskit_ctx_free(cx);
    tlskit_config_free(pc);
    pc = client_cfg();
    tlskit_config_set_pinned_pubkey(pc, "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    cx = tlskit_client_ctx_new(pc);
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    expect_fail(p.c, TLSKIT_ERR_VERIFY, p.rc, WORDS("pinned key mismatch", pin ? pin : "?"),
                "another pin");
    CHECK(tlskit_conn_handshake(p.c) == -1, "another pin: the handshake stays failed");
    CHECK(tlskit_conn_write(p.c, "secret", 6) == -1, "another pin: nothing can be written");
    CHECK(tlskit_conn_read(p.c, buf, sizeof(buf)) == -1, "another pin: nothing can be read");
    pair_close(&p);
    free(pin);
    tlskit_ctx_free(cx);
    tlskit_config_free(pc);

    /* Client certificates: required, sent, verified. */
    struct tlskit_config *mc = client_cfg(), *ms = server_cfg("ecdsa.pem");
    tlskit_config_verify_client(ms);
    CHECK(tlskit_config_set_ca_file(ms, cert("ca.pem")) == 0, "server requires a client cert");
    struct tlskit_ctx *msx = tlskit_server_ctx_new(ms);
    cx = tlskit_client_ctx_new(mc);
    pair_open(&p, cx, msx, "localhost");
    pair_handshake(&p);
    if (p.rc == 0 && p.rs == 0) {
        exchange(&p); /* TLS 1.3: the server checks the client's certificate after */
    }
    CHECK(tlskit_conn_error_kind(p.s) == TLSKIT_ERR_VERIFY,
          "no client certificate: the server refuses with kind verify (%s)",
          tlskit_conn_error(p.s));
    pair_close(&p);
    tlskit_ctx_free(cx);
    CHECK(tlskit_config_set_keypair_file(mc, cert("client.pem"), NULL) == 0,
          "client loads client.pem");
    cx = tlskit_client_ctx_new(mc);
    pair_open(&p, cx, msx, "localhost");
    pair_handshake(&p);
    struct tlskit_cert_info info;
    CHECK(p.rc == 0 && p.rs == 0 && exchange(&p) == 0, "mutual TLS handshake");
    CHECK(tlskit_conn_peer_cert_info(p.s, 0, &info) == 0 &&
              strcmp(info.subject, "CN=tlskit test client") == 0,
          "the server sees the client's certificate (%s)", info.subject);
    CHECK(tlskit_conn_peer_cert_count(p.s) == 2, "... and its chain");
    CHECK(strcmp(tlskit_conn_verify_result(p.s), "ok") == 0, "... verified (%s)",
          tlskit_conn_verify_result(p.s));
    pair_close(&p);
    tlskit_ctx_free(cx);
    tlskit_ctx_free(msx);
    tlskit_config_free(mc);
    tlskit_config_free(ms);
    tlskit_ctx_free(sx);
    tlskit_config_free(sc);
}

static void test_eof_and_io(void)
{
    struct tlskit_config *cc = client_cfg(), *sc = server_cfg("ecdsa.pem");
    struct tlskit_ctx *cx = tlskit_client_ctx_new(cc), *sx = tlskit_server_ctx_new(sc);
    struct pair p;
    char buf[256];

    /* close_notify: a clean end of stream. */
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    CHECK(p.rc == 0 && p.rs == 0 && exchange(&p) == 0, "handshake and data");
    CHECK(tlskit_conn_read(p.s, buf, sizeof(buf)) == TLSKIT_WANT_READ,
          "a read with nothing to read asks to wait for reading");
    CHECK(tlskit_conn_write(p.s, "bye", 3) == 3 && tlskit_conn_close(p.s) == 0,
          "server writes and sends close_notify");
    CHECK(tlskit_conn_close(p.s) == 0, "a second close does nothing");
    CHECK(read_all(p.c, p.s, buf, 3) == 3 && memcmp(buf, "bye", 3) == 0, "client reads the data");
    CHECK(tlskit_conn_pending(p.c) == 1, "the close_notify, read ahead, counts as pending");
    CHECK(tlskit_conn_read(p.c, buf, sizeof(buf)) == 0, "then end of stream");
    CHECK(tlskit_conn_eof_clean(p.c) == 1, "close_notify is a clean end");
    CHECK(tlskit_conn_error_kind(p.c) == TLSKIT_ERR_NONE, "... and no error");
    CHECK(tlskit_conn_close(p.c) == 0, "the client answers with its own close_notify");
    CHECK(tlskit_conn_read(p.s, buf, sizeof(buf)) == 0 && tlskit_conn_eof_clean(p.s) == 1,
          "the server sees a clean end too");
    pair_close(&p);

    /* Truncation: the stream ends without close_notify. */
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    CHECK(p.rc == 0 && p.rs == 0 && tlskit_conn_write(p.s, "cut", 3) == 3,
          "server writes, then the transport closes");
    p.l.s2c.closed = 1;
    CHECK(read_all(p.c, p.s, buf, 3) == 3, "client reads the data");
    CHECK(tlskit_conn_read(p.c, buf, sizeof(buf)) == 0, "then end of stream");
    CHECK(tlskit_conn_eof_clean(p.c) == 0, "a truncated stream is not a clean end");
    pair_close(&p);

    /* A transport error after the handshake is an error, not an end of stream. */
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    CHECK(p.rc == 0 && p.rs == 0, "handshake before a transport error");
    p.l.s2c.broken = 1;
    ssize_t r = tlskit_conn_read(p.c, buf, sizeof(buf));
    CHECK(r == -1 && tlskit_conn_error_kind(p.c) == TLSKIT_ERR_IO,
          "a failing read callback is an I/O error (%zd, %s)", r, tlskit_conn_error(p.c));
    pair_close(&p);

    /* Partial writes and WANT_WRITE: a small pipe, 64 KiB to send. */
    pair_open(&p, cx, sx, "localhost");
    p.l.c2s.cap = p.l.s2c.cap = 3000;
    p.l.cend.chunk = p.l.send.chunk = 700;
    pair_handshake(&p);
    CHECK(p.rc == 0 && p.rs == 0, "handshake through a 3000-byte pipe in 700-byte writes");
    size_t total = 64 * 1024, off = 0, got = 0;
    unsigned char *out = malloc(total), *in = malloc(total);
    for (size_t i = 0; i < total; i++) {
        out[i] = (unsigned char)(i * 7 + i / 251);
    }
    int wants = 0, partial = 0, errors = 0;
    for (int i = 0; i < 100000 && (off < total || got < total); i++) {
        if (off < total) {
            ssize_t w = tlskit_conn_write(p.c, out + off, total - off);
            if (w > 0) {
                partial += (size_t)w < total - off;
                off += (size_t)w;
            } else if (w == TLSKIT_WANT_WRITE) {
                wants++;
            } else {
                errors++;
                break;
            }
        }
        ssize_t n = tlskit_conn_read(p.s, in + got, total - got);
        if (n > 0) {
            got += (size_t)n;
        } else if (n != TLSKIT_WANT_READ) {
            errors++;
            break;
        }
    }
    CHECK(errors == 0 && off == total && got == total, "64 KiB sent and received (%zu, %zu)", off,
          got);
    CHECK(got == total && memcmp(in, out, total) == 0, "... intact");
    CHECK(wants > 0, "the writer was asked to wait for writing (%d times)", wants);
    CHECK(p.l.c2s.writes > total / 700, "the transport took short writes (%zu)", p.l.c2s.writes);
    printf("# %d writes returned less than asked\n", partial);
    free(out);
    free(in);
    pair_close(&p);

    /* WANT_WRITE from close, then done once there is room. */
    pair_open(&p, cx, sx, "localhost");
    pair_handshake(&p);
    p.l.s2c.cap = p.l.s2c.len; /* full */
    r = tlskit_conn_close(p.s);
    CHECK(r == TLSKIT_WANT_WRITE, "close on a full pipe asks to wait for writing (%zd)", r);
    p.l.s2c.cap = MP_CAP;
    CHECK(tlskit_conn_close(p.s) == 0, "close then succeeds");
    CHECK(tlskit_conn_read(p.c, buf, sizeof(buf)) == 0 && tlskit_conn_eof_clean(p.c),
          "and the client sees a clean end");
    pair_close(&p);

    /* Usage errors. */
    struct tlskit_conn *c = tlskit_conn_new(cx);
    CHECK(tlskit_conn_handshake(c) == -1 && tlskit_conn_error_kind(c) == TLSKIT_ERR_USAGE,
          "handshake with no transport is a usage error");
    CHECK_CONTAINS(tlskit_conn_error(c), "set_fd", "... naming the call");
    CHECK(tlskit_conn_set_cbs(c, NULL, mp_write, NULL) == -1, "set_cbs needs both callbacks");
    CHECK(tlskit_conn_set_fd(c, -1) == -1 && tlskit_conn_error_kind(c) == TLSKIT_ERR_USAGE,
          "set_fd(-1) is a usage error");
    CHECK(tlskit_conn_set_servername(c, "") == -1, "an empty server name is refused");
    CHECK(strcmp(tlskit_conn_version(c), "") == 0 && strcmp(tlskit_conn_cipher(c), "") == 0 &&
              tlskit_conn_peer_cert_count(c) == 0 && tlskit_conn_peer_cert_pem(c, 0) == NULL,
          "facts before a handshake are empty");
    tlskit_conn_free(c);
    struct tlskit_conn *s = tlskit_conn_new(sx);
    CHECK(tlskit_conn_set_servername(s, "x") == -1 && tlskit_conn_error_kind(s) == TLSKIT_ERR_USAGE,
          "a server connection has no server name to set");
    tlskit_conn_free(s);

    tlskit_ctx_free(cx);
    tlskit_ctx_free(sx);
    tlskit_config_free(cc);
    tlskit_config_free(sc);
}

/* A caller's blocking socket with SO_RCVTIMEO: the timeout is reported as such, with no
 * invented number of seconds (the library did not set it and does not know it). */
static void test_socket_timeout(void)
{
    struct tlskit_config *cc = client_cfg();
    struct tlskit_ctx *cx = tlskit_client_ctx_new(cc);
    struct tlskit_conn *c = tlskit_conn_new(cx);
    int sv[2] = {-1, -1};
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100 * 1000};
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 &&
              setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
              tlskit_conn_set_fd(c, sv[0]) == 0 && tlskit_conn_set_servername(c, "localhost") == 0,
          "a blocking socket with a 100 ms SO_RCVTIMEO");
    CHECK(tlskit_conn_handshake(c) == -1 && tlskit_conn_error_kind(c) == TLSKIT_ERR_TIMEOUT,
          "a silent peer: the handshake times out (%s)", tlskit_conn_error(c));
    CHECK(strstr(tlskit_conn_error(c), " 0 s") == NULL, "... without claiming '0 s' (%s)",
          tlskit_conn_error(c));
    tlskit_conn_free(c);
    close(sv[0]);
    close(sv[1]);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
}

/* A socket given with tlskit_conn_set_fd stays the caller's, even on a connection that
 * earlier opened its own with tlskit_conn_connect (which is closed, not leaked). */
static void test_fd_ownership(void)
{
    struct tlskit_config *cc = client_cfg();
    struct tlskit_ctx *cx = tlskit_client_ctx_new(cc);
    struct tlskit_conn *c = tlskit_conn_new(cx);
    char err[256], port[16];
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int ls = tlskit_listen("127.0.0.1", "0", 4, err, sizeof(err));
    int sv[2] = {-1, -1};
    CHECK(ls >= 0 && getsockname(ls, (struct sockaddr *)&sa, &sl) == 0, "a listener");
    snprintf(port, sizeof(port), "%u", (unsigned)ntohs(sa.sin_port));
    CHECK(tlskit_conn_connect(c, "127.0.0.1", port, NULL) == 0, "connected by the library");
    int own = tlskit_conn_fd(c);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && tlskit_conn_set_fd(c, sv[0]) == 0,
          "then given the caller's socket");
    CHECK(fcntl(own, F_GETFD) == -1, "the library's own socket is closed, not leaked");
    tlskit_conn_free(c);
    CHECK(fcntl(sv[0], F_GETFD) != -1, "the caller's socket is still open after the free");
    close(sv[0]);
    close(sv[1]);
    close(ls);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
}

/* tlskit_conn_keep_buffers: held buffers work, going back releases them, and a release while
 * received records wait is refused without losing them. */
static void test_keep_buffers(void)
{
    struct tlskit_config *scfg = server_cfg("ecdsa.pem"), *ccfg = client_cfg();
    struct tlskit_ctx *sctx = tlskit_server_ctx_new(scfg), *cctx = tlskit_client_ctx_new(ccfg);
    struct pair p;
    pair_open(&p, cctx, sctx, "localhost");
    pair_handshake(&p);
    CHECK(p.rc == 0 && p.rs == 0, "keep buffers: handshake");
    CHECK(tlskit_conn_keep_buffers(p.s, 1) == 0, "keep buffers: hold");
    int ok = 1;
    for (int i = 0; i < 5; i++) {
        ok &= exchange(&p) == 0;
    }
    CHECK(ok, "keep buffers: five exchanges with buffers held");
    CHECK(tlskit_conn_keep_buffers(p.s, 0) == 0, "keep buffers: released when empty");
    CHECK(exchange(&p) == 0, "keep buffers: exchange after the release");
    /* Two records in flight, the server reads one byte: the rest waits in its buffer. */
    CHECK(tlskit_conn_keep_buffers(p.s, 1) == 0 && tlskit_conn_write(p.c, "abc", 3) == 3 &&
              tlskit_conn_write(p.c, "def", 3) == 3,
          "keep buffers: two records sent");
    char buf[8];
    CHECK(read_all(p.s, p.c, buf, 1) == 1 && buf[0] == 'a', "keep buffers: one byte read");
    CHECK(tlskit_conn_keep_buffers(p.s, 0) == -1, "keep buffers: no release while data waits");
    CHECK(read_all(p.s, p.c, buf, 5) == 5 && memcmp(buf, "bcdef", 5) == 0,
          "keep buffers: the waiting bytes are intact");
    CHECK(exchange(&p) == 0, "keep buffers: exchange after all");
    pair_close(&p);
    tlskit_ctx_free(sctx);
    tlskit_ctx_free(cctx);
    tlskit_config_free(scfg);
    tlskit_config_free(ccfg);
}

int main(void)
{
    test_keep_buffers();
    test_matrix();
    test_resumption();
    test_refusals();
    test_verify();
    test_eof_and_io();
    test_socket_timeout();
    test_fd_ownership();
    return T_DONE();
}
