/* scaling-id: the scaling exponent of the loss in the parameter count is set by the
 * intrinsic dimension of the data manifold, alpha ~ 4/d.
 *
 * Utkarsh Sharma and Jared Kaplan, "Scaling Laws from the Data Manifold Dimension",
 * JMLR 23(9):1-34, 2022 (arXiv 2004.10802), eq. 2.5-2.6 and their teacher/student
 * experiment (appendix A; code U-Sharma/NeuralScaleID, Experiments/L2.py). Claim: a
 * ReLU network of N parameters fitting a smooth function on a d-dimensional manifold is
 * a piecewise-linear interpolant with cells of size s ~ N^(-1/d), its error is
 * O(s^2) (second-order Taylor), so the MSE falls like N^(-4/d); and 4/alpha tracks the
 * intrinsic dimension measured (TwoNN) in the network's last hidden layer.
 *
 * Protocol (theirs, then what is scaled to 2 cores):
 * - teacher: ReLU MLP [20, 600, 600, 1], weights N(0, 1/fan_in), zero biases, output
 *   x 6 (the engine's NN_PARAM_NTK MLP without biases: N(0,1) weights with forward
 *   scale 1/sqrt(fan_in) is the same function class and distribution); ONE teacher per
 *   seed index shared by every k (as their database: one W, one mask per k);
 * - inputs: uniform in [-1/2, 1/2]^k on the first k of the 20 inputs, the rest 0;
 * - students: ReLU MLPs [20, n, n, 1] (engine MLP, standard PyTorch-style init, biases),
 *   widths n = int(n0 1.3^i), i = 0..6, n0 = 8 for 3 <= k <= 6 and 15 for k >= 7 (their
 *   L2.py), n0 = 8 / 1.3^2 at k = 2 (design change 4: 4, 6, 8, ..., 22 instead of
 *   8, ..., 38), N = n^2 + 23 n + 1 parameters; MSE loss. The 20 - k zero inputs' first-layer
 *   weights get an exactly zero gradient and never move, so each student is trained as
 *   the [k, n, n, 1] net of its live weights with the 20-input init's values
 *   (si_student_init): the same function and trajectory in exact arithmetic, (20 - k) n
 *   fewer multiply-adds per sample each way;
 * - Adam (engine NN_OPT_ADAM, beta 0.9/0.999, eps 1e-8) with their three phases:
 *   S steps batch 200 lr 0.01, then S/10 steps batch 1000 lr 0.01, then S/10 steps batch
 *   4000 lr 0.001;
 * - best of the trials per width; test MSE on 10 000 fresh inputs;
 * - TwoNN (manifolds/intdim.c, mf_intdim_twonn) on the last hidden layer's activations
 *   (nn_mlp_last_hidden) of the best trial, on the first `nid` test inputs;
 * - fit: log L against log N over the power-law window. The window starts at the
 *   smallest width and ends, mechanically, where the radius of a circle fitted
 *   (algebraic least squares, Kasa) to the first m points of the seed-mean curve
 *   (log N, log L) is largest, m = 5..7 (at least 5 points in every window, issue 18).
 *
 * Scaled to 2 cores (every change here and in docs/checks.md, section "scaling-id", with
 * the measurement that tests it; the step budget DOES move the result, see "Finding"
 * below; the second pool size is in the full preset: alpha(50 000) - alpha(200 000) =
 * -0.018 +- 0.051 over k, full run of 2026-12-07 in docs/checks.md):
 * 1. steps: S = 200 000 in the paper; here the `steps` axis (quick and full values in the
 *    grids below) with the same 10:1:1 phase ratio. The run records plateau = the
 *    smallest, over widths, ratio of the mean training loss of the last phase-1 epoch to
 *    that of the epoch at half of phase 1 (1 = flat: the loss has reached its plateau
 *    before the annealing phases).
 * 2. data: a fixed pool of `pool` teacher-labelled inputs per (k, seed) instead of fresh
 *    inputs each step (their own L2.py also draws from a stored database of 1.6e8); the
 *    teacher is evaluated once per pool, not per student. The full preset runs two pool
 *    sizes and reports the paired alpha difference (pool_dalpha=).
 * 3. trials: `trials` per width (10, best 9 in the paper), best one kept; replicates are
 *    the seeds (a new teacher, pool and test set each), which is what the s.e. uses.
 * 4. TwoNN on `nid` points (12 000 in the paper).
 * 5. Adam's moments restart at each phase (the engine's nn_train owns the optimizer
 *    state; their TF graph keeps one optimizer across the three phases).
 *
 * Graded (bands fixed from the paper's claim before the first run; not from results):
 * - per k, the ratio (4/alpha) / ID_TwoNN, mean over seeds of the per-seed ratio (the
 *   per-seed slope over the window, paired, and the per-seed mean ID over the window's
 *   widths), band [2/3, 3/2]. Source: the paper claims alpha ~ 4/d (eq. 2.6, Fig. 1,
 *   4/alpha against ID on log axes with the line 4/alpha = ID) and states no numerical
 *   tolerance; we read "~" as agreement within a factor 1.5 either way (the paper's
 *   bound alpha >= 4/d would make the ratio <= 1; its teacher/student points scatter
 *   on both sides of the line, so the band is two-sided). Every k must be inside: the
 *   graded number is the ratio of the worst k (worst grade, then farthest from 1 in
 *   log), with its s.e. over seeds;
 * - 4/alpha increases with k: with < 5 values of k (quick: k = 2, 4) the per-seed
 *   paired difference 4/alpha(k_max) - 4/alpha(k_min), 90 % interval above 0
 *   (st_grade_equiv on [0, inf)); with >= 5 values (full: k = 2..8) Spearman's rho of
 *   the seed means against k >= 0.8 (THEOREMS.md: rank statistics only with >= 5 points).
 * The verdict is the worse of the two.
 *
 * Design changes after a run (THEOREMS.md "Rules"; every seed rerun after each):
 * - first quick run (steps 3000, 1 trial, 3 seeds; seed 0, 2026-12-06): k=2 ratio
 *   1.51 +- 0.03 (MARGINAL), k=4 1.10 +- 0.10; plateau 0.22-0.43 at k=2 (phase 1 still
 *   falling fast) and single-trial outliers (seed 2, k=2: one width 20x above both
 *   neighbours, an optimisation failure that the paper's best-of-trials removes). Changed
 *   the training budget, not the band: quick steps 4000 and 3 trials per width (best
 *   kept). A one-seed probe at k=2 with steps 10000 and 30000 (1 trial) gave
 *   plateau 0.35 and 0.72 and window slopes that moved with the outliers, so the budget
 *   (not the window rule) is what limits the quick preset; the full preset runs
 *   steps 8000 with 2 trials and two pool sizes.
 *
 * Finding (quick, seed 0, commit ab70f25; registered with overparam_theorem_finding):
 * FAIL. k=2: alpha 1.14 +- 0.12, 4/alpha 3.50, ID 2.02, ratio 1.78 +- 0.22; k=4: alpha
 * 0.78 +- 0.06, 4/alpha 5.11, ID 3.79, ratio 1.37 +- 0.11; window rule: all 7 points for
 * both k; trend paired 4/alpha(4) - 4/alpha(2) = +1.60, 90 % [-0.02, 3.21] (MARGINAL).
 * Diagnosis: the slopes are limited by the training budget. (1) plateau 0.44 (k=2) and
 * 0.60 (k=4): phase 1 is still falling when it ends; (2) longer training steepens the
 * slope: single-trial probes at k=4 gave 4/alpha 4.5-5.3 at 4000 steps, 2.5-3.2 at
 * 10 000; at k=2, 3.0 (3000) -> 1.9 (10 000) -> 3.0 / 2.2 (30 000, 7 / 5-point
 * windows, one trial, dominated by outliers). The larger students are the furthest from
 * converged, which flattens log L against log N and raises 4/alpha: the direction seen.
 * The paper's 200 000 steps are 50x the quick budget. The full preset (8000 steps, k = 2..8,
 * 2119 CPU-s) FAILs the same way: (4/alpha)/ID = 1.67 +- 0.17 at k = 2, 0.78-1.31 at
 * k = 3..8, Spearman(k, 4/alpha) 0.86 (docs/checks.md, table).
 * Seeds 0-5 (quick): FAIL, FAIL, FAIL, PASS (seed 3: k=2 ratio 1.39 +- 0.13), FAIL, FAIL;
 * k=2 ratio 1.39-2.30, k=4 1.23-1.38 on every seed.
 * Probe with 3x the budget (the quick preset at steps 12 000, nothing else changed,
 * seed 0): PASS, k=2 ratio 0.88 +- 0.19 (window 5 points), k=4 1.00 +- 0.02, trend
 * +2.00 [0.82, 3.18]: the slope steepens with training, as diagnosed. That budget would
 * put the quick preset ~3x over its time limit (engine of ab70f25).
 *
 * Design change 2 (2026-12-07, after the finding above; band, window rule, statistics
 * and control unchanged): the step budget is raised to the largest each preset's time
 * limit allows with the faster engine (issue 20: the quick main variant took 29 s wall
 * at 4000 steps on 2 Zen 5 cores, bd34cf8): quick steps 4000 -> 12 000 (about 90 s,
 * the quick limit), full 8000 -> 16 000 (main + control within the 45
 * minutes). The data that forced it: plateau 0.44-0.60 at 4000 steps (phase 1 still
 * falling), the one-seed probe above, and the full preset's k = 2 FAIL at 8000 steps.
 * Every seed 0-5 was rerun (quick, 12 000 steps): PASS at seeds 0, 1, 3, 4; MARGINAL at 2
 * and 5 (k=2 ratio 1.52 +- 0.18 and 1.53 +- 0.24, outside 1.5 by < 1 s.e.). k=2 ratio
 * 0.88, 1.39, 1.52, 1.18, 1.31, 1.53 (mean 1.30; 1.93 at 4000 steps), k=4 1.00-1.18
 * (mean 1.09; 1.32 before); trend PASS at every seed; plateau at k=2 0.07-0.47, so the
 * k=2 slope is still budget-biased upward. Control sum FAILs at every seed (through k=2;
 * its k=4 ratio 0.63-0.73). Table in docs/checks.md, "scaling-id".
 * Full preset at 16 000 steps (code of 820cee8, `figures scaling-id --full`, 23 min wall
 * with the control): PASS, (4/alpha)/ID = 1.05 +- 0.21, 0.97, 1.01, 1.03, 1.06, 1.11,
 * 1.11 for k = 2..8, Spearman 1.00, pool_dalpha -0.050 +- 0.071; control sum FAIL (k=2
 * no power law; k = 3..8 ratios 0.56-0.76). Base seed 1 (full): FAIL at k = 2, ratio
 * 1.74 +- 0.12 with a 7-point window (seed 0's k = 2 window stopped at 5 points), k = 3..8
 * 1.01-1.15; the k = 2 verdict is the budget's and depends on where the window ends.
 *
 * Design change 3 (2026-12-07, after design change 2's quick MARGINALs at seeds 2 and 5
 * and the full FAIL at base seed 1; band, window rule, statistics and control unchanged):
 * the same rule, the largest step budget each preset's time limit allows, with a faster
 * student (the [k, n, n, 1] net of the live weights, above: the quick main variant 81 s ->
 * 66 s wall at 12 000 steps on 2 idle Zen 5 cores, the same verdict and ratios within 0.01 at
 * seed 0): quick 12 000 -> 16 000 steps (about 95 s), full 16 000 -> 32 000. Two judge
 * fixes came with it, both found on the rerun and neither moving a main-variant number:
 * TwoNN runs only on each width's best trial (a dead first trial, test MSE = Var y, had
 * made TwoNN fail and stopped the whole run), and a seed whose loss does not fall over
 * the window counts as 4/alpha = +inf instead of being dropped (the control's k = 2 at
 * 16 000 steps was graded on the 1 seed of 3 whose slope happened to be negative and came
 * out inside the band). Quick, every seed 0-5 rerun: PASS at 0, 2, 3, 4; MARGINAL at 1
 * and 5 (k = 2 ratio 1.53 +- 0.10 and 1.51 +- 0.29). k = 2 ratios 1.18, 1.53, 1.15, 1.13,
 * 1.34, 1.51 (mean 1.31; 1.30 at 12 000 steps), k = 4 1.02, 1.13, 0.99, 1.06, 1.07, 1.06
 * (mean 1.06; 1.09 before). So the k = 2 slope no longer moves with the budget: at every
 * seed its curve flattens at the top (seed-mean test MSE at N = 1509 and 2319:
 * 1.05-1.62e-6 and 0.81-1.30e-6, last segment -0.2 to -0.9 against the predicted -2), and
 * 12 000 -> 16 000 steps lowered the whole curve (the largest student by 18 % on
 * average) without changing its shape. The window rule keeps the flat top at 4 of 6
 * seeds (7 points; ratios 1.18-1.53; 6-point windows 1.13, 1.15). Probes (k = 2, seed
 * 0): phase 3 at lr 1e-4 left the two largest students at 1.54e-6 / 1.26e-6 (1.49 /
 * 1.30e-6 as run), 4x the phase-3 steps at 1.28 / 1.22e-6: the top is where optimisation
 * stops improving, the bend the paper's window rule is meant to cut, and at k = 2 the
 * paper's widths leave only the window's minimum 5 points before it. Widths below
 * n0 = 8 at k = 2 (issue 18: at least 5 points inside every window) are the next step.
 * Control sum FAILs at every seed (k = 2 no power law; k = 4 ratio 0.57-0.72).
 * Full preset at 32 000 steps (`verify scaling-id --full --seed K`, 36-39 min wall with
 * the control): PASS at base seeds 0 and 1, (4/alpha)/ID = 1.16, 1.00, 0.94, 0.90, 1.07,
 * 1.08, 1.08 and 1.02, 1.01, 0.93, 1.02, 0.99, 1.06, 1.03 for k = 2..8, Spearman 1.00 at
 * both, pool_dalpha +0.114 +- 0.047 and -0.005 +- 0.051; control sum FAILs by the
 * argument (k = 4..8 ratios 0.54-0.70, below the main variant's at every k).
 * Tables in docs/checks.md.
 *
 * Design change 4 (2026-12-08, after design change 3's quick MARGINALs at seeds 1 and 5,
 * both at k = 2; band, window rule, budget and statistics unchanged):
 * (a) widths at k = 2: n0 = 8 / 1.3^2, so the grid is 4, 6, 8, 10, 13, 17, 22 (N = 109..991)
 *     instead of 8..38 (249..2319). The data that forced it: at every seed the k = 2
 *     curve reaches the optimiser's floor (test MSE ~1e-6) near N = 1000 and the paper's
 *     two largest widths sit on it (probes above: neither phase 3 nor its step size moves
 *     it), leaving 5 points before the bend; the issue asks for at least 5 inside every
 *     window. The paper's own n0 grows with k (8, then 15 for k >= 7) for the same reason.
 *     The widths stay the paper's grid, two steps lower; k >= 3 is untouched.
 * (b) quick seeds 3 -> 4, by a power calculation on the rerun with (a): with 3 seeds the
 *     quick trend criterion (paired 90 % interval, 2 dof, t = 2.92) left seed 0 MARGINAL
 *     at d = +1.25, [-0.33, 2.83] (per-seed s.d. 0.94; over the six 3-seed runs mean d
 *     +1.89, s.d. 0.08-0.94), and a sign test on 3 pairs cannot reach 90 % at all
 *     (p >= 1/8). With 4 seeds (t = 2.35) that s.d. gives a half-width of 1.10.
 * (c) control sum is graded at k >= 4 only, where both halves are >= 2-dimensional. At
 *     k = 2 and 3 one half is a 1-D function, which every student fits to its floor
 *     (k = 2: test MSE 1e-11..1e-7 at every width, in both width grids and at every
 *     budget; per-seed slopes of either sign, alpha s.e. 0.3-4.2 with the new widths):
 *     there is no curve to measure, and its "FAIL"
 *     at design changes 2 and 3 (no power law) was that floor, not the argument. Those
 *     k are reported (",not_graded"), not graded.
 * Rerun with (a) at 3 seeds (quick, seeds 0-5, main + control): main PASS at seeds 1-5,
 * MARGINAL at seed 0 (trend, above); k = 2 ratios 1.34, 0.84, 0.98, 0.89, 1.20, 1.15 (mean
 * 1.07; 1.31 with the paper's widths), k = 4 1.02, 1.13, 0.99, 1.06, 1.07, 1.06.
 * With (a)-(c), quick seeds 0-5: the main variant PASSes at every seed, k = 2 ratios
 * 1.27, 0.70, 1.00, 0.88, 1.12, 1.10 (windows 5, 5, 7, 7, 7, 7 points), k = 4 1.05, 1.13,
 * 0.99, 1.07, 1.05, 1.07, trend intervals above 0 at every seed (lowest [0.73, 2.51] at
 * seed 0). Control sum (k = 4 graded): FAIL at seeds 0, 2-5 (ratios 0.53, 0.56, 0.58,
 * 0.57, 0.57, discrimination 1.0-3.7 s.e.), MARGINAL at seed 1 (0.652 against the band's
 * 0.667): at the quick budget the near miss is resolved by 1-4 s.e. only, as before (its
 * k = 4 ratio was 0.54-0.72 at design change 3). Full preset, base seed 0 (`figures
 * scaling-id --full`, 39 min wall with the control): PASS, k = 2 0.86 +- 0.04 (7 points,
 * N = 109..991; 1.16 with the paper's widths), k = 3..8 unchanged (1.00, 0.94, 0.90, 1.07,
 * 1.08, 1.08), Spearman 1.00; control sum FAIL at k = 4 (0.54), discrimination 31.5.
 * Base seed 1 (full): PASS, but k = 2 only just, 0.669 +- 0.063 (alpha 3.44, a 5-point
 * window, N = 109..469; 1.02 with the paper's widths), k = 3..8 0.93-1.06; control FAIL
 * (k = 4 0.54, 6.7 s.e.). The smallest k = 2 students (n = 4, 6) lie on a steeper stretch
 * than N^(-4/d) (local slope -5.8 between N = 109 and 175 at base seed 0), which pulls a
 * short window down; grid and band left as fixed (docs/checks.md). k = 2 in full at
 * base seeds 0-5 (a probe build cut to k = 2): 0.86, 0.67, 1.02, 0.75, 1.06, 1.09.
 *
 * Near-miss control "sum" (the paper's own product-manifold experiment, XxY.py, made
 * into the smallest split): the target is the sum of two independent teachers, one on
 * the first ceil(k/2) input coordinates, one on the other floor(k/2), each a
 * [20,600,600,1] teacher seeing only its block. The data are unchanged (a k-dimensional
 * cube, so the last hidden layer still sees a k-dimensional manifold), but the function
 * is additive: a network can fit the two parts with separate units, each a
 * ceil(k/2)-dimensional regression, so the argument's "generic smooth function on a
 * d-dimensional manifold" does not hold and the exponent is that of d = ceil(k/2):
 * 4/alpha ~ k/2 against an ID ~ k, a ratio ~ 1/2 for even k, below the band's 2/3.
 * Nothing in the graded statistic is changed: it fails only if the students really
 * learn the sum faster than a generic function of k variables. Since design change 4
 * its ratio is graded at k >= 4 only (both halves at least 2-D; k = 2, 3 reported).
 * Measured (quick, seed 0): the control FAILs, but not by the argument above. At k=2
 * (1+1) every student already reaches test MSE 2e-9..1e-7 and the loss RISES with N
 * (no power law: every per-seed slope is positive, so k=2 has no ratio and FAILs); at
 * k=4 (2+2) 4/alpha = 3.27 against ID 3.65, ratio 0.90, inside the band. So at this
 * budget the additive target is not resolved from a generic one at k=4; the control's
 * FAIL rests on k=2 and its discrimination is NaN (no finite ratio at the failing k).
 * Seeds 0-5: the control's k=4 ratio is 0.78-0.90, about 0.65x the main variant's
 * 1.23-1.38 on the same seed (the argument predicts 0.5x), so the effect is there but
 * the budget's upward bias keeps it inside the band. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/intdim.h"
#include "nn/nn.h"

#define SI_NW 7        /* widths per k */
#define SI_IN 20       /* teacher / student input dimension */
#define SI_TW 600      /* teacher width */
#define SI_NTEST 10000 /* test inputs (as the paper) */
#define SI_MINWIN 5    /* at least 5 points in the power-law window */
#define SI_RATIO_LO (2.0 / 3.0)
#define SI_RATIO_HI 1.5
#define SI_RHO_MIN 0.8
#define SI_MAXK 16
#define SI_SUM_KMIN 4  /* control sum: ratio graded only where both halves are >= 2-D */

enum { M_L0 = 0, M_ID0 = SI_NW, M_PLATEAU = 2 * SI_NW };

static int si_width(int k, int i)
{
    double n0 = k <= 2 ? 8 / (1.3 * 1.3) : k <= 6 ? 8 : 15;
    return (int)(n0 * pow(1.3, i) + 1e-9);
}
static double si_params(int n) { return (double)n * n + 23.0 * n + 1.0; }

/* ---- data: teacher outputs for a pool and a test set, once per run ---- */

static int si_teacher(uint64_t seed, nn_model **out)
{
    nn_config cfg = nn_config_mlp(SI_IN, 2, SI_TW, 1, NN_PARAM_NTK);
    cfg.bias = 0;
    OP_TRY(nn_model_create(&cfg, NN_F32, 1000, out));
    op_rng r;
    op_rng_seed(&r, seed);
    nn_model_init(*out, &r);
    return OP_OK;
}

/* y = 6 T(x) with the coordinates outside [c0, c1) zeroed (the teacher's mask). */
static int si_label(nn_model *t, const double *x, long n, int c0, int c1, double *y, double *work)
{
    for (long i = 0; i < n; i++)
        for (int j = 0; j < SI_IN; j++) work[i * SI_IN + j] = j >= c0 && j < c1 ? x[i * SI_IN + j] : 0.0;
    OP_TRY(nn_predict(t, work, n, y));
    for (long i = 0; i < n; i++) y[i] *= 6.0;
    return OP_OK;
}

static void si_inputs(uint64_t seed, int k, long n, double *x)
{
    op_rng r;
    op_rng_seed(&r, seed);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < SI_IN; j++) x[i * SI_IN + j] = j < k ? op_rng_uniform(&r) - 0.5 : 0.0;
}

/* ---- one student ---- */

/* The paper's student is [20, n, n, 1] on inputs whose last 20 - k coordinates are 0.
 * The first layer's weights on those coordinates get an exactly zero gradient, so Adam
 * (wd = 0: m = v = 0, update 0) never moves them and they never touch the output: the
 * student is the [k, n, n, 1] net of its live weights. That net is trained here, at
 * (20 - k) n fewer multiply-adds per sample in each direction, initialised with exactly
 * the values the 20-input student draws (its U(+-1/sqrt(20)) first layer included),
 * so the two runs differ only in floating-point summation order. N still counts the
 * 20-input student's parameters (n^2 + 23 n + 1), as the paper does. */
static int si_student_init(nn_model *net, int k, int n, op_rng *r)
{
    nn_config c20 = nn_config_mlp(SI_IN, 2, n, 1, NN_PARAM_STANDARD);
    nn_model *m20 = NULL;
    OP_TRY(nn_model_create(&c20, NN_F32, 1, &m20));
    nn_model_init(m20, r);
    double *p20 = op_malloc(sizeof(double) * m20->nparams), *pk = op_malloc(sizeof(double) * net->nparams);
    int st = p20 && pk ? OP_OK : OP_ENOMEM;
    if (!st) {
        nn_params_get(m20, p20);
        for (int t = 0; t < net->ntensors; t++) {
            const nn_tensor *a = &m20->tensors[t], *b = &net->tensors[t];
            if (t == 0) /* layers.0.weight: [n][20] -> [n][k], the live columns */
                for (int o = 0; o < n; o++)
                    memcpy(pk + b->offset + (size_t)o * k, p20 + a->offset + (size_t)o * SI_IN, sizeof(double) * k);
            else
                memcpy(pk + b->offset, p20 + a->offset, sizeof(double) * b->count);
        }
        nn_params_set(net, pk);
        nn_zero_grad(net);
    }
    free(p20);
    free(pk);
    nn_model_free(m20);
    return st;
}

typedef struct {
    double loss[4096];
    int n;
} si_hist;

static void si_on_epoch(const nn_epoch_info *info, void *ctx)
{
    si_hist *h = ctx;
    if (h->n < (int)(sizeof h->loss / sizeof h->loss[0])) h->loss[h->n++] = info->train_loss;
}

static int si_phase(nn_model *m, const nn_dataset *pool, long steps, int batch, double lr, uint64_t seed,
                    si_hist *h)
{
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = NN_LOSS_MSE;
    o.opt = NN_OPT_ADAM;
    o.lr = lr;
    o.batch = batch;
    o.max_steps = steps;
    o.epochs = (int)((steps * (long)batch + pool->n - 1) / pool->n) + 1;
    o.keep_best = 0;
    o.seed = seed;
    if (h) {
        o.on_epoch = si_on_epoch;
        o.ctx = h;
    }
    nn_train_result res;
    return nn_train(m, pool, NULL, &o, &res);
}

static int si_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int k = (int)th_get(p, "k");
    long S = (long)th_get(p, "steps"), P = (long)th_get(p, "pool");
    int trials = (int)th_get(p, "trials"), nid = (int)th_get(p, "nid");
    int sum = ctx->control && strcmp(ctx->control, "sum") == 0;
    if (k < 1 || k > SI_IN || S < 10 || P < 4000 || trials < 1 || nid < 100 || nid > SI_NTEST)
        OP_ERROR(OP_EUSAGE, "scaling-id: bad grid point k=%d steps=%ld pool=%ld trials=%d nid=%d", k, S, P, trials,
                 nid);
    for (int i = 0; i < TH_MAX_METRICS; i++) out->v[i] = NAN;
    long nall = P + SI_NTEST;
    double *x = op_malloc(sizeof(double) * (size_t)nall * SI_IN), *y = op_malloc(sizeof(double) * (size_t)nall);
    double *y2 = op_malloc(sizeof(double) * (size_t)nall), *work = op_malloc(sizeof(double) * (size_t)nall * SI_IN);
    double *hid = op_malloc(sizeof(double) * (size_t)nid * si_width(k, SI_NW - 1));
    si_hist *hist = op_malloc(sizeof *hist);
    nn_model *teach = NULL, *net = NULL;
    int st = x && y && y2 && work && hid && hist ? OP_OK : OP_ENOMEM;
    /* one teacher per seed index (shared by every k), inputs per (k, seed) */
    char key[64];
    snprintf(key, sizeof key, "pool/k=%d/P=%ld", k, P);
    if (!st) si_inputs(op_seed_from_key(key, ctx->data_seed), k, P, x);
    snprintf(key, sizeof key, "test/k=%d", k);
    if (!st) si_inputs(op_seed_from_key(key, ctx->data_seed), k, SI_NTEST, x + (size_t)P * SI_IN);
    if (!st) st = si_teacher(op_seed_from_key("teacher", ctx->data_seed), &teach);
    int ka = sum ? (k + 1) / 2 : k;
    if (!st) st = si_label(teach, x, nall, 0, ka, y, work);
    if (!st && sum) {
        nn_model_free(teach);
        teach = NULL;
        st = si_teacher(op_seed_from_key("teacher2", ctx->data_seed), &teach);
        if (!st) st = si_label(teach, x, nall, ka, k, y2, work);
        for (long i = 0; !st && i < nall; i++) y[i] += y2[i];
    }
    nn_model_free(teach);
    /* the students' inputs: the k live coordinates (si_student_init), packed in `work` */
    for (long i = 0; !st && i < nall; i++)
        for (int j = 0; j < k; j++) work[i * k + j] = x[i * SI_IN + j];
    nn_dataset pool = {P, k, 1, work, y};
    const double *xt = work + (size_t)P * k, *yt = y + P;
    double plateau = INFINITY;
    for (int i = 0; !st && i < SI_NW; i++) {
        int n = si_width(k, i);
        nn_config cfg = nn_config_mlp(k, 2, n, 1, NN_PARAM_STANDARD);
        st = nn_model_create(&cfg, NN_F32, 4000, &net);
        double best = INFINITY, best_id = NAN, best_plat = NAN;
        for (int t = 0; !st && t < trials; t++) {
            op_rng r;
            op_rng_child(&r, rng, (uint64_t)(i * 64 + t));
            st = si_student_init(net, k, n, &r);
            hist->n = 0;
            if (!st) st = si_phase(net, &pool, S, 200, 0.01, op_rng_u64(&r), hist);
            double plat = hist->n >= 2 ? hist->loss[hist->n - 1] / hist->loss[(hist->n - 1) / 2] : NAN;
            if (!st) st = si_phase(net, &pool, S / 10, 1000, 0.01, op_rng_u64(&r), NULL);
            if (!st) st = si_phase(net, &pool, S / 10, 4000, 0.001, op_rng_u64(&r), NULL);
            double loss = NAN;
            if (!st) st = nn_eval(net, NN_LOSS_MSE, xt, yt, SI_NTEST, &loss, NULL);
            if (!st && !isfinite(loss))
                st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "scaling-id: test loss %g (k=%d n=%d)", loss, k,
                                  n);
            if (!st && loss < best) {
                best = loss;
                best_plat = plat;
                st = nn_mlp_last_hidden(net, xt, nid, hid);
            }
        }
        /* TwoNN on the best trial only: a trial that lost (a dead student whose last
         * hidden layer is constant, so TwoNN is undefined) never reaches it */
        if (!st) st = mf_intdim_twonn(hid, nid, n, &best_id);
        nn_model_free(net);
        net = NULL;
        if (st) break;
        out->v[M_L0 + i] = best;
        out->v[M_ID0 + i] = best_id;
        plateau = fmin(plateau, best_plat);
    }
    out->v[M_PLATEAU] = plateau;
    free(x);
    free(y);
    free(y2);
    free(work);
    free(hid);
    free(hist);
    return st;
}

/* ---- judge ---- */

/* Radius of the least-squares (Kasa) circle through m points; INFINITY when they are
 * collinear to working precision. */
static double si_circle_radius(const double *px, const double *py, int m)
{
    double cx = 0, cy = 0;
    for (int i = 0; i < m; i++) {
        cx += px[i] / m;
        cy += py[i] / m;
    }
    /* x^2 + y^2 + D x + E y + F = 0 in centred coordinates: normal equations */
    double A[3][4] = {{0}};
    for (int i = 0; i < m; i++) {
        double u = px[i] - cx, v = py[i] - cy, r[3] = {u, v, 1}, b = -(u * u + v * v);
        for (int a = 0; a < 3; a++) {
            for (int c = 0; c < 3; c++) A[a][c] += r[a] * r[c];
            A[a][3] += r[a] * b;
        }
    }
    double scale = A[0][0] + A[1][1] + A[2][2];
    for (int c = 0; c < 3; c++) { /* Gauss-Jordan with partial pivoting */
        int piv = c;
        for (int a = c + 1; a < 3; a++)
            if (fabs(A[a][c]) > fabs(A[piv][c])) piv = a;
        if (fabs(A[piv][c]) <= 1e-12 * scale) return INFINITY;
        for (int j = 0; j < 4; j++) {
            double tmp = A[c][j];
            A[c][j] = A[piv][j];
            A[piv][j] = tmp;
        }
        for (int a = 0; a < 3; a++) {
            if (a == c) continue;
            double f = A[a][c] / A[c][c];
            for (int j = 0; j < 4; j++) A[a][j] -= f * A[c][j];
        }
    }
    double D = A[0][3] / A[0][0], E = A[1][3] / A[1][1], F = A[2][3] / A[2][2];
    double r2 = D * D / 4 + E * E / 4 - F;
    return r2 > 0 ? sqrt(r2) : INFINITY;
}

typedef struct {
    int k, ok, nseeds;
    double N[SI_NW], mlogL[SI_NW], selogL[SI_NW], mid[SI_NW];
    int nokp[SI_NW], nfailp[SI_NW];
    int win;             /* points in the window (from the smallest width) */
    double radius[SI_NW + 1];
    st_rate rate;        /* over the window, paired over seeds */
    double alpha, alpha_se, foa, foa_se;
    st_interval id, ratio;
    double seed_foa[64];  /* per seed 4/alpha (NaN if incomplete) */
    double plateau_min;
} si_k;

/* The per-k analysis of the records matching `where`. */
static int si_analyse(const th_judge_in *in, const th_where *where, double kval, si_k *o)
{
    memset(o, 0, sizeof *o);
    o->k = (int)kval;
    th_table tl[SI_NW], ti[SI_NW], tp;
    int nl = 0, ni = 0, st = OP_OK, hasp = 0;
    for (; nl < SI_NW && !st; nl++) st = th_table_collect(in, "k", M_L0 + nl, where, &tl[nl]);
    if (st) nl--;
    for (; !st && ni < SI_NW; ni++) st = th_table_collect(in, "k", M_ID0 + ni, where, &ti[ni]);
    if (st) ni--;
    if (!st) {
        st = th_table_collect(in, "k", M_PLATEAU, where, &tp);
        hasp = !st;
    }
    int p = st ? -1 : th_table_find(&tl[0], kval);
    if (!st && p >= 0) {
        int ns = tl[0].ns < 64 ? tl[0].ns : 64;
        double ly[SI_NW * 64], lx[SI_NW], idv[64];
        for (int i = 0; i < SI_NW; i++) {
            int n = si_width(o->k, i);
            o->N[i] = si_params(n);
            lx[i] = log(o->N[i]);
            double vals[64], m = 0, s2 = 0, mi = 0;
            int c = 0, ci = 0;
            for (int s = 0; s < ns; s++) {
                double v = th_table_at(&tl[i], p, s), w = th_table_at(&ti[i], p, s);
                ly[i * ns + s] = v > 0 ? log(v) : NAN;
                if (v > 0) vals[c++] = log(v);
                if (isfinite(w)) {
                    mi += w;
                    ci++;
                }
            }
            for (int j = 0; j < c; j++) m += vals[j] / c;
            for (int j = 0; j < c; j++) s2 += (vals[j] - m) * (vals[j] - m);
            o->mlogL[i] = c ? m : NAN;
            o->selogL[i] = c > 1 ? sqrt(s2 / (c - 1) / c) : 0;
            o->mid[i] = ci ? mi / ci : NAN;
            o->nokp[i] = tl[i].nok[p];
            o->nfailp[i] = tl[i].nfailed[p];
        }
        int allfin = 1;
        for (int i = 0; i < SI_NW; i++) allfin &= isfinite(o->mlogL[i]);
        if (allfin) {
            /* the window: argmax over m = 5..7 of the circle radius of the first m points */
            double best = -1;
            for (int m = SI_MINWIN; m <= SI_NW; m++) {
                o->radius[m] = si_circle_radius(lx, o->mlogL, m);
                if (o->radius[m] >= best) {
                    best = o->radius[m];
                    o->win = m;
                }
            }
            double sl[64], mid_id = 0;
            st = st_rate_paired(lx, ly, o->win, ns, -4.0 / o->k, &o->rate, sl);
            if (!st) {
                o->alpha = -o->rate.slope.mean;
                o->alpha_se = o->rate.slope.se;
                o->foa = o->alpha > 0 ? 4.0 / o->alpha : INFINITY; /* alpha <= 0: no power law */
                o->foa_se = o->alpha > 0 ? 4.0 * o->alpha_se / (o->alpha * o->alpha) : NAN;
                double rat[64];
                int nr = 0, nidv = 0;
                for (int s = 0; s < ns; s++) {
                    double id = 0;
                    int c = 0;
                    for (int i = 0; i < o->win; i++) {
                        double w = th_table_at(&ti[i], p, s);
                        if (isfinite(w)) {
                            id += w;
                            c++;
                        }
                    }
                    id = c == o->win ? id / c : NAN;
                    if (isfinite(id)) idv[nidv++] = id;
                    /* a seed whose loss does not fall over the window (slope >= 0) has
                     * alpha <= 0: no power law, 4/alpha = +inf, outside the band. It
                     * stays in the mean (paired design: every seed counts), so the k
                     * FAILs; dropping it would grade the k on the seeds that happened
                     * to fall (the control's k = 2 at 16 000 steps: 1 seed of 3). */
                    o->seed_foa[s] = !isfinite(sl[s]) ? NAN : sl[s] < 0 ? -4.0 / sl[s] : INFINITY;
                    if (isfinite(id) && !isnan(o->seed_foa[s])) rat[nr++] = o->seed_foa[s] / id;
                }
                for (int s = ns; s < 64; s++) o->seed_foa[s] = NAN;
                st_interval_mean(idv, nidv, &o->id);
                st_interval_mean(rat, nr, &o->ratio);
                o->nseeds = nr;
                (void)mid_id;
                o->ok = nr > 0;
            }
        }
        o->plateau_min = hasp ? INFINITY : NAN;
        for (int s = 0; hasp && s < tp.ns; s++) {
            double v = th_table_at(&tp, p, s);
            if (isfinite(v)) o->plateau_min = fmin(o->plateau_min, v);
        }
    }
    for (int i = 0; i < nl; i++) th_table_free(&tl[i]);
    for (int i = 0; i < ni; i++) th_table_free(&ti[i]);
    if (hasp) th_table_free(&tp);
    return st;
}

static int si_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int si_judge(const th_judge_in *in, th_verdict *v)
{
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "scaling-id: no records to judge");
    double ks[SI_MAXK], pools[4];
    int nk = th_distinct_num(in, "k", ks, SI_MAXK), npool = th_distinct_num(in, "pool", pools, 4);
    qsort(ks, (size_t)nk, sizeof *ks, si_cmp_double);
    qsort(pools, (size_t)npool, sizeof *pools, si_cmp_double);
    double P1 = pools[npool - 1]; /* the graded pool: the largest */
    th_where w1[] = {{"pool", NULL, P1}, {NULL, NULL, 0}};
    si_k *res = op_malloc(sizeof(si_k) * (size_t)(2 * nk));
    if (!res) return OP_ENOMEM;
    int st = OP_OK;
    for (int i = 0; i < nk && !st; i++) st = si_analyse(in, w1, ks[i], &res[i]);
    /* the second pool (full preset): alpha per k, paired difference over seeds */
    double dmax = NAN;
    char dtext[160] = "";
    if (!st && npool > 1) {
        th_where w2[] = {{"pool", NULL, pools[0]}, {NULL, NULL, 0}};
        double dsum = 0, dse2 = 0;
        int nd = 0;
        for (int i = 0; i < nk && !st; i++) {
            st = si_analyse(in, w2, ks[i], &res[nk + i]);
            if (st || !res[i].ok || !res[nk + i].ok) continue;
            double da = res[nk + i].alpha - res[i].alpha;
            dsum += da;
            dse2 += res[i].alpha_se * res[i].alpha_se + res[nk + i].alpha_se * res[nk + i].alpha_se;
            nd++;
            if (!(fabs(da) <= dmax)) dmax = fabs(da);
        }
        if (nd)
            snprintf(dtext, sizeof dtext, "pool_dalpha(P=%g-P=%g)=mean%+.3f±%.3f,max|d|=%.3f", pools[0], P1, dsum / nd,
                     sqrt(dse2) / nd, dmax);
    }
    if (st) {
        free(res);
        return st;
    }
    /* grade 1: every k's ratio (4/alpha)/ID inside [2/3, 3/2] */
    st_grade_t gr = ST_PASS;
    int wk = -1;
    double wdist = -1;
    st_grade_t wgrade = ST_PASS;
    for (int i = 0; i < nk; i++) {
        const si_k *r = &res[i];
        /* control sum: a k < 4 split has a 1-D half, fitted to the optimiser's floor at
         * every width (no curve to measure): reported, not graded (design change 4) */
        if (in->control && r->k < SI_SUM_KMIN) continue;
        st_grade_t g = r->ok ? st_grade(r->ratio.mean, r->ratio.se, SI_RATIO_LO, SI_RATIO_HI) : ST_FAIL;
        double dist = r->ok ? fabs(log(r->ratio.mean)) : INFINITY;
        if (wk < 0 || g > wgrade || (g == wgrade && dist > wdist)) {
            wk = i;
            wgrade = g;
            wdist = dist;
        }
        gr = st_grade_worst(gr, g);
    }
    /* grade 2: 4/alpha increases with k */
    st_grade_t gt = ST_FAIL;
    char ttext[160] = "trend=none";
    if (nk >= 5) {
        int ns = 64;
        double *tab = op_malloc(sizeof(double) * (size_t)nk * ns);
        if (!tab) {
            free(res);
            return OP_ENOMEM;
        }
        for (int i = 0; i < nk; i++)
            for (int s = 0; s < ns; s++) tab[i * ns + s] = res[i].seed_foa[s];
        st_trend tr;
        st = st_trend_grade(ks, tab, nk, ns, +1, SI_RHO_MIN, &tr);
        free(tab);
        if (st) {
            free(res);
            return st;
        }
        gt = tr.grade;
        snprintf(ttext, sizeof ttext, "trend=spearman_rho=%.3f(need>=%.1f)->%s", tr.rho, SI_RHO_MIN,
                 st_grade_name(gt));
    } else if (nk >= 2) {
        double d[64];
        int nd = 0;
        for (int s = 0; s < 64; s++) {
            double a = res[0].seed_foa[s], b = res[nk - 1].seed_foa[s];
            if (isfinite(a) && isfinite(b)) d[nd++] = b - a;
        }
        st_interval ci;
        st_interval_mean(d, nd, &ci);
        gt = st_grade_equiv(&ci, 0, INFINITY);
        snprintf(ttext, sizeof ttext, "trend=paired_d(4/alpha)(k=%g-k=%g)=%+.3f in [%.3f,%.3f] pairs=%d->%s",
                 ks[nk - 1], ks[0], ci.mean, ci.lo, ci.hi, nd, st_grade_name(gt));
    }
    if (wk < 0) {
        free(res);
        OP_ERROR(OP_EUSAGE, "scaling-id: control sum needs a k >= %d to grade", SI_SUM_KMIN);
    }
    const si_k *w = &res[wk];
    v->grade = st_grade_worst(gr, gt);
    v->measured = w->ok ? w->ratio.mean : NAN;
    v->se = w->ok ? w->ratio.se : NAN;
    v->predicted = 1;
    v->lo = SI_RATIO_LO;
    v->hi = SI_RATIO_HI;
    snprintf(v->predicted_text, sizeof v->predicted_text, "1 (4/alpha=ID)");
    snprintf(v->extra, sizeof v->extra, "quantity=worst_k(4/alpha)/ID_twonn worst_k=%d %s", w->k, ttext);
    for (int i = 0; i < nk; i++) {
        const si_k *r = &res[i];
        if (!r->ok) {
            th_extra_add(v, "k=%d:incomplete", r->k);
            continue;
        }
        th_extra_add(v, "k=%d:a=%.3f±%.3f,4/a=%.2f,id=%.2f,ratio=%.2f±%.2f,win=%d,plat=%.2f%s", r->k, r->alpha,
                     r->alpha_se, r->foa, r->id.mean, r->ratio.mean, isnan(r->ratio.se) ? NAN : r->ratio.se, r->win,
                     r->plateau_min, in->control && r->k < SI_SUM_KMIN ? ",not_graded" : "");
    }
    if (dtext[0]) th_extra_add(v, "%s", dtext);
    snprintf(v->note, sizeof v->note, "worst k=%d: (4/alpha)/ID = %.2f ± %.2f, band [0.67, 1.5]", w->k, v->measured,
             v->se);

    /* table.csv */
    int len = snprintf(v->table_csv, sizeof v->table_csv,
                       "k,alpha,alpha_se,four_over_alpha,id_twonn,id_se,n_points,window_lo,window_hi\n");
    for (int i = 0; i < nk && len < (int)sizeof v->table_csv; i++) {
        const si_k *r = &res[i];
        if (!r->ok) continue;
        len += snprintf(v->table_csv + len, sizeof v->table_csv - (size_t)len, "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%.0f,%.0f\n",
                        r->k, r->alpha, r->alpha_se, r->foa, r->id.mean, r->id.se, r->win, r->N[0],
                        r->N[r->win - 1]);
    }

    /* series 0: 4/alpha against k, its "predicted" line the measured TwoNN ID (mean over
     * seeds of the window's widths; its s.e. is in table.csv). TH_MAX_SERIES = 8 leaves
     * room for this and one loss curve per k (7 in full), not for a separate ID curve. */
    const char *pre = in->control ? "sum target: " : "";
    th_series *s0 = &v->series[0];
    memset(s0, 0, sizeof *s0);
    snprintf(s0->name, sizeof s0->name, "%s4/alpha", pre);
    s0->figure = 0;
    snprintf(s0->pred_title, sizeof s0->pred_title, "%sTwoNN ID, last hidden layer", pre);
    for (int i = 0; i < nk; i++) {
        const si_k *r = &res[i];
        s0->x[i] = ks[i];
        int drawn = r->ok && isfinite(r->foa); /* no power law (4/alpha = inf): not drawn */
        s0->y[i] = drawn ? r->foa : NAN;
        s0->ylo[i] = drawn ? r->foa - r->foa_se : NAN;
        s0->yhi[i] = drawn ? r->foa + r->foa_se : NAN;
        s0->fit[i] = NAN;
        s0->pred[i] = r->ok ? r->id.mean : NAN;
        s0->blo[i] = SI_RATIO_LO * s0->pred[i]; /* the graded band on 4/alpha = ratio x ID */
        s0->bhi[i] = SI_RATIO_HI * s0->pred[i];
        s0->nok[i] = r->nseeds;
    }
    s0->n = nk;
    if (!in->control)
        snprintf(s0->band_title, sizeof s0->band_title, "graded: 4/alpha in [%.3g, %.3g] x ID", SI_RATIO_LO,
                 SI_RATIO_HI);
    v->nseries = 1;
    /* one loss-vs-N series per k: seed-mean curve, the fitted line over the window, and
     * the predicted slope -4/ID through the window's centroid */
    for (int i = 0; i < nk && v->nseries < TH_MAX_SERIES; i++) {
        const si_k *r = &res[i];
        th_series *s = &v->series[v->nseries++];
        memset(s, 0, sizeof *s);
        snprintf(s->name, sizeof s->name, "%sk=%d", pre, r->k);
        s->figure = in->control ? 2 : 1; /* the control's curves get their own figure */
        s->n = SI_NW;
        double cx = 0, cy = 0;
        for (int j = 0; r->ok && j < r->win; j++) {
            cx += log(r->N[j]) / r->win;
            cy += r->mlogL[j] / r->win;
        }
        for (int j = 0; j < SI_NW; j++) {
            s->x[j] = r->N[j];
            s->y[j] = exp(r->mlogL[j]);
            s->ylo[j] = exp(r->mlogL[j] - r->selogL[j]);
            s->yhi[j] = exp(r->mlogL[j] + r->selogL[j]);
            int in_win = r->ok && j < r->win;
            s->fit[j] = in_win ? exp(cy - r->alpha * (log(r->N[j]) - cx)) : NAN;
            s->pred[j] = in_win ? exp(cy - 4.0 / r->id.mean * (log(r->N[j]) - cx)) : NAN;
            s->nok[j] = r->nokp[j];
            s->nfailed[j] = r->nfailp[j];
        }
        /* one legend entry per line style (src/plot: repeated titles are drawn once) */
        snprintf(s->fit_title, sizeof s->fit_title, "fit over the window");
        snprintf(s->pred_title, sizeof s->pred_title, "slope -4/ID (predicted)");
    }
    free(res);
    return OP_OK;
}

const th_check th_scaling_id = {
    .id = "scaling-id",
    .citation = "Sharma & Kaplan, Scaling Laws from the Data Manifold Dimension, JMLR 23(9):1-34, 2022 "
                "(arXiv 2004.10802), eq. 2.5-2.6, Fig. 1, teacher/student appendix A",
    .claim = "Students [20,n,n,1] fitting a random ReLU teacher on a k-dimensional input cube have test MSE "
             "L ~ N^-alpha with 4/alpha equal to the TwoNN intrinsic dimension of their last hidden layer, "
             "and 4/alpha grows with k.",
    .prediction = "(4/alpha)/ID = 1 for every k; 4/alpha increasing in k",
    .band_source = "paper: alpha ~ 4/d with no stated tolerance; band = a factor 1.5 either way, [2/3, 3/2], "
                   "fixed before any run; trend: paired 90% interval > 0 (quick), Spearman rho >= 0.8 (full)",
    .cite = {"sharma2022scaling", "facco2017estimating"},
    .metrics = {"L_w0", "L_w1", "L_w2", "L_w3", "L_w4", "L_w5", "L_w6", "id_w0", "id_w1", "id_w2", "id_w3",
                "id_w4", "id_w5", "id_w6", "plateau"},
    .quick = {.axes = {{"k", 2, {2, 4}},
                       {"steps", 1, {16000}},
                       {"pool", 1, {40000}},
                       {"trials", 1, {3}},
                       {"nid", 1, {2000}}},
              .seeds = 4},
    .full = {.axes = {{"k", 7, {2, 3, 4, 5, 6, 7, 8}},
                      {"steps", 1, {32000}},
                      {"pool", 2, {50000, 200000}},
                      {"trials", 1, {2}},
                      {"nid", 1, {4000}}},
             .seeds = 3},
    .controls = {{"sum", "target = sum of two teachers on the two halves of the k input coordinates: the data are "
                         "still k-dimensional but the function is additive, so the exponent is that of ceil(k/2) "
                         "dimensions and (4/alpha)/ID ~ 1/2 must FAIL",
                  1}},
    .figures = {{"dimension", "4/alpha and the TwoNN ID of the last hidden layer against k", "teacher features k",
                 "dimension", 0, 0, 0, NULL},
                {"loss-vs-N", "test MSE against parameter count, fitted over the power-law window",
                 "parameters N", "test MSE", 1, 1, 0, NULL},
                {"sum-loss-vs-N", "control sum (additive target): test MSE against parameter count",
                 "parameters N", "test MSE", 1, 1, 0, NULL, 1}},
    .run = si_run,
    .judge = si_judge,
};
