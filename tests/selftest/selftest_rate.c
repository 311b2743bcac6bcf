/* selftest-rate: TEST-ONLY check, built only into overparam-selftest (main.c). A
 * synthetic "error" with a known rate n^(-2/(2+d)) and log-normal noise, so the
 * framework (sweep, resume, judge, compare, figures, divergence handling) can be
 * tested end to end in milliseconds without any training. Manifold specs are
 * "flat:d=K", "curved:d=K" (a different constant), "diverge:d=K" (seed 0
 * returns NaN, to exercise the failed-run path) and "ddep:d=K" (the rate steepens
 * with D by (D-16)/160: a constructed D-dependence compare's D-equivalence must
 * FAIL). Control "rough" halves the smoothness, so the predicted smooth rate must
 * FAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theorems/check.h"
#include "core/op_error.h"

static double st_dim(const char *m)
{
    const char *c = strchr(m, ':');
    if (!c) return NAN;
    size_t len = (size_t)(c - m);
    if (!((len == 4 && strncmp(m, "flat", 4) == 0) || (len == 6 && strncmp(m, "curved", 6) == 0) ||
          (len == 7 && strncmp(m, "diverge", 7) == 0) || (len == 4 && strncmp(m, "ddep", 4) == 0)))
        return NAN;
    if (strncmp(c, ":d=", 3) != 0) return NAN;
    char *end;
    long d = strtol(c + 3, &end, 10);
    if (*end || end == c + 3 || d < 1 || d > 16) return NAN;
    return (double)d;
}

static int st_validate(const char *m, double D)
{
    double d = st_dim(m);
    if (D < d + 1)
        OP_ERROR(OP_EUSAGE, "--ambient %g is smaller than the embedding dimension %g for %s", D, d + 1, m);
    return OP_OK;
}

static int st_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    const char *m = th_get_str(p, "manifold");
    double d = st_dim(m), n = th_get(p, "n"), D = th_get(p, "D");
    double beta = ctx->control && strcmp(ctx->control, "rough") == 0 ? 0.25 : 1.0;
    double c = strncmp(m, "curved", 6) == 0 ? 3.0 : 1.0;
    if (strncmp(m, "diverge", 7) == 0 && p->seed_index == 0) {
        out->v[0] = NAN;
        OP_ERROR(OP_EDIVERGE, "synthetic divergence (selftest)");
    }
    double ddep = strncmp(m, "ddep", 4) == 0 ? (D - 16) / 160 : 0;
    out->v[0] = c * (1 + D / 1000) * pow(n, -2 * beta / (2 * beta + d) - ddep) * exp(0.15 * op_rng_normal(rng));
    return OP_OK;
}

static double st_pred(double d) { return -2.0 / (2.0 + d); }

static int st_judge(const th_judge_in *in, th_verdict *v)
{
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "selftest-rate: no records to judge");
    double d = st_dim(rec_param_str(&in->recs[0], "manifold"));
    double pred = st_pred(d);
    /* one rate per ambient dimension (the full grid has two; compare passes one);
     * the verdict is the worst D's */
    double Ds[TH_MAX_SERIES];
    int nD = th_distinct_num(in, "D", Ds, TH_MAX_SERIES);
    th_verdict *w = op_malloc(sizeof *w);
    if (!w) return OP_ENOMEM;
    int st = OP_OK, have = 0;
    v->nseries = 0;
    for (int k = 0; k < nD && !st; k++) {
        memset(w, 0, sizeof *w);
        th_where wh[] = {{"D", NULL, Ds[k]}, {NULL, NULL, 0}};
        st = th_judge_rate_where(in, "n", 0, wh, pred, pred - 0.1, pred + 0.1, 0, w, NULL);
        if (st) break;
        v->series[v->nseries] = w->series[0];
        snprintf(v->series[v->nseries].name, sizeof v->series[0].name, "D=%g", Ds[k]);
        v->nseries++;
        if (!have || w->grade > v->grade) {
            int ns = v->nseries;
            th_series keep[TH_MAX_SERIES];
            memcpy(keep, v->series, sizeof keep);
            *v = *w;
            memcpy(v->series, keep, sizeof keep);
            v->nseries = ns;
            have = 1;
        }
    }
    free(w);
    return st;
}

const th_check th_selftest_rate = {
    .id = "selftest-rate",
    .graded = "slope of log err vs log n",
    .citation = "synthetic (test-only): error = C n^(-2/(2+d)) x log-normal noise",
    .claim = "the framework recovers a known rate (tests only)",
    .prediction = "slope -2/(2+d)",
    .band_source = "construction: the true slope; band +-0.1",
    .metrics = {"err"},
    .quick = {.axes = {{"manifold", 1, {0}, {"flat:d=2"}},
                       {"D", 1, {16}},
                       {"n", 6, {64, 128, 256, 512, 1024, 2048}}},
              .seeds = 6},
    .full = {.axes = {{"manifold", 1, {0}, {"flat:d=2"}},
                      {"D", 2, {16, 64}},
                      {"n", 8, {64, 128, 256, 512, 1024, 2048, 4096, 8192}}},
             .seeds = 10},
    .controls = {{"rough", "smoothness 1/4 instead of 1: the rate is slower than predicted", 1}},
    .figures = {{"rate", "selftest: synthetic rate", "n", "error", 1, 1, 0, NULL}},
    /* compare's pairs with manifold-rate's bands and contrast rule (a test of the rule) */
    .compare = {.manifold_axis = "manifold", .ambient_axis = "D", .intrinsic_dim = st_dim,
                .valid_manifolds = "flat:d=K, curved:d=K, diverge:d=K, ddep:d=K (K = 1..16)",
                .validate = st_validate, .x_axis = "n", .metric = 0, .dslope_tol = 0.15, .dratio_lo = 0.7,
                .dratio_hi = 1.4, .predicted_slope = st_pred, .contrast_dtol = 0.5},
    .run = st_run,
    .judge = st_judge,
};

/* selftest-placebo: TEST-ONLY. The same experiment with a "control" that
 * changes nothing, so the hypothesis still holds: the framework must report the
 * control as PASS(unexpected!) and the check as FAIL. */
const th_check th_selftest_placebo = {
    .id = "selftest-placebo",
    .graded = "slope of log err vs log n",
    .citation = "synthetic (test-only): a control that does not break the hypothesis",
    .claim = "a control that passes makes the check FAIL (tests only)",
    .prediction = "slope -2/(2+d)",
    .band_source = "construction",
    .metrics = {"err"},
    .quick = {.axes = {{"manifold", 1, {0}, {"flat:d=2"}}, {"D", 1, {16}}, {"n", 6, {64, 128, 256, 512, 1024, 2048}}},
              .seeds = 6},
    .full = {.axes = {{"manifold", 1, {0}, {"flat:d=2"}}, {"D", 1, {16}}, {"n", 6, {64, 128, 256, 512, 1024, 2048}}},
             .seeds = 6},
    .controls = {{"placebo", "changes nothing: must be caught as PASS(unexpected!)"}},
    .figures = {{"rate", "selftest: placebo control", "n", "error", 1, 1, 0, NULL}},
    .run = st_run,
    .judge = st_judge,
};

/* selftest-fixed: TEST-ONLY. A check on one fixed manifold whose runs are parameterised
 * by D and n only (as smooth-approx and classification-dinv are): error = (1 + D/1000)
 * n^(-1/2) x log-normal noise. Its judge needs 2+ values of D (a D-invariance claim:
 * the level ratio to the first D in [0.7, 1.4] at every n, TOST), so compare judges a
 * row with subset_judge (the rate at one D) and its D-equivalence pairs are the level
 * ratio alone (dslope_tol 0), as classification-dinv's. */
static int sf_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    (void)ctx;
    double n = th_get(p, "n"), D = th_get(p, "D");
    out->v[0] = (1 + D / 1000) * pow(n, -0.5) * exp(0.1 * op_rng_normal(rng));
    return OP_OK;
}

static int sf_table(const th_judge_in *in, double D, th_table *t)
{
    th_where w[] = {{"D", NULL, D}, {NULL, NULL, 0}};
    OP_TRY(th_table_collect(in, "n", 0, w, t));
    int s = th_table_log(t, in, "err");
    if (s) th_table_free(t);
    return s;
}

static int sf_judge(const th_judge_in *in, th_verdict *v)
{
    double Ds[8];
    int nD = th_distinct_num(in, "D", Ds, 8);
    if (nD < 2) OP_ERROR(OP_EUSAGE, "selftest-fixed: needs 2+ values of D");
    th_table a, b;
    OP_TRY(sf_table(in, Ds[0], &a));
    v->grade = ST_PASS;
    int s = OP_OK;
    for (int k = 1; k < nD && !s; k++) {
        th_dinv di;
        s = sf_table(in, Ds[k], &b);
        if (s) break;
        s = th_dinv_judge(&a, &b, in, NAN, 0.7, 1.4, &di);
        th_table_free(&b);
        if (!s && (k == 1 || di.g_lr >= v->grade)) {
            v->grade = st_grade_worst(v->grade, di.g_lr);
            v->measured = exp(di.lr.mean);
            v->se = v->measured * di.lr.se;
        }
    }
    th_table_free(&a);
    v->predicted = 1;
    v->lo = 0.7;
    v->hi = 1.4;
    return s;
}

static int sf_subset_judge(const th_judge_in *in, th_verdict *v)
{
    return th_judge_rate(in, "n", 0, -0.5, -0.6, -0.4, 0, v);
}

static double sf_dim(const char *m) { return strcmp(m, "flat:d=2") == 0 ? 2 : NAN; }

const th_check th_selftest_fixed = {
    .id = "selftest-fixed",
    .graded = "level ratio err(D)/err(D first), worst n",
    .citation = "synthetic (test-only): error = (1 + D/1000) n^(-1/2) x log-normal noise",
    .claim = "compare on a check with one fixed manifold (tests only)",
    .prediction = "ratio 1 in [0.7, 1.4]; per D slope -0.5",
    .band_source = "construction",
    .metrics = {"err"},
    .quick = {.axes = {{"D", 2, {16, 64}}, {"n", 4, {64, 256, 1024, 4096}}}, .seeds = 4},
    .full = {.axes = {{"D", 2, {16, 64}}, {"n", 4, {64, 256, 1024, 4096}}}, .seeds = 4},
    .figures = {{"rate", "selftest: fixed manifold", "n", "error", 1, 1, 0, NULL}},
    .compare = {.ambient_axis = "D", .intrinsic_dim = sf_dim, .valid_manifolds = "flat:d=2",
                .fixed_manifold = "flat:d=2", .subset_judge = sf_subset_judge, .x_axis = "n", .metric = 0,
                .dratio_lo = 0.7, .dratio_hi = 1.4},
    .run = sf_run,
    .judge = sf_judge,
};
