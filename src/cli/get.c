/* get.c: 'tlskit get URL': one HTTPS request, the body streamed to stdout or a file, with a
 * progress meter, and every refusal explained. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client_opts.h"

enum {
    GO_DATA_BINARY = CO_LAST,
};

#define MAX_HEADERS 64
#define MAX_DATA (16 * 1024 * 1024) /* -d data is held in memory; files go by --data-binary */

struct get {
    struct client_cli co;
    const char *url, *method, *output;
    int head_only, include, fail, follow, silent;
    const char *headers[MAX_HEADERS + 1];
    size_t nheaders;
    struct strbuf data;
    int has_data;
    const char *data_file;
    int data_fd;

    /* output */
    int out_fd;
    int drop_body; /* --fail and a status >= 400 */
    int status;
    char out_err[512];
    /* progress meter */
    int meter;
    int64_t expected;
    uint64_t got;
    struct timespec t0, last;
    int meter_shown;
};

static void help(FILE *f)
{
    fputs("usage: tlskit get [OPTIONS] URL\n"
          "\nFetches an https:// URL (HTTP/1.1), verifying the server, and writes the body to\n"
          "stdout. A refusal is explained on stderr, with nothing on stdout.\n"
          "\nHTTP options:\n"
          "  -I, --head          send HEAD and print the response head\n"
          "  -X, --request METHOD  use METHOD instead of GET (or POST with data)\n"
          "  -d, --data DATA     send DATA as the body (POST; repeated ones joined by '&');\n"
          "                      @FILE reads FILE, without its line ends\n"
          "  --data-binary DATA  send DATA as is; @FILE streams FILE unchanged\n"
          "  -H, --header 'Name: value'  add or replace a request header (repeatable)\n"
          "  -o, --output FILE   write the body to FILE instead of stdout\n"
          "  -i, --include       print the response head before the body\n"
          "  -f, --fail          exit 1, writing no body, when the status is 400 or more\n"
          "  -L, --location      follow redirects (at most 10; never from https to http)\n"
          "  -s, --silent        no progress meter\n"
          "\nThe progress meter shows on stderr when stdout is not a terminal and stderr is.\n\n",
          f);
    client_cli_help(f);
}

/* Opens -o FILE when the first output arrives, so a refused connection leaves no file. */
static int out_open(struct get *g)
{
    if (g->out_fd >= 0) {
        return 0;
    }
    if (g->output == NULL || strcmp(g->output, "-") == 0) {
        g->out_fd = STDOUT_FILENO;
        return 0;
    }
    g->out_fd = open(g->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (g->out_fd < 0) {
        snprintf(g->out_err, sizeof(g->out_err), "cannot write the output file '%s': %s", g->output,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int out_write(struct get *g, const char *p, size_t n)
{
    if (out_open(g) != 0) {
        return -1;
    }
    if (cli_write_all(g->out_fd, p, n) != 0) {
        snprintf(g->out_err, sizeof(g->out_err), "cannot write the body to %s%s%s: %s",
                 g->out_fd == STDOUT_FILENO ? "stdout" : "'",
                 g->out_fd == STDOUT_FILENO ? "" : g->output, g->out_fd == STDOUT_FILENO ? "" : "'",
                 strerror(errno));
        return -1;
    }
    return 0;
}

static double secs_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void human(double v, char *out, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void meter_draw(struct get *g, int last)
{
    double el = secs_since(&g->t0);
    if (!last && secs_since(&g->last) < 0.25) {
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &g->last);
    char got[32], total[32], rate[32];
    human((double)g->got, got, sizeof(got));
    human(el > 0 ? (double)g->got / el : 0, rate, sizeof(rate));
    if (g->expected > 0) {
        human((double)g->expected, total, sizeof(total));
        fprintf(stderr, "\r%5.1f%%  %s of %s  %s/s  %d:%02d ",
                100.0 * (double)g->got / (double)g->expected, got, total, rate, (int)el / 60,
                (int)el % 60);
    } else {
        fprintf(stderr, "\r%s  %s/s  %d:%02d ", got, rate, (int)el / 60, (int)el % 60);
    }
    g->meter_shown = 1;
    if (last) {
        fputc('\n', stderr);
    }
}

static int on_head(void *arg, const char *raw, size_t len, const struct http_response *resp,
                   int final)
{
    struct get *g = arg;
    if (g->co.verbose) {
        const char *p = raw, *end = raw + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (n > 0 && p[n - 1] == '\r') {
                n--;
            }
            if (n > 0) {
                fprintf(stderr, "< %.*s\n", (int)n, p);
            }
            p = nl ? nl + 1 : end;
        }
    }
    if (final) {
        g->status = resp->status;
        g->drop_body = g->fail && resp->status >= 400;
    }
    if ((g->include || g->head_only) && !(final && g->drop_body)) {
        return out_write(g, raw, len);
    }
    return 0;
}

static void on_start(void *arg, int64_t expected)
{
    struct get *g = arg;
    g->expected = expected;
    clock_gettime(CLOCK_MONOTONIC, &g->t0);
    g->last = g->t0;
    g->last.tv_sec -= 1;
}

static int on_body(void *arg, const char *p, size_t n)
{
    struct get *g = arg;
    if (g->drop_body) {
        return 0;
    }
    if (out_write(g, p, n) != 0) {
        return -1;
    }
    g->got += n;
    if (g->meter) {
        meter_draw(g, 0);
    }
    return 0;
}

/* Appends one -d / --data-binary value (literal, or @FILE read whole) to the body. */
static int add_data(struct get *g, const char *arg, int binary)
{
    if (binary && arg[0] == '@') {
        if (g->has_data || g->data_file) {
            fprintf(stderr, "tlskit get: --data-binary @FILE must be the only body given\n");
            return -1;
        }
        g->data_file = arg + 1;
        g->has_data = 1;
        return 0;
    }
    if (g->data_file) {
        fprintf(stderr, "tlskit get: --data-binary @FILE must be the only body given\n");
        return -1;
    }
    if (g->has_data) {
        sb_add(&g->data, "&");
    }
    g->has_data = 1;
    if (arg[0] != '@') {
        sb_add(&g->data, "%s", arg);
        return 0;
    }
    FILE *f = fopen(arg + 1, "rb");
    if (f == NULL) {
        fprintf(stderr, "tlskit get: cannot read the data file '%s': %s\n", arg + 1,
                strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t n;
    while (g->data.len < MAX_DATA && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        size_t from = 0;
        for (size_t i = 0; i <= n; i++) { /* curl's -d @FILE drops line ends */
            if (i == n || chunk[i] == '\r' || chunk[i] == '\n') {
                sb_addn(&g->data, chunk + from, i - from);
                from = i + 1;
            }
        }
    }
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (rerr != 0) {
        fprintf(stderr, "tlskit get: cannot read the data file '%s': %s\n", arg + 1,
                strerror(rerr));
        return -1;
    }
    if (g->data.len >= MAX_DATA) {
        fprintf(stderr, "tlskit get: '%s' is too large for -d; use --data-binary @%s\n", arg + 1,
                arg + 1);
        return -1;
    }
    if (g->data.oom) {
        fprintf(stderr, "tlskit get: out of memory holding the data of '%s'\n", arg + 1);
        return -1;
    }
    return 0;
}

static int parse(struct get *g, int argc, char **argv)
{
    static const struct option opts[] = {
        CLIENT_LONG_OPTS,
        {"head", no_argument, NULL, 'I'},
        {"request", required_argument, NULL, 'X'},
        {"data", required_argument, NULL, 'd'},
        {"data-binary", required_argument, NULL, GO_DATA_BINARY},
        {"header", required_argument, NULL, 'H'},
        {"output", required_argument, NULL, 'o'},
        {"include", no_argument, NULL, 'i'},
        {"fail", no_argument, NULL, 'f'},
        {"location", no_argument, NULL, 'L'},
        {"silent", no_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":" CLIENT_SHORT_OPTS "IX:d:H:o:ifLs", opts, NULL)) !=
           -1) {
        int r = client_cli_option(&g->co, opt, optarg);
        if (r < 0) {
            return -1;
        }
        if (r > 0) {
            continue;
        }
        switch (opt) {
        case 'I':
            g->head_only = 1;
            break;
        case 'X':
            g->method = optarg;
            break;
        case 'd':
        case GO_DATA_BINARY:
            if (add_data(g, optarg, opt == GO_DATA_BINARY) != 0) {
                return -1;
            }
            break;
        case 'H':
            if (g->nheaders == MAX_HEADERS) {
                fprintf(stderr, "tlskit get: at most %d -H options are allowed\n", MAX_HEADERS);
                return -1;
            }
            for (const char *q = optarg; *q; q++) {
                if ((unsigned char)*q < 0x20 ? *q != '\t' : *q == 0x7f) {
                    fprintf(stderr,
                            "tlskit get: -H: not a valid header: it holds a line break or another "
                            "control character (byte 0x%02x), which could inject headers\n",
                            (unsigned char)*q);
                    return -1;
                }
            }
            if (strchr(optarg, ':') == NULL || optarg[0] == ':') {
                fprintf(stderr,
                        "tlskit get: -H '%s' is not a header; write it as -H 'Name: value'\n",
                        optarg);
                return -1;
            }
            g->headers[g->nheaders++] = optarg;
            break;
        case 'o':
            g->output = optarg;
            break;
        case 'i':
            g->include = 1;
            break;
        case 'f':
            g->fail = 1;
            break;
        case 'L':
            g->follow = 1;
            break;
        case 's':
            g->silent = 1;
            break;
        default:
            client_cli_bad_option(&g->co, opt, argv);
            return -1;
        }
    }
    if (g->co.help) {
        return 0;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tlskit get: %s\nusage: tlskit get [OPTIONS] URL (see --help)\n",
                optind >= argc ? "no URL given" : "only one URL may be given");
        return -1;
    }
    g->url = argv[optind];
    if (g->head_only && g->has_data) {
        fprintf(stderr, "tlskit get: -I (HEAD) sends no body; drop -d/--data-binary or -I\n");
        return -1;
    }
    return 0;
}

int cmd_get(int argc, char **argv)
{
    struct get g = {.out_fd = -1, .data_fd = -1};
    struct client c = {0};
    struct client_err e = {0};
    struct client_result res;
    struct url u;
    char uerr[URL_ERR_LEN];
    int code = -1, have_err = 0;

    client_cli_init(&g.co, "get");
    if (parse(&g, argc, argv) != 0) {
        code = EXIT_USAGE;
        goto out;
    }
    if (g.co.help) {
        help(stdout);
        code = EXIT_OK;
        goto out;
    }
    if (url_parse(g.url, &u, uerr, sizeof(uerr)) != 0) {
        client_fail(&e, TLSKIT_ERR_USAGE, "bad URL '%s': %s", g.url, uerr);
        have_err = 1;
        goto out;
    }
    if (!url_is_https(&u)) {
        client_fail(&e, TLSKIT_ERR_USAGE,
                    "'%s' is a plain-HTTP URL, and tlskit speaks only TLS; use https:// (the "
                    "server must serve TLS on that port)",
                    g.url);
        have_err = 1;
        goto out;
    }
    if (g.data_file) {
        struct stat st;
        g.data_fd = open(g.data_file, O_RDONLY | O_CLOEXEC);
        if (g.data_fd < 0 || fstat(g.data_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            client_fail(&e, TLSKIT_ERR_USAGE, "cannot send '%s' with --data-binary: %s",
                        g.data_file, g.data_fd < 0 ? strerror(errno) : "not a regular file");
            have_err = 1;
            goto out;
        }
    }
    if (g.has_data) {
        int has_ct = 0;
        for (size_t i = 0; i < g.nheaders; i++) {
            has_ct |= strncasecmp(g.headers[i], "Content-Type:", 13) == 0;
        }
        if (!has_ct) {
            g.headers[g.nheaders++] = "Content-Type: application/x-www-form-urlencoded";
        }
    }
    /* As curl: a meter when the body does not go to the terminal and stderr does. */
    int to_file = g.output != NULL && strcmp(g.output, "-") != 0;
    g.meter =
        !g.silent && (to_file || !isatty(STDOUT_FILENO)) && isatty(STDERR_FILENO) && !g.head_only;
    if (g.data.oom) {
        client_fail(&e, TLSKIT_ERR_USAGE, "out of memory holding the -d data");
        have_err = 1;
        goto out;
    }
    if (client_init(&c, &g.co.tls, &e) != 0) {
        have_err = 1;
        goto out;
    }
    client_cli_warnings(&g.co, &c);
    struct client_request req = {
        .method = g.head_only ? "HEAD" : g.method,
        .headers = g.headers,
        .nheaders = g.nheaders,
        .data = g.data.p ? g.data.p : "",
        .data_len = g.data.len,
        .data_fd = g.data_fd,
        .data_name = g.data_file,
        .has_body = g.has_data,
        .follow = g.follow,
    };
    struct client_sink sink = {.head = on_head, .body = on_body, .start = on_start, .arg = &g};
    if (g.co.verbose) {
        fprintf(stderr, "* %s %s\n", req.method ? req.method : g.has_data ? "POST" : "GET", g.url);
    }
    int r = client_fetch(&c, &u, &req, &sink, &res, &e);
    if (g.meter && g.meter_shown) {
        meter_draw(&g, 1);
    }
    if (g.co.json) {
        char num[64];
        snprintf(num, sizeof(num), "%d", res.status);
        client_cli_json_raw(&g.co, "http_status", num);
        snprintf(num, sizeof(num), "%llu", (unsigned long long)res.body_bytes);
        client_cli_json_raw(&g.co, "body_bytes", num);
        snprintf(num, sizeof(num), "%d", res.redirects);
        client_cli_json_raw(&g.co, "redirects", num);
        client_cli_json_str(&g.co, "url", res.url);
    }
    if (r != 0) {
        if (g.out_err[0]) {
            snprintf(e.msg, sizeof(e.msg), "%s", g.out_err);
            e.kind = g.out_fd < 0 ? TLSKIT_ERR_USAGE : TLSKIT_ERR_IO;
        }
        have_err = 1;
        goto out;
    }
    if (g.out_fd < 0 && (g.include || g.head_only || res.body_bytes > 0)) {
        out_open(&g); /* an empty body still makes an empty -o file */
    } else if (g.out_fd < 0 && g.output && !g.drop_body && out_open(&g) != 0) {
        snprintf(e.msg, sizeof(e.msg), "%s", g.out_err);
        e.kind = TLSKIT_ERR_USAGE;
        have_err = 1;
        goto out;
    }
    if (res.unclean_eof && !g.silent) {
        fprintf(stderr,
                "tlskit get: warning: %s ended the body by closing the connection "
                "without close_notify; the body may be truncated\n",
                res.url);
    }
    if (g.drop_body) {
        client_fail(&e, TLSKIT_ERR_NONE, "HTTP error: %s answered %d %s (--fail)", res.url,
                    res.status, http_status_reason(res.status));
        have_err = 1;
        code = EXIT_HTTP;
        goto out;
    }
    code = EXIT_OK;
out:
    code = client_cli_finish(&g.co, have_err ? &e : NULL, code);
    if (g.out_fd > STDOUT_FILENO && close(g.out_fd) != 0 && code == EXIT_OK) {
        fprintf(stderr, "tlskit get: writing '%s' failed: %s\n", g.output, strerror(errno));
        code = EXIT_IO;
    }
    if (g.data_fd >= 0) {
        close(g.data_fd);
    }
    sb_free(&g.data);
    client_free(&c);
    client_cli_free(&g.co);
    return code;
}
