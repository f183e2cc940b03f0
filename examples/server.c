/* server.c: the seed's TLS server in C: answer every request with the client's address. */
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tlskit.h>

static void handle(struct tlskit_conn *conn, const char *ip)
{
    char req[8192] = "", resp[1280];
    size_t len = 0;
    ssize_t n;
    int done = 0; /* read the request head, up to its blank line (or the 5 s timeout) */
    while (!done && (n = tlskit_conn_read(conn, req + len, sizeof(req) - 1 - len)) > 0) {
        len += (size_t)n;
        req[len] = '\0';
        done = strstr(req, "\r\n\r\n") || strstr(req, "\n\n") || len == sizeof(req) - 1;
    }
    printf("%s: %s\n", ip, req);
    if (done) {
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                 strlen(ip) + 1, ip);
    } else {
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n");
    }
    tlskit_conn_write(conn, resp, strlen(resp));
}

int main(int argc, char **argv)
{
    char err[256], ip[NI_MAXHOST];
    if (argc != 4) {
        fprintf(stderr, "usage: server HOST PORT BUNDLE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a client that leaves must not end the server */
    int lfd = tlskit_listen(argv[1], argv[2], 5, err, sizeof(err));
    struct tlskit_config *cfg = tlskit_config_new();
    /* 1. key, 2. certificate, 3. intermediates, in one file, checked as it loads. TLS 1.2 is
     * already the minimum; the seed's cipher list is accepted with a warning (it admits CBC). */
    struct tlskit_ctx *ctx = NULL;
    if (lfd < 0 || tlskit_config_set_keypair_file(cfg, argv[3], NULL) != 0 ||
        tlskit_config_set_min_version(cfg, "1.2") != 0 ||
        tlskit_config_set_ciphers(cfg, "EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH") != 0 ||
        (ctx = tlskit_server_ctx_new(cfg)) == NULL) {
        fprintf(stderr, "server: %s\n", lfd < 0 ? err : tlskit_config_error(cfg));
        tlskit_config_free(cfg);
        return 2;
    }
    for (size_t i = 0; i < tlskit_config_warning_count(cfg); i++) {
        fprintf(stderr, "server: warning: %s\n", tlskit_config_warning(cfg, i));
    }
    tlskit_config_free(cfg); /* the context keeps what it needs */
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof(sa);
        int fd = accept(lfd, (struct sockaddr *)&sa, &salen);
        if (fd < 0) {
            continue;
        }
        struct timeval tv = {.tv_sec = 5}; /* a silent client holds us 5 s at most */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        getnameinfo((struct sockaddr *)&sa, salen, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST);
        struct tlskit_conn *conn = tlskit_conn_new(ctx);
        if (conn && tlskit_conn_set_fd(conn, fd) == 0 && tlskit_conn_handshake(conn) == 0) {
            handle(conn, ip);
            tlskit_conn_close(conn);
        } else { /* the seed's "except ssl.SSLError as e: print(e)", and on to the next */
            fprintf(stderr, "%s: %s\n", ip, conn ? tlskit_conn_error(conn) : "out of memory");
        }
        fflush(stdout);
        tlskit_conn_free(conn);
        close(fd);
    }
}
