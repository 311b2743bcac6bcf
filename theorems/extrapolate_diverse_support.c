/* extrapolate-diverse-support: linear targets need diverse training directions.
 *
 * Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, "How neural networks extrapolate",
 * ICLR 2021 (arXiv 2009.11848), Theorem 2 (Thm 5 of the submission) and their
 * Fig. 3 / 4b. Two-layer ReLU MLP in the NTK regime, linear target beta.x: if the
 * training support contains a connected set S such that every direction w has some
 * k > 0 with k w in S, the regressor converges to beta.x everywhere as n grows; with
 * restricted directions (one coordinate fixed, coordinates of one sign) it does not.
 *
 * Experiment: kernel regression with the bias-free two-layer NTK K1 + K2
 * (src/kernel; the infinite-width limit the theorem is about), ridge 1e-8 (the
 * pilot's), n = 500 training points, beta ~ N(0, I_d), d in {2, 4, 8}. Training
 * geometries ("support" axis, index 1..4 in the figure):
 *   all       uniform (by volume) in the unit ball: every direction is present;
 *   x1-pos    the same with x1 -> |x1| (half ball);
 *   x1-fixed  the same with x1 := 0.1 (a slab: directions with x1 <= 0 are absent);
 *   all-pos   every coordinate -> |coordinate| (positive orthant).
 * Out-of-distribution test set: 2000 points with uniform direction and radius
 * uniform in [1, 5] (a shell outside the training ball; radius-uniform rather than
 * volume-uniform so every radius counts equally). MAPE = 100 * median |yhat - y|/|y|
 * (the median as in Xu et al.'s MLPs.py: the mean explodes near zeros of beta.x).
 * Prediction (graded): MAPE of "all" < 1% for every d: measured = the largest over
 * d of the mean over seeds, band (-inf, 1]. The other geometries are reported and
 * plotted (not graded: Thm 2 says nothing quantitative about them).
 * Pilot (notes, d = 8, n = 500): all 0.26%, x1 > 0 0.69%, x1 = 0.1 3.3%, all > 0 92%.
 * Control "positive-orthant": the graded geometry "all" is replaced by the positive
 * orthant (Thm 2's condition fails: no direction with a negative coordinate is
 * seen); pilot 92% > 30%, so the same judge must FAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "kernel/kernel.h"

#define DS_NTEST 2000
#define DS_RIDGE 1e-8
#define DS_RMIN 1.0
#define DS_RMAX 5.0
#define DS_NGEOM 4
static const char *const ds_geom[DS_NGEOM] = {"all", "x1-pos", "x1-fixed", "all-pos"};

enum { M_MAPE };

static int geom_index(const char *s)
{
    for (int g = 0; g < DS_NGEOM; g++)
        if (s && strcmp(s, ds_geom[g]) == 0) return g;
    return -1;
}

static int ds_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    (void)rng;
    int d = (int)th_get(p, "d"), n = (int)th_get(p, "n");
    int g = geom_index(th_get_str(p, "support"));
    if (g < 0) OP_ERROR(OP_EINTERNAL, "extrapolate-diverse-support: unknown support");
    if (g == 0 && ctx->control && strcmp(ctx->control, "positive-orthant") == 0) g = 3;
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
    /* One data stream per seed index: beta, the base ball sample (transformed per
     * geometry, so the geometries differ only by the reflection / slab), tests. */
    op_rng data;
    op_rng_seed(&data, ctx->data_seed);
    for (int k = 0; k < d; k++) beta[k] = op_rng_normal(&data);
    for (int i = 0; i < n; i++) {
        double *x = X + (size_t)i * d;
        op_rng_unit_vector(&data, d, x);
        double r = pow(op_rng_uniform_pos(&data), 1.0 / d); /* volume-uniform in the unit ball */
        for (int k = 0; k < d; k++) x[k] *= r;
        if (g == 1) x[0] = fabs(x[0]);
        if (g == 2) x[0] = 0.1;
        if (g == 3)
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

static int ds_judge(const th_judge_in *in, th_verdict *v)
{
    /* distinct d values (ascending) */
    double ds[TH_MAX_SERIES];
    int nd = 0;
    for (int i = 0; i < in->nrecs; i++) {
        double d = rec_param(&in->recs[i], "d");
        int k = 0;
        while (k < nd && ds[k] != d) k++;
        if (k == nd && nd < TH_MAX_SERIES) ds[nd++] = d;
    }
    double worst = -INFINITY, worst_se = NAN, gmean[DS_NGEOM] = {0};
    int gcount[DS_NGEOM] = {0}, missing = 0;
    v->nseries = nd;
    for (int k = 0; k < nd; k++) {
        th_series *s = &v->series[k];
        memset(s, 0, sizeof *s);
        snprintf(s->name, sizeof s->name, "d=%g%s", ds[k], in->control ? " support 1 -> positive orthant" : "");
        s->figure = 0;
        s->n = 0;
        for (int g = 0; g < DS_NGEOM; g++) {
            th_groups gr;
            OP_TRY(th_group(in, "d", M_MAPE, "support", ds_geom[g], NULL, 0, &gr));
            int j = 0;
            while (j < gr.n && gr.x[j] != ds[k]) j++;
            if (j == gr.n || gr.nok[j] == 0) {
                if (g == 0) missing = 1;
                th_groups_free(&gr);
                continue;
            }
            double mu, se, lo = INFINITY, hi = -INFINITY;
            st_mean_se(gr.vals[j], gr.nok[j], &mu, &se);
            gmean[g] += mu;
            gcount[g]++;
            if (g == 0 && (mu > worst || !isfinite(worst))) {
                worst = mu;
                worst_se = se;
            }
            if (in->control && g > 0) { /* the control changes only support 1: plot just that */
                th_groups_free(&gr);
                continue;
            }
            for (int i = 0; i < gr.nok[j]; i++) {
                lo = fmin(lo, gr.vals[j][i]);
                hi = fmax(hi, gr.vals[j][i]);
            }
            int q = s->n++;
            s->x[q] = g + 1;
            s->y[q] = mu;
            s->ylo[q] = lo;
            s->yhi[q] = hi;
            s->fit[q] = s->pred[q] = NAN;
            s->nok[q] = gr.nok[j];
            s->nfailed[q] = gr.nfailed[j];
            if (g == 0 && gr.nfailed[j]) missing = 1;
            th_groups_free(&gr);
        }
    }
    v->measured = missing ? NAN : worst;
    v->se = worst_se;
    v->predicted = 1;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<1%%");
    v->lo = -INFINITY;
    v->hi = 1;
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    char parts[4][40];
    for (int g = 0; g < DS_NGEOM; g++)
        snprintf(parts[g], sizeof parts[g], "%s=%.3g%%", g == 0 && in->control ? "all(->pos)" : ds_geom[g],
                 gcount[g] ? gmean[g] / gcount[g] : NAN);
    snprintf(v->extra, sizeof v->extra,
             "quantity=max_d(mean MAPE%% of support 'all') mean-over-d: %s %s %s %s", parts[0], parts[1], parts[2],
             parts[3]);
    snprintf(v->note, sizeof v->note, "MAPE (support all, worst d) %.3g%% +- %.2g (predicted < 1%%)", v->measured,
             v->se);
    return OP_OK;
}

const th_check th_extrapolate_diverse_support = {
    .id = "extrapolate-diverse-support",
    .citation = "Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, How neural networks extrapolate, ICLR 2021 "
                "(arXiv 2009.11848), Theorem 2 (Thm 5 of the submission), Fig. 3/4b; MAPE as in their MLPs.py",
    .claim = "A two-layer ReLU NTK regressor (no bias) fitting a linear target extrapolates it correctly when "
             "the training support covers every direction; restricted directions break extrapolation.",
    .prediction = "out-of-distribution (radius 1..5) median APE < 1% when training on the whole unit ball, "
                  "d = 2, 4, 8, n = 500",
    .band_source = "THEOREMS.md; pilot (d=8, n=500) all 0.26%, x1>0 0.69%, x1=0.1 3.3%, all>0 92%",
    .metrics = {"mape"},
    .quick = {.axes = {{"d", 3, {2, 4, 8}},
                       {"n", 1, {500}},
                       {"support", 4, {0}, {"all", "x1-pos", "x1-fixed", "all-pos"}}},
              .seeds = 3},
    .full = {.axes = {{"d", 3, {2, 4, 8}},
                      {"n", 1, {1000}},
                      {"support", 4, {0}, {"all", "x1-pos", "x1-fixed", "all-pos"}}},
             .seeds = 10},
    .controls = {{"positive-orthant", "training inputs restricted to the positive orthant: most directions are "
                                      "never seen, so the linear target is not extrapolated"}},
    .figures = {{"mape-by-support", "Xu et al. Thm 2: extrapolation error by training support (NTK, no bias)",
                 "training support: 1 all, 2 x1>0, 3 x1=0.1, 4 all coordinates > 0",
                 "OOD MAPE % (mean over seeds; bars min..max)", 0, 1, 1.5, "graded: support 1"}},
    .run = ds_run,
    .judge = ds_judge,
};
