/* test_config.c: the config setters check what they are given: versions, cipher strings,
 * TLS 1.3 suites, groups, ALPN, pins, trust files; errors carry a kind (usage for a
 * malformed call, config for a refused setting) and a sentence; warnings are listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mempipe.h"
#include "t.h"

/* A setter call on a fresh config: its result, and the config kept for inspection. */
static struct tlskit_config *cfg;

static void fresh(void)
{
    tlskit_config_free(cfg);
    cfg = tlskit_config_new();
}

static void refused(int rv, enum tlskit_error_kind kind, const char *words, const char *what)
{
    CHECK(rv == -1, "%s is refused", what);
    CHECK(tlskit_config_error_kind(cfg) == kind, "%s: kind %s (got %s)", what,
          tlskit_error_kind_name(kind), tlskit_error_kind_name(tlskit_config_error_kind(cfg)));
    if (words) {
        CHECK_CONTAINS(tlskit_config_error(cfg), words, "%s: the message says '%s'", what, words);
    }
}

static void test_versions(void)
{
    static const char *const old[] = {"1.0", "1.1", "ssl3", "SSLv3", "TLSv1", "TLSv1.1", "tls1.0"};
    for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
        fresh();
        char what[64];
        snprintf(what, sizeof(what), "min version '%s'", old[i]);
        refused(tlskit_config_set_min_version(cfg, old[i]), TLSKIT_ERR_CONFIG, "RFC 8996", what);
        CHECK_CONTAINS(tlskit_config_error(cfg), old[i], "%s: the message names it", what);
        CHECK(cfg->min_version == TLS1_2_VERSION, "%s: the minimum stays 1.2", what);
        fresh();
        snprintf(what, sizeof(what), "max version '%s'", old[i]);
        refused(tlskit_config_set_max_version(cfg, old[i]), TLSKIT_ERR_CONFIG, "use 1.2 or 1.3",
                what);
    }
    fresh();
    refused(tlskit_config_set_min_version(cfg, "1.4"), TLSKIT_ERR_USAGE, "not a TLS version",
            "version '1.4'");
    refused(tlskit_config_set_min_version(cfg, "fast"), TLSKIT_ERR_USAGE, "'fast'",
            "version 'fast'");
    refused(tlskit_config_set_min_version(cfg, NULL), TLSKIT_ERR_USAGE, "1.2 or 1.3",
            "version NULL");

    static const struct {
        const char *name;
        int v;
    } good[] = {{"1.2", TLS1_2_VERSION},     {"1.3", TLS1_3_VERSION},
                {"TLSv1.2", TLS1_2_VERSION}, {"TLSv1.3", TLS1_3_VERSION},
                {"tls1.3", TLS1_3_VERSION},  {"tlsv1.2", TLS1_2_VERSION},
                {"1_3", TLS1_3_VERSION}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        fresh();
        CHECK(tlskit_config_set_min_version(cfg, good[i].name) == 0 &&
                  cfg->min_version == good[i].v,
              "min version '%s' accepted", good[i].name);
        fresh();
        CHECK(tlskit_config_set_max_version(cfg, good[i].name) == 0 &&
                  cfg->max_version == good[i].v,
              "max version '%s' accepted", good[i].name);
    }

    fresh();
    CHECK(tlskit_config_set_max_version(cfg, "1.2") == 0, "max 1.2");
    refused(tlskit_config_set_min_version(cfg, "1.3"), TLSKIT_ERR_CONFIG, "above the maximum",
            "min 1.3 over max 1.2");
    CHECK(cfg->min_version == TLS1_2_VERSION, "... the minimum is unchanged");
    fresh();
    CHECK(tlskit_config_set_min_version(cfg, "1.3") == 0, "min 1.3");
    refused(tlskit_config_set_max_version(cfg, "1.2"), TLSKIT_ERR_CONFIG, "below the minimum",
            "max 1.2 under min 1.3");
    /* A 1.3-only context builds and says so. */
    struct tlskit_ctx *ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx && SSL_CTX_get_min_proto_version(ctx->ssl) == TLS1_3_VERSION,
          "a min-1.3 context allows only TLS 1.3");
    tlskit_ctx_free(ctx);
}

static void test_ciphers(void)
{
    static const struct {
        const char *s, *part;
    } bad[] = {
        {"eNULL", "eNULL"},
        {"ECDHE+AESGCM:eNULL", "eNULL"},
        {"NULL-SHA256", "NULL"},
        {"aNULL", "aNULL"},
        {"ECDHE+AESGCM:ADH", "ADH"},
        {"EXPORT", "EXPORT"},
        {"RC4", "RC4"},
        {"ECDHE-RSA-RC4-SHA", "RC4"},
        {"3DES", "3DES"},
        {"DES-CBC3-SHA", "DES-CBC3-SHA"},
        {"DES", "DES"},
        {"HIGH:MD5", "MD5"},
        {"ALL", "ADH"}, /* ALL admits anonymous suites: named by the selected suite */
        {"ECDHE+AESGCM:@SECLEVEL=0", "@SECLEVEL=0"},
        {"ECDHE+AESGCM:@SECLEVEL=1", "@SECLEVEL=1"},
        {"DEFAULT@SECLEVEL=0", "@SECLEVEL=0"},
        {"ECDHE+AESGCM@SECLEVEL=1", "@SECLEVEL=1"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        fresh();
        char what[96];
        snprintf(what, sizeof(what), "cipher string '%s'", bad[i].s);
        refused(tlskit_config_set_ciphers(cfg, bad[i].s), TLSKIT_ERR_CONFIG, bad[i].part, what);
        CHECK(strcmp(cfg->ciphers, tk_default_ciphers) == 0, "%s: the default stays", what);
    }
    /* Selecting nothing usable. */
    fresh();
    refused(tlskit_config_set_ciphers(cfg, "NOSUCHCIPHER"), TLSKIT_ERR_CONFIG, "selects no",
            "cipher string selecting nothing");
    CHECK_CONTAINS(tlskit_config_error(cfg), "NOSUCHCIPHER", "... naming the string");
    fresh();
    refused(tlskit_config_set_ciphers(cfg, "PSK+AESGCM"), TLSKIT_ERR_CONFIG, "selects no TLS 1.2",
            "cipher string selecting only PSK suites");
    fresh();
    refused(tlskit_config_set_ciphers(cfg, "TLS_AES_128_GCM_SHA256"), TLSKIT_ERR_CONFIG, "TLS 1.3",
            "a TLS 1.3 suite as a cipher string");
    fresh();
    refused(tlskit_config_set_ciphers(cfg, ""), TLSKIT_ERR_USAGE, "empty", "empty cipher string");
    refused(tlskit_config_set_ciphers(cfg, NULL), TLSKIT_ERR_USAGE, "empty", "NULL cipher string");
    /* Removing a bad word is fine. */
    fresh();
    CHECK(tlskit_config_set_ciphers(cfg, "ECDHE+AESGCM:!aNULL:!eNULL:!MD5:-RC4") == 0,
          "removing bad words is accepted");
    CHECK(tlskit_config_warning_count(cfg) == 0, "... with no warning");

    /* The seed's string: accepted, with a CBC warning. */
    const char *seed = "EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH";
    fresh();
    CHECK(tlskit_config_set_ciphers(cfg, seed) == 0, "the seed's cipher string is accepted");
    CHECK(strcmp(cfg->ciphers, seed) == 0, "... and kept");
    CHECK(tlskit_config_warning_count(cfg) == 1, "... with one warning (%zu)",
          tlskit_config_warning_count(cfg));
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "CBC", "... about CBC");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), seed, "... naming the string");
    CHECK(tlskit_config_warning(cfg, 1) == NULL, "warning index out of range is NULL");
    CHECK(tlskit_config_set_ciphers(cfg, seed) == 0 && tlskit_config_warning_count(cfg) == 1,
          "the same warning is listed once");
    struct tlskit_ctx *ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx && SSL_CTX_get_security_level(ctx->ssl) == 2, "seed string: context at level 2");
    tlskit_ctx_free(ctx);

    /* Static RSA key exchange: accepted, with a forward-secrecy warning. */
    fresh();
    CHECK(tlskit_config_set_ciphers(cfg, "AES128-GCM-SHA256") == 0,
          "'AES128-GCM-SHA256' (static RSA) is accepted");
    CHECK(tlskit_config_warning_count(cfg) == 1, "... with one warning");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "forward secrecy", "... about forward secrecy");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "AES128-GCM-SHA256", "... naming the suite");

    /* A fine string, no warning; a higher level is allowed. */
    fresh();
    CHECK(tlskit_config_set_ciphers(cfg, "ECDHE+AESGCM:ECDHE+CHACHA20") == 0 &&
              tlskit_config_warning_count(cfg) == 0,
          "'ECDHE+AESGCM:ECDHE+CHACHA20' accepted without a warning");
    CHECK(tlskit_config_set_ciphers(cfg, "ECDHE+AESGCM:@SECLEVEL=3") == 0,
          "@SECLEVEL=3 is accepted");
    /* Explicit level-lowering keeps out of a built context too. */
    fresh();
    CHECK(tlskit_config_set_ciphers(cfg, "DEFAULT@SECLEVEL=0") == -1 &&
              strcmp(cfg->ciphers, tk_default_ciphers) == 0,
          "a refused string never reaches the context");
    /* And a context never runs below level 2, whatever its cipher string says. */
    free(cfg->ciphers);
    cfg->ciphers = strdup("ECDHE+AESGCM@SECLEVEL=0");
    ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx && SSL_CTX_get_security_level(ctx->ssl) == 2,
          "a context stays at security level 2 (%d)",
          ctx ? SSL_CTX_get_security_level(ctx->ssl) : -1);
    tlskit_ctx_free(ctx);
}

static void test_suites_groups(void)
{
    fresh();
    CHECK(tlskit_config_set_ciphersuites(cfg, "TLS_AES_256_GCM_SHA384") == 0,
          "TLS 1.3 suite TLS_AES_256_GCM_SHA384 accepted");
    CHECK(strcmp(cfg->ciphersuites, "TLS_AES_256_GCM_SHA384") == 0, "... and kept");
    refused(tlskit_config_set_ciphersuites(cfg, "TLS_NOPE"), TLSKIT_ERR_CONFIG, "TLS_NOPE",
            "TLS 1.3 suite TLS_NOPE");
    refused(tlskit_config_set_ciphersuites(cfg, "ECDHE-RSA-AES128-GCM-SHA256"), TLSKIT_ERR_CONFIG,
            "TLS_AES_128_GCM_SHA256", "a TLS 1.2 cipher as a TLS 1.3 suite");
    refused(tlskit_config_set_ciphersuites(cfg, ""), TLSKIT_ERR_USAGE, "empty",
            "empty TLS 1.3 suites");
    CHECK(strcmp(cfg->ciphersuites, "TLS_AES_256_GCM_SHA384") == 0,
          "a refused suite list leaves the last good one");

    fresh();
    CHECK(cfg->groups_default == 1, "groups start as the default list");
    CHECK(tlskit_config_set_groups(cfg, "X25519:P-256") == 0, "groups X25519:P-256 accepted");
    CHECK(cfg->groups_default == 0 && strcmp(cfg->groups, "X25519:P-256") == 0, "... and kept");
    refused(tlskit_config_set_groups(cfg, "X25519:bogus"), TLSKIT_ERR_CONFIG, "'bogus'",
            "groups X25519:bogus");
    refused(tlskit_config_set_groups(cfg, "P-999"), TLSKIT_ERR_CONFIG, "'P-999'", "groups P-999");
    refused(tlskit_config_set_groups(cfg, ""), TLSKIT_ERR_USAGE, "empty", "empty groups");
    fresh();
    int has_mlkem = OPENSSL_VERSION_NUMBER >= 0x30500000L;
    if (!has_mlkem) {
        refused(tlskit_config_set_groups(cfg, "X25519MLKEM768"), TLSKIT_ERR_CONFIG,
                "X25519MLKEM768", "X25519MLKEM768 on OpenSSL 3.0");
        CHECK_CONTAINS(tlskit_config_error(cfg), "OpenSSL 3.", "... naming this OpenSSL");
    }
    /* The default list names it, and still builds here. */
    CHECK(strstr(cfg->groups, "X25519MLKEM768") != NULL, "default groups list X25519MLKEM768");
    struct tlskit_ctx *ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx != NULL, "the default groups build a context on this OpenSSL");
    tlskit_ctx_free(ctx);
    /* A list chosen by the user is not silently trimmed. */
    cfg->groups_default = 0;
    free(cfg->groups);
    cfg->groups = strdup("X25519:nonesuch");
    ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx == NULL && tlskit_config_error_kind(cfg) == TLSKIT_ERR_CONFIG,
          "a user's unusable groups fail the context");
    tlskit_ctx_free(ctx);
}

static void test_alpn(void)
{
    fresh();
    CHECK(tlskit_config_set_alpn(cfg, "h2,http/1.1") == 0, "ALPN 'h2,http/1.1' accepted");
    static const unsigned char wire[] = "\x02h2\x08http/1.1";
    CHECK(cfg->alpn_len == sizeof(wire) - 1 && memcmp(cfg->alpn, wire, sizeof(wire) - 1) == 0,
          "... as the wire format");
    CHECK(tlskit_config_set_alpn(cfg, "http/1.1") == 0 && cfg->alpn_len == 9 && cfg->alpn[0] == 8,
          "ALPN 'http/1.1' replaces it");
    static const char *const bad[] = {",h2", "h2,", "h2,,http/1.1", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "ALPN '%s'", bad[i]);
        refused(tlskit_config_set_alpn(cfg, bad[i]), TLSKIT_ERR_USAGE, NULL, what);
    }
    char longname[300];
    memset(longname, 'a', 256);
    longname[256] = '\0';
    refused(tlskit_config_set_alpn(cfg, longname), TLSKIT_ERR_USAGE, "1 to 255", "ALPN of 256 B");
    longname[255] = '\0';
    CHECK(tlskit_config_set_alpn(cfg, longname) == 0, "ALPN of 255 bytes accepted");
    CHECK(cfg->alpn_len == 256 && cfg->alpn[0] == 255, "... with its length byte");

    /* Negotiated in memory: the server's first choice that the client offers. */
    char path[512];
    struct tlskit_config *sc = tlskit_config_new(), *cc = tlskit_config_new();
    CHECK(tlskit_config_set_keypair_file(sc, mp_cert_path(path, sizeof(path), "ecdsa.pem"), NULL) ==
                  0 &&
              tlskit_config_set_alpn(sc, "h2,http/1.1") == 0,
          "server with ALPN h2,http/1.1");
    tlskit_config_insecure_skip_verify(cc);
    CHECK(tlskit_config_set_alpn(cc, "http/1.1,h2") == 0, "client with ALPN http/1.1,h2");
    struct tlskit_ctx *sx = tlskit_server_ctx_new(sc), *cx = tlskit_client_ctx_new(cc);
    struct tlskit_conn *c = tlskit_conn_new(cx), *s = tlskit_conn_new(sx);
    struct mp_link l;
    mp_link_init(&l);
    int rc = -1, rs = -1;
    if (mp_attach(&l, c, s) == 0) {
        mp_handshake(c, s, &rc, &rs);
    }
    CHECK(rc == 0 && rs == 0, "ALPN handshake");
    CHECK(strcmp(tlskit_conn_alpn(c), "h2") == 0 && strcmp(tlskit_conn_alpn(s), "h2") == 0,
          "ALPN picks h2 on both sides (%s)", tlskit_conn_alpn(c));
    CHECK(strcmp(tlskit_conn_verify_result(c), "skipped (insecure)") == 0,
          "insecure_skip_verify is reported as such");

    /* Each connection keeps its own ALPN string: another's does not overwrite it. */
    struct tlskit_config *c2cfg = tlskit_config_new();
    tlskit_config_insecure_skip_verify(c2cfg);
    CHECK(tlskit_config_set_alpn(c2cfg, "http/1.1") == 0, "client with ALPN http/1.1");
    struct tlskit_ctx *c2x = tlskit_client_ctx_new(c2cfg);
    struct tlskit_conn *c2 = tlskit_conn_new(c2x), *s2 = tlskit_conn_new(sx);
    struct mp_link l2;
    mp_link_init(&l2);
    if (mp_attach(&l2, c2, s2) == 0) {
        mp_handshake(c2, s2, &rc, &rs);
    }
    const char *a1 = tlskit_conn_alpn(c), *a2 = tlskit_conn_alpn(c2);
    CHECK(strcmp(a1, "h2") == 0 && strcmp(a2, "http/1.1") == 0,
          "two connections' ALPN read together: '%s' and '%s'", a1, a2);
    tlskit_conn_free(c2);
    tlskit_conn_free(s2);
    mp_link_free(&l2);
    tlskit_ctx_free(c2x);
    tlskit_config_free(c2cfg);
    tlskit_conn_free(c);
    tlskit_conn_free(s);
    mp_link_free(&l);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);

    /* A client offering only others is refused. */
    cc = tlskit_config_new();
    tlskit_config_insecure_skip_verify(cc);
    CHECK(tlskit_config_set_alpn(cc, "imap") == 0, "client with ALPN imap");
    cx = tlskit_client_ctx_new(cc);
    c = tlskit_conn_new(cx);
    s = tlskit_conn_new(sx);
    mp_link_init(&l);
    if (mp_attach(&l, c, s) == 0) {
        mp_handshake(c, s, &rc, &rs);
    }
    CHECK(rc == -1 && rs == -1, "no shared ALPN protocol: both refuse");
    CHECK_CONTAINS(tlskit_conn_error(s), "ALPN", "... the server says ALPN");
    tlskit_conn_free(c);
    tlskit_conn_free(s);
    mp_link_free(&l);
    tlskit_ctx_free(cx);
    tlskit_config_free(cc);
    tlskit_ctx_free(sx);
    tlskit_config_free(sc);
}

static void test_pins(void)
{
    const char *pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const char *two = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
                      "sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";
    fresh();
    CHECK(tlskit_config_set_pinned_pubkey(cfg, pin) == 0, "one pin accepted");
    CHECK(tlskit_config_set_pinned_pubkey(cfg, two) == 0, "two pins accepted");
    CHECK(strcmp(cfg->pins, two) == 0, "... and kept");
    static const char *const bad[] = {
        "sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "sha256//AAAA",
        "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;",
        "sha256//!!!!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[96];
        snprintf(what, sizeof(what), "pin '%.20s'", bad[i]);
        refused(tlskit_config_set_pinned_pubkey(cfg, bad[i]), TLSKIT_ERR_USAGE,
                bad[i][0] ? "sha256//BASE64" : "empty", what);
    }
    CHECK(strcmp(cfg->pins, two) == 0, "refused pins leave the last good ones");
}

static void test_files(void)
{
    char path[512];
    fresh();
    refused(tlskit_config_set_ca_file(cfg, "/nonexistent/ca.pem"), TLSKIT_ERR_CONFIG,
            "/nonexistent/ca.pem", "missing CA file");
    CHECK_CONTAINS(tlskit_config_error(cfg), "No such file", "... saying why");
    refused(tlskit_config_set_ca_file(cfg, mp_cert_path(path, sizeof(path), "garbage.pem")),
            TLSKIT_ERR_CONFIG, "no usable PEM certificate", "CA file without certificates");
    refused(tlskit_config_set_ca_file(cfg, mp_certs()), TLSKIT_ERR_CONFIG, "is a directory",
            "CA file that is a directory");
    refused(tlskit_config_set_ca_file(cfg, ""), TLSKIT_ERR_USAGE, "no path", "empty CA file");
    CHECK(tlskit_config_set_ca_file(cfg, mp_cert_path(path, sizeof(path), "ca.pem")) == 0,
          "ca.pem accepted as CA file");
    CHECK(tlskit_config_set_ca_path(cfg, mp_certs()) == 0, "a directory accepted as CA path");
    refused(tlskit_config_set_ca_path(cfg, mp_cert_path(path, sizeof(path), "ca.pem")),
            TLSKIT_ERR_CONFIG, "not a directory", "CA path that is a file");
    refused(tlskit_config_set_crl_file(cfg, mp_cert_path(path, sizeof(path), "ca.pem")),
            TLSKIT_ERR_CONFIG, "no PEM CRL", "CRL file without CRLs");
    CHECK(tlskit_config_set_crl_file(cfg, mp_cert_path(path, sizeof(path), "crl.pem")) == 0,
          "crl.pem accepted");
    struct tlskit_ctx *ctx = tlskit_client_ctx_new(cfg);
    CHECK(ctx != NULL, "a client context with CA file, CA path and CRL");
    tlskit_ctx_free(ctx);

    fresh();
    CHECK(tlskit_config_set_ca_mem(cfg, "not pem", 7) == 0, "CA in memory is taken as is");
    ctx = tlskit_client_ctx_new(cfg);
    refused(ctx == NULL ? -1 : 0, TLSKIT_ERR_CONFIG, "no PEM certificate",
            "a context with CA memory holding no certificate");
    tlskit_ctx_free(ctx);

    fresh();
    refused(tlskit_config_set_ticket_lifetime(cfg, 59), TLSKIT_ERR_USAGE, "60 s",
            "ticket lifetime 59 s");
    refused(tlskit_config_set_ticket_lifetime(cfg, 8 * 86400), TLSKIT_ERR_USAGE, "7 days",
            "ticket lifetime 8 days");
    CHECK(tlskit_config_set_ticket_lifetime(cfg, 60) == 0 && cfg->ticket_lifetime == 60,
          "ticket lifetime 60 s accepted");
    refused(tlskit_config_set_keypair_file(cfg, NULL, NULL), TLSKIT_ERR_USAGE, "no certificate",
            "keypair without a file");
}

static void test_free_null(void)
{
    tlskit_config_free(NULL);
    tlskit_ctx_free(NULL);
    tlskit_conn_free(NULL);
    CHECK(1, "_free(NULL) does nothing for config, ctx and conn");
    fresh();
    CHECK(tlskit_config_error(cfg)[0] == '\0' && tlskit_config_error_kind(cfg) == TLSKIT_ERR_NONE,
          "a fresh config has no error");
    CHECK(tlskit_config_warning_count(cfg) == 0 && tlskit_config_warning(cfg, 0) == NULL,
          "a fresh config has no warnings");
}

int main(void)
{
    test_versions();
    test_ciphers();
    test_suites_groups();
    test_alpn();
    test_pins();
    test_files();
    test_free_null();
    tlskit_config_free(cfg);
    return T_DONE();
}
