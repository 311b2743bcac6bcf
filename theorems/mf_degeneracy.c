/* mf-degeneracy: deep mean-field nets with i.i.d. init collapse the middle layer.
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
 *   f(x) = m^-1 sum_i a_i relu(u_i(x)),  u_i(x) = m^-1 sum_j W_ij relu(w_j.x / sqrt(d)),
 * N(0,1) weights, per-layer learning rates eta (m, m^2, m) for (w, W, a), which make
 * every unit move O(1) per unit time (the mean-field time scale). The nn engine's
 * NN_PARAM_MF is mean-field at the output only; the deep mean-field net also needs 1/m
 * in the middle layer, so this check sets that layer's weight_scale (nn_config: the
 * multiplier the engine's forward and backward apply) to 1/m.
 *
 * What the mean-field limit predicts (derivation, why the criterion is what it is).
 * At init u_i(x) = m^-1 sum_j W_ij h_j(x) is O(m^-1/2): the i.i.d. part of W averages
 * out. Under GD (continuous time, rates above) dW_ij/dt = a_i E_x[relu'(u_i) h_j r],
 * r = y - f, so du_i/dt = a_i E_x'[relu'(u_i(x')) K(x, x') r(x')] with the common
 * first-layer kernel K = m^-1 sum_j h_j h_j^T, and da_i/dt = E_x[relu(u_i) r]. Without
 * the O(m^-1/2) init part, this system is positively homogeneous in (a_i, u_i): a unit
 * with a_i(0) = lambda a(0), lambda > 0, follows (lambda a(t), lambda u(t)). So in the
 * limit every middle-layer unit's feature is lambda_i u_+(x) or lambda_i u_-(x)
 * according to the SIGN of its output weight at init: within a sign group the centred
 * features (pre- or post-ReLU) are rank one (PR -> 1), and the whole layer has rank
 * <= 2 (PR <= 2). At finite m the O(m^-1/2) random part adds a rank-n perturbation of
 * relative variance O(1/m), so PR_group - 1 = O(1/m).
 *
 * Why not "overall PR <= 1.5" (the first draft, left unregistered): the overall PR
 * converges to a DATA-DEPENDENT value in [1, 2] (how large and how aligned the two
 * group features are), so a fixed 1.5 is not implied by the theory. Measured with the
 * draft (quick preset, base seed 0): overall PR at m=512 per data draw 1.34 1.44 1.35
 * 1.24 2.51 1.83, while more steps or smaller steps did not change it (it is the
 * limit's level, not a training budget issue). Throw-away pilots of this exact net
 * (data draws 1-3, m = 32/128/512): overall PR 1.49/1.47/1.46, 1.55/1.33/1.35,
 * 1.27/1.29/1.25 (flat, draw-dependent) while the within-group PR (max of the two
 * groups, pre-activation) fell 1.23/1.08/1.02, 1.22/1.06/1.01, 1.11/1.04/1.01 (excess
 * ~ m^-0.9). One (data, init) pair in ten at m=512 showed a finite-width departure
 * from the limit (group PR collapsed to 1.04 by t=32, then grew to 1.56 by t=500;
 * gone at m=2048; the same with half the step size, so it is the dynamics, not the
 * discretisation): hence the MEDIAN over seeds is graded, not the mean.
 *
 * Criterion (issue 15 item 3: the O(1/m) law the derivation above predicts, graded with
 * the judge kit; replaces the earlier Spearman(m, median PR_group) <= -0.7, which only
 * said "falls"):
 *  - graded: the paired rate of PR_group - 1 against m, i.e. the mean over seeds of each
 *    seed's OLS slope of log(PR_group - 1) against log m, with PR_group = max over the two
 *    sign groups of the PR of the centred post-ReLU middle-layer features. Predicted -1
 *    (the random init part has relative variance O(1/m)); band [-1.3, -0.7], +-30 % of the
 *    predicted slope as lazy-training's [-0.65, -0.35] is of its -1/2. The kit's plateau
 *    rule applies (last segment flatter than -0.5: no better than MARGINAL). Fixed from the
 *    derivation before this criterion was run.
 *  - level (hard, kept from the previous criterion): median over seeds of PR_group at the
 *    largest width <= 1.2, else FAIL. 1.2 operationalises "one meaningful direction": two
 *    directions with variances 1 and eps give PR = (1+eps)^2/(1+eps^2) ~ 1 + 2 eps, so
 *    PR <= 1.2 means the second direction carries <= ~10% of the first. (THEOREMS.md's 1.5
 *    on the overall PR corresponds to eps ~ 0.3 for a rank-two layer.)
 *  - rank-2 limit (hard): median over seeds of the overall PR at the largest width <= 2,
 *    else FAIL.
 * The per-seed PR = (sum lambda)^2 / sum lambda^2 of the covariance of the centred
 * features over the training points = (tr G)^2 / tr(G^2) for the centred n x n Gram
 * G = F_c F_c^T (same nonzero eigenvalues). PR = 1 means one effective feature.
 * Control "ntk": NTK scaling (1/sqrt(fan_in) everywhere, width-independent eta):
 * training is lazy and the middle layer keeps its rich random features (pilot: group
 * PR 3.0 -> 5.6 for m 32 -> 512, overall 4.6 -> 6.7), so it must FAIL.
 * Near-miss control "mid-scale" (issue 15): the middle layer scaled m^-3/4 instead of
 * m^-1 (learning rate of W eta m^(3/2) = eta m^(2 gamma), those of w and a unchanged),
 * a quarter power short of mean-field. The limit dynamics of (a_i, u_i) are the same
 * (du_i/dt = eta_W m^(-2 gamma) a_i E[...] is O(1)), but the random init part of u_i is
 * m^(1/2 - gamma) = m^-1/4 instead of m^-1/2, so by the same argument
 * PR_group - 1 ~ m^-1/2: predicted slope -0.5, 0.2 above the band's edge -0.7.
 *
 * Measured with this criterion (quick, base seeds 0..5, 6 data/init draws each; 2026-12-06):
 * paired slope -0.753 +- 0.12, -0.78 +- 0.12, -0.755 +- 0.07 (plateau), -0.674 +- 0.12
 * (plateau), -0.599 +- 0.14, -0.74 +- 0.06: PASS, PASS, MARGINAL, MARGINAL, MARGINAL, PASS.
 * Over the 36 draws the rate is about -0.72 +- 0.03, not -1; several draws flatten between
 * m = 256 and 512 at PR_group ~ 1.01-1.03 (last-segment slopes from +1.6 to -1.2), and about
 * one draw in six departs (e.g. 1.029 -> 1.091 from m = 256 to 512). A likely gap in the
 * derivation above, not yet tested: at t = 0 the learned part of u_i is zero, so the ReLU
 * gates relu'(u_i(x)) of the first steps are set by the SIGN of the random init part, whose
 * effect does not shrink with m; units of one sign group then start along different
 * directions, which would leave an m-independent floor on PR_group - 1 rather than O(1/m).
 * The band was not moved. Deciding between a floor and a slow approach to -1 needs widths
 * beyond 512 (the full preset reaches 1024; 2048-4096 with more draws would settle it).
 * Settled (2026-12-06, finding): the full preset's grid extended to m = 2048 with 12
 * draws (a local build; `overparam verify mf-degeneracy --full --no-controls`), PR_group - 1
 * = 0.172, 0.099, 0.084, 0.041, 0.025, 0.019, 0.0128 at m = 32 ... 2048 (geometric means);
 * paired slope -0.635 +- 0.086 (90 %: [-0.79, -0.48]), last segment 1024 -> 2048 -0.58 +-
 * 0.18, segments beyond 256 -0.72, -0.40, -0.58: MARGINAL against the band. Neither a
 * floor (the curve keeps falling) nor a slow approach to -1 (it does not steepen): the
 * data follow about m^-0.6, and the 90 % interval excludes the derivation's -1. The
 * mid-scale control's m^-1/2 is within it, which suggests an m^-1/2 term the derivation
 * misses (a candidate: the init-sign gates above, whose fraction of flipped units
 * shrinks like the m^-1/2 fluctuation of the learned part relative to the init part).
 * The prediction -1 is therefore not confirmed; the band stays, the quick ctest (base
 * seed 0: PASS at -0.753 +- 0.12) is kept, and the quick verdict varies with the seed
 * (MARGINAL at base seeds 2-4), as reported in the README. */
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
#define MD_BAND 1.2   /* on the median within-group PR at the largest width (header) */
#define MD_RANK2 2.0  /* on the median overall PR at the largest width: the rank-2 limit */
#define MD_SLOPE -1.0 /* predicted slope of log(PR_group - 1) against log m (header) */
#define MD_SLO -1.3
#define MD_SHI -0.7
enum { M_PR, M_PR_INIT, M_LOSS, M_PRPRE, M_PRPRE_INIT, M_PRG, M_PRG_INIT, M_PRG_PRE };

/* PR of the centred columns of F (n x m) whose sel[j] == want (all columns if sel is
 * NULL); Fc (n x m) is scratch. NaN if the selected features have no variance. */
static double md_pr(const double *F, int n, int m, const unsigned char *sel, int want, double *Fc)
{
    int k = 0;
    for (int j = 0; j < m; j++) {
        if (sel && sel[j] != want) continue;
        double mu = 0;
        for (int i = 0; i < n; i++) mu += F[(size_t)i * m + j];
        mu /= n;
        for (int i = 0; i < n; i++) Fc[(size_t)i * m + k] = F[(size_t)i * m + j] - mu;
        k++;
    }
    double tr = 0, tr2 = 0;
    for (int i = 0; i < n; i++)
        for (int l = 0; l < n; l++) {
            double g = 0;
            for (int j = 0; j < k; j++) g += Fc[(size_t)i * m + j] * Fc[(size_t)l * m + j];
            tr2 += g * g;
            if (i == l) tr += g;
        }
    return tr2 > 0 ? tr * tr / tr2 : NAN;
}

/* Max over the two sign groups of the output weights at init. */
static double md_pr_group(const double *F, int n, int m, const unsigned char *sel, double *Fc)
{
    return fmax(md_pr(F, n, m, sel, 0, Fc), md_pr(F, n, m, sel, 1, Fc));
}

/* Centred middle-layer pre-activations u = s W2 h1 (n x m) into U. */
static void md_pre(const nn_model *net, int n, double *U)
{
    const nn_tensor *t = &net->tensors[1];
    const double *h1 = nn_mlp_hidden_f64(net, 1), *W = (const double *)net->params + t->offset;
    int m = t->shape[0];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, t->shape[1], t->fwd_scale, h1, t->shape[1], W,
                t->shape[1], 0.0, U, m);
}

static int md_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int m = (int)th_get(p, "m");
    long T = (long)th_get(p, "T");
    int ntk = ctx->control && strcmp(ctx->control, "ntk") == 0;
    int mid = ctx->control && strcmp(ctx->control, "mid-scale") == 0; /* middle layer m^-3/4 */
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
    const double gamma = mid ? 0.75 : 1.0;
    if (!ntk) cfg.weight_scale[1] = pow((double)m, -gamma); /* mean-field middle layer (see the header) */
    nn_model *net;
    OP_TRY(nn_model_create(&cfg, NN_F64, MD_N, &net));
    nn_model_init(net, rng);
    double lr[3] = {MD_ETA, MD_ETA, MD_ETA};
    if (!ntk) {
        lr[0] = MD_ETA * m;
        lr[1] = MD_ETA * pow((double)m, 2 * gamma);
        lr[2] = MD_ETA * m;
    }
    double *Fc = op_malloc(sizeof(double) * MD_N * (size_t)m), *U = op_malloc(sizeof(double) * MD_N * (size_t)m);
    unsigned char *sel = op_malloc((size_t)m);
    double *th = net->params, *g = net->grads;
    const double *h2 = nn_mlp_hidden_f64(net, 2);
    int st = Fc && U && sel ? nn_forward_f64(net, X, MD_N, f) : OP_ENOMEM;
    if (!st) {
        /* the sign group of each middle unit: its output weight's sign at init */
        const nn_tensor *ta = &net->tensors[2];
        for (int i = 0; i < m; i++) sel[i] = th[ta->offset + (size_t)i] > 0;
        out->v[M_PR_INIT] = md_pr(h2, MD_N, m, NULL, 0, Fc);
        out->v[M_PRG_INIT] = md_pr_group(h2, MD_N, m, sel, Fc);
        md_pre(net, MD_N, U);
        out->v[M_PRPRE_INIT] = md_pr(U, MD_N, m, NULL, 0, Fc);
    }
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
        out->v[M_PR] = md_pr(h2, MD_N, m, NULL, 0, Fc);
        out->v[M_PRG] = md_pr_group(h2, MD_N, m, sel, Fc);
        md_pre(net, MD_N, U);
        out->v[M_PRPRE] = md_pr(U, MD_N, m, NULL, 0, Fc);
        out->v[M_PRG_PRE] = md_pr_group(U, MD_N, m, sel, Fc);
        out->v[M_LOSS] = nn_loss_f64(NN_LOSS_MSE, f, y, MD_N, 1, NULL);
        if (!isfinite(out->v[M_PR]) || !isfinite(out->v[M_PRG]) || !isfinite(out->v[M_LOSS]))
            st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "mf-degeneracy: non-finite PR or loss");
    }
    free(Fc);
    free(U);
    free(sel);
    nn_model_free(net);
    return st;
}

/* Median over seeds (bars: quartiles) of metric k per width into series s; *se_last
 * gets a robust standard error of the median at the largest width
 * (1.2533 * (IQR / 1.349) / sqrt(n), the normal-theory value, insensitive to outliers). */
static int md_series(const th_judge_in *in, int metric, const char *name, double pred, th_series *s,
                     double *se_last)
{
    th_table t;
    OP_TRY(th_table_collect(in, "m", metric, NULL, &t));
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->figure = 0;
    int st = th_table_series_median(&t, s, se_last);
    th_table_free(&t);
    for (int k = 0; k < s->n; k++) s->pred[k] = pred;
    return st;
}

static double md_excess(const rec_record *r, void *user)
{
    (void)user;
    return rec_metric(r, "pr_group") - 1; /* > 0 for any centred layer that is not exactly rank one */
}

static int md_judge(const th_judge_in *in, th_verdict *v)
{
    const char *lab = !in->control ? "mean-field" : strcmp(in->control, "ntk") == 0 ? "NTK" : "m^-3/4 middle";
    char name[48];
    double nan = NAN; /* the graded levels are reference lines of the figure, not curves */
    snprintf(name, sizeof name, "%s: within-group PR", lab);
    OP_TRY(md_series(in, M_PRG, name, nan, &v->series[1], NULL));
    th_add_ref(v, 0, -INFINITY, MD_BAND, "graded: within-group PR <= %g at max m", MD_BAND);
    snprintf(name, sizeof name, "%s: whole-layer PR", lab);
    OP_TRY(md_series(in, M_PR, name, nan, &v->series[2], NULL));
    th_add_ref(v, 0, -INFINITY, MD_RANK2, "graded: whole-layer PR <= %g (rank-2 limit) at max m", MD_RANK2);
    snprintf(name, sizeof name, "%s: within-group PR at init", lab);
    OP_TRY(md_series(in, M_PRG_INIT, name, nan, &v->series[3], NULL));
    v->nseries = 4;
    /* graded: the paired rate of PR_group - 1 (series 0, figure 1) */
    th_series *e = &v->series[0];
    snprintf(e->name, sizeof e->name, "%s: PR_group - 1", lab);
    e->figure = 1;
    v->predicted = MD_SLOPE;
    v->lo = MD_SLO;
    v->hi = MD_SHI;
    th_table t;
    OP_TRY(th_table_collect_fn(in, "m", md_excess, NULL, NULL, &t));
    int st = th_table_log(&t, in, "pr_group - 1");
    if (!st) th_table_series(&t, 1, e);
    st_rate r;
    if (!st && e->n >= 3) st = th_table_rate(&t, in, MD_SLOPE, &r, NULL);
    th_table_free(&t);
    OP_TRY(st);
    const th_series *s = &v->series[1], *w = &v->series[2];
    if (e->n < 3 || w->n != s->n) {
        v->grade = ST_FAIL;
        v->measured = v->se = NAN;
        snprintf(v->extra, sizeof v->extra, "widths=%d(need >= 3)", e->n);
        return OP_OK;
    }
    v->measured = r.slope.mean;
    v->se = r.slope.se;
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    if (r.plateau) v->grade = st_grade_worst(v->grade, ST_MARGINAL);
    double ly[TH_MAX_POINTS];
    for (int k = 0; k < e->n; k++) ly[k] = log(e->y[k]);
    st_fit line = {.intercept = r.intercept, .slope = r.slope.mean};
    th_series_fit_lines(e, e->x, ly, e->n, &line, MD_SLOPE);
    snprintf(e->fit_title, sizeof e->fit_title, "fit: slope %.3f ± %.3f (paired)", r.slope.mean, r.slope.se);
    snprintf(e->pred_title, sizeof e->pred_title, "predicted slope -1 (O(1/m))");
    int last = s->n - 1;
    int level = s->y[last] <= MD_BAND, rank2 = w->y[last] <= MD_RANK2;
    if (!level || !rank2) v->grade = ST_FAIL;
    char rate[256];
    th_rate_text(&r, rate, sizeof rate);
    snprintf(v->extra, sizeof v->extra, "quantity=slope(log(PR_group-1) vs log m) %s", rate);
    th_extra_add(v, "median_group_PR@m=%g:%.3g(need<=%.1f%s) group_PR@m=%g:%.3g layer_PR@m=%g:%.3g(need<=2%s) "
                 "layer_PR@m=%g:%.3g group_PR_init:%.3g",
                 s->x[last], s->y[last], MD_BAND, level ? "" : ",FAILED", s->x[0], s->y[0], w->x[last], w->y[last],
                 rank2 ? "" : ",FAILED", w->x[0], w->y[0], v->series[3].y[v->series[3].n - 1]);
    snprintf(v->note, sizeof v->note, "slope of log(PR_group - 1): %.3f ± %.3f (predicted -1); PR_group(m=%g) %.3g",
             r.slope.mean, r.slope.se, s->x[last], s->y[last]);
    snprintf(v->fig_note[0], sizeof v->fig_note[0], "at m = %g: within-group PR %.3g (graded <= %g), whole-layer PR %.3g "
             "(graded <= %g)", s->x[last], s->y[last], MD_BAND, w->y[last], MD_RANK2);
    snprintf(v->fig_note[1], sizeof v->fig_note[1], "slope of log(PR_group - 1): %.3f ± %.3f (predicted -1, band [%g, %g])",
             r.slope.mean, r.slope.se, v->lo, v->hi);
    return OP_OK;
}

const th_check th_mf_degeneracy = {
    .id = "mf-degeneracy",
    .graded = "paired slope of log(PR_group - 1) vs log width m",
    .cite = {"fang2021modeling", "fang2022convex"},
    .citation = "Fang, Lee, Yang, Zhang, Modeling from features, COLT 2021; Fang, Gu, Zhang, Zhang, Convex "
                "formulation of overparameterized deep NNs, IEEE TIT 2022 -- DERIVED prediction (their "
                "experiments could not be retrieved; research notes section 5)",
    .claim = "With i.i.d. init and mean-field scaling, GD on a 3-layer ReLU net degenerates the middle layer: "
             "units whose output weights share a sign carry one common feature, so the layer has rank <= 2 "
             "as the width grows",
    .prediction = "within-sign-group participation ratio of the centred middle-layer features: PR_group - 1 "
                  "= O(1/m), paired slope of log(PR_group - 1) vs log m = -1, band [-1.3, -0.7]; median "
                  "PR_group <= 1.2 at the largest width; whole-layer PR <= 2 (derived, restated from "
                  "THEOREMS.md's whole-layer PR < 1.5: see the source header)",
    .band_source = "mean-field limit: within-group rank one (PR -> 1, excess O(1/m)), whole layer rank <= 2; "
                   "slope band: the derived -1 +- 30 % (the relative width of lazy-training's band); "
                   "pilot (n=20, d=5, 1000 GD steps) group PR 1.1-1.2 -> 1.01-1.02 for m 32 -> 512, NTK 3 -> 5.6",
    .metrics = {"pr", "pr_init", "train_mse", "pr_pre", "pr_pre_init", "pr_group", "pr_group_init",
                "pr_group_pre"},
    .quick = {.axes = {{"T", 1, {1000}}, {"m", 5, {32, 64, 128, 256, 512}}}, .seeds = 6},
    .full = {.axes = {{"T", 1, {1000}}, {"m", 6, {32, 64, 128, 256, 512, 1024}}}, .seeds = 10},
    .controls = {{"ntk", "NTK scaling: lazy training keeps the rich random middle-layer features (PR > 3), "
                         "so the degeneracy prediction must FAIL"},
                 {"mid-scale", "middle layer scaled m^-3/4 instead of m^-1: the random init part of each feature "
                               "decays as m^-1/4, so PR_group - 1 ~ m^-1/2 (slope -0.5, outside [-1.3, -0.7])", 1}},
    .figures = {{"participation-ratio", "middle-layer feature participation ratio (3-layer ReLU net, GD)",
                 "width m", "participation ratio (median over seeds; bars: quartiles)", 1, 1, 0, NULL},
                {"group-excess", "within-group PR - 1 vs width: the O(1/m) law", "width m",
                 "PR_group - 1 (geometric mean over seeds; bars: +- 1 s.e.)", 1, 1, 0, NULL}},
    .run = md_run,
    .judge = md_judge,
};
