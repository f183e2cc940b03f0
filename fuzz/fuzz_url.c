/* fuzz_url.c: libFuzzer target for url_parse and url_resolve, with round-trip invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const struct url *u)
{
    char text[URL_HOST_MAX + URL_PATH_MAX + 32];
    struct url again;
    char err[URL_ERR_LEN];

    if (u->port < 1 || u->port > 65535 || u->host[0] == '\0' || u->path[0] != '/' ||
        strlen(u->host) > URL_HOST_MAX || strlen(u->path) > URL_PATH_MAX) {
        abort();
    }
    /* Formatting and parsing again gives the same URL. */
    if (url_format(u, text, sizeof(text)) < 0) {
        abort();
    }
    if (url_parse(text, &again, err, sizeof(err)) != 0) {
        abort();
    }
    if (strcmp(again.scheme, u->scheme) != 0 || strcmp(again.host, u->host) != 0 ||
        again.port != u->port || strcmp(again.path, u->path) != 0 ||
        again.host_type != u->host_type) {
        abort();
    }
    if (url_host_port(u, text, sizeof(text)) < 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct url u, base, out;
    char err[URL_ERR_LEN];
    char *copy = malloc(size + 1);

    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';

    err[0] = 'x';
    if (url_parse_n(copy, size, &u, err, sizeof(err)) == 0) {
        check_url(&u);
    } else if (err[0] == '\0' || err[0] == 'x') {
        abort(); /* every failure says why */
    }

    /* The same bytes as a redirect Location against a fixed base. */
    if (url_parse("https://example.com:8443/a/b/c?q", &base, err, sizeof(err)) != 0) {
        abort();
    }
    if (url_resolve(&base, copy, size, &out, err, sizeof(err)) == 0) {
        check_url(&out);
    }
    free(copy);
    return 0;
}
