/* Shared helpers for the manifold tests (tests/test_mf_*.c). */
#ifndef TEST_MF_COMMON_H
#define TEST_MF_COMMON_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/op_error.h"
#include "manifolds/manifold.h"

/* Every manifold kind, some with non-default parameters, and two products. */
static const char *const mf_test_specs[] = {
    "sphere:d=1",        "sphere:d=2",          "sphere:d=5",       "torus:d=1",
    "torus:d=3",         "ball:d=3",            "ball:d=2,r=2.5",   "so3",
    "so:n=2",            "so:n=4",              "stiefel:k=2,n=4",  "stiefel:k=3,n=3",
    "grassmann:k=2,n=4", "grassmann:k=1,n=3",   "swissroll",        "helix",
    "helix:r=0.7,pitch=2.3,turns=3", "moebius", "moebius:r=2,w=1.3", "klein",
    "sphere:d=2*torus:d=1", "so3*helix",
};
#define MF_NSPECS (int)(sizeof mf_test_specs / sizeof mf_test_specs[0])

static inline mf_manifold *mf_test_parse(const char *spec)
{
    mf_manifold *m = NULL;
    if (mf_manifold_parse(spec, &m)) {
        printf("FAIL cannot parse %s: %s\n", spec, op_error_message());
        exit(1);
    }
    return m;
}

static inline double *mf_test_sample(const mf_manifold *m, uint64_t seed, long n)
{
    double *x = malloc(sizeof(double) * (size_t)n * mf_manifold_natural_dim(m));
    op_rng r;
    op_rng_seed(&r, seed);
    if (!x || mf_manifold_sample(m, &r, n, x)) {
        printf("FAIL cannot sample %s\n", mf_manifold_name(m));
        exit(1);
    }
    return x;
}

/* Kolmogorov-Smirnov: statistic of sorted-in-place u (values of the hypothesised CDF
 * at the sample, so Uniform(0,1) under H0) and its asymptotic p-value (with
 * Stephens' small-sample correction). */
static inline int mf_cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double mf_ks_pvalue(double *u, long n, double *stat)
{
    qsort(u, (size_t)n, sizeof(double), mf_cmp_d);
    double D = 0;
    for (long i = 0; i < n; i++) {
        double a = (double)(i + 1) / n - u[i], b = u[i] - (double)i / n;
        if (a > D) D = a;
        if (b > D) D = b;
    }
    if (stat) *stat = D;
    double sn = sqrt((double)n), lam = (sn + 0.12 + 0.11 / sn) * D;
    double p = 0;
    for (int k = 1; k <= 100; k++) p += 2 * ((k & 1) ? 1 : -1) * exp(-2.0 * k * k * lam * lam);
    return p < 0 ? 0 : p > 1 ? 1 : p;
}


#endif
