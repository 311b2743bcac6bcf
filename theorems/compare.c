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
    if (!cp->ambient_axis || (!cp->manifold_axis && !cp->fixed_manifold))
        OP_ERROR(OP_EUSAGE, "check %s does not support compare (its runs are not parameterised by an ambient "
                            "dimension)", c->id);
    sw_grid g = o->full ? c->full : c->quick;
    int am = cp->manifold_axis ? find_axis(&g, cp->manifold_axis) : -1, ad = find_axis(&g, cp->ambient_axis);
    if ((cp->manifold_axis && am < 0) || ad < 0)
        OP_ERROR(OP_EINTERNAL, "check %s declares compare axes %s/%s missing from its grid", c->id,
                 cp->manifold_axis ? cp->manifold_axis : "(fixed manifold)", cp->ambient_axis);
    if (!cp->manifold_axis && (nman != 1 || strcmp(manifolds[0], cp->fixed_manifold) != 0))
        OP_ERROR(OP_EUSAGE, "--manifolds: check %s runs on one fixed manifold (%s); leave --manifolds out", c->id,
                 cp->fixed_manifold);
    if (nman < 1 || nman > SW_MAX_VALUES) OP_ERROR(OP_EUSAGE, "--manifolds needs 1..%d entries", SW_MAX_VALUES);
    if (am >= 0) g.axes[am].n = nman;
    for (int i = 0; i < nman; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(manifolds[i], manifolds[j]) == 0)
                OP_ERROR(OP_EUSAGE, "--manifolds lists '%s' twice", manifolds[i]);
        if (isnan(cp->intrinsic_dim(manifolds[i])))
            OP_ERROR(OP_EUSAGE, "--manifolds: unknown manifold '%s'; allowed: %s", manifolds[i],
                     cp->valid_manifolds ? cp->valid_manifolds : "(see overparam manifolds)");
        if (am >= 0) g.axes[am].labels[i] = manifolds[i];
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

/* ---- pair statistics: D-equivalence and d-contrast (issue 17 item 4) ---- */

typedef enum { CMP_DEQUIV, CMP_DCONTRAST } cmp_kind;

typedef struct {
    cmp_kind kind;
    int a, b;      /* subset indices (manifold * nD + D) */
    char stat[48]; /* what r.diff is */
    th_pair r;
} cmp_pair;

/* The log table of one subset: the check's own (log_table) or the declared metric
 * over the declared abscissa, filtered by manifold (unless fixed) and D. */
static int cmp_table(const th_compare *cp, const th_judge_in *in, const char *m, double D, double D_ref,
                     th_table *t)
{
    if (cp->log_table) return cp->log_table(in, m, D, D_ref, t);
    th_where w[3] = {{0}};
    int k = 0;
    if (cp->manifold_axis) w[k++] = (th_where){cp->manifold_axis, m, 0};
    w[k++] = (th_where){cp->ambient_axis, NULL, D};
    OP_TRY(th_table_collect(in, cp->x_axis, cp->metric, w, t));
    int s = th_table_log(t, in, in->check->metrics[cp->metric]);
    if (s) th_table_free(t);
    return s;
}

/* D-equivalence of one manifold between D_a (the first) and D_b: the kit's
 * th_dinv_judge with the check's bands, as its judge does; with neither band
 * (dequiv_unbanded) the paired slope difference, reported ungraded. */
static int cmp_dequiv(const th_compare *cp, const th_judge_in *in, const char *m, double Da, double Db,
                      cmp_pair *p)
{
    th_table ta, tb;
    OP_TRY(cmp_table(cp, in, m, Da, Da, &ta));
    int s = cmp_table(cp, in, m, Db, Da, &tb);
    if (s) {
        th_table_free(&ta);
        return s;
    }
    th_dinv di;
    double tol = cp->dslope_tol > 0 ? cp->dslope_tol : NAN;
    double rlo = cp->dratio_hi > 0 ? cp->dratio_lo : NAN, rhi = cp->dratio_hi > 0 ? cp->dratio_hi : NAN;
    snprintf(p->stat, sizeof p->stat, "dslope");
    if (isnan(tol) && isnan(rlo)) {
        s = th_rate_diff(&ta, &tb, in, &p->r.diff, &p->r.paired);
        th_table_free(&ta);
        th_table_free(&tb);
        p->r.pred = 0;
        p->r.lo = p->r.hi = NAN;
        snprintf(p->r.detail, sizeof p->r.detail, "no D-equivalence band stated: reported, not graded");
        return s;
    }
    s = th_dinv_judge(&ta, &tb, in, tol, rlo, rhi, &di);
    th_table_free(&ta);
    th_table_free(&tb);
    OP_TRY(s);
    p->r.pred = 0;
    p->r.graded = 1;
    const char *xl = cp->x_label ? cp->x_label : cp->x_axis;
    if (!isnan(tol)) {
        p->r.diff = di.ds;
        p->r.lo = -tol;
        p->r.hi = tol;
        p->r.paired = di.paired;
        p->r.grade = di.g_ds;
        if (!isnan(rlo)) {
            p->r.grade = st_grade_worst(di.g_ds, di.g_lr);
            snprintf(p->r.detail, sizeof p->r.detail, "level ratio@%s=%g %.3g 90%%[%.3g,%.3g] vs [%g,%g] %s", xl,
                     di.lr_x, exp(di.lr.mean), exp(di.lr.lo), exp(di.lr.hi), rlo, rhi, st_grade_name(di.g_lr));
        }
    } else { /* the level ratio alone (classification-dinv): its worst point, on a log scale */
        p->r.diff = di.lr;
        p->r.lo = log(rlo);
        p->r.hi = log(rhi);
        p->r.paired = 1;
        p->r.grade = di.g_lr;
        snprintf(p->stat, sizeof p->stat, "log_ratio@%s=%g", xl, di.lr_x);
        snprintf(p->r.detail, sizeof p->r.detail, "ratio %.3g 90%%[%.3g,%.3g] vs [%g,%g]", exp(di.lr.mean),
                 exp(di.lr.lo), exp(di.lr.hi), rlo, rhi);
    }
    return OP_OK;
}

/* d-contrast of two manifolds (d_a < d_b) at one D: the paired per-seed slope
 * difference b - a (th_rate_diff), graded in the band of th_contrast_band; or the
 * check's own pair (contrast_pair: a study's formula and band rule). */
static int cmp_dcontrast(const th_compare *cp, const th_judge_in *in, const char *ma, double da, const char *mb,
                         double db, double D, cmp_pair *p)
{
    snprintf(p->stat, sizeof p->stat, "dslope");
    if (cp->contrast_pair) return cp->contrast_pair(in, ma, mb, D, &p->r);
    th_table ta, tb;
    OP_TRY(cmp_table(cp, in, ma, D, D, &ta));
    int s = cmp_table(cp, in, mb, D, D, &tb);
    if (s) {
        th_table_free(&ta);
        return s;
    }
    s = th_rate_diff(&ta, &tb, in, &p->r.diff, &p->r.paired);
    th_table_free(&ta);
    th_table_free(&tb);
    OP_TRY(s);
    if (cp->contrast_dtol > 0) {
        th_contrast_band(cp->predicted_slope, da, db, cp->contrast_dtol, &p->r.pred, &p->r.lo, &p->r.hi);
        p->r.grade = st_grade(p->r.diff.mean, p->r.diff.se, p->r.lo, p->r.hi);
        p->r.graded = 1;
    } else if (cp->contrast_rel > 0) { /* the band +-contrast_rel of the prediction (approx-blocks) */
        p->r.pred = cp->predicted_slope(db) - cp->predicted_slope(da);
        double a = (1 - cp->contrast_rel) * p->r.pred, b = (1 + cp->contrast_rel) * p->r.pred;
        p->r.lo = fmin(a, b);
        p->r.hi = fmax(a, b);
        p->r.grade = st_grade(p->r.diff.mean, p->r.diff.se, p->r.lo, p->r.hi);
        p->r.graded = 1;
    } else {
        p->r.pred = cp->predicted_slope(db) - cp->predicted_slope(da);
        p->r.lo = p->r.hi = NAN;
        p->r.graded = 0;
        snprintf(p->r.detail, sizeof p->r.detail, "the check states no contrast band: reported, not graded");
    }
    return OP_OK;
}

/* Every pair of the two sections, in table order: D-equivalence (per manifold, every D
 * against the first), then d-contrast (per D, every pair of manifolds of different d,
 * in --manifolds order, the lower d as a; with contrast_pair also those of equal d, the
 * earlier as a, as a study's judge pairs them). A pair with a failed run in either subset is
 * no better than MARGINAL, as its rows are (th_verdict_cap_failed). */
static int cmp_pairs(const th_check *c, const th_opts *o, const char *const *manifolds, int nman, const double *Ds,
                     int nD, const rec_record *recs, int n, const th_verdict *v, cmp_pair **out, int *nout)
{
    const th_compare *cp = &c->compare;
    *out = NULL;
    *nout = 0;
    if (!cp->x_axis) return OP_OK;
    int max = nman * (nD - 1) + nD * nman * (nman - 1) / 2;
    if (max < 1) return OP_OK;
    cmp_pair *p = op_calloc((size_t)max, sizeof *p);
    if (!p) return OP_ENOMEM;
    th_judge_in in = {c, NULL, o->full, o->seed, recs, n};
    int np = 0, s = OP_OK;
    if (cp->dslope_tol > 0 || cp->dratio_hi > 0 || cp->dequiv_unbanded)
        for (int i = 0; i < nman && !s; i++)
            for (int j = 1; j < nD && !s; j++) {
                cmp_pair *q = &p[np++];
                q->kind = CMP_DEQUIV;
                q->a = i * nD;
                q->b = i * nD + j;
                s = cmp_dequiv(cp, &in, manifolds[i], Ds[0], Ds[j], q);
            }
    if (cp->predicted_slope || cp->contrast_pair)
        for (int j = 0; j < nD && !s; j++)
            for (int i = 0; i < nman && !s; i++)
                for (int k = i + 1; k < nman && !s; k++) {
                    double di = cp->intrinsic_dim(manifolds[i]), dk = cp->intrinsic_dim(manifolds[k]);
                    if (di == dk && !cp->contrast_pair) continue;
                    int lo = dk < di ? k : i, hi = dk < di ? i : k;
                    cmp_pair *q = &p[np++];
                    q->kind = CMP_DCONTRAST;
                    q->a = lo * nD + j;
                    q->b = hi * nD + j;
                    s = cmp_dcontrast(cp, &in, manifolds[lo], fmin(di, dk), manifolds[hi], fmax(di, dk), Ds[j], q);
                }
    for (int k = 0; k < np && !s; k++)
        if (p[k].r.graded && (v[p[k].a].nfailed || v[p[k].b].nfailed))
            p[k].r.grade = st_grade_worst(p[k].r.grade, ST_MARGINAL);
    if (s) {
        free(p);
        return s;
    }
    *out = p;
    *nout = np;
    return OP_OK;
}

static const char *cmp_kind_name(cmp_kind k) { return k == CMP_DEQUIV ? "D-equivalence" : "d-contrast"; }
static const char *cmp_verdict(const cmp_pair *p) { return p->r.graded ? st_grade_name(p->r.grade) : "n/a"; }

static void cmp_pairs_print(FILE *f, const cmp_pair *p, int np, const char *const *manifolds, const double *Ds,
                            int nD)
{
    for (int k = 0; k < np; k++) {
        if (k == 0 || p[k].kind != p[k - 1].kind)
            fprintf(f, "\n%s\n", p[k].kind == CMP_DEQUIV
                                     ? "D-equivalence (paired per seed: each D against the first, same manifold; "
                                       "TOST: the whole 90 % interval in the band)"
                                     : "d-contrast (paired per seed: slope(higher d) - slope(lower d), same D; "
                                       "graded like a slope)");
        char a[96], b[96], df[32], lo[32], hi[32], pr[32], bl[32], bh[32];
        snprintf(a, sizeof a, "%s D=%g", manifolds[p[k].a / nD], Ds[p[k].a % nD]);
        snprintf(b, sizeof b, "%s D=%g", manifolds[p[k].b / nD], Ds[p[k].b % nD]);
        th_fmt_num(df, sizeof df, p[k].r.diff.mean);
        th_fmt_num(lo, sizeof lo, p[k].r.diff.lo);
        th_fmt_num(hi, sizeof hi, p[k].r.diff.hi);
        th_fmt_num(pr, sizeof pr, p[k].r.pred);
        th_fmt_num(bl, sizeof bl, p[k].r.lo);
        th_fmt_num(bh, sizeof bh, p[k].r.hi);
        fprintf(f, "%-13s %-24s vs %-24s %s %s 90%%[%s,%s]%s n=%d  predicted %s band [%s,%s]%s%s%s  %s\n",
                cmp_kind_name(p[k].kind), a, b, p[k].stat, df, lo, hi, p[k].r.paired ? "" : " unpaired", p[k].r.diff.n,
                pr, bl, bh, p[k].r.detail[0] ? " (" : "", p[k].r.detail, p[k].r.detail[0] ? ")" : "", cmp_verdict(&p[k]));
    }
}

/* DIR/compare/<id>-pairs.csv: one row per pair (the detail quoted: it holds commas). */
static void cmp_pairs_csv(op_buf *csv, const cmp_pair *p, int np, const char *const *manifolds, const double *Ds,
                          int nD)
{
    op_buf_puts(csv, "kind,manifold_a,D_a,manifold_b,D_b,diff,lo90,hi90,predicted,band_lo,band_hi,paired,n_seeds,"
                     "verdict,statistic,detail\n");
    for (int k = 0; k < np; k++)
        op_buf_printf(csv, "%s,%s,%g,%s,%g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%d,%d,%s,%s,\"%s\"\n",
                      cmp_kind_name(p[k].kind), manifolds[p[k].a / nD], Ds[p[k].a % nD], manifolds[p[k].b / nD],
                      Ds[p[k].b % nD], p[k].r.diff.mean, p[k].r.diff.lo, p[k].r.diff.hi, p[k].r.pred, p[k].r.lo, p[k].r.hi,
                      p[k].r.paired, p[k].r.diff.n, cmp_verdict(&p[k]), p[k].stat, p[k].r.detail);
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
    const double *Ds = g.axes[ad].values;

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
    /* a row is one subset, judged by the check's judge, or by its subset_judge through
     * a copy of the check (only then: a study's judge finds its settings by the check's
     * address) */
    th_check sc = *c;
    sc.judge = cp->subset_judge;
    const th_check *rc = cp->subset_judge ? &sc : c;
    int s = OP_OK;
    for (int k = 0; k < ncomb && !s; k++) {
        const char *m = manifolds[k / nD];
        double D = Ds[k % nD];
        int ns = 0;
        for (int i = 0; i < n; i++) {
            const char *rm = cp->manifold_axis ? rec_param_str(&recs[i], cp->manifold_axis) : m;
            if (rm && strcmp(rm, m) == 0 && rec_param(&recs[i], cp->ambient_axis) == D) sub[ns++] = recs[i];
        }
        s = th_judge_variant(rc, o, NULL, sub, ns, &v[k]);
    }
    free(sub);
    cmp_pair *pairs = NULL;
    int npairs = 0;
    if (!s) s = cmp_pairs(c, o, manifolds, nman, Ds, nD, recs, n, v, &pairs, &npairs);
    free(recs);
    for (int k = 0; k < ncomb && !s; k++)
        *worst = st_grade_worst(*worst, v[k].grade);
    for (int k = 0; k < npairs && !s; k++)
        if (pairs[k].r.graded) *worst = st_grade_worst(*worst, pairs[k].r.grade);
    /* Under MPI every rank judged the same records (so all exit alike); rank 0 reports. */
    if (sw_dist_rank() != 0) {
        free(v);
        free(pairs);
        return s;
    }

    op_buf csv, pcsv;
    op_buf_init(&csv);
    op_buf_init(&pcsv);
    op_buf_puts(&csv, "manifold,d,D,measured,se,predicted,band_lo,band_hi,verdict,n_runs,n_failed\n");
    if (!s) {
        fprintf(table, "%-18s %4s %6s  %-18s %10s  %s\n", "manifold", "d", "D", "measured ± s.e.", "predicted",
                "verdict");
    }
    for (int k = 0; k < ncomb && !s; k++) {
        const char *m = manifolds[k / nD];
        double D = Ds[k % nD], d = cp->intrinsic_dim(m);
        char me[32], se[32], pr[32], lo[32], hi[32], ms[80];
        th_fmt_num(me, sizeof me, v[k].measured);
        th_fmt_num(se, sizeof se, v[k].se);
        if (v[k].predicted_text[0]) /* e.g. "-1.00[derived]", "<=0.9" */
            snprintf(pr, sizeof pr, "%.31s", v[k].predicted_text);
        else
            th_fmt_num(pr, sizeof pr, v[k].predicted);
        th_fmt_num(lo, sizeof lo, v[k].lo);
        th_fmt_num(hi, sizeof hi, v[k].hi);
        snprintf(ms, sizeof ms, "%s ± %s", me, se);
        fprintf(table, "%-18s %4g %6g  %-18s %10s  %s%s\n", m, d, D, ms, pr, st_grade_name(v[k].grade),
                v[k].nfailed ? " (failed runs excluded)" : "");
        op_buf_printf(&csv, "%s,%g,%g,%.10g,%.10g,%.10g,%.10g,%.10g,%s,%d,%d\n", m, d, D, v[k].measured, v[k].se,
                      v[k].predicted, v[k].lo, v[k].hi, st_grade_name(v[k].grade), v[k].nruns, v[k].nfailed);
    }
    if (!s) {
        cmp_pairs_print(table, pairs, npairs, manifolds, Ds, nD);
        cmp_pairs_csv(&pcsv, pairs, npairs, manifolds, Ds, nD);
    }
    free(pairs);
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/compare", o->out);
    if (!s) s = op_mkdir_p(dir);
    if (!s) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, c->id);
        s = csv.oom ? OP_ENOMEM : op_write_atomic(path, csv.s, csv.len);
    }
    if (!s) {
        snprintf(path, sizeof path, "%s/%s-pairs.csv", dir, c->id);
        s = pcsv.oom ? OP_ENOMEM : op_write_atomic(path, pcsv.s, pcsv.len);
    }
    op_buf_free(&csv);
    op_buf_free(&pcsv);
    if (!s && o->figures) {
        static char titles[PL_MAX_SERIES][3][96];
        /* the axes of the figure the rows' curves belong to (the first row's) */
        int rs = cp->row_series;
        int fi = ncomb && v[0].nseries > rs ? v[0].series[rs].figure : 0;
        const th_figure *fd = &c->figures[fi >= 0 && fi < th_nfigures(c) ? fi : 0];
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
            if (v[k].nseries <= rs) continue;
            const th_series *se = &v[k].series[rs];
            snprintf(titles[k][0], 96, "%s, D=%g", manifolds[k / nD], Ds[k % nD]);
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
                fprintf(table, "figure: %s/%s.png (.pdf, .dat, .gp); tables: %s/%s.csv and %s-pairs.csv\n", dir,
                        c->id, dir, c->id, c->id);
        }
    }
    free(v);
    return s;
}
