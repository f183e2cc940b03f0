/* latency.c: an open-loop HTTPS load generator for bench/serve.sh. Sends GET / at a fixed total
 * RATE (requests/s) over CONNS keep-alive TLS connections for SECONDS and times each answer
 * from the moment its request was due, not from when it was sent, so a slow answer also
 * counts against the requests queued behind it (no coordinated omission). Prints
 * "n= p50= p90= p99= max=" in microseconds. Written in C over OpenSSL directly so that the
 * client's own jitter stays far below the servers' latencies (a Python client's does not).
 *
 * Usage: latency HOST PORT CAFILE RATE SECONDS [CONNS, default 10]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256

struct lconn {
    int fd;
    SSL *ssl;
    int busy;       /* a request is out and its answer not yet whole */
    long k;         /* requests sent so far */
    double due;     /* when the current (or next) request is due */
    char buf[4096]; /* the answer so far */
    size_t have;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "latency: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 1 when buf holds a whole answer (head and Content-Length body), 0 if not yet, -1 if bad. */
static int answer_done(const char *buf, size_t have)
{
    const char *end = memmem(buf, have, "\r\n\r\n", 4);
    if (end == NULL) {
        return have >= 4096 - 1 ? -1 : 0;
    }
    size_t head = (size_t)(end - buf) + 4;
    const char *cl = memmem(buf, head, "Content-Length:", 15);
    if (cl == NULL) {
        cl = memmem(buf, head, "content-length:", 15);
    }
    if (cl == NULL) {
        return -1;
    }
    long n = strtol(cl + 15, NULL, 10);
    if (n < 0 || head + (size_t)n > 4096) {
        return -1;
    }
    return have >= head + (size_t)n;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: latency HOST PORT CAFILE RATE SECONDS [CONNS]\n");
        return 2;
    }
    const char *host = argv[1], *cafile = argv[3];
    int port = atoi(argv[2]);
    double rate = atof(argv[4]), secs = atof(argv[5]);
    int nconn = argc > 6 ? atoi(argv[6]) : 10;
    if (port <= 0 || rate <= 0 || secs <= 0 || nconn <= 0 || nconn > MAX_CONNS) {
        fprintf(stderr, "latency: bad arguments\n");
        return 2;
    }
    prctl(PR_SET_TIMERSLACK, 1UL); /* wake at the due time, not up to 50 us after it */

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
        die("cannot load the CA file");
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    static struct lconn c[MAX_CONNS];
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        die("HOST must be an IPv4 address");
    }
    for (int i = 0; i < nconn; i++) {
        c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            die("cannot connect");
        }
        int one = 1;
        setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c[i].ssl = SSL_new(ctx);
        SSL_set_fd(c[i].ssl, c[i].fd);
        SSL_set_tlsext_host_name(c[i].ssl, "localhost");
        SSL_set1_host(c[i].ssl, "localhost");
        if (SSL_connect(c[i].ssl) != 1) {
            die("TLS handshake failed");
        }
    }

    long total = (long)(rate * secs);
    double *lat = calloc((size_t)total + (size_t)nconn, sizeof(double));
    if (lat == NULL) {
        die("out of memory");
    }
    long nlat = 0;
    double per = nconn / rate, t0 = now_s() + 0.2;
    for (int i = 0; i < nconn; i++) {
        c[i].due = t0 + i / rate;
    }
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    double t_end = t0 + secs;
    for (;;) {
        double now = now_s();
        /* Send every request that is due on an idle connection. */
        double next = 1e300;
        int live = 0;
        for (int i = 0; i < nconn; i++) {
            if (!c[i].busy && c[i].due - t0 < secs) {
                if (c[i].due <= now) {
                    if (SSL_write(c[i].ssl, req, sizeof(req) - 1) != (int)sizeof(req) - 1) {
                        die("write failed");
                    }
                    c[i].busy = 1;
                    c[i].have = 0;
                } else if (c[i].due < next) {
                    next = c[i].due;
                }
            }
            live += c[i].busy || c[i].due - t0 < secs;
        }
        if (live == 0 || now > t_end + 10) {
            break;
        }
        /* Wait for answers, or until the next request is due. */
        struct pollfd pfd[MAX_CONNS];
        int map[MAX_CONNS], np = 0;
        for (int i = 0; i < nconn; i++) {
            if (c[i].busy) {
                pfd[np] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
                map[np++] = i;
            }
        }
        struct timespec ts = {0, 0}, *tp = NULL;
        if (next < 1e300) {
            double d = next - now_s();
            if (d < 0) {
                d = 0;
            }
            ts.tv_sec = (time_t)d;
            ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
            tp = &ts;
        }
        int r = ppoll(pfd, (nfds_t)np, tp, NULL);
        if (r < 0 && errno != EINTR) {
            die("poll failed");
        }
        for (int j = 0; j < np && r > 0; j++) {
            if (!(pfd[j].revents & (POLLIN | POLLERR | POLLHUP))) {
                continue;
            }
            struct lconn *l = &c[map[j]];
            do {
                int n = SSL_read(l->ssl, l->buf + l->have, (int)(sizeof(l->buf) - 1 - l->have));
                if (n <= 0) {
                    die("the server closed or broke the connection");
                }
                l->have += (size_t)n;
            } while (SSL_pending(l->ssl) > 0);
            int done = answer_done(l->buf, l->have);
            if (done < 0) {
                die("an answer that is not HTTP with a Content-Length");
            }
            if (done) {
                lat[nlat++] = now_s() - l->due;
                l->busy = 0;
                l->k++;
                l->due += per;
            }
        }
    }
    qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
#define Q(p) (lat[(long)((p) * (double)nlat) < nlat ? (long)((p) * (double)nlat) : nlat - 1] * 1e6)
    printf("n=%ld p50=%.0f p90=%.0f p99=%.0f max=%.0f\n", nlat, Q(0.5), Q(0.9), Q(0.99),
           nlat ? lat[nlat - 1] * 1e6 : 0.0);
    for (int i = 0; i < nconn; i++) {
        SSL_free(c[i].ssl);
        close(c[i].fd);
    }
    free(lat);
    SSL_CTX_free(ctx);
    return nlat > 0 ? 0 : 1;
}
