/* cert.c: loading a key + certificate + intermediates bundle, and the checks that explain
 * what is wrong with one before a client ever sees it. Also certificate descriptions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "internal.h"

#define MAX_BUNDLE (1024 * 1024)

void tk_name_oneline(const X509_NAME *name, char *buf, size_t len)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL) {
        return;
    }
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int n = BIO_read(b, buf, (int)len - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
    if (buf[0] == '\0') {
        snprintf(buf, len, "(empty name)");
    }
}

/* subjectAltName DNS names and IP addresses, ", " separated. */
void tk_cert_names(X509 *cert, char *buf, size_t len)
{
    struct tk_str s = {0};
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *d = g->d.dNSName;
            tk_str_add(&s, "%s%.*s", s.len ? ", " : "", d->length, (const char *)d->data);
        } else if (g->type == GEN_IPADD) {
            char *ip = OPENSSL_buf2hexstr(g->d.iPAddress->data, g->d.iPAddress->length);
            char txt[64] = "";
            if (g->d.iPAddress->length == 4) {
                const unsigned char *a = g->d.iPAddress->data;
                snprintf(txt, sizeof(txt), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
            } else if (g->d.iPAddress->length == 16) {
                inet_ntop(AF_INET6, g->d.iPAddress->data, txt, sizeof(txt));
            }
            tk_str_add(&s, "%sIP %s", s.len ? ", " : "", txt[0] ? txt : (ip ? ip : "?"));
            OPENSSL_free(ip);
        }
    }
    GENERAL_NAMES_free(gens);
    snprintf(buf, len, "%s", s.p ? s.p : "");
    tk_str_free(&s);
}

void tk_time_str(const ASN1_TIME *t, char *buf, size_t len)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        snprintf(buf, len, "(unknown date)");
        return;
    }
    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Whole days from now to T: negative when T is past. */
long tk_days_from_now(const ASN1_TIME *t)
{
    int day = 0, sec = 0;
    if (ASN1_TIME_diff(&day, &sec, NULL, t) != 1) {
        return 0;
    }
    return day;
}

void tk_key_desc(EVP_PKEY *key, char *buf, size_t len)
{
    int id = EVP_PKEY_get_base_id(key);
    int bits = EVP_PKEY_get_bits(key);
    if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t glen = 0;
        EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen);
        const char *g = group;
        if (strcmp(group, "prime256v1") == 0) {
            g = "P-256";
        } else if (strcmp(group, "secp384r1") == 0) {
            g = "P-384";
        } else if (strcmp(group, "secp521r1") == 0) {
            g = "P-521";
        }
        snprintf(buf, len, "EC %s", g);
    } else if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
        snprintf(buf, len, "RSA %d", bits);
    } else if (id == EVP_PKEY_ED25519) {
        snprintf(buf, len, "Ed25519");
    } else if (id == EVP_PKEY_ED448) {
        snprintf(buf, len, "Ed448");
    } else {
        snprintf(buf, len, "%s %d", OBJ_nid2sn(id), bits);
    }
}

static int is_self_signed(X509 *c)
{
    /* Names, key identifiers and signature; not key usage, which a self-signed leaf lacks. */
    return X509_self_signed(c, 1) == 1;
}

/* The bundle's PEM blocks, parsed. */
struct pieces {
    EVP_PKEY *key;
    int nkeys;
    STACK_OF(X509) * certs;
    int encrypted;
    int blocks;
};

static int parse_pem(struct tlskit_config *cfg, const char *name, const unsigned char *pem,
                     size_t len, struct pieces *out)
{
    int rv = -1;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    out->certs = sk_X509_new_null();
    if (b == NULL || out->certs == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "'%s': out of memory", name);
        goto out;
    }
    for (;;) {
        char *type = NULL, *header = NULL;
        unsigned char *data = NULL;
        long dlen = 0;
        if (PEM_read_bio(b, &type, &header, &data, &dlen) != 1) {
            ERR_clear_error();
            break;
        }
        out->blocks++;
        const unsigned char *p = data;
        if (strcmp(type, "CERTIFICATE") == 0 || strcmp(type, "TRUSTED CERTIFICATE") == 0 ||
            strcmp(type, "X509 CERTIFICATE") == 0) {
            X509 *x = d2i_X509(NULL, &p, dlen);
            if (x == NULL || !sk_X509_push(out->certs, x)) {
                X509_free(x);
                tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                           "'%s': certificate #%d is damaged (it is PEM, but not a valid "
                           "X.509 certificate)",
                           name, sk_X509_num(out->certs) + 1);
                ERR_clear_error();
                OPENSSL_free(type);
                OPENSSL_free(header);
                OPENSSL_clear_free(data, (size_t)dlen);
                goto out;
            }
        } else if (strcmp(type, "ENCRYPTED PRIVATE KEY") == 0 ||
                   (strstr(type, "PRIVATE KEY") && header && strstr(header, "ENCRYPTED"))) {
            out->encrypted = 1;
        } else if (strstr(type, "PRIVATE KEY") != NULL) {
            EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, dlen);
            if (k == NULL) {
                ERR_clear_error();
                tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                           "'%s': the private key block is damaged (PEM '%s' that does not "
                           "parse as a key)",
                           name, type);
                OPENSSL_free(type);
                OPENSSL_free(header);
                OPENSSL_clear_free(data, (size_t)dlen);
                goto out;
            }
            out->nkeys++;
            if (out->key == NULL) {
                out->key = k;
            } else {
                EVP_PKEY_free(k);
            }
        }
        OPENSSL_free(type);
        OPENSSL_free(header);
        OPENSSL_clear_free(data, (size_t)dlen);
    }
    rv = 0;
out:
    BIO_free(b);
    return rv;
}

/* Empty, DER or not PEM at all: say which. */
static int check_is_pem(struct tlskit_config *cfg, const char *name, const unsigned char *pem,
                        size_t len, const char *what)
{
    if (len == 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "'%s' is empty: expected PEM holding %s", name,
                   what);
        return -1;
    }
    if (memmem(pem, len, "-----BEGIN ", 11) != NULL) {
        return 0;
    }
    if (pem[0] == 0x30 && len > 4) { /* an ASN.1 SEQUENCE: DER */
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "'%s' is DER (binary), not PEM; convert it with 'openssl x509 -inform der "
                   "-in %s -out cert.pem' (for a key: 'openssl pkey -inform der ...')",
                   name, name);
        return -1;
    }
    tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
               "'%s' is not PEM: expected %s, each between '-----BEGIN ...-----' and "
               "'-----END ...-----' lines",
               name, what);
    return -1;
}

int tk_load_keypair(struct tlskit_config *cfg, const char *name, const unsigned char *pem,
                    size_t len, const char *key_name, const unsigned char *key_pem, size_t key_len,
                    int key_file_mode)
{
    int rv = -1;
    struct pieces b = {0}, k = {0};
    char subj[256], other[256], date[40];
    const char *keysrc = key_name ? key_name : name;

    if (check_is_pem(cfg, name, pem, len,
                     key_name ? "a certificate and its intermediates"
                              : "a private key, a certificate and its intermediates") != 0) {
        goto out;
    }
    if (parse_pem(cfg, name, pem, len, &b) != 0) {
        goto out;
    }
    if (key_name) {
        if (check_is_pem(cfg, key_name, key_pem, key_len, "a private key") != 0 ||
            parse_pem(cfg, key_name, key_pem, key_len, &k) != 0) {
            goto out;
        }
    }
    struct pieces *kp = key_name ? &k : &b;
    if (kp->encrypted && kp->key == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "the private key in '%s' is encrypted with a passphrase, which a server "
                   "cannot type at start; decrypt it with 'openssl pkey -in %s -out key.pem' "
                   "and keep that file private (chmod 600)",
                   keysrc, keysrc);
        goto out;
    }
    if (kp->key == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "no private key in '%s'%s", keysrc,
                   key_name ? ""
                            : ": put the key first in the bundle, or give the key file "
                              "separately");
        goto out;
    }
    if (kp->nkeys > 1) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "'%s' holds %d private keys; keep only the one that matches the certificate",
                   keysrc, kp->nkeys);
        goto out;
    }
    int ncerts = sk_X509_num(b.certs);
    if (ncerts == 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "no certificate in '%s': after the key, put the certificate, then its "
                   "intermediates",
                   name);
        goto out;
    }

    /* The key must belong to the first certificate. If it belongs to another one, the order
     * is wrong, and that is what to say (OpenSSL would only say "key values mismatch"). */
    X509 *leaf = sk_X509_value(b.certs, 0);
    tk_name_oneline(X509_get_subject_name(leaf), subj, sizeof(subj));
    if (X509_check_private_key(leaf, kp->key) != 1) {
        ERR_clear_error();
        for (int i = 1; i < ncerts; i++) {
            X509 *c = sk_X509_value(b.certs, i);
            if (X509_check_private_key(c, kp->key) == 1) {
                tk_name_oneline(X509_get_subject_name(c), other, sizeof(other));
                tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                           "chain out of order in '%s': the key belongs to certificate #%d "
                           "('%s'), but the server's own certificate must come first; order: "
                           "key, certificate, then intermediates, each issued by the next",
                           name, i + 1, other);
                ERR_clear_error();
                goto out;
            }
        }
        ERR_clear_error();
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "the private key in '%s' does not match the certificate '%s' in '%s'; use "
                   "the key made with that certificate's request",
                   keysrc, subj, name);
        goto out;
    }
    /* Each certificate must be issued by the next. */
    for (int i = 0; i + 1 < ncerts; i++) {
        X509 *c = sk_X509_value(b.certs, i), *n = sk_X509_value(b.certs, i + 1);
        if (X509_check_issued(n, c) != X509_V_OK) {
            char cn[256], nn[256], iss[256];
            tk_name_oneline(X509_get_subject_name(c), cn, sizeof(cn));
            tk_name_oneline(X509_get_subject_name(n), nn, sizeof(nn));
            tk_name_oneline(X509_get_issuer_name(c), iss, sizeof(iss));
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                       "chain out of order in '%s': certificate #%d ('%s') was not issued by "
                       "the next one, #%d ('%s'), but by '%s'; order: key, certificate, then "
                       "intermediates, each issued by the next",
                       name, i + 1, cn, i + 2, nn, iss);
            goto out;
        }
    }
    /* Dates. */
    if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
        tk_time_str(X509_get0_notAfter(leaf), date, sizeof(date));
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "the certificate '%s' in '%s' expired on %s (%ld days ago); renew it", subj,
                   name, date, -tk_days_from_now(X509_get0_notAfter(leaf)));
        goto out;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0) {
        tk_time_str(X509_get0_notBefore(leaf), date, sizeof(date));
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "the certificate '%s' in '%s' is not valid until %s (in %ld days); check "
                   "this machine's clock, or wait",
                   subj, name, date, tk_days_from_now(X509_get0_notBefore(leaf)));
        goto out;
    }
    for (int i = 1; i < ncerts; i++) {
        X509 *c = sk_X509_value(b.certs, i);
        if (X509_cmp_current_time(X509_get0_notAfter(c)) <= 0) {
            tk_name_oneline(X509_get_subject_name(c), other, sizeof(other));
            tk_time_str(X509_get0_notAfter(c), date, sizeof(date));
            tk_config_warn(cfg,
                           "intermediate '%s' in '%s' expired on %s; get the current one from "
                           "your CA",
                           other, name, date);
        }
    }
    long days = tk_days_from_now(X509_get0_notAfter(leaf));
    if (days < tk_expiry_warning_days) {
        tk_time_str(X509_get0_notAfter(leaf), date, sizeof(date));
        tk_config_warn(cfg, "the certificate '%s' in '%s' expires on %s, in %ld days; renew it",
                       subj, name, date, days);
    }
    /* A CA certificate is not a server's. */
    if (X509_check_ca(leaf) != 0 && X509_get_extension_flags(leaf) & EXFLAG_CA) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "the certificate '%s' in '%s' is a CA certificate (basicConstraints CA:TRUE), "
                   "not one for a server; issue a leaf certificate from it and use that",
                   subj, name);
        goto out;
    }
    int kid = EVP_PKEY_get_base_id(kp->key);
    if ((kid == EVP_PKEY_RSA || kid == EVP_PKEY_RSA_PSS) &&
        EVP_PKEY_get_bits(kp->key) < tk_min_rsa_bits) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "the RSA key in '%s' has %d bits, too few to be safe (at least %d); make a "
                   "new key ('openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256' or "
                   "RSA 2048+) and a new certificate",
                   keysrc, EVP_PKEY_get_bits(kp->key), tk_min_rsa_bits);
        goto out;
    }
    /* Warnings. */
    if (key_file_mode >= 0 && (key_file_mode & 077) != 0) {
        tk_config_warn(cfg,
                       "the private key file '%s' can be read by other users (mode %03o); fix "
                       "it with 'chmod 600 %s'",
                       keysrc, key_file_mode & 0777, keysrc);
    }
    if (!is_self_signed(leaf)) {
        int found = 0;
        for (int i = 1; i < ncerts; i++) {
            found |= X509_check_issued(sk_X509_value(b.certs, i), leaf) == X509_V_OK;
        }
        if (!found) {
            tk_name_oneline(X509_get_issuer_name(leaf), other, sizeof(other));
            tk_config_warn(cfg,
                           "incomplete chain in '%s': the issuer '%s' of '%s' is not in the "
                           "file, so clients that lack '%s' will fail; append the "
                           "intermediate certificate after the server's",
                           name, other, subj, other);
        }
    }

    /* All good: keep them. */
    EVP_PKEY_free(cfg->key);
    X509_free(cfg->cert);
    sk_X509_pop_free(cfg->chain, X509_free);
    cfg->key = kp->key;
    kp->key = NULL;
    cfg->cert = sk_X509_shift(b.certs);
    cfg->chain = b.certs;
    b.certs = NULL;
    free(cfg->keypair_name);
    cfg->keypair_name = strdup(name);
    rv = 0;
out:
    EVP_PKEY_free(b.key);
    EVP_PKEY_free(k.key);
    sk_X509_pop_free(b.certs, X509_free);
    sk_X509_pop_free(k.certs, X509_free);
    return rv;
}

/* Reads a whole file (at most 1 MiB); its mode goes to *MODE. */
static unsigned char *read_file(struct tlskit_config *cfg, const char *path, size_t *len, int *mode,
                                const char *what)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "%s '%s' cannot be read: %s", what, path,
                   strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "%s '%s' is not a regular file", what, path);
        close(fd);
        return NULL;
    }
    if (st.st_size > MAX_BUNDLE) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "%s '%s' is %lld bytes, too large for a key and certificates (1 MiB at most)",
                   what, path, (long long)st.st_size);
        close(fd);
        return NULL;
    }
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    int rerr = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rerr = errno;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (buf == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "%s '%s': out of memory", what, path);
        return NULL;
    }
    if (rerr != 0) {
        /* A half-read file would be misreported as a PEM problem: say what happened. */
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "%s '%s' could not be read: %s", what, path,
                   strerror(rerr));
        free(buf);
        return NULL;
    }
    *len = got;
    *mode = (int)(st.st_mode & 07777);
    return buf;
}

int tlskit_config_set_keypair_file(struct tlskit_config *cfg, const char *bundle,
                                   const char *key_file)
{
    int rv = -1, mode = -1, kmode = -1;
    size_t len = 0, klen = 0;
    unsigned char *pem = NULL, *kpem = NULL;
    if (bundle == NULL || bundle[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "no certificate file given");
        return -1;
    }
    pem = read_file(cfg, bundle, &len, &mode, "certificate file");
    if (pem == NULL) {
        goto out;
    }
    if (key_file != NULL) {
        kpem = read_file(cfg, key_file, &klen, &kmode, "key file");
        if (kpem == NULL) {
            goto out;
        }
    }
    rv = tk_load_keypair(cfg, bundle, pem, len, key_file, kpem, klen, key_file ? kmode : mode);
out:
    if (pem) {
        OPENSSL_cleanse(pem, len); /* it may hold the private key */
    }
    if (kpem) {
        OPENSSL_cleanse(kpem, klen);
    }
    free(pem);
    free(kpem);
    return rv;
}

int tlskit_config_set_keypair_mem(struct tlskit_config *cfg, const char *name, const void *pem,
                                  size_t len)
{
    if (len > MAX_BUNDLE) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "'%s' is too large (1 MiB at most)",
                   name ? name : "(memory)");
        return -1;
    }
    return tk_load_keypair(cfg, name ? name : "(memory)", pem, len, NULL, NULL, 0, -1);
}
