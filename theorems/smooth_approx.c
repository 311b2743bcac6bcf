/* smooth-approx: large ConvResNets approximate a smooth target in value AND in
 * first-order smoothness (gradient), also for a target on a low-dimensional manifold.
 *
 * Liu, Chen, Er, Liao, Zhang, Zhao, "Benefits of Overparameterized Convolutional
 * Residual Networks: Function Approximation under Smoothness Constraint", ICML 2022,
 * PMLR 162:13669-13703 (arXiv 2206.04569). Only the abstract could be verified
 * (research/manifold-theorems-notes.md section 0-1): the theorem's constants and
 * exponents are NOT encoded. The rates below are the Sobolev-approximation analogue
 * (value error ~ size^(-s/d), gradient error ~ size^(-(s-1)/d), size = parameter count;
 * e.g. Hon & Yang 2021), DERIVED predictions, labelled so in the verdict.
 *
 * Design of issue 16 item 1 (fixed and committed before any run of it):
 *
 * Approximation, not estimation. Noise-free labels and n far above the largest net's
 * parameter count (quick n = 16384 for nets up to 1857 parameters, 8.8x; full
 * n = 32768 for up to 4161, 7.9x); the p99 value error on the first ntest training
 * points (e0_p99_train) is recorded next to the test one to show that there is no
 * generalisation gap at any size (reported, not graded).
 *
 * Data: the flat torus T^2 isometrically embedded in R^D by a Haar-random Q, D in
 * {16, 32} (quick) / {16, 32, 64} (full); the target, the points and the test set do
 * not depend on D (th_dataset_seeds: common random numbers across D and variants).
 * Target: the Matern random Fourier series on T^2 (manifolds/target.h) with s = 3,
 * ell = 0.5 and an explicit mode cutoff kc = 12 (0 < |k| <= 12 on the half lattice, ~226 modes): its spectrum
 * is exactly Matern-3 up to the cutoff (the torus rather than S^2 of the old design
 * because the cutoff, which the rough control shares, is explicit only for the Fourier
 * series). Gradient: the exact Riemannian gradient (tangent). s = 3, d = 2 give the
 * derived slopes -1.5 (value) and -1.0 (gradient).
 * Nets: ConvResNet K = 3, L = 2 over a size grid in width C and blocks M (ascending
 * parameter count at every D): quick 6 nets (C,M) = (2,1) (4,1) (4,2) (8,1) (8,2) (8,4),
 * 61..1729 parameters at D = 16 (93..1857 at D = 32); full adds (16,1) (16,2) (8 nets,
 * up to 4161 at D = 64). Adam, lr 3e-3, cosine decay, batch 64, a fixed epoch budget
 * (quick 20 epochs = 5120 steps; full 30 epochs of 32768 = 15360 steps), no early
 * stopping, float32; quick 3 seeds, full 4.
 * Measured on a common test set (quick 4096 points, full 8192):
 *   e0 = |fhat - f|: RMS and 99th percentile (e0_p99; the sup-norm proxy);
 *   e1 = ||P_T(grad fhat - grad f)||: RMS and 99th percentile (e1_p99), the input
 *        gradient by backprop projected on the tangent space;
 *   Lip ratios: max_i ||P_T grad fhat(x_i)|| / max_i ||grad f(x_i)|| (tangential) and
 *        max_i ||grad fhat(x_i)|| / max_i ||grad f(x_i)|| (ambient), over the test set.
 *
 * Judge (statistics of the issue-15 kit; all bands fixed here before the runs):
 *   1. value rate: per D, the paired per-seed slope of log e0_p99 vs log(parameters)
 *      (th_table_rate), one-sided band slope <= 0.5 x derived = -0.75 (st_grade;
 *      a plateau -- the last segment flatter than half the derived slope -- caps the
 *      grade at MARGINAL, as in every rate check of the kit);
 *   2. gradient rate: the same for e1_p99, band slope <= 0.5 x (-1.0) = -0.5. THE
 *      GRADED NUMBER of the verdict line: the gradient slope of the D furthest outside
 *      (or nearest the edge of) its band. The ratio slope(e1)/slope(e0) is reported
 *      (derived (s-1)/s = 0.667), not graded;
 *   3. no blow-up with size: at EVERY net and D, the tangential Lip ratio (geometric
 *      mean over seeds, delta-method s.e.) <= 1.5, and the ambient one <= 1.5 sqrt 2
 *      = 2.12 (the ambient gradient adds the normal component, which no data
 *      constrain; the band allows a normal part no larger than the tangential limit);
 *      at the largest net also the tangential ratio >= 0.8 (the net's gradient reaches
 *      the target's, the old largest-net band [0.8, 1.5]); st_grade each;
 *   4. the manifold extension, D-invariance of the gradient-error curve: for each D
 *      against D = 16, the log e1_p99 tables keyed net by net (same C, M; x = the
 *      net's parameter count at D = 16) go to th_dinv_judge: the paired slope
 *      difference in [-0.15, 0.15] and the paired e1_p99 ratio at every net in
 *      [0.7, 1.4], both as equivalence tests (the 90 % interval inside; the bands of
 *      manifold-rate's D-invariance).
 * The verdict is the worst grade of 1-4.
 *
 * Controls (same grid, same seeds, same judge and bands; each must FAIL):
 *   "rough" (near miss): the same Fourier series, same ell, same cutoff kc = 12 and
 *     same seeds, with s = 0.75 instead of 3: a target of finite smoothness below 1 at
 *     every scale up to the cutoff, which the training data resolve (~12 points per
 *     shortest wavelength) and the larger nets could represent (~450 coefficients).
 *     Derived slopes -s/d = -0.375 (value) and -(s-1)/d = +0.125 (gradient: does not
 *     fall), outside the bands -0.75 / -0.5: criteria 1-2 must FAIL.
 *   "ball": the same target law (Matern s = 3, ell = 0.5; random Fourier features, the
 *     ball's only basis) on data filling the full-dimensional ball B^D in R^D (d = D):
 *     derived slopes -3/16 and -2/16 at D = 16, outside the bands: the manifold
 *     extension (criteria 1-2, and 4, since d changes with D) must FAIL.
 *   "noisy" (network side): labels y = f + 0.5 N(0,1) on n = 512 training points with
 *     the same number of optimiser steps (epochs x n_main/512), so the nets above
 *     512 parameters can fit the noise towards interpolation (train MSE recorded
 *     against the noise variance 0.25): bigger nets are expected to become
 *     non-smooth, so the Lipschitz ratios grow with size (criterion 3) and the errors
 *     stop falling (1-2): must FAIL.
 * ctest runs the main check and the near miss "rough".
 *
 * Changes after the first runs (no band moved): the ball control's target has 256
 * random features instead of 1024: building the 1024-feature field on B^16 / B^32 cost
 * 1.3 s of every ball run (81 s CPU for the control, over the quick budget); a field
 * with fewer features is smoother at fine scales, which can only make it easier to
 * learn, so the control is not made to fail by the change. The figure's fitted lines
 * were drawn from the wrong x (a judge bug, no verdict changed).
 *
 * RESULT: a finding, FAIL at every base seed 0-5 (quick; verdict lines in
 * docs/checks.md). Pooled over the 18 data seeds of those runs (mean of per-seed
 * slopes +- s.e.; seed 0 alone: -0.27 / -0.36):
 *                       D = 16            D = 32          band      derived
 *   e0_p99 slope    -0.678 +- 0.018   -0.773 +- 0.038    <= -0.75   -1.5
 *   e1_p99 slope    -0.317 +- 0.010   -0.350 +- 0.015    <= -0.5    -1.0
 *   slope ratio e1/e0      0.47              0.45                    0.667
 * The approximation regime holds: test/train e0_p99 is 1.00-1.04 at every size.
 * Tangential Lip ratio 0.76-1.21 at every size (PASS); ambient 1.9-3.2 (above 2.12
 * at almost every net: the normal component of grad fhat, which no data constrain,
 * is of the order of 1.5-3x Lip(f) at every size; it does not blow up, it falls
 * slightly with size).
 * D-invariance: the slope difference PASSes its TOST at 4 of 6 seeds (MARGINAL at 0
 * and 1), the e1_p99 level ratio is MARGINAL at every seed (3 seeds per TOST; the
 * point estimates lie in 0.75-1.12).
 * Diagnosis (what was tried before calling it a finding, D = 16, seed 0, 3 seeds):
 *   - budget: 80 epochs (4x) instead of 20: e0 -0.76, e1 -0.36 (from -0.64 / -0.27):
 *     the largest nets gain most, so the curve steepens with budget, but slowly;
 *   - batch 32 (2x steps) and one more net (C=16, M=2, 3393 parameters): e1 -0.31,
 *     and the value error flattens at the top (0.046 -> 0.040);
 *   - n vs parameters: no generalisation gap (above), so not estimation;
 *   - target resolution: kc = 12 is resolved (~12 points per shortest wavelength).
 * What the slopes resemble (a hypothesis, not shown here): the saturation of a
 * piecewise-linear approximant. A ReLU net is piecewise linear; a linear-element fit
 * with R free pieces of diameter h ~ R^(-1/d) has value error ~ h^2 = R^(-2/d) and
 * gradient error ~ h = R^(-1/d) for EVERY s >= 2, so the Sobolev exponents of s = 3
 * need approximants that use smoothness beyond 2 (the deep constructions behind
 * such theorems), which training need not find. Three measurements fit it: the
 * slope ratio e1/e0 is 0.45-0.47 (1/2 for linear elements, (s-1)/s = 0.667 derived);
 * against the neuron count (C*M*L*D, i.e. C*M at a fixed D) the pooled slopes are
 * e0 -0.84 / -0.86 and e1 -0.39 / -0.39 (D = 16 with the 4x budget: -0.94 / -0.45),
 * near -2/d = -1 and -1/d = -0.5 if R grows like the neurons; and the rough control
 * (s = 0.75 < 2) reaches its derived value slope, -0.354 / -0.407 against -0.375.
 * The full preset (n = 32768, 15360 steps, 4 seeds, D = 16 / 32 / 64, 8 nets; main
 * variant) FAILs the same way: e1_p99 slope -0.36 +- 0.02 / -0.40 +- 0.01 / -0.45 +-
 * 0.03, e0_p99 -0.72 / -0.75 / -0.86 against parameters; against neurons e1 -0.51 /
 * -0.50 / -0.53 and e0 -1.02 / -0.96 / -1.02, the piecewise-linear -1/d and -2/d;
 * its controls FAIL (e1 slope: rough -0.169 +- 0.010, ball 0.001, noisy +0.538).
 * So the exponents -s/d and -(s-1)/d for s = 3 are not what trained ConvResNets of
 * this size and budget reach; the
 * check stays with its bands, registered as an expected FAIL (theorems/checks.list).
 * Controls, same runs (pooled, D = 16 / 32), each FAILs at every seed: rough e1 slope
 * -0.137 / -0.154 (e0 above); ball flat (e0 -0.022 / -0.004, train MSE 0.69-0.87: the
 * nets learn almost nothing of a d = 16 / 32 field), tangential Lip ratio <= 0.45;
 * noisy e1 slope +0.21 / +0.25, e0 flat, tangential Lip ratio 0.8 -> 3.1 and ambient
 * up to 8.9 from the smallest to the largest net. The noisy fit does not reach
 * interpolation: the largest net's train MSE is 0.11 against the noise variance 0.25. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"

enum {
    M_E0_RMS,
    M_E0_P99,
    M_E1_RMS,
    M_E1_P99,
    M_LIP_HAT,
    M_LIP_F,
    M_LIP_AMB,
    M_NPARAMS,
    M_TRAIN_MSE,
    M_E0_P99_TRAIN,
    M_N_FIT,      /* training points and epochs this run used: the grid's n and epochs, */
    M_EPOCHS_FIT, /* except under the noisy control (512 points, the same steps)       */
    M_NMET
};

/* The size grid: net index -> (C, M), ascending parameter count at every D >= 16. */
static const int SA_C[] = {2, 4, 4, 8, 8, 8, 16, 16};
static const int SA_M[] = {1, 1, 2, 1, 2, 4, 1, 2};
#define SA_NNETS 8

#define SA_MANIFOLD "torus:d=2"
#define SA_TARGET "matern:s=3,ell=0.5,kc=12"
#define SA_ROUGH_TARGET "matern:s=0.75,ell=0.5,kc=12"
#define SA_BALL_TARGET "matern:s=3,ell=0.5,features=256"
#define SA_NOISE 0.5
#define SA_NOISY_N 512

/* derived (Sobolev analogue) and the bands of the header */
#define SA_S 3.0
#define SA_DIM 2.0
#define SA_RATE_FRAC 0.5
#define SA_LIP_HI 1.5
#define SA_LIP_LO 0.8
#define SA_LIP_AMB_HI (1.5 * 1.4142135623730951)
#define SA_DS_TOL 0.15
#define SA_DR_LO 0.7
#define SA_DR_HI 1.4
static const double sa_pred[2] = {-SA_S / SA_DIM, -(SA_S - 1) / SA_DIM};

static int sa_control_is(const th_run_ctx *c, const char *name) { return c->control && strcmp(c->control, name) == 0; }

static double sa_quantile(const double *x, long n, double q)
{
    double *w = op_malloc(sizeof(double) * (size_t)n);
    if (!w) return NAN;
    double v = st_quantile(x, (int)n, q, w);
    free(w);
    return v;
}

/* Test-set metrics of a trained model on rows [0, nte) of ds (see the header). */
static int sa_measure(nn_model *m, const mf_dataset *ds, long nte, th_metrics *out)
{
    int D = ds->D;
    double *pred = op_malloc(sizeof(double) * (size_t)nte);
    double *g = op_malloc(sizeof(double) * (size_t)nte * D);
    double *a0 = op_malloc(sizeof(double) * (size_t)nte), *a1 = op_malloc(sizeof(double) * (size_t)nte);
    double *pt = op_malloc(sizeof(double) * (size_t)D);
    int st = OP_OK;
    if (!pred || !g || !a0 || !a1 || !pt) {
        st = OP_ENOMEM;
        goto done;
    }
    if ((st = nn_predict(m, ds->X, nte, pred))) goto done;
    if ((st = nn_input_grad_output(m, ds->X, nte, 0, g))) goto done;
    double s0 = 0, s1 = 0, lhat = 0, lf = 0, lamb = 0;
    for (long i = 0; i < nte; i++) {
        double e = pred[i] - ds->f[i];
        a0[i] = fabs(e);
        s0 += e * e;
        const double *gi = g + (size_t)i * D, *gf = ds->grad + (size_t)i * D;
        if ((st = mf_dataset_tangent_project(ds, i, gi, pt))) goto done;
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
    out->v[M_E0_RMS] = sqrt(s0 / nte);
    out->v[M_E0_P99] = sa_quantile(a0, nte, 0.99);
    out->v[M_E1_RMS] = sqrt(s1 / nte);
    out->v[M_E1_P99] = sa_quantile(a1, nte, 0.99);
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

/* p99 of |fhat - f| on the first m training rows (from row off): the approximation
 * regime shows as no gap between this and the test e0_p99. */
static double sa_train_p99(nn_model *m, const mf_dataset *ds, long off, long cnt)
{
    double *pred = op_malloc(sizeof(double) * (size_t)cnt);
    if (!pred) return NAN;
    double v = NAN;
    if (!nn_predict(m, ds->X + (size_t)off * ds->D, cnt, pred)) {
        for (long i = 0; i < cnt; i++) pred[i] = fabs(pred[i] - ds->f[off + i]);
        v = sa_quantile(pred, cnt, 0.99);
    } else
        op_error_clear();
    free(pred);
    return v;
}

static int sa_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int k = (int)th_get(p, "net");
    if (k < 0 || k >= SA_NNETS) OP_ERROR(OP_EUSAGE, "smooth-approx: net index %d outside 0..%d", k, SA_NNETS - 1);
    int D = (int)th_get(p, "D");
    long n = (long)th_get(p, "n");
    int epochs = (int)th_get(p, "epochs");
    long ntest = ctx->full ? 8192 : 4096;
    const char *spec = SA_MANIFOLD, *target = SA_TARGET;
    char ball[32];
    double noise = 0;
    if (sa_control_is(ctx, "rough")) target = SA_ROUGH_TARGET;
    if (sa_control_is(ctx, "ball")) {
        snprintf(ball, sizeof ball, "ball:d=%d", D);
        spec = ball;
        target = SA_BALL_TARGET;
    }
    if (sa_control_is(ctx, "noisy")) { /* same optimiser steps on fewer, noisy points */
        epochs = (int)(((long)epochs * n + SA_NOISY_N - 1) / SA_NOISY_N);
        n = SA_NOISY_N;
        noise = SA_NOISE;
    }
    /* One dataset per (seed index, variant, D): rows [0, ntest) the test set, the rest
     * the training set; prefix-stable, and the same points and target at every D. */
    uint64_t tseed, eseed, sseed;
    th_dataset_seeds(spec, D, ctx->data_seed, &tseed, &eseed, &sseed);
    mf_dataset ds = {0};
    nn_model *m = NULL;
    mf_dataset_spec dsp = {.manifold = spec, .D = D, .n = ntest + n, .target = target, .label_noise = noise,
                           .target_seed = tseed, .embed_seed = eseed, .sample_seed = sseed};
    int st = mf_dataset_make(&dsp, &ds);
    if (st) goto done;
    nn_config cfg = nn_config_convresnet1d(D, SA_C[k], 3, 2, SA_M[k], 1);
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
    nn_dataset d = {n, D, 1, ds.X + (size_t)ntest * D, ds.y + ntest};
    nn_train_result res;
    if ((st = nn_train(m, &d, NULL, &o, &res))) goto done;
    if ((st = sa_measure(m, &ds, ntest, out))) goto done;
    out->v[M_NPARAMS] = (double)m->nparams;
    out->v[M_TRAIN_MSE] = res.train_loss;
    out->v[M_E0_P99_TRAIN] = sa_train_p99(m, &ds, ntest, n < ntest ? n : ntest);
    out->v[M_N_FIT] = (double)n;
    out->v[M_EPOCHS_FIT] = (double)epochs;
    for (int i = 0; i < M_NMET; i++)
        if (!isfinite(out->v[i])) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite metric %d", i);
done:
    nn_model_free(m);
    mf_dataset_free(&ds);
    return st;
}

/* ---- judge ---- */

static double sa_lip_tan(const rec_record *r, void *user)
{
    (void)user;
    return rec_metric(r, "lip_hat") / rec_metric(r, "lip_f");
}

static double sa_lip_amb(const rec_record *r, void *user)
{
    (void)user;
    return rec_metric(r, "lip_ambient") / rec_metric(r, "lip_f");
}

/* The tables of one D: rows = nets (re-keyed by parameter count, own D or D_ref),
 * columns = seeds; logs. */
enum { SA_T_E0, SA_T_E1, SA_T_LT, SA_T_LA, SA_T_E1REF, SA_NT };

typedef struct {
    double D;
    th_table t[SA_NT];
    st_rate r[2];           /* value, gradient */
    st_grade_t g_rate[2];
    double lt_max, lt_max_se, lt_max_x; /* the largest tangential Lip ratio over nets */
    double la_max, la_max_se, la_max_x;
    double lt_last, lt_last_se;         /* at the largest net */
    st_grade_t g_lip;
    th_dinv dv;                         /* against D_ref (not for the first D) */
    st_grade_t g_dinv;
} sa_dcurve;

static int sa_sizes(const th_judge_in *in, const th_where *w, double *size)
{
    th_table P = {0};
    OP_TRY(th_table_collect(in, "net", M_NPARAMS, w, &P));
    th_table_means(&P, size); /* a net's parameter count is the same for every seed */
    th_table_free(&P);
    return OP_OK;
}

/* The log e1_p99 table of one D over the nets, keyed by their parameter counts at the
 * reference D (size_ref): criterion 4's table, the same net at every D on one row. */
static int sa_e1ref_table(const th_judge_in *in, double D, const double *size_ref, th_table *t)
{
    th_where w[] = {{"D", NULL, D}, {NULL, NULL, 0}};
    OP_TRY(th_table_collect(in, "net", M_E1_P99, w, t));
    int s = th_table_log(t, in, "e1_p99");
    if (!s) s = th_table_rekey(t, size_ref);
    if (s) th_table_free(t);
    return s;
}

/* compare's D-equivalence table (th_compare.log_table): criterion 4's, against D_ref. */
static int sa_compare_table(const th_judge_in *in, const char *manifold, double D, double D_ref, th_table *t)
{
    (void)manifold; /* one manifold */
    th_where wr[] = {{"D", NULL, D_ref}, {NULL, NULL, 0}};
    double size_ref[TH_MAX_POINTS];
    OP_TRY(sa_sizes(in, wr, size_ref));
    return sa_e1ref_table(in, D, size_ref, t);
}

static double sa_dim(const char *manifold) { return strcmp(manifold, SA_MANIFOLD) == 0 ? SA_DIM : NAN; }

static int sa_validate(const char *manifold, double D)
{
    (void)manifold;
    if (D < 4) OP_ERROR(OP_EUSAGE, "--ambient %g is smaller than the embedding dimension 4 of " SA_MANIFOLD, D);
    return OP_OK;
}

static int sa_dtables(const th_judge_in *in, double D, const double *size_ref, sa_dcurve *c)
{
    th_where w[] = {{"D", NULL, D}, {NULL, NULL, 0}};
    double size[TH_MAX_POINTS];
    OP_TRY(sa_sizes(in, w, size));
    OP_TRY(th_table_collect(in, "net", M_E0_P99, w, &c->t[SA_T_E0]));
    OP_TRY(th_table_collect(in, "net", M_E1_P99, w, &c->t[SA_T_E1]));
    OP_TRY(th_table_collect_fn(in, "net", sa_lip_tan, NULL, w, &c->t[SA_T_LT]));
    OP_TRY(th_table_collect_fn(in, "net", sa_lip_amb, NULL, w, &c->t[SA_T_LA]));
    static const char *what[SA_T_E1REF] = {"e0_p99", "e1_p99", "tangential Lip ratio", "ambient Lip ratio"};
    for (int j = 0; j < SA_T_E1REF; j++) {
        OP_TRY(th_table_log(&c->t[j], in, what[j]));
        OP_TRY(th_table_rekey(&c->t[j], size));
    }
    return sa_e1ref_table(in, D, size_ref, &c->t[SA_T_E1REF]);
}

/* Geometric mean over seeds of row p of a log table, with its delta-method s.e. */
static void sa_row_ratio(const th_table *t, int p, double *ratio, double *se)
{
    double vals[TH_MAX_POINTS * 16];
    st_interval iv;
    int c = t->ns <= (int)(sizeof vals / sizeof vals[0]) ? th_table_row(t, p, vals) : 0;
    if (c) st_interval_mean(vals, c, &iv);
    else st_interval_make(NAN, NAN, 0, &iv);
    *ratio = exp(iv.mean);
    *se = *ratio * iv.se;
}

static int sa_dcurve_judge(const th_judge_in *in, sa_dcurve *c)
{
    for (int j = 0; j < 2; j++) {
        OP_TRY(th_table_rate(&c->t[j == 0 ? SA_T_E0 : SA_T_E1], in, sa_pred[j], &c->r[j], NULL));
        c->g_rate[j] = st_grade(c->r[j].slope.mean, c->r[j].slope.se, -INFINITY, SA_RATE_FRAC * sa_pred[j]);
        if (c->r[j].plateau) c->g_rate[j] = st_grade_worst(c->g_rate[j], ST_MARGINAL);
    }
    c->g_lip = ST_PASS;
    c->lt_max = c->la_max = -INFINITY;
    int L = c->t[SA_T_LT].np - 1;
    for (int p = 0; p <= L; p++) {
        double r, se;
        sa_row_ratio(&c->t[SA_T_LT], p, &r, &se);
        c->g_lip = st_grade_worst(c->g_lip, st_grade(r, se, p == L ? SA_LIP_LO : -INFINITY, SA_LIP_HI));
        if (!(r <= c->lt_max)) {
            c->lt_max = r;
            c->lt_max_se = se;
            c->lt_max_x = c->t[SA_T_LT].x[p];
        }
        if (p == L) {
            c->lt_last = r;
            c->lt_last_se = se;
        }
        sa_row_ratio(&c->t[SA_T_LA], p, &r, &se);
        c->g_lip = st_grade_worst(c->g_lip, st_grade(r, se, -INFINITY, SA_LIP_AMB_HI));
        if (!(r <= c->la_max)) {
            c->la_max = r;
            c->la_max_se = se;
            c->la_max_x = c->t[SA_T_LA].x[p];
        }
    }
    return OP_OK;
}

/* Series of one D: e0 and e1 (figure 0, with the fitted and the derived slope), the
 * two Lip ratios (figure 1). A control adds only its e1 and tangential Lip curves,
 * without lines: a figure holds 12 curves (PL_MAX_SERIES), and the main variant's 4
 * plus 4 from each of 3 controls would drop the last control (its table-control-*.csv
 * has all four). */
static void sa_dcurve_series(const th_judge_in *in, const sa_dcurve *c, th_verdict *v)
{
    static const int tab[4] = {SA_T_E0, SA_T_E1, SA_T_LT, SA_T_LA};
    static const char *nm[4] = {"e0 p99", "e1 p99", "Lip tan", "Lip amb"};
    const char *pre = in->control ? in->control : "";
    for (int j = 0; j < 4 && v->nseries < TH_MAX_SERIES; j++) {
        if (in->control && (j == 0 || j == 3)) continue;
        th_series *s = &v->series[v->nseries++];
        th_table_series(&c->t[tab[j]], 1, s);
        snprintf(s->name, sizeof s->name, "%s%sD=%g %s", pre, *pre ? ": " : "", c->D, nm[j]);
        s->figure = j >= 2;
        for (int i = 0; i < s->n; i++) s->fit[i] = s->pred[i] = NAN;
        if (j < 2 && !in->control) {
            double ly[TH_MAX_POINTS];
            for (int i = 0; i < s->n; i++) ly[i] = log(s->y[i]);
            st_fit line = {.intercept = c->r[j].intercept, .slope = c->r[j].slope.mean};
            th_series_fit_lines(s, s->x, ly, s->n, &line, sa_pred[j]); /* takes x, logs it */
            snprintf(s->fit_title, sizeof s->fit_title, "D=%g %s fit %.2f±%.2f", c->D, j ? "e1" : "e0",
                     c->r[j].slope.mean, c->r[j].slope.se);
            snprintf(s->pred_title, sizeof s->pred_title, "derived slope %.2f (band <= %.2f)", sa_pred[j],
                     SA_RATE_FRAC * sa_pred[j]);
        }
    }
}

#define SA_MAX_D 8

static int sa_judge(const th_judge_in *in, th_verdict *v)
{
    double Ds[SA_MAX_D];
    int nD = th_distinct_num(in, "D", Ds, SA_MAX_D);
    if (nD < 1) OP_ERROR(OP_EINTERNAL, "smooth-approx: records without D");
    sa_dcurve *c = op_calloc((size_t)nD, sizeof *c);
    if (!c) return OP_ENOMEM;
    double size_ref[TH_MAX_POINTS];
    th_where w0[] = {{"D", NULL, Ds[0]}, {NULL, NULL, 0}};
    int st = sa_sizes(in, w0, size_ref);
    for (int i = 0; i < nD && !st; i++) {
        c[i].D = Ds[i];
        st = sa_dtables(in, Ds[i], size_ref, &c[i]);
        if (!st) st = sa_dcurve_judge(in, &c[i]);
        if (!st && i > 0) {
            st = th_dinv_judge(&c[0].t[SA_T_E1REF], &c[i].t[SA_T_E1REF], in, SA_DS_TOL, SA_DR_LO, SA_DR_HI, &c[i].dv);
            c[i].g_dinv = st_grade_worst(c[i].dv.g_ds, c[i].dv.g_lr);
        }
    }
    if (st) goto done;
    /* graded number: the gradient slope of the D furthest outside (nearest the edge of)
     * its band; the D-invariance reported is the worst one */
    int w = 0, wd = nD > 1 ? 1 : -1;
    st_grade_t g = ST_PASS;
    for (int i = 0; i < nD; i++) {
        if (c[i].r[1].slope.mean > c[w].r[1].slope.mean) w = i;
        g = st_grade_worst(g, st_grade_worst(st_grade_worst(c[i].g_rate[0], c[i].g_rate[1]), c[i].g_lip));
        if (i > 0) {
            g = st_grade_worst(g, c[i].g_dinv);
            if (c[i].g_dinv > c[wd].g_dinv ||
                (c[i].g_dinv == c[wd].g_dinv && fabs(c[i].dv.lr.mean) > fabs(c[wd].dv.lr.mean)))
                wd = i;
        }
    }
    v->grade = g;
    v->measured = c[w].r[1].slope.mean;
    v->se = c[w].r[1].slope.se;
    v->predicted = sa_pred[1];
    v->lo = -INFINITY;
    v->hi = SA_RATE_FRAC * sa_pred[1];
    snprintf(v->predicted_text, sizeof v->predicted_text, "%.2f[derived]", sa_pred[1]);
    snprintf(v->extra, sizeof v->extra, "graded=e1_p99 slope@D=%g", c[w].D);
    for (int i = 0; i < nD; i++)
        th_extra_add(v, "D=%g:e0=%.2f±%.2f%s%s,e1=%.2f±%.2f%s%s,ratio=%.2f,lip_tan_max=%.2f,lip_amb_max=%.2f,"
                        "lip_tan_last=%.2f:%s",
                     c[i].D, c[i].r[0].slope.mean, c[i].r[0].slope.se, c[i].r[0].plateau ? "(plateau)" : "",
                     c[i].g_rate[0] ? "!" : "", c[i].r[1].slope.mean, c[i].r[1].slope.se,
                     c[i].r[1].plateau ? "(plateau)" : "", c[i].g_rate[1] ? "!" : "",
                     c[i].r[1].slope.mean / c[i].r[0].slope.mean, c[i].lt_max, c[i].la_max, c[i].lt_last,
                     st_grade_name(c[i].g_lip));
    if (wd > 0)
        th_extra_add(v, "dinv@D=%g:dslope=%.3g[%.3g,%.3g]%s,e1_ratio@P=%g=%.3g[%.3g,%.3g]%s", c[wd].D,
                     c[wd].dv.ds.mean, c[wd].dv.ds.lo, c[wd].dv.ds.hi, st_grade_name(c[wd].dv.g_ds), c[wd].dv.lr_x,
                     exp(c[wd].dv.lr.mean), exp(c[wd].dv.lr.lo), exp(c[wd].dv.lr.hi), st_grade_name(c[wd].dv.g_lr));
    th_extra_add(v, "(rates are the derived Sobolev analogue)");
    snprintf(v->note, sizeof v->note, "gradient slope %.2f ± %.2f at D=%g (derived %.2f, band <= %.2f)",
             v->measured, v->se, c[w].D, sa_pred[1], v->hi);
    snprintf(v->fig_note[1], sizeof v->fig_note[1], "largest tangential Lip ratio %.2f ± %.2f (D=%g, P=%g)",
             c[w].lt_max, c[w].lt_max_se, c[w].D, c[w].lt_max_x);
    th_add_ref(v, 1, SA_LIP_LO, SA_LIP_HI, "graded: tangential <= %g at every size, >= %g at the largest", SA_LIP_HI,
               SA_LIP_LO);
    th_add_ref(v, 1, -INFINITY, SA_LIP_AMB_HI, "graded at every size: ambient <= %.2f", SA_LIP_AMB_HI);
    v->nseries = 0;
    for (int i = 0; i < nD; i++) /* a control: its smallest and largest D (12 curves a figure) */
        if (!in->control || i == 0 || i == nD - 1) sa_dcurve_series(in, &c[i], v);
    /* table.csv: every (D, net) with the rates' inputs and the Lip ratios */
    int len = snprintf(v->table_csv, sizeof v->table_csv,
                       "D,params,e0_p99,e1_p99,lip_tan,lip_tan_se,lip_amb,lip_amb_se\n");
    for (int i = 0; i < nD; i++)
        for (int p = 0; p < c[i].t[SA_T_E0].np && len < (int)sizeof v->table_csv; p++) {
            double e0, e0s, e1, e1s, lt, lts, la, las;
            sa_row_ratio(&c[i].t[SA_T_E0], p, &e0, &e0s);
            sa_row_ratio(&c[i].t[SA_T_E1], p, &e1, &e1s);
            sa_row_ratio(&c[i].t[SA_T_LT], p, &lt, &lts);
            sa_row_ratio(&c[i].t[SA_T_LA], p, &la, &las);
            len += snprintf(v->table_csv + len, sizeof v->table_csv - (size_t)len,
                            "%g,%g,%.4g,%.4g,%.4g,%.2g,%.4g,%.2g\n", c[i].D, c[i].t[SA_T_E0].x[p], e0, e1, lt, lts,
                            la, las);
        }
done:
    for (int i = 0; i < nD; i++)
        for (int j = 0; j < SA_NT; j++) th_table_free(&c[i].t[j]);
    free(c);
    return st;
}

const th_check th_smooth_approx = {
    .id = "smooth-approx",
    .graded = "paired per-seed slope of log e1_p99 (tangential-gradient error) vs log parameters, worst D",
    .cite = {"liu2022benefits"},
    .citation = "Liu, Chen, Er, Liao, Zhang, Zhao, Benefits of Overparameterized Convolutional Residual Networks: "
                "Function Approximation under Smoothness Constraint, ICML 2022 (arXiv 2206.04569); only the "
                "abstract was verified, exponents are the Sobolev analogue [derived]",
    .claim = "Large ConvResNets approximate a smooth target on a manifold both in value and in first-order "
             "smoothness: value and tangential-gradient errors fall with size at the Sobolev rates of the "
             "intrinsic d, the gradient-error curve is D-invariant, and the Lipschitz constant does not blow up.",
    .prediction = "derived (s=3, d=2): slope of e0_p99 vs parameters -1.5, of e1_p99 -1.0; graded one-sided "
                  "slope <= 0.5 x derived (-0.75, -0.5); Lip ratio tangential <= 1.5 and ambient <= 2.12 at every "
                  "size, tangential >= 0.8 at the largest; e1 curve D-invariant: |dslope| <= 0.15, ratio in "
                  "[0.7, 1.4] at every net (TOST)",
    .band_source = "issue 16: one-sided half of the derived Sobolev rates; Lip band of THEOREMS.md smooth-approx "
                   "at every size (ambient: sqrt 2 for an unconstrained normal part); D-invariance bands of "
                   "manifold-rate",
    .metrics = {"e0_rms", "e0_p99", "e1_rms", "e1_p99", "lip_hat", "lip_f", "lip_ambient", "nparams", "train_mse",
                "e0_p99_train", "n_fit", "epochs_fit"},
    .quick = {.axes = {{"D", 2, {16, 32}}, {"n", 1, {16384}}, {"epochs", 1, {20}}, {"net", 6, {0, 1, 2, 3, 4, 5}}},
              .seeds = 3},
    .full = {.axes = {{"D", 3, {16, 32, 64}},
                      {"n", 1, {32768}},
                      {"epochs", 1, {30}},
                      {"net", 8, {0, 1, 2, 3, 4, 5, 6, 7}}},
             .seeds = 4},
    .controls = {{"rough", "near miss: the same Fourier series and cutoff with s = 0.75 < 1 (derived slopes -0.375 "
                           "and +0.125, outside -0.75 / -0.5): the gradient claim must FAIL", 1},
                 {"ball", "the same target law on the full-dimensional ball B^D in R^D (d = D): derived slopes "
                          "-3/D and -2/D, the manifold extension must FAIL"},
                 {"noisy", "labels f + 0.5 N(0,1) on n = 512 points fitted with the same steps: bigger nets "
                           "interpolate noise and become non-smooth, the Lipschitz and rate criteria must FAIL"}},
    .figures = {{"errors", "ConvResNet on T^2 in R^D: p99 value and tangential-gradient error vs size",
                 "parameters", "p99 test error (mean over seeds of log; bars +-1 s.e.)", 1, 1, 0, NULL},
                {"lip", "Lipschitz ratio vs size (max over the test sample; tangential and ambient)", "parameters",
                 "Lip(fhat) / Lip(f)", 1, 0, 0, NULL}},
    /* compare: one manifold, --ambient only; D-equivalence = criterion 4 (its table and bands) */
    .compare = {.ambient_axis = "D", .intrinsic_dim = sa_dim, .valid_manifolds = SA_MANIFOLD,
                .validate = sa_validate, .fixed_manifold = SA_MANIFOLD, .row_series = 1, .x_axis = "net",
                .metric = M_E1_P99, .log_table = sa_compare_table, .x_label = "P", .dslope_tol = SA_DS_TOL,
                .dratio_lo = SA_DR_LO, .dratio_hi = SA_DR_HI},
    .run = sa_run,
    .judge = sa_judge,
};
