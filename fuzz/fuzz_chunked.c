/* fuzz_chunked.c: libFuzzer target for the chunked decoder: any split must decode the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_chunked one, two;
    size_t split, cap, c1, p1, c2 = 0, p2 = 0, in_off, out_off;
    char *in, *out1, *out2;
    int rv1, rv2;

    if (size < 2) {
        return 0;
    }
    /* The first two bytes choose the split point and the output room of the split run. */
    split = size > 2 ? data[0] % (size - 1) : 0;
    cap = (size_t)data[1] % 17 + 1;
    data += 2;
    size -= 2;

    in = malloc(size > 0 ? size : 1);
    out1 = malloc(size > 0 ? size : 1);
    out2 = malloc(size > 0 ? size : 1);
    if (in == NULL || out1 == NULL || out2 == NULL) {
        goto done;
    }
    memcpy(in, data, size);

    /* Reference: the whole input at once, with room for all of it. */
    http_chunked_init(&one);
    rv1 = http_chunked_decode(&one, in, size, out1, size, &c1, &p1);

    /* Two pieces split at a data-derived point, drained through a small output buffer. */
    http_chunked_init(&two);
    in_off = 0;
    out_off = 0;
    rv2 = 0;
    while (rv2 == 0) {
        size_t end = in_off < split ? split : size;
        size_t c, p, room = size - out_off < cap ? size - out_off : cap;

        rv2 = http_chunked_decode(&two, in + in_off, end - in_off, out2 + out_off, room, &c, &p);
        in_off += c;
        out_off += p;
        if (rv2 == 0 && c == 0 && p == 0 && in_off == end) {
            if (end == size) {
                break; /* all input used, the body is unfinished */
            }
        } else if (rv2 == 0 && c == 0 && p == 0) {
            abort(); /* no progress with input and room left */
        }
    }
    c2 = in_off;
    p2 = out_off;

    if (rv1 != rv2 || p1 != p2 || memcmp(out1, out2, p1) != 0) {
        abort();
    }
    if (rv1 != HTTP_CHUNKED_DONE && rv1 >= 0 && c1 != size) {
        abort(); /* waiting with room to spare means every byte was taken */
    }
    if (rv1 == HTTP_CHUNKED_DONE && c1 != c2) {
        abort();
    }
    if (rv1 >= 0 && one.total != p1) {
        abort();
    }

    /* In place: out may be the input buffer itself. */
    http_chunked_init(&two);
    rv2 = http_chunked_decode(&two, in, size, in, size, &c2, &p2);
    if (rv2 != rv1 || p2 != p1 || memcmp(in, out1, p1) != 0) {
        abort();
    }
done:
    free(in);
    free(out1);
    free(out2);
    return 0;
}
