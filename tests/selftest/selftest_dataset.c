/* selftest-dataset: a TEST-ONLY check (overparam-selftest) that reads the image set (verify
 * --dataset DIR) in milliseconds, for tests/resume_dataset.sh: the records of two data
 * sets under one --out must never mix (the data set is part of the run identity,
 * store/record.h), and the data set must reach each run through its context
 * (th_run_ctx.dataset_dir), not through process-wide state.
 *
 * A run loads a stratified subset of n training images and the whole test set, and
 * measures what depends on the files' content: the mean training pixel and the test
 * error of the nearest-class-mean classifier (squared Euclidean distance, ties to the
 * smaller class). Graded: the mean test error at the largest n, which must be below
 * chance (1 - 1/classes) on any data set whose classes differ in their means. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theorems/check.h"
#include "core/op_error.h"
#include "data/dataset.h"

enum { M_ERR, M_PIXEL };

/* Nearest-class-mean test error of tr's class means on te (same image size). */
static int sd_ncm_error(const dt_image_set *tr, const dt_image_set *te, double *err)
{
    size_t px = (size_t)tr->rows * tr->cols;
    int k = tr->nclasses;
    double *mean = op_calloc((size_t)k * px, sizeof *mean);
    int *count = op_calloc((size_t)k, sizeof *count);
    if (!mean || !count) {
        free(mean);
        free(count);
        return OP_ENOMEM;
    }
    for (int i = 0; i < tr->n; i++) {
        count[tr->y[i]]++;
        for (size_t j = 0; j < px; j++) mean[(size_t)tr->y[i] * px + j] += tr->x[(size_t)i * px + j];
    }
    for (int c = 0; c < k; c++)
        for (size_t j = 0; j < px && count[c]; j++) mean[(size_t)c * px + j] /= count[c];
    int wrong = 0;
    for (int i = 0; i < te->n; i++) {
        int best = -1;
        double bd = INFINITY;
        for (int c = 0; c < k; c++) {
            if (!count[c]) continue; /* a class absent from the subset predicts nothing */
            double d = 0;
            for (size_t j = 0; j < px; j++) {
                double e = te->x[(size_t)i * px + j] - mean[(size_t)c * px + j];
                d += e * e;
            }
            if (d < bd) bd = d, best = c;
        }
        wrong += best != te->y[i];
    }
    *err = te->n ? (double)wrong / te->n : NAN;
    free(mean);
    free(count);
    return OP_OK;
}

static int sd_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    (void)rng;
    dt_image_set tr, te;
    memset(&tr, 0, sizeof tr);
    memset(&te, 0, sizeof te);
    /* the subset depends on the seed index only (data_seed), as a check's data pool does */
    OP_TRY(dt_dataset_load(ctx->dataset_dir, (int)th_get(p, "n"), 0, ctx->data_seed, &tr, &te));
    int s = OP_OK;
    if (tr.rows != te.rows || tr.cols != te.cols || tr.n == 0)
        s = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "selftest-dataset: train and test images differ in size or are empty");
    if (!s) s = sd_ncm_error(&tr, &te, &out->v[M_ERR]);
    if (!s) {
        double sum = 0;
        size_t npx = (size_t)tr.n * tr.rows * tr.cols;
        for (size_t j = 0; j < npx; j++) sum += tr.x[j];
        out->v[M_PIXEL] = sum / (double)npx;
    }
    dt_image_set_free(&tr);
    dt_image_set_free(&te);
    return s;
}

static int sd_judge(const th_judge_in *in, th_verdict *v)
{
    th_table err, pix;
    OP_TRY(th_table_collect(in, "n", M_ERR, NULL, &err));
    int s = th_table_collect(in, "n", M_PIXEL, NULL, &pix);
    if (s) {
        th_table_free(&err);
        return s;
    }
    v->nseries = 2;
    th_table_series(&err, 0, &v->series[0]);
    snprintf(v->series[0].name, sizeof v->series[0].name, "test-error");
    th_table_series(&pix, 0, &v->series[1]);
    snprintf(v->series[1].name, sizeof v->series[1].name, "mean-pixel");
    v->series[1].figure = 0;
    const th_series *e = &v->series[0];
    v->measured = e->n ? e->y[e->n - 1] : NAN;
    v->se = e->n ? (e->yhi[e->n - 1] - e->y[e->n - 1]) : NAN;
    v->predicted = 0;
    v->lo = 0;
    v->hi = 0.5; /* below chance for any fixture of 2+ classes with distinct means */
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    th_extra_add(v, "mean_pixel=%.6f", v->series[1].n ? v->series[1].y[v->series[1].n - 1] : NAN);
    th_table_free(&err);
    th_table_free(&pix);
    return OP_OK;
}

const th_check th_selftest_dataset = {
    .id = "selftest-dataset",
    .graded = "nearest-class-mean test error at the largest n",
    .citation = "synthetic (test-only): reads the --dataset image set",
    .claim = "records of two data sets never mix under one --out (tests only)",
    .prediction = "test error below chance",
    .band_source = "construction: the fixtures' classes differ in their means; band [0, 0.5]",
    .metrics = {"test_err", "mean_pixel"},
    /* the task axis names the real image set, so preflight loads it first (preflight.c) */
    .quick = {.axes = {{"task", 1, {0}, {"fmnist"}}, {"n", 2, {20, 40}}}, .seeds = 2},
    .full = {.axes = {{"task", 1, {0}, {"fmnist"}}, {"n", 2, {20, 40}}}, .seeds = 2},
    .figures = {{"error", "selftest: nearest-class-mean test error", "n", "test error", 0, 0, 0, NULL}},
    .run = sd_run,
    .judge = sd_judge,
};
