/* extrapolate-lemma: exact linear extrapolation from a symmetric basis.
 *
 * Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, "How neural networks extrapolate: from
 * feedforward to graph neural networks", ICLR 2021 (arXiv 2009.11848), Lemma 1
 * (Lemma 4 in the submission version). Two-layer ReLU MLP in the NTK regime (no
 * bias), linear target beta.x, training set = an orthogonal basis {x_i} and their
 * negatives {-x_i}: the kernel regression solution equals beta.x EVERYWHERE.
 * Why (research notes, section 2): K(x, e) - K(x, -e) = (x.e)/2 for K1 and for K2,
 * so the ridgeless fit reproduces any linear function exactly.
 *
 * Experiment (as their Lemma-1 demo in jinglingli/nn-extrapolate): basis = the rows
 * of a random rotation Q (Gram-Schmidt on a Gaussian matrix) scaled to length 5,
 * plus negatives (2d points); beta ~ N(0, I_d); ridgeless kernel regression with
 * the two-layer kernel K1 (first layer trained) or K1 + K2 (both layers), from
 * src/kernel. Error = max |f(x) - beta.x| / |x| over 2000 points drawn uniformly
 * (by volume) from the ball of radius 20, over 64 random rays at radii 0.5 ... 20
 * (the rays give the figure) and over the 2d basis rays +-q_i at the same radii
 * (issue 15: in d = 32 no random point comes near a given axis, and the near-miss
 * control below breaks the identity along one axis).
 *
 * Statistic and band: the worst log10(error) over every run (d, kernel, seed) against
 * (-inf, -10] (the lemma is an identity: one bad run is a counterexample, so the worst
 * run is graded, not a mean). Its s.e. is the seed-to-seed s.e. of each seed's worst
 * log10 error (t-based, over the seed indices), so that a control's distance from the
 * band can be stated in s.e. (issue 15 item 4). Pilot (notes): 1.0e-15 at d = 8.
 * Judged through the kit: one points x seeds table per kernel (th_table_collect).
 *
 * Controls (both graded by the same judge, both must FAIL):
 *  - "one-negative" (near miss, issue 15): all of the hypothesis but one point: the
 *    negative of one basis vector is missing (2d - 1 training points). The removed one
 *    is -x_k with k = argmax_i |beta.q_i|, so the broken pair carries the largest
 *    share of the target (the lemma's conclusion fails for any beta with beta.q_k != 0;
 *    the argmax keeps a chance small beta.q_k from hiding it). Prediction, fixed before
 *    running: along -q_k the fit no longer has the antisymmetric partner, so the error
 *    there is O(|beta.q_k|) relative to |x|, like the pilot's 1.5 without any negatives,
 *    i.e. log10 error ~ -1 ... 0, about 10 decades above the band, with a per-seed s.e.
 *    of order 0.3 decades (>> 3 s.e. outside).
 *  - "no-negatives" (kept; not a near miss): only the basis. The symmetry is gone in
 *    every direction (pilot: error 1.5-1.6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "kernel/kernel.h"

#define EL_LEN 5.0     /* basis vector length (their demo) */
#define EL_RADIUS 20.0 /* test ball radius */
#define EL_NBALL 2000
#define EL_NRAYS 64
#define EL_NRADII 7
static const double el_radii[EL_NRADII] = {0.5, 1, 2, 5, 10, 15, 20};
#define EL_FLOOR 1e-17 /* log-plot floor: an exact zero error is drawn here */

enum { M_ERR, M_RAY0, M_BASIS = M_RAY0 + EL_NRADII }; /* M_RAY0 + k: max relative error on the random rays at
                                                       * radius k; M_BASIS: max on the basis rays +-q_i */

/* Rows of Q: an orthonormal basis from modified Gram-Schmidt on a Gaussian matrix
 * (Haar-distributed rotation up to signs, which do not matter here). */
static void random_rotation(op_rng *r, int d, double *Q)
{
    for (int i = 0; i < d * d; i++) Q[i] = op_rng_normal(r);
    for (int i = 0; i < d; i++) {
        double *q = Q + (size_t)i * d;
        for (int pass = 0; pass < 2; pass++) /* twice is enough (Kahan) */
            for (int j = 0; j < i; j++) {
                const double *p = Q + (size_t)j * d;
                double c = 0;
                for (int k = 0; k < d; k++) c += q[k] * p[k];
                for (int k = 0; k < d; k++) q[k] -= c * p[k];
            }
        double nn = 0;
        for (int k = 0; k < d; k++) nn += q[k] * q[k];
        nn = sqrt(nn);
        for (int k = 0; k < d; k++) q[k] /= nn;
    }
}

static int el_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    (void)rng;
    int d = (int)th_get(p, "d");
    const char *ks = th_get_str(p, "kernel");
    kn_kind kind;
    OP_TRY(kn_kind_parse(ks, &kind));
    int neg = !(ctx->control && strcmp(ctx->control, "no-negatives") == 0);
    int one_neg = ctx->control && strcmp(ctx->control, "one-negative") == 0;
    int n = neg ? 2 * d - one_neg : d;
    int nrand = EL_NBALL + EL_NRAYS * EL_NRADII, nt = nrand + 2 * d * EL_NRADII;
    double *Q = op_malloc(sizeof(double) * (size_t)d * d), *X = op_malloc(sizeof(double) * (size_t)n * d);
    double *y = op_malloc(sizeof(double) * n), *beta = op_malloc(sizeof(double) * d);
    double *K = op_malloc(sizeof(double) * (size_t)n * n), *alpha = op_malloc(sizeof(double) * n);
    double *T = op_malloc(sizeof(double) * (size_t)nt * d), *Kc = op_malloc(sizeof(double) * (size_t)nt * n);
    double *f = op_malloc(sizeof(double) * nt), *v = op_malloc(sizeof(double) * d);
    int st = OP_OK;
    if (!Q || !X || !y || !beta || !K || !alpha || !T || !Kc || !f || !v) {
        st = OP_ENOMEM;
        goto done;
    }
    /* Data stream of the seed index: the same rotation, beta and test points for
     * every kernel and for the control (common random numbers). */
    op_rng data;
    op_rng_seed(&data, ctx->data_seed);
    random_rotation(&data, d, Q);
    for (int k = 0; k < d; k++) beta[k] = op_rng_normal(&data);
    /* one-negative: the basis vector whose negative is left out, argmax |beta.q_i| */
    int drop = -1;
    if (one_neg) {
        double best = -1;
        for (int i = 0; i < d; i++) {
            double c = 0;
            for (int k = 0; k < d; k++) c += beta[k] * Q[(size_t)i * d + k];
            if (fabs(c) > best) {
                best = fabs(c);
                drop = i;
            }
        }
    }
    for (int i = 0, row = d; i < d; i++) {
        for (int k = 0; k < d; k++) X[(size_t)i * d + k] = EL_LEN * Q[(size_t)i * d + k];
        if (!neg || i == drop) continue;
        for (int k = 0; k < d; k++) X[(size_t)row * d + k] = -EL_LEN * Q[(size_t)i * d + k];
        row++;
    }
    for (int i = 0; i < n; i++) {
        double t = 0;
        for (int k = 0; k < d; k++) t += beta[k] * X[(size_t)i * d + k];
        y[i] = t;
    }
    /* Test points: uniform in the ball (direction x radius R U^(1/d)), then rays. */
    for (int i = 0; i < EL_NBALL; i++) {
        op_rng_unit_vector(&data, d, v);
        double r = EL_RADIUS * pow(op_rng_uniform_pos(&data), 1.0 / d);
        for (int k = 0; k < d; k++) T[(size_t)i * d + k] = r * v[k];
    }
    for (int j = 0; j < EL_NRAYS; j++) {
        op_rng_unit_vector(&data, d, v);
        for (int a = 0; a < EL_NRADII; a++) {
            double *t = T + (size_t)(EL_NBALL + a * EL_NRAYS + j) * d;
            for (int k = 0; k < d; k++) t[k] = el_radii[a] * v[k];
        }
    }
    for (int i = 0; i < 2 * d; i++) /* basis rays: +q_i, then -q_i */
        for (int a = 0; a < EL_NRADII; a++) {
            double *t = T + (size_t)(nrand + i * EL_NRADII + a) * d, sg = i < d ? 1 : -1;
            for (int k = 0; k < d; k++) t[k] = sg * el_radii[a] * Q[(size_t)(i % d) * d + k];
        }
    if ((st = kn_gram(kind, X, n, X, n, d, 1, 0.0, K))) goto done;
    /* Ridgeless: the minimum-norm interpolant, as in the lemma (their demo: K1, no ridge). */
    if ((st = kn_krr_fit(K, n, y, 0.0, alpha, NULL))) goto done;
    if ((st = kn_gram(kind, T, nt, X, n, d, 1, 0.0, Kc))) goto done;
    kn_krr_predict(Kc, nt, n, alpha, f);
    double worst = 0, ray[EL_NRADII] = {0}, basis = 0;
    for (int i = 0; i < nt; i++) {
        const double *t = T + (size_t)i * d;
        double lin = 0, nx = 0;
        for (int k = 0; k < d; k++) {
            lin += beta[k] * t[k];
            nx += t[k] * t[k];
        }
        double e = fabs(f[i] - lin) / sqrt(nx);
        if (!(e == e)) e = INFINITY;
        if (e > worst) worst = e;
        if (i >= nrand) {
            if (e > basis) basis = e;
        } else if (i >= EL_NBALL) {
            int a = (i - EL_NBALL) / EL_NRAYS;
            if (e > ray[a]) ray[a] = e;
        }
    }
    out->v[M_BASIS] = basis;
    out->v[M_ERR] = worst;
    for (int a = 0; a < EL_NRADII; a++) out->v[M_RAY0 + a] = ray[a];
    if (!isfinite(worst)) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite prediction");
done:
    free(Q);
    free(X);
    free(y);
    free(beta);
    free(K);
    free(alpha);
    free(T);
    free(Kc);
    free(f);
    free(v);
    return st;
}

/* log10 of a metric, floored at EL_FLOOR (an exact zero is drawn there). */
static double log10_err(const rec_record *r, void *user)
{
    double e = rec_metric(r, (const char *)user);
    return isfinite(e) ? log10(fmax(e, EL_FLOOR)) : NAN;
}

/* Grades the worst log10(error) over every run (the lemma is an identity: one bad
 * run is a counterexample, so no averaging); s.e. from the seeds' worst runs. The
 * figure: for each d the max over kernels and seeds of the ray error at each radius. */
static int el_judge(const th_judge_in *in, th_verdict *v)
{
    const char *kernels[4];
    int nk = th_distinct_str(in, "kernel", kernels, 4);
    th_table t[4];
    int st = OP_OK, nt = 0, nfail = 0, nok = 0;
    for (int k = 0; k < nk && !st; k++) {
        th_where w[] = {{"kernel", kernels[k], 0}, {NULL, NULL, 0}};
        st = th_table_collect_fn(in, "d", log10_err, (void *)"max_rel_err", w, &t[k]);
        if (!st) nt++;
    }
    /* per seed: the worst log10 error over d and kernel (a seed with a failed run has none) */
    double seed_worst[256], worst = NAN;
    int ns = 0;
    for (int s = 0; !st && nt && s < t[0].ns && ns < 256; s++) {
        double w = -INFINITY;
        for (int k = 0; k < nt; k++)
            for (int p = 0; p < t[k].np; p++) {
                double e = s < t[k].ns ? th_table_at(&t[k], p, s) : NAN;
                w = isnan(e) || isnan(w) ? NAN : fmax(w, e); /* a failed or missing run: no worst */
            }
        if (isfinite(w)) seed_worst[ns++] = w;
    }
    for (int k = 0; k < nt; k++) {
        double m = th_table_max(&t[k]);
        if (!(m <= worst)) worst = m;
        nfail += t[k].nfailed_total;
        for (int p = 0; p < t[k].np; p++) nok += t[k].nok[p];
    }
    for (int k = 0; k < nt; k++) th_table_free(&t[k]);
    OP_TRY(st);
    st_interval ci;
    st_interval_mean(seed_worst, ns, &ci);
    v->measured = nok && !nfail ? worst : NAN;
    v->se = ns >= 2 ? ci.se : NAN;
    v->predicted = -10;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=-10");
    v->lo = -INFINITY;
    v->hi = -10;
    v->grade = st_grade(v->measured, 0, v->lo, v->hi); /* an identity: no s.e. leniency */
    snprintf(v->extra, sizeof v->extra,
             "quantity=log10(max|f-beta.x|/|x|) max_rel_err=%.3g seed_worst_log10=%.3g±%.2g(90%%:[%.3g,%.3g]) "
             "seeds=%d runs=%d failed=%d",
             pow(10, worst), ci.mean, ci.se, ci.lo, ci.hi, ns, nok, nfail);
    snprintf(v->note, sizeof v->note, "worst max|f - beta.x|/|x| = %.2g (predicted < 1e-10)", pow(10, worst));
    th_add_ref(v, 0, -INFINITY, pow(10, v->hi), "graded: < %g (every d, kernel, seed)", pow(10, v->hi));
    /* one series per d: max over kernels and seeds of the random-ray error at each radius */
    double ds[TH_MAX_SERIES];
    int nd = th_distinct_num(in, "d", ds, TH_MAX_SERIES);
    v->nseries = nd;
    for (int q = 0; q < nd; q++) {
        th_series *s = &v->series[q];
        memset(s, 0, sizeof *s);
        snprintf(s->name, sizeof s->name, "d=%g %s", ds[q],
                 !in->control ? "basis and negatives" : strcmp(in->control, "one-negative") == 0
                                                            ? "one negative missing" : "basis only");
        s->n = EL_NRADII;
    }
    for (int a = 0; a < EL_NRADII; a++) {
        char mname[16];
        snprintf(mname, sizeof mname, "ray_err_%d", a);
        for (int q = 0; q < nd; q++) {
            th_series *s = &v->series[q];
            s->x[a] = el_radii[a];
            s->y[a] = s->yhi[a] = -INFINITY;
            s->ylo[a] = INFINITY;
            s->fit[a] = s->pred[a] = NAN;
        }
        for (int k = 0; k < nk; k++) {
            th_where w[] = {{"kernel", kernels[k], 0}, {NULL, NULL, 0}};
            th_table tr;
            OP_TRY(th_table_collect_fn(in, "d", log10_err, mname, w, &tr));
            for (int q = 0; q < nd; q++) {
                int p = th_table_find(&tr, ds[q]);
                if (p < 0) continue;
                th_series *s = &v->series[q];
                double vals[256];
                int c = th_table_row(&tr, p, vals);
                for (int i = 0; i < c; i++) {
                    s->y[a] = fmax(s->y[a], vals[i]);
                    s->ylo[a] = fmin(s->ylo[a], vals[i]);
                }
                s->nok[a] += tr.nok[p];
                s->nfailed[a] += tr.nfailed[p];
            }
            th_table_free(&tr);
        }
        for (int q = 0; q < nd; q++) { /* bars: min..max over kernels and seeds */
            th_series *s = &v->series[q];
            s->y[a] = s->yhi[a] = pow(10, s->y[a]);
            s->ylo[a] = pow(10, s->ylo[a]);
        }
    }
    return OP_OK;
}

const th_check th_extrapolate_lemma = {
    .id = "extrapolate-lemma",
    .graded = "log10 of the worst max |f(x) - beta.x|/|x| over all runs",
    .cite = {"xu2021how"},
    .citation = "Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, How neural networks extrapolate, ICLR 2021 "
                "(arXiv 2009.11848), Lemma 1 (Lemma 4 of the submission); demo protocol from "
                "github.com/jinglingli/nn-extrapolate",
    .claim = "A two-layer ReLU NTK regressor (no bias) trained on an orthogonal basis and its negatives "
             "with a linear target equals that linear function everywhere.",
    .prediction = "max over the radius-20 ball of |f(x) - beta.x|/|x| < 1e-10 (zero up to rounding), "
                  "kernels K1 and K1+K2, every d and seed",
    .band_source = "THEOREMS.md (exact identity; 1e-10 leaves room for the ridgeless jitter); "
                   "pilot 1.0e-15 at d=8, without negatives 1.5-1.6; worst run graded",
    .metrics = {"max_rel_err", "ray_err_0", "ray_err_1", "ray_err_2", "ray_err_3", "ray_err_4", "ray_err_5",
                "ray_err_6", "basis_ray_err"},
    .quick = {.axes = {{"d", 2, {8, 32}}, {"kernel", 2, {0}, {"k1", "k12"}}}, .seeds = 3},
    .full = {.axes = {{"d", 4, {2, 8, 32, 64}}, {"kernel", 2, {0}, {"k1", "k12"}}}, .seeds = 10},
    .controls = {{"one-negative", "near miss: the negative of one basis vector (the one along which beta varies "
                                  "most) is missing: the fit is not linear along that axis",
                  1},
                 {"no-negatives", "only the basis vectors, without their negatives: the symmetry that makes "
                                  "K(x,e) - K(x,-e) linear is gone, so the fit is not linear"}},
    .figures = {{"ray-error", "Xu et al. Lemma 1: error along random rays (max over rays; bars: min..max over kernels and seeds)",
                 "radius |x|", "max |f(x) - beta.x| / |x|  (exact zero drawn at 1e-17)", 1, 1, 5.0,
                 "basis length"}},
    .run = el_run,
    .judge = el_judge,
};
