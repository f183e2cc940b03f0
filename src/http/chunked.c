/* chunked.c: the streaming decoder for chunked message bodies (RFC 9112 7.1). */
#include "http/http.h"

#include <string.h>

#include "http/cursor.h"

/*
 * One state per place in the grammar, so a call may stop after any byte and the next call
 * goes on from there: the decoder never needs to look back at earlier input.
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 */
enum {
    ST_SIZE_FIRST = 0, /* the first hex digit of a size (the zeroed struct starts here) */
    ST_SIZE,           /* more hex digits */
    ST_SIZE_WS,        /* BWS after the size, which must lead to ";" */
    ST_EXT,            /* chunk extensions, ignored up to the line end */
    ST_SIZE_LF,        /* CR seen at the end of the size line */
    ST_DATA,           /* chunk data */
    ST_DATA_CR,        /* the line end after the data */
    ST_DATA_LF,
    ST_TRAILER_START, /* the start of a trailer line, or of the final empty line */
    ST_TRAILER_LINE,  /* inside a trailer field line, skipped */
    ST_TRAILER_LF,
    ST_END_LF, /* CR of the final empty line seen */
    ST_DONE,
    ST_ERROR,
};

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Bytes allowed inside extensions and trailer lines: HTAB, SP, VCHAR, obs-text. */
static int is_line_byte(int ch)
{
    return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

void http_chunked_init(struct http_chunked *st)
{
    memset(st, 0, sizeof(*st));
}

static int fail(struct http_chunked *st, int err, const char *why)
{
    st->state = ST_ERROR;
    st->error = why;
    st->err = err; /* later calls give the same error again */
    return err;
}

/* The size line ended: data follows, or for size 0 the trailer section. */
static void size_line_done(struct http_chunked *st)
{
    st->line_len = 0;
    st->state = st->size == 0 ? ST_TRAILER_START : ST_DATA;
}

/* Takes one framing byte (anything but chunk data); returns 0 or an error. */
static int step(struct http_chunked *st, int ch)
{
    int d;

    switch (st->state) {
    case ST_SIZE_FIRST:
    case ST_SIZE:
        d = hex_value(ch);
        if (d >= 0) {
            /* size * 16 + d must stay <= 2^62, so the sum can never wrap a uint64_t. */
            if (st->size > (HTTP_CHUNK_SIZE_MAX - (uint64_t)d) / 16) {
                return fail(st, HTTP_ERR_BAD, "chunk size too large");
            }
            st->size = st->size * 16 + (uint64_t)d;
            st->state = ST_SIZE;
            break;
        }
        if (st->state == ST_SIZE_FIRST) {
            return fail(st, HTTP_ERR_BAD, "chunk size is not a hex number");
        }
        if (ch == ';') {
            st->state = ST_EXT;
        } else if (ch == ' ' || ch == '\t') {
            st->state = ST_SIZE_WS;
        } else if (ch == '\r') {
            st->state = ST_SIZE_LF;
        } else if (ch == '\n') {
            size_line_done(st);
            return 0;
        } else {
            return fail(st, HTTP_ERR_BAD, "chunk size is not a hex number");
        }
        break;
    case ST_SIZE_WS:
        /* BWS is allowed only before ";" (RFC 9112 7.1.1); "5 \r\n" is refused. */
        if (ch == ';') {
            st->state = ST_EXT;
        } else if (ch != ' ' && ch != '\t') {
            return fail(st, HTTP_ERR_BAD, "whitespace after chunk size");
        }
        break;
    case ST_EXT:
        if (ch == '\r') {
            st->state = ST_SIZE_LF;
        } else if (ch == '\n') {
            size_line_done(st);
            return 0;
        } else if (!is_line_byte(ch)) {
            return fail(st, HTTP_ERR_BAD, "control character in chunk extension");
        }
        break;
    case ST_SIZE_LF:
        if (ch != '\n') {
            return fail(st, HTTP_ERR_BAD, "CR without LF in chunk size line");
        }
        size_line_done(st);
        return 0;
    case ST_DATA_CR:
        if (ch == '\r') {
            st->state = ST_DATA_LF;
        } else if (ch == '\n') {
            st->state = ST_SIZE_FIRST;
        } else {
            return fail(st, HTTP_ERR_BAD, "missing CRLF after chunk data");
        }
        return 0;
    case ST_DATA_LF:
        if (ch != '\n') {
            return fail(st, HTTP_ERR_BAD, "missing CRLF after chunk data");
        }
        st->state = ST_SIZE_FIRST;
        return 0;
    case ST_TRAILER_START:
        if (ch == '\r') {
            st->state = ST_END_LF;
            return 0;
        }
        if (ch == '\n') {
            st->state = ST_DONE;
            return 0;
        }
        st->state = ST_TRAILER_LINE;
        /* The first byte of a trailer line is checked like the rest of it. */
        if (!is_line_byte(ch)) {
            return fail(st, HTTP_ERR_BAD, "control character in trailer");
        }
        break;
    case ST_TRAILER_LINE:
        if (ch == '\r') {
            st->state = ST_TRAILER_LF;
        } else if (ch == '\n') {
            st->state = ST_TRAILER_START;
        } else if (!is_line_byte(ch)) {
            return fail(st, HTTP_ERR_BAD, "control character in trailer");
        }
        break;
    case ST_TRAILER_LF:
        if (ch != '\n') {
            return fail(st, HTTP_ERR_BAD, "CR without LF in trailer");
        }
        st->state = ST_TRAILER_START;
        break;
    case ST_END_LF:
        if (ch != '\n') {
            return fail(st, HTTP_ERR_BAD, "CR without LF after trailers");
        }
        st->state = ST_DONE;
        return 0;
    default:
        return fail(st, HTTP_ERR_BAD, "chunked decoder in an unknown state");
    }

    /* Every byte that stays on a size line or in the trailers counts toward their limits. */
    st->line_len++;
    if (st->state >= ST_TRAILER_START && st->line_len > HTTP_CHUNK_TRAILER_MAX) {
        return fail(st, HTTP_ERR_TOO_LARGE, "chunked trailer section too large");
    }
    if (st->state < ST_DATA && st->line_len > HTTP_CHUNK_LINE_MAX) {
        return fail(st, HTTP_ERR_TOO_LARGE, "chunk size line too long");
    }
    return 0;
}

int http_chunked_decode(struct http_chunked *st, const char *in, size_t inlen, char *out,
                        size_t outcap, size_t *consumed, size_t *produced)
{
    struct http_cur c;
    size_t outlen = 0;
    int rv = 0;

    http_cur_init(&c, in, inlen);
    if (out == NULL) {
        outcap = 0;
    }
    while (st->state != ST_DONE && st->state != ST_ERROR) {
        if (st->state == ST_DATA) {
            size_t n = http_cur_left(&c);

            if (n > st->size) {
                n = (size_t)st->size;
            }
            if (n > outcap - outlen) {
                n = outcap - outlen;
            }
            if (n == 0) {
                break; /* out of input or of room */
            }
            /* memmove: out may be in itself, and out + outlen never passes the read position. */
            memmove(out + outlen, http_cur_ptr(&c), n);
            http_cur_skip(&c, n);
            outlen += n;
            st->size -= n;
            st->total += n;
            if (st->size == 0) {
                st->state = ST_DATA_CR;
            }
            continue;
        }
        if (http_cur_left(&c) == 0) {
            break;
        }
        rv = step(st, http_cur_get(&c));
        if (rv < 0) {
            break;
        }
    }
    *consumed = c.off;
    *produced = outlen;
    if (st->state == ST_ERROR) {
        return st->err;
    }
    return st->state == ST_DONE ? HTTP_CHUNKED_DONE : 0;
}
