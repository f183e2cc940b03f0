/* client_opts.h: the options 'tlskit get' and 'tlskit connect' share, their help text, and the
 * connection report (-v, --json, --show-certs) both print on stderr. */
#ifndef TLSKIT_CLI_CLIENT_OPTS_H
#define TLSKIT_CLI_CLIENT_OPTS_H

#include <getopt.h>
#include <stdio.h>

#include "client/client.h"

/* getopt_long ids of the shared options (short ones use their letter). */
enum {
    CO_CAFILE = 256,
    CO_CAPATH,
    CO_CRLFILE,
    CO_RESOLVE,
    CO_SERVERNAME,
    CO_MIN_TLS,
    CO_MAX_TLS,
    CO_CIPHERS,
    CO_CIPHERSUITES,
    CO_ALPN,
    CO_CERT,
    CO_KEY,
    CO_PINNED,
    CO_TIMEOUT,
    CO_JSON,
    CO_SHOW_CERTS,
    CO_INSECURE,
    CO_HELP,
    CO_LAST /* commands number their own options from here */
};

/* The struct option lines of the shared options, for a command's table. */
#define CLIENT_LONG_OPTS                                                                           \
    {"cafile", required_argument, NULL, CO_CAFILE},                                                \
        {"capath", required_argument, NULL, CO_CAPATH},                                            \
        {"crlfile", required_argument, NULL, CO_CRLFILE},                                          \
        {"resolve", required_argument, NULL, CO_RESOLVE},                                          \
        {"servername", required_argument, NULL, CO_SERVERNAME},                                    \
        {"min-tls", required_argument, NULL, CO_MIN_TLS},                                          \
        {"max-tls", required_argument, NULL, CO_MAX_TLS},                                          \
        {"ciphers", required_argument, NULL, CO_CIPHERS},                                          \
        {"ciphersuites", required_argument, NULL, CO_CIPHERSUITES},                                \
        {"alpn", required_argument, NULL, CO_ALPN}, {"cert", required_argument, NULL, CO_CERT},    \
        {"key", required_argument, NULL, CO_KEY},                                                  \
        {"pinnedpubkey", required_argument, NULL, CO_PINNED},                                      \
        {"timeout", required_argument, NULL, CO_TIMEOUT}, {"json", no_argument, NULL, CO_JSON},    \
        {"show-certs", no_argument, NULL, CO_SHOW_CERTS},                                          \
        {"insecure", no_argument, NULL, CO_INSECURE}, {"verbose", no_argument, NULL, 'v'},         \
        {"ipv4", no_argument, NULL, '4'}, {"ipv6", no_argument, NULL, '6'},                        \
    {                                                                                              \
        "help", no_argument, NULL, CO_HELP                                                         \
    }

/* The shared short options, for a command's optstring. */
#define CLIENT_SHORT_OPTS "v46hk"

/* A growable string; on allocation failure it keeps what it had and sets OOM, for the caller
 * to report rather than use a cut-short string. */
struct strbuf {
    char *p;
    size_t len, cap;
    int oom;
};
void sb_add(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends N raw bytes (NULs included), keeping the string NUL-terminated. */
void sb_addn(struct strbuf *b, const void *p, size_t n);
void sb_free(struct strbuf *b);

/* Writes all of P[0..N) to FD, retrying short writes and EINTR: 0, or -1 with errno set. */
int cli_write_all(int fd, const char *p, size_t n);

/* The run's options and report state. */
struct client_cli {
    const char *cmd; /* "get" or "connect", for messages */
    struct client_tls_opts tls;
    int verbose, json, show_certs, quiet;
    int timeout_given;
    int help;
    struct strbuf json_out; /* the JSON report's members, printed once at the end */
    struct strbuf attempts; /* JSON array members: each address tried */
    struct strbuf detail;   /* the chain summary printed after a refusal's sentence */
};

/* Sets the defaults and the report callbacks. */
void client_cli_init(struct client_cli *o, const char *cmd);
void client_cli_free(struct client_cli *o);

/* Handles shared option ID with ARG: 1 if it was one, 0 if not, -1 after printing why it
 * is wrong (exit EXIT_USAGE). */
int client_cli_option(struct client_cli *o, int id, const char *arg);

/* Prints getopt's complaint about argv[optind-1] (unknown option, missing value). */
void client_cli_bad_option(const struct client_cli *o, int opt, char **argv);

/* The shared options' help lines and the exit codes. */
void client_cli_help(FILE *f);

/* Adds "key": value pairs to the JSON report (value already JSON, or a string escaped here). */
void client_cli_json_raw(struct client_cli *o, const char *key, const char *json);
void client_cli_json_str(struct client_cli *o, const char *key, const char *s);

/*
 * Ends the run: prints the error (if E is not NULL) as the first line of stderr, then the
 * details gathered at the handshake, prints the JSON report when asked, and returns CODE (or,
 * when CODE < 0, the exit code for E's kind).
 */
int client_cli_finish(struct client_cli *o, const struct client_err *e, int code);

/* Prints config warnings (and the --insecure warning) to stderr. */
void client_cli_warnings(struct client_cli *o, const struct client *c);

#endif
