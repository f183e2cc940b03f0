/* url.h: parsing http(s) URLs given by a user or a redirect, and formatting their parts. */
#ifndef TLSKIT_CLIENT_URL_H
#define TLSKIT_CLIENT_URL_H

#include <stddef.h>

#define URL_SCHEME_MAX 5  /* "https" */
#define URL_HOST_MAX 255  /* a DNS name is at most 253; an IPv6 literal far less */
#define URL_PATH_MAX 8192 /* path and query */
#define URL_ERR_LEN 256   /* error buffers of this size never truncate a message */

/* Results that must be looked at: a failed parse leaves the struct unspecified. */
#define URL_MUST_CHECK __attribute__((warn_unused_result))

enum url_host_type {
    URL_HOST_NAME, /* a registered name, lowercased */
    URL_HOST_IPV4, /* dotted decimal a.b.c.d */
    URL_HOST_IPV6, /* stored without the brackets */
};

/*
 * A parsed URL. Everything lives in the struct's own arrays: nothing to free, and it can be
 * copied with =. Strings are NUL-terminated.
 */
struct url {
    char scheme[URL_SCHEME_MAX + 1]; /* "https" or "http", lowercased */
    char host[URL_HOST_MAX + 1];     /* for getaddrinfo() and SNI: no brackets, no port */
    enum url_host_type host_type;
    unsigned port;               /* 1..65535; the scheme's default when the URL has none */
    char path[URL_PATH_MAX + 1]; /* request target: "/" or "/p?q", dot segments removed */
};

/*
 * Parses an absolute URL "scheme://host[:port][/path][?query][#fragment]" from the
 * NUL-terminated s. Accepts the schemes http and https (port 80 and 443 by default): only
 * https is usable by tlskit, but http is parsed so the caller can say so (url_is_https()).
 * The fragment is dropped; bytes above 0x7e in the path are percent-encoded; the path's dot
 * segments are removed (RFC 3986 5.2.4). Refuses, with a sentence in err naming the problem:
 * spaces and control bytes, user names and passwords, other schemes, empty or malformed
 * hosts, IPv6 zone ids, ports outside 1..65535, paths over URL_PATH_MAX. A host that looks
 * numeric must be a plain dotted quad: "1.2.3" or "0x7f.1" is refused rather than guessed.
 * Returns 0, or -1 with err set (when err is not NULL; errlen URL_ERR_LEN fits any message).
 * *u is fully written on success and unspecified on failure.
 */
URL_MUST_CHECK int url_parse(const char *s, struct url *u, char *err, size_t errlen);

/* url_parse() over s[0..len), which need not be NUL-terminated (a NUL inside is refused). */
URL_MUST_CHECK int url_parse_n(const char *s, size_t len, struct url *u, char *err, size_t errlen);

/*
 * Resolves a redirect target (a Location value: loc[0..loclen), not necessarily
 * NUL-terminated) against base (RFC 3986 5.2): an absolute URL, "//host/p" (base's scheme),
 * "/p", "?q", "p" or "../p" (relative to base's directory), "" or "#f" (base itself).
 * Returns 0 with *out written, or -1 with err set as for url_parse(). out may be base.
 */
URL_MUST_CHECK int url_resolve(const struct url *base, const char *loc, size_t loclen,
                               struct url *out, char *err, size_t errlen);

/* 1 when u's scheme is https. */
int url_is_https(const struct url *u);

/* The default port of a scheme ("https" 443, "http" 80), or 0 for any other. */
unsigned url_default_port(const char *scheme);

/*
 * Writes the Host header value of u into out: "host", "host:port", "[v6]" or "[v6]:port", the
 * port only when it is not the scheme's default (RFC 9110 7.2). Returns the length written
 * (without the NUL), or -1 when cap is too small (out is then an empty string if cap > 0).
 */
int url_host_port(const struct url *u, char *out, size_t cap);

/* Writes u back as "scheme://host[:port]/path" into out; returns the length or -1 as above. */
int url_format(const struct url *u, char *out, size_t cap);

#endif
