/* client.c: the seed's TLS client in C: connect, verify, send one request, print the reply. */
#include <stdio.h>
#include <string.h>

#include <tlskit.h>

static void handle(struct tlskit_conn *conn, const char *host, const char *port)
{
    char req[512], buf[4096];
    ssize_t n;
    /* A real HTTP/1.1 request: Host names the site, CRLF ends each line, a blank line ends it. */
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s%s%s\r\nConnection: close\r\n\r\n", host,
             strcmp(port, "443") ? ":" : "", strcmp(port, "443") ? port : "");
    if (tlskit_conn_write(conn, req, strlen(req)) < 0) {
        return;
    }
    while ((n = tlskit_conn_read(conn, buf, sizeof(buf))) > 0) { /* until the server closes */
        fwrite(buf, 1, (size_t)n, stdout);
    }
}

int main(int argc, char **argv)
{
    int rc = 1;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: client HOST PORT [CAFILE]\n");
        return 2;
    }
    const char *host = argv[1], *port = argv[2];

    /* The default client context: the system's CAs (or CAFILE), chain and host-name checks,
     * TLS 1.2 and 1.3 only, forward-secret AEAD ciphers only. Nothing to turn on. */
    struct tlskit_config *cfg = tlskit_config_new();
    if (cfg == NULL || (argc == 4 && tlskit_config_set_ca_file(cfg, argv[3]) != 0)) {
        fprintf(stderr, "client: %s\n", cfg ? tlskit_config_error(cfg) : "out of memory");
        tlskit_config_free(cfg);
        return 2;
    }
    struct tlskit_ctx *ctx = tlskit_client_ctx_new(cfg);
    struct tlskit_conn *conn = ctx ? tlskit_conn_new(ctx) : NULL;
    if (conn == NULL) {
        fprintf(stderr, "client: %s\n", ctx ? "out of memory" : tlskit_config_error(cfg));
        goto out;
    }
    /* Connect to HOST:PORT and check that the certificate is valid and for HOST. */
    if (tlskit_conn_connect(conn, host, port, NULL) != 0 || tlskit_conn_handshake(conn) != 0) {
        fprintf(stderr, "client: %s\n", tlskit_conn_error(conn));
        goto out;
    }
    handle(conn, host, port);
    if (tlskit_conn_error_kind(conn) != TLSKIT_ERR_NONE) {
        fprintf(stderr, "client: %s\n", tlskit_conn_error(conn));
        goto out;
    }
    tlskit_conn_close(conn); /* close_notify: the server knows we ended on purpose */
    rc = 0;
out:
    tlskit_conn_free(conn);
    tlskit_ctx_free(ctx);
    tlskit_config_free(cfg);
    return rc;
}
