/* manifold-rate: the estimation rate depends on the intrinsic d, not on D.
 *
 * Chen, Jiang, Liao, Zhao, "Nonparametric regression on low-dimensional manifolds
 * using deep ReLU networks", Information and Inference 2022 (arXiv 1908.01842):
 * E|f_hat - f|^2 <~ n^(-2b/(2b+d)) log^3 n for f Hoelder-b on a compact d-manifold
 * isometrically embedded in R^D, D only in constants; Oono & Suzuki, ICML 2019 (the
 * ResNet-type CNN class attains the same rates); Liu, Chen, Zhao, Liao, ICML 2021
 * (ConvResNets on manifolds). That D enters only through constants is [M] in
 * research/manifold-theorems-notes.md (abstract verified, theorem internals from
 * memory); the slope band is calibrated by the pilot there (section 7a).
 *
 * Experiment (THEOREMS.md manifold-rate): flat tori T^1, T^2 and the sphere S^2,
 * embedded isometrically in R^D by a Haar-random Q (manifolds/embed.h); target a
 * Matern-s random field with s = b = 1 (manifolds/target.h: random Fourier series on
 * the torus, random Fourier features elsewhere), unit variance; labels y = f + 0.5 N(0,1).
 * Nested training sets: the first n points of one pool per seed index (ctx->data_seed);
 * one noisy validation set and one noise-free test set per seed index. Target, pool,
 * validation and test sets do not depend on D except through Q, so D-curves differ
 * only by the embedding and the net. Net: ConvResNet C=8 (quick) / 16 (full), M=4, K=3, L=2, float32;
 * Adam with cosine decay; epoch-scaled budget (E epochs + S extra steps, see presets)
 * with early stopping (patience) and the best-validation parameters kept: the pilot
 * shows that a fixed step budget flattens slopes (-0.34 instead of -0.63).
 *
 * Prediction: slope of mean-over-seeds log test MSE vs log n = -2b/(2b+d):
 * -0.667 (d=1), -0.5 (d=2). Bands (THEOREMS.md, from the pilot, which measured within
 * 0.02-0.04 of the prediction at D=32): every (manifold, D) slope in
 * [pred-0.25, pred+0.15]; for a manifold at two D: |dslope| <= 0.15 and
 * MSE(D2)/MSE(D1) in [0.7, 1.4] at every n; for d=1 and d=2 manifolds at the same D:
 * MSE(d=2)/MSE(d=1) >= 2 at every n. slope(d=1) < slope(d=2) is reported only
 * (the 0.167 gap is 1-2 seed s.d.; notes section 8.2).
 * The graded number is the slope of the curve nearest to (or furthest outside) its
 * band; the other criteria are hard (named in the extra fields when they fail).
 * Pitfall (notes 7a): the ConvResNet's hidden state is D x C, so a small D is itself a
 * capacity cut; D < 16 is rejected.
 *
 * Issue 17: both halves graded. "Not D": the TOSTs above. "Depends on d": the
 * d-contrast, the paired per-seed slope difference slope(d=2) - slope(d=1) at each D,
 * predicted 2/3 - 1/2 = 0.167, band [0.095, 0.222] (the prediction with d = 2 off by
 * 0.5 either way; mr_dcon_judge), fixed before the runs below. The quick preset (what
 * ctest runs) now has T^1 and T^2 at D = 16 and 32 with 4 seeds (was T^2 only, 2
 * seeds: "depends on d" never ran in CI); full: T^1, T^2, S^2, T^3 at D = 16, 64, 128.
 * Pilot before the design was fixed (quick grid n = 512..4096, D = 16/32, T^1, T^2 and
 * T^4, 3 seeds, seed 0; mean of per-seed slopes +- s.e.), with the quick net (C = 8)
 * and with the full net and budget (C = 16, 60 epochs + 1000 steps, no early stop):
 *              C = 8: D=16         D=32           C = 16: D=16       D=32
 *   T^1 (-0.667)   -0.49 +- 0.10  -0.43 +- 0.12          -0.47 +- 0.11  -0.52 +- 0.03
 *   T^2 (-0.5)     -0.47 +- 0.02  -0.48 +- 0.04          -0.51 +- 0.04  -0.50 +- 0.01
 *   T^4 (-0.333)   -0.27 +- 0.03  -0.27 +- 0.01          -0.30 +- 0.03  -0.25 +- 0.07
 * T^2 and T^4 follow their predictions; T^1 falls at T^2's rate at these 3 seeds, so
 * the d = 1 vs 2 contrast measured -0.04 +- 0.08 / 0.01 +- 0.04 (C = 16) where 0.167 is
 * predicted, while d = 1 vs 4 shows (0.17-0.26). The larger net did not steepen T^1: not
 * a capacity limit.
 * After the design was fixed, the quick preset at base seeds 0-5 (24 data seeds pooled,
 * a summary, not a verdict): T^1 -0.536 +- 0.029 / -0.585 +- 0.032, T^2 -0.469 +- 0.013
 * / -0.480 +- 0.013 (D = 16 / 32), d-contrast 0.067 +- 0.028 / 0.105 +- 0.037: the
 * d-dependence is there but less than half the prediction; seed 0 FAILs (-0.058 +- 0.10
 * at D = 32), seeds 1-5 MARGINAL, FAIL, MARGINAL x3. Nor is it model selection or budget:
 * a validation set of 8192 points, 120 epochs + 3000 steps and no early stop (pilot, D =
 * 16, 4 seeds) gave T^1 -0.576 +- 0.026, T^2 -0.507 +- 0.023, contrast 0.069 +- 0.029.
 * Open: n = 512..4096 pre-asymptotic for d = 1, or a slower rate of trained nets on d = 1.
 * The quick preset keeps the C = 8 net and the standard protocol (neither change moved
 * the contrast, and both cost 3x).
 * ctest registers the outcome as a documented finding (theorems/checks.list).
 *
 * Controls:
 * "d4-as-d2" (near miss, issue 17): every d = 2 manifold replaced by the flat torus T^4,
 * still graded as d = 2. Predicted slope -2/(2+4) = -0.333, just outside the d = 2 band
 * [-0.75, -0.35], and d-contrast 0.333 against d = 1, outside [0.095, 0.222]: the check
 * must FAIL (pilot above: -0.27 / -0.25..-0.30).
 * "full-dim": the same kind of target (Matern s=1) on data filling a
 * 16-dimensional ball (d = 16, embedded in R^max(D,16)), labelled as the manifold it
 * replaces. Its rate is ~ -2/(2+16) = -0.11, far from the d=1/d=2 predictions, so the
 * "d not D" claim must FAIL for it.
 * (Off-manifold noise in the padded coordinates, the second near miss, is not
 * implemented: no level was found, before the runs, at which the theory says the data's
 * dimension stops being d for this n range; see the session note.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"

enum { M_TEST, M_BEST_EPOCH, M_EPOCHS, M_VAL, M_TRAIN };

#define MR_BETA 1.0
#define MR_NOISE 0.5
#define MR_MIN_D 16
#define MR_BALL_DIM 16
/* The control's target: the same Matern s=1 law, with 1024 instead of 4096 random
 * features. Building and normalising a 4096-feature field on B^16 took 2 s of a
 * 3.4 s control run (16 runs), so the control exceeded its time budget. With fewer
 * features the field is smoother at fine scales, which can only make it easier to
 * learn (a steeper slope), so the control is not made to fail by the change. */
#define MR_BALL_TARGET "matern:s=1,features=1024"
/* The d4-as-d2 control's target: the same Matern s=1 Fourier series with its mode
 * cutoff set for n <= 4096 (nmax=4096: kc = 12) instead of the default 16384 (kc = 16):
 * the default's ~160 000 modes on T^4 cost 3.7 s per dataset of 7120 points (0.16 s on
 * T^2), most of the control's time. Both presets stop at n = 4096, and the cutoff only
 * removes modes finer than the rate can resolve there; a smoother field can only make
 * the rate steeper, so the control is not made to fail by the change. */
#define MR_T4_TARGET "matern:s=1,nmax=4096"

typedef struct {
    int C, M, K, L, batch, epochs0, patience, nval, ntest;
    long extra_steps;
    double lr;
} mr_cfg;

/* Quick: pilot settings (notes 7a run D): C=8, batch 32, Adam 2e-3 with cosine decay,
 * 40 epochs + 1000 steps; patience 20 epochs, best-validation parameters kept.
 * Full: C=16, 60 epochs + 1000 steps, no early stopping (the best-validation epoch
 * is still kept). Why: with the quick net the full preset's d=1 curve at D=16
 * flattened to -0.45 (band [-0.92,-0.52]): its MSE stalled near 0.011 above n=1024
 * with the best epoch at the end of the budget (capacity/optimisation floor; the
 * hidden state of a D=16, C=8 net is only 128 wide, notes 7a take-away 3), and a
 * patience of 20 epochs stopped several runs while the cosine schedule's learning
 * rate was still high (n=256, seed 0: MSE 0.156 against 0.03-0.04 for the others).
 * C=16 with patience off (3 seeds, 40 epochs) gave an end-point slope of -0.54 at
 * D=16, at the edge of the band; the longer budget is for the large-n runs, whose
 * best epoch was still near the last one. The quick preset keeps the C=8 net (time
 * budget): with T^1 added (issue 17) the C=16 net and budget did not steepen T^1
 * either (pilot in the header). */
static const mr_cfg mr_quick = {8, 4, 3, 2, 32, 40, 20, 1024, 2000, 1000, 2e-3};
static const mr_cfg mr_full = {16, 4, 3, 2, 32, 60, 0, 1024, 4000, 1000, 2e-3};

static double mr_dim(const char *spec) { return th_manifold_dim(spec); }

static int mr_validate(const char *spec, double D)
{
    double d;
    int N;
    OP_TRY(th_manifold_dims(spec, &d, &N));
    if (D < MR_MIN_D)
        OP_ERROR(OP_EUSAGE, "--ambient %g: manifold-rate needs D >= %d (the ConvResNet's capacity grows with D; "
                            "a smaller D is a capacity cut)", D, MR_MIN_D);
    if (D < N) OP_ERROR(OP_EUSAGE, "--ambient %g is smaller than the embedding dimension %d of %s", D, N, spec);
    return OP_OK;
}

static double mr_pred(double d) { return -2 * MR_BETA / (2 * MR_BETA + d); }

static int mr_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    const mr_cfg *c = ctx->full ? &mr_full : &mr_quick;
    const char *spec = th_get_str(p, "manifold");
    int D = (int)th_get(p, "D");
    long n = (long)th_get(p, "n");
    OP_TRY(mr_validate(spec, D));
    char ball[32];
    const char *target = "matern:s=1";
    /* near miss (issue 17): data on T^4 where the plan says a d = 2 manifold; the
     * records keep the planned spec, so the judge grades them as d = 2 */
    if (ctx->control && strcmp(ctx->control, "d4-as-d2") == 0 && mr_dim(spec) == 2) {
        spec = "torus:d=4";
        target = MR_T4_TARGET;
    }
    if (ctx->control && strcmp(ctx->control, "full-dim") == 0) {
        snprintf(ball, sizeof ball, "ball:d=%d", MR_BALL_DIM);
        spec = ball;
        target = MR_BALL_TARGET;
        if (D < MR_BALL_DIM) D = MR_BALL_DIM;
    }
    /* One target, embedding and point stream per seed index and manifold (keyed by
     * the spec, so two manifolds get independent draws), built in ONE dataset call
     * (the Matern target's construction and normalisation is the costly part):
     * rows [0, nval) are the noisy validation set, rows [nval, nval+ntest) the test
     * set (noise-free values f), and the rest the training pool. Datasets are
     * prefix-stable, so validation and test sets are the same for every n and the
     * training set for n is the first n points of the pool (nested). */
    uint64_t tseed, eseed, sseed;
    th_dataset_seeds(spec, D, ctx->data_seed, &tseed, &eseed, &sseed);
    mf_dataset ds = {0};
    nn_model *m = NULL;
    double *pred = NULL;
    long off_te = c->nval, off_tr = c->nval + c->ntest;
    mf_dataset_spec dsp = {.manifold = spec, .D = D, .n = off_tr + n, .target = target,
                           .label_noise = MR_NOISE, .target_seed = tseed, .embed_seed = eseed, .sample_seed = sseed};
    int st = mf_dataset_make(&dsp, &ds);
    nn_config cfg = nn_config_convresnet1d(D, c->C, c->K, c->L, c->M, 1);
    cfg.conv = ctx->conv; /* --conv */
    if (!st) st = nn_model_create(&cfg, NN_F32, 256, &m);
    if (!st && !(pred = op_malloc(sizeof(double) * (size_t)c->ntest))) st = OP_ENOMEM;
    if (!st) {
        nn_model_init(m, rng);
        nn_train_opts o;
        nn_train_opts_default(&o);
        o.lr = c->lr;
        o.cosine = 1;
        o.batch = c->batch;
        long spe = (n + c->batch - 1) / c->batch;
        o.epochs = c->epochs0 + (int)((c->extra_steps + spe - 1) / spe); /* E epochs + S steps */
        o.patience = c->patience;
        o.keep_best = 1;
        o.seed = op_rng_u64(rng);
        nn_dataset dt = {n, D, 1, ds.X + (size_t)off_tr * D, ds.y + off_tr},
                   dv = {c->nval, D, 1, ds.X, ds.y};
        nn_train_result res;
        st = nn_train(m, &dt, &dv, &o, &res);
        if (!st) st = nn_predict(m, ds.X + (size_t)off_te * D, c->ntest, pred);
        if (!st) {
            const double *f = ds.f + off_te;
            double e = 0;
            for (long i = 0; i < c->ntest; i++) e += (pred[i] - f[i]) * (pred[i] - f[i]);
            out->v[M_TEST] = e / (double)c->ntest;
            out->v[M_BEST_EPOCH] = res.best_epoch;
            out->v[M_EPOCHS] = res.epochs_run;
            out->v[M_VAL] = res.best_val_loss;
            out->v[M_TRAIN] = res.train_loss;
            if (!isfinite(out->v[M_TEST])) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "test MSE not finite");
        }
    }
    free(pred);
    nn_model_free(m);
    mf_dataset_free(&ds);
    return st;
}

/* ---- judge ---- */

typedef struct {
    char spec[64];
    double d, D, slope, se, pred;
    st_grade_t grade;
    st_rate rate;
    int n;
    double x[TH_MAX_POINTS], y[TH_MAX_POINTS]; /* exp(mean log MSE) per n */
} mr_curve;

static int mr_curve_judge(const th_judge_in *in, const char *spec, double D, mr_curve *cv, th_series *out)
{
    th_where w[] = {{"manifold", spec, 0}, {"D", NULL, D}, {NULL, NULL, 0}};
    th_verdict tv;
    memset(&tv, 0, sizeof tv);
    double d = mr_dim(spec), pred = mr_pred(d);
    OP_TRY(th_judge_rate_where(in, "n", M_TEST, w, pred, pred - 0.25, pred + 0.15, 0, &tv, &cv->rate));
    snprintf(cv->spec, sizeof cv->spec, "%s", spec);
    cv->d = d;
    cv->D = D;
    cv->slope = tv.measured;
    cv->se = tv.se;
    cv->pred = pred;
    cv->grade = tv.grade;
    cv->n = tv.series[0].n;
    for (int k = 0; k < cv->n; k++) {
        cv->x[k] = tv.series[0].x[k];
        cv->y[k] = tv.series[0].y[k];
    }
    if (out) {
        *out = tv.series[0];
        snprintf(out->name, sizeof out->name, "%s%s, D=%g", in->control ? "ball B^16 as " : "", spec, D);
    }
    return OP_OK;
}

/* The table of log test MSE of one (manifold, D) curve. */
static int mr_table(const th_judge_in *in, const char *spec, double D, th_table *t)
{
    th_where w[] = {{"manifold", spec, 0}, {"D", NULL, D}, {NULL, NULL, 0}};
    OP_TRY(th_table_collect(in, "n", M_TEST, w, t));
    int s = th_table_log(t, in, "test_mse");
    if (s) th_table_free(t);
    return s;
}

/* D-invariance of one manifold between D1 and D2, as equivalence tests (THEOREMS.md:
 * the whole 90 % interval inside the band): the paired per-seed slope difference in
 * [-0.15, 0.15], and the paired log MSE ratio at every n in [log 0.7, log 1.4]
 * (the worst n is reported): the kit's th_dinv_judge (studies use the same). The seeds
 * share target, pool and test set across D (common random numbers), so both
 * differences are taken within a seed. */
#define MR_DSLOPE 0.15   /* THEOREMS.md: |dslope| across D */
#define MR_DRATIO_LO 0.7 /* THEOREMS.md: MSE(D2)/MSE(D1) in [0.7, 1.4] at every n */
#define MR_DRATIO_HI 1.4
static int mr_dinv_judge(const th_judge_in *in, const char *spec, double D1, double D2, th_dinv *o)
{
    th_table a, b;
    OP_TRY(mr_table(in, spec, D1, &a));
    int s = mr_table(in, spec, D2, &b);
    if (!s) {
        s = th_dinv_judge(&a, &b, in, MR_DSLOPE, MR_DRATIO_LO, MR_DRATIO_HI, o);
        th_table_free(&b);
    }
    th_table_free(&a);
    return s;
}

/* The d-contrast between a manifold of lower intrinsic dimension (lo) and one of higher
 * (hi) at the same D: the paired per-seed slope difference slope(hi) - slope(lo)
 * (th_rate_diff: each seed's two curves share nothing but the seed index, so pairing
 * only removes nothing -- it keeps the t statistics of the kit), predicted
 * pred(d_hi) - pred(d_lo) = 0.167 for d = 1 vs 2, with the band the prediction gives
 * when d_hi is off by up to MR_D_TOL either way: [pred(d_hi - tol) - pred(d_lo),
 * pred(d_hi + tol) - pred(d_lo)] = [0.095, 0.222] for d = 1 vs 2. A band, graded like a
 * slope (st_grade: outside by more than one s.e. FAILs). */
#define MR_D_TOL 0.5
typedef struct {
    st_interval gap;
    double pred, lo, hi;
    int paired;
    st_grade_t g;
} mr_dcon;

static int mr_dcon_judge(const th_judge_in *in, const char *lo_spec, double d_lo, const char *hi_spec, double d_hi,
                         double D, mr_dcon *o)
{
    th_table a, b;
    OP_TRY(mr_table(in, lo_spec, D, &a));
    int s = mr_table(in, hi_spec, D, &b);
    if (!s) s = th_rate_diff(&a, &b, in, &o->gap, &o->paired);
    if (!s) {
        th_contrast_band(mr_pred, d_lo, d_hi, MR_D_TOL, &o->pred, &o->lo, &o->hi);
        o->g = st_grade(o->gap.mean, o->gap.se, o->lo, o->hi);
    }
    th_table_free(&a);
    if (!s) th_table_free(&b);
    return s;
}

/* Ratio a/b of two curves at every common n: min and max. */
static void mr_ratio_range(const mr_curve *a, const mr_curve *b, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            if (a->x[i] == b->x[j]) {
                double r = a->y[i] / b->y[j];
                if (r < *lo) *lo = r;
                if (r > *hi) *hi = r;
            }
}

#define MR_MAX_CURVES 16

static int mr_judge(const th_judge_in *in, th_verdict *v)
{
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "manifold-rate: no records to judge");
    /* distinct manifolds and D values, in plan order */
    const char *specs[MR_MAX_CURVES];
    double Ds[MR_MAX_CURVES];
    int nm = th_distinct_str(in, "manifold", specs, MR_MAX_CURVES);
    int nD = th_distinct_num(in, "D", Ds, MR_MAX_CURVES);
    if (nm < 1 || nD < 1) OP_ERROR(OP_EINTERNAL, "manifold-rate: records without manifold or D");
    if (nm * nD > MR_MAX_CURVES) OP_ERROR(OP_EUSAGE, "manifold-rate: at most %d curves", MR_MAX_CURVES);
    mr_curve *cv = op_calloc((size_t)(nm * nD), sizeof *cv);
    if (!cv) return OP_ENOMEM;
    int st = OP_OK, nc = 0;
    v->nseries = 0;
    for (int a = 0; a < nm && !st; a++)
        for (int b = 0; b < nD && !st; b++) {
            th_series *s = v->nseries < TH_MAX_SERIES ? &v->series[v->nseries++] : NULL;
            st = mr_curve_judge(in, specs[a], Ds[b], &cv[nc++], s);
        }
    if (st) {
        free(cv);
        return st;
    }
    /* graded number: the curve furthest outside (or nearest the edge of) its band */
    st_grade_t g = ST_PASS;
    int worst = 0;
    double wx = -INFINITY;
    char slopes[160] = "";
    int o = 0;
    for (int k = 0; k < nc; k++) {
        double lo = cv[k].pred - 0.25, hi = cv[k].pred + 0.15;
        double ex = isfinite(cv[k].slope) ? fmax(lo - cv[k].slope, cv[k].slope - hi) : INFINITY;
        if (ex > wx) {
            wx = ex;
            worst = k;
        }
        g = st_grade_worst(g, cv[k].grade);
        o += snprintf(slopes + o, sizeof slopes - (size_t)(o < (int)sizeof slopes ? o : (int)sizeof slopes - 1),
                      "%s%s/%g:%.2f", k ? "," : "", cv[k].spec, cv[k].D, cv[k].slope);
        if (o >= (int)sizeof slopes) o = (int)sizeof slopes - 1;
    }
    /* D-invariance per manifold (the first D compared with every other), TOST */
    th_dinv wd = {0};
    int have_D = 0, have_d = 0;
    for (int a = 0; a < nm && !st; a++)
        for (int b = 1; b < nD && !st; b++) {
            th_dinv di;
            st = mr_dinv_judge(in, specs[a], Ds[0], Ds[b], &di);
            if (st) break;
            st_grade_t gd = st_grade_worst(di.g_ds, di.g_lr);
            if (!have_D || gd > st_grade_worst(wd.g_ds, wd.g_lr) ||
                fabs(di.ds.mean) > fabs(wd.ds.mean))
                wd = di;
            g = st_grade_worst(g, gd);
            have_D = 1;
        }
    if (st) {
        free(cv);
        return st;
    }
    /* d-dependence, two criteria. Levels: every d=2 manifold against every d=1
     * manifold at the same D, MSE(d=2)/MSE(d=1) >= 2 at every n (one-sided, on the
     * curves' geometric means). Exponents (issue 17): the d-contrast of every pair of
     * manifolds with different d at the same D (mr_dcon_judge); the pair furthest
     * outside its band is reported. */
    double dmin = INFINITY;
    int have_c = 0;
    mr_dcon wc = {0};
    const char *wc_lo = "", *wc_hi = "";
    double wc_D = NAN;
    for (int a = 0; a < nm && !st; a++)
        for (int b = 0; b < nm && !st; b++) {
            double da = cv[a * nD].d, db = cv[b * nD].d;
            if (!(da > db)) continue;
            for (int j = 0; j < nD && !st; j++) {
                if (da == 2 && db == 1) {
                    double lo, hi;
                    mr_ratio_range(&cv[a * nD + j], &cv[b * nD + j], &lo, &hi);
                    if (lo < dmin) dmin = lo;
                    have_d = 1;
                }
                mr_dcon dc;
                st = mr_dcon_judge(in, specs[b], db, specs[a], da, Ds[j], &dc);
                if (st) break;
                double out_c = fmax(dc.lo - dc.gap.mean, dc.gap.mean - dc.hi);
                double out_w = fmax(wc.lo - wc.gap.mean, wc.gap.mean - wc.hi);
                if (!have_c || dc.g > wc.g || (dc.g == wc.g && !(out_c <= out_w))) {
                    wc = dc;
                    wc_lo = specs[b];
                    wc_hi = specs[a];
                    wc_D = Ds[j];
                }
                g = st_grade_worst(g, dc.g);
                have_c = 1;
            }
        }
    if (st) {
        free(cv);
        return st;
    }
    if (have_d && !(dmin >= 2)) g = ST_FAIL;
    v->grade = g;
    /* The headline (measured, band; what discrim measures a control by) is the graded
     * quantity furthest out, as in approx-blocks: the worst curve's slope, or the worst
     * d-contrast when it is graded worse or lies further outside its band in s.e. */
    const mr_curve *w = &cv[worst];
    double w_lo = w->pred - 0.25, w_hi = w->pred + 0.15;
    int head_con = have_c && (wc.g > w->grade || (wc.g == w->grade && th_band_out(wc.gap.mean, wc.gap.se, wc.lo, wc.hi) >
                                                                           th_band_out(w->slope, w->se, w_lo, w_hi)));
    /* hard criteria first: if the line is too long, only the slope list is cut */
    if (head_con) {
        th_verdict_head(v, wc.gap.mean, wc.gap.se, wc.pred, wc.lo, wc.hi);
        snprintf(v->extra, sizeof v->extra, "graded=d_contrast/D=%g worst=%.40s/D=%g", wc_D, w->spec, w->D);
    } else {
        th_verdict_head(v, w->slope, w->se, w->pred, w_lo, w_hi);
        snprintf(v->extra, sizeof v->extra, "graded=%.40s/D=%g", w->spec, w->D);
    }
    char rate[200];
    th_rate_text(&cv[worst].rate, rate, sizeof rate);
    th_extra_add(v, "%s", rate);
    if (have_D) {
        th_extra_add(v, "dslope=%.3g(90%%:[%.3g,%.3g]%s vs [-0.15,0.15] %s)", wd.ds.mean, wd.ds.lo, wd.ds.hi,
                     wd.paired ? "" : ",unpaired", st_grade_name(wd.g_ds));
        th_extra_add(v, "D_ratio@n=%g=%.3g(90%%:[%.3g,%.3g] vs [0.7,1.4] %s)", wd.lr_x, exp(wd.lr.mean),
                     exp(wd.lr.lo), exp(wd.lr.hi), st_grade_name(wd.g_lr));
    }
    if (have_c)
        th_extra_add(v, "d_contrast=%.3g±%.3g(%s-%s@D=%g%s predicted %.3g band [%.3g,%.3g] %s)", wc.gap.mean,
                     wc.gap.se, wc_hi, wc_lo, wc_D, wc.paired ? "" : ",unpaired", wc.pred, wc.lo, wc.hi,
                     st_grade_name(wc.g));
    if (have_d) th_extra_add(v, "d_ratio_min=%.3g(vs >=2)", dmin); /* study.c's field */
    th_extra_add(v, "slopes=%s", slopes);
    snprintf(v->note, sizeof v->note, "worst curve %.40s, D=%g: slope %.3f ± %.3f, predicted %.3f", cv[worst].spec,
             cv[worst].D, cv[worst].slope, cv[worst].se, cv[worst].pred);
    free(cv);
    return OP_OK;
}

/* d4-as-d2 replaces only the d = 2 manifolds: the other runs are the theorem's own */
static int mr_unreplaced(const th_params *p) { return mr_dim(th_get_str(p, "manifold")) != 2; }

#define MR_VALID "any manifold spec of `overparam manifolds` (e.g. torus:d=1, torus:d=2, sphere:d=2, so3, klein)"

const th_check th_manifold_rate = {
    .id = "manifold-rate",
    .graded = "slope of log test MSE vs log n of the (manifold, D) curve furthest out, or the d-contrast (paired "
              "slope difference) when it lies further out",
    .cite = {"chen2022nonparametric", "oono2019approximation", "liu2021besov"},
    .citation = "Chen, Jiang, Liao, Zhao, Nonparametric regression on low-dimensional manifolds using deep ReLU "
                "networks, Inf. Inference 2022 (arXiv 1908.01842); Oono & Suzuki, ICML 2019; Liu, Chen, Zhao, Liao, "
                "ICML 2021. D-independence of constants: [M] (from memory, see research notes)",
    .claim = "For a Hoelder-1 target on a d-dimensional manifold isometrically embedded in R^D, a ConvResNet's test "
             "MSE decays like n^(-2/(2+d)), with D only in constants.",
    .prediction = "slope -2b/(2b+d) (b=1): -0.667 (d=1), -0.5 (d=2); no change with D",
    .band_source = "THEOREMS.md manifold-rate; pilot (notes 7a, run D) measured within 0.02-0.04 of the prediction: "
                   "slope in [pred-0.25, pred+0.15], |dslope_D|<=0.15, MSE(D2)/MSE(D1) in [0.7,1.4], "
                   "MSE(d=2)/MSE(d=1) >= 2",
    .metrics = {"test_mse", "best_epoch", "epochs_run", "best_val_loss", "train_loss"},
    .quick = {.axes = {{"manifold", 2, {0}, {"torus:d=1", "torus:d=2"}},
                       {"D", 2, {16, 32}},
                       {"n", 4, {512, 1024, 2048, 4096}}},
              .seeds = 4},
    .full = {.axes = {{"manifold", 4, {0}, {"torus:d=1", "torus:d=2", "sphere:d=2", "torus:d=3"}},
                      {"D", 3, {16, 64, 128}},
                      {"n", 5, {256, 512, 1024, 2048, 4096}}},
             .seeds = 3},
    .controls = {{"d4-as-d2", "near miss: every d = 2 manifold is replaced by the flat torus T^4 but still graded as "
                              "d = 2: its rate -2/(2+4) = -0.33 lies just outside the d = 2 band [-0.75, -0.35] and its "
                              "d-contrast against d = 1 (0.33) outside [0.095, 0.222], so the check must FAIL", 1,
                  mr_unreplaced},
                 {"full-dim", "data fill a 16-dimensional ball (d = D = 16) under the same labels: the rate is "
                              "~n^-0.11, far from -2/(2+d) of the claimed d, so the check must FAIL"}},
    .figures = {{"rate", "test MSE vs n on manifolds embedded in R^D (ConvResNet M=4; C=8 quick, 16 full)", "n (training points)",
                 "noise-free test MSE (mean of log over seeds)", 1, 1, 0, NULL}},
    .compare = {.manifold_axis = "manifold", .ambient_axis = "D", .intrinsic_dim = mr_dim,
                .valid_manifolds = MR_VALID, .validate = mr_validate, .x_axis = "n", .metric = M_TEST,
                .dslope_tol = MR_DSLOPE, .dratio_lo = MR_DRATIO_LO, .dratio_hi = MR_DRATIO_HI,
                .predicted_slope = mr_pred, .contrast_dtol = MR_D_TOL},
    .run = mr_run,
    .judge = mr_judge,
};
