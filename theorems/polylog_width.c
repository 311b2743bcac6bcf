/* polylog-width: a modest width suffices for GD to fit margin data, for every n.
 *
 * Chen, Cao, Zou, Gu, "How much over-parameterization is sufficient to learn deep
 * ReLU networks?", ICLR 2021 (arXiv 1911.12360); Ji & Telgarsky, "Polylogarithmic
 * width suffices for gradient descent to achieve arbitrarily small test error with
 * shallow ReLU networks", ICLR 2020 (arXiv 1909.12292). ONLY THE ABSTRACTS WERE
 * VERIFIED (research notes section 3); the theorems' constants are vacuous at this
 * scale, so this is a derived, qualitative prediction: with NTK-separable (margin)
 * data, the width GD needs grows only polylogarithmically in n, so at a FIXED width
 * and step budget the training error stays small as n grows 16x.
 *
 * Data: noisy 2-XOR in d = 12 (Wei-Lee-Liu-Ma convention, as restated in the
 * notes): x = (first two coordinates one of (+-1, 0), (0, +-1); the other 10
 * coordinates +-1) / sqrt(d - 1), scaled by sqrt(d) because the engine's NTK layer
 * divides by sqrt(fan_in) (so W x / sqrt(d) is J&T's w.x with |x| = 1), label +1 iff the non-zero one of the first two is
 * x1. That is 4 * 2^10 = 4096 points: the pool is all of them in a random order
 * (data_seed), and the training set of size n is its first n (nested, without
 * replacement). Model: two-layer ReLU MLP, NTK parameterization, no biases (as Ji &
 * Telgarsky), width 64; full-batch GD, lr 1, logistic loss, T = 1000 steps (both
 * layers trained; J&T train only the first). Metric: training error (%).
 * Prediction: training error <= 5% for every n in {256 ... 4096} at width 64
 * (graded: the largest over n of the mean over seeds; band (-inf, 5]); the slope of
 * the error vs log10 n is reported (flat).
 * Pilot (notes; same model with fixed +-1 output weights): errors 1/64, 9/256,
 * 4/1024, 1/4096 at m = 64, T = 1000; random labels 28.5% (256), 38% (1024), 44.7%.
 * Control "random-labels": labels are fair coin flips (no margin): GD at the same
 * width and budget cannot fit them (pilot 38% at n = 1024), so the same judge FAILs.
 * Figure 2 (full preset: widths 2, 3, 4, 8, ..., 64): the smallest width that fits the
 * training set exactly, median over seeds (bars: quartiles), vs n; 2 x the largest
 * width stands for "none fits". Plotted, NOT asserted (too seed-noisy, notes).
 * Widths 2 and 3 are in the grid so that the curve is not floored by the grid: in the
 * first full run (widths 4..64, 5 seeds) the median was 4 or 8 at every n, i.e. at the
 * grid's lower end, which could not tell "4" from "4 or less". |x1| - |x2| is exactly
 * width 4 without biases (relu(+-x1), relu(+-x2)). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "nn/nn.h"

#define PW_D 12
#define PW_POOL 4096 /* 4 * 2^(PW_D - 2): every point of the noisy 2-XOR cube */
#define PW_WIDTH 64  /* the graded width */

enum { M_ERR, M_LOSS };

/* Point index q in [0, 4096): bits 0-1 choose the XOR part, bits 2..11 the signs. */
static double xor_point(int q, double *x)
{
    /* |x| = sqrt(d): the NTK layer computes W x / sqrt(d), so this is J&T's w.x with |x| = 1 */
    double s = sqrt(PW_D / (PW_D - 1.0));
    int a = q & 3;
    x[0] = a == 0 ? s : a == 1 ? -s : 0;
    x[1] = a == 2 ? s : a == 3 ? -s : 0;
    for (int k = 2; k < PW_D; k++) x[k] = (q >> k) & 1 ? s : -s;
    return a < 2 ? 1.0 : -1.0;
}

static int pw_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int n = (int)th_get(p, "n"), m = (int)th_get(p, "width");
    long steps = (long)th_get(p, "steps");
    int rnd = ctx->control && strcmp(ctx->control, "random-labels") == 0;
    if (n > PW_POOL) OP_ERROR(OP_EUSAGE, "polylog-width: n = %d exceeds the %d distinct points", n, PW_POOL);
    int *perm = op_malloc(sizeof(int) * PW_POOL);
    double *X = op_malloc(sizeof(double) * (size_t)n * PW_D), *y = op_malloc(sizeof(double) * n);
    double *coin = op_malloc(sizeof(double) * PW_POOL);
    nn_model *net = NULL;
    int st = OP_OK;
    if (!perm || !X || !y || !coin) {
        st = OP_ENOMEM;
        goto done;
    }
    op_rng data;
    op_rng_seed(&data, ctx->data_seed);
    for (int i = 0; i < PW_POOL; i++) perm[i] = i;
    op_rng_shuffle(&data, perm, PW_POOL);
    for (int i = 0; i < PW_POOL; i++) coin[i] = op_rng_uniform(&data) < 0.5 ? 1.0 : -1.0; /* per pool slot */
    for (int i = 0; i < n; i++) {
        y[i] = xor_point(perm[i], X + (size_t)i * PW_D);
        if (rnd) y[i] = coin[i];
    }
    nn_config cfg = nn_config_mlp(PW_D, 1, m, 1, NN_PARAM_NTK);
    cfg.bias = 0;
    if ((st = nn_model_create(&cfg, NN_F32, n, &net))) goto done;
    nn_model_init(net, rng);
    nn_dataset tr = {n, PW_D, 1, X, y};
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = NN_LOSS_LOGISTIC;
    o.opt = NN_OPT_SGD;
    o.lr = 1.0;
    o.batch = n; /* full batch: GD */
    o.epochs = (int)steps;
    o.max_steps = steps;
    o.keep_best = 0;
    o.seed = ctx->seed;
    nn_train_result res;
    if ((st = nn_train(net, &tr, NULL, &o, &res))) goto done;
    double loss, err;
    if ((st = nn_eval(net, NN_LOSS_LOGISTIC, X, y, n, &loss, &err))) goto done;
    out->v[M_ERR] = 100 * err;
    out->v[M_LOSS] = loss;
    if (!isfinite(loss)) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite loss");
done:
    nn_model_free(net);
    free(perm);
    free(X);
    free(y);
    free(coin);
    return st;
}

static int pw_judge(const th_judge_in *in, th_verdict *v)
{
    th_groups g;
    OP_TRY(th_group(in, "n", M_ERR, NULL, NULL, "width", PW_WIDTH, &g));
    th_series *s = &v->series[0];
    memset(s, 0, sizeof *s);
    v->nseries = 1;
    snprintf(s->name, sizeof s->name, "%s, width %d", in->control ? "random labels" : "2-XOR labels", PW_WIDTH);
    s->figure = 0;
    double worst = -INFINITY, worst_se = NAN, lx[TH_MAX_POINTS], ly[TH_MAX_POINTS], e1024 = NAN;
    int m = 0, failed = 0;
    for (int k = 0; k < g.n; k++) {
        failed += g.nfailed[k];
        if (g.nok[k] < 1) continue;
        double mu, se, lo = INFINITY, hi = -INFINITY;
        st_mean_se(g.vals[k], g.nok[k], &mu, &se);
        for (int i = 0; i < g.nok[k]; i++) {
            lo = fmin(lo, g.vals[k][i]);
            hi = fmax(hi, g.vals[k][i]);
        }
        s->x[m] = g.x[k];
        s->y[m] = mu;
        s->ylo[m] = lo;
        s->yhi[m] = hi;
        s->fit[m] = s->pred[m] = NAN;
        s->nok[m] = g.nok[k];
        s->nfailed[m] = g.nfailed[k];
        lx[m] = log10(g.x[k]);
        ly[m] = mu;
        if (mu > worst) {
            worst = mu;
            worst_se = se;
        }
        if (g.x[k] == 1024) e1024 = mu;
        m++;
    }
    s->n = m;
    th_groups_free(&g);
    double slope = NAN;
    st_fit f;
    if (m >= 2 && st_fit_line(lx, ly, NULL, m, &f) == OP_OK) {
        slope = f.slope;
        for (int i = 0; i < m; i++) s->fit[i] = f.intercept + f.slope * lx[i];
        snprintf(s->fit_title, sizeof s->fit_title, "fit: %.2f %% per decade of n", f.slope);
    }
    v->measured = m && !failed ? worst : NAN;
    v->se = worst_se;
    v->predicted = 5;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=5%%");
    v->lo = -INFINITY;
    v->hi = 5;
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    snprintf(v->extra, sizeof v->extra,
             "quantity=max_n(mean train error %%) err_at_1024=%.3g%% slope_per_decade_n=%.3g%% points=%d failed=%d",
             e1024, slope, m, failed);
    snprintf(v->note, sizeof v->note, "worst training error %.3g%% at width %d (predicted <= 5%% for every n)",
             v->measured, PW_WIDTH);

    /* Figure 2: smallest width with zero training error (median over seeds), when
     * the grid has several widths (full preset). */
    double ws[16];
    int nw = 0;
    for (int i = 0; i < in->nrecs; i++) {
        double w = rec_param(&in->recs[i], "width");
        int k = 0;
        while (k < nw && ws[k] != w) k++;
        if (k == nw && nw < 16) ws[nw++] = w;
    }
    if (nw >= 2) {
        th_series *t = &v->series[1];
        memset(t, 0, sizeof *t);
        v->nseries = 2;
        snprintf(t->name, sizeof t->name, "%s", in->control ? "random labels" : "2-XOR labels");
        t->figure = 1;
        int ns = 0;
        for (int i = 0; i < in->nrecs; i++) ns = in->recs[i].seed_index + 1 > ns ? in->recs[i].seed_index + 1 : ns;
        for (int k = 0; k < s->n && ns <= 256; k++) {
            double mins[256], work[256];
            int c = 0;
            for (int sd = 0; sd < ns; sd++) {
                double best = INFINITY; /* no width fits: plotted above the grid (2 x max) */
                double wmax = 0;
                for (int i = 0; i < in->nrecs; i++) {
                    const rec_record *r = &in->recs[i];
                    if (r->seed_index != sd || rec_param(r, "n") != s->x[k]) continue;
                    double w = rec_param(r, "width");
                    wmax = fmax(wmax, w);
                    if (r->status == REC_OK && rec_metric(r, "train_err") == 0 && w < best) best = w;
                }
                if (wmax == 0) continue; /* no record of this seed at this n */
                mins[c++] = isfinite(best) ? best : 2 * wmax;
            }
            if (!c) continue;
            t->x[t->n] = s->x[k];
            t->y[t->n] = st_median(mins, c, work);
            t->ylo[t->n] = st_quantile(mins, c, 0.25, work);
            t->yhi[t->n] = st_quantile(mins, c, 0.75, work);
            t->fit[t->n] = t->pred[t->n] = NAN;
            t->nok[t->n] = c;
            t->n++;
        }
    }
    return OP_OK;
}

const th_check th_polylog_width = {
    .id = "polylog-width",
    .graded = "worst mean training error (%) over n",
    .citation = "Chen, Cao, Zou, Gu, How much over-parameterization is sufficient to learn deep ReLU networks?, "
                "ICLR 2021 (arXiv 1911.12360); Ji & Telgarsky, Polylogarithmic width suffices..., ICLR 2020 "
                "(arXiv 1909.12292). Only the abstracts were verified; derived qualitative prediction",
    .claim = "For margin (NTK-separable) data, a width polylogarithmic in n suffices for GD to fit the "
             "training set: a fixed modest width keeps fitting as n grows.",
    .prediction = "noisy 2-XOR (d=12), width 64, 1000 full-batch GD steps: training error <= 5% for every "
                  "n in {256 ... 4096}",
    .band_source = "THEOREMS.md; pilot (J&T model, m=64, T=1000) errors 1.6%, 3.5%, 0.4%, 0.02%; random labels 38% "
                   "at n=1024",
    .metrics = {"train_err", "train_loss"},
    .quick = {.axes = {{"n", 5, {256, 512, 1024, 2048, 4096}}, {"width", 1, {64}}, {"steps", 1, {1000}}},
              .seeds = 2},
    .full = {.axes = {{"n", 5, {256, 512, 1024, 2048, 4096}},
                      {"width", 7, {2, 3, 4, 8, 16, 32, 64}},
                      {"steps", 1, {1000}}},
             .seeds = 5},
    .controls = {{"random-labels", "coin-flip labels have no margin: a fixed width and budget cannot fit them"}},
    .figures = {{"train-error", "polylog width: training error at fixed width 64 and GD budget",
                 "n (training points)", "training error % (mean over seeds; bars min..max)", 1, 0, 0, NULL},
                {"min-width", "smallest width with zero training error (widths 2..64, 1000 GD steps; not asserted)",
                 "n (training points)", "smallest width (median over seeds, bars quartiles; 2x max = none fits)",
                 1, 1, 0, NULL}},
    .run = pw_run,
    .judge = pw_judge,
};
