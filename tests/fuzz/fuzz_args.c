/* libFuzzer harness for the flag parser (src/core/args.c). The input bytes are split
 * into argv at NULs and newlines and parsed against two specs: a representative
 * subcommand (the kinds of flags `verify`/`train` take) and one with "unbounded"
 * ranges written as LONG_MAX / UINT64_MAX, as a caller may well write them. Every
 * string also goes through op_parse_long/double and their list forms.
 * Beyond "no crash, no sanitizer report" it checks the contract: status is OK, HELP or
 * EUSAGE; on OK every parsed value lies in its range and is finite; on error the
 * message is one non-empty line. A violation aborts, which libFuzzer reports. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/op_error.h"

#define MAX_ARGS 64

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_args: contract violated: %s (message: '%s')\n", what, op_error_message());
        abort();
    }
}

static void check_error_message(int s)
{
    if (s == OP_OK || s == OP_ARGS_HELP) return;
    require(s == OP_EUSAGE, "status is OP_OK, OP_ARGS_HELP or OP_EUSAGE");
    const char *m = op_error_message();
    require(m[0] != 0 && strcmp(m, "no error") != 0, "an error records a message");
    require(strchr(m, '\n') == NULL, "the message is one line");
}

static void parse_representative(int argc, char **argv)
{
    long epochs = -1, width = -1, threads = -1;
    double lr = NAN, ridge = NAN;
    uint64_t seed = 0;
    const char *out = NULL, *widths = NULL, *lrs = NULL;
    int quick = 0;
    op_arg spec[] = {
        {"epochs", OP_ARG_INT, &epochs, 1, 1000000, "epochs", 0},
        {"width", OP_ARG_INT, &width, 1, 1 << 20, "hidden width", 0},
        {"threads", OP_ARG_INT, &threads, 0, 1024, "threads", 0},
        {"lr", OP_ARG_DOUBLE, &lr, 1e-8, 10, "learning rate", 0},
        {"ridge", OP_ARG_DOUBLE, &ridge, 0, 1e12, "ridge", 0},
        {"seed", OP_ARG_U64, &seed, 0, 1e18, "base seed", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "output directory", 0},
        {"widths", OP_ARG_STR, &widths, 0, 0, "comma-separated widths", 0},
        {"lrs", OP_ARG_STR, &lrs, 0, 0, "comma-separated learning rates", 0},
        {"quick", OP_ARG_FLAG, &quick, 0, 0, "quick preset", 0},
    };
    int nspec = (int)(sizeof spec / sizeof spec[0]);
    const char *pos[3] = {0};
    int npos = -1;
    op_error_clear();
    int s = op_args_parse("fuzz", argc, argv, spec, nspec, pos, &npos, 3);
    check_error_message(s);
    if (s != OP_OK) return;
    require(npos >= 0 && npos <= 3, "0 <= npos <= maxpos");
    for (int i = 0; i < npos; i++) require(pos[i] && strncmp(pos[i], "--", 2) != 0, "positionals are not flags");
    if (spec[0].seen) require(epochs >= 1 && epochs <= 1000000, "--epochs in range");
    if (spec[1].seen) require(width >= 1 && width <= 1 << 20, "--width in range");
    if (spec[2].seen) require(threads >= 0 && threads <= 1024, "--threads in range");
    if (spec[3].seen) require(isfinite(lr) && lr >= 1e-8 && lr <= 10, "--lr in range");
    if (spec[4].seen) require(isfinite(ridge) && ridge >= 0 && ridge <= 1e12, "--ridge in range");
    if (spec[5].seen) require(seed <= 1000000000000000000ULL, "--seed in range");
    if (spec[6].seen) require(out && out[0], "--out non-empty");
    if (spec[9].seen) require(quick == 1, "--quick sets 1");
    long wl[8];
    double dl[8];
    int n = -1;
    if (widths) {
        op_error_clear();
        s = op_parse_long_list("--widths", widths, 1, 1 << 20, wl, 8, &n);
        check_error_message(s);
        if (s == OP_OK) {
            require(n >= 1 && n <= 8, "list length in 1..maxn");
            for (int i = 0; i < n; i++) require(wl[i] >= 1 && wl[i] <= 1 << 20, "list value in range");
        }
    }
    if (lrs) {
        op_error_clear();
        s = op_parse_double_list("--lrs", lrs, 1e-8, 10, dl, 8, &n);
        check_error_message(s);
        if (s == OP_OK) {
            require(n >= 1 && n <= 8, "list length in 1..maxn");
            for (int i = 0; i < n; i++) require(isfinite(dl[i]) && dl[i] >= 1e-8 && dl[i] <= 10, "list value in range");
        }
    }
}

/* Ranges at the ends of the types: max = LONG_MAX and UINT64_MAX become 2^63 and 2^64
 * as doubles, which a (long) cast cannot hold. */
static void parse_unbounded(int argc, char **argv)
{
    long count = -1, offset = 0;
    uint64_t seed = 0;
    double x = NAN;
    op_arg spec[] = {
        {"count", OP_ARG_INT, &count, 0, (double)LONG_MAX, "any count", 0},
        {"offset", OP_ARG_INT, &offset, (double)LONG_MIN, (double)LONG_MAX, "any offset", 0},
        {"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "any seed", 0},
        {"x", OP_ARG_DOUBLE, &x, -HUGE_VAL, HUGE_VAL, "any finite number", 0},
    };
    op_error_clear();
    int s = op_args_parse("fuzz", argc, argv, spec, 4, NULL, NULL, 0);
    check_error_message(s);
    if (s != OP_OK) return;
    if (spec[0].seen) require(count >= 0, "--count >= 0");
    if (spec[3].seen) require(isfinite(x), "--x finite");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    char *start = buf;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || buf[i] == 0 || buf[i] == '\n') {
            buf[i] = 0;
            if (argc < MAX_ARGS) argv[argc++] = start;
            start = buf + i + 1;
        }
    }
    if (argc > 0 && size > 0 && argv[argc - 1][0] == 0) argc--; /* a trailing separator ends the list */
    argv[argc] = NULL;

    parse_representative(argc, argv);
    parse_unbounded(argc, argv);
    for (int i = 0; i < argc; i++) {
        long l;
        double d, dl[4];
        long ll[4];
        int n;
        op_error_clear();
        int s = op_parse_long("value", argv[i], -1000, 1000, &l);
        check_error_message(s);
        if (s == OP_OK) require(l >= -1000 && l <= 1000, "op_parse_long in range");
        op_error_clear();
        s = op_parse_double("value", argv[i], -1e300, 1e300, &d);
        check_error_message(s);
        if (s == OP_OK) require(isfinite(d) && d >= -1e300 && d <= 1e300, "op_parse_double in range");
        op_error_clear();
        check_error_message(op_parse_long_list("list", argv[i], LONG_MIN, LONG_MAX, ll, 4, &n));
        op_error_clear();
        check_error_message(op_parse_double_list("list", argv[i], -1, 1, dl, 4, &n));
    }
    op_error_clear();
    free(buf);
    return 0;
}
