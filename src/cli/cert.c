/* cert.c: 'tlskit cert': issues certificate bundles from the development CA, and prints where
 * that CA's certificate is. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tlskit cert [--days N] [--ecdsa|--rsa] [--out FILE] NAME...\n"
            "       tlskit cert --ca-path\n"
            "\n"
            "Issues one bundle (key, certificate, intermediate: the order 'tlskit serve --cert'\n"
            "reads) for the host names and IP addresses NAME... from the development CA under\n"
            "$TLSKIT_HOME (default ~/.local/share/tlskit), made on first use.\n"
            "\n"
            "  --days N     validity (default 365)\n"
            "  --ecdsa      ECDSA P-256 key (default)\n"
            "  --rsa        RSA 2048 key\n"
            "  --out FILE   where to write the bundle (default NAME.pem, private)\n"
            "  --ca-path    print the CA certificate's path (for --cafile, curl --cacert)\n");
}

int cmd_cert(int argc, char **argv)
{
    enum { O_DAYS = 256, O_ECDSA, O_RSA, O_OUT, O_CA_PATH };
    static const struct option longopts[] = {
        {"days", required_argument, NULL, O_DAYS},
        {"ecdsa", no_argument, NULL, O_ECDSA},
        {"rsa", no_argument, NULL, O_RSA},
        {"out", required_argument, NULL, O_OUT},
        {"ca-path", no_argument, NULL, O_CA_PATH},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int days = 365, rsa = 0, ca_path = 0, c;
    const char *out = NULL;
    char home[4096], err[1024], ca[4200];
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end;
        long n;
        switch (c) {
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case O_DAYS:
            n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > 3650) {
                fprintf(stderr, "tlskit cert: --days %s: give a number of days from 1 to 3650\n",
                        optarg);
                return EXIT_USAGE;
            }
            days = (int)n;
            break;
        case O_ECDSA:
            rsa = 0;
            break;
        case O_RSA:
            rsa = 1;
            break;
        case O_OUT:
            out = optarg;
            break;
        case O_CA_PATH:
            ca_path = 1;
            break;
        default:
            fprintf(stderr, "tlskit cert: unknown option or missing value: %s\n\n",
                    argv[optind - 1]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (devca_home(home, sizeof(home), err, sizeof(err)) != 0 ||
        devca_ensure(home, ca, sizeof(ca), err, sizeof(err)) != 0) {
        fprintf(stderr, "tlskit cert: %s\n", err);
        return EXIT_USAGE;
    }
    if (ca_path) {
        printf("%s\n", ca);
        return EXIT_OK;
    }
    if (optind >= argc) {
        fprintf(stderr, "tlskit cert: give at least one host name or IP address\n\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    char def[512];
    if (out == NULL) {
        /* "*.example.test" becomes "_.example.test.pem": no glob characters in file names. */
        snprintf(def, sizeof(def), "%s.pem", argv[optind]);
        for (char *p = def; *p; p++) {
            if (*p == '*' || *p == '/' || *p == ':') {
                *p = '_';
            }
        }
        out = def;
    }
    if (devca_issue(home, (const char *const *)(argv + optind), (size_t)(argc - optind), days, rsa,
                    out, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlskit cert: %s\n", err);
        return EXIT_USAGE;
    }
    printf("%s\n", out);
    fprintf(stderr, "tlskit cert: wrote %s (key, certificate, intermediate); clients trust %s\n",
            out, ca);
    return EXIT_OK;
}
