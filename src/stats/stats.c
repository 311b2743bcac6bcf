#include "stats.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"

const char *st_grade_name(st_grade_t g)
{
    return g == ST_PASS ? "PASS" : g == ST_MARGINAL ? "MARGINAL" : "FAIL";
}

void st_mean_se(const double *x, int n, double *mean, double *se)
{
    double m = 0;
    for (int i = 0; i < n; i++) m += x[i];
    m = n > 0 ? m / n : NAN;
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *se = n > 1 ? sqrt(ss / (n - 1) / n) : 0.0;
}

void st_mean_log_se(const double *x, int n, double *mean, double *se)
{
    /* Two passes over log(x), in index order: the result does not depend on threads. */
    double m = 0;
    for (int i = 0; i < n; i++) m += log(x[i]);
    m = n > 0 ? m / n : NAN;
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (log(x[i]) - m) * (log(x[i]) - m);
    *mean = m;
    *se = n > 1 ? sqrt(ss / (n - 1) / n) : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double st_quantile(const double *x, int n, double q, double *work)
{
    if (n <= 0) return NAN;
    memcpy(work, x, (size_t)n * sizeof *work);
    qsort(work, (size_t)n, sizeof *work, cmp_double);
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    if (lo >= n - 1) return work[n - 1];
    if (lo < 0) return work[0];
    return work[lo] + (h - lo) * (work[lo + 1] - work[lo]);
}

double st_median(const double *x, int n, double *work) { return st_quantile(x, n, 0.5, work); }

int st_fit_line(const double *x, const double *y, const double *sy, int n, st_fit *out)
{
    if (n < 3) OP_ERROR(OP_EUSAGE, "a line fit needs at least 3 points, got %d", n);
    double c0, c1, cov00, cov01, cov11, chisq;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int s;
    if (sy) {
        double *w = malloc((size_t)n * sizeof *w);
        if (!w) OP_ERROR(OP_ENOMEM, "out of memory in a line fit");
        for (int i = 0; i < n; i++) {
            if (!(sy[i] > 0)) {
                free(w);
                gsl_set_error_handler(old);
                OP_ERROR(OP_ENUM, "line fit: standard error %g of point %d is not positive", sy[i], i);
            }
            w[i] = 1.0 / (sy[i] * sy[i]);
        }
        s = gsl_fit_wlinear(x, 1, w, 1, y, 1, (size_t)n, &c0, &c1, &cov00, &cov01, &cov11, &chisq);
        free(w);
        double r = chisq / (n - 2);
        out->chi2_dof = r;
        if (r > 1) { /* scatter larger than the error bars: inflate (Birge ratio) */
            cov00 *= r;
            cov11 *= r;
        }
    } else {
        double sumsq;
        s = gsl_fit_linear(x, 1, y, 1, (size_t)n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
        out->chi2_dof = 1;
    }
    gsl_set_error_handler(old);
    if (s) OP_ERROR(OP_ENUM, "line fit failed: %s", gsl_strerror(s));
    out->intercept = c0;
    out->slope = c1;
    out->se_intercept = sqrt(cov00);
    out->se_slope = sqrt(cov11);
    out->n = n;
    return OP_OK;
}

int st_pool_se(const int *n, double *se, int m)
{
    double ss = 0, dof = 0;
    for (int k = 0; k < m; k++)
        if (n[k] > 1 && isfinite(se[k])) {
            ss += se[k] * se[k] * n[k] * (n[k] - 1.0);
            dof += n[k] - 1.0;
        }
    double s2 = dof > 0 ? ss / dof : 0;
    if (!(s2 > 0) || !isfinite(s2)) return 0;
    for (int k = 0; k < m; k++) se[k] = sqrt(s2 / (n[k] > 0 ? n[k] : 1));
    return 1;
}

int st_fit_loglog(const double *x, const double *logy, const double *se_logy, int n, st_fit *out)
{
    double *lx = malloc((size_t)n * sizeof *lx);
    if (!lx) OP_ERROR(OP_ENOMEM, "out of memory in a log-log fit");
    for (int i = 0; i < n; i++) {
        if (!(x[i] > 0)) {
            free(lx);
            OP_ERROR(OP_ENUM, "log-log fit: x[%d] = %g is not positive", i, x[i]);
        }
        lx[i] = log(x[i]);
    }
    int s = st_fit_line(lx, logy, se_logy, n, out);
    free(lx);
    return s;
}

double st_spearman(const double *x, const double *y, int n, double *work)
{
    if (n < 2) return NAN;
    return gsl_stats_spearman(x, 1, y, 1, (size_t)n, work);
}

st_grade_t st_grade(double value, double se, double lo, double hi)
{
    if (!isfinite(value)) return ST_FAIL;
    if (value >= lo && value <= hi) return ST_PASS;
    double dist = value < lo ? lo - value : value - hi;
    if (isfinite(se) && se > 0 && dist < se) return ST_MARGINAL;
    return ST_FAIL;
}

st_grade_t st_grade_worst(st_grade_t a, st_grade_t b) { return a > b ? a : b; }
