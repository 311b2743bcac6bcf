/* Central-difference gradient checks in double along random directions (kann's
 * kad_check_grad, ggml's grad test): for a scalar objective f(theta) with analytic
 * gradient g, compare (f(theta + h v) - f(theta - h v)) / 2h with g.v for unit random
 * directions v supported on one part of theta (parameters or input). A direction is
 * skipped when a ReLU changes sign between theta - hv, theta and theta + hv (a kink
 * inside the difference stencil); the check fails if too many are skipped, if any
 * usable direction has relative error > tol, or if g is identically zero there. */
#ifndef NN_GRADCHECK_H
#define NN_GRADCHECK_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/rng.h"
#include "test_util.h"

typedef struct {
    int n; /* length of theta */
    /* objective at theta; *sig = hash of the ReLU sign pattern (0 if none) */
    double (*f)(void *ctx, const double *theta, uint64_t *sig);
    void (*g)(void *ctx, const double *theta, double *grad);
    void *ctx;
} gc_problem;

static inline uint64_t gc_sig_add(uint64_t h, const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (uint64_t)(a[i] > 0) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Returns the max relative error (or INFINITY on a failed precondition). */
static inline double gc_check(const char *name, const gc_problem *p, const double *theta, int lo,
                              int hi, int ndir, op_rng *rng, double tol)
{
    double *g = calloc((size_t)p->n, sizeof(double));
    double *tp = malloc(sizeof(double) * (size_t)p->n), *v = malloc(sizeof(double) * (size_t)p->n);
    p->g(p->ctx, theta, g);
    double gmax = 0;
    for (int i = lo; i < hi; i++) gmax = fmax(gmax, fabs(g[i]));
    CHECK(gmax > 0, "%s: gradient is not identically zero (max |g| = %.3g)", name, gmax);
    const double h = 1e-5;
    double maxrel = 0;
    int used = 0;
    uint64_t s0;
    p->f(p->ctx, theta, &s0);
    for (int d = 0; d < ndir; d++) {
        double nv = 0;
        for (int i = 0; i < p->n; i++) {
            v[i] = (i >= lo && i < hi) ? op_rng_normal(rng) : 0;
            nv += v[i] * v[i];
        }
        nv = sqrt(nv);
        double ana = 0;
        for (int i = lo; i < hi; i++) ana += g[i] * (v[i] /= nv);
        uint64_t sp, sm;
        for (int i = 0; i < p->n; i++) tp[i] = theta[i] + h * v[i];
        double fp = p->f(p->ctx, tp, &sp);
        for (int i = 0; i < p->n; i++) tp[i] = theta[i] - h * v[i];
        double fm = p->f(p->ctx, tp, &sm);
        if (sp != s0 || sm != s0) continue; /* a ReLU kink inside the stencil */
        used++;
        double num = (fp - fm) / (2 * h);
        double rel = fabs(num - ana) / fmax(fmax(fabs(num), fabs(ana)), 1e-300);
        if (rel > maxrel) maxrel = rel;
    }
    CHECK(used >= (ndir + 1) / 2, "%s: %d of %d directions usable (the rest cross ReLU kinks)", name,
          used, ndir);
    CHECK(maxrel <= tol, "%s: max relative error %.3g over %d directions (tol %.0e)", name, maxrel,
          used, tol);
    if (getenv("TEST_VERBOSE"))
        printf("     %-44s rel.err %.2e  |g|max %.3g  dirs %d/%d\n", name, maxrel, gmax, used, ndir);
    free(g);
    free(tp);
    free(v);
    return maxrel;
}

#endif
