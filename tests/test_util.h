/* Minimal test harness: CHECK(cond, fmt, ...) prints one line per failure (and
 * per pass with TEST_VERBOSE=1); test_summary prints "N passed, N failed". */
#ifndef OP_TEST_UTIL_H
#define OP_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"

static int test_pass_, test_fail_;

/* Every test executable starts like the overparam binary: op_blas_init sets
 * OMP_WAIT_POLICY=passive (idle libgomp threads otherwise spin against OpenBLAS's
 * and the other tests' threads: test_nn_conv used 0.24-0.42 s CPU spinning vs 0.10 s
 * passive) and the OpenBLAS core the CPU supports (Debian's OpenBLAS misdetects it,
 * so the tests ran other sgemm kernels than the binary), by re-executing the program
 * once. It runs as an ELF constructor, before main, which glibc calls with (argc, argv,
 * envp), so no test's main needs to change. Not under valgrind: it preloads
 * vgpreload_*.so, and a re-exec would leave valgrind (the new image would run
 * unchecked); valgrind's virtual CPU has no AVX-512 anyway. */
__attribute__((constructor)) static void test_blas_init_(int argc, char **argv)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "vgpreload")) return;
    op_blas_init(argc, argv);
}

/* OP_TEST_SCALE=small: the slow tests run their reduced variant, made for the
 * sanitizer (ASan+UBSan) and valgrind runs of .ci/run, where code runs 3-50x slower.
 * A reduced variant keeps every assertion and code path of the full one and has its
 * own sizes and the tolerances measured for those sizes (each test says which);
 * never a loosened tolerance at the full size. Default (unset or "full"): full. */
static inline int test_small(void)
{
    const char *s = getenv("OP_TEST_SCALE");
    if (!s || !*s || strcmp(s, "full") == 0) return 0;
    if (strcmp(s, "small") == 0) return 1;
    fprintf(stderr, "OP_TEST_SCALE='%s' is not known; allowed: full, small\n", s);
    exit(2);
}

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
