/* Minimal test harness: CHECK(cond, fmt, ...) prints one line per failure (and
 * per pass with TEST_VERBOSE=1); test_summary prints "N passed, N failed". */
#ifndef OP_TEST_UTIL_H
#define OP_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

static int test_pass_, test_fail_;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (cond) {                                                       \
            test_pass_++;                                                 \
            if (getenv("TEST_VERBOSE")) {                                 \
                printf("ok   %s:%d: ", __FILE__, __LINE__);               \
                printf(__VA_ARGS__);                                      \
                printf("\n");                                             \
            }                                                             \
        } else {                                                          \
            test_fail_++;                                                 \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                   \
            printf(__VA_ARGS__);                                          \
            printf("\n");                                                 \
        }                                                                 \
    } while (0)

static inline int test_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, test_pass_, test_fail_);
    return test_fail_ ? 1 : 0;
}

#endif
