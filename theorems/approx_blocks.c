/* approx-blocks: the approximation error of a ConvResNet falls with the number of
 * residual blocks M at a rate set by s/d, not by the ambient D.
 *
 * Chen, Jiang, Liao, Zhao, "Efficient approximation of deep ReLU networks for
 * functions on low dimensional manifolds", NeurIPS 2019, Thm 1; Liu, Chen, Zhao,
 * Liao, "Besov function approximation and binary classification on low-dimensional
 * manifolds using ConvResNets", ICML 2021, Thm 1 (a ConvResNet with M = O(eps^(-d/s))
 * blocks approximates an s-smooth f on a d-manifold in R^D to sup-error eps, so
 * MSE ~ M^(-2s/d) and sup error ~ M^(-s/d)). The theorem internals (M = O(eps^(-d/s)),
 * block depth L = O(log(1/eps) + D), channels J = O(D), any filter size K in [2, D]) are
 * [M] in research/manifold-theorems-notes.md (recalled, not verified in a source); the
 * slope -2s/d is a derived prediction for a constructive network, not for a trained one.
 *
 * ===== Design of issue 17 (fixed in this header before any run of it) =====
 * What changed and why (issue 17: the old check tested only "not D", with one D in
 * quick, a one-sided band that accepted any d <= 4 and one training run per point):
 * - Both halves. Manifolds T^1 (d = 1) and T^2 (d = 2) in every preset; predicted slopes
 *   of log MSE vs log M: -2s/d = -2 (T^1), -1 (T^2), s = 1.
 * - Two-sided band, one rule for every graded slope, fixed from THEOREMS.md's factor
 *   0.5: slope in [1.5 pred, 0.5 pred] (T^2 [-1.5, -0.5], T^1 [-3, -1]); the upper edge
 *   is the old one-sided band, the lower edge its mirror (a rate 1.5x steeper than the
 *   constructive one is not the theorem's rate either).
 * - d-contrast, at each D: the paired per-seed slope difference slope(T^2) - slope(T^1)
 *   (th_rate_diff: common random numbers, slopes per seed then averaged), predicted
 *   -2s/2 + 2s/1 = +1, band [0.5, 1.5] (the same +-50 % rule), graded st_grade on its
 *   mean and s.e. as manifold-rate's contrast.
 * - D-invariance, per manifold: every D against the first, paired slope difference as an
 *   equivalence test (whole 90 % interval in [-0.2, 0.2], THEOREMS.md), as before.
 * - Architecture rule. The theorem's block (recalled) has J = O(D) channels and depth
 *   L = O(D) at a fixed filter size, i.e. a block whose receptive field grows in
 *   proportion to D. The rule adopted: K(D) = 1 + D/8 (K = 3, 5, 9 at D = 16, 32, 64),
 *   L = 2, C = 8: the receptive field 1 + L(K-1) = 1 + D/4 keeps a fixed fraction of the
 *   signal, as the theorem's depth growth does, by the cheaper of the two routes the
 *   theorem allows (K up to D). Channels are not scaled: pilots at D = 32 (session 4,
 *   in the old header) trained C = 16 9x worse at M = 8 (0.039 vs 0.0045) and L = 4 worse
 *   at every M under this optimiser, while K = 5 lowered every D = 32 net. The net at
 *   D >= 32 is therefore narrower than the construction, which can only flatten its slope.
 * - Restarts: every point is the best (lowest training MSE) of R independent trainings
 *   (new init and batch order each; quick R = 2, full R = 3), so the recorded error is a
 *   tighter upper bound on the infimum the theorem bounds; the record keeps the spread
 *   max/min over the restarts (a large spread at large M says optimisation-limited).
 * - Sup error: max |f_hat - f| over the n training and the test points of the chosen
 *   restart; its slope vs log M (predicted -s/d) is reported beside the MSE's, not graded.
 * - Presets. Quick (what ctest runs): T^1, T^2, D = 16 and 32, M in {1, 2, 4, 8}, 2 seeds,
 *   R = 2, steps(M) = 1000 (8/M)^(1/2) (2828 at M = 1; the shrinking budget of the old
 *   quick preset at a quarter of its steps, stopped at M = 8, for time: 2 x 2 x 2 x 2
 *   grids of 4 nets have to fit about a minute on 2 cores; a first build with 2000 (8/M)^(1/2)
 *   took 91 s wall on 2 idle Zen 5 cores for the main variant alone; its judge stopped on
 *   a filter bug before a verdict, but its per-run training MSEs were seen before the
 *   budget was cut: T^1 0.0007-0.004 and T^2 0.005-0.037 over M = 1..8, both D, 2 seeds.
 *   The cut was for time only; no band or criterion changed). Full: T^1, T^2, D = 16, 32, 64, M up to 16,
 *   3 seeds, R = 3, 16000 steps for every net (the old full budget).
 * - Controls. "d2-as-d1" (near miss, ctest): the T^1 arm's data replaced by T^2, still
 *   graded as d = 1 (a d + 1 manifold announced as d): its predicted d-contrast is 0, far
 *   outside [0.5, 1.5], and its "d = 1" slope (-1) on the edge of [-3, -1], so the check
 *   must FAIL. "full-dim" (far miss, verify only): data filling the ball B^D, d = D.
 * Expectation stated before the runs: the old data (T^1 quick slopes -0.97 / -0.76 at
 * seeds 0 / 1, optimisation-limited beyond M = 4) suggest the T^1 slope and the
 * d-contrast will fall short; if so the check stays a documented FAIL, not a retuned band.
 *
 * Outcome, quick (7da9cb9, `verify approx-blocks --quick --seed K`, K = 0..5; rerun at 6508cce
 * after K = 5 moved to the direct kernels, same verdicts): FAIL at every
 * seed. d-contrast +0.02 to +0.13 (predicted +1, band [0.5, 1.5]); slopes T^1 -0.38 to -0.80,
 * T^2 -0.24 to -0.53 (bands [-3, -1], [-1.5, -0.5]); D-equivalence MARGINAL (2 seeds: 90 %
 * intervals ~+-0.5 to +-1); sup-error slopes -0.09 to -0.27; restart spread up to 16x. The
 * T^1 nets reach 0.001-0.004 already at M = 1: at this budget training, not the block count,
 * sets the error. Registered as a documented FAIL (theorems/checks.list): the budget.
 * Outcome, full at D = 16 and 32 (`compare --check approx-blocks --full --manifolds
 * torus:d=1,torus:d=2 --ambient 16,32`, 3 seeds; D = 64 not run): slopes T^1 -2.09 +- 0.09 /
 * -1.74 +- 0.18, T^2 -1.08 +- 0.02 / -0.87 +- 0.04 (D = 16 / 32; the D = 32 curves flatten at
 * M = 16: plateau, MARGINAL); d-contrast +1.02 [0.73, 1.30] / +0.88 [0.24, 1.52] PASS;
 * D-equivalence +0.35 [-0.22, 0.92] (T^1), +0.21 [0.02, 0.40] (T^2) MARGINAL. With the full
 * budget the d-dependence is there as predicted; "not D" is unresolved at 3 seeds.
 * Outcome, the whole full preset (6508cce, `verify approx-blocks --full`, D = 16 / 32 / 64):
 * FAIL at D = 64 (K = 9): slopes T^1 -0.61 +- 0.19, T^2 -0.54 +- 0.11, d-contrast +0.08
 * [-0.36, 0.51], both D-equivalences against D = 16 FAIL. Training, not approximation: the
 * M = 1 nets are the best of any D, but at M >= 4 the best of 3 restarts is unreliable
 * (restart spread up to 1.5e4, at D <= 32 at most 22x) and the error rises from M = 8 to
 * 16. The deep K = 9 nets need another learning rate or more steps (not tried yet).
 *
 * Design change 1 (2026-12-07, after the whole full preset's FAIL at D = 64; bands,
 * statistics, grid, budget and restarts unchanged): Adam's learning rate scales with the
 * conv fan-in, lr(K) = 1e-2 (3 / K) (ab_lr): 1e-2 at K = 3 (D = 16, bit-identical records),
 * 6e-3 at K = 5 (D = 32), 3.3e-3 at K = 9 (D = 64). Why: Adam moves every weight by about
 * lr per step whatever its gradient's size, so a conv output summing C K inputs moves by
 * up to C K lr: the architecture rule (K grows with D) had raised the effective step of
 * every conv by K / 3, which is the maximal-update rule for Adam (hidden-layer lr
 * proportional to 1 / fan-in) applied to the one dimension the rule changes. The data that
 * forced it: the D = 64 records above (restart spread up to 1.5e4, MSE rising from M = 8 to
 * 16) and pilots with `overparam train` on data of other seeds (101-103, not the check's),
 * single trainings of 16128 steps, batch 64, the check's net (C = 8, L = 2, zero-init last
 * conv), training MSE at M = 1 / 4 / 16:
 *   D = 64, K = 9, T^2, lr 1e-2:   7.1e-3 7.9e-3 4.4e-3 / 3.4e-3 4.4e-3 1.9e-3 / 1.1e-2 1.6e-3 3.0e-3
 *                      lr 3.3e-3:  1.0e-2 1.3e-2 6.9e-3 / 2.2e-3 2.0e-3 1.6e-3 / 6.0e-4 5.6e-4 5.3e-4
 *   D = 64, K = 9, T^1, lr 1e-2:   3.4e-4 2.7e-4 0.81   / 8.6e-5 1.2e-4 2.1e-3 / 7.6e-5 7.3e-5 3.2e-4
 *                      lr 3.3e-3:  1.2e-3 4.0e-4 1.1e-2 / 1.8e-4 9.0e-5 3.2e-4 / 1.1e-5 1.5e-5 2.3e-4
 *   D = 32, K = 5, T^2 (M = 1 / 16, seeds 101-102), lr 1e-2: 1.3e-2 2.0e-2 / 1.6e-3 2.0e-3;
 *                      lr 6e-3:    1.7e-2 2.3e-2 / 8.5e-4 8.3e-4.
 * The smaller lr costs the M = 1 nets up to 1.5x and lowers the deep ones 2-7x, and the
 * M = 16 nets no longer scatter over a decade. Every full-preset seed and quick seeds 0-5
 * were rerun with it (results below); the D = 16 records are the same bits.
 * Outcome, full, with change 1 (`verify approx-blocks --full --no-controls`, the D = 16
 * records of the run above reused: same bits; then `compare --check approx-blocks --full
 * --manifolds torus:d=1,torus:d=2 --ambient 16,32,64`): MARGINAL. Slopes T^1 -2.09 +- 0.09 /
 * -2.23 +- 0.13 / -2.03 +- 0.23, T^2 -1.08 +- 0.02 / -1.15 +- 0.02 / -1.20 +- 0.04 at D = 16 /
 * 32 / 64 (predicted -2 / -1); d-contrast +1.02 [0.73, 1.30] / +1.09 [0.64, 1.53] / +0.84
 * [0.27, 1.40], PASS at every D; D-equivalence against D = 16: T^2 D = 32 PASS (-0.07 [-0.19,
 * 0.05]), the other three MARGINAL (T^1 -0.14 [-0.49, 0.21] and +0.06 [-0.36, 0.48], T^2 D = 64
 * -0.12 [-0.27, 0.03]): every point estimate within 0.14 of 0, the 3-seed intervals too wide
 * to resolve +-0.2; restart spread <= 11 (was 1.5e4); sup-error slopes T^1 -0.79 / -0.93 /
 * -0.75, T^2 -0.37 / -0.39 / -0.37 (predicted -1 / -0.5). 90 runs; D = 32 + 64 took 5146 CPU-s.
 *
 * Experiment: noise-free data, n = 16384 >> parameters; the flat torus T^d embedded
 * isometrically in R^D by a Haar-random Q; target a Matern s=1 random Fourier field
 * (manifolds/target.h), unit variance. Measured quantity: the TRAINING MSE on the n
 * noise-free points after training (float32 Adam, lr 1e-2 (3/K) with cosine decay to 0, batch
 * 64, last conv of every block zero-initialised so a deep net starts as a shallow one).
 * With no label noise the training MSE is the error of the best network training found on
 * the empirical measure, an upper bound on the approximation error inf_theta ||f_theta -
 * f||^2, and with n >> parameters it is the L2 error on the manifold: test MSE on 2000
 * fresh points is recorded and test/train is reported.
 *
 * History (the design before issue 17: T^2 only, C = 8, K = 3, L = 2, one run per point,
 * M = 1..16, quick D = 16 with one seed and steps(M) = 4000 (16/M)^(1/2), full D = 16/32
 * with 3 seeds and 16000 steps each; band slope <= -0.5). Its full preset FAILed (b70c561,
 * 787 CPU-s): D = 16 -1.17, D = 32 -0.70 (0.0051 / 0.0044 / 0.0033 at M = 4 / 8 / 16),
 * |dslope| 0.47 (pooled-error fit -1.15 / -0.74, 0.41). With the shrinking budget, D = 32
 * had plateaued beyond M = 4 and 4x the steps lowered M = 4 / 8 / 16 by 1.6x / 2.6x /
 * 3.0x: optimisation-limited, not capacity-limited; a best-of-two-learning-rates rule did
 * not help (3e-3 won 1 of 30 nets). Pilots at D = 32, seed 1: 64000 steps lower M = 8 / 16
 * to 0.0045 / 0.0026 (M = 4: 0.0052); C = 16 gives 0.039 / 0.016 at M = 8 / 16; L = 4 gives
 * 0.0073 / 0.0094 / 0.0092 at M = 4 / 8 / 16; unit-RMS inputs -1.25 / -0.82; K = 1 + 2D/16
 * -1.16 / -0.88, dslope 0.28. On T^1 (band <= -1) the old nets reached -0.97 +- 0.30 and
 * -0.76 +- 0.13 at seeds 0 / 1, the M = 8 and 16 nets optimisation-limited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"

enum { M_APPROX, M_TEST, M_SUP, M_SPREAD, M_PARAMS, M_STEPS, M_K };

#define AB_S 1.0       /* Matern smoothness of the target */
#define AB_DSLOPE 0.2  /* THEOREMS.md: |dslope| across D */
#define AB_BAND 0.5    /* every band: [(1 + AB_BAND) pred, (1 - AB_BAND) pred] (header) */
#define AB_MIN_D 16    /* THEOREMS.md pitfall: a ConvResNet's capacity grows with D */
#define AB_MAX_CURVES 12

typedef struct {
    int C, L, batch, restarts;
    long n, ntest;
    long steps_ref; /* steps of the net with M = m_ref */
    int m_ref;
    double alpha;   /* steps(M) = steps_ref (M / m_ref)^(-alpha) */
    double lr;
} ab_cfg;

static const ab_cfg ab_quick = {8, 2, 64, 2, 16384, 2000, 1000, 8, 0.5, 1e-2};
static const ab_cfg ab_full = {8, 2, 64, 3, 16384, 2000, 16000, 16, 0.0, 1e-2};
#define AB_BALL_TARGET "matern:s=1,features=1024"
#define AB_VALID "torus:d=1, torus:d=2, torus:d=3, sphere:d=2 (any spec of `overparam manifolds` works)"

/* The architecture rule (header): the filter size grows with D so a block's receptive
 * field 1 + L (K - 1) stays a fixed fraction of the length-D signal. */
static int ab_kernel(int D) { return 1 + D / 8; }

/* Design change 1 (header): Adam's learning rate scales with the conv fan-in C K,
 * lr(K) = lr (3 / K), so the K = 3 nets (D = 16) keep exactly lr (3.0 / 3 == 1). */
#define AB_K0 3
static double ab_lr(const ab_cfg *c, int D) { return c->lr * ((double)AB_K0 / ab_kernel(D)); }

static double ab_dim(const char *spec) { return th_manifold_dim(spec); }

static int ab_validate(const char *spec, double D)
{
    double d;
    int N;
    OP_TRY(th_manifold_dims(spec, &d, &N));
    if (D < N) OP_ERROR(OP_EUSAGE, "--ambient %g is smaller than the embedding dimension %d of %s", D, N, spec);
    if (!(D >= AB_MIN_D) || D != floor(D) || (int)D % 8 != 0)
        OP_ERROR(OP_EUSAGE, "--ambient %g: approx-blocks needs D >= %d and a multiple of 8 (its filter size is "
                            "1 + D/8)", D, AB_MIN_D);
    return OP_OK;
}

static void ab_errors(const double *a, const double *b, long n, double *mse, double *sup)
{
    double e = 0, m = 0;
    for (long i = 0; i < n; i++) {
        double r = fabs(a[i] - b[i]);
        e += r * r;
        if (r > m || r != r) m = r;
    }
    *mse = e / (double)n;
    *sup = m;
}

static int ab_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    const ab_cfg *c = ctx->full ? &ab_full : &ab_quick;
    const char *spec = th_get_str(p, "manifold");
    int D = (int)th_get(p, "D"), M = (int)th_get(p, "M");
    OP_TRY(ab_validate(spec, D));
    const char *target = "matern:s=1";
    char ball[32];
    if (ctx->control && strcmp(ctx->control, "full-dim") == 0) {
        snprintf(ball, sizeof ball, "ball:d=%d", D);
        spec = ball;
        target = AB_BALL_TARGET;
    } else if (ctx->control && strcmp(ctx->control, "d2-as-d1") == 0 && ab_dim(spec) == 1) {
        spec = "torus:d=2"; /* a d + 1 manifold, still graded as d = 1 */
    }
    /* One target, embedding and point stream per seed index (common random numbers
     * across M): rows [0, ntest) are the test set, the rest the training set. */
    uint64_t tseed, eseed, sseed;
    th_dataset_seeds(spec, D, ctx->data_seed, &tseed, &eseed, &sseed);
    mf_dataset ds = {0};
    double *pred = NULL;
    mf_dataset_spec dsp = {.manifold = spec, .D = D, .n = c->ntest + c->n, .target = target, .label_noise = 0,
                           .target_seed = tseed, .embed_seed = eseed, .sample_seed = sseed};
    int st = mf_dataset_make(&dsp, &ds);
    nn_config cfg = nn_config_convresnet1d(D, c->C, ab_kernel(D), c->L, M, 1);
    cfg.conv = ctx->conv; /* --conv */
    cfg.zero_init_last = 1;
    if (!st && !(pred = op_malloc(sizeof(double) * (size_t)(c->n + c->ntest)))) st = OP_ENOMEM;
    long steps = lround((double)c->steps_ref * pow((double)M / c->m_ref, -c->alpha));
    long spe = (c->n + c->batch - 1) / c->batch;
    int epochs = (int)((steps + spe - 1) / spe);
    const double *Xtr = ds.X + (size_t)c->ntest * D, *ftr = ds.f + c->ntest;
    double best_tr = INFINITY, best_te = NAN, best_sup = NAN, worst_tr = 0;
    long nparams = 0;
    /* R restarts drawn in order from the run's generator: deterministic per key */
    for (int r = 0; r < c->restarts && !st; r++) {
        nn_model *m = NULL;
        st = nn_model_create(&cfg, NN_F32, 256, &m);
        if (st) break;
        nn_model_init(m, rng);
        nn_train_opts o;
        nn_train_opts_default(&o);
        o.lr = ab_lr(c, D);
        o.cosine = 1;
        o.batch = c->batch;
        o.epochs = epochs;
        o.patience = 0;
        o.keep_best = 0; /* no validation set: the final parameters */
        o.seed = op_rng_u64(rng);
        nn_dataset dt = {c->n, D, 1, Xtr, ftr};
        nn_train_result res;
        st = nn_train(m, &dt, NULL, &o, &res);
        if (!st) st = nn_predict(m, ds.X, c->ntest + c->n, pred); /* test rows first */
        nparams = m->nparams;
        nn_model_free(m);
        if (st) break;
        double tr, te, sup_tr, sup_te;
        ab_errors(pred + c->ntest, ftr, c->n, &tr, &sup_tr);
        ab_errors(pred, ds.f, c->ntest, &te, &sup_te);
        if (!isfinite(tr) || !isfinite(te)) {
            st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "MSE not finite (restart %d)", r);
            break;
        }
        if (tr > worst_tr) worst_tr = tr;
        if (tr < best_tr) {
            best_tr = tr;
            best_te = te;
            best_sup = sup_tr > sup_te ? sup_tr : sup_te;
        }
    }
    if (!st) {
        out->v[M_APPROX] = best_tr;
        out->v[M_TEST] = best_te;
        out->v[M_SUP] = best_sup;
        out->v[M_SPREAD] = worst_tr / best_tr;
        out->v[M_PARAMS] = (double)nparams;
        out->v[M_STEPS] = (double)epochs * (double)spe; /* whole epochs */
        out->v[M_K] = ab_kernel(D);
    }
    free(pred);
    mf_dataset_free(&ds);
    return st;
}

/* d2-as-d1 leaves the runs on manifolds of d != 1 as they are: shared with the theorem's */
static int ab_unreplaced(const th_params *p) { return ab_dim(th_get_str(p, "manifold")) != 1; }

/* test/train MSE of one run (n >> parameters: near 1; reported, not graded) */
static double ab_test_train(const rec_record *r, void *user)
{
    (void)user;
    double tr = rec_metric(r, "approx_mse"), te = rec_metric(r, "test_mse");
    return tr > 0 ? te / tr : NAN;
}

static double ab_pred(double d) { return -2 * AB_S / d; }
static void ab_band(double pred, double *lo, double *hi)
{
    *lo = (1 + AB_BAND) * pred;
    *hi = (1 - AB_BAND) * pred;
    if (*lo > *hi) { /* a positive prediction (the d-contrast) */
        double t = *lo;
        *lo = *hi;
        *hi = t;
    }
}

/* log metric over M for one (manifold, D) */
static int ab_log_table(const th_judge_in *in, const char *spec, double D, int metric, const char *name, th_table *t)
{
    th_where w[] = {{"manifold", spec, 0}, {"D", NULL, D}, {NULL, NULL, 0}};
    OP_TRY(th_table_collect(in, "M", metric, w, t));
    int s = th_table_log(t, in, name);
    if (s) th_table_free(t);
    return s;
}

/* Paired per-seed slope difference b - a of two (manifold, D) curves. */
static int ab_diff(const th_judge_in *in, const char *sa, double Da, const char *sb, double Db, st_interval *di,
                   int *paired)
{
    th_table a, b;
    OP_TRY(ab_log_table(in, sa, Da, M_APPROX, "approx_mse", &a));
    int s = ab_log_table(in, sb, Db, M_APPROX, "approx_mse", &b);
    if (!s) {
        s = th_rate_diff(&a, &b, in, di, paired);
        th_table_free(&b);
    }
    th_table_free(&a);
    return s;
}

typedef struct {
    const char *spec;
    double d, D, pred, lo, hi, slope, se, sup_slope;
    st_grade_t g;
} ab_curve;

/* How far a curve lies out of (positive) or inside (negative) its band, in s.e. */
/* How far x lies outside [lo, hi] in units of se (negative: inside) */
static double ab_badness(const ab_curve *c) { return th_band_out(c->slope, c->se, c->lo, c->hi); }

static int ab_judge(const th_judge_in *in, th_verdict *v)
{
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "approx-blocks: no records to judge");
    const char *specs[AB_MAX_CURVES];
    double Ds[AB_MAX_CURVES];
    int nm = th_distinct_str(in, "manifold", specs, AB_MAX_CURVES);
    int nD = th_distinct_num(in, "D", Ds, AB_MAX_CURVES);
    if (nm < 1 || nD < 1) OP_ERROR(OP_EUSAGE, "approx-blocks: records without manifold or D");
    if (nm * nD > AB_MAX_CURVES) OP_ERROR(OP_EUSAGE, "approx-blocks: at most %d curves", AB_MAX_CURVES);
    ab_curve cv[AB_MAX_CURVES];
    int nc = 0, worst = 0, st = OP_OK;
    st_grade_t g = ST_PASS;
    v->nseries = 0;
    char slopes[256] = "", sups[256] = "";
    int o = 0, os = 0;
    for (int i = 0; i < nm && !st; i++)
        for (int b = 0; b < nD && !st; b++) {
            ab_curve *c = &cv[nc];
            c->spec = specs[i];
            c->d = ab_dim(specs[i]);
            if (!isfinite(c->d)) OP_ERROR(OP_EUSAGE, "approx-blocks: unknown manifold %s in the records", specs[i]);
            c->D = Ds[b];
            c->pred = ab_pred(c->d);
            ab_band(c->pred, &c->lo, &c->hi);
            th_where w[] = {{"manifold", specs[i], 0}, {"D", NULL, Ds[b]}, {NULL, NULL, 0}};
            th_verdict tv;
            memset(&tv, 0, sizeof tv);
            st_rate rate;
            st = th_judge_rate_where(in, "M", M_APPROX, w, c->pred, c->lo, c->hi, 0, &tv, &rate);
            if (st) break;
            c->slope = tv.measured;
            c->se = tv.se;
            c->g = tv.grade;
            th_table ts;
            st_rate rs;
            c->sup_slope = NAN;
            st = ab_log_table(in, specs[i], Ds[b], M_SUP, "sup_err", &ts);
            if (st) break;
            if (th_table_rate(&ts, in, c->pred / 2, &rs, NULL) == OP_OK)
                c->sup_slope = rs.slope.mean;
            else
                op_error_clear();
            th_table_free(&ts);
            g = st_grade_worst(g, c->g);
            if (nc == 0 || c->g > cv[worst].g || (c->g == cv[worst].g && ab_badness(c) > ab_badness(&cv[worst])))
                worst = nc;
            if (v->nseries < TH_MAX_SERIES) {
                th_series *s = &v->series[v->nseries++];
                *s = tv.series[0];
                snprintf(s->name, sizeof s->name, "%s%.16s, D=%d", in->control ? "control: " : "", specs[i],
                         (int)Ds[b]);
            }
            o += snprintf(slopes + o, sizeof slopes - (size_t)o, "%sd%g/D%g:%.2f", nc ? "," : "", c->d, c->D,
                          c->slope);
            if (o >= (int)sizeof slopes) o = (int)sizeof slopes - 1;
            os += snprintf(sups + os, sizeof sups - (size_t)os, "%sd%g/D%g:%.2f", nc ? "," : "", c->d, c->D,
                           c->sup_slope);
            if (os >= (int)sizeof sups) os = (int)sizeof sups - 1;
            nc++;
        }
    if (st) return st;
    /* reported maxima over every curve: test/train MSE and the restart spread */
    double ratio_max = -INFINITY, spread_max = -INFINITY;
    for (int k = 0; k < nc; k++) {
        th_where w[] = {{"manifold", cv[k].spec, 0}, {"D", NULL, cv[k].D}, {NULL, NULL, 0}};
        th_table t;
        OP_TRY(th_table_collect_fn(in, "M", ab_test_train, NULL, w, &t));
        ratio_max = fmax(ratio_max, th_table_max(&t));
        th_table_free(&t);
        OP_TRY(th_table_collect(in, "M", M_SPREAD, w, &t));
        spread_max = fmax(spread_max, th_table_max(&t));
        th_table_free(&t);
    }

    /* D-invariance, per manifold: every D against the first (equivalence test) */
    st_interval wd = {0};
    st_grade_t wg = ST_PASS;
    int wpaired = 1, have_dinv = 0;
    const char *wd_spec = "";
    double wd_D = NAN;
    for (int i = 0; i < nm; i++)
        for (int b = 1; b < nD; b++) {
            st_interval di;
            int paired;
            OP_TRY(ab_diff(in, specs[i], Ds[0], specs[i], Ds[b], &di, &paired));
            st_grade_t gd = st_grade_equiv(&di, -AB_DSLOPE, AB_DSLOPE);
            if (!have_dinv || gd > wg || (gd == wg && fabs(di.mean) > fabs(wd.mean))) {
                wd = di;
                wg = gd;
                wpaired = paired;
                wd_spec = specs[i];
                wd_D = Ds[b];
            }
            have_dinv = 1;
            g = st_grade_worst(g, gd);
        }
    /* d-contrast, per D: every pair of manifolds of different d, slope(higher d) -
     * slope(lower d), against pred(d_hi) - pred(d_lo) with the +-50 % band */
    st_interval wc = {0};
    st_grade_t wcg = ST_PASS;
    double wc_pred = NAN, wc_lo = NAN, wc_hi = NAN, wc_D = NAN;
    int have_dcon = 0, wc_paired = 1;
    for (int b = 0; b < nD; b++)
        for (int i = 0; i < nm; i++)
            for (int j = 0; j < nm; j++) {
                double di_ = ab_dim(specs[i]), dj = ab_dim(specs[j]);
                if (!(di_ < dj)) continue;
                st_interval dc;
                int paired;
                OP_TRY(ab_diff(in, specs[i], Ds[b], specs[j], Ds[b], &dc, &paired));
                double pc = ab_pred(dj) - ab_pred(di_), lo, hi;
                ab_band(pc, &lo, &hi);
                st_grade_t gc = st_grade(dc.mean, dc.se, lo, hi);
                double bad = th_band_out(dc.mean, dc.se, lo, hi);
                double wbad = have_dcon ? th_band_out(wc.mean, wc.se, wc_lo, wc_hi) : 0;
                if (!have_dcon || gc > wcg || (gc == wcg && bad > wbad)) {
                    wc = dc;
                    wcg = gc;
                    wc_pred = pc;
                    wc_lo = lo;
                    wc_hi = hi;
                    wc_D = Ds[b];
                    wc_paired = paired;
                }
                have_dcon = 1;
                g = st_grade_worst(g, gc);
            }
    const ab_curve *w = &cv[worst];
    v->grade = g;
    /* The headline (measured, band; what discrim measures a control by) is the graded
     * quantity furthest out: the worst slope, or the worst d-contrast when it is graded
     * worse or lies further out in s.e. -- d2-as-d1's T^2 "d = 1" slope sits on its band's
     * edge by design, and only its contrast (predicted 0 against [0.5, 1.5]) is far out. */
    int head_con = have_dcon && (wcg > w->g || (wcg == w->g && th_band_out(wc.mean, wc.se, wc_lo, wc_hi) > ab_badness(w)));
    if (head_con) {
        th_verdict_head(v, wc.mean, wc.se, wc_pred, wc_lo, wc_hi);
        snprintf(v->extra, sizeof v->extra, "graded=dcontrast/D%g", wc_D);
    } else {
        th_verdict_head(v, w->slope, w->se, w->pred, w->lo, w->hi);
        snprintf(v->extra, sizeof v->extra, "graded=%s/D%g", w->spec, w->D);
    }
    if (have_dcon)
        th_extra_add(v, "dcontrast=%.3g±%.2g(D%g,pred %.3g vs [%.3g,%.3g]%s %s)", wc.mean, wc.se, wc_D, wc_pred, wc_lo,
                     wc_hi, wc_paired ? "" : ",unpaired", st_grade_name(wcg));
    if (have_dinv)
        th_extra_add(v, "dslope=%.3g(90%%:[%.3g,%.3g]%s %s/D%g vs [-0.2,0.2] %s)", wd.mean, wd.lo, wd.hi,
                     wpaired ? "" : ",unpaired", wd_spec, wd_D, st_grade_name(wg));
    th_extra_add(v, "slopes=%s sup_slopes=%s test/train_max=%.3g restart_spread_max=%.3g", slopes, sups, ratio_max,
                 spread_max);
    snprintf(v->note, sizeof v->note, "worst %.24s, D=%g: slope %.3f ± %.3f, predicted %.3f (band [%.2f, %.2f])",
             w->spec, w->D, w->slope, w->se, w->pred, w->lo, w->hi);
    if (have_dcon) {
        size_t L = strlen(v->note);
        snprintf(v->note + L, sizeof v->note - L, "; d-contrast %.2f ± %.2f (predicted %.2f)", wc.mean, wc.se,
                 wc_pred);
    }
    return OP_OK;
}

const th_check th_approx_blocks = {
    .id = "approx-blocks",
    .graded = "slope of log approximation MSE vs log M (blocks) of the (manifold, D) curve furthest out, or the "
              "d-contrast slope(T^2) - slope(T^1) at one D when it lies further out",
    .cite = {"chen2019efficient", "liu2021besov"},
    .citation = "Chen, Jiang, Liao, Zhao, Efficient approximation of deep ReLU networks for functions on low "
                "dimensional manifolds, NeurIPS 2019, Thm 1; Liu, Chen, Zhao, Liao, ICML 2021, Thm 1. Block count "
                "M = O(eps^(-d/s)) and the block sizes: [M] (from memory, see research notes); slope -2s/d is a "
                "derived prediction",
    .claim = "The approximation error of a ConvResNet with M residual blocks falls like M^(-2s/d) (MSE) for an "
             "s-smooth target on a d-dimensional manifold in R^D, with D only in constants.",
    .prediction = "slope of log MSE vs log M: -2s/d (s=1): -2 (T^1), -1 (T^2); d-contrast slope(T^2)-slope(T^1) "
                  "= +1; no change with D",
    .band_source = "THEOREMS.md approx-blocks (factor 0.5, notes 8.3) made two-sided (issue 17): slope in "
                   "[1.5 pred, 0.5 pred], d-contrast in [0.5, 1.5], |dslope_D| <= 0.2 (equivalence)",
    .metrics = {"approx_mse", "test_mse", "sup_err", "restart_spread", "params", "steps", "K"},
    .quick = {.axes = {{"manifold", 2, {0}, {"torus:d=1", "torus:d=2"}}, {"D", 2, {16, 32}}, {"M", 4, {1, 2, 4, 8}}},
              .seeds = 2},
    .full = {.axes = {{"manifold", 2, {0}, {"torus:d=1", "torus:d=2"}},
                      {"D", 3, {16, 32, 64}},
                      {"M", 5, {1, 2, 4, 8, 16}}},
             .seeds = 3},
    .controls = {{"d2-as-d1", "near miss: the d = 1 arm's data are the flat torus T^2 (a d + 1 manifold announced "
                              "as d): predicted d-contrast 0, outside [0.5, 1.5], and slope -1 on the edge of the d = 1 "
                              "band [-3, -1], so the check must FAIL", 1, ab_unreplaced},
                 {"full-dim", "data fill the ball B^D (d = D): the rate -2s/D is far shallower than the claimed "
                              "manifold's, so the check must FAIL"}},
    .figures = {{"blocks", "noise-free training MSE vs residual blocks M (ConvResNet C=8, K=1+D/8, best of R restarts)",
                 "M (residual blocks)", "training MSE on n = 16384 noise-free points", 1, 1, 0, NULL}},
    .compare = {.manifold_axis = "manifold", .ambient_axis = "D", .intrinsic_dim = ab_dim,
                .valid_manifolds = AB_VALID, .validate = ab_validate, .x_axis = "M", .metric = M_APPROX,
                .dslope_tol = AB_DSLOPE, .predicted_slope = ab_pred, .contrast_rel = AB_BAND},
    .run = ab_run,
    .judge = ab_judge,
};
