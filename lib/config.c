/* config.c: the user's wishes, checked as they are set, starting from lib/defaults.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "internal.h"

struct tlskit_config *tlskit_config_new(void)
{
    struct tlskit_config *cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL) {
        return NULL;
    }
    cfg->min_version = tk_default_min_version;
    cfg->max_version = tk_default_max_version;
    cfg->ciphers = strdup(tk_default_ciphers);
    cfg->ciphersuites = strdup(tk_default_ciphersuites);
    cfg->groups = strdup(tk_default_groups);
    cfg->groups_default = 1;
    cfg->session_tickets = 1;
    cfg->ticket_lifetime = tk_default_ticket_lifetime;
    if (cfg->ciphers == NULL || cfg->ciphersuites == NULL || cfg->groups == NULL ||
        RAND_bytes(cfg->ticket_secret, sizeof(cfg->ticket_secret)) != 1) {
        tlskit_config_free(cfg);
        return NULL;
    }
    return cfg;
}

void tlskit_config_free(struct tlskit_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    tk_err_clear(&cfg->err);
    for (size_t i = 0; i < cfg->nwarnings; i++) {
        free(cfg->warnings[i]);
    }
    free(cfg->warnings);
    free(cfg->ca_file);
    free(cfg->ca_path);
    free(cfg->crl_file);
    free(cfg->ca_mem);
    free(cfg->ciphers);
    free(cfg->ciphersuites);
    free(cfg->groups);
    free(cfg->alpn);
    EVP_PKEY_free(cfg->key);
    X509_free(cfg->cert);
    sk_X509_pop_free(cfg->chain, X509_free);
    free(cfg->keypair_name);
    free(cfg->pins);
    OPENSSL_cleanse(cfg->ticket_secret, sizeof(cfg->ticket_secret));
    free(cfg);
}

const char *tlskit_config_error(const struct tlskit_config *cfg)
{
    return tk_err_msg(&cfg->err);
}

enum tlskit_error_kind tlskit_config_error_kind(const struct tlskit_config *cfg)
{
    return cfg->err.kind;
}

size_t tlskit_config_warning_count(const struct tlskit_config *cfg)
{
    return cfg->nwarnings;
}

const char *tlskit_config_warning(const struct tlskit_config *cfg, size_t i)
{
    return i < cfg->nwarnings ? cfg->warnings[i] : NULL;
}

void tk_config_warn(struct tlskit_config *cfg, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    for (size_t i = 0; i < cfg->nwarnings; i++) {
        if (strcmp(cfg->warnings[i], msg) == 0) { /* say each thing once */
            free(msg);
            return;
        }
    }
    char **w = realloc(cfg->warnings, (cfg->nwarnings + 1) * sizeof(*w));
    if (w == NULL) {
        free(msg);
        return;
    }
    cfg->warnings = w;
    cfg->warnings[cfg->nwarnings++] = msg;
}

static int set_string(struct tlskit_config *cfg, char **field, const char *value, const char *what)
{
    if (value == NULL || value[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "%s: an empty value was given", what);
        return -1;
    }
    char *copy = strdup(value);
    if (copy == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "%s: out of memory", what);
        return -1;
    }
    free(*field);
    *field = copy;
    return 0;
}

/* A path must name something readable now, so the mistake is reported where it was made. */
static int check_readable(struct tlskit_config *cfg, const char *path, int want_dir,
                          const char *what)
{
    struct stat st;
    if (path == NULL || path[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "%s: no path given", what);
        return -1;
    }
    if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "%s '%s' cannot be read: %s", what, path,
                   strerror(errno));
        return -1;
    }
    if (want_dir && !S_ISDIR(st.st_mode)) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "%s '%s' is not a directory (for a file of certificates, use a CA file)", what,
                   path);
        return -1;
    }
    if (!want_dir && S_ISDIR(st.st_mode)) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "%s '%s' is a directory (for a directory of hashed certificates, use a CA path)",
                   what, path);
        return -1;
    }
    return 0;
}

int tlskit_config_set_ca_file(struct tlskit_config *cfg, const char *path)
{
    if (check_readable(cfg, path, 0, "CA file") != 0) {
        return -1;
    }
    /* Load it once now so that a file with no certificate is refused by name. */
    X509_STORE *st = X509_STORE_new();
    int ok = st != NULL && X509_STORE_load_file(st, path) == 1;
    X509_STORE_free(st);
    if (!ok) {
        char r[256];
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "CA file '%s' holds no usable PEM certificate (%s); it must contain one or "
                   "more '-----BEGIN CERTIFICATE-----' blocks",
                   path, tk_ssl_reason(r, sizeof(r)));
        return -1;
    }
    return set_string(cfg, &cfg->ca_file, path, "CA file");
}

int tlskit_config_set_ca_path(struct tlskit_config *cfg, const char *dir)
{
    if (check_readable(cfg, dir, 1, "CA path") != 0) {
        return -1;
    }
    return set_string(cfg, &cfg->ca_path, dir, "CA path");
}

int tlskit_config_set_ca_mem(struct tlskit_config *cfg, const void *pem, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "CA certificates: out of memory");
        return -1;
    }
    memcpy(copy, pem, len);
    free(cfg->ca_mem);
    cfg->ca_mem = copy;
    cfg->ca_mem_len = len;
    return 0;
}

int tlskit_config_set_crl_file(struct tlskit_config *cfg, const char *path)
{
    if (check_readable(cfg, path, 0, "CRL file") != 0) {
        return -1;
    }
    X509_STORE *st = X509_STORE_new();
    X509_LOOKUP *lu = st ? X509_STORE_add_lookup(st, X509_LOOKUP_file()) : NULL;
    int n = lu ? X509_load_crl_file(lu, path, X509_FILETYPE_PEM) : 0;
    X509_STORE_free(st);
    if (n <= 0) {
        ERR_clear_error();
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "CRL file '%s' holds no PEM CRL ('-----BEGIN X509 CRL-----')", path);
        return -1;
    }
    return set_string(cfg, &cfg->crl_file, path, "CRL file");
}

static int parse_version(struct tlskit_config *cfg, const char *v, int *out, const char *what)
{
    if (v == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "%s: no version given (use 1.2 or 1.3)", what);
        return -1;
    }
    const char *p = v;
    if (strncasecmp(p, "tlsv", 4) == 0) {
        p += 4;
    } else if (strncasecmp(p, "tls", 3) == 0) {
        p += 3;
    }
    if (strcmp(p, "1.2") == 0 || strcmp(p, "1_2") == 0) {
        *out = TLS1_2_VERSION;
        return 0;
    }
    if (strcmp(p, "1.3") == 0 || strcmp(p, "1_3") == 0) {
        *out = TLS1_3_VERSION;
        return 0;
    }
    if (strcmp(p, "1.0") == 0 || strcmp(p, "1") == 0 || strcmp(p, "1.1") == 0 ||
        strncasecmp(v, "ssl", 3) == 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "%s '%s' is refused: SSL 3, TLS 1.0 and TLS 1.1 are broken and deprecated "
                   "(RFC 8996); use 1.2 or 1.3",
                   what, v);
        return -1;
    }
    tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "%s '%s' is not a TLS version: use 1.2 or 1.3", what,
               v);
    return -1;
}

int tlskit_config_set_min_version(struct tlskit_config *cfg, const char *version)
{
    int v;
    if (parse_version(cfg, version, &v, "minimum TLS version") != 0) {
        return -1;
    }
    if (v > cfg->max_version) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "minimum TLS version %s is above the maximum, %s",
                   version, cfg->max_version == TLS1_2_VERSION ? "1.2" : "1.3");
        return -1;
    }
    cfg->min_version = v;
    return 0;
}

int tlskit_config_set_max_version(struct tlskit_config *cfg, const char *version)
{
    int v;
    if (parse_version(cfg, version, &v, "maximum TLS version") != 0) {
        return -1;
    }
    if (v < cfg->min_version) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "maximum TLS version %s is below the minimum, %s",
                   version, cfg->min_version == TLS1_2_VERSION ? "1.2" : "1.3");
        return -1;
    }
    cfg->max_version = v;
    return 0;
}

/* Cipher-string words that admit broken ciphers. Matched against each part of the string,
 * split at ':' ',' ' ' and '+', unless the part removes them ('!', '-'). */
static const struct {
    const char *word;
    const char *why;
} banned[] = {
    {"eNULL", "unencrypted suites"},
    {"NULL", "unencrypted suites"},
    {"COMPLEMENTOFALL", "unencrypted suites"},
    {"aNULL", "unauthenticated (anonymous) suites, open to a man in the middle"},
    {"ADH", "unauthenticated (anonymous) suites, open to a man in the middle"},
    {"AECDH", "unauthenticated (anonymous) suites, open to a man in the middle"},
    {"EXPORT", "export-grade suites (FREAK, Logjam)"},
    {"EXP", "export-grade suites (FREAK, Logjam)"},
    {"RC4", "RC4, whose biases are exploitable (RFC 7465)"},
    {"DES", "DES, with a 56-bit key"},
    {"3DES", "3DES, with 64-bit blocks (Sweet32)"},
    {"DES-CBC3-SHA", "3DES, with 64-bit blocks (Sweet32)"},
    {"MD5", "MD5 MACs"},
    {"LOW", "low-strength suites"},
};

static int part_is_banned(const char *part, size_t n, const char **why)
{
    for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++) {
        size_t wl = strlen(banned[i].word);
        /* A whole word, or a cipher name that contains it as a dash-separated piece. */
        if (n == wl && strncasecmp(part, banned[i].word, n) == 0) {
            *why = banned[i].why;
            return 1;
        }
        for (size_t j = 0; j + wl <= n; j++) {
            int left = j == 0 || part[j - 1] == '-';
            int right = j + wl == n || part[j + wl] == '-';
            if (left && right && strncmp(part + j, banned[i].word, wl) == 0 &&
                (j > 0 || j + wl < n)) {
                *why = banned[i].why;
                return 1;
            }
        }
    }
    return 0;
}

int tk_check_ciphers(struct tlskit_config *cfg, const char *ciphers)
{
    int rv = -1;
    SSL_CTX *ctx = NULL;
    struct tk_str cbc = {0}, rsa = {0};

    /* 1. Words that admit broken suites, and security-level downgrades. */
    const char *p = ciphers;
    while (*p) {
        size_t n = strcspn(p, ":, ");
        if (n > 0) {
            const char *part = p;
            size_t plen = n;
            int removing = part[0] == '!' || part[0] == '-';
            if (part[0] == '!' || part[0] == '-' || part[0] == '+') {
                part++;
                plen--;
            }
            /* "@SECLEVEL=N" may also end a part, as in "DEFAULT@SECLEVEL=0". */
            const char *lvl = strcasestr(part, "@SECLEVEL=");
            if (lvl != NULL && lvl >= part + plen) {
                lvl = NULL;
            }
            if (lvl != NULL && (lvl + 10 >= part + plen || lvl[10] < '2')) {
                tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                           "cipher string '%s': '%.*s' lowers the security level below 2, "
                           "which would admit 1024-bit keys and SHA-1 signatures; remove it",
                           ciphers, (int)n, p);
                goto out;
            }
            if (lvl != NULL) {
                plen = (size_t)(lvl - part); /* the words before it */
            }
            if (!removing && plen > 0) {
                /* Split an "A+B" part into its words. */
                const char *q = part, *end = part + plen;
                while (q < end) {
                    size_t wl = strcspn(q, "+");
                    if (q + wl > end) {
                        wl = (size_t)(end - q);
                    }
                    const char *why;
                    if (wl > 0 && part_is_banned(q, wl, &why)) {
                        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                                   "cipher string '%s': '%.*s' admits %s; remove it", ciphers,
                                   (int)wl, q, why);
                        goto out;
                    }
                    q += wl + 1;
                }
            }
        }
        p += n;
        if (*p) {
            p++;
        }
    }

    /* 2. What the string selects, at our security level. */
    ctx = SSL_CTX_new(TLS_method());
    if (ctx == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "out of memory checking the cipher string");
        goto out;
    }
    SSL_CTX_set_security_level(ctx, tk_default_security_level);
    if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
        ERR_clear_error();
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "cipher string '%s' selects no cipher OpenSSL knows; see 'openssl ciphers "
                   "-v' for names (TLS 1.3 suites go in the TLS 1.3 setting)",
                   ciphers);
        goto out;
    }
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
    int usable = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any) {
            continue; /* the 1.3 suites are listed too; they are set apart */
        }
        int auth = SSL_CIPHER_get_auth_nid(c), kx = SSL_CIPHER_get_kx_nid(c);
        const char *name = SSL_CIPHER_get_name(c);
        if (auth == NID_auth_null || SSL_CIPHER_get_cipher_nid(c) == NID_undef) {
            tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                       "cipher string '%s' admits %s, which is unauthenticated or unencrypted; "
                       "add '!aNULL:!eNULL'",
                       ciphers, name);
            goto out;
        }
        if (auth == NID_auth_psk || auth == NID_auth_srp || kx == NID_kx_psk || kx == NID_kx_srp ||
            kx == NID_kx_rsa_psk || kx == NID_kx_dhe_psk || kx == NID_kx_ecdhe_psk) {
            continue; /* never negotiated without PSK/SRP set up; harmless */
        }
        usable++;
        if (!SSL_CIPHER_is_aead(c)) {
            tk_str_add(&cbc, "%s%s", cbc.len ? ", " : "", name);
        }
        if (kx == NID_kx_rsa) {
            tk_str_add(&rsa, "%s%s", rsa.len ? ", " : "", name);
        }
    }
    if (usable == 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "cipher string '%s' selects no TLS 1.2 cipher allowed at security level 2; "
                   "try the default, or e.g. 'ECDHE+AESGCM:ECDHE+CHACHA20'",
                   ciphers);
        goto out;
    }
    if (cbc.len) {
        tk_config_warn(cfg,
                       "cipher string '%s' admits CBC suites (%s), which have a history of "
                       "padding-oracle attacks; prefer AEAD only (AESGCM, CHACHA20)",
                       ciphers, cbc.p);
    }
    if (rsa.len) {
        tk_config_warn(cfg,
                       "cipher string '%s' admits RSA key exchange (%s), which has no forward "
                       "secrecy: a stolen key decrypts past traffic; prefer ECDHE",
                       ciphers, rsa.p);
    }
    rv = 0;
out:
    SSL_CTX_free(ctx);
    tk_str_free(&cbc);
    tk_str_free(&rsa);
    return rv;
}

int tlskit_config_set_ciphers(struct tlskit_config *cfg, const char *ciphers)
{
    if (ciphers == NULL || ciphers[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "cipher string: an empty value was given");
        return -1;
    }
    if (tk_check_ciphers(cfg, ciphers) != 0) {
        return -1;
    }
    return set_string(cfg, &cfg->ciphers, ciphers, "cipher string");
}

int tlskit_config_set_ciphersuites(struct tlskit_config *cfg, const char *suites)
{
    if (suites == NULL || suites[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "TLS 1.3 suites: an empty value was given");
        return -1;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    int ok = ctx != NULL && SSL_CTX_set_ciphersuites(ctx, suites) == 1;
    int n = 0;
    if (ok) {
        STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
        for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
            n += SSL_CIPHER_get_kx_nid(sk_SSL_CIPHER_value(sk, i)) == NID_kx_any;
        }
    }
    SSL_CTX_free(ctx);
    ERR_clear_error();
    if (!ok || n == 0) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "TLS 1.3 suites '%s' name no suite OpenSSL knows; use names such as "
                   "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256",
                   suites);
        return -1;
    }
    return set_string(cfg, &cfg->ciphersuites, suites, "TLS 1.3 suites");
}

int tlskit_config_set_groups(struct tlskit_config *cfg, const char *groups)
{
    if (groups == NULL || groups[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "groups: an empty value was given");
        return -1;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    int ok = ctx != NULL && SSL_CTX_set1_groups_list(ctx, groups) == 1;
    SSL_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        /* Name the first part this OpenSSL does not know. */
        char *copy = strdup(groups), *save = NULL;
        const char *bad = NULL;
        for (char *t = copy ? strtok_r(copy, ":,", &save) : NULL; t;
             t = strtok_r(NULL, ":,", &save)) {
            SSL_CTX *c1 = SSL_CTX_new(TLS_method());
            int good = c1 && SSL_CTX_set1_groups_list(c1, t) == 1;
            SSL_CTX_free(c1);
            if (!good) {
                bad = t;
                break;
            }
        }
        ERR_clear_error();
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG,
                   "groups '%s': '%s' is not a group this OpenSSL (%s) knows; use e.g. "
                   "X25519:P-256:P-384",
                   groups, bad ? bad : groups, OpenSSL_version(OPENSSL_VERSION));
        free(copy);
        return -1;
    }
    if (set_string(cfg, &cfg->groups, groups, "groups") != 0) {
        return -1;
    }
    cfg->groups_default = 0;
    return 0;
}

int tlskit_config_set_alpn(struct tlskit_config *cfg, const char *list)
{
    if (list == NULL || list[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "ALPN: an empty list was given");
        return -1;
    }
    size_t len = strlen(list);
    unsigned char *wire = malloc(len + 1), *w = wire;
    if (wire == NULL) {
        tk_err_set(&cfg->err, TLSKIT_ERR_CONFIG, "ALPN: out of memory");
        return -1;
    }
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n > 255) {
            tk_err_set(&cfg->err, TLSKIT_ERR_USAGE,
                       "ALPN list '%s': each protocol name must be 1 to 255 bytes, comma "
                       "separated, e.g. 'h2,http/1.1'",
                       list);
            free(wire);
            return -1;
        }
        *w++ = (unsigned char)n;
        memcpy(w, p, n);
        w += n;
        p += n;
        if (*p == '\0') {
            break;
        }
        p++;
    }
    free(cfg->alpn);
    cfg->alpn = wire;
    cfg->alpn_len = (size_t)(w - wire);
    return 0;
}

void tlskit_config_verify_client_optional(struct tlskit_config *cfg)
{
    cfg->verify_client = TK_VERIFY_CLIENT_OPTIONAL;
}

void tlskit_config_verify_client(struct tlskit_config *cfg)
{
    cfg->verify_client = TK_VERIFY_CLIENT_REQUIRED;
}

void tlskit_config_set_session_tickets(struct tlskit_config *cfg, int on)
{
    cfg->session_tickets = on != 0;
}

int tlskit_config_set_ticket_lifetime(struct tlskit_config *cfg, unsigned seconds)
{
    if (seconds < 60 || seconds > 7 * 86400) {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE,
                   "ticket lifetime %u s is out of range: use 60 s to 7 days (RFC 8446 4.6.1)",
                   seconds);
        return -1;
    }
    cfg->ticket_lifetime = seconds;
    return 0;
}

void tlskit_config_share_tickets(struct tlskit_config *dst, const struct tlskit_config *src)
{
    memcpy(dst->ticket_secret, src->ticket_secret, sizeof(dst->ticket_secret));
    dst->ticket_lifetime = src->ticket_lifetime;
}

int tlskit_config_set_pinned_pubkey(struct tlskit_config *cfg, const char *pins)
{
    if (pins == NULL || pins[0] == '\0') {
        tk_err_set(&cfg->err, TLSKIT_ERR_USAGE, "pinned public key: an empty value was given");
        return -1;
    }
    const char *p = pins;
    for (;;) {
        size_t n = strcspn(p, ";");
        unsigned char raw[64];
        /* sha256// + base64 of 32 bytes = 44 characters */
        if (n != 8 + 44 || strncmp(p, "sha256//", 8) != 0 ||
            EVP_DecodeBlock(raw, (const unsigned char *)p + 8, 44) != 33) {
            tk_err_set(&cfg->err, TLSKIT_ERR_USAGE,
                       "pinned public key '%.*s' is not of the form sha256//BASE64 (a base64 "
                       "SHA-256 of the key's SubjectPublicKeyInfo, as curl's --pinnedpubkey "
                       "takes; 'tlskit get -v' prints the server's)",
                       (int)n, p);
            return -1;
        }
        p += n;
        if (*p == '\0') {
            break;
        }
        p++;
    }
    return set_string(cfg, &cfg->pins, pins, "pinned public key");
}

void tlskit_config_insecure_skip_verify(struct tlskit_config *cfg)
{
    cfg->insecure_skip_verify = 1;
}

void tlskit_config_insecure_skip_name_check(struct tlskit_config *cfg)
{
    cfg->insecure_skip_name_check = 1;
}
