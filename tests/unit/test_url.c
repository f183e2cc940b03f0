/* test_url.c: unit tests of src/client/url.c: parsing, errors, redirects, Host formatting. */
#include <string.h>

#include "client/url.h"
#include "t.h"

static struct url u;
static char err[URL_ERR_LEN];

static int parse(const char *s)
{
    return url_parse(s, &u, err, sizeof(err));
}

/* Parses s and checks each part; host_type is checked by the callers that care. */
static int parses_to(const char *s, const char *scheme, const char *host, unsigned port,
                     const char *path)
{
    if (parse(s) != 0) {
        printf("# %s: %s\n", s, err);
        return 0;
    }
    if (strcmp(u.scheme, scheme) != 0 || strcmp(u.host, host) != 0 || u.port != port ||
        strcmp(u.path, path) != 0) {
        printf("# %s: got %s %s %u %s\n", s, u.scheme, u.host, u.port, u.path);
        return 0;
    }
    return 1;
}

/* Parsing s fails and the message holds want. */
static void fails_with(const char *s, const char *want)
{
    char shown[64];
    size_t i;
    int rv = parse(s);

    /* The test name shows the input with its control bytes as '?', on one line. */
    for (i = 0; i < sizeof(shown) - 1 && s[i] != '\0'; i++) {
        shown[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f ? '?' : s[i];
    }
    shown[i] = '\0';
    CHECK(rv == -1, "url_parse refuses \"%s\"", shown);
    CHECK_CONTAINS(err, want, "  ... saying \"%s\"", want);
}

static void test_parse_ok(void)
{
    CHECK(parses_to("https://example.com", "https", "example.com", 443, "/"),
          "plain https URL, default port and path");
    CHECK(u.host_type == URL_HOST_NAME && url_is_https(&u), "a name, https");
    CHECK(parses_to("HTTPS://Example.COM/Path/To?Q=A", "https", "example.com", 443, "/Path/To?Q=A"),
          "scheme and host are lowercased, the path keeps its case");
    CHECK(parses_to("https://example.com:8443/x", "https", "example.com", 8443, "/x"),
          "explicit port");
    CHECK(parses_to("https://example.com:443/", "https", "example.com", 443, "/"),
          "explicit default port");
    CHECK(parses_to("https://example.com:/", "https", "example.com", 443, "/"),
          "empty port means the default");
    CHECK(parses_to("https://example.com:00443/", "https", "example.com", 443, "/"),
          "leading zeros in the port");
    CHECK(parses_to("https://h:65535/", "https", "h", 65535, "/"), "port 65535");
    CHECK(parses_to("https://h:1", "https", "h", 1, "/"), "port 1");
    CHECK(parses_to("http://example.com/", "http", "example.com", 80, "/"),
          "http parses with port 80");
    CHECK(!url_is_https(&u), "http is not https");
    CHECK(parses_to("https://192.0.2.1:444/a", "https", "192.0.2.1", 444, "/a"), "IPv4 host");
    CHECK(u.host_type == URL_HOST_IPV4, "IPv4 host type");
    CHECK(parses_to("https://0.0.0.0/", "https", "0.0.0.0", 443, "/"), "IPv4 zeros");
    CHECK(parses_to("https://[::1]/", "https", "::1", 443, "/"), "IPv6 host without brackets");
    CHECK(u.host_type == URL_HOST_IPV6, "IPv6 host type");
    CHECK(parses_to("https://[2001:DB8::1]:8443", "https", "2001:db8::1", 8443, "/"),
          "IPv6 with port, lowercased");
    CHECK(parses_to("https://[::ffff:192.0.2.1]/", "https", "::ffff:192.0.2.1", 443, "/"),
          "IPv4-mapped IPv6");
    CHECK(parses_to("https://h?x=1", "https", "h", 443, "/?x=1"), "query without a path");
    CHECK(parses_to("https://h/p?q#frag", "https", "h", 443, "/p?q"), "fragment dropped");
    CHECK(parses_to("https://h#frag", "https", "h", 443, "/"), "only a fragment");
    CHECK(parse("https://h#a b") == -1, "a space in the fragment is refused too");
    CHECK(parses_to("https://h/a/b/../c/./d", "https", "h", 443, "/a/c/d"), "dot segments removed");
    CHECK(parses_to("https://h/../../x", "https", "h", 443, "/x"), "dot segments above root");
    CHECK(parses_to("https://h/a/..", "https", "h", 443, "/"), "trailing .. gives /");
    CHECK(parses_to("https://h/a/.", "https", "h", 443, "/a/"), "trailing . keeps the slash");
    CHECK(parses_to("https://h/a?x=/../y", "https", "h", 443, "/a?x=/../y"),
          "dots in the query stay");
    CHECK(parses_to("https://h/a//b", "https", "h", 443, "/a//b"), "empty segments stay");
    CHECK(parses_to("https://h/%7e/%20", "https", "h", 443, "/%7e/%20"),
          "percent escapes are kept");
    CHECK(parses_to("https://h/caf\xc3\xa9", "https", "h", 443, "/caf%C3%A9"),
          "non-ASCII path bytes are percent-encoded");
    CHECK(parses_to("https://example.com./", "https", "example.com.", 443, "/"),
          "a trailing dot is allowed");
    CHECK(parses_to("https://my_host-1.example/", "https", "my_host-1.example", 443, "/"),
          "underscore and hyphen in names");
    CHECK(parses_to("https://123.example.com/", "https", "123.example.com", 443, "/"),
          "a numeric first label is a name");
    CHECK(url_parse_n("https://h/abc", 11, &u, err, sizeof(err)) == 0 && strcmp(u.path, "/a") == 0,
          "url_parse_n reads only len bytes");
    CHECK(url_parse("https://h", &u, NULL, 0) == 0, "a NULL error buffer is fine on success");
    CHECK(url_parse("nope", &u, NULL, 0) == -1, "a NULL error buffer is fine on failure");
    CHECK(url_default_port("https") == 443 && url_default_port("http") == 80 &&
              url_default_port("ftp") == 0,
          "default ports");
}

static void test_parse_errors(void)
{
    char long_label[128], long_host[300], long_path[URL_PATH_MAX + 64];
    size_t i, n;

    fails_with("", "empty");
    fails_with("example.com", "no scheme");
    fails_with("example.com/x", "https://example.com/x");
    fails_with("localhost:8443/x", "no scheme; write it as https://localhost:8443/x");
    fails_with("ftp://example.com/", "unsupported URL scheme \"ftp\"");
    fails_with("ftp://example.com/", "tlskit speaks https://");
    fails_with("gopher://x/", "\"gopher\"");
    fails_with("mailto:a@b", "unsupported URL scheme \"mailto\"");
    fails_with("https:example.com", "expected \"//\" after \"https:\"");
    fails_with("https:/example.com", "expected \"//\"");
    fails_with("://x", "no scheme");
    fails_with("https://user:pw@example.com/", "user name or password");
    fails_with("https://user@example.com/", "not supported");
    fails_with("https://a@b@c/", "user name or password");
    fails_with("https://example.com /", "space (character 20)");
    fails_with(" https://example.com/", "space (character 1)");
    fails_with("https://example.com/a b", "%20");
    fails_with("https://example.com/\t", "control character (0x09");
    fails_with("https://example.com/\x7f", "control character (0x7f");
    fails_with("https://example.com\r\n", "control character (0x0d");
    fails_with("https://", "no host name");
    fails_with("https:///path", "no host name");
    fails_with("https://:443/", "no host name");
    fails_with("https://?q", "no host name");
    fails_with("https://h:abc/", "port \"abc\" is not a number");
    fails_with("https://h:80a/", "not a number");
    fails_with("https://h:-1/", "not a number");
    fails_with("https://h:\x9b"
               "1/",
               "port \"?1\" is not a number");
    fails_with("caf\xc3\xa9:80", "https://caf??:80");
    fails_with("https://[::\xff]/", "\"[::?]\" is not a valid IPv6 address");
    fails_with("https://h:0/", "port 0 is out of range (1-65535)");
    fails_with("https://h:65536/", "port 65536 is out of range");
    fails_with("https://h:99999999999999999999999/", "out of range");
    fails_with("https://[::1/", "missing \"]\"");
    fails_with("https://[]/", "empty IPv6");
    fails_with("https://[fe80::1%25eth0]/", "zone identifiers");
    fails_with("https://[v1.abc]/", "IPvFuture");
    fails_with("https://[::g]/", "\"[::g]\" is not a valid IPv6 address");
    fails_with("https://[1.2.3.4]/", "not a valid IPv6 address");
    fails_with("https://[::1]x/", "unexpected characters after the IPv6 address");
    fails_with("https://[::1]:0/", "out of range");
    fails_with("https://[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]/",
               "too long");
    fails_with("https://a..b/", "empty label");
    fails_with("https://.a/", "empty label");
    fails_with("https://./", "empty label");
    fails_with("https://exa$mple.com/", "invalid character '$' in the host name");
    fails_with("https://a\\b/", "invalid character '\\'");
    fails_with("https://ex%41mple.com/", "percent-encoded host names");
    fails_with("https://b\xc3\xbc\x63her.de/", "punycode (xn--)");
    fails_with("https://1.2.3/", "\"1.2.3\" is not a valid IPv4 address");
    fails_with("https://256.1.1.1/", "not a valid IPv4 address");
    fails_with("https://01.2.3.4/", "not a valid IPv4 address");
    fails_with("https://0x7f.1/", "not a valid IPv4 address");
    fails_with("https://1.2.3.4.5/", "not a valid IPv4 address");
    fails_with("https://1.2.3.4./", "not a valid IPv4 address");
    fails_with("https://2130706433/", "not a valid IPv4 address");
    fails_with("https://example.123/", "not a valid IPv4 address");

    memset(long_label, 'a', 64);
    snprintf(long_label + 64, sizeof(long_label) - 64, ".com");
    snprintf(long_host, sizeof(long_host), "https://%s/", long_label);
    fails_with(long_host, "longer than 63 characters");
    snprintf(long_label + 63, sizeof(long_label) - 63, ".com");
    snprintf(long_host, sizeof(long_host), "https://%s/", long_label);
    CHECK(parse(long_host) == 0, "a 63-character label is fine");

    n = (size_t)snprintf(long_host, sizeof(long_host), "https://");
    for (i = 0; i < 127; i++) {
        long_host[n++] = i % 2 ? '.' : 'a';
    }
    long_host[n] = '\0';
    CHECK(parse(long_host) == 0 && strlen(u.host) == 127, "a 127-character host is fine");
    n = (size_t)snprintf(long_host, sizeof(long_host), "https://");
    for (i = 0; i < 253; i++) {
        long_host[n++] = i % 2 ? '.' : 'a';
    }
    long_host[n] = '\0';
    CHECK(parse(long_host) == 0 && strlen(u.host) == 253, "a 253-character host is fine");
    long_host[n++] = '.';
    long_host[n] = '\0';
    CHECK(parse(long_host) == 0 && strlen(u.host) == 254,
          "a 253-character host with a trailing dot is fine");
    long_host[n - 1] = 'a';
    long_host[n++] = 'a';
    long_host[n] = '\0';
    fails_with(long_host, "longer than 253 characters");
    n = (size_t)snprintf(long_host, sizeof(long_host), "https://");
    for (i = 0; i < 290; i++) {
        long_host[n++] = i % 2 ? '.' : 'a';
    }
    long_host[n] = '\0';
    fails_with(long_host, "longer than 253 characters");

    n = (size_t)snprintf(long_path, sizeof(long_path), "https://h/");
    memset(long_path + n, 'p', URL_PATH_MAX - 1);
    long_path[n + URL_PATH_MAX - 1] = '\0';
    CHECK(parse(long_path) == 0 && strlen(u.path) == URL_PATH_MAX,
          "a path of exactly URL_PATH_MAX bytes is fine");
    long_path[n + URL_PATH_MAX - 1] = 'p';
    long_path[n + URL_PATH_MAX] = '\0';
    fails_with(long_path, "longer than 8192 bytes");

    CHECK(url_parse_n("https://h/\0x", 12, &u, err, sizeof(err)) == -1,
          "a NUL inside url_parse_n's bytes is refused");
    CHECK_CONTAINS(err, "control character (0x00", "  ... as a control character");
    {
        char small[12];

        CHECK(url_parse("ftp://x", &u, small, sizeof(small)) == -1 && strlen(small) == 11,
              "a small error buffer gets a truncated, terminated message");
    }
}

static int resolves_to(const struct url *base, const char *loc, const char *want)
{
    struct url out;
    char got[URL_HOST_MAX + URL_PATH_MAX + 32];

    if (url_resolve(base, loc, strlen(loc), &out, err, sizeof(err)) != 0) {
        printf("# \"%s\": %s\n", loc, err);
        return 0;
    }
    if (url_format(&out, got, sizeof(got)) < 0 || strcmp(got, want) != 0) {
        printf("# \"%s\" gave %s, want %s\n", loc, got, want);
        return 0;
    }
    return 1;
}

static void test_resolve(void)
{
    /* RFC 3986 5.4.1 and 5.4.2, with the base http://a/b/c/d;p?q. */
    static const char *const cases[][2] = {
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g/"},
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q"},
        {"g#s", "http://a/b/c/g"},
        {"g?y#s", "http://a/b/c/g?y"},
        {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"},
        {"g;x?y#s", "http://a/b/c/g;x?y"},
        {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../", "http://a/"},
        {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g"},
        {"g#s/../x", "http://a/b/c/g"},
    };
    struct url base, other, alias;
    size_t i;

    CHECK(url_parse("http://a/b/c/d;p?q", &base, err, sizeof(err)) == 0, "resolve: base parses");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(resolves_to(&base, cases[i][0], cases[i][1]), "resolve (RFC 3986 5.4): \"%s\"",
              cases[i][0]);
    }
    CHECK(url_resolve(&base, "http:g", 6, &other, err, sizeof(err)) == -1,
          "resolve: http:g (no authority) is refused");
    CHECK_CONTAINS(err, "expected \"//\"", "  ... saying // is expected");

    CHECK(url_parse("https://example.com:8443/dir/page?x", &base, err, sizeof(err)) == 0,
          "resolve: https base parses");
    CHECK(resolves_to(&base, "https://other.example/new", "https://other.example/new"),
          "resolve: an absolute URL replaces everything");
    CHECK(resolves_to(&base, "HTTPS://Other.Example:9/n", "https://other.example:9/n"),
          "resolve: an absolute URL is normalized");
    CHECK(resolves_to(&base, "http://plain.example/", "http://plain.example/"),
          "resolve: a redirect to http:// parses (the caller refuses it)");
    CHECK(resolves_to(&base, "//cdn.example/x", "https://cdn.example/x"),
          "resolve: scheme-relative keeps https and takes the default port");
    CHECK(resolves_to(&base, "//[::1]:444/x", "https://[::1]:444/x"),
          "resolve: scheme-relative IPv6");
    CHECK(resolves_to(&base, "/abs?y", "https://example.com:8443/abs?y"),
          "resolve: absolute path keeps host and port");
    CHECK(resolves_to(&base, "rel", "https://example.com:8443/dir/rel"),
          "resolve: relative path against the base directory");
    CHECK(resolves_to(&base, "../up", "https://example.com:8443/up"), "resolve: ../up");
    CHECK(resolves_to(&base, "?z", "https://example.com:8443/dir/page?z"), "resolve: ?z");
    CHECK(resolves_to(&base, "", "https://example.com:8443/dir/page?x"), "resolve: empty");
    CHECK(resolves_to(&base, "/caf\xc3\xa9", "https://example.com:8443/caf%C3%A9"),
          "resolve: non-ASCII in a Location is percent-encoded");
    CHECK(url_resolve(&base, "/a b", 4, &other, err, sizeof(err)) == -1,
          "resolve: a space in a Location is refused");
    CHECK_CONTAINS(err, "space", "  ... saying space");
    CHECK(url_resolve(&base, "/a\r\nSet-Cookie: x", 18, &other, err, sizeof(err)) == -1,
          "resolve: CRLF in a Location is refused");
    CHECK(url_resolve(&base, "//u@evil/", 9, &other, err, sizeof(err)) == -1,
          "resolve: userinfo in a scheme-relative Location is refused");
    CHECK(url_resolve(&base, "ftp://x/", 8, &other, err, sizeof(err)) == -1,
          "resolve: another scheme is refused");
    CHECK(url_resolve(&base, "/abcdef", 4, &other, err, sizeof(err)) == 0 &&
              strcmp(other.path, "/abc") == 0,
          "resolve: only loclen bytes are read");

    alias = base;
    CHECK(url_resolve(&alias, "next", 4, &alias, err, sizeof(err)) == 0 &&
              strcmp(alias.path, "/dir/next") == 0 && alias.port == 8443,
          "resolve: out may be the base");

    CHECK(url_parse("https://h", &base, err, sizeof(err)) == 0 &&
              resolves_to(&base, "g", "https://h/g"),
          "resolve: relative against the root");
    CHECK(url_parse("https://h/a/b/", &base, err, sizeof(err)) == 0 &&
              resolves_to(&base, "g", "https://h/a/b/g"),
          "resolve: relative against a directory");
    CHECK(url_parse("https://h/a?q/r", &base, err, sizeof(err)) == 0 &&
              resolves_to(&base, "g", "https://h/g"),
          "resolve: a slash in the base query is not a directory");
}

static void test_format(void)
{
    char out[300];

    CHECK(parse("https://example.com/x") == 0 && url_host_port(&u, out, sizeof(out)) == 11 &&
              strcmp(out, "example.com") == 0,
          "host_port: default port omitted");
    CHECK(parse("https://example.com:8443/x") == 0 && url_host_port(&u, out, sizeof(out)) == 16 &&
              strcmp(out, "example.com:8443") == 0,
          "host_port: other port shown");
    CHECK(parse("http://example.com:80/") == 0 && url_host_port(&u, out, sizeof(out)) > 0 &&
              strcmp(out, "example.com") == 0,
          "host_port: http default port omitted");
    CHECK(parse("http://example.com:443/") == 0 && url_host_port(&u, out, sizeof(out)) > 0 &&
              strcmp(out, "example.com:443") == 0,
          "host_port: 443 shown for http");
    CHECK(parse("https://[::1]/") == 0 && url_host_port(&u, out, sizeof(out)) == 5 &&
              strcmp(out, "[::1]") == 0,
          "host_port: IPv6 in brackets");
    CHECK(parse("https://[::1]:8443/") == 0 && url_host_port(&u, out, sizeof(out)) > 0 &&
              strcmp(out, "[::1]:8443") == 0,
          "host_port: IPv6 with port");
    CHECK(url_host_port(&u, out, 10) == -1 && out[0] == '\0',
          "host_port: too small a buffer fails with an empty string");
    CHECK(url_host_port(&u, out, 11) == 10, "host_port: an exact buffer fits");
    CHECK(url_host_port(&u, NULL, 0) == -1, "host_port: no buffer fails");
    CHECK(parse("https://Example.com:8443/a/../b?c#d") == 0 &&
              url_format(&u, out, sizeof(out)) > 0 &&
              strcmp(out, "https://example.com:8443/b?c") == 0,
          "format: the normalized URL");
    CHECK(url_format(&u, out, 5) == -1 && out[0] == '\0', "format: too small a buffer fails");
    {
        struct url again;

        CHECK(url_format(&u, out, sizeof(out)) > 0 &&
                  url_parse(out, &again, err, sizeof(err)) == 0 &&
                  strcmp(again.host, u.host) == 0 && again.port == u.port &&
                  strcmp(again.path, u.path) == 0,
              "format: the output parses back to the same URL");
    }
}

int main(void)
{
    test_parse_ok();
    test_parse_errors();
    test_resolve();
    test_format();
    return T_DONE();
}
