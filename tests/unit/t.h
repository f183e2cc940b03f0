/* t.h: the smallest test harness: TAP-like lines that tests/run counts. */
#ifndef TLSKIT_T_H
#define TLSKIT_T_H

#include <stdio.h>
#include <string.h>

static int t_failed;

/* CHECK(cond, name): one test line, "ok - name" or "not ok - name (file:line)". */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        int t_c_ = (cond) ? 1 : 0; /* once: COND may have side effects */                          \
        if (t_c_) {                                                                                \
            printf("ok - ");                                                                       \
        } else {                                                                                   \
            printf("not ok - ");                                                                   \
            t_failed++;                                                                            \
        }                                                                                          \
        printf(__VA_ARGS__);                                                                       \
        if (!t_c_) {                                                                               \
            printf(" (%s:%d: %s)", __FILE__, __LINE__, #cond);                                     \
        }                                                                                          \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
    } while (0)

/* CHECK_CONTAINS(haystack, needle, name): a message holds the expected words. */
#define CHECK_CONTAINS(hay, needle, ...)                                                           \
    do {                                                                                           \
        const char *t_h_ = (hay);                                                                  \
        int t_ok_ = t_h_ != NULL && strstr(t_h_, (needle)) != NULL;                                \
        CHECK(t_ok_, __VA_ARGS__);                                                                 \
        if (!t_ok_) {                                                                              \
            printf("#   wanted \"%s\" in: %s\n", (needle), t_h_ ? t_h_ : "(null)");                \
        }                                                                                          \
    } while (0)

#define T_DONE() (t_failed ? 1 : 0)

#endif
