/* fuzz_http_response.c: libFuzzer target for the response head parser and the body helpers. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_response resp, again;
    size_t max_head = 4096, i;
    int rv, rv2;
    char *copy = fuzz_copy(data, size);

    if (copy == NULL) {
        return 0;
    }
    rv = http_parse_response(copy, size, max_head, &resp);
    if (rv > (int)size || (rv < 0 && resp.error == NULL)) {
        abort();
    }
    if (rv > 0) {
        if (resp.status < 100 || resp.status > 599 || resp.num_headers > HTTP_MAX_HEADERS) {
            abort();
        }
        check_slice(resp.reason, copy, size);
        for (i = 0; i < resp.num_headers; i++) {
            check_slice(resp.headers[i].name, copy, size);
            check_slice(resp.headers[i].value, copy, size);
        }
        (void)http_response_body(&resp, "GET");
        (void)http_response_body(&resp, "HEAD");
        (void)http_header_has_token(resp.headers, resp.num_headers, "connection", "close");
        rv2 = http_parse_response(copy, (size_t)rv - 1, max_head, &again);
        if (rv2 != 0) {
            abort();
        }
    } else if (rv == 0 && size > 0) {
        rv2 = http_parse_response(copy, size - 1, max_head, &again);
        if (rv2 != 0) {
            abort();
        }
    }
    free(copy);
    return 0;
}
