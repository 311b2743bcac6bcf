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

/* Grade a measurement against a band [lo, hi] (lo = -INFINITY or hi = INFINITY for
 * a one-sided band): PASS inside; MARGINAL outside by less than one standard error;
 * FAIL beyond (or if the value is not finite). */
st_grade_t st_grade(double value, double se, double lo, double hi);
/* The worse of two grades (FAIL > MARGINAL > PASS). */
st_grade_t st_grade_worst(st_grade_t a, st_grade_t b);

#endif
