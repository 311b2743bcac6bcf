/* Helpers shared by every check: parameter lookup, grouping records by a grid
 * axis, and the standard judge of a rate check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "manifolds/manifold.h"

double th_get(const th_params *p, const char *name)
{
    for (int a = 0; a < p->naxes; a++)
        if (strcmp(p->name[a], name) == 0) return p->label[a] ? NAN : p->value[a];
    return NAN;
}

const char *th_get_str(const th_params *p, const char *name)
{
    for (int a = 0; a < p->naxes; a++)
        if (strcmp(p->name[a], name) == 0) return p->label[a];
    return NULL;
}

int th_nmetrics(const th_check *c)
{
    int k = 0;
    while (k < TH_MAX_METRICS && c->metrics[k]) k++;
    return k;
}

int th_ncontrols(const th_check *c)
{
    int k = 0;
    while (k < TH_MAX_CONTROLS && c->controls[k].name) k++;
    return k;
}

int th_nfigures(const th_check *c)
{
    int k = 0;
    while (k < TH_MAX_FIGURES && c->figures[k].name) k++;
    return k;
}

const th_control *th_find_control(const th_check *c, const char *name)
{
    for (int i = 0; i < th_ncontrols(c); i++)
        if (strcmp(c->controls[i].name, name) == 0) return &c->controls[i];
    return NULL;
}

static int rec_matches(const rec_record *r, const char *fname, const char *fval, const char *nname,
                       double nval)
{
    if (fname) {
        const char *s = rec_param_str(r, fname);
        if (!s || strcmp(s, fval) != 0) return 0;
    }
    if (nname && rec_param(r, nname) != nval) return 0;
    return 1;
}

int th_group(const th_judge_in *in, const char *x, int metric, const char *fname, const char *fval,
             const char *nname, double nval, th_groups *g)
{
    memset(g, 0, sizeof *g);
    const char *mname = in->check->metrics[metric];
    g->pool = op_calloc((unsigned long)(in->nrecs ? in->nrecs : 1), sizeof *g->pool);
    if (!g->pool) return OP_ENOMEM;
    /* distinct x values, ascending */
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        if (!rec_matches(r, fname, fval, nname, nval)) continue;
        double xv = rec_param(r, x);
        if (!isfinite(xv)) {
            th_groups_free(g);
            OP_ERROR(OP_EINTERNAL, "%s: record %s has no numeric parameter '%s'", in->check->id, r->key, x);
        }
        int k = 0;
        while (k < g->n && g->x[k] != xv) k++;
        if (k == g->n) {
            if (g->n == TH_MAX_POINTS) {
                th_groups_free(g);
                OP_ERROR(OP_EUSAGE, "%s: more than %d values of '%s'", in->check->id, TH_MAX_POINTS, x);
            }
            int j = g->n++;
            while (j > 0 && g->x[j - 1] > xv) {
                g->x[j] = g->x[j - 1];
                j--;
            }
            g->x[j] = xv;
        }
    }
    /* Values in plan order within each group (records come in plan order). */
    int used = 0;
    for (int k = 0; k < g->n; k++) {
        g->vals[k] = g->pool + used;
        for (int i = 0; i < in->nrecs; i++) {
            const rec_record *r = &in->recs[i];
            if (!rec_matches(r, fname, fval, nname, nval) || rec_param(r, x) != g->x[k]) continue;
            double v = rec_metric(r, mname);
            if (r->status == REC_OK && isfinite(v))
                g->vals[k][g->nok[k]++] = v;
            else
                g->nfailed[k]++;
        }
        used += g->nok[k];
    }
    return OP_OK;
}

void th_groups_free(th_groups *g)
{
    free(g->pool);
    g->pool = NULL;
}

void th_series_fit_lines(th_series *s, const double *x, const double *ly, int m, const st_fit *f,
                         double predicted)
{
    double mx = 0, my = 0;
    for (int i = 0; i < m; i++) {
        mx += log(x[i]);
        my += ly[i];
    }
    mx /= m;
    my /= m;
    for (int i = 0; i < m; i++) {
        s->fit[i] = exp(f->intercept + f->slope * log(x[i]));
        s->pred[i] = exp(my + predicted * (log(x[i]) - mx));
    }
}

/* ---- the judge kit ---- */

static int where_matches(const rec_record *r, const th_where *w)
{
    for (; w && w->name; w++) {
        if (w->str) {
            const char *s = rec_param_str(r, w->name);
            if (!s || strcmp(s, w->str) != 0) return 0;
        } else if (!(rec_param(r, w->name) == w->num))
            return 0;
    }
    return 1;
}

typedef struct {
    const char *mname;
} metric_user;

static double metric_value(const rec_record *r, void *user)
{
    return rec_metric(r, ((const metric_user *)user)->mname);
}

int th_table_collect(const th_judge_in *in, const char *x, int metric, const th_where *where, th_table *t)
{
    metric_user mu = {in->check->metrics[metric]};
    return th_table_collect_fn(in, x, metric_value, &mu, where, t);
}

int th_table_collect_fn(const th_judge_in *in, const char *x, th_value_fn fn, void *user, const th_where *where,
                        th_table *t)
{
    memset(t, 0, sizeof *t);
    /* distinct x values, ascending, and the seed count */
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        if (!where_matches(r, where)) continue;
        double xv = rec_param(r, x);
        if (!isfinite(xv))
            OP_ERROR(OP_EINTERNAL, "%s: record %s has no numeric parameter '%s'", in->check->id, r->key, x);
        if (r->seed_index < 0) OP_ERROR(OP_EINTERNAL, "%s: record %s has a negative seed index", in->check->id, r->key);
        if (r->seed_index + 1 > t->ns) t->ns = r->seed_index + 1;
        int k = 0;
        while (k < t->np && t->x[k] != xv) k++;
        if (k == t->np) {
            if (t->np == TH_MAX_POINTS)
                OP_ERROR(OP_EUSAGE, "%s: more than %d values of '%s'", in->check->id, TH_MAX_POINTS, x);
            int j = t->np++;
            while (j > 0 && t->x[j - 1] > xv) {
                t->x[j] = t->x[j - 1];
                j--;
            }
            t->x[j] = xv;
        }
    }
    size_t cells = (size_t)t->np * (size_t)t->ns;
    t->y = op_malloc((cells ? cells : 1) * sizeof *t->y);
    if (!t->y) return OP_ENOMEM;
    for (size_t c = 0; c < cells; c++) t->y[c] = NAN;
    unsigned char *seen = op_calloc(cells ? cells : 1, 1);
    if (!seen) {
        th_table_free(t);
        return OP_ENOMEM;
    }
    /* records come in plan order, so the first failed one is the plan's first */
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        if (!where_matches(r, where)) continue;
        double xv = rec_param(r, x);
        int p = 0;
        while (t->x[p] != xv) p++;
        size_t c = (size_t)p * t->ns + (size_t)r->seed_index;
        if (seen[c]) {
            free(seen);
            th_table_free(t);
            OP_ERROR(OP_EINTERNAL, "%s: two records at %s=%g, seed %d (the judge's filter misses an axis)",
                     in->check->id, x, xv, r->seed_index);
        }
        seen[c] = 1;
        double v = r->status == REC_OK ? fn(r, user) : NAN;
        if (isfinite(v)) {
            t->y[c] = v;
            t->nok[p]++;
        } else {
            t->nfailed[p]++;
            if (!t->nfailed_total++) snprintf(t->failed_key, sizeof t->failed_key, "%s", r->key);
        }
    }
    free(seen);
    memcpy(t->key, t->x, sizeof(double) * (size_t)t->np);
    return OP_OK;
}

void th_table_free(th_table *t)
{
    free(t->y);
    t->y = NULL;
}

int th_table_log(th_table *t, const th_judge_in *in, const char *what)
{
    for (int p = 0; p < t->np; p++)
        for (int s = 0; s < t->ns; s++) {
            double *v = &t->y[(size_t)p * t->ns + s];
            if (isnan(*v)) continue;
            if (!(*v > 0))
                OP_ERROR(OP_ENUM, "%s: %s = %g is not positive at x=%g, seed %d; cannot take its log", in->check->id,
                         what, *v, t->x[p], s);
            *v = log(*v);
        }
    return OP_OK;
}

void th_table_means(const th_table *t, double *mean)
{
    for (int p = 0; p < t->np; p++) {
        double sum = 0;
        int c = 0;
        for (int s = 0; s < t->ns; s++) {
            double v = th_table_at(t, p, s);
            if (isfinite(v)) {
                sum += v;
                c++;
            }
        }
        mean[p] = c ? sum / c : NAN;
    }
}

int th_table_rekey(th_table *t, const double *newx)
{
    int ord[TH_MAX_POINTS];
    for (int p = 0; p < t->np; p++) {
        if (!isfinite(newx[p])) return op_error_set(OP_EUSAGE, __FILE__, __LINE__, "table row %d has no key", p);
        ord[p] = p;
    }
    for (int a = 1; a < t->np; a++) /* stable insertion sort by the new key */
        for (int b = a; b > 0 && newx[ord[b]] < newx[ord[b - 1]]; b--) {
            int tmp = ord[b];
            ord[b] = ord[b - 1];
            ord[b - 1] = tmp;
        }
    for (int a = 1; a < t->np; a++)
        if (newx[ord[a]] == newx[ord[a - 1]])
            return op_error_set(OP_EUSAGE, __FILE__, __LINE__, "two table rows share the key %g", newx[ord[a]]);
    double *y = op_malloc(sizeof(double) * (size_t)t->np * (size_t)(t->ns > 0 ? t->ns : 1));
    if (!y) return OP_ENOMEM;
    double x[TH_MAX_POINTS], key[TH_MAX_POINTS];
    int nok[TH_MAX_POINTS], nf[TH_MAX_POINTS];
    for (int a = 0; a < t->np; a++) {
        int p = ord[a];
        memcpy(y + (size_t)a * t->ns, t->y + (size_t)p * t->ns, sizeof(double) * (size_t)t->ns);
        x[a] = newx[p];
        key[a] = t->key[p];
        nok[a] = t->nok[p];
        nf[a] = t->nfailed[p];
    }
    memcpy(t->y, y, sizeof(double) * (size_t)t->np * (size_t)t->ns);
    free(y);
    memcpy(t->x, x, sizeof(double) * (size_t)t->np);
    memcpy(t->key, key, sizeof(double) * (size_t)t->np);
    memcpy(t->nok, nok, sizeof(int) * (size_t)t->np);
    memcpy(t->nfailed, nf, sizeof(int) * (size_t)t->np);
    return OP_OK;
}

int th_table_row(const th_table *t, int p, double *vals)
{
    int c = 0;
    for (int s = 0; s < t->ns; s++) {
        double v = th_table_at(t, p, s);
        if (isfinite(v)) vals[c++] = v;
    }
    return c;
}

int th_table_find(const th_table *t, double x)
{
    for (int p = 0; p < t->np; p++)
        if (t->x[p] == x) return p;
    return -1;
}

int th_table_find_key(const th_table *t, double key)
{
    for (int p = 0; p < t->np; p++)
        if (t->key[p] == key) return p;
    return -1;
}

double th_table_max(const th_table *t)
{
    double m = NAN;
    for (size_t c = 0; c < (size_t)t->np * t->ns; c++)
        if (isfinite(t->y[c]) && !(t->y[c] <= m)) m = t->y[c];
    return m;
}

int th_distinct_str(const th_judge_in *in, const char *name, const char **out, int max)
{
    int n = 0;
    for (int i = 0; i < in->nrecs; i++) {
        const char *s = rec_param_str(&in->recs[i], name);
        if (!s) continue;
        int k = 0;
        while (k < n && strcmp(out[k], s) != 0) k++;
        if (k == n && n < max) out[n++] = s;
    }
    return n;
}

int th_distinct_num(const th_judge_in *in, const char *name, double *out, int max)
{
    int n = 0;
    for (int i = 0; i < in->nrecs; i++) {
        double x = rec_param(&in->recs[i], name);
        if (isnan(x)) continue;
        int k = 0;
        while (k < n && out[k] != x) k++;
        if (k == n && n < max) out[n++] = x;
    }
    return n;
}

void th_extra_add(th_verdict *v, const char *fmt, ...)
{
    size_t len = strlen(v->extra);
    if (len + 2 >= sizeof v->extra) return;
    if (len) v->extra[len++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->extra + len, sizeof v->extra - len, fmt, ap);
    va_end(ap);
}

void th_add_ref(th_verdict *v, int figure, double lo, double hi, const char *fmt, ...)
{
    if (v->nrefs >= TH_MAX_REFS) return;
    th_ref *r = &v->refs[v->nrefs++];
    r->figure = figure;
    r->lo = lo;
    r->hi = hi;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->label, sizeof r->label, fmt, ap);
    va_end(ap);
}

void th_table_series(const th_table *t, int geometric, th_series *s)
{
    int m = 0;
    for (int p = 0; p < t->np && m < TH_MAX_POINTS; p++) {
        if (!t->nok[p]) continue;
        double sum = 0, ss = 0;
        int c = 0;
        for (int k = 0; k < t->ns; k++) {
            double v = th_table_at(t, p, k);
            if (isfinite(v)) {
                sum += v;
                c++;
            }
        }
        double mu = sum / c;
        for (int k = 0; k < t->ns; k++) {
            double v = th_table_at(t, p, k);
            if (isfinite(v)) ss += (v - mu) * (v - mu);
        }
        double se = c > 1 ? sqrt(ss / (c - 1) / c) : 0.0;
        s->x[m] = t->x[p];
        s->y[m] = geometric ? exp(mu) : mu;
        s->ylo[m] = geometric ? exp(mu - se) : mu - se;
        s->yhi[m] = geometric ? exp(mu + se) : mu + se;
        s->fit[m] = s->pred[m] = NAN;
        s->nok[m] = t->nok[p];
        s->nfailed[m] = t->nfailed[p];
        m++;
    }
    s->n = m;
}

int th_table_series_median(const th_table *t, th_series *s, double *se_last)
{
    double *vals = op_malloc((size_t)(2 * t->ns + 1) * sizeof *vals);
    if (!vals) return OP_ENOMEM;
    double *work = vals + t->ns;
    int m = 0;
    for (int p = 0; p < t->np && m < TH_MAX_POINTS; p++) {
        int c = th_table_row(t, p, vals);
        if (!c) continue;
        s->x[m] = t->x[p];
        s->y[m] = st_median(vals, c, work);
        s->ylo[m] = st_quantile(vals, c, 0.25, work);
        s->yhi[m] = st_quantile(vals, c, 0.75, work);
        s->fit[m] = s->pred[m] = NAN;
        s->nok[m] = t->nok[p];
        s->nfailed[m] = t->nfailed[p];
        if (se_last) *se_last = 1.2533 * (s->yhi[m] - s->ylo[m]) / 1.349 / sqrt((double)c);
        m++;
    }
    s->n = m;
    free(vals);
    return OP_OK;
}

/* The rows with at least one finished seed, as log x and a compact table. */
static int rate_rows(const th_table *t, double *lx, double *ly, int *m)
{
    *m = 0;
    for (int p = 0; p < t->np; p++) {
        if (!t->nok[p]) continue;
        if (!(t->x[p] > 0)) OP_ERROR(OP_ENUM, "rate: x = %g is not positive; cannot take its log", t->x[p]);
        lx[*m] = log(t->x[p]);
        memcpy(ly + (size_t)*m * t->ns, t->y + (size_t)p * t->ns, (size_t)t->ns * sizeof *ly);
        (*m)++;
    }
    return OP_OK;
}

int th_table_rate(const th_table *t, const th_judge_in *in, double predicted, st_rate *r, double *seed_slope)
{
    double lx[TH_MAX_POINTS];
    double *ly = op_malloc(((size_t)t->np * t->ns + 1) * sizeof *ly);
    if (!ly) return OP_ENOMEM;
    int m, s = rate_rows(t, lx, ly, &m);
    if (!s && m < 3) s = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s: %d points with a finished run; a rate needs 3",
                                      in->check->id, m);
    if (!s) s = st_rate_paired(lx, ly, m, t->ns, predicted, r, seed_slope);
    free(ly);
    return s;
}

int th_rate_diff(const th_table *a, const th_table *b, const th_judge_in *in, st_interval *d, int *paired)
{
    if (a->ns != b->ns) OP_ERROR(OP_EINTERNAL, "%s: paired rates over %d and %d seeds", in->check->id, a->ns, b->ns);
    double *sa = op_malloc((size_t)a->ns * 3 * sizeof *sa);
    if (!sa) return OP_ENOMEM;
    double *sb = sa + a->ns, *dd = sb + a->ns;
    st_rate ra, rb;
    int s = th_table_rate(a, in, 0, &ra, sa);
    if (!s) s = th_table_rate(b, in, 0, &rb, sb);
    if (s) {
        free(sa);
        return s;
    }
    int n = 0;
    for (int k = 0; k < a->ns; k++)
        if (isfinite(sa[k]) && isfinite(sb[k])) dd[n++] = sb[k] - sa[k];
    if (n >= 2) {
        st_interval_mean(dd, n, d);
        *paired = 1;
    } else {
        st_interval_make(rb.slope.mean - ra.slope.mean, sqrt(ra.slope.se * ra.slope.se + rb.slope.se * rb.slope.se),
                         fmin(ra.slope.dof, rb.slope.dof), d);
        d->n = n;
        *paired = 0;
    }
    free(sa);
    return OP_OK;
}

void th_table_diff_at(const th_table *a, int pa, const th_table *b, int pb, st_interval *d)
{
    double dd[1024];
    int n = 0, ns = a->ns < b->ns ? a->ns : b->ns;
    for (int k = 0; k < ns && n < 1024; k++) {
        double u = th_table_at(a, pa, k), v = th_table_at(b, pb, k);
        if (isfinite(u) && isfinite(v)) dd[n++] = v - u;
    }
    if (n)
        st_interval_mean(dd, n, d);
    else
        st_interval_make(NAN, NAN, 0, d);
}

int th_table_trend(const th_table *t, int direction, double rho_min, st_trend *tr)
{
    return st_trend_grade(t->x, t->y, t->np, t->ns, direction, rho_min, tr);
}

void th_rate_text(const st_rate *r, char *buf, size_t len)
{
    snprintf(buf, len, "slope90=[%.3g,%.3g] pooled=%.3g±%.2g chi2/dof=%.2g last=%.3g±%.2g seeds=%d%s%s",
             r->slope.lo, r->slope.hi, r->pooled.slope, r->pooled.se_slope, r->chi2_dof, r->last.mean, r->last.se,
             r->nseeds, r->plateau ? " plateau" : "",
             r->se_pooled == 1 ? " se=pooled(1 seed)" : r->se_pooled == 2 ? " se=pooled(no complete seed)" : "");
}

void th_equiv_text(const char *name, const st_interval *d, double lo, double hi, st_grade_t g, char *buf,
                   size_t len)
{
    snprintf(buf, len, "%s=%.3g(90%%:[%.3g,%.3g] vs [%.3g,%.3g] %s)", name, d->mean, d->lo, d->hi, lo, hi,
             st_grade_name(g));
}

double th_discrim_z(const th_verdict *v, double lo, double hi)
{
    double x = v->measured, se = v->se;
    if (!isfinite(x) || !(se >= 0) || !isfinite(se)) return NAN;
    double out = x < lo ? lo - x : x > hi ? x - hi : -fmin(x - lo, hi - x); /* inf edges drop out */
    if (se > 0) return out / se;
    return out > 0 ? INFINITY : out < 0 ? -INFINITY : 0.0;
}

void th_verdict_cap_failed(const th_judge_in *in, th_verdict *v)
{
    for (int i = 0; i < in->nrecs; i++)
        if (in->recs[i].status != REC_OK) {
            snprintf(v->failed_run, sizeof v->failed_run, "%s", in->recs[i].key);
            v->grade = st_grade_worst(v->grade, ST_MARGINAL);
            return;
        }
}

int th_judge_rate(const th_judge_in *in, const char *x, int metric, double predicted, double lo,
                  double hi, int figure, th_verdict *v)
{
    return th_judge_rate_where(in, x, metric, NULL, predicted, lo, hi, figure, v, NULL);
}

int th_judge_rate_where(const th_judge_in *in, const char *x, int metric, const th_where *where, double predicted,
                        double lo, double hi, int figure, th_verdict *v, st_rate *rout)
{
    th_table t;
    OP_TRY(th_table_collect(in, x, metric, where, &t));
    int s = th_table_log(&t, in, in->check->metrics[metric]);
    if (s) {
        th_table_free(&t);
        return s;
    }
    th_series *ser = &v->series[0];
    v->nseries = 1;
    snprintf(ser->name, sizeof ser->name, "%s", in->control ? in->control : "measured");
    ser->figure = figure;
    th_table_series(&t, 1, ser);
    v->predicted = predicted;
    v->lo = lo;
    v->hi = hi;
    int m = ser->n;
    if (m < 3) {
        th_table_free(&t);
        v->grade = ST_FAIL;
        v->measured = v->se = NAN;
        snprintf(v->extra, sizeof v->extra, "points=%d(too few to fit)", m);
        if (rout) memset(rout, 0, sizeof *rout);
        return OP_OK;
    }
    st_rate r;
    s = th_table_rate(&t, in, predicted, &r, NULL);
    th_table_free(&t);
    if (s) return s;
    v->measured = r.slope.mean;
    v->se = r.slope.se;
    v->grade = st_grade(r.slope.mean, r.slope.se, lo, hi);
    if (r.plateau) v->grade = st_grade_worst(v->grade, ST_MARGINAL);
    double ly[TH_MAX_POINTS];
    for (int i = 0; i < m; i++) ly[i] = log(ser->y[i]);
    st_fit line = {.intercept = r.intercept, .slope = r.slope.mean};
    th_series_fit_lines(ser, ser->x, ly, m, &line, predicted);
    snprintf(ser->fit_title, sizeof ser->fit_title, "fit: slope %.3f ± %.3f (paired)", r.slope.mean, r.slope.se);
    snprintf(ser->pred_title, sizeof ser->pred_title, "predicted slope %.3f", predicted);
    th_rate_text(&r, v->extra, sizeof v->extra);
    if (rout) *rout = r;
    return OP_OK;
}

int th_dinv_judge(const th_table *a, const th_table *b, const th_judge_in *in, double slope_tol, double ratio_lo,
                  double ratio_hi, th_dinv *o)
{
    o->g_ds = o->g_lr = ST_PASS;
    o->lr_x = NAN;
    o->paired = 0;
    st_interval_make(NAN, NAN, 0, &o->lr);
    st_interval_make(NAN, NAN, 0, &o->ds);
    if (!isnan(slope_tol)) {
        OP_TRY(th_rate_diff(a, b, in, &o->ds, &o->paired));
        o->g_ds = st_grade_equiv(&o->ds, -slope_tol, slope_tol);
    }
    if (isnan(ratio_lo)) return OP_OK;
    double lo = log(ratio_lo), hi = log(ratio_hi), worst = -INFINITY;
    int matched = 0;
    /* rows pair by their grid value (key), not by x: a study with x = params has a
     * different parameter count at every D for the same grid point */
    for (int p = 0; p < a->np; p++) {
        int q = th_table_find_key(b, a->key[p]);
        if (q < 0) continue;
        matched++;
        st_interval d;
        th_table_diff_at(a, p, b, q, &d);
        st_grade_t g = st_grade_equiv(&d, lo, hi);
        double reach = isfinite(d.lo) ? fmax(lo - d.lo, d.hi - hi) : INFINITY;
        if (st_grade_worst(o->g_lr, g) > o->g_lr || (g == o->g_lr && reach > worst)) {
            worst = reach;
            o->lr = d;
            o->lr_x = a->x[p];
        }
        o->g_lr = st_grade_worst(o->g_lr, g);
    }
    if (!matched) o->g_lr = ST_FAIL; /* no common grid point: no evidence, and no PASS without it */
    return OP_OK;
}

int th_manifold_dims(const char *spec, double *d, int *natural)
{
    mf_manifold *m;
    if (!spec) OP_ERROR(OP_EUSAGE, "no manifold spec");
    OP_TRY(mf_manifold_parse(spec, &m));
    *d = mf_manifold_dim(m);
    if (natural) *natural = mf_manifold_natural_dim(m);
    mf_manifold_free(m);
    return OP_OK;
}

double th_manifold_dim(const char *spec)
{
    double d = NAN;
    if (th_manifold_dims(spec, &d, NULL)) {
        op_error_clear();
        return NAN;
    }
    return d;
}

void th_dataset_seeds(const char *spec, int D, uint64_t data_seed, uint64_t *target_seed,
                      uint64_t *embed_seed, uint64_t *sample_seed)
{
    char key[256];
    snprintf(key, sizeof key, "%s/target", spec);
    *target_seed = op_seed_from_key(key, data_seed);
    snprintf(key, sizeof key, "%s/embed/D=%d", spec, D);
    *embed_seed = op_seed_from_key(key, data_seed);
    snprintf(key, sizeof key, "%s/points", spec);
    *sample_seed = op_seed_from_key(key, data_seed);
}

void th_contrast_band(double (*pred)(double d), double d_lo, double d_hi, double tol, double *p, double *lo,
                      double *hi)
{
    *p = pred(d_hi) - pred(d_lo);
    double a = pred(d_hi - tol) - pred(d_lo), b = pred(d_hi + tol) - pred(d_lo);
    *lo = fmin(a, b);
    *hi = fmax(a, b);
}
