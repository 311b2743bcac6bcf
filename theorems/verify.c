/* One check, end to end: plan -> execute -> judge from records -> emit. */
#include "verify.h"
#include "verify_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "core/version.h"
#include "data/dataset.h"
#include "nn/nn.h"
#include "plot/plot.h"
#include "sweep/dist.h"

typedef struct {
    const th_check *c;
    int full;
    nn_conv_path conv;
    const char *dataset_dir;
} run_user;

static int run_one(void *user, const sw_run *u, rec_record *rec)
{
    const run_user *ru = user;
    const th_check *c = ru->c;
    th_run_ctx ctx = {c, u->control[0] ? u->control : NULL, ru->full, u->key, u->seed, u->data_seed, ru->conv,
                      ru->dataset_dir};
    op_rng rng;
    op_rng_seed(&rng, u->seed);
    th_metrics m;
    for (int i = 0; i < TH_MAX_METRICS; i++) m.v[i] = NAN;
    int s = c->run(&ctx, u, &rng, &m);
    int nm = th_nmetrics(c);
    rec->nmetrics = nm;
    for (int i = 0; i < nm; i++) {
        snprintf(rec->mname[i], REC_NAME, "%s", c->metrics[i]);
        rec->mval[i] = s == OP_OK || s == OP_EDIVERGE ? m.v[i] : NAN;
    }
    return s;
}

int th_identity(const th_opts *o, rec_identity *id)
{
    memset(id, 0, sizeof *id);
    id->format = REC_FORMAT;
    id->base_seed = o->seed;
    snprintf(id->preset, sizeof id->preset, "%s", o->full ? "full" : "quick");
    /* auto with the rule's version (NN_CONV_RULE): a record of an older rule is redone */
    if (o->conv == NN_CONV_AUTO)
        snprintf(id->conv, sizeof id->conv, "auto@%d", NN_CONV_RULE);
    else
        snprintf(id->conv, sizeof id->conv, "%s", nn_conv_path_name(o->conv));
    /* the class, not the set: avx512 and avx2 give the same bits, so their records are
     * shared; base (no FMA) differs in the last bits (docs/running.md, Resume) */
    snprintf(id->isa, sizeof id->isa, "%s", nn_isa_class(nn_isa_name()));
    return dt_dataset_identity(o->dataset_dir, id->dataset, sizeof id->dataset, id->dataset_fp, sizeof id->dataset_fp);
}

static int plan_variant(const th_check *c, const th_opts *o, const sw_grid *g, const char *control, sw_run **runs,
                        int *nruns)
{
    if (!o->identity) OP_ERROR(OP_EINTERNAL, "%s: no run identity (th_identity) in the options", c->id);
    /* A forced convolution path (--conv) gives other bits than the rule: its runs get
     * their own keys ("conv=direct/...", same seeds), so the two can share one --out.
     * A study's key tag ("study=<hash>") goes first, and its seeds derive from its
     * seed_id (theorems/study.h): sw_plan seeds from the name it is given. */
    char tag[96] = "";
    int k = c->key_tag ? snprintf(tag, sizeof tag, "%s", c->key_tag) : 0;
    if (o->conv != NN_CONV_AUTO)
        snprintf(tag + k, sizeof tag - (size_t)k, "%sconv=%s", k ? "/" : "", nn_conv_path_name(o->conv));
    const char *seed_name = c->seed_id ? c->seed_id : c->id;
    OP_TRY(sw_plan(seed_name, g, control, tag, o->seed, runs, nruns));
    /* A control's runs that equal the theorem's (th_control.shares_main) take the
     * theorem's run: the same grid plans the same order, so run i matches run i. */
    const th_control *ct = control ? th_find_control(c, control) : NULL;
    if (!ct || !ct->shares_main) return OP_OK;
    sw_run *main_runs;
    int nmain;
    int s = sw_plan(seed_name, g, NULL, tag, o->seed, &main_runs, &nmain);
    if (!s && nmain != *nruns) s = op_error_set(OP_EINTERNAL, __FILE__, __LINE__, "%s/%s: plans differ", c->id, control);
    for (int i = 0; !s && i < *nruns; i++)
        if (ct->shares_main(&(*runs)[i])) (*runs)[i] = main_runs[i];
    free(main_runs);
    if (s) {
        free(*runs);
        *runs = NULL;
    }
    return s;
}

/* Records of another identity are rerun and replaced (src/sweep/sweep.h "Resume"); say
 * so once per check, before its first run, so a log shows why finished runs are redone
 * and how to keep both. */
int th_note_replaced(const th_check *c, const th_opts *o, const sw_grid *g, const char *const *variants, int nv)
{
    if (sw_dist_rank() != 0) return OP_OK;
    int total = 0;
    rec_identity first = {0};
    for (int k = 0; k < nv; k++) {
        sw_run *runs;
        int nruns, n;
        rec_identity f;
        OP_TRY(plan_variant(c, o, g, variants[k], &runs, &nruns));
        int s = sw_foreign(o->out, c->id, runs, nruns, o->identity, &n, &f);
        free(runs);
        OP_TRY(s);
        if (n && !total) first = f;
        total += n;
    }
    if (total) {
        char what[600];
        rec_identity_diff(&first, o->identity, what, sizeof what);
        fprintf(stderr,
                "overparam: %s: replacing %d record%s made with other settings (%s) in %s/%s/runs: "
                "their runs are redone; use one --out per seed, preset and data set to keep both\n",
                c->id, total, total == 1 ? "" : "s", what, o->out, c->id);
    }
    return OP_OK;
}

/* Plans, executes (resuming) and reads back the records of one variant. */
int th_sweep_variant(const th_check *c, const th_opts *o, const sw_grid *g, const char *control,
                     rec_record **recs_out, int *n_out)
{
    sw_run *runs;
    int nruns;
    OP_TRY(plan_variant(c, o, g, control, &runs, &nruns));
    run_user ru = {c, o->full, o->conv, o->dataset_dir};
    char label[96];
    snprintf(label, sizeof label, "%s%s%s", c->id, control ? "/" : "", control ? control : "");
    sw_stats st;
    int s = sw_execute(o->out, c->id, runs, nruns, o->identity, run_one, &ru, o->threads, label, &st);
    if (s) {
        free(runs);
        return s;
    }
    rec_record *recs = op_malloc((unsigned long)nruns * sizeof *recs);
    int *have = op_calloc((unsigned long)nruns, sizeof *have);
    if (!recs || !have) {
        free(recs);
        free(have);
        free(runs);
        return OP_ENOMEM;
    }
    sw_load(o->out, c->id, runs, nruns, o->identity, recs, have); /* this identity's records only */
    int k = 0, missing = 0;
    for (int i = 0; i < nruns; i++) {
        if (have[i])
            recs[k++] = recs[i];
        else
            missing++;
    }
    free(have);
    free(runs);
    if (missing) {
        free(recs);
        OP_ERROR(OP_EIO, "%s: %d run records missing or unreadable after the sweep", label, missing);
    }
    *recs_out = recs;
    *n_out = k;
    return OP_OK;
}

int th_judge_variant(const th_check *c, const th_opts *o, const char *control, const rec_record *recs,
                     int n, th_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->measured = v->se = v->predicted = NAN;
    v->lo = -INFINITY;
    v->hi = INFINITY;
    th_judge_in in = {c, control, o->full, o->seed, recs, n};
    OP_TRY(c->judge(&in, v));
    if (!control) th_verdict_cap_failed(&in, v); /* a failed run: no better than MARGINAL (issue 15) */
    v->nruns = n;
    for (int i = 0; i < n; i++) v->nfailed += recs[i].status != REC_OK;
    return OP_OK;
}

void th_fmt_num(char *buf, size_t len, double x)
{
    if (isnan(x))
        snprintf(buf, len, "nan");
    else if (isinf(x))
        snprintf(buf, len, x > 0 ? "inf" : "-inf");
    else if (fabs(x) >= 1000 && fabs(x) < 1e7)
        snprintf(buf, len, "%.0f", x);
    else
        snprintf(buf, len, "%.3g", x);
}

/* "measured=<x>±<se> predicted=<p> band=[lo,hi]" */
void th_fmt_numbers(const th_verdict *v, char *buf, size_t len)
{
    char m[32], se[32], p[40], lo[32], hi[32];
    th_fmt_num(m, sizeof m, v->measured);
    th_fmt_num(se, sizeof se, v->se);
    if (v->predicted_text[0])
        snprintf(p, sizeof p, "%s", v->predicted_text);
    else
        th_fmt_num(p, sizeof p, v->predicted);
    th_fmt_num(lo, sizeof lo, v->lo);
    th_fmt_num(hi, sizeof hi, v->hi);
    snprintf(buf, len, "measured=%s±%s predicted=%s band=[%s,%s]", m, se, p, lo, hi);
}

static void csv_num(op_buf *b, double x)
{
    if (isfinite(x))
        op_buf_printf(b, ",%.10g", x);
    else
        op_buf_puts(b, ",");
}

static void add_summary(op_buf *b, const char *variant, const th_verdict *v)
{
    for (int k = 0; k < v->nseries; k++) {
        const th_series *s = &v->series[k];
        for (int i = 0; i < s->n; i++) {
            /* RFC 4180: a series name with a comma (e.g. "torus:d=1, D=16") is quoted */
            if (strpbrk(s->name, ",\"\n")) {
                op_buf_printf(b, "%s,\"", variant);
                for (const char *q = s->name; *q; q++)
                    if (*q == '"')
                        op_buf_puts(b, "\"\"");
                    else
                        op_buf_printf(b, "%c", *q);
                op_buf_printf(b, "\",%d", s->figure);
            } else
                op_buf_printf(b, "%s,%s,%d", variant, s->name, s->figure);
            csv_num(b, s->x[i]);
            csv_num(b, s->y[i]);
            csv_num(b, s->ylo[i]);
            csv_num(b, s->yhi[i]);
            csv_num(b, s->fit[i]);
            csv_num(b, s->pred[i]);
            op_buf_printf(b, ",%d,%d\n", s->nok[i], s->nfailed[i]);
        }
    }
}

static int write_summary(const th_check *c, const th_opts *o, const th_result *r)
{
    op_buf b;
    op_buf_init(&b);
    op_buf_puts(&b, "variant,series,figure,x,y,y_lo,y_hi,fit,predicted,n_ok,n_failed\n");
    if (r->has_main) add_summary(&b, "theorem", &r->main);
    for (int i = 0; i < r->ncontrols; i++) {
        char name[80];
        snprintf(name, sizeof name, "control:%s", r->control_name[i]);
        add_summary(&b, name, &r->control[i]);
    }
    char path[4096];
    if (r->control_only) /* like the figures: never overwrite the check's own summary */
        snprintf(path, sizeof path, "%s/%s/summary-control-%s.csv", o->out, c->id, r->control_name[0]);
    else
        snprintf(path, sizeof path, "%s/%s/summary.csv", o->out, c->id);
    int s = b.oom ? OP_ENOMEM : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return s;
}

/* DIR/<id>/table.csv (the theorem's variant) and table-control-<NAME>.csv (each
 * control): a check's own table, when its judge filled th_verdict.table_csv. */
static int write_tables(const th_check *c, const th_opts *o, const th_result *r)
{
    char path[4096];
    if (r->has_main && r->main.table_csv[0]) {
        snprintf(path, sizeof path, "%s/%s/table.csv", o->out, c->id);
        OP_TRY(op_write_atomic(path, r->main.table_csv, strlen(r->main.table_csv)));
    }
    for (int i = 0; i < r->ncontrols; i++)
        if (r->control[i].table_csv[0]) {
            snprintf(path, sizeof path, "%s/%s/table-control-%s.csv", o->out, c->id, r->control_name[i]);
            OP_TRY(op_write_atomic(path, r->control[i].table_csv, strlen(r->control[i].table_csv)));
        }
    return OP_OK;
}

/* The band a control's graded value is measured against: the one its judge graded it
 * in (the same criteria as the theorem's), else the main variant's. A check with one
 * band per curve (approx-blocks: [-3, -1] for d = 1, [-1.5, -0.5] for d = 2) grades the
 * control's worst curve, which need not be the main variant's worst: the main band
 * would measure a d = 1 slope against the d = 2 band. */
void th_discrim_band(const th_result *r, const th_verdict *cv, double *lo, double *hi)
{
    int own = isfinite(cv->lo) || isfinite(cv->hi);
    *lo = own || !r->has_main ? cv->lo : r->main.lo;
    *hi = own || !r->has_main ? cv->hi : r->main.hi;
}

/* The nearest near-miss control (issue 15 item 4): each near-miss control's z is how
 * far its graded value lies outside the band of its criterion, in units of its own
 * s.e. (th_discrim_z, th_discrim_band); the smallest z is the check's discrimination. */
static void th_discrim(const th_check *c, th_result *r)
{
    r->discrim = -1;
    r->discrim_z = NAN;
    snprintf(r->discrim_text, sizeof r->discrim_text, "none");
    for (int i = 0; i < r->ncontrols; i++) {
        const th_control *ct = th_find_control(c, r->control_name[i]);
        if (!ct || !ct->near_miss) continue;
        const th_verdict *cv = &r->control[i];
        double lo, hi;
        th_discrim_band(r, cv, &lo, &hi);
        double z = th_discrim_z(cv, lo, hi);
        /* NaN (no s.e.) ranks as nearest: an unresolved control must not hide behind another */
        if (r->discrim < 0 || isnan(z) || (!isnan(r->discrim_z) && z < r->discrim_z)) {
            r->discrim = i;
            r->discrim_z = z;
        }
        if (isnan(z)) break;
    }
    if (r->discrim >= 0) {
        char zt[32];
        if (isnan(r->discrim_z))
            snprintf(zt, sizeof zt, "nan");
        else if (isinf(r->discrim_z))
            snprintf(zt, sizeof zt, "%sinf", r->discrim_z < 0 ? "-" : "");
        else
            snprintf(zt, sizeof zt, "%.1f", r->discrim_z);
        snprintf(r->discrim_text, sizeof r->discrim_text, "%s:%s", r->control_name[r->discrim], zt);
    }
}

/* DIR/<id>/controls.csv (controls-<NAME>.csv under --control): one row per control
 * run, with its grade, graded value, s.e., the band and its discrimination z. */
static int write_controls(const th_check *c, const th_opts *o, const th_result *r)
{
    if (!r->ncontrols) return OP_OK;
    op_buf b;
    op_buf_init(&b);
    op_buf_puts(&b, "control,near_miss,grade,measured,se,band_lo,band_hi,z,nearest\n");
    for (int i = 0; i < r->ncontrols; i++) {
        const th_control *ct = th_find_control(c, r->control_name[i]);
        const th_verdict *cv = &r->control[i];
        double lo, hi;
        th_discrim_band(r, cv, &lo, &hi);
        op_buf_printf(&b, "%s,%d,%s", r->control_name[i], ct && ct->near_miss, st_grade_name(cv->grade));
        double z = th_discrim_z(cv, lo, hi);
        double vals[5] = {cv->measured, cv->se, lo, hi, z};
        for (int k = 0; k < 5; k++) {
            if (isnan(vals[k]))
                op_buf_puts(&b, ",");
            else if (isinf(vals[k]))
                op_buf_puts(&b, vals[k] > 0 ? ",inf" : ",-inf");
            else
                op_buf_printf(&b, ",%.10g", vals[k]);
        }
        op_buf_printf(&b, ",%d\n", i == r->discrim);
    }
    char path[4096];
    if (r->control_only)
        snprintf(path, sizeof path, "%s/%s/controls-%s.csv", o->out, c->id, r->control_name[0]);
    else
        snprintf(path, sizeof path, "%s/%s/controls.csv", o->out, c->id);
    int s = b.oom ? OP_ENOMEM : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return s;
}

/* The verdict file name of a result: verdict-<preset>.txt, or
 * verdict-<preset>-control-<NAME>.txt under --control NAME. */
void th_verdict_file(const th_result *r, int full, char *buf, size_t len)
{
    if (r->control_only)
        snprintf(buf, len, "verdict-%s-control-%s.txt", full ? "full" : "quick", r->control_name[0]);
    else
        snprintf(buf, len, "verdict-%s.txt", full ? "full" : "quick");
}

/* key=value with the value's backslashes and line breaks escaped (one line per key) */
static void kv(op_buf *b, const char *key, const char *val)
{
    op_buf_printf(b, "%s=", key);
    for (const char *q = val ? val : ""; *q; q++) {
        if (*q == '\\')
            op_buf_puts(b, "\\\\");
        else if (*q == '\n')
            op_buf_puts(b, "\\n");
        else if (*q == '\r')
            op_buf_puts(b, "\\r");
        else
            op_buf_printf(b, "%c", *q);
    }
    op_buf_puts(b, "\n");
}

static void kv_num(op_buf *b, const char *key, double x)
{
    if (isnan(x))
        op_buf_printf(b, "%s=nan\n", key);
    else if (isinf(x))
        op_buf_printf(b, "%s=%s\n", key, x > 0 ? "inf" : "-inf");
    else
        op_buf_printf(b, "%s=%.17g\n", key, x);
}

/* DIR/<id>/verdict-<preset>[-control-<NAME>].txt: this call's verdict of the check in
 * key=value lines, so that report.md/.html can list every check under DIR with its
 * latest result per preset (th_report_write reads these files, not this call's
 * results). The date is the time of writing (UTC), or SOURCE_DATE_EPOCH when set. */
static int write_verdict(const th_check *c, const th_opts *o, const th_result *r)
{
    const th_verdict *lv = r->has_main ? &r->main : &r->control[0];
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        if (!*end && t >= 0) now = (time_t)t;
    }
    struct tm tm;
    char date[32] = "unknown";
    if (gmtime_r(&now, &tm)) strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char seed[24], num[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    op_buf b;
    op_buf_init(&b);
    op_buf_puts(&b, "# overparam verdict of one check and preset (report.md/.html are rebuilt from these files)\n");
    kv(&b, "format", "1");
    kv(&b, "check", c->id);
    kv(&b, "control_only", r->control_only ? r->control_name[0] : "");
    kv(&b, "preset", o->full ? "full" : "quick");
    kv(&b, "base_seed", seed);
    kv(&b, "conv", nn_conv_path_name(o->conv)); /* the path; the records' identity adds the rule's version */
    kv(&b, "dataset", o->identity ? o->identity->dataset : "");
    kv(&b, "date", date);
    kv(&b, "version", OP_VERSION);
    kv(&b, "commit", OP_GIT_COMMIT);
    kv(&b, "verdict", st_grade_name(r->control_only ? lv->grade : r->final));
    kv(&b, "graded", c->graded ? c->graded : "");
    kv_num(&b, "measured", lv->measured);
    kv_num(&b, "se", lv->se);
    kv_num(&b, "predicted", lv->predicted);
    kv(&b, "predicted_text", lv->predicted_text);
    kv_num(&b, "band_lo", lv->lo);
    kv_num(&b, "band_hi", lv->hi);
    kv(&b, "control", r->control_text);
    op_buf_puts(&b, "controls_run=");
    for (int i = 0; i < r->ncontrols; i++) op_buf_printf(&b, "%s%s", i ? "," : "", r->control_name[i]);
    op_buf_puts(&b, "\n");
    kv(&b, "discrim", r->ncontrols ? r->discrim_text : "skipped");
    op_buf_puts(&b, "figures=");
    for (int f = 0; f < r->nfig; f++) op_buf_printf(&b, "%s%s", f ? "," : "", r->fig[f]);
    op_buf_puts(&b, "\n");
    kv(&b, "figure_status", r->figure_status);
    snprintf(num, sizeof num, "%d", lv->nruns);
    kv(&b, "runs", num);
    snprintf(num, sizeof num, "%d", lv->nfailed);
    kv(&b, "failed_runs", num);
    kv_num(&b, "seconds", r->seconds);
    kv(&b, "line", r->line);
    /* the check's texts, so the report of a later call that does not know the check (a
     * study, theorems/study.h) still shows them */
    kv(&b, "citation", c->citation);
    kv(&b, "claim", c->claim);
    kv(&b, "prediction", c->prediction);
    kv(&b, "band_source", c->band_source);
    char name[160], path[4096];
    th_verdict_file(r, o->full, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s/%s", o->out, c->id, name);
    int s = b.oom ? OP_ENOMEM : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return s;
}

static void default_note(const th_verdict *v, char *buf, size_t len)
{
    if (v->note[0]) {
        snprintf(buf, len, "%s", v->note);
        return;
    }
    char m[32], se[32], p[40];
    th_fmt_num(m, sizeof m, v->measured);
    th_fmt_num(se, sizeof se, v->se);
    if (v->predicted_text[0])
        snprintf(p, sizeof p, "%s", v->predicted_text);
    else
        th_fmt_num(p, sizeof p, v->predicted);
    snprintf(buf, len, "measured %s ± %s, predicted %s", m, se, p);
}

/* Adds verdict v's series of figure f to the figure (titles suffixed for controls).
 * Returns how many of them did not fit (a figure holds PL_MAX_SERIES curves). */
static int add_series(pl_figure *pf, const th_verdict *v, int f, const char *control,
                      char titles[][3][96], int *nt)
{
    int dropped = 0;
    for (int k = 0; k < v->nseries; k++) {
        const th_series *s = &v->series[k];
        if (s->figure != f) continue;
        if (pf->nseries == PL_MAX_SERIES) {
            dropped++;
            continue;
        }
        pl_series *p = &pf->s[pf->nseries++];
        char(*t)[96] = titles[(*nt)++];
        if (control && strcmp(s->name, control) != 0)
            snprintf(t[0], 96, "%s (control %s)", s->name, control);
        else if (control)
            snprintf(t[0], 96, "%s (control)", s->name);
        else
            snprintf(t[0], 96, "%s", s->name);
        snprintf(t[1], 96, "%s", s->fit_title[0] ? s->fit_title : "fit");
        snprintf(t[2], 96, "%s", s->pred_title[0] ? s->pred_title : "predicted");
        *p = (pl_series){t[0], t[1], t[2], s->n, s->x, s->y, s->ylo, s->yhi, s->fit, s->pred, 1,
                         s->blo, s->bhi, s->band_title[0] ? s->band_title : NULL};
    }
    return dropped;
}

static int emit_figures(const th_check *c, const th_opts *o, th_result *r)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", o->out, c->id);
    const char *gp = pl_gnuplot_path();
    if (!gp) snprintf(r->figure_status, sizeof r->figure_status, "figures skipped (gnuplot not found)");
    static _Thread_local char titles[PL_MAX_SERIES][3][96];
    for (int f = 0; f < th_nfigures(c); f++) {
        const th_figure *fd = &c->figures[f];
        pl_figure pf = {0};
        /* --control NAME alone gets its own file stem, so it never overwrites the
         * check's own figure in the same --out */
        char stem[sizeof r->fig[0]];
        if (r->control_only)
            snprintf(stem, sizeof stem, "%s-control-%s", fd->name, r->control_name[0]);
        else
            snprintf(stem, sizeof stem, "%s", fd->name);
        pf.dir = dir;
        pf.name = stem;
        pf.title = fd->title;
        pf.xlabel = fd->xlabel;
        pf.ylabel = fd->ylabel;
        pf.logx = fd->logx;
        pf.logy = fd->logy;
        pf.vline = fd->vline != 0 ? fd->vline : NAN;
        pf.vline_label = fd->vline_label;
        /* the note and the graded limits come from the theorem's variant (a control
         * alone: its own); a figure of other data than the graded quantity gets only a
         * note of its own, never another figure's number */
        const th_verdict *nv = r->has_main ? &r->main : &r->control[0];
        char note[160];
        if (nv->fig_note[f][0])
            snprintf(note, sizeof note, "%s", nv->fig_note[f]);
        else
            default_note(nv, note, sizeof note);
        pf.note = nv->fig_note[f][0] || !fd->ungraded ? note : NULL;
        for (int j = 0; j < nv->nrefs && pf.nrefs < PL_MAX_REFS; j++)
            if (nv->refs[j].figure == f)
                pf.refs[pf.nrefs++] = (pl_ref){nv->refs[j].lo, nv->refs[j].hi, nv->refs[j].label};
        int nt = 0, dropped = 0;
        if (r->has_main) dropped += add_series(&pf, &r->main, f, NULL, titles, &nt);
        for (int i = 0; i < r->ncontrols; i++)
            dropped += add_series(&pf, &r->control[i], f, r->control_name[i], titles, &nt);
        if (dropped) /* never silently: the summary.csv still lists every curve */
            fprintf(stderr, "overparam: %s: figure %s holds %d curves; %d more left out (they are in summary.csv)\n",
                    c->id, stem, PL_MAX_SERIES, dropped);
        if (pf.nseries == 0) continue;
        OP_TRY(pl_write(&pf));
        snprintf(r->fig[r->nfig++], sizeof r->fig[0], "%s", stem);
        if (gp) {
            int s = pl_render(dir, stem, 120.0);
            if (s) {
                snprintf(r->figure_status, sizeof r->figure_status, "figures not rendered: %s",
                         op_error_message());
                op_error_clear();
            }
        }
    }
    return OP_OK;
}

int th_verify(const th_check *c, const th_opts *o, th_result *r)
{
    memset(r, 0, sizeof *r);
    r->check = c;
    double t0 = op_now();
    const char *variants[1 + TH_MAX_CONTROLS];
    int nv = 0;
    if (o->only_control) {
        if (!th_find_control(c, o->only_control)) {
            char names[256] = "";
            for (int i = 0, k = 0; i < th_ncontrols(c); i++)
                k += snprintf(names + k, sizeof names - (size_t)k, "%s%s", i ? ", " : "", c->controls[i].name);
            OP_ERROR(OP_EUSAGE, "--control %s: check %s has no such control; its controls: %s",
                     o->only_control, c->id, names[0] ? names : "(none)");
        }
        r->control_only = 1;
        variants[nv++] = o->only_control;
    } else {
        r->has_main = 1;
        variants[nv++] = NULL;
        if (!o->no_controls)
            for (int i = 0; i < th_ncontrols(c); i++) variants[nv++] = c->controls[i].name;
    }
    const sw_grid *g = o->full ? &c->full : &c->quick;
    OP_TRY(th_note_replaced(c, o, g, variants, nv));
    for (int k = 0; k < nv; k++) {
        rec_record *recs;
        int n;
        OP_TRY(th_sweep_variant(c, o, g, variants[k], &recs, &n));
        th_verdict *v = variants[k] ? &r->control[r->ncontrols] : &r->main;
        int s = th_judge_variant(c, o, variants[k], recs, n, v);
        free(recs);
        OP_TRY(s);
        if (variants[k]) r->control_name[r->ncontrols++] = variants[k];
    }
    /* Controls must FAIL: one that does not makes the check FAIL. */
    int unexpected = -1;
    for (int i = 0; i < r->ncontrols; i++)
        if (r->control[i].grade != ST_FAIL && unexpected < 0) unexpected = i;
    if (r->ncontrols == 0)
        snprintf(r->control_text, sizeof r->control_text, "skipped");
    else if (unexpected < 0)
        snprintf(r->control_text, sizeof r->control_text, "FAIL(as required)");
    else
        snprintf(r->control_text, sizeof r->control_text, "%s(unexpected!)",
                 st_grade_name(r->control[unexpected].grade));
    th_discrim(c, r);
    const th_verdict *lv = r->has_main ? &r->main : &r->control[0];
    if (r->control_only)
        r->final = unexpected < 0 ? ST_PASS : ST_FAIL; /* the control did what it must */
    else
        r->final = unexpected < 0 ? r->main.grade : ST_FAIL;

    /* Under MPI every rank judges (cheap, and all agree on the exit code); rank 0
     * alone writes the outputs. */
    if (sw_dist_rank() == 0) {
        OP_TRY(write_summary(c, o, r));
        OP_TRY(write_controls(c, o, r));
        OP_TRY(write_tables(c, o, r));
        if (o->figures) OP_TRY(emit_figures(c, o, r));
    }

    char nums[256];
    th_fmt_numbers(lv, nums, sizeof nums);
    int len = snprintf(r->line, sizeof r->line, "overparam: %s%s%s %s %s control=%s", c->id,
                       r->control_only ? "/" : "", r->control_only ? r->control_name[0] : "",
                       st_grade_name(r->control_only ? lv->grade : r->final), nums, r->control_text);
    if (lv->extra[0]) len += snprintf(r->line + len, sizeof r->line - (size_t)len, " %s", lv->extra);
    if (r->has_main)
        for (int i = 0; i < r->ncontrols; i++) {
            char m[32];
            th_fmt_num(m, sizeof m, r->control[i].measured);
            len += snprintf(r->line + len, sizeof r->line - (size_t)len, " %s=%s(%s)", r->control_name[i],
                            st_grade_name(r->control[i].grade), m);
        }
    if (r->ncontrols) len += snprintf(r->line + len, sizeof r->line - (size_t)len, " discrim=%s", r->discrim_text);
    if (lv->nfailed)
        len += snprintf(r->line + len, sizeof r->line - (size_t)len, " failed_runs=%d/%d%s%s", lv->nfailed,
                        lv->nruns, lv->failed_run[0] ? " first_failed=" : "", lv->failed_run);
    r->seconds = op_now() - t0;
    if (sw_dist_rank() == 0) OP_TRY(write_verdict(c, o, r)); /* last: the report reads it */
    return OP_OK;
}
