/* client_opts.c: the options 'tlskit get' and 'tlskit connect' share, and the connection
 * report (-v text, --json, --show-certs) they print on stderr. */
#include "cli/client_opts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"

/* Room for N more bytes and a NUL: 0, or -1 with OOM set. */
static int sb_reserve(struct strbuf *b, size_t n)
{
    if (b->oom) {
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    return 0;
}

void sb_add(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(b, (size_t)n) != 0) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_addn(struct strbuf *b, const void *p, size_t n)
{
    if (sb_reserve(b, n) != 0) {
        return;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

int cli_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO; /* no progress: do not report a stale errno */
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void sb_free(struct strbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* S as a JSON string, quotes included, appended to B. */
static void sb_json_str(struct strbuf *b, const char *s)
{
    sb_add(b, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            sb_add(b, "\\%c", *p);
        } else if (*p == '\n') {
            sb_add(b, "\\n");
        } else if (*p < 0x20 || *p == 0x7f) {
            sb_add(b, "\\u%04x", *p);
        } else {
            sb_add(b, "%c", *p);
        }
    }
    sb_add(b, "\"");
}

void client_cli_json_raw(struct client_cli *o, const char *key, const char *json)
{
    sb_add(&o->json_out, "%s\"%s\":%s", o->json_out.len ? "," : "", key, json);
}

void client_cli_json_str(struct client_cli *o, const char *key, const char *s)
{
    sb_add(&o->json_out, "%s\"%s\":", o->json_out.len ? "," : "", key);
    sb_json_str(&o->json_out, s);
}

static void on_attempt(void *arg, const char *address, const char *result)
{
    struct client_cli *o = arg;
    if (o->verbose) {
        fprintf(stderr, "* %s: %s\n", address, result ? result : "connected");
    }
    sb_add(&o->attempts, "%s{\"address\":", o->attempts.len ? "," : "");
    sb_json_str(&o->attempts, address);
    sb_add(&o->attempts, ",\"result\":");
    sb_json_str(&o->attempts, result ? result : "connected");
    sb_add(&o->attempts, "}");
}

/* One certificate described in lines starting with PFX. */
static void cert_text(struct strbuf *b, const char *pfx, size_t i,
                      const struct tlskit_cert_info *ci)
{
    sb_add(b, "%s%zu subject: %s%s\n", pfx, i, ci->subject, ci->is_ca ? " (a CA)" : "");
    sb_add(b, "%s  issuer:  %s\n", pfx, ci->issuer);
    sb_add(b, "%s  names:   %s\n", pfx, ci->names[0] ? ci->names : "(no subjectAltName)");
    sb_add(b, "%s  valid:   %s to %s\n", pfx, ci->not_before, ci->not_after);
    sb_add(b, "%s  key:     %s, signed with %s\n", pfx, ci->key, ci->sig_alg);
    sb_add(b, "%s  sha256:  %s\n", pfx, ci->sha256);
}

static void cert_json(struct strbuf *b, const struct tlskit_cert_info *ci)
{
    static const char *const keys[] = {"subject",   "issuer", "names",   "not_before",
                                       "not_after", "key",    "sig_alg", "sha256"};
    const char *vals[] = {ci->subject,   ci->issuer, ci->names,   ci->not_before,
                          ci->not_after, ci->key,    ci->sig_alg, ci->sha256};
    sb_add(b, "{");
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        sb_add(b, "%s\"%s\":", k ? "," : "", keys[k]);
        sb_json_str(b, vals[k]);
    }
    sb_add(b, ",\"is_ca\":%s}", ci->is_ca ? "true" : "false");
}

static void on_handshake(void *arg, const struct tlskit_conn *conn, int ok)
{
    struct client_cli *o = arg;
    size_t n = tlskit_conn_peer_cert_count(conn);
    struct tlskit_cert_info ci;
    struct strbuf chain = {0}, jchain = {0};
    for (size_t i = 0; i < n; i++) {
        if (tlskit_conn_peer_cert_info(conn, i, &ci) == 0) {
            cert_text(&chain, "*   ", i, &ci);
            sb_add(&jchain, "%s", i ? "," : "");
            cert_json(&jchain, &ci);
        }
    }
    if (o->verbose) {
        if (ok) {
            const char *alpn = tlskit_conn_alpn(conn);
            fprintf(stderr, "* TLS: %s, cipher %s, group %s, signature %s, ALPN %s, %s\n",
                    tlskit_conn_version(conn), tlskit_conn_cipher(conn),
                    tlskit_conn_group(conn)[0] ? tlskit_conn_group(conn) : "none",
                    tlskit_conn_sigalg(conn)[0] ? tlskit_conn_sigalg(conn) : "none",
                    alpn[0] ? alpn : "none",
                    tlskit_conn_resumed(conn) ? "resumed session" : "full handshake");
        }
        fprintf(stderr, "* server name: %s\n", tlskit_conn_servername(conn));
        fprintf(stderr, "* the server sent %zu certificate%s%s\n%s", n, n == 1 ? "" : "s",
                n ? ":" : "", chain.p ? chain.p : "");
        if (ok) {
            fprintf(stderr, "* verification: %s\n", tlskit_conn_verify_result(conn));
        }
    } else if (!ok && n > 0) {
        sb_add(&o->detail, "the server sent %zu certificate%s:\n", n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++) {
            if (tlskit_conn_peer_cert_info(conn, i, &ci) == 0) {
                cert_text(&o->detail, "  ", i, &ci);
            }
        }
    }
    if (o->show_certs) {
        for (size_t i = 0; i < n; i++) {
            char *pem = tlskit_conn_peer_cert_pem(conn, i);
            if (pem) {
                fputs(pem, stderr);
            }
            free(pem);
        }
    }
    if (o->json) {
        if (ok) {
            client_cli_json_str(o, "version", tlskit_conn_version(conn));
            client_cli_json_str(o, "cipher", tlskit_conn_cipher(conn));
            client_cli_json_str(o, "group", tlskit_conn_group(conn));
            client_cli_json_str(o, "signature", tlskit_conn_sigalg(conn));
            client_cli_json_str(o, "alpn", tlskit_conn_alpn(conn));
            client_cli_json_raw(o, "resumed", tlskit_conn_resumed(conn) ? "true" : "false");
            client_cli_json_str(o, "verify", tlskit_conn_verify_result(conn));
            char *pin = tlskit_conn_peer_pubkey_pin(conn);
            client_cli_json_str(o, "pubkey_pin", pin ? pin : "");
            free(pin);
        }
        client_cli_json_str(o, "servername", tlskit_conn_servername(conn));
        sb_add(&o->json_out, ",\"chain\":[%s]", jchain.p ? jchain.p : "");
    }
    sb_free(&chain);
    sb_free(&jchain);
}

void client_cli_init(struct client_cli *o, const char *cmd)
{
    memset(o, 0, sizeof(*o));
    o->cmd = cmd;
    o->tls.on_attempt = on_attempt;
    o->tls.on_handshake = on_handshake;
    o->tls.arg = o;
}

void client_cli_free(struct client_cli *o)
{
    sb_free(&o->json_out);
    sb_free(&o->attempts);
    sb_free(&o->detail);
}

__attribute__((format(printf, 2, 3))) static int bad(const struct client_cli *o, const char *fmt,
                                                     ...)
{
    va_list ap;
    fprintf(stderr, "tlskit %s: ", o->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'tlskit %s --help')\n", o->cmd);
    return -1;
}

int client_cli_option(struct client_cli *o, int id, const char *arg)
{
    struct client_tls_opts *t = &o->tls;
    switch (id) {
    case CO_CAFILE:
        t->cafile = arg;
        return 1;
    case CO_CAPATH:
        t->capath = arg;
        return 1;
    case CO_CRLFILE:
        t->crlfile = arg;
        return 1;
    case CO_RESOLVE:
        if (t->nresolve == CLIENT_MAX_RESOLVE) {
            return bad(o, "--resolve '%s': at most 16 --resolve options are allowed", arg);
        }
        t->resolve[t->nresolve++] = arg;
        return 1;
    case CO_SERVERNAME:
        t->servername = arg;
        return 1;
    case CO_MIN_TLS:
        t->min_tls = arg;
        return 1;
    case CO_MAX_TLS:
        t->max_tls = arg;
        return 1;
    case CO_CIPHERS:
        t->ciphers = arg;
        return 1;
    case CO_CIPHERSUITES:
        t->ciphersuites = arg;
        return 1;
    case CO_ALPN:
        t->alpn = arg;
        return 1;
    case CO_CERT:
        t->cert = arg;
        return 1;
    case CO_KEY:
        t->key = arg;
        return 1;
    case CO_PINNED:
        t->pinned = arg;
        return 1;
    case CO_TIMEOUT: {
        char *end = NULL;
        double s = strtod(arg, &end);
        if (end == arg || *end != '\0' || !isfinite(s) || s <= 0 || s > 86400) {
            return bad(o,
                       "--timeout '%s' is not a number of seconds; give one from 0.001 to 86400, "
                       "e.g. --timeout 10",
                       arg);
        }
        t->timeout_ms = (int)(s * 1000) > 0 ? (int)(s * 1000) : 1;
        o->timeout_given = 1;
        return 1;
    }
    case CO_JSON:
        o->json = 1;
        return 1;
    case CO_SHOW_CERTS:
        o->show_certs = 1;
        return 1;
    case 'k':
    case CO_INSECURE:
        t->insecure = 1;
        return 1;
    case 'v':
        o->verbose = 1;
        return 1;
    case '4':
        t->family = AF_INET;
        return 1;
    case '6':
        t->family = AF_INET6;
        return 1;
    case 'h':
    case CO_HELP:
        o->help = 1;
        return 1;
    default:
        return 0;
    }
}

void client_cli_bad_option(const struct client_cli *o, int opt, char **argv)
{
    char s[3] = {'-', (char)optopt, '\0'};
    const char *arg = optopt && optopt < 256 ? s : argv[optind - 1];
    bad(o, opt == ':' ? "option '%s' needs a value" : "unknown option '%s'", arg);
}

void client_cli_help(FILE *f)
{
    fputs("TLS and network options (for get and connect):\n"
          "  --cafile FILE       trust the CA certificates in FILE (PEM) instead of the system's\n"
          "  --capath DIR        trust the CA certificates in DIR (c_rehash layout)\n"
          "  --crlfile FILE      check revocation against the CRLs in FILE (PEM), whole chain\n"
          "  --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT; SNI and verification stay "
          "HOST\n"
          "  --servername NAME   send NAME as SNI and verify the certificate for NAME\n"
          "  --min-tls 1.2|1.3   lowest TLS version (default 1.2; 1.0 and 1.1 are refused)\n"
          "  --max-tls 1.2|1.3   highest TLS version (default 1.3)\n"
          "  --ciphers LIST      TLS 1.2 cipher string (OpenSSL syntax; weak ones refused)\n"
          "  --ciphersuites LIST TLS 1.3 suites\n"
          "  --alpn LIST         ALPN protocols, comma separated: h2,http/1.1\n"
          "  --cert FILE         client certificate (PEM: key, certificate, intermediates)\n"
          "  --key FILE          the client certificate's key, when not in --cert\n"
          "  --pinnedpubkey sha256//BASE64[;sha256//...]  accept only these public keys\n"
          "  --timeout SECONDS   for connect and handshake, then for each idle wait (default 30)\n"
          "  -4, -6              IPv4 or IPv6 addresses only\n"
          "  -v, --verbose       report on stderr: addresses tried, version, cipher, group,\n"
          "                      signature, ALPN, resumption, the peer's chain, verification\n"
          "  --json              the same report as one JSON object on stderr, at the end\n"
          "  --show-certs        the peer's certificate chain as PEM on stderr\n"
          "  -k, --insecure      do not verify the server's certificate (warns each time;\n"
          "                      refused with --pinnedpubkey, --cafile or --capath)\n"
          "  -h, --help          this help\n"
          "\nexit codes:\n"
          "  0  success\n"
          "  1  HTTP status >= 400 (get --fail)\n"
          "  2  usage or configuration error\n"
          "  3  could not resolve or connect\n"
          "  4  TLS handshake failed (version, cipher, alert, not TLS)\n"
          "  5  certificate verification failed\n"
          "  6  timed out\n"
          "  7  the connection broke, or the peer did not speak HTTP\n",
          f);
}

void client_cli_warnings(struct client_cli *o, const struct client *c)
{
    if (o->tls.insecure) {
        fprintf(stderr,
                "tlskit %s: warning: --insecure: the server's certificate is not "
                "verified, so anyone on the path can read and change this connection\n",
                o->cmd);
    }
    if (c->cfg == NULL) {
        return;
    }
    for (size_t i = 0; i < tlskit_config_warning_count(c->cfg); i++) {
        fprintf(stderr, "tlskit %s: warning: %s\n", o->cmd, tlskit_config_warning(c->cfg, i));
    }
}

int client_cli_finish(struct client_cli *o, const struct client_err *e, int code)
{
    if (code < 0) {
        code = e ? cli_exit_for(e->kind) : EXIT_OK;
    }
    if (e && e->msg[0]) {
        fprintf(stderr, "tlskit %s: %s\n", o->cmd, e->msg);
        if (o->detail.len) {
            fputs(o->detail.p, stderr);
        }
    }
    if (o->json) {
        struct strbuf j = {0};
        sb_add(&j, "{\"command\":\"%s\",\"ok\":%s,\"exit\":%d", o->cmd,
               code == 0 ? "true" : "false", code);
        if (e && e->msg[0]) {
            sb_add(&j, ",\"error_kind\":");
            sb_json_str(&j, tlskit_error_kind_name(e->kind));
            sb_add(&j, ",\"error\":");
            sb_json_str(&j, e->msg);
        }
        sb_add(&j, ",\"attempts\":[%s]%s%s}\n", o->attempts.p ? o->attempts.p : "",
               o->json_out.len ? "," : "", o->json_out.p ? o->json_out.p : "");
        if (j.p) {
            fputs(j.p, stderr);
        }
        sb_free(&j);
    }
    return code;
}
