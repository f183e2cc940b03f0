/* connect.c: 'tlskit connect HOST:PORT': stdin to TLS to stdout with poll(), closing with
 * close_notify at the end of stdin and reading on until the peer closes. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client_opts.h"

enum {
    CN_QUIET = CO_LAST,
};

#define IO_BUF (16 * 1024)

static void help(FILE *f)
{
    fputs("usage: tlskit connect [OPTIONS] HOST:PORT\n"
          "\nOpens a verified TLS connection and copies stdin to it and what the peer sends to\n"
          "stdout. At the end of stdin, tlskit sends close_notify after the pending data and\n"
          "keeps reading until the peer closes. For example:\n"
          "  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | tlskit connect example.com:443\n"
          "\nHOST may be a name, an IPv4 address or [IPv6]. Without --timeout an established\n"
          "connection waits for data without limit.\n"
          "\n  -q, --quiet         print nothing but the peer's bytes (errors still go to "
          "stderr)\n\n",
          f);
    client_cli_help(f);
}

/* Splits HOST:PORT ("[v6]:port" for IPv6). 0 or -1. */
static int split_target(const char *s, char *host, size_t hostlen, unsigned *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (rb == NULL || rb[1] != ':') {
            return -1;
        }
        h = s + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL) {
            return -1; /* a bare IPv6 address needs brackets */
        }
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen) {
        return -1;
    }
    char *end = NULL;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535) {
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* Copies both ways until the peer closes. 0, or -1 with E set. */
static int pump(struct tlskit_conn *conn, int idle_ms, int quiet, struct client_err *e)
{
    char rbuf[IO_BUF], ibuf[IO_BUF];
    size_t ilen = 0, ioff = 0;
    int in_eof = 0, close_sent = 0;
    int sock = tlskit_conn_fd(conn);
    if (tlskit_conn_set_nonblocking(conn, 1) != 0) {
        return client_fail(e, TLSKIT_ERR_IO, "%s", tlskit_conn_error(conn));
    }
    for (;;) {
        int want_out = 0, progressed = 0;
        /* 1. Everything the peer sent that can be read now. */
        for (;;) {
            ssize_t n = tlskit_conn_read(conn, rbuf, sizeof(rbuf));
            if (n > 0) {
                if (cli_write_all(STDOUT_FILENO, rbuf, (size_t)n) != 0) {
                    return client_fail(e, TLSKIT_ERR_IO, "cannot write to stdout: %s",
                                       strerror(errno));
                }
                continue;
            }
            if (n == 0) {
                if (!quiet) {
                    fprintf(stderr, "* the peer closed the connection%s\n",
                            tlskit_conn_eof_clean(conn) ? " (close_notify)"
                                                        : " without close_notify");
                }
                (void)tlskit_conn_close(conn);
                return 0;
            }
            if (n == TLSKIT_WANT_WRITE) {
                want_out = 1;
            } else if (n != TLSKIT_WANT_READ) {
                return client_fail(e, tlskit_conn_error_kind(conn), "%s", tlskit_conn_error(conn));
            }
            break;
        }
        /* 2. Pending input from stdin. */
        if (ioff < ilen) {
            ssize_t w = tlskit_conn_write(conn, ibuf + ioff, ilen - ioff);
            if (w > 0) {
                ioff += (size_t)w;
                progressed = 1;
            } else if (w == TLSKIT_WANT_WRITE) {
                want_out = 1;
            } else if (w != TLSKIT_WANT_READ) {
                return client_fail(e, tlskit_conn_error_kind(conn), "%s", tlskit_conn_error(conn));
            }
            if (ioff == ilen) {
                ioff = ilen = 0;
            }
        }
        /* 3. End of stdin and nothing pending: close_notify, then read on. */
        if (in_eof && ilen == 0 && !close_sent) {
            int r = tlskit_conn_close(conn);
            if (r == 0) {
                close_sent = 1;
            } else if (r == TLSKIT_WANT_WRITE) {
                want_out = 1;
            } else if (r != TLSKIT_WANT_READ) {
                return client_fail(e, tlskit_conn_error_kind(conn), "%s", tlskit_conn_error(conn));
            }
        }
        /* Loop back at once when writing made progress and has more to do. */
        if (progressed && (ilen > 0 || (in_eof && !close_sent))) {
            continue;
        }
        struct pollfd p[2] = {
            {.fd = sock, .events = (short)(POLLIN | (want_out ? POLLOUT : 0))},
            {.fd = STDIN_FILENO, .events = POLLIN},
        };
        int np = (!in_eof && ilen == 0) ? 2 : 1;
        int r = poll(p, (nfds_t)np, idle_ms);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return client_fail(e, TLSKIT_ERR_IO, "poll: %s", strerror(errno));
        }
        if (r == 0) {
            return client_fail(e, TLSKIT_ERR_TIMEOUT,
                               "timed out: nothing happened for %d s (--timeout); closing",
                               (idle_ms + 999) / 1000);
        }
        if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(STDIN_FILENO, ibuf, sizeof(ibuf));
            if (n < 0 && errno != EINTR && errno != EAGAIN) {
                return client_fail(e, TLSKIT_ERR_IO, "cannot read stdin: %s", strerror(errno));
            }
            if (n == 0) {
                in_eof = 1;
            } else if (n > 0) {
                ilen = (size_t)n;
                ioff = 0;
            }
        }
    }
}

int cmd_connect(int argc, char **argv)
{
    static const struct option opts[] = {
        CLIENT_LONG_OPTS,
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    struct client_cli co;
    struct client c = {0};
    struct client_err e = {0};
    struct tlskit_conn *conn = NULL;
    char host[URL_HOST_MAX + 1];
    unsigned port = 0;
    int code = -1, have_err = 0, opt;

    client_cli_init(&co, "connect");
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":" CLIENT_SHORT_OPTS "q", opts, NULL)) != -1) {
        int r = client_cli_option(&co, opt, optarg);
        if (r < 0) {
            code = EXIT_USAGE;
            goto out;
        }
        if (r > 0) {
            continue;
        }
        if (opt == 'q') {
            co.quiet = 1;
            continue;
        }
        client_cli_bad_option(&co, opt, argv);
        code = EXIT_USAGE;
        goto out;
    }
    if (co.help) {
        help(stdout);
        code = EXIT_OK;
        goto out;
    }
    if (optind != argc - 1) {
        fprintf(stderr,
                "tlskit connect: %s\nusage: tlskit connect [OPTIONS] HOST:PORT (see "
                "--help)\n",
                optind >= argc ? "no HOST:PORT given" : "only one HOST:PORT may be given");
        code = EXIT_USAGE;
        goto out;
    }
    if (split_target(argv[optind], host, sizeof(host), &port) != 0) {
        client_fail(&e, TLSKIT_ERR_USAGE,
                    "'%s' is not HOST:PORT; write e.g. example.com:443, 127.0.0.1:8443 or "
                    "[::1]:8443",
                    argv[optind]);
        have_err = 1;
        goto out;
    }
    if (co.quiet) {
        co.verbose = 0;
    }
    if (client_init(&c, &co.tls, &e) != 0) {
        have_err = 1;
        goto out;
    }
    client_cli_warnings(&co, &c);
    if (client_open(&c, host, port, &conn, &e) != 0) {
        have_err = 1;
        goto out;
    }
    if (!co.quiet && !co.verbose) {
        fprintf(stderr, "* connected to %s port %u: %s, %s; certificate %s\n", host, port,
                tlskit_conn_version(conn), tlskit_conn_cipher(conn),
                tlskit_conn_verify_result(conn));
    }
    if (pump(conn, co.timeout_given ? co.tls.timeout_ms : -1, co.quiet, &e) != 0) {
        have_err = 1;
        goto out;
    }
    code = EXIT_OK;
out:
    code = client_cli_finish(&co, have_err ? &e : NULL, code);
    tlskit_conn_free(conn);
    client_free(&c);
    client_cli_free(&co);
    return code;
}
