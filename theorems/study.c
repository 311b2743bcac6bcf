/* A study's check (theorems/study.h, docs/study.md): the th_check built at run time
 * from a parsed study file, its run function (manifold data, a ConvResNet or MLP, the
 * declared training budget) and its judge (the judge kit only).
 *
 * The run is manifold-rate's (theorems/manifold_rate.c) with the numbers read from
 * the file: with the same settings and seed_name = manifold-rate the records are
 * those of the built-in check, bit for bit (tests/study_example.sh asserts it).
 * The judge generalises manifold-rate's: per-curve slope bands from a formula, the
 * D-invariance (TOST) and a d-contrast between manifolds of different d. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"
#include "study.h"

enum { M_TEST, M_BEST_EPOCH, M_EPOCHS, M_VAL, M_TRAIN, M_PARAMS };

static const char *const size_axis[SY_NSIZE] = {"channels", "blocks", "width", "depth"};

/* The check first, so a th_check pointer from the engine is the sy_check's. */
typedef struct {
    th_check c;
    sy_study s;
    char tag[32];
    char prediction[256], graded[160], band_source[SY_TEXT + 64], citation[SY_TEXT + 64];
    char fig_title[320], xlabel[64], ylabel[64];
    char valid[96];
} sy_check;

static int sy_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out);

/* A study's check is the one whose run function is sy_run. */
const sy_study *sy_check_study(const th_check *c)
{
    return c && c->run == sy_run ? &((const sy_check *)c)->s : NULL;
}

static double sy_dim(const char *spec)
{
    double d = sy_manifold_dim(spec, NULL);
    if (isnan(d)) op_error_clear();
    return d;
}

static int sy_validate(const char *spec, double D)
{
    int N = 0;
    if (isnan(sy_manifold_dim(spec, &N))) return OP_EUSAGE;
    if (D < N) OP_ERROR(OP_EUSAGE, "--ambient %g is smaller than the embedding dimension %d of %s", D, N, spec);
    return OP_OK;
}

/* The model of one run: the study's net with the size axis's value, if any. */
static nn_config sy_config(const sy_study *s, const th_params *p, int D)
{
    int v[SY_NSIZE];
    for (int k = 0; k < SY_NSIZE; k++) v[k] = (int)s->size[k][0];
    if (s->size_key != SY_SIZE_NONE) v[s->size_key] = (int)th_get(p, size_axis[s->size_key]);
    if (s->family == SY_FAMILY_MLP) return nn_config_mlp(D, v[SY_SIZE_DEPTH], v[SY_SIZE_WIDTH], 1, NN_PARAM_STANDARD);
    return nn_config_convresnet1d(D, v[SY_SIZE_CHANNELS], s->kernel, s->layers, v[SY_SIZE_BLOCKS], 1);
}

static int sy_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    const sy_study *s = sy_check_study(ctx->check);
    const char *spec = th_get_str(p, "manifold");
    int D = (int)th_get(p, "D");
    long n = (long)th_get(p, "n");
    const char *target = s->target;
    double noise = s->label_noise;
    if (ctx->control) {
        const sy_control *c = NULL;
        for (int i = 0; i < s->ncontrols; i++)
            if (!strcmp(s->controls[i].name, ctx->control)) c = &s->controls[i];
        if (!c) OP_ERROR(OP_EINTERNAL, "%s: no control %s", s->id, ctx->control);
        if (c->manifold[0]) spec = c->manifold;
        if (c->target[0]) target = c->target;
        if (!isnan(c->label_noise)) noise = c->label_noise;
        if (D < c->min_ambient) D = c->min_ambient;
    }
    OP_TRY(sy_validate(spec, D));
    /* As manifold-rate: one target, embedding and point stream per seed index and
     * manifold, in one dataset call: rows [0, nval) validation (noisy), [nval,
     * nval+ntest) test (noise-free f), then the nested training pool. */
    uint64_t tseed, eseed, sseed;
    th_dataset_seeds(spec, D, ctx->data_seed, &tseed, &eseed, &sseed);
    mf_dataset ds = {0};
    nn_model *m = NULL;
    double *pred = NULL;
    long off_te = s->nval, off_tr = s->nval + s->ntest;
    mf_dataset_spec dsp = {.manifold = spec, .D = D, .n = off_tr + n, .target = target, .label_noise = noise,
                           .target_seed = tseed, .embed_seed = eseed, .sample_seed = sseed};
    int st = mf_dataset_make(&dsp, &ds);
    nn_config cfg = sy_config(s, p, D);
    cfg.conv = ctx->conv; /* --conv */
    if (!st) st = nn_model_create(&cfg, NN_F32, 256, &m);
    if (!st && !(pred = op_malloc(sizeof(double) * (size_t)s->ntest))) st = OP_ENOMEM;
    if (!st) {
        nn_model_init(m, rng);
        nn_train_opts o;
        nn_train_opts_default(&o);
        o.lr = s->lr;
        o.cosine = s->cosine;
        o.batch = s->batch;
        long spe = (n + s->batch - 1) / s->batch;
        o.epochs = s->epochs + (int)((s->extra_steps + spe - 1) / spe); /* E epochs + S steps */
        o.patience = s->patience;
        o.keep_best = s->keep_best;
        o.seed = op_rng_u64(rng);
        nn_dataset dt = {n, D, 1, ds.X + (size_t)off_tr * D, ds.y + off_tr}, dv = {s->nval, D, 1, ds.X, ds.y};
        nn_train_result res;
        st = nn_train(m, &dt, &dv, &o, &res);
        if (!st) st = nn_predict(m, ds.X + (size_t)off_te * D, s->ntest, pred);
        if (!st) {
            const double *f = ds.f + off_te;
            double e = 0;
            for (long i = 0; i < s->ntest; i++) e += (pred[i] - f[i]) * (pred[i] - f[i]);
            out->v[M_TEST] = e / (double)s->ntest;
            out->v[M_BEST_EPOCH] = res.best_epoch;
            out->v[M_EPOCHS] = res.epochs_run;
            out->v[M_VAL] = res.best_val_loss;
            out->v[M_TRAIN] = res.train_loss;
            out->v[M_PARAMS] = (double)m->nparams; /* recorded only when x = params */
            if (!isfinite(out->v[M_TEST])) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "test MSE not finite");
        }
    }
    free(pred);
    nn_model_free(m);
    mf_dataset_free(&ds);
    return st;
}

/* ---- judge ---- */

static int sy_metric(const sy_study *s)
{
    return !strcmp(s->quantity, "best_val_loss") ? M_VAL : !strcmp(s->quantity, "train_loss") ? M_TRAIN : M_TEST;
}

static const char *sy_xname(const sy_study *s) { return s->x == SY_X_N ? "n" : size_axis[s->size_key]; }

static int sy_pred(const sy_study *s, double d, double D, double *out)
{
    return sy_expr_eval(s->predicted, d, s->smoothness, D, out);
}

/* The table of log quantity of one (manifold, D) curve; under x = params its rows are
 * re-keyed by the parameter count the runs recorded. */
static int sy_table(const th_judge_in *in, const char *spec, double D, th_table *t)
{
    const sy_study *s = sy_check_study(in->check);
    th_where w[] = {{"manifold", spec, 0}, {"D", NULL, D}, {NULL, NULL, 0}};
    OP_TRY(th_table_collect(in, sy_xname(s), sy_metric(s), w, t));
    int st = th_table_log(t, in, s->quantity);
    if (!st && s->x == SY_X_PARAMS) {
        th_table np;
        st = th_table_collect(in, sy_xname(s), M_PARAMS, w, &np);
        if (!st) {
            double newx[TH_MAX_POINTS];
            for (int p = 0; p < t->np; p++) {
                newx[p] = NAN;
                for (int k = 0; k < np.ns && isnan(newx[p]); k++)
                    if (isfinite(th_table_at(&np, p, k))) newx[p] = th_table_at(&np, p, k);
            }
            th_table_free(&np);
            st = th_table_rekey(t, newx);
        }
    }
    if (st) th_table_free(t);
    return st;
}

typedef struct {
    char spec[SY_SPEC];
    double d, D, slope, se, pred, lo, hi;
    st_grade_t grade;
    st_rate rate;
    int n;
    double x[TH_MAX_POINTS], y[TH_MAX_POINTS]; /* exp(mean log) per point */
} sy_curve;

/* One curve's paired rate against the formula's band (th_judge_rate_where's steps, with
 * the re-keyed table of sy_table). */
static int sy_curve_judge(const th_judge_in *in, const char *spec, double D, sy_curve *cv, th_series *out)
{
    const sy_study *s = sy_check_study(in->check);
    memset(cv, 0, sizeof *cv);
    snprintf(cv->spec, sizeof cv->spec, "%s", spec);
    cv->d = sy_dim(spec);
    cv->D = D;
    OP_TRY(sy_pred(s, cv->d, D, &cv->pred));
    cv->lo = cv->pred + s->band_lo;
    cv->hi = cv->pred + s->band_hi;
    th_table t;
    OP_TRY(sy_table(in, spec, D, &t));
    th_series ser;
    memset(&ser, 0, sizeof ser);
    th_table_series(&t, 1, &ser);
    cv->n = ser.n;
    for (int k = 0; k < ser.n; k++) {
        cv->x[k] = ser.x[k];
        cv->y[k] = ser.y[k];
    }
    cv->slope = cv->se = NAN;
    cv->grade = ST_FAIL;
    int st = OP_OK;
    if (ser.n >= 3) {
        st = th_table_rate(&t, in, cv->pred, &cv->rate, NULL);
        if (!st) {
            cv->slope = cv->rate.slope.mean;
            cv->se = cv->rate.slope.se;
            cv->grade = st_grade(cv->slope, cv->se, cv->lo, cv->hi);
            if (cv->rate.plateau) cv->grade = st_grade_worst(cv->grade, ST_MARGINAL);
            double ly[TH_MAX_POINTS];
            for (int i = 0; i < ser.n; i++) ly[i] = log(ser.y[i]);
            st_fit line = {.intercept = cv->rate.intercept, .slope = cv->slope};
            th_series_fit_lines(&ser, ser.x, ly, ser.n, &line, cv->pred);
            snprintf(ser.fit_title, sizeof ser.fit_title, "fit: slope %.3f ± %.3f (paired)", cv->slope, cv->se);
            snprintf(ser.pred_title, sizeof ser.pred_title, "predicted slope %.3f", cv->pred);
        }
    }
    th_table_free(&t);
    if (!st && out) {
        *out = ser;
        snprintf(out->name, sizeof out->name, "%.16s%s%.24s, D=%g", in->control ? in->control : "",
                 in->control ? " as " : "", spec, D);
    }
    return st;
}

/* D-invariance of one manifold between D1 and D2: the kit's th_dinv_judge on the
 * two curves' tables (the criteria off that the file does not declare). */
static int sy_dinv_judge(const th_judge_in *in, const char *spec, double D1, double D2, th_dinv *o)
{
    const sy_study *s = sy_check_study(in->check);
    th_table a, b;
    OP_TRY(sy_table(in, spec, D1, &a));
    int st = sy_table(in, spec, D2, &b);
    if (!st) {
        st = th_dinv_judge(&a, &b, in, s->d_invariance, s->d_ratio_lo, s->d_ratio_hi, o);
        th_table_free(&b);
    }
    th_table_free(&a);
    return st;
}

/* The formula's difference f(d_b) - f(d_a) with each d moved by -+ tol: its range
 * (contrast_higher_only: only d_b moves, d_a is taken as announced -- the built-in
 * manifold-rate's band, [0.095, 0.222] for d = 1, 2 and tol 0.5, against [0, 0.356]). */
static int sy_contrast_band(const sy_study *s, double da, double db, double D, double *pred, double *lo, double *hi)
{
    double fa, fb;
    OP_TRY(sy_pred(s, da, D, &fa));
    OP_TRY(sy_pred(s, db, D, &fb));
    *pred = fb - fa;
    *lo = INFINITY;
    *hi = -INFINITY;
    const double t = s->contrast_tol;
    const double ta = s->contrast_higher_only ? 0 : t;
    for (int i = -1; i <= 1; i += 2)
        for (int j = -1; j <= 1; j += 2) {
            double ga, gb;
            OP_TRY(sy_pred(s, da + i * ta, D, &ga));
            OP_TRY(sy_pred(s, db + j * t, D, &gb));
            *lo = fmin(*lo, gb - ga);
            *hi = fmax(*hi, gb - ga);
        }
    return OP_OK;
}

#define SY_MAX_CURVES 16

typedef struct {
    int have;
    char a[SY_SPEC], b[SY_SPEC];
    double D, pred, lo, hi, ratio_min;
    double ratio_all; /* the smallest level ratio over every pair and D (reported) */
    st_interval diff;
    int paired;
    st_grade_t grade;
} sy_contrast;

/* One pair of the d-contrast, manifold a against b at D: the paired slope difference
 * b - a (th_rate_diff) against the formula's band (st_grade), and the smallest level
 * ratio y_b / y_a of the curves' geometric means at a common point, which FAILs the
 * pair below contrast_ratio_min. Without contrast_tolerance (compare --study reports
 * the pair ungraded) only the prediction: band NaN, grade meaningless. */
static int sy_contrast_pair(const th_judge_in *in, const char *a, const char *b, double D, sy_contrast *c)
{
    const sy_study *s = sy_check_study(in->check);
    memset(c, 0, sizeof *c);
    c->have = 1;
    snprintf(c->a, sizeof c->a, "%s", a);
    snprintf(c->b, sizeof c->b, "%s", b);
    c->D = D;
    double da = sy_dim(a), db = sy_dim(b);
    if (!isnan(s->contrast_tol))
        OP_TRY(sy_contrast_band(s, da, db, D, &c->pred, &c->lo, &c->hi));
    else {
        double fa, fb;
        OP_TRY(sy_pred(s, da, D, &fa));
        OP_TRY(sy_pred(s, db, D, &fb));
        c->pred = fb - fa;
        c->lo = c->hi = NAN;
    }
    th_table ta, tb;
    OP_TRY(sy_table(in, a, D, &ta));
    int st = sy_table(in, b, D, &tb);
    if (!st) {
        st = th_rate_diff(&ta, &tb, in, &c->diff, &c->paired);
        if (!st) { /* the points of the curves sy_curve_judge draws */
            th_series sa, sb;
            th_table_series(&ta, 1, &sa);
            th_table_series(&tb, 1, &sb);
            c->ratio_min = INFINITY;
            for (int p = 0; p < sa.n; p++)
                for (int q = 0; q < sb.n; q++)
                    if (sa.x[p] == sb.x[q]) c->ratio_min = fmin(c->ratio_min, sb.y[q] / sa.y[p]);
        }
        th_table_free(&tb);
    }
    th_table_free(&ta);
    OP_TRY(st);
    c->grade = st_grade(c->diff.mean, c->diff.se, c->lo, c->hi);
    if (!isnan(s->contrast_ratio_min) && !(c->ratio_min >= s->contrast_ratio_min)) c->grade = ST_FAIL;
    return OP_OK;
}

/* Every pair of manifolds with d_a < d_b (or equal d, in file order) at every D
 * (sy_contrast_pair). The worst pair is kept (as the built-in manifold-rate does: worst
 * grade, then furthest outside its band). */
static int sy_contrast_judge(const th_judge_in *in, const char *const *specs, int nm, const double *Ds, int nD,
                             const sy_curve *cv, sy_contrast *w)
{
    memset(w, 0, sizeof *w);
    double ratio_all = INFINITY;
    for (int a = 0; a < nm; a++)
        for (int b = 0; b < nm; b++) {
            double da = cv[a * nD].d, db = cv[b * nD].d;
            if (!(da < db || (da == db && a < b))) continue; /* equal d: predicted 0 */
            for (int j = 0; j < nD; j++) {
                sy_contrast c;
                OP_TRY(sy_contrast_pair(in, specs[a], specs[b], Ds[j], &c));
                ratio_all = fmin(ratio_all, c.ratio_min);
                /* the worst grade; among equals, the pair furthest outside its band */
                double out_c = fmax(c.lo - c.diff.mean, c.diff.mean - c.hi);
                double out_w = fmax(w->lo - w->diff.mean, w->diff.mean - w->hi);
                if (!w->have || c.grade > w->grade || (c.grade == w->grade && !(out_c <= out_w))) *w = c;
            }
        }
    w->ratio_all = ratio_all;
    return OP_OK;
}

static int sy_judge(const th_judge_in *in, th_verdict *v)
{
    const sy_study *s = sy_check_study(in->check);
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "%s: no records to judge", s->id);
    const char *specs[SY_MAX_CURVES];
    double Ds[SY_MAX_CURVES];
    int nm = th_distinct_str(in, "manifold", specs, SY_MAX_CURVES);
    int nD = th_distinct_num(in, "D", Ds, SY_MAX_CURVES);
    if (nm < 1 || nD < 1) OP_ERROR(OP_EINTERNAL, "%s: records without manifold or D", s->id);
    if (nm * nD > SY_MAX_CURVES) OP_ERROR(OP_EUSAGE, "%s: at most %d curves (manifolds x D)", s->id, SY_MAX_CURVES);
    sy_curve *cv = op_calloc((size_t)(nm * nD), sizeof *cv);
    if (!cv) return OP_ENOMEM;
    int st = OP_OK, nc = 0;
    v->nseries = 0;
    for (int a = 0; a < nm && !st; a++)
        for (int b = 0; b < nD && !st; b++) {
            th_series *se = v->nseries < TH_MAX_SERIES ? &v->series[v->nseries++] : NULL;
            st = sy_curve_judge(in, specs[a], Ds[b], &cv[nc++], se);
        }
    /* graded number: the curve furthest outside (or nearest the edge of) its band */
    st_grade_t g = ST_PASS;
    int worst = 0;
    double wx = -INFINITY;
    char slopes[200] = "";
    for (int k = 0, o = 0; k < nc && !st; k++) {
        double ex = isfinite(cv[k].slope) ? fmax(cv[k].lo - cv[k].slope, cv[k].slope - cv[k].hi) : INFINITY;
        if (ex > wx) {
            wx = ex;
            worst = k;
        }
        g = st_grade_worst(g, cv[k].grade);
        if (o < (int)sizeof slopes)
            o += snprintf(slopes + o, sizeof slopes - (size_t)o, "%s%s/%g:%.2f", k ? "," : "", cv[k].spec, cv[k].D,
                          cv[k].slope);
    }
    /* D-invariance per manifold (the first D against every other) */
    th_dinv wd = {0};
    int have_D = 0;
    int want_D = !isnan(s->d_invariance) || !isnan(s->d_ratio_lo);
    for (int a = 0; a < nm && !st && want_D; a++)
        for (int b = 1; b < nD && !st; b++) {
            th_dinv di;
            st = sy_dinv_judge(in, specs[a], Ds[0], Ds[b], &di);
            if (st) break;
            st_grade_t gd = st_grade_worst(di.g_ds, di.g_lr);
            if (!have_D || gd > st_grade_worst(wd.g_ds, wd.g_lr) || fabs(di.ds.mean) > fabs(wd.ds.mean)) wd = di;
            g = st_grade_worst(g, gd);
            have_D = 1;
        }
    sy_contrast wc = {0};
    if (!st && !isnan(s->contrast_tol)) st = sy_contrast_judge(in, specs, nm, Ds, nD, cv, &wc);
    if (st) {
        free(cv);
        return st;
    }
    if (wc.have) g = st_grade_worst(g, wc.grade);
    const sy_curve *cw = &cv[worst];
    v->grade = g;
    /* The headline is the graded quantity furthest out (as in manifold-rate and
     * approx-blocks): the worst curve's slope, or the d-contrast when it is graded worse
     * or lies further outside its band in s.e. */
    int head_con = wc.have && (wc.grade > cw->grade ||
                               (wc.grade == cw->grade && th_band_out(wc.diff.mean, wc.diff.se, wc.lo, wc.hi) >
                                                             th_band_out(cw->slope, cw->se, cw->lo, cw->hi)));
    if (head_con) {
        th_verdict_head(v, wc.diff.mean, wc.diff.se, wc.pred, wc.lo, wc.hi);
        snprintf(v->extra, sizeof v->extra, "graded=d_contrast/D=%g worst=%.40s/D=%g", wc.D, cw->spec, cw->D);
    } else {
        th_verdict_head(v, cw->slope, cw->se, cw->pred, cw->lo, cw->hi);
        snprintf(v->extra, sizeof v->extra, "graded=%.40s/D=%g", cw->spec, cw->D);
    }
    if (cw->n >= 3) {
        char rate[200];
        th_rate_text(&cw->rate, rate, sizeof rate);
        th_extra_add(v, "%s", rate);
    } else
        th_extra_add(v, "points=%d(too few to fit)", cw->n);
    if (have_D && !isnan(s->d_invariance))
        th_extra_add(v, "dslope=%.3g(90%%:[%.3g,%.3g]%s vs [%g,%g] %s)", wd.ds.mean, wd.ds.lo, wd.ds.hi,
                     wd.paired ? "" : ",unpaired", -s->d_invariance, s->d_invariance, st_grade_name(wd.g_ds));
    if (have_D && !isnan(s->d_ratio_lo))
        th_extra_add(v, "D_ratio@%s=%g=%.3g(90%%:[%.3g,%.3g] vs [%g,%g] %s)",
                     s->x == SY_X_PARAMS ? "params" : sy_xname(s), wd.lr_x, exp(wd.lr.mean),
                     exp(wd.lr.lo), exp(wd.lr.hi), s->d_ratio_lo, s->d_ratio_hi, st_grade_name(wd.g_lr));
    if (wc.have) {
        th_extra_add(v, "d_contrast=%.3g±%.3g(%s-%s@D=%g%s predicted %.3g band [%.3g,%.3g] %s)", wc.diff.mean,
                     wc.diff.se, wc.b, wc.a, wc.D, wc.paired ? "" : ",unpaired", wc.pred, wc.lo, wc.hi,
                     st_grade_name(wc.grade));
        if (!isnan(s->contrast_ratio_min))
            th_extra_add(v, "d_ratio_min=%.3g(vs >=%g)", wc.ratio_all, s->contrast_ratio_min);
    }
    th_extra_add(v, "slopes=%s", slopes);
    snprintf(v->note, sizeof v->note, "worst curve %.40s, D=%g: slope %.3f ± %.3f, predicted %.3f", cw->spec, cw->D,
             cw->slope, cw->se, cw->pred);
    free(cv);
    return OP_OK;
}

/* ---- compare --study's pairs: the judge's own tables and d-contrast ---- */

/* A subset's log table for compare's D-equivalence: sy_dinv_judge's (re-keyed by the
 * parameter count at each D itself, so D_ref is not needed). */
static int sy_compare_table(const th_judge_in *in, const char *spec, double D, double D_ref, th_table *t)
{
    (void)D_ref;
    return sy_table(in, spec, D, t);
}

/* A d-contrast pair of compare --study: the judge's sy_contrast_pair, graded only when
 * the file sets contrast_tolerance (its contrast_ratio_min part in the detail). */
static int sy_compare_contrast(const th_judge_in *in, const char *ma, const char *mb, double D, th_pair *p)
{
    const sy_study *s = sy_check_study(in->check);
    sy_contrast c;
    OP_TRY(sy_contrast_pair(in, ma, mb, D, &c));
    p->diff = c.diff;
    p->paired = c.paired;
    p->pred = c.pred;
    p->lo = c.lo;
    p->hi = c.hi;
    p->graded = !isnan(s->contrast_tol);
    p->grade = c.grade;
    if (!p->graded)
        snprintf(p->detail, sizeof p->detail, "the study sets no contrast_tolerance: reported, not graded");
    else if (!isnan(s->contrast_ratio_min))
        snprintf(p->detail, sizeof p->detail, "ratio_min %.3g vs >=%g", c.ratio_min, s->contrast_ratio_min);
    return OP_OK;
}

/* ---- the check ---- */

int sy_check_build(const sy_study *s, th_check **out)
{
    sy_check *k = op_calloc(1, sizeof *k);
    if (!k) return OP_ENOMEM;
    k->s = *s;
    const sy_study *ks = &k->s;
    th_check *c = &k->c;
    c->id = ks->id;
    c->seed_id = ks->seed_name;
    snprintf(k->tag, sizeof k->tag, "study=%016llx", (unsigned long long)ks->hash);
    c->key_tag = k->tag;
    snprintf(k->citation, sizeof k->citation, "%s", ks->citation[0] ? ks->citation : "a study file");
    c->citation = k->citation;
    c->claim = ks->claim[0] ? ks->claim : ks->title;
    char sm[32] = "";
    if (!isnan(ks->smoothness)) snprintf(sm, sizeof sm, " (s=%g)", ks->smoothness);
    snprintf(k->prediction, sizeof k->prediction, "slope %s%s, band [pred%+g, pred%+g]", ks->predicted, sm,
             ks->band_lo, ks->band_hi);
    c->prediction = k->prediction;
    snprintf(k->band_source, sizeof k->band_source, "%s", ks->band_source[0] ? ks->band_source : "the study file");
    c->band_source = k->band_source;
    const char *xt = ks->x == SY_X_N ? "n" : ks->x == SY_X_PARAMS ? "parameter count" : size_axis[ks->size_key];
    snprintf(k->graded, sizeof k->graded, "slope of log %s vs log %s, the (manifold, D) curve furthest out",
             ks->quantity, xt);
    c->graded = k->graded;
    static const char *const metrics[] = {"test_mse", "best_epoch", "epochs_run", "best_val_loss", "train_loss",
                                          "params"};
    /* "params" only when graded on it: otherwise the records equal manifold-rate's */
    int nmet = ks->x == SY_X_PARAMS ? 6 : 5;
    for (int i = 0; i < nmet; i++) c->metrics[i] = metrics[i];
    sw_grid g = {0};
    int a = 0;
    g.axes[a].name = "manifold";
    g.axes[a].n = ks->nman;
    for (int i = 0; i < ks->nman; i++) g.axes[a].labels[i] = ks->manifolds[i];
    a++;
    g.axes[a].name = "D";
    g.axes[a].n = ks->namb;
    memcpy(g.axes[a].values, ks->ambient, sizeof(double) * (size_t)ks->namb);
    a++;
    if (ks->size_key != SY_SIZE_NONE) {
        g.axes[a].name = size_axis[ks->size_key];
        g.axes[a].n = ks->nsize[ks->size_key];
        memcpy(g.axes[a].values, ks->size[ks->size_key], sizeof(double) * (size_t)g.axes[a].n);
        a++;
    }
    g.axes[a].name = "n";
    g.axes[a].n = ks->nn;
    memcpy(g.axes[a].values, ks->n, sizeof(double) * (size_t)ks->nn);
    g.seeds = ks->seeds;
    c->quick = c->full = g; /* the file's preset is already applied */
    for (int i = 0; i < ks->ncontrols; i++)
        c->controls[i] = (th_control){ks->controls[i].name, ks->controls[i].what, ks->controls[i].near_miss, NULL};
    snprintf(k->fig_title, sizeof k->fig_title, "%s: %s vs %s (study %s)", ks->title, ks->quantity, xt, ks->id);
    snprintf(k->xlabel, sizeof k->xlabel, "%s", ks->x == SY_X_N ? "n (training points)" : xt);
    snprintf(k->ylabel, sizeof k->ylabel, "%s (mean of log over seeds)", ks->quantity);
    c->figures[0] = (th_figure){"rate", k->fig_title, k->xlabel, k->ylabel, 1, 1, 0, NULL, 0};
    snprintf(k->valid, sizeof k->valid, "any manifold spec of `overparam manifolds`");
    /* compare's pairs are the judge's criteria (th_compare's 0 = off for the file's NaN) */
    c->compare = (th_compare){.manifold_axis = "manifold", .ambient_axis = "D", .intrinsic_dim = sy_dim,
                              .valid_manifolds = k->valid, .validate = sy_validate,
                              .x_axis = sy_xname(ks), .metric = sy_metric(ks), .log_table = sy_compare_table,
                              .x_label = ks->x == SY_X_PARAMS ? "params" : NULL,
                              .dslope_tol = isnan(ks->d_invariance) ? 0 : ks->d_invariance,
                              .dratio_lo = isnan(ks->d_ratio_lo) ? 0 : ks->d_ratio_lo,
                              .dratio_hi = isnan(ks->d_ratio_hi) ? 0 : ks->d_ratio_hi,
                              .dequiv_unbanded = 1, .contrast_pair = sy_compare_contrast};
    c->run = sy_run;
    c->judge = sy_judge;
    *out = c;
    return OP_OK;
}

void sy_check_free(th_check *c) { free(c); }
