/* The theorem-check interface (DESIGN.md "A theorem check").
 *
 * A check is one file in theorems/ defining one `const th_check` and one line in
 * theorems/checks.list. It declares, as data: its id, citation, claim, prediction
 * and band (fixed before results, with the band's source), metric names, quick and
 * full grids, controls (variants under which the hypothesis is false and the check
 * must FAIL), figures, and optionally compare support. Two functions do the work:
 *
 *   run(ctx, p, rng, out)  one run of the grid: sample, train, measure; writes
 *                          out->v[i] for each declared metric i. Single-threaded;
 *                          seeded only by ctx->seed / ctx->data_seed / rng.
 *                          Return OP_OK, OP_EDIVERGE (NaN/Inf: the run is recorded
 *                          as failed, never averaged), or an error status.
 *   judge(in, v)           gets the records of one variant (the theorem's own, or
 *                          one control) and fills the verdict: grade, measured ±
 *                          s.e., predicted, band, extra fields, and the curves
 *                          (th_series) for summary.csv and the figures.
 *
 * The framework (theorems/verify.c) does the rest: plans the grid into keyed runs,
 * executes them in parallel with resume, judges each variant from the records on
 * disk, writes summary.csv and figures (the main curves overlaid with each
 * control's), prints the verdict line and feeds the report. A control is judged by
 * the same judge with ctx->control set; it must come out FAIL.
 *
 * Example (a rate check; see tests/selftest/selftest_rate.c for a complete one):
 *
 *   enum { M_ERR };
 *   static int my_run(const th_run_ctx *c, const th_params *p, op_rng *rng, th_metrics *out)
 *   {
 *       long n = (long)th_get(p, "n");
 *       op_rng data; op_rng_seed(&data, c->data_seed);   // same pool for every n
 *       ... sample n points from `data`, train with `rng`, measure ...
 *       out->v[M_ERR] = test_mse;
 *       return isfinite(test_mse) ? OP_OK : OP_EDIVERGE;
 *   }
 *   static int my_judge(const th_judge_in *in, th_verdict *v)
 *   {
 *       double d = 2, pred = -2.0 / (2.0 + d);
 *       return th_judge_rate(in, "n", M_ERR, pred, pred - 0.25, pred + 0.15, 0, v);
 *   }
 *   const th_check th_my_check = {
 *       .id = "my-check", .citation = "Author et al., Venue Year, Thm 1",
 *       .claim = "test MSE decays like n^(-2/(2+d))",
 *       .prediction = "slope -2/(2+d) = -0.5", .band_source = "theory; pilot within 0.03",
 *       .graded = "slope of log test MSE vs log n",
 *       .metrics = {"test_mse"},
 *       .quick = {.axes = {{"n", 4, {256, 512, 1024, 2048}}}, .seeds = 5},
 *       .full  = {.axes = {{"n", 5, {256, 512, 1024, 2048, 4096}}}, .seeds = 10},
 *       .controls = {{"rough", "non-smooth target: the rate is slower, so the band must FAIL"}},
 *       .figures = {{"rate", "test MSE vs n", "n", "test MSE", 1, 1}},
 *       .run = my_run, .judge = my_judge,
 *   };
 *   // theorems/checks.list: my-check  PASS  rough
 *
 * Controls: run() sees ctx->control (NULL, or the control's name) and changes the
 * experiment accordingly; judge() is the same function (it may read in->control,
 * e.g. to keep the prediction of the theorem's variant). Control runs use the same
 * seeds as the theorem's runs (common random numbers); their keys start with
 * "control=<name>/".
 *
 * Compare support: set .compare.manifold_axis (a string axis holding the manifold
 * spec, e.g. "manifold") and .compare.ambient_axis (a numeric axis, e.g. "D"), and
 * .compare.intrinsic_dim. `overparam compare` replaces those two axes' values by
 * the --manifolds and --ambient lists, runs the sweep, and calls judge (or
 * .compare.subset_judge) once per (manifold, D) subset of the records; the verdict's
 * series 0 (or .compare.row_series: measured, fit and predicted) becomes one curve of
 * the comparison figure.
 * A check on one manifold sets .fixed_manifold instead of .manifold_axis (--ambient
 * only). The pair sections (D-equivalence: every D against the first at one manifold;
 * d-contrast: manifolds of different d at one D; paired per seed, in the table and in
 * DIR/compare/<id>-pairs.csv) come from the declared rate (.x_axis, .metric or
 * .log_table) and bands (.dslope_tol, .dratio_lo/hi, .predicted_slope,
 * .contrast_dtol, or the check's own .contrast_pair): the judge's own numbers, never
 * new ones (th_compare below; docs/running.md section 3). */
#ifndef TH_CHECK_H
#define TH_CHECK_H

#include <math.h>
#include <stdint.h>

#include "core/rng.h"
#include "nn/nn.h"
#include "stats/stats.h"
#include "store/record.h"
#include "sweep/sweep.h"

#define TH_MAX_METRICS REC_MAX_METRICS
#define TH_MAX_CONTROLS 4
#define TH_MAX_FIGURES 4
#define TH_MAX_CITES 4
#define TH_MAX_SERIES 16 /* manifold-rate full preset: 3 manifolds x 2 D = 6 curves */
#define TH_MAX_POINTS 64

/* A run's parameters: the grid point (axis names/values/labels), the seed index. */
typedef sw_run th_params;
double th_get(const th_params *p, const char *name);          /* NaN if absent or a string */
const char *th_get_str(const th_params *p, const char *name); /* NULL if absent or numeric */

typedef struct {
    double v[TH_MAX_METRICS]; /* in the order of th_check.metrics */
} th_metrics;

struct th_check;

typedef struct {
    const struct th_check *check;
    const char *control; /* NULL for the theorem's own variant, else the control's name */
    int full;            /* 1 under the full preset */
    const char *key;     /* this run's key */
    uint64_t seed;       /* this run's seed (rng is seeded with it) */
    uint64_t data_seed;  /* shared by all runs with this seed index: data pools, test sets */
    nn_conv_path conv;   /* the --conv path: a check's ConvResNets take it (nn_config.conv) */
    const char *dataset_dir; /* the image set of checks on real data (verify/figures --dataset
                              * DIR; NULL: the data module's default, dt_default_fashion_mnist_dir),
                              * for dt_dataset_load. Its resolved path and content fingerprint are
                              * in every record's run identity (store/record.h), so a resume never
                              * reuses records made on other data. */
} th_run_ctx;

typedef struct {
    const char *name; /* kebab-case, used in --control NAME and in run keys */
    const char *what; /* why the hypothesis is false under it (one line) */
    int near_miss;    /* 1: the hypothesis violated just enough (THEOREMS.md "Rules"); the
                       * verdict line's discrim= field and the report use these */
    /* Optional: 1 if the control leaves the run at these parameters exactly as the
     * theorem's own (e.g. it replaces only the d = 2 manifolds, and this run is on
     * T^1). Such a run is planned under the theorem's key, so it is done once and
     * shared by both variants (resume); its record carries no control name. The check's
     * run() must then ignore ctx->control for it, which the framework guarantees by
     * passing control = NULL. Controls use the theorem's seeds, so the records are the
     * ones the control would have made itself. */
    int (*shares_main)(const th_params *p);
} th_control;

typedef struct {
    const char *name; /* file stem, e.g. "test-error" */
    const char *title, *xlabel, *ylabel;
    int logx, logy;
    double vline;     /* marked x (e.g. the interpolation threshold); 0 = none */
    const char *vline_label;
    int ungraded;     /* 1: the figure does not show the graded quantity, so the verdict's
                       * note is not drawn on it (only a th_verdict.fig_note of its own) */
} th_figure;

/* A graded limit on a figure's y quantity (issue 21: every band or threshold that applies
 * to what a figure shows is drawn): lo..hi shaded when both are finite, else a line at
 * the finite end (lo == hi: a level). Judges add them with th_add_ref from the very
 * numbers they grade against, so the figure cannot drift from the judge. */
#define TH_MAX_REFS 4
typedef struct {
    int figure; /* index into th_check.figures */
    double lo, hi;
    char label[64]; /* legend, e.g. "graded: Lip ratio in [0.8, 1.5] at the largest net" */
} th_ref;

/* One curve of aggregated points: what summary.csv lists and a figure draws. */
typedef struct {
    char name[48]; /* e.g. "min-norm" */
    int figure;    /* index into th_check.figures */
    int n;
    double x[TH_MAX_POINTS];
    double y[TH_MAX_POINTS], ylo[TH_MAX_POINTS], yhi[TH_MAX_POINTS]; /* measured, error bar ends */
    double fit[TH_MAX_POINTS], pred[TH_MAX_POINTS]; /* NaN where not defined */
    int nok[TH_MAX_POINTS], nfailed[TH_MAX_POINTS];
    char fit_title[64], pred_title[64]; /* legends ("" = defaults) */
    /* optional graded band that moves with x (drawn shaded behind the curve; not in
     * summary.csv): used only when band_title is set */
    double blo[TH_MAX_POINTS], bhi[TH_MAX_POINTS];
    char band_title[64];
} th_series;

typedef struct {
    st_grade_t grade;
    double measured, se, predicted;
    char predicted_text[32]; /* optional, e.g. ">=10" (else %.3g of predicted) */
    double lo, hi;           /* the band; -INFINITY / INFINITY for one-sided */
    char extra[1024];        /* appended to the verdict line: "peak_at=1 ratio10=0.3" */
    char note[128];          /* figure note; default "measured X +- S, predicted P"; drawn on
                              * the figures not marked ungraded */
    char fig_note[TH_MAX_FIGURES][128]; /* a figure's own note (its own data), replacing note */
    int nrefs;
    th_ref refs[TH_MAX_REFS];
    int nseries;
    th_series series[TH_MAX_SERIES];
    int nruns, nfailed; /* filled by the framework */
    char failed_run[REC_KEY]; /* the first failed run of the variant (plan order), "" if none */
    char table_csv[2048];     /* optional per-check table (CSV with header): written to
                               * DIR/<id>/table.csv for the theorem's variant,
                               * table-control-<NAME>.csv for a control; "" = none */
} th_verdict;

typedef struct {
    const struct th_check *check;
    const char *control; /* variant being judged (NULL: the theorem's own) */
    int full;
    uint64_t base_seed;  /* for judge-side randomness (bootstrap): derive, never use time */
    const rec_record *recs; /* records of this variant, in plan order (ok and diverged) */
    int nrecs;
} th_judge_in;

struct th_table;

/* One pair of compare's D-equivalence or d-contrast section, as compare grades it or a
 * check's own pair hook (th_compare.contrast_pair) fills it. */
typedef struct {
    st_interval diff;    /* b - a, 90 % interval */
    double pred, lo, hi; /* predicted, band (NaN: no stated band) */
    int paired, graded;  /* graded 0: "n/a" (no band stated by the check) */
    st_grade_t grade;
    char detail[192]; /* a second criterion of the same pair */
} th_pair;

typedef struct {
    /* What a row is: the subsets (manifold, D) of the grid. manifold_axis: a string axis
     * holding the manifold spec; NULL for a check on one fixed manifold, named by
     * fixed_manifold (then --manifolds is refused). ambient_axis NULL: no compare. */
    const char *manifold_axis;
    const char *ambient_axis;
    /* intrinsic dimension of a manifold spec for the table, or NaN if unknown
     * (then compare rejects the spec with a usage error listing valid ones) */
    double (*intrinsic_dim)(const char *manifold);
    const char *valid_manifolds; /* text for the usage error */
    /* optional: OP_EUSAGE with a one-line message if D does not suit the manifold */
    int (*validate)(const char *manifold, double D);
    const char *fixed_manifold;  /* with manifold_axis NULL: the manifold of every run */
    /* optional: judges one (manifold, D) subset for its row when the check's judge needs
     * several D (classification-dinv); NULL: the check's judge */
    int (*subset_judge)(const th_judge_in *in, th_verdict *v);
    /* the series of a row's verdict drawn as its curve in compare's figure: the one the
     * row's measured value is fitted on (smooth-approx: 1, the gradient error) */
    int row_series;

    /* ---- pair statistics: compare's D-equivalence and d-contrast sections ----
     * The rate is fitted on log `metric` against log `x_axis` (the judge's table); a
     * subset's table is th_table_collect + th_table_log, or log_table's when set.
     * x_axis NULL: no pair sections. */
    const char *x_axis;
    int metric;
    /* optional: the check's own log table of subset (manifold, D), keyed as the check's
     * D-invariance keys it against D_ref (smooth-approx: nets by their parameter count
     * at D_ref); D_ref == D for the d-contrast */
    int (*log_table)(const th_judge_in *in, const char *manifold, double D, double D_ref, struct th_table *t);
    const char *x_label; /* the name of log_table's x when it re-keys the rows (NULL: x_axis) */
    /* D-equivalence, every D against the first at one manifold (th_dinv_judge, paired
     * per seed): |slope difference| <= dslope_tol and the level ratio in
     * [dratio_lo, dratio_hi] at every x, both as TOSTs; 0 leaves a part out */
    double dslope_tol;
    double dratio_lo, dratio_hi;
    /* 1: with neither D-equivalence band the pairs are still reported (the paired slope
     * difference, predicted 0, "n/a"): a study whose file sets neither d_invariance nor
     * d_ratio. 0: no D-equivalence section then. */
    int dequiv_unbanded;
    /* d-contrast, every pair of manifolds of different d at one D: the paired slope
     * difference slope(higher d) - slope(lower d) against predicted_slope(d_hi) -
     * predicted_slope(d_lo) (NULL: no d-contrast section), graded (st_grade) in the band
     * the prediction spans when d_hi is off by +-contrast_dtol (manifold-rate's rule);
     * contrast_dtol 0: the check states no contrast band, the row is reported "n/a" */
    double (*predicted_slope)(double d);
    double contrast_dtol;
    /* with contrast_dtol 0: the band [(1 - rel) pred, (1 + rel) pred] of the predicted
     * contrast (approx-blocks' +-50 % rule); both 0: reported "n/a" */
    double contrast_rel;
    /* optional, instead of predicted_slope and the two bands above: the check grades a
     * d-contrast pair itself, manifold ma (the lower d, or the earlier in --manifolds of
     * equal d) against mb at D, by its judge's own code (a study, whose prediction is a
     * formula in d, s and D and whose band rule is its file's: theorems/study.c). Pairs of
     * equal d are then contrasted too (predicted 0, the study's klein against torus). */
    int (*contrast_pair)(const th_judge_in *in, const char *ma, const char *mb, double D, th_pair *p);
} th_compare;

typedef struct th_check {
    const char *id;          /* kebab-case, stable */
    const char *citation;    /* authors, venue, theorem/figure number */
    const char *cite[TH_MAX_CITES]; /* BibTeX keys of theorems/citations.c (overparam list --bibtex) */
    const char *claim;       /* one sentence */
    const char *prediction;  /* what is predicted, as text */
    const char *band_source; /* where the band comes from */
    const char *graded;      /* what the verdict's measured value is, in a few words, e.g. "slope of
                              * log test MSE vs log n" (report column "graded quantity") */
    const char *metrics[TH_MAX_METRICS]; /* NULL-terminated */
    sw_grid quick, full;
    th_control controls[TH_MAX_CONTROLS]; /* name NULL ends */
    th_figure figures[TH_MAX_FIGURES];    /* name NULL ends */
    th_compare compare;
    /* Checks built at run time from a study file (theorems/study.h); NULL for the
     * built-in ones. seed_id: the name run seeds derive from instead of id (a study
     * may share a built-in check's seeds: common random numbers). key_tag: a prefix
     * "<tag>/" of every run key (the study's settings hash), which leaves the seeds
     * alone but keeps records of other settings apart (src/sweep/sweep.h "Keys"). */
    const char *seed_id;
    const char *key_tag;
    int (*run)(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out);
    int (*judge)(const th_judge_in *in, th_verdict *v);
} th_check;

int th_nmetrics(const th_check *c);
int th_ncontrols(const th_check *c);
int th_nfigures(const th_check *c);
const th_control *th_find_control(const th_check *c, const char *name);

/* The BibTeX entry of a key of th_check.cite (theorems/citations.c), NULL if unknown. */
const char *th_bibtex(const char *key);

/* Registry (theorems/registry.c): the checks of theorems/checks.list in its order, then
 * th_add_checks' test-only ones (only in tests' overparam-selftest). */
int th_count(void);
const th_check *th_at(int i);
const th_check *th_find(const char *id); /* the registry, then th_register's checks */
/* Appends n checks to the registry (after the listed ones; th_at/th_count include them):
 * overparam-selftest's test-only checks (tests/selftest/main.c), once, before any command.
 * OP_EINTERNAL on a taken id or a second call. */
int th_add_checks(const th_check *const *list, int n);
/* Adds a check built at run time (a study) so th_find, the report and --control find
 * it; not listed by th_at/th_count. At most 8; OP_EUSAGE on a taken id. */
int th_register(const th_check *c);
/* "a, b, c" of the registry's ids (for error messages). */
void th_valid_ids(char *buf, int len);

/* ---- helpers for judges ---- */

/* Records of a variant grouped by the distinct values of the numeric parameter
 * `x` (ascending); for each group the finite values of metric m from status-ok
 * records, and the count of failed (diverged) ones. Optional filter on a string
 * parameter (fname = NULL for none) and a numeric one (nname = NULL for none). */
typedef struct {
    int n;
    double x[TH_MAX_POINTS];
    int nok[TH_MAX_POINTS], nfailed[TH_MAX_POINTS];
    double *vals[TH_MAX_POINTS]; /* nok[i] values each */
    double *pool;
} th_groups;
int th_group(const th_judge_in *in, const char *x, int metric, const char *fname, const char *fval,
             const char *nname, double nval, th_groups *g);
void th_groups_free(th_groups *g);

/* ---- the judge kit (issue 15): records -> points x seeds table -> paired statistics ----
 *
 * A judge collects the records it grades into tables (th_table_collect: one row per
 * value of a grid axis, one column per seed index, NaN for a failed run) and calls the
 * statistics of src/stats/stats.h on them through the functions below; it does not
 * loop over records itself. */

/* A filter on a record's parameters: str != NULL matches a string parameter, else the
 * numeric value num. Lists end with name == NULL; a NULL list matches every record. */
typedef struct {
    const char *name;
    const char *str;
    double num;
} th_where;

typedef struct th_table {
    int np, ns;                     /* points (distinct x, ascending) and seeds (max seed index + 1) */
    double x[TH_MAX_POINTS];
    double key[TH_MAX_POINTS];      /* the grid value of x each row was collected at: x itself,
                                       kept through th_table_rekey (pairs rows across tables) */
    double *y;                      /* np x ns, y[p * ns + s]; NaN: failed, non-finite or absent */
    int nok[TH_MAX_POINTS], nfailed[TH_MAX_POINTS];
    int nfailed_total;
    char failed_key[REC_KEY];       /* the first failed run (plan order), "" if none */
} th_table;

/* A value computed from one record (e.g. a ratio of two metrics); NaN counts as failed. */
typedef double (*th_value_fn)(const rec_record *r, void *user);

/* Collects metric `metric` of the records matching `where` into a table over the
 * numeric parameter `x`. A failed record (status not ok, or a non-finite value)
 * leaves NaN and is counted. Two records at the same (x, seed) are an internal error
 * (the filter is incomplete). */
int th_table_collect(const th_judge_in *in, const char *x, int metric, const th_where *where, th_table *t);
int th_table_collect_fn(const th_judge_in *in, const char *x, th_value_fn fn, void *user, const th_where *where,
                        th_table *t);
void th_table_free(th_table *t);
static inline double th_table_at(const th_table *t, int p, int s) { return t->y[(size_t)p * t->ns + s]; }
/* Replaces every finite value by its natural log; OP_ENUM naming the point if one is <= 0. */
int th_table_log(th_table *t, const th_judge_in *in, const char *what);
/* The table's curve for figures and summary.csv: per point the mean of the finished
 * seeds and mean -+ s.e. (geometric = 1: the table holds logs; y is exp(mean log)). */
void th_table_series(const th_table *t, int geometric, th_series *s);
/* The table's curve as medians over the finished seeds with quartile bars; *se_last
 * (optional) gets the normal-theory s.e. of the last point's median,
 * 1.2533 (IQR / 1.349) / sqrt(n), which is insensitive to outliers. */
int th_table_series_median(const th_table *t, th_series *s, double *se_last);
/* Per-point means of the finished seeds (NaN where none) into mean[np]. */
void th_table_means(const th_table *t, double *mean);
/* Re-keys the rows: row p's x becomes newx[p] (e.g. a grid index -> the net's parameter
 * count), and the rows are re-sorted ascending by it. OP_EUSAGE if a key is not finite
 * or two rows share one. Tables of the same records re-keyed by the same newx stay
 * aligned row for row. */
int th_table_rekey(th_table *t, const double *newx);
/* The finished values of row p into vals (t->ns doubles); returns how many. */
int th_table_row(const th_table *t, int p, double *vals);
/* Row index of x, or -1. */
int th_table_find(const th_table *t, double x);
/* The row collected at grid value key (kept through th_table_rekey), or -1. */
int th_table_find_key(const th_table *t, double key);
/* The largest finished value of the table (NaN if none). Failed runs are left to the
 * framework's rule (th_verdict_cap_failed). */
double th_table_max(const th_table *t);
/* The distinct values of a string / numeric parameter over the variant's records, in
 * plan order (at most max; NULL / NaN values skipped). Returns how many. */
int th_distinct_str(const th_judge_in *in, const char *name, const char **out, int max);
int th_distinct_num(const th_judge_in *in, const char *name, double *out, int max);
/* Appends " text" to v->extra (cut at the buffer's end). */
void th_extra_add(th_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a graded limit to figure `figure` (see th_ref); the label is printf-formatted.
 * Beyond TH_MAX_REFS it is dropped (the figure is still drawn). */
void th_add_ref(th_verdict *v, int figure, double lo, double hi, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Sets a verdict's headline: the graded value, its s.e., the prediction and the band. */
static inline void th_verdict_head(th_verdict *v, double measured, double se, double predicted, double lo, double hi)
{
    v->measured = measured;
    v->se = se;
    v->predicted = predicted;
    v->lo = lo;
    v->hi = hi;
}

/* How far x lies outside [lo, hi] in units of se (negative inside): the measure by
 * which a verdict's headline picks the graded quantity furthest out. */
static inline double th_band_out(double x, double se, double lo, double hi)
{
    return fmax(lo - x, x - hi) / (se > 0 ? se : 1e-12);
}

/* The rate of a table of positive values against log x (st_rate_paired on the logs);
 * seed_slope (optional, t->ns values) gets each seed's slope. Rows without a finished
 * seed are left out; fewer than 3 rows give OP_EUSAGE. */
int th_table_rate(const th_table *t, const th_judge_in *in, double predicted, st_rate *r, double *seed_slope);
/* Paired difference of two rates (b - a) over the seeds complete in both, with its 90 %
 * interval (dof = pairs - 1). With fewer than 2 pairs: the difference of the graded
 * slopes, s.e. sqrt(se_a^2 + se_b^2), dof the smaller one, and *paired = 0. */
int th_rate_diff(const th_table *a, const th_table *b, const th_judge_in *in, st_interval *d, int *paired);
/* Paired difference b - a of two tables at one point p (e.g. log MSE at D2 and D1). */
void th_table_diff_at(const th_table *a, int pa, const th_table *b, int pb, st_interval *d);
/* The D-invariance of one curve between two ambient dimensions (manifold-rate's
 * criterion, also a study's): the paired slope difference b - a (th_rate_diff) as an
 * equivalence test within [-slope_tol, slope_tol], and the paired log level ratio
 * b / a at every common point as equivalence tests within [log ratio_lo, log ratio_hi],
 * reporting the point whose 90 % interval reaches furthest towards or past an edge.
 * A NaN slope_tol or ratio_lo skips that part (its grade stays PASS, its interval NaN). */
typedef struct {
    st_interval ds, lr; /* slope difference; log ratio at the worst point */
    double lr_x;        /* that point's x in table a (NaN if none; rows pair by key) */
    int paired;
    st_grade_t g_ds, g_lr;
} th_dinv;
int th_dinv_judge(const th_table *a, const th_table *b, const th_judge_in *in, double slope_tol, double ratio_lo,
                  double ratio_hi, th_dinv *o);
/* The d-contrast band rule (manifold-rate, issue 17): between curves of intrinsic
 * dimensions d_lo < d_hi with predicted slopes pred(d), the paired slope difference
 * slope(d_hi) - slope(d_lo) is predicted *p = pred(d_hi) - pred(d_lo), and its band
 * [*lo, *hi] is what that prediction spans when d_hi is off by up to tol either way. */
void th_contrast_band(double (*pred)(double d), double d_lo, double d_hi, double tol, double *p, double *lo,
                      double *hi);
/* A trend claim over the table's points (st_trend_grade; direction -1 falls, +1 rises). */
int th_table_trend(const th_table *t, int direction, double rho_min, st_trend *tr);
/* "slope90=[a,b] pooled=x±y chi2/dof=z last=w±u seeds=k" (+ " plateau", + the s.e.
 * fallback "se=pooled(1 seed)"): the fields every rate line carries. */
void th_rate_text(const st_rate *r, char *buf, size_t len);
/* "name: +0.05 in [-0.19,0.29] vs [-0.15,0.15] -> MARGINAL": an equivalence result. */
void th_equiv_text(const char *name, const st_interval *d, double lo, double hi, st_grade_t g, char *buf,
                   size_t len);
/* Discrimination of a control (THEOREMS.md "Rules", issue 15): how far the control's
 * graded value v->measured lies outside the band [lo, hi] in units of its s.e. v->se:
 * positive outside, negative inside (minus the distance to the nearer finite edge), so a
 * one-sided band has one edge. NaN when the value or its s.e. is not finite; an s.e. of
 * 0 gives +-INFINITY (resolved exactly) or 0 on an edge. The framework reports the
 * smallest z over a check's near-miss controls as discrim=<control>:<z>. */
double th_discrim_z(const th_verdict *v, double lo, double hi);
/* The framework's rule for failed runs: if any run of the variant failed, its grade is
 * no better than MARGINAL and v->failed_run names the first one (plan order). Called by
 * the framework for the theorem's own variant after its judge. */
void th_verdict_cap_failed(const th_judge_in *in, th_verdict *v);

/* The standard judge of a rate check (DESIGN.md, THEOREMS.md rules): the table of
 * metric over x, the paired rate (mean of per-seed log-log slopes ± t-based s.e.)
 * graded against [lo, hi] with st_grade, and no better than MARGINAL on a plateau;
 * extra holds th_rate_text. Series 0 holds exp(mean log) with exp(mean log ± s.e.)
 * error bars, the graded line, and the predicted-rate line anchored at the
 * geometric-mean point. figure: the figure index for the series. th_judge_rate_where
 * judges only the records matching `where`; r (optional) receives the rate. */
int th_judge_rate(const th_judge_in *in, const char *x, int metric, double predicted, double lo,
                  double hi, int figure, th_verdict *v);
int th_judge_rate_where(const th_judge_in *in, const char *x, int metric, const th_where *where, double predicted,
                        double lo, double hi, int figure, th_verdict *v, st_rate *r);

/* Fill s->fit (the fitted line f, a fit of log y on log x, at the points x) and s->pred (a
 * line of slope `predicted` through the geometric-mean point of the data) for m points.
 * x is the RAW abscissa (the function takes its logs); ly = log y. */
void th_series_fit_lines(th_series *s, const double *x, const double *ly, int m, const st_fit *f,
                         double predicted);

/* Seeds of a manifold dataset shared by every run with this seed index (common
 * random numbers): the target and the points depend on the manifold spec only, the
 * embedding also on D. Keys "<spec>/target", "<spec>/embed/D=<D>", "<spec>/points". */
/* A manifold spec's intrinsic dimension *d and (optional) natural embedding dimension
 * *natural; OP_EUSAGE with the parser's message if it does not parse. */
int th_manifold_dims(const char *spec, double *d, int *natural);
/* The intrinsic dimension, or NaN (no error left set) if spec is NULL or does not parse. */
double th_manifold_dim(const char *spec);

void th_dataset_seeds(const char *spec, int D, uint64_t data_seed, uint64_t *target_seed,
                      uint64_t *embed_seed, uint64_t *sample_seed);

#endif
