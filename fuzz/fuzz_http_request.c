/* fuzz_http_request.c: libFuzzer target for the request head parser, with streaming invariants. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request req, again;
    size_t max_head = 4096, i;
    int rv, rv2;

    char *copy = fuzz_copy(data, size);
    if (copy == NULL) {
        return 0;
    }

    rv = http_parse_request(copy, size, max_head, &req);
    if (rv > (int)size || (rv > 0 && (size_t)rv > max_head)) {
        abort();
    }
    if (rv < 0 && req.error == NULL) {
        abort(); /* every failure says why */
    }
    if (rv > 0) {
        check_slice(req.method, copy, size);
        check_slice(req.target, copy, size);
        check_slice(req.host, copy, size);
        if (req.num_headers > HTTP_MAX_HEADERS) {
            abort();
        }
        for (i = 0; i < req.num_headers; i++) {
            check_slice(req.headers[i].name, copy, size);
            check_slice(req.headers[i].value, copy, size);
        }
        if (req.chunked && req.content_length >= 0) {
            abort();
        }
        /* The head alone gives the same result, and the head minus one byte asks for more. */
        rv2 = http_parse_request(copy, (size_t)rv, max_head, &again);
        if (rv2 != rv) {
            abort();
        }
        rv2 = http_parse_request(copy, (size_t)rv - 1, max_head, &again);
        if (rv2 != 0) {
            abort();
        }
    } else if (rv == 0 && size > 0) {
        /* Waiting on a prefix must not turn into an answer for a shorter prefix. */
        rv2 = http_parse_request(copy, size - 1, max_head, &again);
        if (rv2 != 0) {
            abort();
        }
    }
    free(copy);
    return 0;
}
