/* main.c: the tlskit command: dispatches to a subcommand and documents the exit codes. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cli_exit_for(enum tlskit_error_kind kind)
{
    switch (kind) {
    case TLSKIT_ERR_NONE:
        return EXIT_OK;
    case TLSKIT_ERR_USAGE:
    case TLSKIT_ERR_CONFIG:
        return EXIT_USAGE;
    case TLSKIT_ERR_RESOLVE:
    case TLSKIT_ERR_CONNECT:
        return EXIT_CONNECT;
    case TLSKIT_ERR_HANDSHAKE:
        return EXIT_HANDSHAKE;
    case TLSKIT_ERR_VERIFY:
        return EXIT_VERIFY;
    case TLSKIT_ERR_TIMEOUT:
        return EXIT_TIMEOUT;
    case TLSKIT_ERR_IO:
    default:
        return EXIT_IO;
    }
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    /* subcommands: name, entry point, one line of help */
    {"get", cmd_get, "fetch an https:// URL, verifying the server, and explain any refusal"},
    {"connect", cmd_connect, "a verified TLS connection between stdin/stdout and HOST:PORT"},
    {"serve", cmd_serve, "an HTTPS server answering with the client's address (multi-core)"},
    {"cert", cmd_cert, "issue certificates from the local development CA"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tlskit COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    }
    fprintf(f, "  %-9s %s\n", "version", "print the versions of tlskit and OpenSSL");
    fprintf(f, "\n'tlskit COMMAND --help' describes each command's options.\n"
               "\nexit codes:\n"
               "  0  success\n"
               "  1  HTTP status >= 400 (with --fail)\n"
               "  2  usage or configuration error\n"
               "  3  could not resolve or connect\n"
               "  4  TLS handshake failed (version, cipher, alert, not TLS)\n"
               "  5  certificate verification failed\n"
               "  6  timed out\n"
               "  7  the connection broke, or the peer did not speak HTTP\n");
}

int main(int argc, char **argv)
{
    /* Writes to a closed peer return EPIPE instead of killing us. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("%s\n", tlskit_version());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "tlskit: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
