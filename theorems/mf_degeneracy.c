/* mf-degeneracy: deep mean-field nets with i.i.d. init collapse the middle layer.
 *
 * STATUS: NOT REGISTERED (not in theorems/registry.c or tests/theorems.cmake). With the
 * experiment below the prediction holds only for some data draws: quick preset, base
 * seed 0: seed-mean PR 1.80 (m=32) -> 1.62 +- 0.20 (m=512), MARGINAL against <= 1.5;
 * per data draw at m=512: 1.34 1.44 1.35 1.24 2.51 1.83 (Spearman(m, PR) = -1 and the
 * NTK control 6.56 FAILs as required). The level is set by the data draw, not by
 * training time (m=256, T = 300/1000/4000 give the same PR per draw, e.g. 2.57/2.59/2.49
 * for draw 4), is the same for pre-activations (so it is not the ReLU splitting one
 * direction into two half-waves), and rises with n (n = 60: mean 1.83 at m=512). The
 * pilot's 1.11 at m=512 was not reproduced; its target/data are not documented. Before
 * registering: find the pilot's setting (target, init of the first layer, n) or restate
 * the prediction (e.g. PR falls with m; median over draws), with a written reason.
 *
 * Fang, Lee, Yang, Zhang, "Modeling from features: a mean-field framework for
 * over-parameterized deep neural networks", COLT 2021 (PMLR 134:1887-1936); Fang, Gu,
 * Zhang, Zhang, "Convex formulation of overparameterized deep neural networks", IEEE
 * TIT 2022. Their experimental sections could not be retrieved: the prediction below
 * is DERIVED (research notes section 5) from their description of the degenerate case
 * ("each middle layer effectively has one meaningful unit" under i.i.d. init in the
 * mean-field scaling), not a reproduction of a figure of theirs.
 *
 * Experiment: 3-layer ReLU net (two hidden layers of width m), d = 5, n = 20 points
 * x ~ N(0, I), y = sin(beta.x), |beta| = 1; full-batch GD on the mean squared error for
 * T = 1000 steps. Mean-field scaling in every layer after the first:
 *   f(x) = m^-1 sum_i a_i relu(m^-1 sum_j W_ij relu(w_j.x / sqrt(d))),
 * N(0,1) weights, per-layer learning rates eta (m, m^2, m) for (w, W, a), which make
 * every unit move O(1) per unit time (the mean-field time scale). The nn engine's
 * NN_PARAM_MF is mean-field at the output only; the deep mean-field net also needs 1/m
 * in the middle layer, so this check sets that tensor's fwd_scale (the multiplier the
 * engine's forward and backward read at run time) to 1/m after creation.
 * Measured: participation ratio PR = (sum lambda)^2 / sum lambda^2 of the covariance of
 * the centred middle-layer (second hidden layer, post-ReLU) features over the training
 * points = (tr G)^2 / tr(G^2) for the centred n x n Gram G = F_c F_c^T (same nonzero
 * eigenvalues). PR = 1 means one effective feature.
 * Prediction (derived): PR after training falls with m and is < 1.5 at the largest
 * width. Judge: measured = mean over seeds of PR at the largest width, band
 * (-inf, 1.5] (pilot 1.29 -> 1.17 -> 1.11 for m = 32/128/512); and the decrease
 * criterion: Spearman rank correlation between m and the seed-mean PR <= -0.7 (fixed
 * before the runs; allows one or two adjacent swaps among 5 widths), else FAIL.
 * Control "ntk": NTK scaling (1/sqrt(fan_in) everywhere, width-independent eta): the
 * features stay near their rich random init (pilot PR 4.1 -> 5.7), so it must FAIL. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "nn/nn.h"

#define MD_N 20
#define MD_D 5
#define MD_ETA 0.5
enum { M_PR, M_PR_INIT, M_LOSS, M_PRPRE, M_PRPRE_INIT };

/* PR of the centred rows of F (n x m). */
static double md_pr(const double *F, int n, int m, double *Fc)
{
    for (int j = 0; j < m; j++) {
        double mu = 0;
        for (int i = 0; i < n; i++) mu += F[(size_t)i * m + j];
        mu /= n;
        for (int i = 0; i < n; i++) Fc[(size_t)i * m + j] = F[(size_t)i * m + j] - mu;
    }
    double tr = 0, tr2 = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double g = 0;
            for (int j = 0; j < m; j++) g += Fc[(size_t)i * m + j] * Fc[(size_t)k * m + j];
            tr2 += g * g;
            if (i == k) tr += g;
        }
    return tr2 > 0 ? tr * tr / tr2 : NAN;
}

/* PR of the centred middle-layer pre-activations u2 = s W2 h1 (n x m). */
static double md_pr_pre(const nn_model *net, int n, double *U, double *Fc)
{
    const nn_tensor *t = &net->tensors[1];
    const double *h1 = ((double **)net->h)[1], *W = (const double *)net->params + t->offset;
    int m = t->shape[0];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, t->shape[1], t->fwd_scale, h1, t->shape[1], W,
                t->shape[1], 0.0, U, m);
    return md_pr(U, n, m, Fc);
}

static int md_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int m = (int)th_get(p, "m");
    long T = (long)th_get(p, "T");
    int ntk = ctx->control && strcmp(ctx->control, "ntk") == 0;
    op_rng data;
    op_rng_seed(&data, ctx->data_seed);
    double X[MD_N * MD_D], y[MD_N], beta[MD_D], nb = 0, f[MD_N], dout[MD_N];
    for (int j = 0; j < MD_D; j++) {
        beta[j] = op_rng_normal(&data);
        nb += beta[j] * beta[j];
    }
    for (int i = 0; i < MD_N * MD_D; i++) X[i] = op_rng_normal(&data);
    for (int i = 0; i < MD_N; i++) {
        double s = 0;
        for (int j = 0; j < MD_D; j++) s += X[i * MD_D + j] * beta[j] / sqrt(nb);
        y[i] = sin(s);
    }
    nn_config cfg = nn_config_mlp(MD_D, 2, m, 1, ntk ? NN_PARAM_NTK : NN_PARAM_MF);
    cfg.bias = 0;
    nn_model *net;
    OP_TRY(nn_model_create(&cfg, NN_F64, MD_N, &net));
    nn_model_init(net, rng);
    double lr[3] = {MD_ETA, MD_ETA, MD_ETA};
    if (!ntk) {
        net->tensors[1].fwd_scale = 1.0 / m; /* mean-field middle layer (see the header) */
        lr[0] = MD_ETA * m;
        lr[1] = MD_ETA * (double)m * m;
        lr[2] = MD_ETA * m;
    }
    double *Fc = op_malloc(sizeof(double) * MD_N * (size_t)m), *U = op_malloc(sizeof(double) * MD_N * (size_t)m);
    const double *h2 = ((double **)net->h)[2];
    int st = Fc && U ? nn_forward_f64(net, X, MD_N, f) : OP_ENOMEM;
    if (!st) out->v[M_PR_INIT] = md_pr(h2, MD_N, m, Fc);
    if (!st) out->v[M_PRPRE_INIT] = md_pr_pre(net, MD_N, U, Fc);
    double *th = net->params, *g = net->grads;
    for (long t = 0; t < T && !st; t++) {
        st = nn_forward_f64(net, X, MD_N, f);
        if (st) break;
        double loss = nn_loss_f64(NN_LOSS_MSE, f, y, MD_N, 1, dout);
        if (!isfinite(loss)) {
            st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "mf-degeneracy: loss diverged at step %ld", t);
            break;
        }
        nn_zero_grad(net);
        st = nn_backward_f64(net, dout, MD_N, NULL, NN_BWD_PARAMS);
        for (int k = 0; k < 3 && !st; k++) {
            const nn_tensor *tt = &net->tensors[k];
            for (size_t i = tt->offset; i < tt->offset + tt->count; i++) th[i] -= lr[k] * g[i];
        }
    }
    if (!st) st = nn_forward_f64(net, X, MD_N, f);
    if (!st) {
        out->v[M_PR] = md_pr(h2, MD_N, m, Fc);
        out->v[M_PRPRE] = md_pr_pre(net, MD_N, U, Fc);
        out->v[M_LOSS] = nn_loss_f64(NN_LOSS_MSE, f, y, MD_N, 1, NULL);
        if (!isfinite(out->v[M_PR]) || !isfinite(out->v[M_LOSS]))
            st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "mf-degeneracy: non-finite PR or loss");
    }
    free(Fc);
    free(U);
    nn_model_free(net);
    return st;
}

/* Mean +- s.e. over seeds of metric k per width into series s. */
static int md_series(const th_judge_in *in, int metric, const char *name, th_series *s)
{
    th_groups g;
    OP_TRY(th_group(in, "m", metric, NULL, NULL, NULL, 0, &g));
    snprintf(s->name, sizeof s->name, "%s", name);
    s->figure = 0;
    s->n = 0;
    for (int i = 0; i < g.n; i++) {
        if (g.nok[i] < 1) continue;
        double mu, se;
        st_mean_se(g.vals[i], g.nok[i], &mu, &se);
        int k = s->n++;
        s->x[k] = g.x[i];
        s->y[k] = mu;
        s->ylo[k] = mu - se;
        s->yhi[k] = mu + se;
        s->fit[k] = s->pred[k] = NAN;
        s->nok[k] = g.nok[i];
        s->nfailed[k] = g.nfailed[i];
    }
    th_groups_free(&g);
    return OP_OK;
}

static int md_judge(const th_judge_in *in, th_verdict *v)
{
    const char *lab = in->control ? "NTK" : "mean-field";
    char name[48];
    snprintf(name, sizeof name, "%s, after GD", lab);
    OP_TRY(md_series(in, M_PR, name, &v->series[0]));
    snprintf(name, sizeof name, "%s, at init", lab);
    OP_TRY(md_series(in, M_PR_INIT, name, &v->series[1]));
    v->nseries = 2;
    th_series *s = &v->series[0];
    for (int k = 0; k < s->n; k++) s->pred[k] = 1.5;
    snprintf(s->pred_title, sizeof s->pred_title, "band edge PR = 1.5 (at the largest width)");
    v->lo = -INFINITY;
    v->hi = 1.5;
    v->predicted = 1.5;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=1.5");
    if (s->n < 3) {
        v->grade = ST_FAIL;
        snprintf(v->extra, sizeof v->extra, "widths=%d(need >= 3)", s->n);
        return OP_OK;
    }
    v->measured = s->y[s->n - 1];
    v->se = s->yhi[s->n - 1] - s->y[s->n - 1];
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    double work[2 * TH_MAX_POINTS], lx[TH_MAX_POINTS];
    for (int k = 0; k < s->n; k++) lx[k] = log(s->x[k]);
    double rho = st_spearman(lx, s->y, s->n, work);
    int falls = rho <= -0.7;
    if (!falls) v->grade = ST_FAIL;
    snprintf(v->extra, sizeof v->extra,
             "quantity=PR(middle-layer features)@m=%g PR@m=%g:%.3g spearman(m,PR)=%.2f(need<=-0.7%s) "
             "PR_init@m=%g:%.3g",
             s->x[s->n - 1], s->x[0], s->y[0], rho, falls ? "" : ",FAILED", s->x[s->n - 1],
             v->series[1].y[v->series[1].n - 1]);
    snprintf(v->note, sizeof v->note, "PR at m = %g: %.3g ± %.2g (predicted <= 1.5); Spearman(m, PR) %.2f",
             s->x[s->n - 1], v->measured, v->se, rho);
    return OP_OK;
}

const th_check th_mf_degeneracy = {
    .id = "mf-degeneracy",
    .citation = "Fang, Lee, Yang, Zhang, Modeling from features, COLT 2021; Fang, Gu, Zhang, Zhang, Convex "
                "formulation of overparameterized deep NNs, IEEE TIT 2022 -- DERIVED prediction (their "
                "experiments could not be retrieved; research notes section 5)",
    .claim = "With i.i.d. init and mean-field scaling, GD on a 3-layer ReLU net degenerates the middle layer: "
             "its features over the data collapse to about one direction as the width grows",
    .prediction = "participation ratio of centred middle-layer features falls with m and is <= 1.5 at the "
                  "largest width (derived, not from the papers' experiments)",
    .band_source = "THEOREMS.md group O; pilot (n=20, d=5, 1000 GD steps): MF 1.29/1.17/1.11 at m=32/128/512, "
                   "NTK 4.1 -> 5.7",
    .metrics = {"pr", "pr_init", "train_mse", "pr_pre", "pr_pre_init"},
    .quick = {.axes = {{"T", 1, {1000}}, {"m", 5, {32, 64, 128, 256, 512}}}, .seeds = 6},
    .full = {.axes = {{"T", 1, {1000}}, {"m", 6, {32, 64, 128, 256, 512, 1024}}}, .seeds = 10},
    .controls = {{"ntk", "NTK scaling: lazy training keeps the rich random middle-layer features (PR > 3), "
                         "so the degeneracy prediction must FAIL"}},
    .figures = {{"participation-ratio", "middle-layer feature participation ratio (3-layer ReLU net, GD)",
                 "width m", "participation ratio (mean ± s.e. over seeds)", 1, 0, 0, NULL}},
    .run = md_run,
    .judge = md_judge,
};
