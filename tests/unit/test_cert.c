/* test_cert.c: each check of the bundle loader gives its message, naming the file and the fix,
 * on the files of tests/certs/mkcerts.sh (TLSKIT_CERTS); good bundles load without warnings. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "mempipe.h"
#include "t.h"

static char tmpdir[256];

static const char *cert(const char *name)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    return mp_cert_path(buf[i], sizeof(buf[i]), name);
}

/* Reads NAME from the certificate directory (malloc'd, NUL-terminated). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            char *p = realloc(buf, cap);
            if (p == NULL) {
                break;
            }
            buf = p;
        }
        size_t r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
    }
    *len = n;
    return buf;
}

/* Writes the concatenation of certificate files into TMPDIR/OUT with MODE; its path. */
static const char *concat(const char *out, int mode, const char *const *names)
{
    static char path[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, out);
    int fd = open(path[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    for (; fd >= 0 && *names; names++) {
        size_t len;
        char *data = slurp(cert(*names), &len);
        if (data == NULL || write(fd, data, len) != (ssize_t)len) {
            printf("# could not copy %s\n", *names);
        }
        free(data);
    }
    if (fd >= 0) {
        fchmod(fd, (mode_t)mode);
        close(fd);
    }
    return path[i];
}

/* Loads BUNDLE (and KEY) into a fresh config; the config, with its error and warnings. */
static struct tlskit_config *load(const char *bundle, const char *key, int *rv)
{
    struct tlskit_config *cfg = tlskit_config_new();
    *rv = tlskit_config_set_keypair_file(cfg, bundle, key);
    return cfg;
}

/* A bundle that must be refused: kind config, naming the file, with each of WORDS. */
static void refused(const char *what, const char *bundle, const char *key, const char *name_in_msg,
                    const char *const *words, const char *not_words)
{
    int rv;
    struct tlskit_config *cfg = load(bundle, key, &rv);
    CHECK(rv == -1, "%s: refused", what);
    CHECK(tlskit_config_error_kind(cfg) == TLSKIT_ERR_CONFIG, "%s: kind config (%s)", what,
          tlskit_error_kind_name(tlskit_config_error_kind(cfg)));
    CHECK_CONTAINS(tlskit_config_error(cfg), name_in_msg, "%s: names the file", what);
    for (; words && *words; words++) {
        CHECK_CONTAINS(tlskit_config_error(cfg), *words, "%s: says '%s'", what, *words);
    }
    if (not_words) {
        CHECK(strstr(tlskit_config_error(cfg), not_words) == NULL, "%s: does not say '%s'", what,
              not_words);
    }
    CHECK(cfg->key == NULL && cfg->cert == NULL, "%s: nothing is kept", what);
    tlskit_config_free(cfg);
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_errors(void)
{
    const char *p;
    refused("missing file", "/nonexistent/bundle.pem", NULL, "/nonexistent/bundle.pem",
            WORDS("cannot be read", "No such file"), NULL);
    refused("a directory", mp_certs(), NULL, mp_certs(), WORDS("not a regular file"), NULL);
    if (geteuid() != 0) {
        p = concat("unreadable.pem", 0000, WORDS("ecdsa.pem"));
        refused("unreadable file", p, NULL, p, WORDS("cannot be read", "Permission denied"), NULL);
    }
    refused("empty file", cert("empty.pem"), NULL, cert("empty.pem"),
            WORDS("is empty", "expected PEM"), NULL);
    refused("not PEM", cert("garbage.pem"), NULL, cert("garbage.pem"),
            WORDS("is not PEM", "-----BEGIN"), NULL);
    refused("DER", cert("ecdsa.der"), NULL, cert("ecdsa.der"),
            WORDS("is DER", "openssl x509 -inform der"), NULL);
    refused("encrypted key", cert("encrypted.pem"), NULL, cert("encrypted.pem"),
            WORDS("encrypted with a passphrase", "openssl pkey -in"), NULL);
    refused("key mismatch", cert("mismatch.pem"), NULL, cert("mismatch.pem"),
            WORDS("does not match the certificate", "CN=localhost"), "out of order");
    refused("chain out of order (intermediate first)", cert("outoforder.pem"), NULL,
            cert("outoforder.pem"), WORDS("out of order", "must come first"), "match");
    p = concat("root-before-inter.pem", 0600,
               WORDS("ecdsa.key", "ecdsa.crt", "root.pem", "inter.pem"));
    refused("chain out of order (root before intermediate)", p, NULL, p,
            WORDS("out of order", "was not issued by the next", "CN=tlskit test intermediate"),
            "match");
    refused("expired", cert("expired.pem"), NULL, cert("expired.pem"),
            WORDS("expired on", "days ago", "renew it"), NULL);
    refused("not yet valid", cert("notyet.pem"), NULL, cert("notyet.pem"),
            WORDS("not valid until", "clock"), NULL);
    refused("leaf that is a CA", cert("leafca.pem"), NULL, cert("leafca.pem"),
            WORDS("is a CA certificate", "issue a leaf"), NULL);
    refused("RSA 1024", cert("rsa1024.pem"), NULL, cert("rsa1024.pem"),
            WORDS("1024 bits", "at least 2048", "new key"), NULL);
    refused("no key", cert("nokey.pem"), NULL, cert("nokey.pem"),
            WORDS("no private key", "key first"), NULL);
    p = concat("twokeys.pem", 0600, WORDS("ecdsa.key", "ipsan.key", "ecdsa.crt", "inter.pem"));
    refused("two keys", p, NULL, p, WORDS("2 private keys"), NULL);
    p = concat("keyonly.pem", 0600, WORDS("ecdsa.key"));
    refused("key without a certificate", p, NULL, p, WORDS("no certificate"), NULL);

    /* A separate key file: messages about the key name the key file. */
    refused("separate key file that does not match", cert("ecdsa.chain"), cert("ipsan.key"),
            cert("ipsan.key"), WORDS("does not match"), NULL);
    refused("separate key file missing", cert("ecdsa.chain"), "/nonexistent/k.pem",
            "/nonexistent/k.pem", WORDS("key file", "cannot be read"), NULL);
    refused("separate key file encrypted", cert("ecdsa.chain"), cert("encrypted.key"),
            cert("encrypted.key"), WORDS("encrypted"), NULL);
    refused("separate key file empty", cert("ecdsa.chain"), cert("empty.pem"), cert("empty.pem"),
            WORDS("is empty", "private key"), NULL);
    refused("separate key file that is DER", cert("ecdsa.chain"), cert("ecdsa.der"),
            cert("ecdsa.der"), WORDS("is DER"), NULL);

    /* A damaged certificate block. */
    size_t len;
    char *pem = slurp(cert("ecdsa.pem"), &len);
    char *b = pem ? strstr(pem, "-----BEGIN CERTIFICATE-----") : NULL;
    if (b) {
        b[40] = b[40] == 'A' ? 'B' : 'A'; /* in the DER header */
        b[41] = '!';
    }
    struct tlskit_config *cfg = tlskit_config_new();
    CHECK(b && tlskit_config_set_keypair_mem(cfg, "damaged.pem", pem, len) == -1,
          "damaged certificate: refused");
    CHECK_CONTAINS(tlskit_config_error(cfg), "damaged.pem", "damaged certificate: names it");
    tlskit_config_free(cfg);
    free(pem);
}

/* A bundle that loads: the number of warnings it gives, and the config in *OUT. */
static size_t loads(const char *what, const char *bundle, const char *key,
                    struct tlskit_config **out)
{
    int rv;
    struct tlskit_config *cfg = load(bundle, key, &rv);
    CHECK(rv == 0, "%s: loads", what);
    if (rv != 0) {
        printf("#   %s\n", tlskit_config_error(cfg));
    }
    size_t n = tlskit_config_warning_count(cfg);
    for (size_t i = 0; i < n; i++) {
        printf("#   warning: %s\n", tlskit_config_warning(cfg, i));
    }
    if (out) {
        *out = cfg;
    } else {
        tlskit_config_free(cfg);
    }
    return n;
}

static void test_good(void)
{
    static const char *const good[] = {"ecdsa.pem", "rsa.pem",        "wildcard.pem",
                                       "ipsan.pem", "selfsigned.pem", "untrusted.pem",
                                       "client.pem"};
    struct tlskit_config *cfg;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(loads(good[i], cert(good[i]), NULL, NULL) == 0, "%s: no warnings", good[i]);
    }
    CHECK(loads("separate key file", cert("ecdsa.chain"), cert("ecdsa.key"), &cfg) == 0,
          "separate key file: no warnings");
    CHECK(cfg->key && cfg->cert && sk_X509_num(cfg->chain) == 1,
          "separate key file: key, certificate and one intermediate kept");
    struct tlskit_ctx *ctx = tlskit_server_ctx_new(cfg);
    CHECK(ctx != NULL, "separate key file: a server context builds");
    tlskit_ctx_free(ctx);
    tlskit_config_free(cfg);
    const char *p = concat("keylast.pem", 0600, WORDS("ecdsa.crt", "inter.pem", "ecdsa.key"));
    CHECK(loads("key last", p, NULL, NULL) == 0, "key last: no warnings");

    /* From memory. */
    size_t len;
    char *pem = slurp(cert("rsa.pem"), &len);
    cfg = tlskit_config_new();
    CHECK(pem && tlskit_config_set_keypair_mem(cfg, "rsa in memory", pem, len) == 0 &&
              tlskit_config_warning_count(cfg) == 0,
          "rsa.pem from memory loads without warnings");
    /* A later failure keeps what was loaded. */
    CHECK(tlskit_config_set_keypair_mem(cfg, "nothing", "", 0) == -1, "empty memory refused");
    CHECK_CONTAINS(tlskit_config_error(cfg), "'nothing' is empty", "... naming it");
    CHECK(tlskit_config_set_keypair_mem(cfg, NULL, "x", 1) == -1, "garbage memory refused");
    CHECK_CONTAINS(tlskit_config_error(cfg), "(memory)", "... named (memory) without a name");
    CHECK(cfg->key != NULL && strcmp(cfg->keypair_name, "rsa in memory") == 0,
          "a failed load keeps the last good key pair");
    free(pem);
    tlskit_config_free(cfg);
}

static void test_warnings(void)
{
    struct tlskit_config *cfg;
    CHECK(loads("expiring", cert("expiring.pem"), NULL, &cfg) == 1, "expiring: one warning");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "expires on", "expiring: says expires on");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), " days; renew it",
                   "expiring: says in how many days");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), cert("expiring.pem"), "expiring: names it");
    tlskit_config_free(cfg);

    CHECK(loads("incomplete", cert("incomplete.pem"), NULL, &cfg) == 1, "incomplete: one warning");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "incomplete chain", "incomplete: says so");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "clients that lack 'CN=tlskit test intermediate'",
                   "incomplete: names the issuer's CN");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), cert("incomplete.pem"), "incomplete: names it");
    tlskit_config_free(cfg);

    const char *p = concat("readable.pem", 0644, WORDS("ecdsa.pem"));
    CHECK(loads("world-readable bundle", p, NULL, &cfg) == 1, "world-readable: one warning");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "other users", "world-readable: says why");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "chmod 600", "world-readable: gives chmod 600");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), p, "world-readable: names the file");
    tlskit_config_free(cfg);
    p = concat("group-readable.pem", 0640, WORDS("ecdsa.pem"));
    CHECK(loads("group-readable bundle", p, NULL, NULL) == 1, "group-readable: one warning");

    /* Separate files: only the key file's mode matters. */
    const char *k = concat("readable.key", 0644, WORDS("ecdsa.key"));
    const char *c = concat("readable.chain", 0644, WORDS("ecdsa.chain"));
    CHECK(loads("readable key file", cert("ecdsa.chain"), k, &cfg) == 1, "readable key: warns");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), k, "readable key: names the key file");
    CHECK_CONTAINS(tlskit_config_warning(cfg, 0), "chmod 600", "readable key: gives chmod 600");
    tlskit_config_free(cfg);
    CHECK(loads("readable chain, private key", c, cert("ecdsa.key"), NULL) == 0,
          "a readable certificate file with a private key file: no warning");
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s/tlskit-test-cert.XXXXXX", P_tmpdir);
    if (mkdtemp(tmpdir) == NULL) {
        printf("not ok - mkdtemp\n");
        return 1;
    }
    test_errors();
    test_good();
    test_warnings();
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        printf("# could not remove %s\n", tmpdir);
    }
    return T_DONE();
}
