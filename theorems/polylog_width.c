/* polylog-width: a modest width suffices for GD to fit margin data, and to generalise.
 *
 * Chen, Cao, Zou, Gu, "How much over-parameterization is sufficient to learn deep
 * ReLU networks?", ICLR 2021 (arXiv 1911.12360); Ji & Telgarsky, "Polylogarithmic
 * width suffices for gradient descent to achieve arbitrarily small test error with
 * shallow ReLU networks", ICLR 2020 (arXiv 1909.12292). ONLY THE ABSTRACTS WERE
 * VERIFIED (research notes section 3); the theorems' constants are vacuous at this
 * scale, so this is a derived, qualitative prediction: with NTK-separable (margin)
 * data, the width GD needs grows only polylogarithmically in n, so at a FIXED modest
 * width and step budget GD fits the training set for every n (Chen et al.) and its
 * TEST error becomes small as n grows (Ji & Telgarsky: test error eps at width
 * polylog(n, 1/eps)).
 *
 * Data (issue 15 redesign): noisy 2-XOR in d = 20 (Wei-Lee-Liu-Ma convention, as
 * restated in the notes): x = (first two coordinates one of (+-1, 0), (0, +-1); the
 * other 18 coordinates +-1) / sqrt(d - 1), scaled by sqrt(d) because the engine's
 * NTK layer divides by sqrt(fan_in) (so W x / sqrt(d) is J&T's w.x with |x| = 1);
 * label +1 iff the non-zero one of the first two is x1. That is 4 * 2^18 points. Per
 * seed, 4096 + 4096 distinct points are drawn without replacement (data_seed): the
 * training set of size n is the first n (nested), the test set the last 4096, disjoint
 * from every training set. (Before issue 15 the check used d = 12, whose 4096 points
 * were the whole domain at n = 4096, so no test error could be measured.)
 * Model: two-layer ReLU MLP, NTK parameterization, no biases (as Ji & Telgarsky),
 * width 64 (about (ln 4096)^2 = 69: "polylog" at the largest n); full-batch GD, lr 1,
 * logistic loss, T = 3000 steps (both layers trained; J&T train only the first).
 * Metrics: training and test error (%).
 * Prediction, two criteria, both fixed before the d = 20 runs:
 *   train   the training error <= 5 % for every n in {256 ... 4096} (worst n, mean over
 *           seeds, st_grade);
 *   test    the test error at the largest n <= 5 % (Ji & Telgarsky's eps = 5 %; graded
 *           value: this is `measured` in the verdict line).
 * The verdict is the worse of the two. The slope of the test error against log10 n is
 * reported (it should fall).
 * Near-miss control "narrow" (issue 15): width 1, one unit below the 2 the target needs.
 * Without biases the label is sign(|x1|) with |x1| = relu(x1) + relu(-x1): two units,
 * positive on the +-e1 clusters and exactly 0 on the +-e2 clusters (x1 = 0 there), and
 * the engine's 0/1 error counts f <= 0 as the -1 class. One unit relu(w.x) cannot be
 * positive on both +e1 and -e1 points with the same nuisance signs, and the nuisance
 * signs are independent of the cluster, so about half of the +1 class (a quarter of
 * the points) stays wrong: training and test error ~25 %, far above 5 %. Everything
 * else is the same; graded by the same criteria, it must FAIL. It is a capacity
 * bound, the narrowest width below the target's requirement, not a subtle violation;
 * a sharper near miss (a target whose required width grows with n, issue 15) is open.
 * Design history (issue 15, this commit): the near miss was first width 3, on the
 * claim that the target needs 4 units (|x1| - |x2|); the runs refuted that claim (base
 * seed 1, 3000 steps: width 3 reached 0.37 % test error at n = 4096 on one seed and
 * < 5 % at n = 512 on both), and the argument above shows 2 units suffice. Width 3 was
 * therefore not below the requirement at all, and was replaced by width 1 before any
 * run of width 1.
 * GD budget (issue 15, this commit): T = 3000, not the d = 12 pilot's 1000. Ji &
 * Telgarsky's step count grows like 1/gamma^2, and the 2-XOR margin shrinks like 1/d,
 * so d = 12 -> 20 asks for (20/12)^2 = 2.8x the steps. Measured at T = 1000 first
 * (quick): base seed 0 PASS (worst training error 2.7 % at n = 256), base seed 1
 * training error 20 % at n = 4096 on one seed (GD not converged: the loss was still
 * falling), so the budget was raised by the theory's factor, not tuned to the band.
 * Control "random-labels" (not a near miss): labels are fair coin flips (no margin), so
 * neither the training nor the test criterion can hold at this width and budget.
 * Figure 2 (full preset: widths 2, 3, 4, 8, ..., 64): the smallest width that fits the
 * training set exactly, median over seeds (bars: quartiles), vs n; 2 x the largest
 * width stands for "none fits". Plotted, NOT asserted (too seed-noisy, notes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "nn/nn.h"

#define PW_D 20
#define PW_CUBE (1L << PW_D)   /* 4 * 2^(PW_D - 2) points: index bits 0-1 the XOR part, 2.. the signs */
#define PW_NMAX 4096           /* the largest training set (grid values above it are refused) */
#define PW_NTEST 4096          /* held-out points, disjoint from every training set */
#define PW_WIDTH 64            /* the graded width */
#define PW_NARROW 1            /* control "narrow": one unit below the 2 the target needs */
#define PW_EPS 5.0             /* % : both criteria's band */

enum { M_ERR, M_LOSS, M_TEST, M_WIDTH };

/* Point index q in [0, 2^d): bits 0-1 choose the XOR part, bits 2..d-1 the signs. */
static double xor_point(long q, double *x)
{
    /* |x| = sqrt(d): the NTK layer computes W x / sqrt(d), so this is J&T's w.x with |x| = 1 */
    double s = sqrt(PW_D / (PW_D - 1.0));
    int a = (int)(q & 3);
    x[0] = a == 0 ? s : a == 1 ? -s : 0;
    x[1] = a == 2 ? s : a == 3 ? -s : 0;
    for (int k = 2; k < PW_D; k++) x[k] = (q >> k) & 1 ? s : -s;
    return a < 2 ? 1.0 : -1.0;
}

/* PW_NMAX + PW_NTEST distinct cube points (rejection against a bitmap), from the
 * seed's data stream: the same for every n, width and variant of one seed. */
static int draw_points(uint64_t data_seed, long *idx)
{
    unsigned char *seen = calloc(PW_CUBE / 8, 1);
    if (!seen) return OP_ENOMEM;
    op_rng data;
    op_rng_seed(&data, data_seed);
    for (int i = 0; i < PW_NMAX + PW_NTEST;) {
        long q = (long)op_rng_below(&data, (uint64_t)PW_CUBE);
        if (seen[q >> 3] & (1u << (q & 7))) continue;
        seen[q >> 3] |= (unsigned char)(1u << (q & 7));
        idx[i++] = q;
    }
    free(seen);
    return OP_OK;
}

static int pw_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int n = (int)th_get(p, "n"), m = (int)th_get(p, "width");
    long steps = (long)th_get(p, "steps");
    int rnd = ctx->control && strcmp(ctx->control, "random-labels") == 0;
    if (ctx->control && strcmp(ctx->control, "narrow") == 0 && m == PW_WIDTH) m = PW_NARROW;
    if (n < 1 || n > PW_NMAX) OP_ERROR(OP_EUSAGE, "polylog-width: n = %d outside [1, %d]", n, PW_NMAX);
    const int ntot = PW_NMAX + PW_NTEST;
    long *idx = op_malloc(sizeof(long) * ntot);
    double *X = op_malloc(sizeof(double) * (size_t)n * PW_D), *y = op_malloc(sizeof(double) * n);
    double *Xt = op_malloc(sizeof(double) * (size_t)PW_NTEST * PW_D), *yt = op_malloc(sizeof(double) * PW_NTEST);
    nn_model *net = NULL;
    int st = OP_OK;
    if (!idx || !X || !y || !Xt || !yt) {
        st = OP_ENOMEM;
        goto done;
    }
    if ((st = draw_points(ctx->data_seed, idx))) goto done;
    /* coin-flip labels of the random-labels control: one per drawn point, its own stream */
    op_rng coin;
    op_rng_seed(&coin, ctx->data_seed ^ 0x636f696e666c6970ULL);
    for (int i = 0; i < ntot; i++) {
        double c = op_rng_uniform(&coin) < 0.5 ? 1.0 : -1.0;
        double lab;
        if (i < n) {
            lab = xor_point(idx[i], X + (size_t)i * PW_D);
            y[i] = rnd ? c : lab;
        } else if (i >= PW_NMAX) {
            int j = i - PW_NMAX;
            lab = xor_point(idx[i], Xt + (size_t)j * PW_D);
            yt[j] = rnd ? c : lab;
        }
    }
    nn_config cfg = nn_config_mlp(PW_D, 1, m, 1, NN_PARAM_NTK);
    cfg.bias = 0;
    if ((st = nn_model_create(&cfg, NN_F32, n > PW_NTEST ? n : PW_NTEST, &net))) goto done;
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
    double loss, err, tloss, terr;
    if ((st = nn_eval(net, NN_LOSS_LOGISTIC, X, y, n, &loss, &err))) goto done;
    if ((st = nn_eval(net, NN_LOSS_LOGISTIC, Xt, yt, PW_NTEST, &tloss, &terr))) goto done;
    out->v[M_ERR] = 100 * err;
    out->v[M_LOSS] = loss;
    out->v[M_TEST] = 100 * terr;
    out->v[M_WIDTH] = m;
    if (!isfinite(loss)) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite loss");
done:
    nn_model_free(net);
    free(idx);
    free(X);
    free(y);
    free(Xt);
    free(yt);
    return st;
}

/* The worst point of a table's seed means (the point and its s.e.). */
static void worst_point(const th_table *t, int *at, double *mu, double *se)
{
    *at = -1;
    *mu = *se = NAN;
    double *vals = op_malloc(sizeof(double) * (size_t)(t->ns > 0 ? t->ns : 1));
    if (!vals) return;
    for (int p = 0; p < t->np; p++) {
        int k = th_table_row(t, p, vals);
        if (!k) continue;
        double m, s;
        st_mean_se(vals, k, &m, &s);
        if (*at < 0 || m > *mu) {
            *at = p;
            *mu = m;
            *se = k > 1 ? s : NAN;
        }
    }
    free(vals);
}

/* Figure 2 (full preset): smallest width with zero training error per seed, median
 * over seeds, from one table per width. */
static int min_width_series(const th_judge_in *in, const th_table *ref, th_series *t)
{
    double ws[16];
    int nw = th_distinct_num(in, "width", ws, 16);
    if (nw < 2) return 0;
    for (int a = 1; a < nw; a++) /* ascending */
        for (int b = a; b > 0 && ws[b] < ws[b - 1]; b--) {
            double tmp = ws[b];
            ws[b] = ws[b - 1];
            ws[b - 1] = tmp;
        }
    th_table tw[16];
    memset(tw, 0, sizeof tw);
    int st = OP_OK;
    for (int w = 0; w < nw && !st; w++) {
        th_where wh[] = {{"width", NULL, ws[w]}, {NULL, NULL, 0}};
        st = th_table_collect(in, "n", M_ERR, wh, &tw[w]);
    }
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", in->control ? in->control : "2-XOR labels");
    t->figure = 1;
    double mins[256], work[256];
    for (int p = 0; !st && p < ref->np; p++) {
        int c = 0;
        for (int s = 0; s < ref->ns && s < 256; s++) {
            double best = 2 * ws[nw - 1]; /* no width fits: plotted above the grid */
            int any = 0;
            for (int w = nw - 1; w >= 0; w--) {
                int q = th_table_find(&tw[w], ref->x[p]);
                if (q < 0 || s >= tw[w].ns) continue;
                double e = th_table_at(&tw[w], q, s);
                if (isnan(e)) continue;
                any = 1;
                if (e == 0) best = ws[w];
            }
            if (any) mins[c++] = best;
        }
        if (!c) continue;
        t->x[t->n] = ref->x[p];
        t->y[t->n] = st_median(mins, c, work);
        t->ylo[t->n] = st_quantile(mins, c, 0.25, work);
        t->yhi[t->n] = st_quantile(mins, c, 0.75, work);
        t->fit[t->n] = t->pred[t->n] = NAN;
        t->nok[t->n] = c;
        t->n++;
    }
    for (int w = 0; w < nw; w++) th_table_free(&tw[w]);
    return st ? st : 1;
}

static int pw_judge(const th_judge_in *in, th_verdict *v)
{
    th_where wh[] = {{"width", NULL, PW_WIDTH}, {NULL, NULL, 0}};
    th_table tr = {0}, te = {0};
    int st = th_table_collect(in, "n", M_ERR, wh, &tr);
    if (!st) st = th_table_collect(in, "n", M_TEST, wh, &te);
    if (st) goto done;
    const char *label = !in->control ? "2-XOR, width 64"
                        : strcmp(in->control, "narrow") == 0 ? "2-XOR, width 1"
                                                              : "random labels, width 64";
    v->nseries = 2;
    th_series *s = &v->series[0], *u = &v->series[1];
    th_table_series(&te, 0, s);
    snprintf(s->name, sizeof s->name, "test, %s", label);
    s->figure = 0;
    th_table_series(&tr, 0, u);
    snprintf(u->name, sizeof u->name, "train, %s", label);
    u->figure = 0;
    /* the band (both criteria: <= PW_EPS) as a reference line of the figure */
    for (int i = 0; i < s->n; i++) s->fit[i] = s->pred[i] = NAN;
    for (int i = 0; i < u->n; i++) u->fit[i] = u->pred[i] = NAN;
    th_add_ref(v, 0, -INFINITY, PW_EPS, "graded: test (largest n) and train (every n) <= %g %%", PW_EPS);

    /* criterion train: the worst n's mean training error */
    int wp;
    double wmu, wse;
    worst_point(&tr, &wp, &wmu, &wse);
    st_grade_t g_train = st_grade(wmu, wse, -INFINITY, PW_EPS);
    /* criterion test: the mean test error at the largest n (graded value) */
    int last = te.np - 1;
    double tv[256];
    int k = last >= 0 && te.ns <= 256 ? th_table_row(&te, last, tv) : 0;
    double tmu = NAN, tse = NAN;
    if (k) st_mean_se(tv, k, &tmu, &tse);
    if (k < 2) tse = NAN;
    st_grade_t g_test = st_grade(tmu, tse, -INFINITY, PW_EPS);
    v->measured = tmu;
    v->se = tse;
    v->predicted = PW_EPS;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=5%%");
    v->lo = -INFINITY;
    v->hi = PW_EPS;
    v->grade = st_grade_worst(g_train, g_test);
    /* reported: the test error's slope per decade of n over the seed means */
    double lx[TH_MAX_POINTS], ly[TH_MAX_POINTS], mean[TH_MAX_POINTS], slope = NAN;
    int m = 0;
    th_table_means(&te, mean);
    for (int p = 0; p < te.np; p++)
        if (isfinite(mean[p])) {
            lx[m] = log10(te.x[p]);
            ly[m++] = mean[p];
        }
    st_fit f;
    if (m >= 3 && st_fit_line(lx, ly, NULL, m, &f) == OP_OK) slope = f.slope;
    snprintf(v->extra, sizeof v->extra,
             "quantity=mean test error %% at n=%g test:%s train:%s(worst n=%g: %.3g±%.2g%%) "
             "test_slope_per_decade_n=%.3g%% seeds=%d failed=%d",
             last >= 0 ? te.x[last] : NAN, st_grade_name(g_test), st_grade_name(g_train), wp >= 0 ? tr.x[wp] : NAN,
             wmu, wse, slope, te.ns, te.nfailed_total + tr.nfailed_total);
    snprintf(v->note, sizeof v->note, "test error %.3g%% at n = %g, worst training error %.3g%% (both <= 5%%)", tmu,
             last >= 0 ? te.x[last] : NAN, wmu);
    st = min_width_series(in, &tr, &v->series[2]);
    if (st == 1) {
        v->nseries = 3;
        st = OP_OK;
    }
done:
    th_table_free(&tr);
    th_table_free(&te);
    return st;
}

const th_check th_polylog_width = {
    .id = "polylog-width",
    .graded = "mean test error (%) at the largest n (second criterion: the worst mean training error over n)",
    .cite = {"chen2021how", "ji2020polylogarithmic"},
    .citation = "Chen, Cao, Zou, Gu, How much over-parameterization is sufficient to learn deep ReLU networks?, "
                "ICLR 2021 (arXiv 1911.12360); Ji & Telgarsky, Polylogarithmic width suffices..., ICLR 2020 "
                "(arXiv 1909.12292). Only the abstracts were verified; derived qualitative prediction",
    .claim = "For margin (NTK-separable) data, a width polylogarithmic in n suffices for GD to fit the "
             "training set and reach a small test error: a fixed modest width keeps working as n grows.",
    .prediction = "noisy 2-XOR (d=20), width 64, 3000 full-batch GD steps: training error <= 5% for every "
                  "n in {256 ... 4096} and test error <= 5% at n = 4096",
    .band_source = "THEOREMS.md (eps = 5%); pilot at d = 12 (J&T model, m=64, T=1000): training errors 1.6%, 3.5%, "
                   "0.4%, 0.02%; random labels 38% at n=1024",
    .metrics = {"train_err", "train_loss", "test_err", "width_used"},
    .quick = {.axes = {{"n", 5, {256, 512, 1024, 2048, 4096}}, {"width", 1, {64}}, {"steps", 1, {3000}}},
              .seeds = 2},
    .full = {.axes = {{"n", 5, {256, 512, 1024, 2048, 4096}},
                      {"width", 7, {2, 3, 4, 8, 16, 32, 64}},
                      {"steps", 1, {3000}}},
             .seeds = 5},
    .controls = {{"narrow", "near miss: width 1, one unit below the 2 (|x1| = relu(x1) + relu(-x1)) the target "
                            "needs without biases: about a quarter of the points stay wrong, so the criteria must "
                            "FAIL", 1},
                 {"random-labels", "coin-flip labels have no margin: a fixed width and budget cannot fit them"}},
    .figures = {{"error", "polylog width: training and test error at fixed width 64 and GD budget",
                 "n (training points)", "error % (mean over seeds, bars +- s.e.)", 1, 0, 0, NULL},
                {"min-width", "smallest width with zero training error (widths 2..64, 3000 GD steps; not asserted)",
                 "n (training points)", "smallest width (median over seeds, bars quartiles; 2x max = none fits)",
                 1, 1, 0, NULL, 1}},
    .run = pw_run,
    .judge = pw_judge,
};
