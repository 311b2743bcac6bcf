/* Helpers shared by every check: parameter lookup, grouping records by a grid
 * axis, and the standard judge of a rate check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"

const char *th_dataset_dir = NULL;

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

void th_series_fit_lines(th_series *s, const double *lx, const double *ly, int m, const st_fit *f,
                         double predicted)
{
    double mx = 0, my = 0;
    for (int i = 0; i < m; i++) {
        mx += log(lx[i]);
        my += ly[i];
    }
    mx /= m;
    my /= m;
    for (int i = 0; i < m; i++) {
        s->fit[i] = exp(f->intercept + f->slope * log(lx[i]));
        s->pred[i] = exp(my + predicted * (log(lx[i]) - mx));
    }
}

int th_judge_rate(const th_judge_in *in, const char *x, int metric, double predicted, double lo,
                  double hi, int figure, th_verdict *v)
{
    th_groups g;
    OP_TRY(th_group(in, x, metric, NULL, NULL, NULL, 0, &g));
    th_series *s = &v->series[0];
    v->nseries = 1;
    snprintf(s->name, sizeof s->name, "%s", in->control ? in->control : "measured");
    s->figure = figure;
    double lx[TH_MAX_POINTS], ly[TH_MAX_POINTS], se[TH_MAX_POINTS];
    int m = 0, nk[TH_MAX_POINTS];
    for (int k = 0; k < g.n; k++) {
        if (g.nok[k] < 1) continue;
        int bad = 0;
        for (int i = 0; i < g.nok[k]; i++) bad |= !(g.vals[k][i] > 0);
        if (bad) {
            th_groups_free(&g);
            OP_ERROR(OP_ENUM, "%s: metric %s is not positive at %s=%g; cannot fit a log-log rate",
                     in->check->id, in->check->metrics[metric], x, g.x[k]);
        }
        double mu, sd;
        st_mean_log_se(g.vals[k], g.nok[k], &mu, &sd);
        s->x[m] = g.x[k];
        s->y[m] = exp(mu);
        s->ylo[m] = exp(mu - sd);
        s->yhi[m] = exp(mu + sd);
        s->nok[m] = g.nok[k];
        s->nfailed[m] = g.nfailed[k];
        lx[m] = g.x[k];
        ly[m] = mu;
        se[m] = sd;
        nk[m] = g.nok[k];
        m++;
    }
    th_groups_free(&g);
    int weighted = st_pool_se(nk, se, m); /* seed-count weights (stats.h: why not 1/sd^2) */
    s->n = m;
    v->predicted = predicted;
    v->lo = lo;
    v->hi = hi;
    if (m < 3) {
        v->grade = ST_FAIL;
        v->measured = v->se = NAN;
        snprintf(v->extra, sizeof v->extra, "points=%d(too few to fit)", m);
        for (int i = 0; i < m; i++) s->fit[i] = s->pred[i] = NAN;
        return OP_OK;
    }
    st_fit f;
    OP_TRY(st_fit_loglog(lx, ly, weighted ? se : NULL, m, &f));
    v->measured = f.slope;
    v->se = f.se_slope;
    v->grade = st_grade(f.slope, f.se_slope, lo, hi);
    th_series_fit_lines(s, lx, ly, m, &f, predicted);
    snprintf(s->fit_title, sizeof s->fit_title, "fit: slope %.3f ± %.3f", f.slope, f.se_slope);
    snprintf(s->pred_title, sizeof s->pred_title, "predicted slope %.3f", predicted);
    return OP_OK;
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
