/* smooth-approx: large ConvResNets approximate a smooth target in value AND in
 * first-order smoothness (gradient), also on a low-dimensional manifold.
 *
 * Liu, Chen, Er, Liao, Zhang, Zhao, "Benefits of Overparameterized Convolutional
 * Residual Networks: Function Approximation under Smoothness Constraint", ICML 2022,
 * PMLR 162:13669-13703 (arXiv 2206.04569). Only the abstract could be verified
 * (research/manifold-theorems-notes.md section 0-1): the theorem's constants and
 * exponents are NOT encoded. The expected ordering "the gradient error falls more
 * slowly than the value error" is the Sobolev-approximation analogue (value error ~
 * size^(-s/d), gradient error ~ size^(-(s-1)/d); e.g. Hon & Yang 2021), a DERIVED
 * prediction, labelled so in the verdict.
 *
 * Experiment: the sphere S^2 isometrically embedded in R^16 by a random orthonormal Q
 * (mf_dataset); target a Matern-s random field (s = 3, length scale ell = 0.5, so
 * the gradient is Hoelder-2), noise-free; n training points, one common test set.
 * Nets: ConvResNet (K = 3, L = 2) over a size grid of (channels C, blocks M); Adam,
 * cosine decay, an epoch budget. Measured on the test set:
 *   e0 = RMSE and 99th percentile of |fhat - f|;
 *   e1 = RMS and 99th percentile of ||P_T(grad fhat - grad f)|| (input gradient by
 *        backprop, projected on the tangent space with mf_dataset_tangent_project;
 *        grad f is the exact Riemannian gradient, already tangent);
 *   Lip(fhat) = max_i ||P_T grad fhat(x_i)|| and Lip(f) = max_i ||grad f(x_i)|| over
 *        the test sample. The tangential gradient is used because the theorem is
 *        about approximation ON the manifold: the normal component of grad fhat is not
 *        constrained by any data (the ambient norm is recorded as lip_ambient).
 * Judge (bands from THEOREMS.md, fixed before the runs; statistics of issue 15's kit,
 * see sa_judge): over the size grid (size = parameter count), per seed (paired):
 *   e1(largest)/e1(smallest) <= 0.8 (the graded number; see SA_MIN_FALL)
 *   e1 and e0 fall with size (sign test over adjacent nets on 4 nets; Spearman on 5+)
 *   e1 falls more slowly than e0: e1(largest)/e1(smallest) > e0(largest)/e0(smallest)
 *   Lip(fhat)/Lip(f) in [0.8, 1.5] for the largest net (no blow-up with size).
 * The verdict is the worst grade of these (each named in the verdict line).
 * Control "rough": target s = 0.5 (not differentiable: its gradient field is
 * dominated by heavy-tailed high frequencies no net of this size resolves), so the
 * gradient error does not fall with size (Spearman > -0.5) and the check must FAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"

enum { M_E0_RMS, M_E0_P99, M_E1_RMS, M_E1_P99, M_LIP_HAT, M_LIP_F, M_LIP_AMB, M_NPARAMS, M_TRAIN_MSE };

/* The size grid: net index -> (C, M). Quick uses the diagonal 0..3. */
static const int SA_C[] = {2, 4, 8, 16, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16};
static const int SA_M[] = {1, 2, 4, 8, 2, 4, 8, 1, 4, 8, 1, 2, 8, 1, 2, 4};
#define SA_NNETS 16

#define SA_D 16
#define SA_MANIFOLD "sphere:d=2"

static int sa_is_rough(const th_run_ctx *c) { return c->control && strcmp(c->control, "rough") == 0; }

static int sa_make(const th_run_ctx *ctx, long n, uint64_t sample_key, int rough, mf_dataset *ds)
{
    mf_dataset_spec sp = {0};
    sp.manifold = SA_MANIFOLD;
    sp.D = SA_D;
    sp.n = n;
    sp.target = rough ? "matern:s=0.5,ell=0.5,features=1024" : "matern:s=3,ell=0.5,features=1024";
    sp.target_seed = op_hash_combine(ctx->data_seed, op_hash_str("target"));
    sp.embed_seed = op_hash_combine(ctx->data_seed, op_hash_str("embed"));
    sp.sample_seed = op_hash_combine(ctx->data_seed, sample_key);
    return mf_dataset_make(&sp, ds);
}

static double sa_quantile(const double *x, long n, double q)
{
    double *w = op_malloc(sizeof(double) * (size_t)n);
    if (!w) return NAN;
    double v = st_quantile(x, (int)n, q, w);
    free(w);
    return v;
}

/* Test-set metrics of a trained model (see the header comment). */
static int sa_measure(nn_model *m, const mf_dataset *te, th_metrics *out)
{
    long n = te->n;
    int D = te->D;
    double *pred = op_malloc(sizeof(double) * (size_t)n);
    double *g = op_malloc(sizeof(double) * (size_t)n * D);
    double *a0 = op_malloc(sizeof(double) * (size_t)n), *a1 = op_malloc(sizeof(double) * (size_t)n);
    double *pt = op_malloc(sizeof(double) * (size_t)D);
    int st = OP_OK;
    if (!pred || !g || !a0 || !a1 || !pt) {
        st = OP_ENOMEM;
        goto done;
    }
    if ((st = nn_predict(m, te->X, n, pred))) goto done;
    if ((st = nn_input_grad_output(m, te->X, n, 0, g))) goto done;
    double s0 = 0, s1 = 0, lhat = 0, lf = 0, lamb = 0;
    for (long i = 0; i < n; i++) {
        double e = pred[i] - te->f[i];
        a0[i] = fabs(e);
        s0 += e * e;
        const double *gi = g + (size_t)i * D, *gf = te->grad + (size_t)i * D;
        if ((st = mf_dataset_tangent_project(te, i, gi, pt))) goto done;
        double d2 = 0, h2 = 0, f2 = 0, amb = 0;
        for (int j = 0; j < D; j++) {
            d2 += (pt[j] - gf[j]) * (pt[j] - gf[j]);
            h2 += pt[j] * pt[j];
            f2 += gf[j] * gf[j];
            amb += gi[j] * gi[j];
        }
        a1[i] = sqrt(d2);
        s1 += d2;
        lhat = fmax(lhat, sqrt(h2));
        lf = fmax(lf, sqrt(f2));
        lamb = fmax(lamb, sqrt(amb));
    }
    out->v[M_E0_RMS] = sqrt(s0 / n);
    out->v[M_E0_P99] = sa_quantile(a0, n, 0.99);
    out->v[M_E1_RMS] = sqrt(s1 / n);
    out->v[M_E1_P99] = sa_quantile(a1, n, 0.99);
    out->v[M_LIP_HAT] = lhat;
    out->v[M_LIP_F] = lf;
    out->v[M_LIP_AMB] = lamb;
done:
    free(pred);
    free(g);
    free(a0);
    free(a1);
    free(pt);
    return st;
}

static int sa_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int k = (int)th_get(p, "net");
    if (k < 0 || k >= SA_NNETS) OP_ERROR(OP_EUSAGE, "smooth-approx: net index %d outside 0..%d", k, SA_NNETS - 1);
    long n = (long)th_get(p, "n");
    int epochs = (int)th_get(p, "epochs");
    int rough = sa_is_rough(ctx);
    long ntest = ctx->full ? 8192 : 2048;
    mf_dataset tr, te;
    memset(&te, 0, sizeof te);
    OP_TRY(sa_make(ctx, n, op_hash_str("train"), rough, &tr));
    int st = sa_make(ctx, ntest, op_hash_str("test"), rough, &te);
    nn_model *m = NULL;
    if (st) goto done;
    nn_config cfg = nn_config_convresnet1d(SA_D, SA_C[k], 3, 2, SA_M[k], 1);
    cfg.conv = ctx->conv; /* --conv */
    if ((st = nn_config_check(&cfg))) goto done;
    if ((st = nn_model_create(&cfg, NN_F32, 256, &m))) goto done;
    nn_model_init(m, rng);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = NN_LOSS_MSE;
    o.lr = 3e-3;
    o.cosine = 1;
    o.epochs = epochs;
    o.batch = 64;
    o.keep_best = 0;
    o.seed = op_rng_u64(rng);
    nn_dataset d = {tr.n, SA_D, 1, tr.X, tr.y};
    nn_train_result res;
    if ((st = nn_train(m, &d, NULL, &o, &res))) goto done;
    if ((st = sa_measure(m, &te, out))) goto done;
    out->v[M_NPARAMS] = (double)m->nparams;
    out->v[M_TRAIN_MSE] = res.train_loss;
    for (int i = 0; i <= M_TRAIN_MSE; i++)
        if (!isfinite(out->v[i])) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite metric %d", i);
done:
    nn_model_free(m);
    mf_dataset_free(&tr);
    mf_dataset_free(&te);
    return st;
}

/* ---- judge ---- */

/* "Falls with size" also needs a material fall: e1(largest)/e1(smallest) <= 0.8.
 * Spearman alone is scale-free, so a flat curve with 0.3% drift (measured for the
 * rough control: e1 100.5 -> 100.3) would rank as -1. The Sobolev analogue predicts
 * a factor ~ size^-((s-1)/d), i.e. ~1/200 over the quick grid (61 -> 12801 parameters);
 * 0.8 is a very loose floor on that (measured 0.24 for s = 3). */
#define SA_MIN_FALL 0.8

/* The kit's tables (issue 15): rows = nets re-keyed by their parameter count, columns
 * = seeds; logs of e0_rms, e1_rms and Lip(fhat)/Lip(f). */
enum { SA_T_E0, SA_T_E1, SA_T_LIP, SA_NT };

static double sa_lip_ratio(const rec_record *r, void *user)
{
    (void)user;
    return rec_metric(r, "lip_hat") / rec_metric(r, "lip_f");
}

static int sa_tables(const th_judge_in *in, th_table *t)
{
    th_table P = {0};
    OP_TRY(th_table_collect(in, "net", M_E0_RMS, NULL, &t[SA_T_E0]));
    OP_TRY(th_table_collect(in, "net", M_E1_RMS, NULL, &t[SA_T_E1]));
    OP_TRY(th_table_collect_fn(in, "net", sa_lip_ratio, NULL, NULL, &t[SA_T_LIP]));
    OP_TRY(th_table_collect(in, "net", M_NPARAMS, NULL, &P));
    static const char *what[SA_NT] = {"e0_rms", "e1_rms", "Lipschitz ratio"};
    double size[TH_MAX_POINTS];
    th_table_means(&P, size); /* a net's parameter count is the same for every seed */
    th_table_free(&P);
    for (int j = 0; j < SA_NT; j++) {
        OP_TRY(th_table_log(&t[j], in, what[j]));
        OP_TRY(th_table_rekey(&t[j], size));
    }
    return OP_OK;
}

/* Judge (issue 15 kit; the criteria and bands are THEOREMS.md's):
 *   graded number: the paired per-seed e1(largest)/e1(smallest) (geometric mean over
 *     seeds of the per-seed ratio, delta-method s.e.), band (0, 0.8] (SA_MIN_FALL);
 *   e1 and e0 fall with size: the kit's trend test (a paired per-seed sign test over
 *     adjacent nets on the quick preset's 4 nets, Spearman <= -0.8 on 5 or more);
 *   e1 falls more slowly than e0: the paired per-seed difference of the two log
 *     ratios (largest/smallest) > 0 (st_grade);
 *   Lip(fhat)/Lip(f) of the largest net in [0.8, 1.5] (geometric mean, st_grade).
 * The verdict is the worst of these. Before the kit the graded number was Spearman
 * (size, e1) of the seed means over 4 nets with a jackknife s.e.: on 4 points a rank
 * statistic has almost no power (issue 15). */
static int sa_judge(const th_judge_in *in, th_verdict *v)
{
    th_table t[SA_NT];
    memset(t, 0, sizeof t);
    int st = sa_tables(in, t);
    if (!st && t[SA_T_E1].np < 2) st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "smooth-approx: need 2+ nets");
    if (st) goto done;
    int L = t[SA_T_E1].np - 1;
    st_interval f1, f0, slower, lipi;
    th_table_diff_at(&t[SA_T_E1], 0, &t[SA_T_E1], L, &f1);
    th_table_diff_at(&t[SA_T_E0], 0, &t[SA_T_E0], L, &f0);
    { /* per seed: log(e1_L/e1_0) - log(e0_L/e0_0) */
        double d[1024];
        int c = 0;
        for (int k = 0; k < t[SA_T_E1].ns && k < t[SA_T_E0].ns && c < 1024; k++) {
            double a1 = th_table_at(&t[SA_T_E1], L, k) - th_table_at(&t[SA_T_E1], 0, k);
            double a0 = th_table_at(&t[SA_T_E0], L, k) - th_table_at(&t[SA_T_E0], 0, k);
            if (isfinite(a1) && isfinite(a0)) d[c++] = a1 - a0;
        }
        if (c) st_interval_mean(d, c, &slower);
        else st_interval_make(NAN, NAN, 0, &slower);
    }
    {
        double vals[1024];
        int c = t[SA_T_LIP].ns <= 1024 ? th_table_row(&t[SA_T_LIP], L, vals) : 0;
        if (c) st_interval_mean(vals, c, &lipi);
        else st_interval_make(NAN, NAN, 0, &lipi);
    }
    st_trend tr1, tr0;
    if ((st = th_table_trend(&t[SA_T_E1], -1, 0.8, &tr1)) || (st = th_table_trend(&t[SA_T_E0], -1, 0.8, &tr0)))
        goto done;
    double r1 = exp(f1.mean), lip = exp(lipi.mean);
    st_grade_t g_fall = st_grade(r1, r1 * f1.se, 0, SA_MIN_FALL);
    st_grade_t g_slow = st_grade(slower.mean, slower.se, 0, INFINITY);
    static const double lip_band[2] = {0.8, 1.5};
    st_grade_t g_lip = st_grade(lip, lip * lipi.se, lip_band[0], lip_band[1]);
    v->measured = r1;
    v->se = r1 * f1.se;
    v->predicted = SA_MIN_FALL;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=0.8");
    v->lo = 0;
    v->hi = SA_MIN_FALL;
    v->grade = st_grade_worst(st_grade_worst(g_fall, g_slow), st_grade_worst(g_lip, st_grade_worst(tr1.grade, tr0.grade)));
    snprintf(v->extra, sizeof v->extra,
             "quantity=paired e1(largest)/e1(smallest) fall:%s e1_trend:%s(%d/%d,p=%.2g) e0_trend:%s(%d/%d,p=%.2g) "
             "e0_ratio=%.3g e1_slower_than_e0:%s(log-ratio diff %.3g±%.2g) lip_ratio_largest=%.3g±%.2g:%s nets=%d "
             "(ordering e1-slower-than-e0 is a derived Sobolev prediction)",
             st_grade_name(g_fall), st_grade_name(tr1.grade), tr1.k, tr1.n, tr1.p, st_grade_name(tr0.grade), tr0.k,
             tr0.n, tr0.p, exp(f0.mean), st_grade_name(g_slow), slower.mean, slower.se, lip, lip * lipi.se,
             st_grade_name(g_lip), L + 1);
    snprintf(v->note, sizeof v->note, "e1 ratio largest/smallest %.3g (<= 0.8), Lip ratio %.2f at the largest net", r1,
             lip);
    /* each figure's note says what it shows; the lip figure draws its graded band */
    snprintf(v->fig_note[0], sizeof v->fig_note[0], "e1 ratio largest/smallest %.3g ± %.2g (graded <= %g)", r1,
             r1 * f1.se, SA_MIN_FALL);
    snprintf(v->fig_note[1], sizeof v->fig_note[1], "Lip ratio %.2f ± %.2f at the largest net (graded in [%g, %g])",
             lip, lip * lipi.se, lip_band[0], lip_band[1]);
    th_add_ref(v, 1, lip_band[0], lip_band[1], "graded at the largest net: [%g, %g]", lip_band[0], lip_band[1]);
    const char *pre = in->control ? in->control : "s=3";
    static const char *nm[SA_NT] = {"value e0 (RMSE)", "tangential grad e1 (RMS)", "Lip(fhat)/Lip(f)"};
    v->nseries = SA_NT;
    for (int j = 0; j < SA_NT; j++) {
        th_table_series(&t[j], 1, &v->series[j]);
        snprintf(v->series[j].name, sizeof v->series[j].name, "%s: %s", pre, nm[j]);
        v->series[j].figure = j == SA_T_LIP;
    }
done:
    for (int j = 0; j < SA_NT; j++) th_table_free(&t[j]);
    return st;
}

const th_check th_smooth_approx = {
    .id = "smooth-approx",
    .graded = "paired per-seed ratio e1(largest net)/e1(smallest net) of the tangential-gradient RMS error",
    .cite = {"liu2022benefits"},
    .citation = "Liu, Chen, Er, Liao, Zhang, Zhao, Benefits of Overparameterized Convolutional Residual Networks: "
                "Function Approximation under Smoothness Constraint, ICML 2022 (arXiv 2206.04569); only the "
                "abstract was verified, exponents are the Sobolev analogue [derived]",
    .claim = "Large ConvResNets approximate a smooth target on a manifold both in value and in first-order "
             "smoothness: value and tangential-gradient errors fall with size and Lip(fhat) stays near Lip(f).",
    .prediction = "e1(largest)/e1(smallest) <= 0.8 (paired); e1 and e0 fall with size (sign test on < 5 nets, "
                  "Spearman <= -0.8 on 5+); e1 falls more slowly than e0 (derived: size^-(s-1)/d vs size^-s/d); "
                  "Lip(fhat)/Lip(f) in [0.8, 1.5] at the largest net",
    .band_source = "THEOREMS.md smooth-approx (trend bands; research notes 8.1: trained-net exponents unreliable)",
    .metrics = {"e0_rms", "e0_p99", "e1_rms", "e1_p99", "lip_hat", "lip_f", "lip_ambient", "nparams", "train_mse"},
    .quick = {.axes = {{"n", 1, {4096}}, {"epochs", 1, {24}}, {"net", 4, {0, 1, 2, 3}}}, .seeds = 2},
    .full = {.axes = {{"n", 1, {8192}},
                      {"epochs", 1, {150}},
                      {"net", 16, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}},
             .seeds = 3},
    .controls = {{"rough", "target s = 0.5 is not differentiable: the gradient error cannot fall with size, so "
                           "the gradient claim must FAIL"}},
    .figures = {{"errors", "ConvResNet on S^2 in R^16: value and tangential-gradient error vs size",
                 "parameters", "test error (mean over seeds of log; bars +-1 s.e.)", 1, 1, 0, NULL},
                {"lip", "Lipschitz ratio vs size (tangential gradients, max over the test sample)", "parameters",
                 "Lip(fhat) / Lip(f)", 1, 0, 0, NULL}},
    .run = sa_run,
    .judge = sa_judge,
};
