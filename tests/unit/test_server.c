/* test_server.c: the server's pure parts: --listen address parsing and the development CA
 * (made in a temporary TLSKIT_HOME, then checked with the OpenSSL API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "server/server.h"
#include "t.h"

static int parse(const char *spec, const char *host, const char *port)
{
    char h[256], p[16], err[256];
    if (srv_parse_addr(spec, h, sizeof(h), p, sizeof(p), err, sizeof(err)) != 0) {
        return 0;
    }
    return strcmp(h, host) == 0 && strcmp(p, port) == 0;
}

static int refused(const char *spec, const char *words)
{
    char h[256], p[16], err[256] = "";
    return srv_parse_addr(spec, h, sizeof(h), p, sizeof(p), err, sizeof(err)) == -1 &&
           strstr(err, words) != NULL && strstr(err, "--listen") != NULL;
}

static void test_addr(void)
{
    CHECK(parse("localhost:8443", "localhost", "8443"), "host:port");
    CHECK(parse("[::]:443", "::", "443"), "[::]:443");
    CHECK(parse("[::1]:8443", "::1", "8443"), "[::1]:8443");
    CHECK(parse("0.0.0.0:443", "0.0.0.0", "443"), "0.0.0.0:443");
    CHECK(parse("*:443", "", "443"), "*:443 means every address");
    CHECK(parse(":443", "", "443"), ":443 means every address");
    CHECK(refused("localhost", "HOST:PORT"), "no port: refused, saying HOST:PORT");
    CHECK(refused("::1:443", "brackets"), "bare IPv6: refused, saying brackets");
    CHECK(refused("[::1]443", "brackets"), "[v6] without ':port': refused");
    CHECK(refused("a:0", "1 to 65535"), "port 0 refused");
    CHECK(refused("a:65536", "1 to 65535"), "port 65536 refused");
    CHECK(refused("a:44x", "1 to 65535"), "port with junk refused");
    CHECK(refused("a:", "1 to 65535"), "empty port refused");
}

static X509 *load(const char *path, EVP_PKEY **key)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    if (key) {
        *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    }
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return x;
}

static void test_devca(void)
{
    char home[] = "/tmp/tlskit-unit-XXXXXX", ca[4200], err[1024] = "", path[4300], bundle[4300];
    if (mkdtemp(home) == NULL) {
        CHECK(0, "mkdtemp");
        return;
    }
    char sub[4200];
    snprintf(sub, sizeof(sub), "%s/a/b", home);
    CHECK(devca_ensure(sub, ca, sizeof(ca), err, sizeof(err)) == 0, "a new CA is made (%s)", err);
    struct stat st;
    CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700, "its directory is 0700");
    snprintf(path, sizeof(path), "%s/ca.key", sub);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "its key is 0600");
    X509 *root = load(ca, NULL);
    CHECK(root != NULL && X509_check_ca(root) != 0, "ca.pem is a CA certificate");
    X509 *again = NULL;
    CHECK(devca_ensure(sub, ca, sizeof(ca), err, sizeof(err)) == 0 && (again = load(ca, NULL)) &&
              X509_cmp(root, again) == 0,
          "the CA is reused the second time");
    X509_free(again);

    CHECK(devca_server_bundle(sub, bundle, sizeof(bundle), err, sizeof(err)) == 0,
          "the development server bundle is issued (%s)", err);
    EVP_PKEY *key = NULL;
    X509 *leaf = load(bundle, &key);
    CHECK(leaf && key && X509_check_private_key(leaf, key) == 1,
          "bundle: key then its certificate");
    CHECK(leaf && X509_check_host(leaf, "localhost", 0, 0, NULL) == 1, "covers localhost");
    CHECK(leaf && X509_check_ip_asc(leaf, "127.0.0.1", 0) == 1, "covers 127.0.0.1");
    CHECK(leaf && X509_check_ip_asc(leaf, "::1", 0) == 1, "covers ::1");
    CHECK(leaf && X509_check_purpose(leaf, X509_PURPOSE_SSL_SERVER, 0) == 1,
          "is a TLS server cert");
    CHECK(leaf && X509_check_ca(leaf) == 0, "is not a CA");

    const char *names[] = {"a.test", "*.b.test", "10.0.0.1"};
    snprintf(path, sizeof(path), "%s/x.pem", home);
    CHECK(devca_issue(sub, names, 3, 10, 1, path, err, sizeof(err)) == 0, "tlskit cert issues (%s)",
          err);
    EVP_PKEY *k2 = NULL;
    X509 *x = load(path, &k2);
    CHECK(x && k2 && EVP_PKEY_get_base_id(k2) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k2) == 2048,
          "--rsa gives RSA 2048");
    CHECK(x && X509_check_host(x, "z.b.test", 0, 0, NULL) == 1, "a wildcard name covers one label");
    CHECK(x && X509_check_ip_asc(x, "10.0.0.1", 0) == 1, "an IP name is an IP SAN");
    const char *bad[] = {"bad name"};
    CHECK(devca_issue(sub, bad, 1, 10, 0, path, err, sizeof(err)) == -1 &&
              strstr(err, "'bad name'") != NULL,
          "a bad name is refused by name");
    X509_free(x);
    EVP_PKEY_free(k2);
    X509_free(leaf);
    EVP_PKEY_free(key);
    X509_free(root);
    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    CHECK(system(cmd) == 0, "cleanup");
}

int main(void)
{
    test_addr();
    test_devca();
    return T_DONE();
}
