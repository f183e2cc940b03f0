/* http.h: HTTP/1.1 messages over bytes: head parsers, chunked decoder, head writer, helpers. */
#ifndef TLSKIT_HTTP_H
#define TLSKIT_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Nothing here does I/O or allocates. Parsed results hold slices that point into the caller's
 * buffer: they stay valid as long as that buffer is neither freed nor moved nor overwritten.
 */

/* Parsers whose result must be looked at: ignoring it means acting on an unparsed message. */
#define HTTP_MUST_CHECK __attribute__((warn_unused_result))

/* Negative results of the parsers; http_err_status() gives the status a server answers with. */
#define HTTP_ERR_BAD (-1)       /* malformed message: 400 */
#define HTTP_ERR_TOO_LARGE (-2) /* head longer than allowed, or too many fields: 431 */
#define HTTP_ERR_VERSION (-3)   /* not HTTP/1.x: 505 */
#define HTTP_ERR_NOT_IMPL (-4)  /* a transfer coding we do not implement: 501 */
#define HTTP_ERR_NOT_HTTP (-5)  /* a response that does not start with "HTTP/" */

/* Field lines kept per head; a head with more is HTTP_ERR_TOO_LARGE. */
#define HTTP_MAX_HEADERS 64

/* A run of bytes inside the caller's buffer; not NUL-terminated. {NULL, 0} when absent. */
struct http_slice {
    const char *p;
    size_t len;
};

/* One field line: name as sent (compare it case-insensitively), value without surrounding OWS. */
struct http_header {
    struct http_slice name;
    struct http_slice value;
};

struct http_request {
    struct http_slice method; /* a token, case-sensitive ("GET") */
    struct http_slice target; /* request-target as sent: "/p?q", "*", "host:443", "http://..." */
    int minor_version;        /* 0 for HTTP/1.0, 1 for HTTP/1.1 (and for 1.2 to 1.9) */
    size_t num_headers;
    struct http_header headers[HTTP_MAX_HEADERS];
    int64_t content_length; /* -1 when absent */
    int chunked;            /* body uses the chunked transfer coding */
    int keep_alive;         /* connection may carry another request after this one */
    int expect_continue;    /* "Expect: 100-continue" was sent */
    struct http_slice host; /* the Host value, {NULL, 0} when absent */
    const char *error;      /* on failure, a static sentence naming the problem; else NULL */
};

struct http_response {
    int minor_version; /* 0 or 1 */
    int status;        /* 100..599 */
    struct http_slice reason;
    size_t num_headers;
    struct http_header headers[HTTP_MAX_HEADERS];
    int64_t content_length; /* -1 when absent or overridden by Transfer-Encoding */
    int chunked;            /* body uses chunked (the final transfer coding) */
    int connection_close;   /* the server will close after this response */
    const char *error;      /* on failure, a static sentence naming the problem; else NULL */
};

/*
 * Parses a request head (request line, field lines, empty line) at the start of buf.
 * Returns the head's length in bytes (> 0) once a whole head is in buf, so the body or a
 * pipelined request starts at buf + result; 0 when more bytes are needed; or HTTP_ERR_BAD,
 * HTTP_ERR_TOO_LARGE (no end within max_head bytes, or more than HTTP_MAX_HEADERS fields),
 * HTTP_ERR_VERSION or HTTP_ERR_NOT_IMPL, with req->error saying why. Call it again from the
 * start of the buffer when more bytes arrive. LF-only line ends are accepted, and empty lines
 * before the request line are skipped (RFC 9112 2.2). Refused as HTTP_ERR_BAD, each for a
 * request smuggling or splitting risk: obs-fold, whitespace before a colon, bytes outside the
 * grammar, Content-Length with Transfer-Encoding, differing or non-numeric Content-Length, a
 * missing (HTTP/1.1) or repeated Host. Any coding but chunked is HTTP_ERR_NOT_IMPL.
 * max_head is capped at INT_MAX. req's slices point into buf.
 */
HTTP_MUST_CHECK int http_parse_request(const char *buf, size_t len, size_t max_head,
                                       struct http_request *req);

/*
 * Parses a response head at the start of buf, with the same results as http_parse_request().
 * Bytes that cannot start "HTTP/" give HTTP_ERR_NOT_HTTP at once, without waiting for a whole
 * head. With both Content-Length and Transfer-Encoding, Transfer-Encoding wins and the
 * connection is marked for close (RFC 9112 6.3). resp's slices point into buf.
 */
HTTP_MUST_CHECK int http_parse_response(const char *buf, size_t len, size_t max_head,
                                        struct http_response *resp);

/* How a message body is delimited. */
enum http_body {
    HTTP_BODY_NONE,    /* no body */
    HTTP_BODY_LENGTH,  /* content_length bytes */
    HTTP_BODY_CHUNKED, /* decode with http_chunked_decode() */
    HTTP_BODY_CLOSE,   /* everything until the server closes the connection */
};

/*
 * Whether a response to a request with this method (NULL means GET) and status carries a body:
 * not for HEAD, 1xx, 204, 304, nor a 2xx to CONNECT (RFC 9110 6.4.1). Returns 1 or 0.
 */
int http_response_has_body(const char *method, int status);

/* How the body of resp, the answer to a request with this method (NULL: GET), is delimited. */
enum http_body http_response_body(const struct http_response *resp, const char *method);

/* How the body of a parsed request is delimited: NONE, LENGTH or CHUNKED. */
enum http_body http_request_body(const struct http_request *req);

/* The status a server answers a parse error with (400, 431, 505, 501), 400 for anything else. */
int http_err_status(int err);

/* A static sentence for an HTTP_ERR_* code. */
const char *http_strerror(int err);

/* 1 when the two byte runs are equal ignoring ASCII case, else 0. */
int http_casecmp_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The first field named name (case-insensitive) at index >= *pos in hdrs[0..n), or NULL.
 * When pos is not NULL, *pos is set to the index after the match, so repeated calls walk every
 * line of a repeated field; start with *pos = 0. The result points into hdrs.
 */
const struct http_header *http_find_header(const struct http_header *hdrs, size_t n,
                                           const char *name, size_t *pos);

/*
 * 1 when the comma-separated list value (RFC 9110 5.6.1) has an element equal to token,
 * ignoring ASCII case and the whitespace around elements; else 0.
 */
int http_list_has_token(const char *value, size_t len, const char *token);

/* 1 when any field named name in hdrs[0..n) has token in its comma list ("Connection: close"). */
int http_header_has_token(const struct http_header *hdrs, size_t n, const char *name,
                          const char *token);

/*
 * Streaming decoder for a chunked body (RFC 9112 7.1). Chunk extensions are ignored, trailer
 * fields are skipped, LF-only line ends are accepted. Zero the struct (or http_chunked_init)
 * before the first call; it holds no pointers and needs no cleanup.
 */
#define HTTP_CHUNK_SIZE_MAX (UINT64_C(1) << 62) /* larger chunk sizes are refused */
#define HTTP_CHUNK_LINE_MAX 4096                /* size line with its extensions */
#define HTTP_CHUNK_TRAILER_MAX 16384            /* whole trailer section */

struct http_chunked {
    int state;
    uint64_t size;     /* chunk size being read, then data bytes still to come */
    size_t line_len;   /* bytes in the current size line or in the trailer section */
    uint64_t total;    /* data bytes decoded so far */
    int err;           /* after an error, the HTTP_ERR_* code */
    const char *error; /* after an error, a static sentence naming it */
};

#define HTTP_CHUNKED_DONE 1

void http_chunked_init(struct http_chunked *st);

/*
 * Decodes in[0..inlen) into out[0..outcap), any split of the body into calls giving the same
 * output. Sets *consumed to the input bytes used and *produced to the data bytes written.
 * Returns HTTP_CHUNKED_DONE once the last chunk and trailers are read: the input after
 * *consumed then belongs to the next message. Returns 0 when it needs another call: with more
 * input if *consumed == inlen, else after the caller made room in out (it stops only when out
 * is full). Returns HTTP_ERR_BAD (bad hex, size over HTTP_CHUNK_SIZE_MAX, missing CRLF after
 * data, control bytes) or HTTP_ERR_TOO_LARGE (size line or trailers over their limits), with
 * st->error set; further calls return the same error. out may equal in (decoding in place);
 * no other overlap is allowed. out may be NULL when outcap is 0.
 */
HTTP_MUST_CHECK int http_chunked_decode(struct http_chunked *st, const char *in, size_t inlen,
                                        char *out, size_t outcap, size_t *consumed,
                                        size_t *produced);

/*
 * A head writer over a caller's buffer. Each call appends whole or not at all, returns 0 or
 * -1, and after a failure every later call fails too (check the last one, or w->failed), so a
 * head is never silently truncated. Values with CR, LF or other control bytes, and names that
 * are not tokens, fail the same way: no header injection. buf stays NUL-terminated while room
 * remains; w->len is the length written.
 */
struct http_writer {
    char *buf;
    size_t cap;
    size_t len;
    int failed;
};

void http_writer_init(struct http_writer *w, char *buf, size_t cap);

/* Appends n raw bytes. */
int http_writer_append(struct http_writer *w, const char *s, size_t n);

/* "HTTP/1.1 <status> <reason>\r\n"; status must be 100..999, unknown ones get an empty reason. */
int http_writer_status_line(struct http_writer *w, int status);

/* "<method> <target> HTTP/1.1\r\n"; method must be a token, target visible ASCII. */
int http_writer_request_line(struct http_writer *w, const char *method, const char *target);

/* "<name>: <value>\r\n". */
int http_writer_header(struct http_writer *w, const char *name, const char *value);

/* "<name>: <value>\r\n" from a slice (not necessarily NUL-terminated). */
int http_writer_header_n(struct http_writer *w, const char *name, const char *value, size_t len);

/* "Content-Length: <decimal v>\r\n". */
int http_writer_content_length(struct http_writer *w, uint64_t v);

/* The empty line that ends the head. */
int http_writer_end(struct http_writer *w);

/* The reason phrase for a status (RFC 9110 15), "" for an unknown one; static, never NULL. */
const char *http_status_reason(int status);

#define HTTP_DATE_LEN 30 /* "Sun, 06 Nov 1994 08:49:37 GMT" and its NUL */

/*
 * Writes t as an IMF-fixdate (RFC 9110 5.6.7) into out, NUL-terminated, independent of the
 * locale. Returns 0, or -1 when t is outside years 0000..9999, which writes the epoch instead.
 */
int http_date(time_t t, char out[HTTP_DATE_LEN]);

#endif
