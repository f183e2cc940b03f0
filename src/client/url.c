/* url.c: the http(s) URL parser, redirect resolution (RFC 3986 5.2) and Host formatting. */
#include "client/url.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/cursor.h"

/* Room for a merged path before dot segments are removed: a base directory and a reference. */
#define SCRATCH_MAX (2 * URL_PATH_MAX + 2)

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

unsigned url_default_port(const char *scheme)
{
    if (strcmp(scheme, "https") == 0) {
        return 443;
    }
    if (strcmp(scheme, "http") == 0) {
        return 80;
    }
    return 0;
}

int url_is_https(const struct url *u)
{
    return strcmp(u->scheme, "https") == 0;
}

/* Spaces and control bytes are refused anywhere, the fragment included: they mean a bad paste. */
static int check_bytes(const struct http_cur *in, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < in->len; i++) {
        int ch = http_cur_at(in, i);

        if (ch == ' ') {
            return fail(err, errlen,
                        "the URL contains a space (character %zu); write spaces as %%20", i + 1);
        }
        if (ch < 0x20 || ch == 0x7f) {
            return fail(err, errlen, "the URL contains a control character (0x%02x, character %zu)",
                        (unsigned)ch, i + 1);
        }
    }
    return 0;
}

/*
 * Length of the scheme at the start of c (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"),
 * without the colon, or 0 when c does not start with one.
 */
static size_t scheme_len(const struct http_cur *c)
{
    size_t i = 0;
    int ch;

    if (!is_alpha(http_cur_peek(c))) {
        return 0;
    }
    while ((ch = http_cur_peek_at(c, i)) >= 0 &&
           (is_alpha(ch) || is_digit(ch) || ch == '+' || ch == '-' || ch == '.')) {
        i++;
    }
    return ch == ':' ? i : 0;
}

/*
 * Copies up to cap - 1 bytes of src[0..n) for an error message, each byte outside printable
 * ASCII as '?': a Location comes from the peer, and raw C1 bytes could drive a terminal.
 */
static const char *printable(char *dst, size_t cap, const char *src, size_t n)
{
    size_t i;

    for (i = 0; i < n && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)src[i];

        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[i] = '\0';
    return dst;
}

static int parse_scheme(struct http_cur *c, struct url *u, char *err, size_t errlen)
{
    size_t n = scheme_len(c);
    size_t i;
    int known = 0, slashes;
    char shown[81];

    if (n > 0 && n <= URL_SCHEME_MAX) {
        for (i = 0; i < n; i++) {
            u->scheme[i] = (char)lower(http_cur_peek_at(c, i));
        }
        u->scheme[n] = '\0';
        known = url_default_port(u->scheme) != 0;
    }
    slashes = n > 0 && http_cur_peek_at(c, n + 1) == '/' && http_cur_peek_at(c, n + 2) == '/';
    /* "localhost:8443/x" or "example.com": a host typed without a scheme, not a scheme. */
    if (n == 0 || (!slashes && !known &&
                   (http_cur_peek_at(c, n + 1) < 0 || is_digit(http_cur_peek_at(c, n + 1))))) {
        return fail(err, errlen, "the URL has no scheme; write it as https://%s",
                    printable(shown, sizeof(shown), http_cur_ptr(c), http_cur_left(c)));
    }
    if (!known) {
        return fail(err, errlen, "unsupported URL scheme \"%s\"; tlskit speaks https://",
                    printable(shown, 33, http_cur_ptr(c), n));
    }
    http_cur_skip(c, n + 1);
    if (!http_cur_eat_str(c, "//")) {
        return fail(err, errlen, "expected \"//\" after \"%s:\"", u->scheme);
    }
    return 0;
}

/* IP-literal = "[" IPv6address "]" (RFC 3986 3.2.2); zone ids and IPvFuture are refused. */
static int parse_ipv6(struct http_cur *c, struct url *u, char *err, size_t errlen)
{
    char tmp[64], shown[64];
    unsigned char addr[16];
    size_t close, i;

    http_cur_skip(c, 1); /* "[" */
    if (!http_cur_find(c, ']', &close)) {
        return fail(err, errlen, "missing \"]\" after the IPv6 address");
    }
    if (close == 0) {
        return fail(err, errlen, "empty IPv6 address in brackets");
    }
    if (lower(http_cur_peek(c)) == 'v') {
        return fail(err, errlen, "IPvFuture addresses are not supported");
    }
    if (close >= sizeof(tmp)) {
        return fail(err, errlen, "invalid IPv6 address (too long)");
    }
    for (i = 0; i < close; i++) {
        int ch = http_cur_get(c);

        if (ch == '%') {
            return fail(err, errlen, "IPv6 zone identifiers (the %%25 part) are not supported");
        }
        tmp[i] = (char)lower(ch);
    }
    tmp[close] = '\0';
    if (inet_pton(AF_INET6, tmp, addr) != 1) {
        return fail(err, errlen, "\"[%s]\" is not a valid IPv6 address",
                    printable(shown, sizeof(shown), tmp, close));
    }
    memcpy(u->host, tmp, close + 1);
    u->host_type = URL_HOST_IPV6;
    http_cur_skip(c, 1); /* "]" */
    if (http_cur_left(c) > 0 && http_cur_peek(c) != ':') {
        return fail(err, errlen, "unexpected characters after the IPv6 address");
    }
    return 0;
}

/* a.b.c.d with each part 0..255 in plain decimal: no octal-looking zeros, no hex, no shortcuts. */
static int is_dotted_quad(const char *s)
{
    int parts = 0;

    for (;;) {
        int digits = 0, v = 0;

        while (is_digit(*s)) {
            if (digits == 1 && v == 0) {
                return 0; /* a leading zero: "010" means 8 to inet_aton, 10 to people */
            }
            v = v * 10 + (*s - '0');
            if (++digits > 3 || v > 255) {
                return 0;
            }
            s++;
        }
        if (digits == 0) {
            return 0;
        }
        parts++;
        if (*s == '\0') {
            return parts == 4;
        }
        if (*s != '.' || parts == 4) {
            return 0;
        }
        s++;
    }
}

/* reg-name, limited to what DNS can resolve: letters, digits, "-", "_" and dots. */
static int parse_name(struct http_cur *c, struct url *u, char *err, size_t errlen)
{
    size_t n = 0, label = 0, last_start = 0;
    int ch, numeric_last;

    while ((ch = http_cur_peek(c)) >= 0 && ch != ':') {
        if (ch == '%') {
            return fail(err, errlen, "percent-encoded host names are not supported");
        }
        if (ch >= 0x80) {
            return fail(err, errlen,
                        "non-ASCII host names are not supported; use the punycode (xn--) form");
        }
        if (!is_alpha(ch) && !is_digit(ch) && ch != '-' && ch != '_' && ch != '.') {
            return fail(err, errlen, "invalid character '%c' in the host name", ch);
        }
        if (ch == '.') {
            if (label == 0) {
                return fail(err, errlen, "empty label (\"..\" or a leading dot) in the host name");
            }
            label = 0;
        } else {
            if (label == 0) {
                last_start = n;
            }
            if (++label > 63) {
                return fail(err, errlen, "a label of the host name is longer than 63 characters");
            }
        }
        if (n >= 253 + 1) {
            return fail(err, errlen, "the host name is longer than 253 characters");
        }
        u->host[n++] = (char)lower(ch);
        http_cur_skip(c, 1);
    }
    if (n == 0) {
        return fail(err, errlen, "the URL has no host name");
    }
    /* A trailing dot (a fully qualified name) is allowed, but counts toward no label. */
    if (n > 253 + (label == 0 ? 1u : 0u)) {
        return fail(err, errlen, "the host name is longer than 253 characters");
    }
    u->host[n] = '\0';

    /* A name whose last label is all digits is an IPv4 address, or a mistake. */
    numeric_last = 1;
    for (size_t i = last_start; i < n && u->host[i] != '.'; i++) {
        if (!is_digit(u->host[i])) {
            numeric_last = 0;
        }
    }
    if (numeric_last) {
        if (!is_dotted_quad(u->host)) {
            return fail(err, errlen, "\"%s\" is not a valid IPv4 address (write a.b.c.d)", u->host);
        }
        u->host_type = URL_HOST_IPV4;
    } else {
        u->host_type = URL_HOST_NAME;
    }
    return 0;
}

/* [ ":" *DIGIT ] after the host; an empty port means the default one (RFC 3986 6.2.3). */
static int parse_port(struct http_cur *c, struct url *u, char *err, size_t errlen)
{
    const char *text;
    size_t len;
    unsigned long v = 0;
    int ch;
    char shown[17];

    u->port = url_default_port(u->scheme);
    if (!http_cur_eat(c, ':')) {
        return 0;
    }
    text = http_cur_ptr(c);
    len = http_cur_left(c);
    if (len == 0) {
        return 0;
    }
    while ((ch = http_cur_get(c)) >= 0) {
        if (!is_digit(ch)) {
            return fail(err, errlen, "port \"%s\" is not a number",
                        printable(shown, sizeof(shown), text, len));
        }
        if (v <= 65535) {
            v = v * 10 + (unsigned long)(ch - '0');
        }
    }
    if (v == 0 || v > 65535) {
        return fail(err, errlen, "port %s is out of range (1-65535)",
                    printable(shown, sizeof(shown), text, len));
    }
    u->port = (unsigned)v;
    return 0;
}

/* authority = host [ ":" port ], without userinfo. */
static int parse_authority(struct http_cur *auth, struct url *u, char *err, size_t errlen)
{
    size_t at;
    int rv;

    if (http_cur_find(auth, '@', &at)) {
        return fail(err, errlen,
                    "URLs with a user name or password (user@host) are not supported; "
                    "tlskit does not send credentials in URLs");
    }
    if (http_cur_peek(auth) == '[') {
        rv = parse_ipv6(auth, u, err, errlen);
    } else {
        rv = parse_name(auth, u, err, errlen);
    }
    if (rv < 0) {
        return rv;
    }
    return parse_port(auth, u, err, errlen);
}

/* Length of the authority at the start of c: up to "/", "?", "#" or the end. */
static size_t authority_len(const struct http_cur *c)
{
    size_t i = 0;
    int ch;

    while ((ch = http_cur_peek_at(c, i)) >= 0 && ch != '/' && ch != '?' && ch != '#') {
        i++;
    }
    return i;
}

/* Removes the last segment and the "/" before it from out[0..o). */
static size_t pop_segment(const char *out, size_t o)
{
    while (o > 0 && out[o - 1] != '/') {
        o--;
    }
    return o > 0 ? o - 1 : 0;
}

/*
 * remove_dot_segments (RFC 3986 5.2.4) in place over b[0..len); returns the new length. The
 * output never grows faster than the input is read, so writing at o <= i is safe.
 */
static size_t remove_dot_segments(char *b, size_t len)
{
    size_t i = 0, o = 0;

    while (i < len) {
        size_t rest = len - i;
        const char *in = b + i;

        if (rest >= 3 && memcmp(in, "../", 3) == 0) {
            i += 3;
        } else if (rest >= 2 && memcmp(in, "./", 2) == 0) {
            i += 2;
        } else if (rest >= 3 && memcmp(in, "/./", 3) == 0) {
            i += 2;
        } else if (rest == 2 && memcmp(in, "/.", 2) == 0) {
            i += 1;
            b[i] = '/';
        } else if (rest >= 4 && memcmp(in, "/../", 4) == 0) {
            i += 3;
            o = pop_segment(b, o);
        } else if (rest == 3 && memcmp(in, "/..", 3) == 0) {
            i += 2;
            b[i] = '/';
            o = pop_segment(b, o);
        } else if ((rest == 1 && in[0] == '.') || (rest == 2 && memcmp(in, "..", 2) == 0)) {
            i = len;
        } else {
            if (b[i] == '/') {
                b[o++] = b[i++];
            }
            while (i < len && b[i] != '/') {
                b[o++] = b[i++];
            }
        }
    }
    return o;
}

/* Appends the bytes of c to s[*n..cap), percent-encoding those above 0x7e. */
static int append_encoded(char *s, size_t *n, size_t cap, struct http_cur *c)
{
    static const char hex[] = "0123456789ABCDEF";
    int ch;

    while ((ch = http_cur_get(c)) >= 0) {
        if (ch > 0x7e) {
            if (cap - *n < 3) {
                return -1;
            }
            s[(*n)++] = '%';
            s[(*n)++] = hex[ch >> 4];
            s[(*n)++] = hex[ch & 15];
        } else {
            if (cap - *n < 1) {
                return -1;
            }
            s[(*n)++] = (char)ch;
        }
    }
    return 0;
}

/*
 * Builds u->path from prefix (already encoded: "/" or a base directory) followed by ref
 * (a path with an optional "?query", no fragment): encodes, removes dot segments from the
 * path part only, and checks the length.
 */
static int build_path(struct url *u, const char *prefix, size_t prefix_len, struct http_cur *ref,
                      char *err, size_t errlen)
{
    char scratch[SCRATCH_MAX];
    size_t n = 0, q, path_len, query_len;
    struct http_cur s;

    if (prefix_len > sizeof(scratch)) {
        return fail(err, errlen, "the URL path is longer than %d bytes", URL_PATH_MAX);
    }
    memcpy(scratch, prefix, prefix_len);
    n = prefix_len;
    if (append_encoded(scratch, &n, sizeof(scratch), ref) < 0) {
        return fail(err, errlen, "the URL path is longer than %d bytes", URL_PATH_MAX);
    }
    http_cur_init(&s, scratch, n);
    if (!http_cur_find(&s, '?', &q)) {
        q = n;
    }
    query_len = n - q;
    path_len = remove_dot_segments(scratch, q);
    /* The path starts with "/", which dot removal keeps; "/" stands in should it ever not. */
    if ((path_len > 0 ? path_len : 1) + query_len > URL_PATH_MAX) {
        return fail(err, errlen, "the URL path is longer than %d bytes", URL_PATH_MAX);
    }
    if (path_len == 0) {
        u->path[0] = '/';
        path_len = 1;
    } else {
        memcpy(u->path, scratch, path_len);
    }
    memcpy(u->path + path_len, scratch + q, query_len);
    u->path[path_len + query_len] = '\0';
    return 0;
}

/* Cuts c at the first "#": the fragment is for the client, never sent (RFC 9110 4.2.4). */
static void drop_fragment(struct http_cur *c)
{
    size_t hash;

    if (http_cur_find(c, '#', &hash)) {
        c->len = c->off + hash;
    }
}

/* "//" authority path-abempty [ "?" query ], with u->scheme already set. */
static int parse_after_scheme(struct http_cur *c, struct url *u, char *err, size_t errlen)
{
    struct http_cur auth = http_cur_sub(c, authority_len(c));
    int rv;

    http_cur_skip(c, auth.len);
    rv = parse_authority(&auth, u, err, errlen);
    if (rv < 0) {
        return rv;
    }
    /* An empty path, or only a query, stands for "/" (RFC 9110 4.2.3). */
    if (http_cur_peek(c) == '/') {
        return build_path(u, "", 0, c, err, errlen);
    }
    return build_path(u, "/", 1, c, err, errlen);
}

static int parse_absolute(struct http_cur *c, struct url *u, char *err, size_t errlen)
{
    int rv = parse_scheme(c, u, err, errlen);

    if (rv < 0) {
        return rv;
    }
    return parse_after_scheme(c, u, err, errlen);
}

int url_parse_n(const char *s, size_t len, struct url *u, char *err, size_t errlen)
{
    struct http_cur c;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    memset(u, 0, sizeof(*u));
    http_cur_init(&c, s, len);
    if (http_cur_left(&c) == 0) {
        return fail(err, errlen, "the URL is empty");
    }
    if (check_bytes(&c, err, errlen) < 0) {
        return -1;
    }
    drop_fragment(&c);
    return parse_absolute(&c, u, err, errlen);
}

int url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
    return url_parse_n(s, s != NULL ? strlen(s) : 0, u, err, errlen);
}

int url_resolve(const struct url *base, const char *loc, size_t loclen, struct url *out, char *err,
                size_t errlen)
{
    struct url tmp;
    struct http_cur c;
    size_t q, dir;
    int rv;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    http_cur_init(&c, loc, loclen);
    if (check_bytes(&c, err, errlen) < 0) {
        return -1;
    }
    drop_fragment(&c);

    if (scheme_len(&c) > 0) {
        /* An absolute URL; a redirect to http:// parses too, and the caller decides. */
        rv = url_parse_n(http_cur_ptr(&c), http_cur_left(&c), &tmp, err, errlen);
        if (rv == 0) {
            *out = tmp;
        }
        return rv;
    }

    /* From here on the reference keeps base's scheme, and unless "//" its authority too. */
    tmp = *base;
    if (http_cur_eat_str(&c, "//")) {
        rv = parse_after_scheme(&c, &tmp, err, errlen);
    } else {
        struct http_cur bp;

        http_cur_init(&bp, base->path, strlen(base->path));
        if (!http_cur_find(&bp, '?', &q)) {
            q = bp.len;
        }
        if (http_cur_left(&c) == 0) {
            rv = 0; /* "" or "#f": the base itself */
        } else if (http_cur_peek(&c) == '?') {
            rv = build_path(&tmp, base->path, q, &c, err, errlen);
        } else if (http_cur_peek(&c) == '/') {
            rv = build_path(&tmp, "", 0, &c, err, errlen);
        } else {
            /* RFC 3986 5.2.3: everything of base's path up to its last "/". */
            dir = q;
            while (dir > 0 && base->path[dir - 1] != '/') {
                dir--;
            }
            if (dir == 0) {
                rv = build_path(&tmp, "/", 1, &c, err, errlen);
            } else {
                rv = build_path(&tmp, base->path, dir, &c, err, errlen);
            }
        }
    }
    if (rv == 0) {
        *out = tmp;
    }
    return rv;
}

/* snprintf that reports overflow as -1 and leaves an empty string behind. */
__attribute__((format(printf, 3, 4))) static int put(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (out == NULL || cap == 0) {
        return -1;
    }
    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return -1;
    }
    return n;
}

int url_host_port(const struct url *u, char *out, size_t cap)
{
    int v6 = u->host_type == URL_HOST_IPV6;

    if (u->port == url_default_port(u->scheme)) {
        return put(out, cap, "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
    }
    return put(out, cap, "%s%s%s:%u", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
}

int url_format(const struct url *u, char *out, size_t cap)
{
    char hp[URL_HOST_MAX + 16];

    if (url_host_port(u, hp, sizeof(hp)) < 0) {
        return put(out, cap, "%s", "");
    }
    return put(out, cap, "%s://%s%s", u->scheme, hp, u->path);
}
