/* net.c: TCP for small programs: resolve and try each address with a timeout (client), or
 * bind and listen (server), with messages that name the address and why. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static void addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
        port = ntohs(s4->sin_port);
        snprintf(buf, len, "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
        port = ntohs(s6->sin6_port);
        snprintf(buf, len, "[%s]:%d", host, port);
    } else {
        snprintf(buf, len, "(unknown address family)");
    }
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int64_t tk_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void tk_sock_timeouts(int fd, int64_t ms)
{
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Connect one address within TIMEOUT_MS: the socket, or -1 with *ERR set to an errno. */
static int try_connect(const struct addrinfo *ai, int timeout_ms, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *err = errno;
            close(fd);
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r;
        do {
            long left = timeout_ms - elapsed_ms(&t0);
            r = poll(&p, 1, left > 0 ? (int)left : 0);
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            *err = ETIMEDOUT;
            close(fd);
            return -1;
        }
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            *err = r < 0 ? errno : soerr ? soerr : EIO;
            close(fd);
            return -1;
        }
    }
    /* Blocking from here on, with the timeout on every read and write. */
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    tk_sock_timeouts(fd, timeout_ms);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int tlskit_conn_connect(struct tlskit_conn *c, const char *host, const char *port,
                        const struct tlskit_connect_opts *opts)
{
    struct tlskit_connect_opts none = {0};
    struct addrinfo hints = {0}, *res = NULL;
    struct tk_str why = {0};
    int rv = -1, timeouts = 0, tried = 0;
    if (opts == NULL) {
        opts = &none;
    }
    if (c->ctx->server) {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "a server connection cannot connect");
        return -1;
    }
    if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0') {
        tk_err_set(&c->err, TLSKIT_ERR_USAGE, "a host and a port are needed to connect");
        return -1;
    }
    int timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    const char *target = opts->connect_to && opts->connect_to[0] ? opts->connect_to : host;
    hints.ai_family = opts->family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    int g = getaddrinfo(target, port, &hints, &res);
    if (g != 0) {
        const char *fam = opts->family == AF_INET    ? " (IPv4 only)"
                          : opts->family == AF_INET6 ? " (IPv6 only)"
                                                     : "";
        tk_err_set(&c->err, TLSKIT_ERR_RESOLVE, "could not resolve host '%s'%s: %s; check the name",
                   target, fam, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char a[80];
        int err = 0;
        addr_str(ai->ai_addr, a, sizeof(a));
        tried++;
        int fd = try_connect(ai, timeout_ms, &err);
        if (fd >= 0) {
            if (opts->on_attempt) {
                opts->on_attempt(opts->arg, a, NULL);
            }
            if (c->servername == NULL && tlskit_conn_set_servername(c, host) != 0) {
                close(fd);
                goto out;
            }
            if (tlskit_conn_set_fd(c, fd) != 0) {
                close(fd);
                goto out;
            }
            c->own_fd = 1;
            c->timeout_ms = timeout_ms;
            rv = 0;
            goto out;
        }
        const char *e = err == ETIMEDOUT ? "timed out" : strerror(err);
        if (err == ECONNREFUSED) {
            e = "connection refused (nothing listens on that port)";
        }
        timeouts += err == ETIMEDOUT;
        tk_str_add(&why, "%s%s: %s", why.len ? "; " : "", a, e);
        if (opts->on_attempt) {
            opts->on_attempt(opts->arg, a, e);
        }
    }
    tk_err_set(&c->err, timeouts == tried ? TLSKIT_ERR_TIMEOUT : TLSKIT_ERR_CONNECT,
               "could not connect to %s port %s%s: %s", host, port,
               timeouts == tried ? " within the timeout" : "", why.p ? why.p : "no address");
out:
    freeaddrinfo(res);
    tk_str_free(&why);
    return rv;
}

int tlskit_listen(const char *host, const char *port, int backlog, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int g = getaddrinfo(host && host[0] ? host : NULL, port, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot listen on %s port %s: %s", host ? host : "*",
                 port ? port : "?", gai_strerror(g));
        return -1;
    }
    int fd = -1, saved = 0;
    char a[80] = "";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        addr_str(ai->ai_addr, a, sizeof(a));
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) {
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s%s", a[0] ? a : port, strerror(saved),
                 saved == EADDRINUSE      ? " (another program uses that port; pick another)"
                 : saved == EACCES        ? " (ports under 1024 need root or CAP_NET_BIND_SERVICE)"
                 : saved == EADDRNOTAVAIL ? " (that address is not on this machine)"
                                          : "");
    }
    return fd;
}
