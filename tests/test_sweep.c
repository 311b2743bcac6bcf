/* sweep: keys and seeds are stable and schedule-free; finished runs are skipped
 * (resume), missing or truncated records are redone, diverged runs are recorded
 * as failed, errors stop the sweep with the run's key, and records do not depend
 * on the thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/rng.h"
#include "sweep/sweep.h"
#include "test_util.h"

#define NR 24
static int calls[NR]; /* one slot per run index: one writer each */

typedef struct {
    const sw_run *base;
    int mode; /* 0 fine, 1 seed=1 diverges, 2 run 5 fails with OP_EIO */
} user_t;

static int fn(void *user, const sw_run *u, rec_record *rec)
{
    user_t *us = user;
    int idx = (int)(u - us->base);
    calls[idx]++;
    op_rng r;
    op_rng_seed(&r, u->seed);
    double s = 0;
    for (int i = 0; i < 1000; i++) s += op_rng_normal(&r);
    rec->nmetrics = 2;
    strcpy(rec->mname[0], "sum");
    rec->mval[0] = s;
    strcpy(rec->mname[1], "a");
    rec->mval[1] = u->value[0];
    if (us->mode == 1 && u->seed_index == 1) rec->mval[0] = NAN;
    if (us->mode == 2 && idx == 5) OP_ERROR(OP_EIO, "synthetic failure");
    return OP_OK;
}

static sw_grid grid(void)
{
    sw_grid g = {.axes = {{"a", 3, {1, 2.5, 1e-3}}, {"m", 2, {0}, {"sphere:d=2", "torus:d=1"}}}, .seeds = 4};
    return g;
}

static void test_plan(void)
{
    sw_grid g = grid();
    sw_run *r, *c;
    int n, nc;
    CHECK(sw_plan("chk", &g, NULL, NULL, 7, &r, &n) == 0 && n == NR, "24 runs, got %d", n);
    CHECK(strcmp(r[0].key, "a=1/m=sphere:d=2/seed=0") == 0, "first key %s", r[0].key);
    CHECK(strcmp(r[1].key, "a=1/m=sphere:d=2/seed=1") == 0, "seed fastest: %s", r[1].key);
    CHECK(strcmp(r[4].key, "a=1/m=torus:d=1/seed=0") == 0, "then last axis: %s", r[4].key);
    CHECK(strcmp(r[23].key, "a=0.001/m=torus:d=1/seed=3") == 0, "last key %s", r[23].key);
    CHECK(r[0].seed == op_seed_from_key("chk/a=1/m=sphere:d=2/seed=0", 7), "seed from (check, key, base)");
    int distinct = 1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) distinct &= r[i].seed != r[j].seed;
    CHECK(distinct, "all run seeds distinct");
    CHECK(r[1].data_seed == r[5].data_seed && r[1].data_seed == r[21].data_seed && r[0].data_seed != r[1].data_seed,
          "data seed shared by seed index");
    CHECK(sw_plan("chk", &g, "ridge", NULL, 7, &c, &nc) == 0 && nc == n, "control plan");
    CHECK(strcmp(c[0].key, "control=ridge/a=1/m=sphere:d=2/seed=0") == 0 && c[0].seed == r[0].seed,
          "control: prefixed key, same seed (common random numbers): %s", c[0].key);
    sw_run *t, *tc;
    int nt, ntc;
    CHECK(sw_plan("chk", &g, NULL, "conv=direct", 7, &t, &nt) == 0 && nt == n &&
              sw_plan("chk", &g, "ridge", "conv=direct", 7, &tc, &ntc) == 0 && ntc == n,
          "tagged plans");
    CHECK(strcmp(t[0].key, "conv=direct/a=1/m=sphere:d=2/seed=0") == 0 &&
              strcmp(tc[0].key, "conv=direct/control=ridge/a=1/m=sphere:d=2/seed=0") == 0 &&
              strcmp(tc[0].control, "ridge") == 0,
          "tag: prefixed key, before the control prefix: %s, %s", t[0].key, tc[0].key);
    int same = 1;
    for (int i = 0; i < n; i++)
        same &= t[i].seed == r[i].seed && tc[i].seed == r[i].seed && t[i].data_seed == r[i].data_seed;
    CHECK(same, "tag: same seeds as the untagged runs (only the setting differs)");
    free(t);
    free(tc);
    sw_run *r8;
    int n8;
    sw_plan("chk", &g, NULL, NULL, 8, &r8, &n8);
    CHECK(r8[0].seed != r[0].seed, "base seed matters");
    free(r);
    free(c);
    free(r8);
    g.seeds = 0;
    CHECK(sw_plan("chk", &g, NULL, NULL, 7, &r, &n) == OP_EUSAGE, "zero seeds refused");
    op_error_clear();
}

static int count_calls(void)
{
    int k = 0;
    for (int i = 0; i < NR; i++) k += calls[i];
    return k;
}

static char *read_no_timing(const char *path)
{
    char *t;
    size_t len;
    if (op_read_file(path, &t, &len)) return NULL;
    char *p = strstr(t, "  \"timing\"");
    if (p) *p = 0;
    return t;
}

static void test_execute(const char *dir)
{
    sw_grid g = grid();
    sw_run *r;
    int n;
    sw_plan("chk", &g, NULL, NULL, 7, &r, &n);
    user_t u = {r, 0};
    sw_stats st;
    rec_identity id = {REC_FORMAT, 7, "quick", "auto", "/data/set", "crc32:01234567/89", "fma"};
    memset(calls, 0, sizeof calls);
    CHECK(sw_execute(dir, "chk", r, n, &id, fn, &u, 2, "chk", &st) == 0 && st.done == NR && st.skipped == 0,
          "first sweep runs all: done %d", st.done);
    int once = 1;
    for (int i = 0; i < NR; i++) once &= calls[i] == 1;
    CHECK(once, "each run exactly once");
    CHECK(sw_execute(dir, "chk", r, n, &id, fn, &u, 2, "chk", &st) == 0 && st.skipped == NR && count_calls() == NR,
          "second sweep skips everything (resume)");
    /* remove one record, truncate another, corrupt a third's key: those three rerun */
    char p[4096];
    rec_path(dir, "chk", r[3].key, p, sizeof p);
    unlink(p);
    rec_path(dir, "chk", r[10].key, p, sizeof p);
    char *t;
    size_t len;
    op_read_file(p, &t, &len);
    FILE *f = fopen(p, "w");
    fwrite(t, 1, len - 40, f);
    fclose(f);
    free(t);
    rec_path(dir, "chk", r[17].key, p, sizeof p);
    rec_record rr;
    rec_read(p, &rr);
    strcpy(rr.key, "someone/else");
    rec_write(p, &rr);
    memset(calls, 0, sizeof calls);
    CHECK(sw_execute(dir, "chk", r, n, &id, fn, &u, 2, "chk", &st) == 0 && st.done == 3 && st.skipped == NR - 3,
          "missing/truncated/foreign records redone: done %d", st.done);
    CHECK(calls[3] == 1 && calls[10] == 1 && calls[17] == 1 && count_calls() == 3, "exactly those three");

    /* identity: a record with this check and key made under another base seed, preset,
     * instruction-set class, data set (files), conv path or record format is never
     * reused (the same files under another path are: test_store.c): it is
     * counted (sw_foreign), left out of sw_load, redone, and replaced by this one's */
    enum { NF = 7 };
    rec_identity other[NF];
    for (int k = 0; k < NF; k++) other[k] = id;
    other[0].base_seed = 8;
    strcpy(other[1].preset, "full");
    strcpy(other[2].isa, "base");
    strcpy(other[3].dataset_fp, "crc32:76543210/89");
    strcpy(other[4].conv, "direct");
    const int victim[NF] = {1, 2, 4, 8, 12, 20, 23}; /* 5: format 1 (no "identity"), 6: format 3 */
    for (int k = 0; k < NF; k++) {
        rec_path(dir, "chk", r[victim[k]].key, p, sizeof p);
        rec_read(p, &rr);
        rr.id = other[k];
        rec_write(p, &rr);
        if (k < 5) continue;
        op_read_file(p, &t, &len); /* rewrite the identity line as an older or newer writer would */
        char *line = strstr(t, "  \"identity\""), *end = line ? strchr(line, '\n') : NULL;
        if (k == 5 && end) memmove(line, end + 1, strlen(end + 1) + 1);
        if (k == 6 && line) line[strlen("  \"identity\": {\"format\": ")] = '3';
        f = fopen(p, "w");
        fputs(t, f);
        fclose(f);
        free(t);
    }
    rec_read(p, &rr);
    CHECK(rr.id.format == 3, "a format-3 identity reads back as such (%d)", rr.id.format);
    rec_path(dir, "chk", r[victim[5]].key, p, sizeof p);
    CHECK(rec_read(p, &rr) == 0 && rr.id.format == 1 && rr.id.preset[0] == 0,
          "a record without \"identity\" reads as format 1 (%d)", rr.id.format);
    int nforeign = -1;
    rec_identity first;
    CHECK(sw_foreign(dir, "chk", r, n, &id, &nforeign, &first) == 0 && nforeign == NF && first.base_seed == 8,
          "sw_foreign counts the %d records of other identities (%d)", NF, nforeign);
    char why[300];
    rec_identity_diff(&first, &id, why, sizeof why);
    CHECK(strcmp(why, "seed 8, not 7") == 0, "diff names the seed: '%s'", why);
    rec_identity_diff(&other[3], &id, why, sizeof why);
    CHECK(strstr(why, "data set files in /data/set changed") != NULL, "diff names changed files: '%s'", why);
    rec_identity_diff(&other[4], &id, why, sizeof why);
    CHECK(strcmp(why, "conv direct, not auto") == 0, "diff names the conv path: '%s'", why);
    rec_identity_diff(&other[2], &id, why, sizeof why);
    CHECK(strcmp(why, "instruction set base, not fma") == 0, "diff names the instruction-set class: '%s'", why);
    rec_record *lr = malloc(sizeof *lr * n);
    int lhave[NR], nhave = 0;
    sw_load(dir, "chk", r, n, &id, lr, lhave);
    for (int i = 0; i < n; i++) nhave += lhave[i];
    CHECK(nhave == NR - NF && !lhave[victim[0]] && !lhave[victim[5]], "sw_load skips them (%d loaded)", nhave);
    free(lr);
    memset(calls, 0, sizeof calls);
    CHECK(sw_execute(dir, "chk", r, n, &id, fn, &u, 2, "chk", &st) == 0 && st.done == NF && st.replaced == NF &&
              st.skipped == NR - NF,
          "other identities redone and counted as replaced: done %d, replaced %d", st.done, st.replaced);
    int redone = 1;
    for (int k = 0; k < NF; k++) redone &= calls[victim[k]] == 1;
    CHECK(redone && count_calls() == NF, "exactly those %d", NF);
    CHECK(sw_foreign(dir, "chk", r, n, &id, &nforeign, NULL) == 0 && nforeign == 0, "none left after the sweep");
    rec_path(dir, "chk", r[victim[5]].key, p, sizeof p);
    CHECK(rec_read(p, &rr) == 0 && rec_identity_equal(&rr.id, &id) && rr.id.format == REC_FORMAT,
          "the replaced record carries this identity");

    /* determinism: one thread vs two threads, records equal apart from timing */
    char d1[4200], d2[4200];
    snprintf(d1, sizeof d1, "%s/t1", dir);
    snprintf(d2, sizeof d2, "%s/t2", dir);
    sw_execute(d1, "chk", r, n, &id, fn, &u, 1, "chk", &st);
    sw_execute(d2, "chk", r, n, &id, fn, &u, 2, "chk", &st);
    int same = 1;
    for (int i = 0; i < n; i++) {
        char p1[4096], p2[4096];
        rec_path(d1, "chk", r[i].key, p1, sizeof p1);
        rec_path(d2, "chk", r[i].key, p2, sizeof p2);
        char *a = read_no_timing(p1), *b = read_no_timing(p2);
        same &= a && b && strcmp(a, b) == 0;
        free(a);
        free(b);
    }
    CHECK(same, "records identical for 1 and 2 threads (timing dropped)");

    /* divergence: recorded as failed, kept, not rerun */
    char dv[4200];
    snprintf(dv, sizeof dv, "%s/div", dir);
    u.mode = 1;
    memset(calls, 0, sizeof calls);
    CHECK(sw_execute(dv, "chk", r, n, &id, fn, &u, 2, "chk", &st) == 0 && st.diverged == 6, "6 diverged runs reported (%d)",
          st.diverged);
    rec_record *recs = malloc(sizeof *recs * n);
    int have[NR];
    sw_load(dv, "chk", r, n, &id, recs, have);
    int ok = 1;
    for (int i = 0; i < n; i++)
        ok &= have[i] && (recs[i].status == REC_DIVERGED) == (r[i].seed_index == 1) &&
              (r[i].seed_index != 1 || isnan(recs[i].mval[0]));
    CHECK(ok, "diverged runs carry status 'diverged' and a null metric");
    memset(calls, 0, sizeof calls);
    sw_execute(dv, "chk", r, n, &id, fn, &u, 2, "chk", &st);
    CHECK(count_calls() == 0, "a diverged run is finished: not redone");
    free(recs);

    /* an error stops the sweep, names the run, and leaves no record for it */
    char de[4200];
    snprintf(de, sizeof de, "%s/err", dir);
    u.mode = 2;
    int s = sw_execute(de, "chk", r, n, &id, fn, &u, 1, "chk", &st);
    CHECK(s == OP_EIO && strstr(op_error_message(), r[5].key) && strstr(op_error_message(), "synthetic failure"),
          "error names the run: %s", op_error_message());
    op_error_clear();
    rec_path(de, "chk", r[5].key, p, sizeof p);
    CHECK(!op_file_exists(p), "no record for the failed run");
    free(r);
}

int main(void)
{
    char dir[] = "/tmp/test_sweep_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    test_plan();
    test_execute(dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("test_sweep");
}
