/* overparam compare: one check's rate across manifolds and ambient dimensions,
 * one figure (every curve with its predicted slope) and one table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "plot/plot.h"
#include "sweep/dist.h"
#include "verify.h"
#include "verify_internal.h"

static int find_axis(const sw_grid *g, const char *name)
{
    for (int a = 0; a < sw_grid_naxes(g); a++)
        if (strcmp(g->axes[a].name, name) == 0) return a;
    return -1;
}

/* Validates the arguments and builds the comparison grid (*ad: its ambient axis). */
static int compare_grid(const th_check *c, const th_opts *o, const char *const *manifolds, int nman,
                        const double *ambient, int namb, sw_grid *grid, int *ad_out)
{
    const th_compare *cp = &c->compare;
    if (!cp->manifold_axis || !cp->ambient_axis)
        OP_ERROR(OP_EUSAGE, "check %s does not support compare (its runs are not parameterised by manifold "
                            "and ambient dimension)", c->id);
    sw_grid g = o->full ? c->full : c->quick;
    int am = find_axis(&g, cp->manifold_axis), ad = find_axis(&g, cp->ambient_axis);
    if (am < 0 || ad < 0)
        OP_ERROR(OP_EINTERNAL, "check %s declares compare axes %s/%s missing from its grid", c->id,
                 cp->manifold_axis, cp->ambient_axis);
    if (nman < 1 || nman > SW_MAX_VALUES) OP_ERROR(OP_EUSAGE, "--manifolds needs 1..%d entries", SW_MAX_VALUES);
    g.axes[am].n = nman;
    for (int i = 0; i < nman; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(manifolds[i], manifolds[j]) == 0)
                OP_ERROR(OP_EUSAGE, "--manifolds lists '%s' twice", manifolds[i]);
        if (isnan(cp->intrinsic_dim(manifolds[i])))
            OP_ERROR(OP_EUSAGE, "--manifolds: unknown manifold '%s'; allowed: %s", manifolds[i],
                     cp->valid_manifolds ? cp->valid_manifolds : "(see overparam manifolds)");
        g.axes[am].labels[i] = manifolds[i];
    }
    if (namb > 0) {
        if (namb > SW_MAX_VALUES) OP_ERROR(OP_EUSAGE, "--ambient has more than %d values", SW_MAX_VALUES);
        g.axes[ad].n = namb;
        for (int i = 0; i < namb; i++) g.axes[ad].values[i] = ambient[i];
    }
    int nD = g.axes[ad].n;
    for (int i = 0; i < nman; i++)
        for (int j = 0; j < nD; j++)
            if (cp->validate) OP_TRY(cp->validate(manifolds[i], g.axes[ad].values[j]));
    if (nman * nD > PL_MAX_SERIES)
        OP_ERROR(OP_EUSAGE, "compare draws at most %d curves; %d manifolds x %d ambient dimensions is %d",
                 PL_MAX_SERIES, nman, nD, nman * nD);
    *grid = g;
    *ad_out = ad;
    return OP_OK;
}

int th_compare_validate(const th_check *c, const th_opts *o, const char *const *manifolds, int nman,
                        const double *ambient, int namb)
{
    sw_grid g;
    int ad;
    return compare_grid(c, o, manifolds, nman, ambient, namb, &g, &ad);
}

int th_compare_run(const th_check *c, const th_opts *o, const char *const *manifolds, int nman,
                   const double *ambient, int namb, FILE *table, st_grade_t *worst)
{
    const th_compare *cp = &c->compare;
    *worst = ST_PASS;
    sw_grid g;
    int ad;
    OP_TRY(compare_grid(c, o, manifolds, nman, ambient, namb, &g, &ad));
    int nD = g.axes[ad].n;

    rec_record *recs;
    int n;
    const char *main_variant[1] = {NULL};
    OP_TRY(th_note_replaced(c, o, &g, main_variant, 1));
    OP_TRY(th_sweep_variant(c, o, &g, NULL, &recs, &n));
    int ncomb = nman * nD;
    th_verdict *v = op_calloc((unsigned long)ncomb, sizeof *v);
    rec_record *sub = op_malloc((unsigned long)(n ? n : 1) * sizeof *sub);
    if (!v || !sub) {
        free(v);
        free(sub);
        free(recs);
        return OP_ENOMEM;
    }
    int s = OP_OK;
    for (int k = 0; k < ncomb && !s; k++) {
        const char *m = manifolds[k / nD];
        double D = g.axes[ad].values[k % nD];
        int ns = 0;
        for (int i = 0; i < n; i++) {
            const char *rm = rec_param_str(&recs[i], cp->manifold_axis);
            if (rm && strcmp(rm, m) == 0 && rec_param(&recs[i], cp->ambient_axis) == D) sub[ns++] = recs[i];
        }
        s = th_judge_variant(c, o, NULL, sub, ns, &v[k]);
    }
    free(sub);
    free(recs);
    for (int k = 0; k < ncomb && !s; k++)
        *worst = st_grade_worst(*worst, v[k].grade);
    /* Under MPI every rank judged the same records (so all exit alike); rank 0 reports. */
    if (sw_dist_rank() != 0) {
        free(v);
        return s;
    }

    op_buf csv;
    op_buf_init(&csv);
    op_buf_puts(&csv, "manifold,d,D,measured,se,predicted,band_lo,band_hi,verdict,n_runs,n_failed\n");
    if (!s) {
        fprintf(table, "%-18s %4s %6s  %-18s %10s  %s\n", "manifold", "d", "D", "measured ± s.e.", "predicted",
                "verdict");
    }
    for (int k = 0; k < ncomb && !s; k++) {
        const char *m = manifolds[k / nD];
        double D = g.axes[ad].values[k % nD], d = cp->intrinsic_dim(m);
        char me[32], se[32], pr[32], lo[32], hi[32], ms[80];
        th_fmt_num(me, sizeof me, v[k].measured);
        th_fmt_num(se, sizeof se, v[k].se);
        th_fmt_num(pr, sizeof pr, v[k].predicted);
        th_fmt_num(lo, sizeof lo, v[k].lo);
        th_fmt_num(hi, sizeof hi, v[k].hi);
        snprintf(ms, sizeof ms, "%s ± %s", me, se);
        fprintf(table, "%-18s %4g %6g  %-18s %10s  %s%s\n", m, d, D, ms, pr, st_grade_name(v[k].grade),
                v[k].nfailed ? " (failed runs excluded)" : "");
        op_buf_printf(&csv, "%s,%g,%g,%.10g,%.10g,%.10g,%.10g,%.10g,%s,%d,%d\n", m, d, D, v[k].measured, v[k].se,
                      v[k].predicted, v[k].lo, v[k].hi, st_grade_name(v[k].grade), v[k].nruns, v[k].nfailed);
    }
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/compare", o->out);
    if (!s) s = op_mkdir_p(dir);
    if (!s) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, c->id);
        s = csv.oom ? OP_ENOMEM : op_write_atomic(path, csv.s, csv.len);
    }
    op_buf_free(&csv);
    if (!s && o->figures) {
        static char titles[PL_MAX_SERIES][3][96];
        const th_figure *fd = &c->figures[0];
        char title[160];
        snprintf(title, sizeof title, "%s across manifolds and ambient dimensions", c->id);
        pl_figure pf = {0};
        pf.dir = dir;
        pf.name = c->id;
        pf.title = title;
        pf.xlabel = fd->name ? fd->xlabel : "x";
        pf.ylabel = fd->name ? fd->ylabel : "y";
        pf.logx = fd->name ? fd->logx : 1;
        pf.logy = fd->name ? fd->logy : 1;
        pf.vline = NAN;
        for (int k = 0; k < ncomb; k++) {
            if (v[k].nseries < 1) continue;
            const th_series *se = &v[k].series[0];
            snprintf(titles[k][0], 96, "%s, D=%g", manifolds[k / nD], g.axes[ad].values[k % nD]);
            char me[32], sd[32], pr[32];
            th_fmt_num(me, sizeof me, v[k].measured);
            th_fmt_num(sd, sizeof sd, v[k].se);
            th_fmt_num(pr, sizeof pr, v[k].predicted);
            snprintf(titles[k][1], 96, "fit %s ± %s", me, sd);
            snprintf(titles[k][2], 96, "predicted %s", pr);
            pf.s[pf.nseries++] = (pl_series){titles[k][0], titles[k][1], titles[k][2], se->n, se->x, se->y,
                                             se->ylo, se->yhi, se->fit, se->pred, 0, NULL, NULL, NULL};
        }
        if (pf.nseries) s = pl_write(&pf);
        if (!s && pf.nseries) {
            if (!pl_gnuplot_path())
                fprintf(table, "figures skipped (gnuplot not found)\n");
            else if (pl_render(dir, c->id, 120.0)) {
                fprintf(table, "figures not rendered: %s\n", op_error_message());
                op_error_clear();
            } else
                fprintf(table, "figure: %s/%s.png (.pdf, .dat, .gp); table: %s/%s.csv\n", dir, c->id, dir, c->id);
        }
    }
    free(v);
    return s;
}
