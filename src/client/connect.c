/* connect.c: the client core's TLS side: options to a config and context, and a host and port
 * to a connected, verified TLS connection. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/client.h"

int client_fail(struct client_err *e, enum tlskit_error_kind kind, const char *fmt, ...)
{
    va_list ap;
    e->kind = kind;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* Splits "HOST:PORT:ADDR" into its parts; ADDR may be "[v6]" or a bare v6 address. */
static int parse_resolve(const char *s, char *host, size_t hostlen, unsigned *port, char *addr,
                         size_t addrlen)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c1 == NULL || c2 == NULL || c1 == s || (size_t)(c1 - s) >= hostlen) {
        return -1;
    }
    memcpy(host, s, (size_t)(c1 - s));
    host[c1 - s] = '\0';
    char *end = NULL;
    unsigned long p = strtoul(c1 + 1, &end, 10);
    if (end != c2 || p == 0 || p > 65535) {
        return -1;
    }
    *port = (unsigned)p;
    const char *a = c2 + 1;
    size_t alen = strlen(a);
    if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
        a++;
        alen -= 2;
    }
    if (alen == 0 || alen >= addrlen) {
        return -1;
    }
    memcpy(addr, a, alen);
    addr[alen] = '\0';
    unsigned char buf[16];
    if (inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1) {
        return -1;
    }
    return 0;
}

int client_resolve_lookup(const struct client_tls_opts *o, const char *host, unsigned port,
                          char *addr, size_t addrlen, struct client_err *e)
{
    for (size_t i = 0; i < o->nresolve; i++) {
        char h[URL_HOST_MAX + 1], a[64];
        unsigned p = 0;
        if (parse_resolve(o->resolve[i], h, sizeof(h), &p, a, sizeof(a)) != 0) {
            return client_fail(e, TLSKIT_ERR_USAGE,
                               "--resolve '%s' is not HOST:PORT:ADDRESS; write it as in "
                               "--resolve example.com:443:127.0.0.1 (or :[::1] for IPv6)",
                               o->resolve[i]);
        }
        if ((strcmp(h, "*") == 0 || strcasecmp(h, host) == 0) && p == port) {
            snprintf(addr, addrlen, "%s", a);
            return 1;
        }
    }
    return 0;
}

/* Applies one setting: F(cfg, value) when value is set; on failure, E says why. */
#define SET(fn, val)                                                                               \
    do {                                                                                           \
        if ((val) != NULL && fn(c->cfg, (val)) != 0) {                                             \
            goto cfg_fail;                                                                         \
        }                                                                                          \
    } while (0)

int client_init(struct client *c, const struct client_tls_opts *o, struct client_err *e)
{
    char a[64];
    memset(c, 0, sizeof(*c));
    c->opts = *o;
    if (o->insecure && (o->pinned || o->cafile || o->capath)) {
        return client_fail(e, TLSKIT_ERR_USAGE,
                           "--insecure cannot be combined with %s: one turns verification off, "
                           "the other asks for it; drop --insecure",
                           o->pinned   ? "--pinnedpubkey"
                           : o->cafile ? "--cafile"
                                       : "--capath");
    }
    if (o->key && !o->cert) {
        return client_fail(e, TLSKIT_ERR_USAGE,
                           "--key needs --cert: give the client certificate with --cert FILE");
    }
    /* Malformed --resolve entries are reported before any connection is tried. */
    if (client_resolve_lookup(o, "", 0, a, sizeof(a), e) < 0) {
        return -1;
    }
    c->cfg = tlskit_config_new();
    if (c->cfg == NULL) {
        return client_fail(e, TLSKIT_ERR_CONFIG, "out of memory");
    }
    SET(tlskit_config_set_ca_file, o->cafile);
    SET(tlskit_config_set_ca_path, o->capath);
    SET(tlskit_config_set_crl_file, o->crlfile);
    SET(tlskit_config_set_min_version, o->min_tls);
    SET(tlskit_config_set_max_version, o->max_tls);
    SET(tlskit_config_set_ciphers, o->ciphers);
    SET(tlskit_config_set_ciphersuites, o->ciphersuites);
    SET(tlskit_config_set_alpn, o->alpn);
    SET(tlskit_config_set_pinned_pubkey, o->pinned);
    if (o->cert && tlskit_config_set_keypair_file(c->cfg, o->cert, o->key) != 0) {
        goto cfg_fail;
    }
    if (o->insecure) {
        tlskit_config_insecure_skip_verify(c->cfg);
    }
    c->ctx = tlskit_client_ctx_new(c->cfg);
    if (c->ctx == NULL) {
        goto cfg_fail;
    }
    return 0;
cfg_fail:
    return client_fail(e,
                       tlskit_config_error_kind(c->cfg) == TLSKIT_ERR_NONE
                           ? TLSKIT_ERR_CONFIG
                           : tlskit_config_error_kind(c->cfg),
                       "%s", tlskit_config_error(c->cfg));
}

void client_free(struct client *c)
{
    tlskit_ctx_free(c->ctx);
    tlskit_config_free(c->cfg);
    c->ctx = NULL;
    c->cfg = NULL;
}

/* Passes each attempt on to the caller's callback and keeps the address that connected. */
struct attempt_tap {
    const struct client_tls_opts *o;
    char connected[80];
};

static void tap_attempt(void *arg, const char *address, const char *result)
{
    struct attempt_tap *t = arg;
    if (result == NULL) {
        snprintf(t->connected, sizeof(t->connected), "%s", address);
    }
    if (t->o->on_attempt) {
        t->o->on_attempt(t->o->arg, address, result);
    }
}

int client_open(struct client *c, const char *host, unsigned port, struct tlskit_conn **out,
                struct client_err *e)
{
    char addr[64], ports[8];
    const struct client_tls_opts *o = &c->opts;
    *out = NULL;
    int r = client_resolve_lookup(o, host, port, addr, sizeof(addr), e);
    if (r < 0) {
        return -1;
    }
    struct tlskit_conn *conn = tlskit_conn_new(c->ctx);
    if (conn == NULL) {
        return client_fail(e, TLSKIT_ERR_CONFIG, "out of memory");
    }
    *out = conn;
    if (o->servername && tlskit_conn_set_servername(conn, o->servername) != 0) {
        return client_fail(e, TLSKIT_ERR_USAGE, "--servername: %s", tlskit_conn_error(conn));
    }
    struct attempt_tap tap = {.o = o, .connected = "?"};
    struct tlskit_connect_opts co = {
        .family = o->family,
        .timeout_ms = o->timeout_ms,
        .connect_to = r == 1 ? addr : NULL,
        .on_attempt = tap_attempt,
        .arg = &tap,
    };
    snprintf(ports, sizeof(ports), "%u", port);
    if (tlskit_conn_connect(conn, host, ports, &co) != 0) {
        return client_fail(e, tlskit_conn_error_kind(conn), "%s", tlskit_conn_error(conn));
    }
    int ok = tlskit_conn_handshake(conn) == 0;
    if (o->on_handshake) {
        o->on_handshake(o->arg, conn, ok);
    }
    if (!ok) {
        enum tlskit_error_kind k = tlskit_conn_error_kind(conn);
        if (k == TLSKIT_ERR_IO || k == TLSKIT_ERR_TIMEOUT) {
            /* A reset or a silence: name where it happened. */
            return client_fail(e, k, "%s (%s port %u, address %s)", tlskit_conn_error(conn), host,
                               port, tap.connected);
        }
        return client_fail(e, k, "%s", tlskit_conn_error(conn));
    }
    return 0;
}
