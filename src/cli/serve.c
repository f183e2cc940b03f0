/* serve.c: 'tlskit serve': parses the options, sets up development certificates when no
 * --cert is given, and runs the server core with the responder. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "server/server.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tlskit serve [OPTIONS]\n"
            "\n"
            "An HTTPS server answering GET / with the client's address and GET /json with the\n"
            "facts of its TLS connection. Without --cert it runs on a development certificate\n"
            "from a local CA (see 'tlskit cert --ca-path').\n"
            "\n"
            "  --listen ADDR:PORT       where to listen (repeatable): localhost:8443 (default),\n"
            "                           0.0.0.0:443, [::]:443, *:443\n"
            "  --cert BUNDLE            key, certificate and intermediates (PEM)\n"
            "  --key FILE               the key, when it is not in BUNDLE\n"
            "  --client-ca FILE         ask clients for a certificate issued by a CA in FILE\n"
            "                           (PEM); one without is still served, /json shows it\n"
            "  --require-client-cert    with --client-ca: refuse clients without a valid one\n"
            "  --min-tls 1.2|1.3        lowest TLS version (default 1.2)\n"
            "  --ciphers LIST           TLS 1.2 ciphers (OpenSSL syntax)\n"
            "  --ciphersuites LIST      TLS 1.3 suites\n"
            "  --groups LIST            key exchange groups, e.g. X25519:P-256\n"
            "  --workers N              worker processes (default: the number of CPUs)\n"
            "  --handshake-timeout T    default 10s\n"
            "  --header-timeout T       a request head must be complete within T (10s)\n"
            "  --idle-timeout T         keep-alive idle time (60s)\n"
            "  --max-conns N            connections at once, over all workers (default: none)\n"
            "  --user NAME              drop to this user once bound and loaded\n"
            "  --log-format text|json   log lines on stderr (default text)\n"
            "  --access-log FILE|-      one line per request (written within a second)\n"
            "  --grace T                on SIGTERM, time to finish requests in flight (10s)\n"
            "\n"
            "Times: 10s, 500ms, 2m, or plain seconds. SIGHUP reloads the certificate and key\n"
            "(checked first; a bad file keeps the old one). Misconfiguration exits with 2.\n");
}

/* "10s", "500ms", "2m", "1.5" (seconds). -1 when not a time. */
static double parse_time(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) {
        return -1;
    }
    if (strcmp(end, "") == 0 || strcmp(end, "s") == 0) {
        return v;
    }
    if (strcmp(end, "ms") == 0) {
        return v / 1000;
    }
    if (strcmp(end, "m") == 0) {
        return v * 60;
    }
    if (strcmp(end, "h") == 0) {
        return v * 3600;
    }
    return -1;
}

static int bad(const char *opt, const char *val, const char *fix)
{
    fprintf(stderr, "tlskit serve: %s %s: %s\n", opt, val, fix);
    return EXIT_USAGE;
}

enum {
    O_LISTEN = 256,
    O_CERT,
    O_KEY,
    O_MIN_TLS,
    O_CIPHERS,
    O_SUITES,
    O_GROUPS,
    O_WORKERS,
    O_HS_TO,
    O_HDR_TO,
    O_IDLE_TO,
    O_MAX_CONNS,
    O_USER,
    O_LOG_FORMAT,
    O_ACCESS_LOG,
    O_GRACE,
    O_REUSEPORT,
    O_CLIENT_CA,
    O_REQUIRE_CLIENT_CERT,
};

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"cert", required_argument, NULL, O_CERT},
        {"key", required_argument, NULL, O_KEY},
        {"min-tls", required_argument, NULL, O_MIN_TLS},
        {"ciphers", required_argument, NULL, O_CIPHERS},
        {"ciphersuites", required_argument, NULL, O_SUITES},
        {"groups", required_argument, NULL, O_GROUPS},
        {"workers", required_argument, NULL, O_WORKERS},
        {"handshake-timeout", required_argument, NULL, O_HS_TO},
        {"header-timeout", required_argument, NULL, O_HDR_TO},
        {"idle-timeout", required_argument, NULL, O_IDLE_TO},
        {"max-conns", required_argument, NULL, O_MAX_CONNS},
        {"user", required_argument, NULL, O_USER},
        {"log-format", required_argument, NULL, O_LOG_FORMAT},
        {"access-log", required_argument, NULL, O_ACCESS_LOG},
        {"grace", required_argument, NULL, O_GRACE},
        {"reuseport", no_argument, NULL, O_REUSEPORT},
        {"client-ca", required_argument, NULL, O_CLIENT_CA},
        {"require-client-cert", no_argument, NULL, O_REQUIRE_CLIENT_CERT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct srv_options o;
    memset(&o, 0, sizeof(o));
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o.workers = ncpu > 0 ? (int)ncpu : 1;
    o.handshake_timeout = 10;
    o.header_timeout = 10;
    o.idle_timeout = 60;
    o.grace = 10;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        double t;
        char *end;
        switch (c) {
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case O_LISTEN:
            if (o.nlisten >= SRV_MAX_LISTEN) {
                return bad("--listen", optarg, "too many addresses (at most 16)");
            }
            o.listen[o.nlisten++] = optarg;
            break;
        case O_CERT:
            o.cert = optarg;
            break;
        case O_KEY:
            o.key = optarg;
            break;
        case O_MIN_TLS:
            o.min_tls = optarg;
            break;
        case O_CIPHERS:
            o.ciphers = optarg;
            break;
        case O_SUITES:
            o.ciphersuites = optarg;
            break;
        case O_GROUPS:
            o.groups = optarg;
            break;
        case O_WORKERS: {
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > 256) {
                return bad("--workers", optarg, "give a number of processes from 1 to 256");
            }
            o.workers = (int)n;
            break;
        }
        case O_HS_TO:
        case O_HDR_TO:
        case O_IDLE_TO:
        case O_GRACE:
            t = parse_time(optarg);
            if (t < 0 || t > 86400 || (c != O_GRACE && t < 0.01)) {
                return bad(c == O_HS_TO    ? "--handshake-timeout"
                           : c == O_HDR_TO ? "--header-timeout"
                           : c == O_GRACE  ? "--grace"
                                           : "--idle-timeout",
                           optarg, "give a time such as 10s, 500ms or 2m");
            }
            if (c == O_HS_TO) {
                o.handshake_timeout = t;
            } else if (c == O_HDR_TO) {
                o.header_timeout = t;
            } else if (c == O_IDLE_TO) {
                o.idle_timeout = t;
            } else {
                o.grace = t;
            }
            break;
        case O_MAX_CONNS: {
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1) {
                return bad("--max-conns", optarg, "give a positive number of connections");
            }
            o.max_conns = n;
            break;
        }
        case O_USER:
            o.user = optarg;
            break;
        case O_LOG_FORMAT:
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
                return bad("--log-format", optarg, "use text or json");
            }
            o.log_json = strcmp(optarg, "json") == 0;
            break;
        case O_ACCESS_LOG:
            o.access_log = optarg;
            break;
        case O_REUSEPORT:
            o.reuseport = 1;
            break;
        case O_CLIENT_CA:
            o.client_ca = optarg;
            break;
        case O_REQUIRE_CLIENT_CERT:
            o.require_client_cert = 1;
            break;
        default:
            fprintf(stderr, "tlskit serve: unknown option or missing value: %s\n\n",
                    argv[optind - 1]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tlskit serve: unexpected argument '%s' (options start with --)\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (o.key && !o.cert) {
        return bad("--key", o.key, "needs --cert BUNDLE too (the certificate and chain)");
    }
    if (o.require_client_cert && !o.client_ca) {
        fprintf(stderr, "tlskit serve: --require-client-cert needs --client-ca FILE too (the CA "
                        "certificates that issue your clients' certificates)\n");
        return EXIT_USAGE;
    }
    if (o.max_conns > 0 && o.max_conns < o.workers) {
        char w[16];
        snprintf(w, sizeof(w), "%ld", o.max_conns);
        return bad("--max-conns", w, "must be at least the number of workers");
    }
    if (o.nlisten == 0) {
        o.listen[o.nlisten++] = "localhost:8443";
    }
    static char bundle[4200], ca[4200];
    char home[4096], err[1024];
    if (o.cert == NULL) {
        o.dev = 1;
        if (devca_home(home, sizeof(home), err, sizeof(err)) != 0 ||
            devca_ensure(home, ca, sizeof(ca), err, sizeof(err)) != 0 ||
            devca_server_bundle(home, bundle, sizeof(bundle), err, sizeof(err)) != 0) {
            fprintf(stderr, "tlskit serve: development certificate: %s\n", err);
            return EXIT_USAGE;
        }
        o.cert = bundle;
        char host[256] = "localhost", port[16] = "8443";
        srv_parse_addr(o.listen[0], host, sizeof(host), port, sizeof(port), err, sizeof(err));
        /* The running binary's own path, so the command pastes as it is. */
        char self[4096];
        ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (sl <= 0) {
            snprintf(self, sizeof(self), "tlskit");
        } else {
            self[sl] = '\0';
        }
        fprintf(stderr,
                "tlskit serve: development mode: certificate for localhost, 127.0.0.1 and ::1\n"
                "  issued by the local CA %s (not trusted by browsers unless you add it)\n"
                "  try:  %s get --cafile %s https://localhost:%s/\n"
                "   or:  curl --cacert %s https://localhost:%s/json\n",
                ca, self, ca, port, ca, port);
    }
    struct srv_responder_opts ropts = {.hsts = !o.dev};
    struct srv_handler h = srv_responder;
    h.arg = &ropts;
    return srv_run(&o, &h);
}
