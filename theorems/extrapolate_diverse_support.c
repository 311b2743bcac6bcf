/* extrapolate-diverse-support: linear targets need diverse training directions.
 *
 * Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, "How neural networks extrapolate",
 * ICLR 2021 (arXiv 2009.11848), Theorem 2 (Thm 5 of the submission) and their
 * Fig. 3 / 4b. Two-layer ReLU MLP in the NTK regime, linear target beta.x: if the
 * training support contains a connected set S such that every direction w has some
 * k > 0 with k w in S, the regressor converges to beta.x everywhere as n grows
 * (f -> beta.x in probability); with restricted directions it does not.
 *
 * Experiment: kernel regression with the bias-free two-layer NTK K1 + K2
 * (src/kernel; the infinite-width limit the theorem is about), ridge 1e-8 (the
 * pilot's), beta ~ N(0, I_d), d in {2, 4, 8}, nested training sets (the first n
 * points of one pool per seed, n = 125 ... 1000 quick, ... 2000 full) drawn uniformly
 * (by volume) from the unit ball: every direction is present. Out-of-distribution
 * test set: 1000 points with uniform direction and radius uniform in [1, 5] (a shell
 * outside the training ball). MAPE = 100 * median |yhat - y|/|y| (the median as in
 * Xu et al.'s MLPs.py: the mean explodes near zeros of beta.x).
 *
 * Claim graded (issue 15: "how MAPE changes with n", not one threshold): Thm 2 is a
 * consistency statement, so the OOD MAPE must FALL with n, towards 0. Statistic: per d,
 * the paired per-seed log-log slope of MAPE against n (th_judge_rate_where: common
 * random numbers, nested sets and one test set per seed); the worst (largest) slope
 * over d is the measured value, and the verdict is the worst grade over d.
 * Prediction and band, fixed before any run of this design: a consistent fit of a
 * noise-free linear target differs from beta.x through the asymmetry of the sample
 * (Lemma 1: a symmetric sample gives beta.x exactly); the antisymmetric part of the
 * empirical measure shrinks like n^(-1/2) (CLT), so the predicted slope is -1/2
 * (a heuristic, not a theorem's rate: Thm 2 gives none). Band: slope <= -1/4, half the
 * predicted slope, the same line the kit draws for a plateau; an inconsistent fit has
 * a MAPE that tends to a positive constant, slope -> 0.
 * Pilot (notes, d = 8, n = 500, earlier one-threshold design): all 0.26%, x1 > 0 0.69%,
 * x1 = 0.1 3.3%, all > 0 92%; docs/checks.md full preset n = 1000: all 0.105%, x1 > 0 1.5%.
 *
 * Controls (same judge, must FAIL):
 *  - "x1-fixed" (near miss; after Xu et al.'s "fix1" support of Fig. 3): training inputs
 *    with x1 := 0.3 (the slab through the unit ball; 0.1, fix1's value, until design
 *    change 2 below). Why it, and not the half ball
 *    first chosen (issue 15), see "Design change 1" below. For this bias-free kernel the
 *    support must meet every direction w or -w (S u -S covers the sphere); the slab's
 *    directions have w1 >= 0.0995 / |w|, so S u -S misses only the band |w1| < 0.0995
 *    (about 6 degrees either side of the equator x1 = 0; 17.5 degrees at x1 = 0.3): the
 *    condition fails just barely. Predicted before its run: the limit fit is not beta.x (the even part is
 *    free on the band), so MAPE tends to a positive constant (pilot 3.3% at d = 8,
 *    n = 500), slope ~ 0, more than 3 s.e. above -1/4.
 *  - "positive-orthant" (kept, not a near miss): every coordinate -> |coordinate|; most
 *    directions are never seen (pilot 92%); its MAPE stays high and flat in n.
 *
 * Design change 1 (issue 15): the near-miss control was first the half ball
 * x1 -> |x1| ("half-ball"), predicted to plateau. It did not (quick, seed 0, slopes of
 * log MAPE vs log n over n = 125 ... 1000: d2 -0.85 ± 0.59, d4 -1.00 ± 0.21, d8
 * -0.95 ± 0.10; MAPE at n = 1000: 0.037%, 0.38%, 0.58%; the whole ball: -2.6, -1.47,
 * -1.28): the half ball also converges, only more slowly. The reason, worked out after
 * that run: K1 + K2 without bias is positively 1-homogeneous and its RKHS holds only
 * the linear and the even spherical harmonics (the ReLU arc-cosine kernels have no odd
 * harmonics of degree >= 3), so an interpolant is g = l.x + E(x) with E even. On the
 * half ball and its mirror image, which together cover every direction, E is fixed to
 * sign(x1)(beta - l).x, which is in the RKHS only if it vanishes (a kink is too rough for
 * the kernel's Sobolev-type RKHS): the limit is beta.x. Thm 2's condition (every
 * direction in S) is sufficient, not necessary, for this kernel: S u -S covering the
 * sphere suffices. The half ball therefore does not violate what the kernel needs; the
 * near miss must leave a band of directions out of S u -S, as the slab does.
 * Design change 2 (issue 15, this commit): the slab moved from x1 = 0.1 (Xu et al.'s
 * fix1) to x1 = 0.3, because the x1 = 0.1 near miss did not FAIL on every seed. Data
 * that forced it (quick, --control x1-fixed, base seeds 0..5; the control's verdict is
 * its worst d, and only d = 2 separates at n <= 1000):
 *   x1 = 0.1: d = 2 slopes -0.133 +- 0.039, -0.34 +- 0.24, -0.16 +- 0.12, -0.097 +- 0.034,
 *             -0.069 +- 0.038, -0.064 +- 0.023: MARGINAL at seeds 1 and 2 (one data draw
 *             of seed 1 fitted the slab almost exactly, MAPE 0.12% -> 0.010%);
 *   x1 = 0.3: d = 2 slopes -0.024 +- 0.011, -0.017 +- 0.005, -0.011 +- 0.006, +0.018 +-
 *             0.038, -0.012 +- 0.021, -0.024 +- 0.017: FAIL at every seed (7-42 s.e.);
 *             d = 4 -0.24 ... -0.34 (MARGINAL at 5 seeds), d = 8 -0.42 ... -0.52;
 *   x1 = 0.5: d = 2 FAIL and d = 4 FAIL (-0.17 ... -0.21) at seeds 0-4, d = 8 -0.30 ... -0.37.
 * Why the size of the gap matters (worked out from these runs): the limit fit is
 * (beta - delta).x + E(x) with E even, E = sign(x1) delta.x on the covered directions and
 * free on the missed band; the minimum-norm fit trades |beta - delta|^2 against the RKHS
 * norm of E, which grows as the band narrows (E must turn over inside it), so the
 * limit's error is positive but shrinks with the band: at x1 = 0.1 (band +-5.7 degrees)
 * it can fall below the n^(-1/2) sampling term at n <= 1000, at x1 = 0.3 (+-17.5
 * degrees) it does not at d = 2. x1 = 0.3 is the smallest of the three slabs tried that
 * FAILs at every seed, still a band of directions missed, not a half-space. At d = 4
 * and 8 the sampling term dominates up to n = 1000 for every slab tried (MAPE still
 * falls), so the control separates at d = 2 only: a limit of the quick preset's n, not
 * of the theory. The band and the statistic did not move.
 * (Until issue 15 the check graded MAPE(all) < 1% at one n, plus a support axis that
 * was plotted but not graded; MAPE at one n says nothing about convergence.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "kernel/kernel.h"

#define DS_NTEST 1000
#define DS_RIDGE 1e-8
#define DS_RMIN 1.0
#define DS_RMAX 5.0
#define DS_NMAX 4096 /* the pool every n's training set is the start of */
#define DS_PRED (-0.5)
#define DS_BAND (-0.25)
#define DS_SLAB_X1 0.3 /* control x1-fixed: the slab x1 = 0.3 (issue 15 design change, see the header) */

enum { M_MAPE };
enum { DS_BALL, DS_SLAB, DS_ORTHANT };

static int ds_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    (void)rng;
    int d = (int)th_get(p, "d"), n = (int)th_get(p, "n");
    if (n < 1 || n > DS_NMAX) OP_ERROR(OP_EUSAGE, "extrapolate-diverse-support: n = %d not in [1, %d]", n, DS_NMAX);
    int g = !ctx->control ? DS_BALL : strcmp(ctx->control, "x1-fixed") == 0 ? DS_SLAB : DS_ORTHANT;
    double *X = op_malloc(sizeof(double) * (size_t)n * d), *y = op_malloc(sizeof(double) * n);
    double *T = op_malloc(sizeof(double) * (size_t)DS_NTEST * d), *yt = op_malloc(sizeof(double) * DS_NTEST);
    double *K = op_malloc(sizeof(double) * (size_t)n * n), *alpha = op_malloc(sizeof(double) * n);
    double *Kc = op_malloc(sizeof(double) * (size_t)DS_NTEST * n), *f = op_malloc(sizeof(double) * DS_NTEST);
    double *beta = op_malloc(sizeof(double) * d), *ape = op_malloc(sizeof(double) * DS_NTEST);
    double *work = op_malloc(sizeof(double) * DS_NTEST);
    int st = OP_OK;
    if (!X || !y || !T || !yt || !K || !alpha || !Kc || !f || !beta || !ape || !work) {
        st = OP_ENOMEM;
        goto done;
    }
    /* Data streams of the seed index (common random numbers): beta and the test set
     * from one, the training pool from another; the training set is the pool's first
     * n points (nested in n), and the variants differ only by the reflections. */
    op_rng data, pool;
    op_rng_seed(&data, ctx->data_seed);
    op_rng_seed(&pool, op_seed_from_key("pool", ctx->data_seed));
    for (int k = 0; k < d; k++) beta[k] = op_rng_normal(&data);
    for (int i = 0; i < n; i++) {
        double *x = X + (size_t)i * d;
        op_rng_unit_vector(&pool, d, x);
        double r = pow(op_rng_uniform_pos(&pool), 1.0 / d); /* volume-uniform in the unit ball */
        for (int k = 0; k < d; k++) x[k] *= r;
        if (g == DS_SLAB) x[0] = DS_SLAB_X1;
        if (g == DS_ORTHANT)
            for (int k = 0; k < d; k++) x[k] = fabs(x[k]);
        double t = 0;
        for (int k = 0; k < d; k++) t += beta[k] * x[k];
        y[i] = t;
    }
    for (int i = 0; i < DS_NTEST; i++) {
        double *x = T + (size_t)i * d;
        op_rng_unit_vector(&data, d, x);
        double r = DS_RMIN + (DS_RMAX - DS_RMIN) * op_rng_uniform(&data);
        double t = 0;
        for (int k = 0; k < d; k++) {
            x[k] *= r;
            t += beta[k] * x[k];
        }
        yt[i] = t;
    }
    if ((st = kn_gram(KN_K12, X, n, X, n, d, 1, 0.0, K))) goto done;
    if ((st = kn_krr_fit(K, n, y, DS_RIDGE, alpha, NULL))) goto done;
    if ((st = kn_gram(KN_K12, T, DS_NTEST, X, n, d, 1, 0.0, Kc))) goto done;
    kn_krr_predict(Kc, DS_NTEST, n, alpha, f);
    int m = 0;
    for (int i = 0; i < DS_NTEST; i++)
        if (yt[i] != 0) ape[m++] = fabs(f[i] - yt[i]) / fabs(yt[i]);
    double mape = m ? 100.0 * st_median(ape, m, work) : NAN;
    out->v[M_MAPE] = mape;
    if (!isfinite(mape)) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite MAPE");
done:
    free(X);
    free(y);
    free(T);
    free(yt);
    free(K);
    free(alpha);
    free(Kc);
    free(f);
    free(beta);
    free(ape);
    free(work);
    return st;
}

/* Per d the paired rate of MAPE against n (the kit's rate judge); the verdict is the
 * worst d's, with every d's slope in the line. */
static int ds_judge(const th_judge_in *in, th_verdict *v)
{
    double ds[TH_MAX_SERIES];
    int nd = th_distinct_num(in, "d", ds, TH_MAX_SERIES);
    th_verdict *w = op_malloc(sizeof *w);
    if (!w) return OP_ENOMEM;
    int st = OP_OK, worst = -1;
    char text[TH_MAX_SERIES][160];
    v->grade = ST_PASS;
    v->nseries = 0;
    for (int k = 0; k < nd && !st; k++) {
        memset(w, 0, sizeof *w);
        th_where wh[] = {{"d", NULL, ds[k]}, {NULL, NULL, 0}};
        st_rate r;
        st = th_judge_rate_where(in, "n", M_MAPE, wh, DS_PRED, -INFINITY, DS_BAND, 0, w, &r);
        if (st) break;
        v->series[v->nseries] = w->series[0];
        snprintf(v->series[v->nseries].name, sizeof v->series[0].name, "d=%g%s%s", ds[k], in->control ? " " : "",
                 in->control ? in->control : "");
        v->nseries++;
        snprintf(text[k], sizeof text[k], "d%g:%.3f±%.3f(%s,last=%.3g,MAPE@nmax=%.3g%%)", ds[k], w->measured,
                 w->se, st_grade_name(w->grade), r.last.mean, w->series[0].n ? w->series[0].y[w->series[0].n - 1] : NAN);
        /* the worst d: the worst grade, then the largest slope */
        if (worst < 0 || w->grade > v->grade || (w->grade == v->grade && !(w->measured <= v->measured))) {
            worst = k;
            v->grade = w->grade;
            v->measured = w->measured;
            v->se = w->se;
        }
    }
    free(w);
    OP_TRY(st);
    if (worst < 0) {
        v->grade = ST_FAIL;
        v->measured = v->se = NAN;
    }
    v->predicted = DS_PRED;
    v->lo = -INFINITY;
    v->hi = DS_BAND;
    snprintf(v->extra, sizeof v->extra, "quantity=max_d(paired slope of log OOD MAPE vs log n)");
    for (int k = 0; k < nd; k++) th_extra_add(v, "%s", text[k]);
    snprintf(v->note, sizeof v->note, "worst d: MAPE ~ n^(%.3f ± %.3f) (predicted %.2f, band <= %.2f)", v->measured,
             v->se, DS_PRED, DS_BAND);
    return OP_OK;
}

const th_check th_extrapolate_diverse_support = {
    .id = "extrapolate-diverse-support",
    .graded = "slope of log OOD median APE vs log n, at the worst d",
    .cite = {"xu2021how"},
    .citation = "Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, How neural networks extrapolate, ICLR 2021 "
                "(arXiv 2009.11848), Theorem 2 (Thm 5 of the submission), Fig. 3/4b; MAPE as in their MLPs.py",
    .claim = "A two-layer ReLU NTK regressor (no bias) fitting a linear target extrapolates it correctly when "
             "the training support covers every direction; restricted directions break extrapolation.",
    .prediction = "out-of-distribution (radius 1..5) median APE falls with n: per-seed slope of log MAPE vs "
                  "log n = -1/2 (CLT heuristic), band <= -1/4, for every d in {2, 4, 8}",
    .band_source = "Thm 2 (consistency) + CLT heuristic for the sample's asymmetry; band at half the predicted "
                   "slope (the kit's plateau line); fixed before the runs of this design",
    .metrics = {"mape"},
    .quick = {.axes = {{"d", 3, {2, 4, 8}}, {"n", 4, {125, 250, 500, 1000}}}, .seeds = 5},
    .full = {.axes = {{"d", 3, {2, 4, 8}}, {"n", 5, {125, 250, 500, 1000, 2000}}}, .seeds = 10},
    .controls = {{"x1-fixed", "near miss (after Xu et al.'s fix1): training inputs on the slab x1 = 0.3; no "
                              "direction with |w1| < 0.3 |w| is in S or -S, so the fit does not converge to beta.x",
                  1},
                 {"positive-orthant", "training inputs restricted to the positive orthant: most directions are "
                                      "never seen, so the linear target is not extrapolated"}},
    .figures = {{"mape-vs-n", "Xu et al. Thm 2: extrapolation error vs training set size (NTK, no bias)",
                 "training points n", "OOD median APE % (geometric mean over seeds, +- 1 s.e.)", 1, 1, 0, NULL}},
    .run = ds_run,
    .judge = ds_judge,
};
