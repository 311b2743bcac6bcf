/* intrinsic-dim: the samplers really are d-dimensional.
 *
 * Levina & Bickel, "Maximum likelihood estimation of intrinsic dimension", NeurIPS
 * 2004 (k-NN MLE, averaged over k = 10..20 as MacKay & Ghahramani advise), and
 * Facco, d'Errico, Rodriguez, Laio, "Estimating the intrinsic dimension of datasets
 * by a minimal neighborhood information", Sci. Rep. 7, 2017 (TwoNN). Both
 * estimators are implemented in manifolds/intdim.c; this check applies them to the
 * data the other Group M checks train on.
 *
 * Experiment: for every manifold kind in the registry (one instance each, plus a
 * few extra dimensions and a product) and ambient D in {natural, 64, 256}: n points
 * from mf_dataset_make (embedded isometrically into R^D by a Haar-random Q), both
 * estimates. Points and Q come from the run's own seed, so the three D values of a
 * manifold are three independent samples (the estimators see only distances, which
 * the isometry preserves: D tests the embedding, the sample tests the sampler).
 *
 * Claim graded per dataset: "the data are d-dimensional", with the tolerance of
 * THEOREMS.md: |estimate - d| <= tol(d), tol = 0.3 for d <= 3, else 0.1 d. The graded
 * number is the worst score max |estimate - d| / tol(d) over datasets and both
 * estimators, band [0, 1] (predicted 0). The worst relative deviation |est - d| / d is
 * printed as an extra field.
 *
 * Control "ball": every dataset is replaced by a uniform full-dimensional ball
 * B^12 (natural dimension 12, embedded in R^max(D,12)) while the claimed d stays that
 * of the manifold it replaces. The estimators then see ~10-12 dimensions, far outside
 * the tolerance of every claimed d (1..6), so the check must FAIL for it. (Twelve is
 * large enough to be far from every claimed d and small enough that n = 2000 points
 * still give an estimate near 12 rather than the underestimate of high dimensions.) */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "manifolds/intdim.h"

enum { M_D, M_MLE, M_TWONN, M_DDATA };

#define ID_BALL_DIM 12
#define ID_K1 10
#define ID_K2 20

static double id_tol(double d) { return d <= 3 ? 0.3 : 0.1 * d; }

static int id_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    (void)rng;
    const char *spec = th_get_str(p, "manifold");
    int D = (int)th_get(p, "D");
    long n = (long)th_get(p, "n");
    int ball = ctx->control && strcmp(ctx->control, "ball") == 0;
    /* the claimed d: the intrinsic dimension of the registry manifold */
    mf_manifold *m;
    OP_TRY(mf_manifold_parse(spec, &m));
    int d = mf_manifold_dim(m);
    mf_manifold_free(m);
    char ballspec[32];
    snprintf(ballspec, sizeof ballspec, "ball:d=%d", ID_BALL_DIM);
    mf_dataset_spec s = {.manifold = ball ? ballspec : spec,
                         .D = ball && D > 0 && D < ID_BALL_DIM ? ID_BALL_DIM : D,
                         .n = n,
                         .sample_seed = ctx->seed,
                         .embed_seed = op_seed_from_key("embed", ctx->seed)};
    mf_dataset ds;
    OP_TRY(mf_dataset_make(&s, &ds));
    double mle = NAN, two = NAN;
    int st = mf_intdim_mle(ds.X, ds.n, ds.D, ID_K1, ID_K2, &mle);
    if (!st) st = mf_intdim_twonn(ds.X, ds.n, ds.D, &two);
    out->v[M_D] = d;
    out->v[M_MLE] = mle;
    out->v[M_TWONN] = two;
    out->v[M_DDATA] = ds.d;
    mf_dataset_free(&ds);
    if (st) return st;
    return isfinite(mle) && isfinite(two) ? OP_OK : op_error_set(OP_EDIVERGE, __FILE__, __LINE__,
                                                                 "non-finite estimate");
}

/* One series per estimator: x = claimed d, y = mean estimate over the datasets with
 * that d (bars: min..max), pred = the line y = x. */
static void id_series(const th_judge_in *in, int metric, const char *name, th_series *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->figure = 0;
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        double d = rec_metric(r, "d_claimed"), e = rec_metric(r, in->check->metrics[metric]);
        int k = 0;
        while (k < s->n && s->x[k] != d) k++;
        if (k == s->n) {
            if (s->n == TH_MAX_POINTS || !isfinite(d)) continue;
            int j = s->n++;
            while (j > 0 && s->x[j - 1] > d) { /* keep x ascending */
                s->x[j] = s->x[j - 1];
                s->y[j] = s->y[j - 1];
                s->ylo[j] = s->ylo[j - 1];
                s->yhi[j] = s->yhi[j - 1];
                s->nok[j] = s->nok[j - 1];
                s->nfailed[j] = s->nfailed[j - 1];
                j--;
            }
            k = j;
            s->x[k] = d;
            s->y[k] = 0;
            s->ylo[k] = INFINITY;
            s->yhi[k] = -INFINITY;
            s->nok[k] = s->nfailed[k] = 0;
        }
        if (r->status != REC_OK || !isfinite(e)) {
            s->nfailed[k]++;
            continue;
        }
        s->y[k] += e;
        s->nok[k]++;
        if (e < s->ylo[k]) s->ylo[k] = e;
        if (e > s->yhi[k]) s->yhi[k] = e;
    }
    for (int k = 0; k < s->n; k++) {
        s->y[k] = s->nok[k] ? s->y[k] / s->nok[k] : NAN;
        s->fit[k] = NAN;
        s->pred[k] = s->x[k];
    }
    snprintf(s->pred_title, sizeof s->pred_title, "estimate = d");
}

static int id_judge(const th_judge_in *in, th_verdict *v)
{
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "intrinsic-dim: no records to judge");
    double worst = 0, worst_rel = 0;
    const char *worst_spec = "";
    double worst_d = NAN, worst_est = NAN, worst_D = NAN;
    int nfail = 0, nbad = 0;
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        if (r->status != REC_OK) {
            nbad++;
            continue;
        }
        double d = rec_metric(r, "d_claimed");
        double est[2] = {rec_metric(r, "mle"), rec_metric(r, "twonn")};
        int out_of_tol = 0;
        for (int e = 0; e < 2; e++) {
            double sc = fabs(est[e] - d) / id_tol(d), rel = fabs(est[e] - d) / d;
            if (!isfinite(sc)) sc = INFINITY;
            if (sc > 1) out_of_tol = 1;
            if (rel > worst_rel) worst_rel = rel;
            if (sc > worst) {
                worst = sc;
                worst_spec = rec_param_str(r, "manifold");
                worst_d = d;
                worst_est = est[e];
                worst_D = rec_param(r, "D");
            }
        }
        nfail += out_of_tol;
    }
    v->measured = nbad ? INFINITY : worst;
    v->se = 0;
    v->predicted = 0;
    v->lo = 0;
    v->hi = 1;
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    snprintf(v->extra, sizeof v->extra,
             "quantity=max|est-d|/tol(d) tol=0.3(d<=3),0.1d datasets=%d out_of_tol=%d failed_runs=%d "
             "max_rel_dev=%.3g worst=%s@D=%g(d=%g,est=%.3g)",
             in->nrecs, nfail, nbad, worst_rel, worst_spec ? worst_spec : "?", worst_D, worst_d, worst_est);
    snprintf(v->note, sizeof v->note, "worst |est-d|/tol %.2f (pass <= 1), %d of %d datasets out of tolerance",
             worst, nfail, in->nrecs);
    const char *ctl = in->control;
    char nm[48];
    v->nseries = 2;
    snprintf(nm, sizeof nm, "%sLevina-Bickel MLE (k=10..20)", ctl ? "B^12 data: " : "");
    id_series(in, M_MLE, nm, &v->series[0]);
    snprintf(nm, sizeof nm, "%sTwoNN", ctl ? "B^12 data: " : "");
    id_series(in, M_TWONN, nm, &v->series[1]);
    return OP_OK;
}

/* One instance of every manifold kind in the registry (manifolds/registry.c), a few
 * more dimensions, and a product. */
#define ID_QUICK_MANIFOLDS                                                                                  \
    "sphere:d=1", "sphere:d=2", "sphere:d=5", "torus:d=2", "torus:d=3", "ball:d=3", "so3", "so:n=4",       \
        "stiefel:k=2,n=4", "grassmann:k=2,n=4", "swissroll", "helix", "moebius", "klein", "sphere:d=1*torus:d=1"

const th_check th_intrinsic_dim = {
    .id = "intrinsic-dim",
    .citation = "Levina & Bickel, Maximum likelihood estimation of intrinsic dimension, NeurIPS 2004 (k-NN MLE); "
                "Facco, d'Errico, Rodriguez, Laio, Sci. Rep. 7:12140, 2017 (TwoNN)",
    .claim = "Every manifold sampler produces d-dimensional data, at its natural dimension and embedded in "
             "R^64 and R^256: both estimators recover d.",
    .prediction = "MLE and TwoNN within 0.3 of d (d <= 3) or 10% of d (d > 3) on every dataset: "
                  "max |est-d|/tol = 0 ideally, <= 1 required",
    .band_source = "THEOREMS.md intrinsic-dim (tolerance 10% or +-0.3 for d <= 3); estimator bias at n = 2000 "
                   "measured in tests/test_mf_intdim.c",
    .metrics = {"d_claimed", "mle", "twonn", "d_data"},
    .quick = {.axes = {{"manifold", 15, {0}, {ID_QUICK_MANIFOLDS}}, {"D", 3, {0, 64, 256}}, {"n", 1, {2000}}},
              .seeds = 1},
    .full = {.axes = {{"manifold", 19, {0}, {ID_QUICK_MANIFOLDS, "torus:d=1", "sphere:d=3", "so:n=3",
                                              "stiefel:k=1,n=4"}},
                      {"D", 3, {0, 64, 256}},
                      {"n", 1, {4000}}},
             .seeds = 3},
    .controls = {{"ball", "every dataset replaced by a uniform 12-dimensional ball while the manifold's d is still "
                          "claimed: the estimates are ~10-12, so 'the data are d-dimensional' must FAIL"}},
    .figures = {{"estimates", "intrinsic dimension: estimate vs true d (mean over manifolds and D; bars min..max)",
                 "intrinsic dimension d (claimed)", "estimated dimension", 0, 0, 0, NULL}},
    .run = id_run,
    .judge = id_judge,
};
