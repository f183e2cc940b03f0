/* cli.h: what the subcommands of the tlskit command share: exit codes and their entry points. */
#ifndef TLSKIT_CLI_H
#define TLSKIT_CLI_H

#include "tlskit.h"

/* Exit codes, documented in 'tlskit --help' and tlskit(1). */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_HTTP = 1,      /* HTTP status >= 400 with --fail */
    EXIT_USAGE = 2,     /* usage or configuration error */
    EXIT_CONNECT = 3,   /* could not resolve or connect */
    EXIT_HANDSHAKE = 4, /* TLS handshake failed: version, cipher, alert */
    EXIT_VERIFY = 5,    /* certificate verification failed */
    EXIT_TIMEOUT = 6,   /* timed out */
    EXIT_IO = 7,        /* the connection broke, or the peer did not speak HTTP */
};

/* The exit code for an error kind. */
int cli_exit_for(enum tlskit_error_kind kind);

/* Subcommands: argv[0] is the subcommand's name. */
int cmd_get(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_cert(int argc, char **argv);

#endif
