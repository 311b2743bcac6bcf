/* Regressions for what the fuzz harnesses found (tests/fuzz/), run in every build,
 * also where clang/libFuzzer is missing. args.c: long bounds were round-tripped through
 * double, so LONG_MAX became 2^63 and the cast back to long was undefined (on x86 it
 * gives LONG_MIN, so every value was "out of range"). */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "core/args.h"
#include "core/op_error.h"
#include "test_util.h"

int main(void)
{
    long v[3];
    int n = 0;
    op_error_clear();
    int s = op_parse_long_list("--sizes", "5,-7,9223372036854775807", LONG_MIN, LONG_MAX, v, 3, &n);
    CHECK(s == OP_OK && n == 3 && v[0] == 5 && v[1] == -7 && v[2] == LONG_MAX,
          "long list with bounds LONG_MIN..LONG_MAX (%s)", s ? op_error_message() : "ok");
    op_error_clear();
    /* bounds above 2^53 are exact now: 2^53 + 1 is the max and 2^53 + 2 is out */
    s = op_parse_long_list("--n", "9007199254740993", 0, 9007199254740993L, v, 1, &n);
    CHECK(s == OP_OK && v[0] == 9007199254740993L, "2^53+1 accepted with max 2^53+1");
    op_error_clear();
    s = op_parse_long_list("--n", "9007199254740994", 0, 9007199254740993L, v, 1, &n);
    CHECK(s == OP_EUSAGE, "2^53+2 rejected with max 2^53+1");
    op_error_clear();

    long count = -1;
    uint64_t seed = 0;
    op_arg spec[] = {
        {"count", OP_ARG_INT, &count, 0, (double)LONG_MAX, "count", 0},
        {"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "seed", 0},
    };
    char a0[] = "--count", a1[] = "123456789012", a2[] = "--seed=4000000000000000000";
    char *argv[] = {a0, a1, a2};
    s = op_args_parse("t", 3, argv, spec, 2, NULL, NULL, 0);
    CHECK(s == OP_OK && count == 123456789012L && seed == 4000000000000000000ULL,
          "flags with max LONG_MAX / UINT64_MAX accept large values (%s)", s ? op_error_message() : "ok");
    op_error_clear();
    char b0[] = "--count=-1";
    char *argv2[] = {b0};
    s = op_args_parse("t", 1, argv2, spec, 2, NULL, NULL, 0);
    CHECK(s == OP_EUSAGE && strstr(op_error_message(), "--count -1 is out of range"), "min still applies (%s)",
          op_error_message());
    op_error_clear();
    return test_summary("test_data_fuzz_regress");
}
