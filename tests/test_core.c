/* Core: RNG streams are reproducible and key-derived, the flag parser rejects bad
 * values with a message, arenas align and refuse overflow, atomic writes land. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/args.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/rng.h"
#include "test_util.h"

static void test_rng(void)
{
    op_rng a, b;
    op_rng_seed(&a, op_seed_from_key("check/x=1", 7));
    op_rng_seed(&b, op_seed_from_key("check/x=1", 7));
    int same = 1;
    for (int i = 0; i < 1000; i++) same &= op_rng_u64(&a) == op_rng_u64(&b);
    CHECK(same, "same key and seed give the same stream");
    CHECK(op_seed_from_key("check/x=1", 7) != op_seed_from_key("check/x=2", 7), "keys differ");
    CHECK(op_seed_from_key("check/x=1", 7) != op_seed_from_key("check/x=1", 8), "seeds differ");
    /* Moments of uniform and normal at a fixed seed: n = 200000, 6-sigma bounds. */
    op_rng_seed(&a, 12345);
    double su = 0, sn = 0, sn2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        su += op_rng_uniform(&a);
        double z = op_rng_normal(&a);
        sn += z;
        sn2 += z * z;
    }
    CHECK(fabs(su / n - 0.5) < 6 * sqrt(1.0 / 12 / n), "uniform mean %.5f", su / n);
    CHECK(fabs(sn / n) < 6 / sqrt(n), "normal mean %.5f", sn / n);
    CHECK(fabs(sn2 / n - 1) < 6 * sqrt(2.0 / n), "normal variance %.5f", sn2 / n);
    int counts[5] = {0};
    for (int i = 0; i < 50000; i++) counts[op_rng_below(&a, 5)]++;
    int ok = 1;
    for (int k = 0; k < 5; k++) ok &= fabs(counts[k] - 10000.0) < 6 * sqrt(8000.0);
    CHECK(ok, "op_rng_below(5) is uniform");
}

static void test_args(void)
{
    long epochs = 10;
    double lr = 0.1;
    const char *name = NULL;
    int flag = 0;
    op_arg spec[] = {
        {"epochs", OP_ARG_INT, &epochs, 1, 1000, "epochs", 0},
        {"lr", OP_ARG_DOUBLE, &lr, 0, 10, "learning rate", 0},
        {"name", OP_ARG_STR, &name, 0, 0, "name", 0},
        {"quick", OP_ARG_FLAG, &flag, 0, 0, "quick", 0},
    };
    char *ok[] = {"--epochs", "20", "--lr=0.5", "--name", "x", "--quick"};
    CHECK(op_args_parse("t", 6, ok, spec, 4, NULL, NULL, 0) == OP_OK, "good flags parse");
    CHECK(epochs == 20 && lr == 0.5 && flag == 1 && strcmp(name, "x") == 0, "values stored");
    struct {
        char *argv[2];
        const char *needle;
    } bad[] = {
        {{"--epochs", "abc"}, "not an integer"}, {{"--epochs", "0"}, "out of range"},
        {{"--lr", "nan"}, "not finite"},         {{"--lr", "1e400"}, "overflows"},
        {{"--bogus", "1"}, "unknown flag"},      {{"--lr", "-1"}, "out of range"},
        {{"--epochs", "5x"}, "not an integer"},  {{"stray", "x"}, "unexpected argument"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        op_error_clear();
        int s = op_args_parse("t", 2, bad[i].argv, spec, 4, NULL, NULL, 0);
        CHECK(s == OP_EUSAGE && strstr(op_error_message(), bad[i].needle), "bad input %s %s -> '%s'",
              bad[i].argv[0], bad[i].argv[1], op_error_message());
    }
    op_error_clear();
    long v[8];
    int nv = 0;
    CHECK(op_parse_long_list("--ambient", "16,64,256", 1, 100000, v, 8, &nv) == OP_OK && nv == 3 &&
              v[2] == 256,
          "list parse");
    CHECK(op_parse_long_list("--ambient", "16,,x", 1, 100000, v, 8, &nv) == OP_EUSAGE, "bad list");
    op_error_clear();
    CHECK(op_parse_long_list("--ambient", "16,,64", 1, 100000, v, 8, &nv) == OP_EUSAGE &&
              strstr(op_error_message(), "empty value"),
          "empty list value refused: %s", op_error_message());
    op_error_clear();
    CHECK(op_parse_long_list("--ambient", "16,", 1, 100000, v, 8, &nv) == OP_EUSAGE, "trailing comma refused");
    op_error_clear();
}

/* Seeds are uint64_t: the whole range parses exactly (2^63 and up used to be refused),
 * negatives (which strtoull would wrap) and overflow are refused. */
static void test_u64(void)
{
    uint64_t seed = 7;
    op_arg spec[] = {{"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "seed", 0},
                     {"small", OP_ARG_U64, &seed, 1, 9007199254740992.0, "seed below 2^53", 0}};
    struct {
        const char *val;
        uint64_t want;
    } ok[] = {{"0", 0},
              {"-0", 0},
              {"42", 42},
              {"9223372036854775807", 9223372036854775807ULL},
              {"9223372036854775808", 9223372036854775808ULL},
              {"18446744073709551615", UINT64_MAX}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *argv[2] = {"--seed", (char *)ok[i].val};
        seed = 7;
        op_error_clear();
        int s = op_args_parse("t", 2, argv, spec, 2, NULL, NULL, 0);
        CHECK(s == OP_OK && seed == ok[i].want, "--seed %s parses to %" PRIu64 " (got %" PRIu64 ", %s)", ok[i].val,
              ok[i].want, seed, s ? op_error_message() : "ok");
    }
    struct {
        const char *flag, *val, *needle;
    } bad[] = {{"--seed", "-1", "--seed -1 is out of range; allowed: an integer in [0, 18446744073709551615]"},
               {"--seed", "-18446744073709551615", "out of range"},
               {"--seed", "-99999999999999999999999", "out of range"},
               {"--seed", "18446744073709551616", "--seed 18446744073709551616 is out of range"},
               {"--seed", "99999999999999999999999", "out of range"},
               {"--seed", "1x", "--seed '1x' is not an integer"},
               {"--seed", "-x", "is not an integer"},
               {"--seed", "1e3", "is not an integer"},
               {"--seed", "", "--seed is empty"},
               {"--small", "0", "--small 0 is out of range; allowed: an integer in [1, 9007199254740992]"},
               {"--small", "-0", "out of range"},
               {"--small", "9007199254740993", "out of range"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[2] = {(char *)bad[i].flag, (char *)bad[i].val};
        seed = 7;
        op_error_clear();
        int s = op_args_parse("t", 2, argv, spec, 2, NULL, NULL, 0);
        CHECK(s == OP_EUSAGE && seed == 7 && strstr(op_error_message(), bad[i].needle), "%s '%s' refused: %s",
              bad[i].flag, bad[i].val, op_error_message());
    }
    op_error_clear();
}

static void test_arena(void)
{
    op_arena a;
    CHECK(op_arena_init(&a, op_arena_size(100) + op_arena_size(10)) == OP_OK, "arena init");
    char *p = op_arena_alloc(&a, 100), *q = op_arena_alloc(&a, 10);
    CHECK(p && q && ((size_t)p % 64) == 0 && ((size_t)q % 64) == 0, "aligned pieces");
    CHECK(op_arena_alloc(&a, 1) == NULL, "overflow refused");
    op_error_clear();
    op_arena_free(&a);
}

static void test_atomic(void)
{
    char dir[] = "/tmp/op_test_core_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    char path[256];
    snprintf(path, sizeof path, "%s/a/b/rec.json", dir);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    CHECK(op_mkdir_p(sub) == OP_OK, "mkdir -p");
    CHECK(op_write_atomic(path, "{}\n", 3) == OP_OK && op_file_exists(path), "atomic write");
    char *data;
    size_t len;
    CHECK(op_read_file(path, &data, &len) == OP_OK && len == 3 && memcmp(data, "{}\n", 3) == 0,
          "read back");
    free(data);
    CHECK(op_write_atomic("/proc/nonexistent/x", "1", 1) == OP_EIO, "unwritable path is OP_EIO");
    op_error_clear();
    op_buf b;
    op_buf_init(&b);
    op_buf_json_str(&b, "a\"b\n");
    op_buf_puts(&b, " ");
    op_buf_json_num(&b, NAN);
    CHECK(strcmp(b.s, "\"a\\\"b\\n\" null") == 0, "json escapes: %s", b.s);
    op_buf_free(&b);
}

int main(void)
{
    test_rng();
    test_args();
    test_u64();
    test_arena();
    test_atomic();
    return test_summary("core");
}
