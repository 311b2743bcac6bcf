/* store: records round-trip exactly, a truncated or foreign file never parses
 * (so the sweep redoes the run), keys map to safe file names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "nn/nn.h"
#include "store/json.h"
#include "store/record.h"
#include "test_util.h"

static void sample(rec_record *r)
{
    memset(r, 0, sizeof *r);
    strcpy(r->check, "double-descent");
    strcpy(r->key, "control=ridge/n=100/ratio=0.9/seed=3");
    strcpy(r->control, "ridge");
    r->seed_index = 3;
    r->seed = 18446744073709551557ull; /* > 2^53: must survive as a string */
    r->id = (rec_identity){REC_FORMAT, 18446744073709551615ull, "full", "direct", "/data/\"odd\" dir",
                           "crc32:89abcdef/30878551", "base"};
    r->status = REC_OK;
    strcpy(r->message, "quote \" backslash \\ newline \n tab \t");
    r->nparams = 3;
    strcpy(r->pname[0], "n");
    r->pval[0] = 100;
    strcpy(r->pname[1], "ratio");
    r->pval[1] = 0.1;
    strcpy(r->pname[2], "manifold");
    r->pval[2] = NAN;
    strcpy(r->pstr[2], "sphere:d=2");
    r->nmetrics = 3;
    strcpy(r->mname[0], "test_mse");
    r->mval[0] = 1.0 / 3.0;
    strcpy(r->mname[1], "tiny");
    r->mval[1] = 4.9406564584124654e-324;
    strcpy(r->mname[2], "bad");
    r->mval[2] = NAN;
    r->seconds = 0.25;
    r->sweep_threads = 2;
}

static void test_roundtrip(const char *dir)
{
    rec_record a, b;
    sample(&a);
    char path[4096];
    CHECK(rec_path(dir, a.check, a.key, path, sizeof path) == 0, "path");
    char want[4096];
    snprintf(want, sizeof want, "%s/double-descent/runs/control=ridge_n=100_ratio=0.9_seed=3.json", dir);
    CHECK(strcmp(path, want) == 0, "path is %s", path);
    char runs[4096];
    snprintf(runs, sizeof runs, "%s/double-descent/runs", dir);
    op_mkdir_p(runs);
    CHECK(rec_write(path, &a) == 0, "write");
    CHECK(rec_read(path, &b) == 0, "read back: %s", op_error_message());
    CHECK(strcmp(a.key, b.key) == 0 && strcmp(a.control, b.control) == 0 && strcmp(a.check, b.check) == 0, "strings");
    CHECK(b.seed == a.seed && b.seed_index == 3 && b.status == REC_OK, "seed %llu", (unsigned long long)b.seed);
    CHECK(strcmp(a.message, b.message) == 0, "escaped message round-trips: '%s'", b.message);
    CHECK(b.nparams == 3 && rec_param(&b, "n") == 100 && rec_param(&b, "ratio") == 0.1, "numeric params exact");
    CHECK(rec_param_str(&b, "manifold") && strcmp(rec_param_str(&b, "manifold"), "sphere:d=2") == 0 &&
              isnan(rec_param(&b, "manifold")),
          "string param");
    CHECK(rec_metric(&b, "test_mse") == 1.0 / 3.0 && rec_metric(&b, "tiny") == a.mval[1], "metrics bit-exact");
    CHECK(isnan(rec_metric(&b, "bad")) && isnan(rec_metric(&b, "absent")), "NaN written as null, read as NaN");
    CHECK(b.seconds == 0.25 && b.sweep_threads == 2, "timing");
    CHECK(rec_identity_equal(&a.id, &b.id) && b.id.format == REC_FORMAT && b.id.base_seed == a.id.base_seed,
          "identity round-trips (base seed %llu, data set '%s')", (unsigned long long)b.id.base_seed, b.id.dataset);
    {
        /* the data set is its content: the same fingerprint under another path is equal,
         * another fingerprint under the same path is not, and "missing" compares paths */
        rec_identity x = a.id, y = a.id;
        snprintf(x.dataset, sizeof x.dataset, "/data/fm");
        snprintf(y.dataset, sizeof y.dataset, "/mnt/copy-of-fm");
        snprintf(x.dataset_fp, sizeof x.dataset_fp, "crc32:0badf00d/1234");
        snprintf(y.dataset_fp, sizeof y.dataset_fp, "crc32:0badf00d/1234");
        char why[256];
        rec_identity_diff(&x, &y, why, sizeof why);
        CHECK(rec_identity_equal(&x, &y) && why[0] == 0, "same files under another path: equal ('%s')", why);
        snprintf(y.dataset, sizeof y.dataset, "/data/fm");
        snprintf(y.dataset_fp, sizeof y.dataset_fp, "crc32:0badf00e/1234");
        rec_identity_diff(&x, &y, why, sizeof why);
        CHECK(!rec_identity_equal(&x, &y) && strstr(why, "data set files in /data/fm changed"),
              "other files under the same path: not equal ('%s')", why);
        snprintf(x.dataset_fp, sizeof x.dataset_fp, "missing");
        snprintf(y.dataset_fp, sizeof y.dataset_fp, "missing");
        CHECK(rec_identity_equal(&x, &y), "both missing at one path: equal");
        snprintf(y.dataset, sizeof y.dataset, "/elsewhere");
        rec_identity_diff(&x, &y, why, sizeof why);
        CHECK(!rec_identity_equal(&x, &y) && strcmp(why, "data set /data/fm, not /elsewhere") == 0,
              "both missing at two paths: not equal ('%s')", why);
    }

    /* the timing object is one line: dropping it is how determinism is compared */
    char *text;
    size_t len;
    op_read_file(path, &text, &len);
    int tl = 0;
    for (char *p = text; (p = strstr(p, "\"timing\"")); p++) tl++;
    char *t = strstr(text, "\"timing\"");
    CHECK(tl == 1 && t && strchr(t, '\n') && !strstr(strchr(t, '\n'), "seconds"), "timing on its own line");
    CHECK(strstr(text, "\"ratio\": 0.1,") != NULL, "shortest round-trip numbers (0.1, not 0.1000...01)");
    {
        /* a format-2 record written before "isa" joined the identity takes the class of
         * the set its provenance names (the one this process runs) */
        char *old = strdup(text), *at = strstr(old, ", \"isa\": \"base\"}");
        CHECK(at != NULL, "the identity line names the class: %.200s", strstr(text, "\"identity\""));
        if (at) memmove(at, at + strlen(", \"isa\": \"base\""), strlen(at + strlen(", \"isa\": \"base\"")) + 1);
        rec_record c;
        CHECK(at && rec_parse(old, &c) == 0 && strcmp(c.id.isa, nn_isa_class(nn_isa_name())) == 0 &&
                  c.id.isa[0],
              "no identity isa: the class of provenance isa %s is '%s'", nn_isa_name(), at ? c.id.isa : "");
        free(old);
    }

    /* every truncation before the closing brace is rejected */
    size_t close = (size_t)(strrchr(text, '}') - text);
    int rejected = 0;
    for (size_t cut = 0; cut <= close; cut++) {
        char save = text[cut];
        text[cut] = 0;
        rec_record c;
        rejected += rec_parse(text, &c) != 0;
        op_error_clear();
        text[cut] = save;
    }
    CHECK(rejected == (int)close + 1, "all %d truncations rejected (got %d)", (int)close + 1, rejected);
    /* a truncated file on disk is reported as unreadable */
    FILE *f = fopen(path, "w");
    fwrite(text, 1, len / 2, f);
    fclose(f);
    CHECK(rec_read(path, &b) == OP_EIO, "truncated file -> OP_EIO");
    op_error_clear();
    free(text);
}

static void test_malformed(void)
{
    const char *bad[] = {"", "{", "{}", "[1,2]", "{\"check\": 1}", "nonsense",
                         "{\"check\":\"a\",\"key\":\"k\",\"seed_index\":0,\"seed\":\"1\",\"status\":\"ok\"}",
                         "{\"check\":\"a\",\"key\":\"k\",\"seed_index\":0,\"seed\":\"x\",\"status\":\"ok\","
                         "\"timing\":{\"seconds\":1,\"sweep_threads\":1}}",
                         "{\"check\":\"a\",\"key\":\"k\",\"seed_index\":0,\"seed\":\"1\",\"status\":\"weird\","
                         "\"timing\":{\"seconds\":1,\"sweep_threads\":1}}",
                         "{\"check\":\"a\",\"key\":\"k\",\"seed_index\":0,\"seed\":\"1\",\"status\":\"ok\","
                         "\"timing\":{\"seconds\":1,\"sweep_threads\":1}} trailing"};
    int n = (int)(sizeof bad / sizeof bad[0]);
    for (int i = 0; i < n; i++) {
        rec_record r;
        CHECK(rec_parse(bad[i], &r) != 0, "malformed #%d rejected", i);
        op_error_clear();
    }
    rec_record r;
    const char *good = "{\"check\":\"a\",\"key\":\"k\",\"control\":null,\"seed_index\":2,\"seed\":\"7\","
                       "\"status\":\"diverged\",\"params\":{},\"metrics\":{\"m\":null},"
                       "\"timing\":{\"seconds\":null,\"sweep_threads\":1}}";
    CHECK(rec_parse(good, &r) == 0 && r.status == REC_DIVERGED && r.seed == 7 && r.nmetrics == 1 &&
              isnan(r.mval[0]) && r.id.format == 1,
          "minimal diverged record parses (format 1: no identity)");
    /* an identity present but incomplete or damaged makes the record unreadable (redone) */
    const char *bad_id[] = {"{\"identity\":{\"format\":2,\"base_seed\":\"0\",\"preset\":\"quick\",\"conv\":\"auto\","
                            "\"dataset\":\"/d\"},",
                            "{\"identity\":{\"format\":2.5,\"base_seed\":\"0\",\"preset\":\"quick\",\"conv\":\"auto\","
                            "\"dataset\":\"/d\",\"dataset_fingerprint\":\"x\"},",
                            "{\"identity\":{\"format\":2,\"base_seed\":\"-\",\"preset\":\"quick\",\"conv\":\"auto\","
                            "\"dataset\":\"/d\",\"dataset_fingerprint\":\"x\"},",
                            "{\"identity\":null,"};
    for (int i = 0; i < 4; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s", bad_id[i], good + 1);
        CHECK(rec_parse(text, &r) != 0, "damaged identity #%d rejected", i);
        op_error_clear();
    }
    char text[1024];
    snprintf(text, sizeof text, "{\"identity\":{\"format\":2,\"base_seed\":\"5\",\"preset\":\"quick\",\"conv\":"
             "\"auto\",\"dataset\":\"/d\",\"dataset_fingerprint\":\"missing\"},%s", good + 1);
    CHECK(rec_parse(text, &r) == 0 && r.id.format == 2 && r.id.base_seed == 5 && strcmp(r.id.dataset_fp, "missing") == 0,
          "complete identity parses");
    js_entry e[8];
    CHECK(js_parse_flat("{\"a\":{\"b\":\"x\\u0041\"}}", e, 8) == 1 && strcmp(e[0].path, "a.b") == 0 &&
              strcmp(e[0].str, "xA") == 0,
          "nested path and \\u escape");
}

static void test_sanitise(void)
{
    char out[256];
    rec_sanitise_key("manifold=sphere:d=2/D=16/seed=0", out, sizeof out);
    CHECK(strcmp(out, "manifold=sphere~d=2_D=16_seed=0") == 0, "sanitised: %s", out);
    rec_sanitise_key("../../etc/passwd", out, sizeof out);
    CHECK(strchr(out, '/') == NULL, "no slash survives: %s", out);
}

int main(void)
{
    char dir[] = "/tmp/test_store_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    test_roundtrip(dir);
    test_malformed();
    test_sanitise();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("test_store");
}
