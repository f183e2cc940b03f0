/* cursor.h: the bounds-checked cursor through which the HTTP and URL parsers read peer bytes. */
#ifndef TLSKIT_HTTP_CURSOR_H
#define TLSKIT_HTTP_CURSOR_H

#include <stddef.h>
#include <string.h>

/*
 * A cursor is (data, length, read offset) with the invariant off <= len; every accessor keeps it.
 * Parsers never index the buffer themselves, so a malformed message can only make a read
 * return -1 ("no byte here"), never step past the end. [STYLE 3: s2n stuffer]
 */
struct http_cur {
    const unsigned char *p;
    size_t len;
    size_t off;
};

static inline void http_cur_init(struct http_cur *c, const void *p, size_t len)
{
    c->p = p;
    c->len = p != NULL ? len : 0;
    c->off = 0;
}

/* Bytes not yet read. */
static inline size_t http_cur_left(const struct http_cur *c)
{
    return c->len - c->off;
}

/* The byte i places ahead of the read offset, or -1 when there is none. */
static inline int http_cur_peek_at(const struct http_cur *c, size_t i)
{
    if (i >= http_cur_left(c)) {
        return -1;
    }
    return c->p[c->off + i];
}

/* The byte at absolute offset i (behind or ahead of the read position), or -1 past the end. */
static inline int http_cur_at(const struct http_cur *c, size_t i)
{
    if (i >= c->len) {
        return -1;
    }
    return c->p[i];
}

/* The next byte, or -1 at the end; does not move. */
static inline int http_cur_peek(const struct http_cur *c)
{
    return http_cur_peek_at(c, 0);
}

/* Reads one byte, or returns -1 at the end without moving. */
static inline int http_cur_get(struct http_cur *c)
{
    int ch = http_cur_peek(c);

    if (ch >= 0) {
        c->off++;
    }
    return ch;
}

/* Moves n bytes ahead, stopping at the end. */
static inline void http_cur_skip(struct http_cur *c, size_t n)
{
    size_t left = http_cur_left(c);

    c->off += n < left ? n : left;
}

/* Consumes ch if it is the next byte; returns 1 if it did. */
static inline int http_cur_eat(struct http_cur *c, int ch)
{
    if (http_cur_peek(c) != ch) {
        return 0;
    }
    c->off++;
    return 1;
}

/* Consumes the exact bytes of s if they come next; returns 1 if they did. */
static inline int http_cur_eat_str(struct http_cur *c, const char *s)
{
    size_t n = strlen(s);

    if (n > http_cur_left(c) || memcmp(c->p + c->off, s, n) != 0) {
        return 0;
    }
    c->off += n;
    return 1;
}

/* Pointer to the read position (valid for http_cur_left() bytes), NULL for an empty cursor. */
static inline const char *http_cur_ptr(const struct http_cur *c)
{
    /* NULL + 0 is undefined in C, so an empty cursor over NULL stays NULL. */
    if (c->p == NULL) {
        return NULL;
    }
    return (const char *)c->p + c->off;
}

/* Offset from the read position of the first ch, in *at; returns 0 when there is none. */
static inline int http_cur_find(const struct http_cur *c, int ch, size_t *at)
{
    const unsigned char *hit;

    if (http_cur_left(c) == 0) {
        return 0;
    }
    hit = memchr(c->p + c->off, ch, http_cur_left(c));
    if (hit == NULL) {
        return 0;
    }
    *at = (size_t)(hit - (c->p + c->off));
    return 1;
}

/* A new cursor over the next n bytes (fewer if fewer are left); c does not move. */
static inline struct http_cur http_cur_sub(const struct http_cur *c, size_t n)
{
    struct http_cur s;
    size_t left = http_cur_left(c);

    s.p = c->p != NULL ? c->p + c->off : NULL;
    s.len = n < left ? n : left;
    s.off = 0;
    return s;
}

#endif
