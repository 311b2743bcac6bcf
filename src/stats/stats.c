#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"

static pthread_once_t st_once = PTHREAD_ONCE_INIT;

static void st_handler_off(void) { gsl_set_error_handler_off(); }

void st_init(void) { pthread_once(&st_once, st_handler_off); }

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
    /* gsl_fit_linear and gsl_fit_wlinear are closed-form sums that never call GSL's
     * error handler (GSL fit/linear.c), so no handler state is touched here (issue 19:
     * this function used to switch the process-wide handler off and on at every call,
     * from the parallel sweep). A degenerate x (all equal) gives a NaN slope, checked below. */
    if (n < 3) OP_ERROR(OP_EUSAGE, "a line fit needs at least 3 points, got %d", n);
    double c0, c1, cov00, cov01, cov11, chisq;
    int s;
    if (sy) {
        double *w = malloc((size_t)n * sizeof *w);
        if (!w) OP_ERROR(OP_ENOMEM, "out of memory in a line fit");
        for (int i = 0; i < n; i++) {
            if (!(sy[i] > 0)) {
                free(w);
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
    if (s) OP_ERROR(OP_ENUM, "line fit failed: %s", gsl_strerror(s));
    if (!isfinite(c1)) OP_ERROR(OP_ENUM, "line fit: the %d x values do not span an interval", n);
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

/* ---- the judge kit ---- */

double st_t_quantile(double p, double dof)
{
    st_init(); /* gsl_cdf_tdist_Pinv reports non-convergence through the handler */
    if (!(dof > 0) || !(p > 0 && p < 1)) return NAN;
    return gsl_cdf_tdist_Pinv(p, dof);
}

void st_interval_make(double mean, double se, double dof, st_interval *out)
{
    out->mean = mean;
    out->se = se;
    out->dof = dof;
    out->lo = out->hi = NAN;
    if (isfinite(mean) && isfinite(se) && se >= 0 && dof > 0) {
        double t = st_t_quantile(0.5 + ST_LEVEL / 2, dof);
        out->lo = mean - t * se;
        out->hi = mean + t * se;
    }
}

void st_interval_mean(const double *x, int n, st_interval *out)
{
    double m, se;
    st_mean_se(x, n, &m, &se);
    st_interval_make(m, n > 1 ? se : NAN, n - 1, out);
    out->n = n;
}

st_grade_t st_grade_equiv(const st_interval *ci, double lo, double hi)
{
    if (!isfinite(ci->lo) || !isfinite(ci->hi)) return ST_MARGINAL;
    if (ci->lo >= lo && ci->hi <= hi) return ST_PASS;
    if (ci->hi < lo || ci->lo > hi) return ST_FAIL;
    return ST_MARGINAL;
}

/* OLS slope of y against x over n points (x not all equal). */
static double ols_slope(const double *x, const double *y, int n, int stride)
{
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[(size_t)i * stride];
    }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[(size_t)i * stride] - my);
    }
    return sxy / sxx;
}

int st_rate_paired(const double *lx, const double *ly, int np, int ns, double predicted, st_rate *out,
                   double *seed_slope)
{
    memset(out, 0, sizeof *out);
    out->predicted = predicted;
    if (np < 3) OP_ERROR(OP_EUSAGE, "a rate needs at least 3 points, got %d", np);
    if (ns < 1) OP_ERROR(OP_EUSAGE, "a rate needs at least one seed");
    for (int p = 1; p < np; p++)
        if (!(lx[p] > lx[p - 1])) OP_ERROR(OP_EINTERNAL, "rate: x not strictly ascending at point %d", p);
    /* work: slopes, last segments and the complete seeds' columns (ns each); per-point
     * means, their s.e., x and the complete-seed mean curve (np each) */
    double *w = malloc(((size_t)3 * ns + (size_t)4 * np) * sizeof *w);
    int *nk = malloc((size_t)(np + ns) * sizeof *nk);
    if (!w || !nk) {
        free(w);
        free(nk);
        OP_ERROR(OP_ENOMEM, "out of memory in a rate fit");
    }
    double *slopes = w, *lasts = w + ns, *vals = w + 2 * ns, *mu = w + 3 * ns, *se = mu + np, *px = se + np,
           *cm = px + np;
    int *complete = nk + np; /* complete[s]: seed s has every point */
    /* per-seed (paired) slopes over the complete seeds, in seed order */
    int k = 0;
    for (int s = 0; s < ns; s++) {
        int ok = 1;
        for (int p = 0; p < np && ok; p++) ok = isfinite(ly[(size_t)p * ns + s]);
        complete[s] = ok;
        double b = NAN;
        if (ok) {
            b = ols_slope(lx, ly + s, np, ns);
            slopes[k] = b;
            lasts[k] = (ly[(size_t)(np - 1) * ns + s] - ly[(size_t)(np - 2) * ns + s]) / (lx[np - 1] - lx[np - 2]);
            k++;
        }
        if (seed_slope) seed_slope[s] = b;
    }
    out->nseeds = k;
    /* mean curve over the complete seeds (for the centroid and the lack of fit) */
    double cx = 0, cy = 0;
    if (k > 0) {
        for (int p = 0; p < np; p++) {
            double m = 0;
            for (int s = 0; s < ns; s++)
                if (complete[s]) m += ly[(size_t)p * ns + s];
            cm[p] = m / k;
            cx += lx[p];
            cy += cm[p];
        }
        cx /= np;
        cy /= np;
    }
    /* the pooled fit: seed means of log y at every point with a value, st_pool_se weights */
    int m = 0;
    for (int p = 0; p < np; p++) {
        int c = 0;
        for (int s = 0; s < ns; s++)
            if (isfinite(ly[(size_t)p * ns + s])) vals[c++] = ly[(size_t)p * ns + s];
        if (c == 0) continue;
        st_mean_se(vals, c, &mu[m], &se[m]);
        px[m] = lx[p];
        nk[m] = c;
        m++;
    }
    int st = OP_OK;
    if (m >= 3) {
        int weighted = st_pool_se(nk, se, m);
        st = st_fit_line(px, mu, weighted ? se : NULL, m, &out->pooled);
    } else {
        out->pooled.slope = out->pooled.se_slope = out->pooled.intercept = out->pooled.chi2_dof = NAN;
        out->pooled.n = m;
    }
    if (st) {
        free(w);
        free(nk);
        return st;
    }
    /* the graded slope */
    if (k >= 2) {
        st_interval_mean(slopes, k, &out->slope);
        out->se_pooled = 0;
    } else if (k == 1) {
        st_interval_make(slopes[0], out->pooled.se_slope, m - 2, &out->slope);
        out->slope.n = 1;
        out->se_pooled = 1;
    } else {
        st_interval_make(out->pooled.slope, out->pooled.se_slope, m - 2, &out->slope);
        out->slope.n = 0;
        out->se_pooled = 2;
    }
    if (k > 0)
        out->intercept = cy - out->slope.mean * cx;
    else
        out->intercept = out->pooled.intercept;
    /* lack of fit: the mean curve's residuals about its line against the noise of a
     * mean of k seeds, estimated from the point x seed interaction (two-way residuals),
     * which the seeds' common level offsets do not enter */
    out->chi2_dof = NAN;
    if (k >= 2) {
        double ss = 0, grand = cy;
        for (int s = 0; s < ns; s++) {
            if (!complete[s]) continue;
            double sm = 0;
            for (int p = 0; p < np; p++) sm += ly[(size_t)p * ns + s];
            sm /= np;
            for (int p = 0; p < np; p++) {
                double r = ly[(size_t)p * ns + s] - cm[p] - sm + grand;
                ss += r * r;
            }
        }
        double s2 = ss / ((np - 1.0) * (k - 1.0)), b = ols_slope(lx, cm, np, 1), rss = 0;
        for (int p = 0; p < np; p++) {
            double r = cm[p] - (cy + b * (lx[p] - cx));
            rss += r * r;
        }
        if (s2 > 0) out->chi2_dof = rss / (s2 / k) / (np - 2.0);
    }
    /* the last segment */
    if (k > 0)
        st_interval_mean(lasts, k, &out->last);
    else {
        double v = NAN;
        if (m >= 2 && px[m - 1] == lx[np - 1] && px[m - 2] == lx[np - 2])
            v = (mu[m - 1] - mu[m - 2]) / (px[m - 1] - px[m - 2]);
        st_interval_make(v, NAN, 0, &out->last);
    }
    out->plateau = predicted != 0 && isfinite(out->last.mean) &&
                   (predicted < 0 ? out->last.mean > predicted / 2 : out->last.mean < predicted / 2);
    free(w);
    free(nk);
    return OP_OK;
}

double st_sign_p(int k, int n)
{
    if (n <= 0 || k <= 0) return 1.0;
    if (k > n) return 0.0;
    double p = 0;
    for (int j = k; j <= n; j++) p += exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) - n * M_LN2);
    return p > 1 ? 1.0 : p;
}

int st_trend_grade(const double *x, const double *y, int np, int ns, int direction, double rho_min, st_trend *out)
{
    memset(out, 0, sizeof *out);
    out->rho = out->p = NAN;
    if (direction != 1 && direction != -1) OP_ERROR(OP_EINTERNAL, "trend: direction must be -1 or +1");
    if (np >= 5) {
        double *w = malloc((size_t)np * 4 * sizeof *w);
        if (!w) OP_ERROR(OP_ENOMEM, "out of memory in a trend");
        double *mx = w, *my = w + np, *work = w + 2 * np;
        int m = 0;
        for (int p = 0; p < np; p++) {
            double sum = 0;
            int c = 0;
            for (int s = 0; s < ns; s++)
                if (isfinite(y[(size_t)p * ns + s])) {
                    sum += y[(size_t)p * ns + s];
                    c++;
                }
            if (!c) continue;
            mx[m] = x[p];
            my[m++] = sum / c;
        }
        out->rho = m >= 2 ? st_spearman(mx, my, m, work) : NAN;
        free(w);
        out->grade = isfinite(out->rho) && direction * out->rho >= rho_min ? ST_PASS : ST_FAIL;
        return OP_OK;
    }
    out->use_signs = 1;
    for (int s = 0; s < ns; s++)
        for (int p = 0; p + 1 < np; p++) {
            double a = y[(size_t)p * ns + s], b = y[(size_t)(p + 1) * ns + s];
            if (!isfinite(a) || !isfinite(b) || a == b) continue;
            out->n++;
            if ((b - a) * direction > 0) out->k++;
        }
    out->p = st_sign_p(out->k, out->n);
    if (out->n > 0 && out->p <= 0.05)
        out->grade = ST_PASS;
    else if (2 * out->k <= out->n)
        out->grade = ST_FAIL;
    else
        out->grade = ST_MARGINAL;
    return OP_OK;
}
