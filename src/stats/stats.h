/* Statistics a theorem check needs to turn runs into a verdict: aggregation over
 * seeds (mean, mean of log with its standard error, median, quantiles), weighted
 * log-log slope fits with a standard error (GSL gsl_fit_wlinear), Spearman rank
 * correlation, and the PASS / MARGINAL / FAIL grading against a band.
 * Inputs are plain arrays; NaN/Inf values are never passed in (the sweep records a
 * diverged run as failed and the judge leaves it out). */
#ifndef ST_STATS_H
#define ST_STATS_H

#include <math.h>

typedef enum { ST_PASS = 0, ST_MARGINAL = 1, ST_FAIL = 2 } st_grade_t;

const char *st_grade_name(st_grade_t g); /* "PASS", "MARGINAL", "FAIL" */

/* GSL's error handler is process-wide state, and its default aborts. It is switched
 * off once, at start-up: main() calls st_init() before any thread starts, and every
 * function here that calls into GSL calls it too (pthread_once: the first call sets
 * it, the others wait and return), so library users such as the unit tests are
 * covered. GSL failures then come back as return values (NaN, a status) that the
 * functions here check. Nothing may set the handler per call: st_fit_line did, from
 * the parallel sweep, and two threads could leave it off or reinstall the aborting
 * default (issue 19). */
void st_init(void);

/* Mean and standard error of the mean (sample s.d. / sqrt(n); 0 when n == 1). */
void st_mean_se(const double *x, int n, double *mean, double *se);
/* Mean and standard error of log(x) (natural log); all x must be > 0. */
void st_mean_log_se(const double *x, int n, double *mean, double *se);
/* Median and the q-quantile (linear interpolation, type 7 as in R/NumPy) of x.
 * x is not modified (a copy is sorted in `work`, which holds n doubles). */
double st_median(const double *x, int n, double *work);
double st_quantile(const double *x, int n, double q, double *work);

/* Weighted least squares y = a + b x with weights 1/sy^2 (GSL gsl_fit_wlinear).
 * The slope's standard error is scaled by the reduced chi^2 when it exceeds 1
 * (the sy under-state the scatter about the line), so it stays calibrated when
 * the model's noise is larger than the per-point error bars say. If sy is NULL,
 * ordinary least squares with the residual-based standard error. Needs n >= 3. */
typedef struct {
    double intercept, slope;
    double se_intercept, se_slope;
    double chi2_dof; /* reduced chi^2 of the weighted fit (1 for OLS by construction) */
    int n;
} st_fit;
int st_fit_line(const double *x, const double *y, const double *sy, int n, st_fit *out);
/* Pools per-point standard errors of means for a weighted fit. se[k] is the standard
 * error of a mean of n[k] values (st_mean_log_se); on return se[k] = sqrt(s2 / n[k]) with
 * s2 the pooled within-point variance sum_k se[k]^2 n[k] (n[k]-1) / sum_k (n[k]-1).
 * Why: per-point sample variances from a few seeds are themselves very noisy (chi^2 with
 * n-1 dof), and inverse-variance weights built from them reward inconsistency: one
 * diverged seed inflates its point's variance and so removes that point from the fit,
 * while a point whose seeds agree by chance dominates it. With pooled errors the
 * points are weighted by their seed counts only. Returns 1 if s2 > 0 (weights usable),
 * 0 otherwise (se untouched; fit unweighted). */
int st_pool_se(const int *n, double *se, int m);
/* Log-log slope: fits log(y) against log(x), with sy the standard errors of log(y). */
int st_fit_loglog(const double *x, const double *logy, const double *se_logy, int n, st_fit *out);

/* Spearman rank correlation (ties get their average rank), via gsl_stats_spearman.
 * work holds 2n doubles. Returns NaN if n < 2. */
double st_spearman(const double *x, const double *y, int n, double *work);

/* ---- the judge kit: paired statistics over a points x seeds table ----
 *
 * A check's runs form a table: one row per grid point (x ascending), one column per
 * seed index. The checks use common random numbers (a seed's runs share their data
 * pool and test set across the grid), so seed-to-seed level differences cancel in
 * anything computed within one seed (a slope, a difference between two variants).
 * The kit therefore computes per-seed (paired) statistics and takes their mean with a
 * Student-t standard error over the seeds; a per-point pooled variance would count the
 * level differences again (2-8x too wide on manifold-rate, issue 15).
 *
 * Tables are row-major: y[p * ns + s] is seed s at point p; NaN marks a missing value
 * (a failed run, or a seed index the grid point does not have). */

/* Student-t quantile: t with P(T <= t) = p for dof > 0 degrees of freedom (GSL
 * gsl_cdf_tdist_Pinv). NaN if dof is not > 0 or p is not in (0, 1). */
double st_t_quantile(double p, double dof);

/* The 90 % interval every kit function reports (two-sided; TOST at level 0.05). */
#define ST_LEVEL 0.90

/* A mean with its standard error and its 90 % Student-t interval. dof is the t
 * distribution's degrees of freedom (n - 1 for a mean of n paired values); an
 * interval with se NaN or dof <= 0 is NaN at both ends (nothing is resolved). */
typedef struct {
    double mean, se, dof;
    double lo, hi; /* mean -+ t_{0.95}(dof) se */
    int n;         /* values behind the mean */
} st_interval;
/* Interval of the mean of n values (dof n-1; n == 1 gives se NaN). */
void st_interval_mean(const double *x, int n, st_interval *out);
/* Interval from a given mean, s.e. and dof (e.g. a fit's slope and s.e., dof n-2). */
void st_interval_make(double mean, double se, double dof, st_interval *out);

/* Equivalence test (two one-sided tests at 5 % each, i.e. the 90 % interval) of the
 * claim "the effect lies in [lo, hi]" (an invariance: |dslope| <= 0.15 is [-0.15, 0.15]):
 *   PASS      the whole 90 % interval lies inside [lo, hi];
 *   FAIL      the whole interval lies outside (a resolved effect outside the band);
 *   MARGINAL  otherwise (the data cannot tell), also when the interval is NaN.
 * No one-s.e. leniency: an invariance that the data do not resolve is not a PASS. */
st_grade_t st_grade_equiv(const st_interval *ci, double lo, double hi);

/* A rate (slope of log y against log x) from a table, paired over seeds.
 * The graded slope is the mean of the per-seed OLS slopes over the seeds that have
 * every point ("complete" seeds), with its t-based s.e. (dof = seeds - 1). With one
 * complete seed there is no seed-to-seed s.e.: the slope is that seed's and the s.e.
 * the residual s.e. of the pooled fit (dof = points - 2), se_pooled = 1, and the
 * verdict says so; with no complete seed the pooled fit is graded (se_pooled = 2).
 * Beside it: the pooled fit (seed means of log y, weighted with st_pool_se), the lack
 * of fit of the mean curve (chi^2/dof of its residuals about a line against the
 * point x seed interaction variance / seeds: ~1 for a straight line, NaN with fewer
 * than 2 complete seeds or 3 points), and the last segment's slope (mean over complete
 * seeds). plateau = 1 when the last segment is flatter than half the predicted slope
 * (predicted != 0, at least 3 points): the curve has stopped following the law, which
 * a wider error bar must not absorb. */
typedef struct {
    st_interval slope;   /* the graded slope: mean of per-seed slopes, 90 % interval */
    int se_pooled;       /* 0 paired s.e.; 1 one complete seed; 2 no complete seed */
    int nseeds;          /* complete seeds behind the paired slope */
    double intercept;    /* line with the graded slope through the mean curve's centroid */
    st_fit pooled;       /* fit of the seed means (what the judge graded before issue 15) */
    double chi2_dof;     /* lack of fit of the mean curve (see above) */
    st_interval last;    /* slope of the last segment */
    double predicted;
    int plateau;
} st_rate;
/* lx: log x (np values, ascending); ly: np x ns table of log y. Needs np >= 3.
 * seed_slope (optional, ns values): each seed's slope, NaN for incomplete seeds. */
int st_rate_paired(const double *lx, const double *ly, int np, int ns, double predicted, st_rate *out,
                   double *seed_slope);

/* A trend claim ("falls with size") over np points and ns seeds (table y as above,
 * points in ascending x), direction -1 (falls) or +1 (rises).
 * np >= 5: Spearman's rho of the seed means against x, PASS if direction*rho >= rho_min,
 *          else FAIL (a rank statistic has no s.e. to be marginal by);
 * np < 5:  a paired per-seed sign test, since rank statistics on 3-4 points have almost
 *          no power (3 strictly monotone points give |rho| = 1 by chance in 1/3 of flat
 *          curves): every adjacent pair of points within one seed is one sign (ties
 *          dropped); PASS if the one-sided binomial p-value of the signs in the
 *          predicted direction is <= 0.05, FAIL if at most half of them point that way,
 *          MARGINAL between. */
typedef struct {
    int use_signs;   /* 1: sign test, 0: Spearman */
    double rho;      /* Spearman (NaN under the sign test) */
    int k, n;        /* sign test: signs in the predicted direction, of n */
    double p;        /* sign test: one-sided p-value */
    st_grade_t grade;
} st_trend;
int st_trend_grade(const double *x, const double *y, int np, int ns, int direction, double rho_min, st_trend *out);
/* One-sided binomial sign-test p-value P(K >= k) for K ~ Bin(n, 1/2). */
double st_sign_p(int k, int n);

/* Grade a measurement against a band [lo, hi] (lo = -INFINITY or hi = INFINITY for
 * a one-sided band): PASS inside; MARGINAL outside by less than one standard error;
 * FAIL beyond (or if the value is not finite). */
st_grade_t st_grade(double value, double se, double lo, double hi);
/* The worse of two grades (FAIL > MARGINAL > PASS). */
st_grade_t st_grade_worst(st_grade_t a, st_grade_t b);

#endif
