/* listen.c: turning --listen specs into bound, non-blocking listening sockets. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/server.h"

int srv_parse_addr(const char *spec, char *host, size_t hostlen, char *port, size_t portlen,
                   char *err, size_t errlen)
{
    const char *colon;
    size_t hl;
    const char *h = spec;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || close[1] != ':') {
            snprintf(err, errlen,
                     "--listen %s: an IPv6 address goes in brackets with a port: [::]:8443", spec);
            return -1;
        }
        h = spec + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (colon == NULL) {
            snprintf(err, errlen, "--listen %s: give HOST:PORT, e.g. localhost:8443 or [::]:443",
                     spec);
            return -1;
        }
        if (strchr(spec, ':') != colon) {
            snprintf(err, errlen, "--listen %s: put an IPv6 address in brackets: [%.*s]%s", spec,
                     (int)(colon - spec), spec, colon);
            return -1;
        }
        hl = (size_t)(colon - spec);
    }
    const char *p = colon + 1;
    char *end;
    long pn = strtol(p, &end, 10);
    if (*p == '\0' || *end != '\0' || pn < 1 || pn > 65535) {
        snprintf(err, errlen, "--listen %s: the port must be a number from 1 to 65535", spec);
        return -1;
    }
    if (hl >= hostlen) {
        snprintf(err, errlen, "--listen %s: the host name is too long", spec);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (strcmp(host, "*") == 0) {
        host[0] = '\0';
    }
    snprintf(port, portlen, "%ld", pn);
    return 0;
}

int srv_bind(const char *spec, int reuseport, int *fds, size_t *n, size_t max, char *err,
             size_t errlen)
{
    char host[256], port[16];
    struct addrinfo hints, *res = NULL;
    int rv = -1;
    size_t bound = 0;
    char why[256] = "";
    if (srv_parse_addr(spec, host, sizeof(host), port, sizeof(port), err, errlen) != 0) {
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "--listen %s: cannot resolve '%s': %s", spec, host,
                 gai_strerror(gai));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        char abuf[NI_MAXHOST] = "?";
        getnameinfo(ai->ai_addr, ai->ai_addrlen, abuf, sizeof(abuf), NULL, 0, NI_NUMERICHOST);
        int dup = 0;
        for (struct addrinfo *pr = res; pr != ai; pr = pr->ai_next) {
            dup |= pr->ai_addrlen == ai->ai_addrlen &&
                   memcmp(pr->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0;
        }
        if (dup) {
            continue; /* /etc/hosts may list one address twice */
        }
        if (*n >= max) {
            snprintf(err, errlen, "--listen: too many addresses (at most %zu)", max);
            goto out;
        }
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            snprintf(why, sizeof(why), "%s: %s", abuf, strerror(errno));
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (reuseport) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
        }
        if (ai->ai_family == AF_INET6) {
            /* [::] and 0.0.0.0 can then both be given, and "localhost" binds ::1 and 127.0.0.1. */
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
            int e = errno;
            close(fd);
            if (e == EADDRNOTAVAIL && ai->ai_family == AF_INET6) {
                continue; /* no IPv6 on this host: the IPv4 address still serves */
            }
            snprintf(err, errlen, "--listen %s: cannot listen on %s port %s: %s%s", spec, abuf,
                     port, strerror(e),
                     e == EADDRINUSE ? " (another server has it: stop it or choose another port)"
                     : e == EACCES   ? " (ports under 1024 need root or CAP_NET_BIND_SERVICE)"
                                     : "");
            goto out;
        }
        fds[(*n)++] = fd;
        bound++;
    }
    if (bound == 0) {
        snprintf(err, errlen, "--listen %s: no address to listen on%s%s", spec, why[0] ? ": " : "",
                 why);
        goto out;
    }
    rv = 0;
out:
    freeaddrinfo(res);
    return rv;
}
