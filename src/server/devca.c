/* devca.c: the development CA: a root and an intermediate made on first use under
 * $TLSKIT_HOME with private permissions, and the certificates it issues (OpenSSL C API). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "server/server.h"

#define ROOT_DAYS (10 * 365)
#define INTER_DAYS (5 * 365)
#define DEV_LEAF_DAYS 365
#define RENEW_DAYS 30

static void ossl_err(char *err, size_t errlen, const char *what)
{
    char r[256];
    ERR_error_string_n(ERR_get_error(), r, sizeof(r));
    ERR_clear_error();
    snprintf(err, errlen, "%s: %s", what, r);
}

int devca_home(char *buf, size_t len, char *err, size_t errlen)
{
    const char *h = getenv("TLSKIT_HOME");
    int n;
    if (h && h[0]) {
        n = snprintf(buf, len, "%s", h);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] == '\0') {
            snprintf(err, errlen,
                     "neither TLSKIT_HOME nor HOME is set: set TLSKIT_HOME to a "
                     "private directory for the development CA");
            return -1;
        }
        n = snprintf(buf, len, "%s/.local/share/tlskit", home);
    }
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "TLSKIT_HOME is too long");
        return -1;
    }
    return 0;
}

/* mkdir -p, the last component private (0700). */
static int make_dir(const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s (set TLSKIT_HOME to a writable place)",
                         tmp, strerror(errno));
                return -1;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s (set TLSKIT_HOME to a writable place)", tmp,
                 strerror(errno));
        return -1;
    }
    if (chmod(tmp, 0700) != 0) {
        snprintf(err, errlen, "cannot make %s private: %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static EVP_PKEY *new_key(int rsa)
{
    return rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
               : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/*
 * A certificate for KEY named CN, issued by ISSUER/IKEY (self-signed when ISSUER is NULL).
 * ca: 0 leaf, 1 root, 2 intermediate (pathlen 0). san: "DNS:a,IP:b" for a leaf.
 */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int days,
                       int ca, const char *san, int rsa)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    X509V3_CTX v3;
    int ok = 0;
    if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1) {
        goto out;
    }
    serial[0] &= 0x7f; /* positive */
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    X509_NAME *name = X509_get_subject_name(x);
    if (bn == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL ||
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   (const unsigned char *)"tlskit development", -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
        X509_set_pubkey(x, key) != 1) {
        goto out;
    }
    X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
    if (ca) {
        if (add_ext(x, &v3, NID_basic_constraints,
                    ca == 1 ? "critical,CA:TRUE" : "critical,CA:TRUE,pathlen:0") != 0 ||
            add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") != 0) {
            goto out;
        }
    } else {
        if (add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
            add_ext(x, &v3, NID_key_usage,
                    rsa ? "critical,digitalSignature,keyEncipherment"
                        : "critical,digitalSignature") != 0 ||
            add_ext(x, &v3, NID_ext_key_usage, "serverAuth,clientAuth") != 0 ||
            add_ext(x, &v3, NID_subject_alt_name, san) != 0) {
            goto out;
        }
    }
    if (add_ext(x, &v3, NID_subject_key_identifier, "hash") != 0 ||
        (issuer && add_ext(x, &v3, NID_authority_key_identifier, "keyid:always") != 0) ||
        X509_sign(x, ikey ? ikey : key, EVP_sha256()) <= 0) {
        goto out;
    }
    ok = 1;
out:
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* Writes PEM objects to path through a private temporary file and a rename. */
static int write_pem(const char *path, EVP_PKEY *key, X509 *const *certs, int ncerts, char *err,
                     size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    int ok = f != NULL;
    if (ok && key) {
        ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    }
    for (int i = 0; ok && i < ncerts; i++) {
        ok = PEM_write_X509(f, certs[i]) == 1;
    }
    if (f) {
        ok = fclose(f) == 0 && ok;
    } else {
        close(fd);
    }
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) {
        fclose(f);
    }
    ERR_clear_error();
    return x;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) {
        fclose(f);
    }
    ERR_clear_error();
    return k;
}

static void join(char *out, size_t len, const char *home, const char *file)
{
    snprintf(out, len, "%s/%s", home, file);
}

/* Holds an exclusive lock on home/.lock so two servers starting at once make one CA. */
static int lock_home(const char *home, char *err, size_t errlen)
{
    char p[4200];
    join(p, sizeof(p), home, ".lock");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        snprintf(err, errlen, "cannot lock %s: %s", p, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static int ensure_locked(const char *home, char *err, size_t errlen)
{
    char rc[4200], rk[4200], ic[4200], ik[4200];
    join(rc, sizeof(rc), home, "ca.pem");
    join(rk, sizeof(rk), home, "ca.key");
    join(ic, sizeof(ic), home, "intermediate.pem");
    join(ik, sizeof(ik), home, "intermediate.key");
    X509 *root = read_cert(rc), *inter = read_cert(ic);
    EVP_PKEY *rkey = read_key(rk), *ikey = read_key(ik);
    int rv = -1;
    if (root && inter && rkey && ikey) {
        rv = 0; /* made before: reuse */
        goto out;
    }
    X509_free(root);
    X509_free(inter);
    EVP_PKEY_free(rkey);
    EVP_PKEY_free(ikey);
    root = inter = NULL;
    rkey = ikey = NULL;
    rkey = new_key(0);
    ikey = new_key(0);
    if (rkey == NULL || ikey == NULL) {
        ossl_err(err, errlen, "cannot make the development CA's keys");
        goto out;
    }
    root = make_cert("tlskit development root", rkey, NULL, NULL, ROOT_DAYS, 1, NULL, 0);
    inter = root ? make_cert("tlskit development intermediate", ikey, root, rkey, INTER_DAYS, 2,
                             NULL, 0)
                 : NULL;
    if (inter == NULL) {
        ossl_err(err, errlen, "cannot make the development CA's certificates");
        goto out;
    }
    if (write_pem(rk, rkey, NULL, 0, err, errlen) != 0 ||
        write_pem(ik, ikey, NULL, 0, err, errlen) != 0 ||
        write_pem(ic, NULL, &inter, 1, err, errlen) != 0 ||
        write_pem(rc, NULL, &root, 1, err, errlen) != 0) {
        goto out;
    }
    rv = 0;
out:
    X509_free(root);
    X509_free(inter);
    EVP_PKEY_free(rkey);
    EVP_PKEY_free(ikey);
    return rv;
}

int devca_ensure(const char *home, char *ca_pem, size_t ca_len, char *err, size_t errlen)
{
    if (make_dir(home, err, errlen) != 0) {
        return -1;
    }
    int lk = lock_home(home, err, errlen);
    if (lk < 0) {
        return -1;
    }
    int rv = ensure_locked(home, err, errlen);
    close(lk);
    if (rv == 0 && ca_pem) {
        join(ca_pem, ca_len, home, "ca.pem");
    }
    return rv;
}

/* "DNS:a,IP:b" from names; -1 with err for a name that is neither. */
static int san_list(const char *const *names, size_t n, char *out, size_t len, char *err,
                    size_t errlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *nm = names[i];
        unsigned char a[16];
        int ip = inet_pton(AF_INET, nm, a) == 1 || inet_pton(AF_INET6, nm, a) == 1;
        if (!ip) {
            size_t l = strlen(nm);
            int good = l > 0 && l <= 253;
            for (size_t j = 0; good && j < l; j++) {
                char ch = nm[j];
                good = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
                       (ch == '*' && j == 0 && nm[1] == '.');
            }
            if (!good) {
                snprintf(err, errlen,
                         "'%s' is neither a host name (letters, digits, '-', '.', a leading "
                         "'*.') nor an IP address",
                         nm);
                return -1;
            }
        }
        int k = snprintf(out + used, len - used, "%s%s:%s", used ? "," : "", ip ? "IP" : "DNS", nm);
        if (k < 0 || (size_t)k >= len - used) {
            snprintf(err, errlen, "too many names for one certificate");
            return -1;
        }
        used += (size_t)k;
    }
    return 0;
}

int devca_issue(const char *home, const char *const *names, size_t nnames, int days, int rsa,
                const char *out, char *err, size_t errlen)
{
    char san[8192], ic[4200], ik[4200];
    int rv = -1;
    X509 *inter = NULL, *leaf = NULL;
    EVP_PKEY *ikey = NULL, *key = NULL;
    if (nnames == 0 || san_list(names, nnames, san, sizeof(san), err, errlen) != 0) {
        if (nnames == 0) {
            snprintf(err, errlen, "no name given: tlskit cert NAME...");
        }
        return -1;
    }
    if (devca_ensure(home, NULL, 0, err, errlen) != 0) {
        return -1;
    }
    join(ic, sizeof(ic), home, "intermediate.pem");
    join(ik, sizeof(ik), home, "intermediate.key");
    inter = read_cert(ic);
    ikey = read_key(ik);
    if (inter == NULL || ikey == NULL) {
        snprintf(err, errlen, "cannot read the development CA in %s: remove it to start afresh",
                 home);
        goto out;
    }
    key = new_key(rsa);
    leaf = key ? make_cert(names[0], key, inter, ikey, days, 0, san, rsa) : NULL;
    if (leaf == NULL) {
        ossl_err(err, errlen, "cannot issue the certificate");
        goto out;
    }
    X509 *chain[2] = {leaf, inter};
    if (write_pem(out, key, chain, 2, err, errlen) != 0) {
        goto out;
    }
    rv = 0;
out:
    X509_free(inter);
    X509_free(leaf);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(key);
    return rv;
}

int devca_server_bundle(const char *home, char *path, size_t len, char *err, size_t errlen)
{
    static const char *const names[] = {"localhost", "127.0.0.1", "::1"};
    join(path, len, home, "localhost.pem");
    if (devca_ensure(home, NULL, 0, err, errlen) != 0) {
        return -1;
    }
    X509 *x = read_cert(path);
    EVP_PKEY *k = read_key(path);
    time_t renew = time(NULL) + (time_t)RENEW_DAYS * 86400;
    int fresh = x && k && X509_cmp_time(X509_get0_notAfter(x), &renew) > 0;
    X509_free(x);
    EVP_PKEY_free(k);
    if (fresh) {
        return 0;
    }
    return devca_issue(home, names, 3, DEV_LEAF_DAYS, 0, path, err, errlen);
}
