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
 * Judge (bands from THEOREMS.md, fixed before the runs): over the size grid (size =
 * parameter count), on the mean over seeds of log(error):
 *   Spearman(size, e1_rms) <= -0.8   (the graded number; s.e. by jackknife over seeds)
 *   Spearman(size, e0_rms) <= -0.8
 *   e1 falls materially: e1(largest)/e1(smallest) <= 0.8 (see SA_MIN_FALL)
 *   e1 falls more slowly than e0: e1(largest)/e1(smallest) > e0(largest)/e0(smallest)
 *   Lip(fhat)/Lip(f) in [0.8, 1.5] for the largest net (no blow-up with size).
 * Any unmet condition makes the verdict FAIL (named in the verdict line).
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

#define SA_MAXSEEDS 64
/* "Falls with size" also needs a material fall: e1(largest)/e1(smallest) <= 0.8.
 * Spearman alone is scale-free, so a flat curve with 0.3% drift (measured for the
 * rough control: e1 100.5 -> 100.3) would rank as -1. The Sobolev analogue predicts
 * a factor ~ size^-((s-1)/d), i.e. ~1/200 over the quick grid (61 -> 12801 parameters);
 * 0.8 is a very loose floor on that (measured 0.24 for s = 3). */
#define SA_MIN_FALL 0.8

/* Per net index: parameter count and the log of each metric per seed (NaN if the
 * run failed). */
typedef struct {
    int nn, ns;
    int net[TH_MAX_POINTS];
    double P[TH_MAX_POINTS];
    double lg[TH_MAX_POINTS][SA_MAXSEEDS][4]; /* e0_rms, e1_rms, lip ratio, e0_p99 */
    int nfailed[TH_MAX_POINTS];
} sa_table;

static int sa_collect(const th_judge_in *in, sa_table *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        int net = (int)rec_param(r, "net"), k = 0;
        if (r->seed_index >= SA_MAXSEEDS) OP_ERROR(OP_EUSAGE, "smooth-approx: at most %d seeds", SA_MAXSEEDS);
        if (r->seed_index + 1 > t->ns) t->ns = r->seed_index + 1;
        while (k < t->nn && t->net[k] != net) k++;
        if (k == t->nn) {
            if (k == TH_MAX_POINTS) OP_ERROR(OP_EUSAGE, "smooth-approx: too many nets");
            t->net[k] = net;
            t->P[k] = NAN;
            for (int s = 0; s < SA_MAXSEEDS; s++)
                for (int j = 0; j < 4; j++) t->lg[k][s][j] = NAN;
            t->nn++;
        }
        if (r->status != REC_OK) {
            t->nfailed[k]++;
            continue;
        }
        t->P[k] = rec_metric(r, "nparams");
        double *l = t->lg[k][r->seed_index];
        l[0] = log(rec_metric(r, "e0_rms"));
        l[1] = log(rec_metric(r, "e1_rms"));
        l[2] = log(rec_metric(r, "lip_hat") / rec_metric(r, "lip_f"));
        l[3] = log(rec_metric(r, "e0_p99"));
    }
    /* sort nets by parameter count */
    for (int a = 1; a < t->nn; a++)
        for (int b = a; b > 0 && t->P[b - 1] > t->P[b]; b--) {
            double tp = t->P[b];
            t->P[b] = t->P[b - 1];
            t->P[b - 1] = tp;
            int tn = t->net[b];
            t->net[b] = t->net[b - 1];
            t->net[b - 1] = tn;
            int tf = t->nfailed[b];
            t->nfailed[b] = t->nfailed[b - 1];
            t->nfailed[b - 1] = tf;
            double tmp[SA_MAXSEEDS][4];
            memcpy(tmp, t->lg[b], sizeof tmp);
            memcpy(t->lg[b], t->lg[b - 1], sizeof tmp);
            memcpy(t->lg[b - 1], tmp, sizeof tmp);
        }
    return OP_OK;
}

/* Mean over seeds (leaving out seed `skip`, -1 for none) of metric j at net k. */
static double sa_mean(const sa_table *t, int k, int j, int skip, int *cnt)
{
    double s = 0;
    int c = 0;
    for (int i = 0; i < t->ns; i++)
        if (i != skip && isfinite(t->lg[k][i][j])) {
            s += t->lg[k][i][j];
            c++;
        }
    if (cnt) *cnt = c;
    return c ? s / c : NAN;
}

static double sa_spear(const sa_table *t, int j, int skip)
{
    double x[TH_MAX_POINTS], y[TH_MAX_POINTS], w[2 * TH_MAX_POINTS];
    int m = 0;
    for (int k = 0; k < t->nn; k++) {
        double v = sa_mean(t, k, j, skip, NULL);
        if (!isfinite(v) || !isfinite(t->P[k])) continue;
        x[m] = t->P[k];
        y[m++] = v;
    }
    return m >= 3 ? st_spearman(x, y, m, w) : NAN;
}

/* Jackknife standard error over seeds of the Spearman coefficient of metric j. */
static double sa_spear_se(const sa_table *t, int j)
{
    if (t->ns < 2) return 0;
    double v[SA_MAXSEEDS], mu = 0;
    int c = 0;
    for (int s = 0; s < t->ns; s++) {
        double r = sa_spear(t, j, s);
        if (isfinite(r)) {
            v[c++] = r;
            mu += r;
        }
    }
    if (c < 2) return 0;
    mu /= c;
    double ss = 0;
    for (int i = 0; i < c; i++) ss += (v[i] - mu) * (v[i] - mu);
    return sqrt((double)(c - 1) / c * ss);
}

static void sa_series(const sa_table *t, int j, const char *name, int fig, th_series *s)
{
    snprintf(s->name, sizeof s->name, "%s", name);
    s->figure = fig;
    s->n = 0;
    for (int k = 0; k < t->nn; k++) {
        int c;
        double mu = sa_mean(t, k, j, -1, &c);
        if (!isfinite(mu)) continue;
        double ss = 0;
        for (int i = 0; i < t->ns; i++)
            if (isfinite(t->lg[k][i][j])) ss += (t->lg[k][i][j] - mu) * (t->lg[k][i][j] - mu);
        double se = c > 1 ? sqrt(ss / (c - 1) / c) : 0;
        int i = s->n++;
        s->x[i] = t->P[k];
        s->y[i] = exp(mu);
        s->ylo[i] = exp(mu - se);
        s->yhi[i] = exp(mu + se);
        s->fit[i] = s->pred[i] = NAN;
        s->nok[i] = c;
        s->nfailed[i] = t->nfailed[k];
    }
}

static int sa_judge(const th_judge_in *in, th_verdict *v)
{
    sa_table *t = op_malloc(sizeof *t);
    if (!t) return OP_ENOMEM;
    int st = sa_collect(in, t);
    if (st) {
        free(t);
        return st;
    }
    /* rounded to 1e-9: GSL returns an exact -0.8 as -0.7999999..., which the band edge
     * would reject */
    double r0 = round(sa_spear(t, 0, -1) * 1e9) / 1e9, r1 = round(sa_spear(t, 1, -1) * 1e9) / 1e9;
    int L = t->nn - 1;
    double d0 = L > 0 ? sa_mean(t, L, 0, -1, NULL) - sa_mean(t, 0, 0, -1, NULL) : NAN;
    double d1 = L > 0 ? sa_mean(t, L, 1, -1, NULL) - sa_mean(t, 0, 1, -1, NULL) : NAN;
    double lip = L >= 0 ? exp(sa_mean(t, L, 2, -1, NULL)) : NAN;
    v->measured = r1;
    v->se = sa_spear_se(t, 1);
    v->predicted = -1;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=-0.8");
    v->lo = -1;
    v->hi = -0.8;
    v->grade = st_grade(r1, v->se, v->lo, v->hi);
    int ok0 = r0 <= -0.8, slower = d1 > d0, lipok = lip >= 0.8 && lip <= 1.5;
    int fell = exp(d1) <= SA_MIN_FALL;
    if (!ok0 || !slower || !lipok || !fell) v->grade = ST_FAIL;
    snprintf(v->extra, sizeof v->extra,
             "quantity=spearman(size,e1) spearman(size,e0)=%.2f%s e0_ratio=%.3g e1_ratio=%.3g%s%s "
             "lip_ratio_largest=%.3g%s nets=%d (ordering e1-slower-than-e0 is a derived Sobolev prediction)",
             r0, ok0 ? "" : "(not <= -0.8)", exp(d0), exp(d1), fell ? "" : "(not <= 0.8)",
             slower ? "" : "(e1 not slower)", lip,
             lipok ? "" : "(outside [0.8,1.5])", t->nn);
    snprintf(v->note, sizeof v->note, "Spearman(size, e1) %.2f (e0 %.2f), Lip ratio %.2f at the largest net", r1, r0,
             lip);
    const char *pre = in->control ? in->control : "s=3";
    char nm[48];
    v->nseries = 3;
    snprintf(nm, sizeof nm, "%s: value e0 (RMSE)", pre);
    sa_series(t, 0, nm, 0, &v->series[0]);
    snprintf(nm, sizeof nm, "%s: tangential grad e1 (RMS)", pre);
    sa_series(t, 1, nm, 0, &v->series[1]);
    snprintf(nm, sizeof nm, "%s: Lip(fhat)/Lip(f)", pre);
    sa_series(t, 2, nm, 1, &v->series[2]);
    free(t);
    return OP_OK;
}

const th_check th_smooth_approx = {
    .id = "smooth-approx",
    .citation = "Liu, Chen, Er, Liao, Zhang, Zhao, Benefits of Overparameterized Convolutional Residual Networks: "
                "Function Approximation under Smoothness Constraint, ICML 2022 (arXiv 2206.04569); only the "
                "abstract was verified, exponents are the Sobolev analogue [derived]",
    .claim = "Large ConvResNets approximate a smooth target on a manifold both in value and in first-order "
             "smoothness: value and tangential-gradient errors fall with size and Lip(fhat) stays near Lip(f).",
    .prediction = "Spearman(size, e1) <= -0.8 and Spearman(size, e0) <= -0.8; e1 falls more slowly than e0 "
                  "(derived: size^-(s-1)/d vs size^-s/d); Lip(fhat)/Lip(f) in [0.8, 1.5] at the largest net",
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
