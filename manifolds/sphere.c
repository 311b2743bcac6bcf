/* The unit sphere S^d in R^{d+1}, d = "d" parameter.
 * Measure: uniform (rotation-invariant = normalised Riemannian volume):
 * x = g/|g| with g ~ N(0, I_{d+1}) (Muller 1959, Marsaglia 1972); the Gaussian is
 * rotation-invariant, so its direction is too. Reach 1. */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int sphere_init(mf_manifold *m)
{
    m->d = (int)m->par[0];
    m->natural = m->d + 1;
    m->ncons = 1;
    return OP_OK;
}

static void sphere_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    int N = m->natural;
    double s;
    do {
        s = 0;
        for (int i = 0; i < N; i++) {
            x[i] = op_rng_normal(r);
            s += x[i] * x[i];
        }
    } while (s < 1e-200); /* probability ~0; guards the division */
    s = 1.0 / sqrt(s);
    for (int i = 0; i < N; i++) x[i] *= s;
}

/* P = I - x x^T (x a unit vector). */
static void sphere_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                           double *work)
{
    int N = m->natural;
    double dot = 0;
    for (int i = 0; i < N; i++) dot += x[i] * v[i];
    for (int i = 0; i < N; i++) out[i] = v[i] - dot * x[i];
}

static void sphere_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    double s = 0;
    for (int i = 0; i < m->natural; i++) s += x[i] * x[i];
    F[0] = s - 1.0;
}

/* Metric projection y/|y|. */
static void sphere_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    double s = 0;
    for (int i = 0; i < m->natural; i++) s += y[i] * y[i];
    s = s > 0 ? 1.0 / sqrt(s) : 0;
    for (int i = 0; i < m->natural; i++) x[i] = y[i] * s;
    if (s == 0) x[0] = 1;
}

const mf_type mf_sphere_type = {
    .name = "sphere",
    .dim_text = "d",
    .natural_text = "d+1",
    .measure = "uniform (normalised Gaussian vectors)",
    .nparams = 1,
    .params = {{"d", 1, 2, 1, 1000}},
    .init = sphere_init,
    .sample = sphere_sample,
    .tangent = sphere_tangent,
    .constraints = sphere_constraints,
    .retract = sphere_retract,
};
