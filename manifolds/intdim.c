/* Brute-force k-NN and the Levina-Bickel / TwoNN intrinsic-dimension estimators
 * (see intdim.h for the definitions and references). */
#define _GNU_SOURCE /* qsort_r */
#include "manifolds/intdim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"

static double dist2(const double *a, const double *b, int D)
{
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int t = 0; t < D; t++) {
        double u = a[t] - b[t];
        s += u * u;
    }
    return s;
}

static int dist2_is_zero(const double *a, const double *b, int D) { return dist2(a, b, D) == 0; }

typedef struct {
    const double *X;
    int D;
} rows_ctx;

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const rows_ctx *c = ctx;
    long i = *(const long *)a, j = *(const long *)b;
    const double *x = c->X + i * c->D, *y = c->X + j * c->D;
    for (int t = 0; t < c->D; t++)
        if (x[t] != y[t]) return x[t] < y[t] ? -1 : 1;
    return (i > j) - (i < j); /* equal rows: by index, so the first copy comes first */
}

/* dup[i] = 1 if row i equals an earlier row: lexicographic sort, O(n log n D). */
static int find_duplicates(const double *X, long n, int D, unsigned char *dup)
{
    long *idx = op_malloc(sizeof(long) * (size_t)(n ? n : 1));
    if (!idx) return OP_ENOMEM;
    for (long i = 0; i < n; i++) idx[i] = i, dup[i] = 0;
    rows_ctx c = {X, D};
    qsort_r(idx, (size_t)n, sizeof(long), cmp_rows, &c);
    for (long r = 1; r < n; r++)
        if (memcmp(X + idx[r] * D, X + idx[r - 1] * D, sizeof(double) * (size_t)D) == 0 ||
            dist2_is_zero(X + idx[r] * D, X + idx[r - 1] * D, D))
            dup[idx[r]] = 1;
    free(idx);
    return OP_OK;
}

int mf_knn(const double *X, long n, int D, int k, double *dist, unsigned char *dup)
{
    if (k < 1) OP_ERROR(OP_EUSAGE, "k-NN needs k >= 1, got %d", k);
    unsigned char *dp = dup ? dup : op_malloc((size_t)(n ? n : 1));
    if (!dp) return OP_ENOMEM;
    int st = find_duplicates(X, n, D, dp);
    if (st) {
        if (!dup) free(dp);
        return st;
    }
#pragma omp parallel for schedule(dynamic, 16)
    for (long i = 0; i < n; i++) {
        double *best = dist + i * k;
        for (int j = 0; j < k; j++) best[j] = INFINITY;
        const double *xi = X + i * D;
        for (long j = 0; j < n; j++) {
            if (j == i || dp[j]) continue;
            double d2 = dist2(xi, X + j * D, D);
            if (d2 == 0 || d2 >= best[k - 1]) continue; /* d2 == 0: i's own twin */
            int p = k - 1;
            while (p > 0 && best[p - 1] > d2) {
                best[p] = best[p - 1];
                p--;
            }
            best[p] = d2;
        }
        for (int j = 0; j < k; j++) best[j] = sqrt(best[j]);
    }
    if (!dup) free(dp);
    return OP_OK;
}

/* Duplicate points are skipped as queries here and as neighbours in mf_knn, which
 * is the same as removing them from the data. */
int mf_intdim_mle(const double *X, long n, int D, int k1, int k2, double *est)
{
    if (k1 < 2 || k2 < k1) OP_ERROR(OP_EUSAGE, "MLE needs 2 <= k1 <= k2, got k1=%d k2=%d", k1, k2);
    if (n < k2 + 2) OP_ERROR(OP_EUSAGE, "MLE with k2=%d needs at least %d points, got %ld", k2, k2 + 2, n);
    double *dist = op_malloc(sizeof(double) * (size_t)n * k2);
    unsigned char *dup = op_malloc((size_t)n);
    if (!dist || !dup) {
        free(dist);
        free(dup);
        return OP_ENOMEM;
    }
    mf_knn(X, n, D, k2, dist, dup);
    double sum_d = 0;
    int st = OP_OK;
    for (int k = k1; k <= k2 && !st; k++) {
        double inv = 0;
        long cnt = 0;
        for (long i = 0; i < n; i++) {
            const double *T = dist + i * k2;
            if (dup[i] || !isfinite(T[k - 1])) continue;
            double s = 0;
            for (int j = 0; j < k - 1; j++) s += log(T[k - 1] / T[j]);
            inv += s / (k - 1);
            cnt++;
        }
        if (cnt == 0 || !(inv > 0)) {
            st = op_error_set(OP_ENUM, __FILE__, __LINE__,
                              "MLE intrinsic dimension undefined (fewer than %d distinct points)", k + 1);
            break;
        }
        sum_d += cnt / inv;
    }
    free(dist);
    free(dup);
    if (st) return st;
    *est = sum_d / (k2 - k1 + 1);
    return OP_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int mf_intdim_twonn(const double *X, long n, int D, double *est)
{
    if (n < 3) OP_ERROR(OP_EUSAGE, "TwoNN needs at least 3 points, got %ld", n);
    double *dist = op_malloc(sizeof(double) * (size_t)n * 2);
    unsigned char *dup = op_malloc((size_t)n);
    double *mu = op_malloc(sizeof(double) * (size_t)n);
    if (!dist || !dup || !mu) {
        free(dist);
        free(dup);
        free(mu);
        return OP_ENOMEM;
    }
    mf_knn(X, n, D, 2, dist, dup);
    long N = 0;
    for (long i = 0; i < n; i++)
        if (!dup[i] && isfinite(dist[2 * i + 1])) mu[N++] = dist[2 * i + 1] / dist[2 * i];
    qsort(mu, (size_t)N, sizeof(double), cmp_double);
    long keep = (long)floor(0.9 * N);
    double sxy = 0, sxx = 0;
    for (long i = 0; i < keep; i++) {
        double x = log(mu[i]), y = -log(1.0 - (double)(i + 1) / N);
        sxy += x * y;
        sxx += x * x;
    }
    free(dist);
    free(dup);
    free(mu);
    if (!(sxx > 0)) OP_ERROR(OP_ENUM, "TwoNN intrinsic dimension undefined (all ratios are 1)");
    *est = sxy / sxx;
    return OP_OK;
}
