/* test_client.c: the client core's pure parts: --resolve entries and the option checks that
 * refuse contradictions before any connection is tried. */
#include <string.h>
#include <sys/socket.h>

#include "client/client.h"
#include "t.h"

static void test_resolve(void)
{
    struct client_tls_opts o = {0};
    struct client_err e = {0};
    char a[64];
    o.resolve[0] = "example.com:443:127.0.0.1";
    o.resolve[1] = "v6.example:8443:[::1]";
    o.resolve[2] = "*:9000:10.0.0.1";
    o.resolve[3] = "bare6.example:443:2001:db8::1";
    o.nresolve = 4;
    CHECK(client_resolve_lookup(&o, "example.com", 443, a, sizeof(a), &e) == 1 &&
              strcmp(a, "127.0.0.1") == 0,
          "--resolve HOST:PORT:ADDR matches");
    CHECK(client_resolve_lookup(&o, "EXAMPLE.com", 443, a, sizeof(a), &e) == 1,
          "--resolve host matches case-insensitively");
    CHECK(client_resolve_lookup(&o, "example.com", 444, a, sizeof(a), &e) == 0,
          "--resolve port must match");
    CHECK(client_resolve_lookup(&o, "v6.example", 8443, a, sizeof(a), &e) == 1 &&
              strcmp(a, "::1") == 0,
          "--resolve [v6] loses its brackets");
    CHECK(client_resolve_lookup(&o, "any.example", 9000, a, sizeof(a), &e) == 1 &&
              strcmp(a, "10.0.0.1") == 0,
          "--resolve '*' matches any host");
    CHECK(client_resolve_lookup(&o, "bare6.example", 443, a, sizeof(a), &e) == 1 &&
              strcmp(a, "2001:db8::1") == 0,
          "--resolve bare IPv6 address");
    CHECK(client_resolve_lookup(&o, "other", 443, a, sizeof(a), &e) == 0, "no match is 0");

    static const char *const bad[] = {
        "example.com:443",         "example.com::127.0.0.1",    ":443:127.0.0.1",
        "example.com:0:127.0.0.1", "example.com:70000:1.2.3.4", "example.com:443:not-an-ip",
        "example.com:443:",        "example.com:44x:1.2.3.4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct client_tls_opts b = {0};
        b.resolve[0] = bad[i];
        b.nresolve = 1;
        memset(&e, 0, sizeof(e));
        int r = client_resolve_lookup(&b, "example.com", 443, a, sizeof(a), &e);
        CHECK(r == -1 && e.kind == TLSKIT_ERR_USAGE, "--resolve '%s' is refused", bad[i]);
        CHECK_CONTAINS(e.msg, "HOST:PORT:ADDRESS", "--resolve '%s': message shows the form",
                       bad[i]);
    }
}

static void test_init_refusals(void)
{
    struct client c;
    struct client_err e;
    struct client_tls_opts o = {0};

    o.insecure = 1;
    o.cafile = "/nonexistent/ca.pem";
    memset(&e, 0, sizeof(e));
    CHECK(client_init(&c, &o, &e) == -1 && e.kind == TLSKIT_ERR_USAGE,
          "--insecure with --cafile is refused");
    CHECK_CONTAINS(e.msg, "--cafile", "the message names --cafile");
    client_free(&c);

    memset(&o, 0, sizeof(o));
    o.insecure = 1;
    o.pinned = "sha256//AAAA";
    CHECK(client_init(&c, &o, &e) == -1, "--insecure with --pinnedpubkey is refused");
    CHECK_CONTAINS(e.msg, "--pinnedpubkey", "the message names --pinnedpubkey");
    client_free(&c);

    memset(&o, 0, sizeof(o));
    o.key = "k.pem";
    CHECK(client_init(&c, &o, &e) == -1 && e.kind == TLSKIT_ERR_USAGE, "--key without --cert");
    client_free(&c);

    memset(&o, 0, sizeof(o));
    o.min_tls = "1.0";
    CHECK(client_init(&c, &o, &e) == -1 && e.kind == TLSKIT_ERR_CONFIG,
          "--min-tls 1.0 is a configuration error");
    client_free(&c);

    memset(&o, 0, sizeof(o));
    o.cafile = "/nonexistent/ca.pem";
    CHECK(client_init(&c, &o, &e) == -1 && e.kind != TLSKIT_ERR_NONE, "a missing CA file");
    CHECK_CONTAINS(e.msg, "/nonexistent/ca.pem", "the message names the CA file");
    client_free(&c);

    memset(&o, 0, sizeof(o));
    o.insecure = 1;
    o.family = AF_INET;
    CHECK(client_init(&c, &o, &e) == 0 && c.ctx != NULL, "--insecure alone builds a context");
    client_free(&c);
    client_free(&c); /* twice is harmless */
}

int main(void)
{
    test_resolve();
    test_init_refusals();
    return T_DONE();
}
