/* The flat torus T^d = (S^1)^d in R^{2d} (Clifford embedding):
 * x = (cos t_1, sin t_1, ..., cos t_d, sin t_d). Each circle has radius 1, so the
 * embedding is isometric for the flat metric on [0, 2pi)^d; reach 1.
 * Measure: angles i.i.d. uniform on [0, 2pi) = Haar measure of the torus group =
 * normalised Riemannian volume. (The donut in R^3 would NOT be uniform this way.) */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int torus_init(mf_manifold *m)
{
    m->d = (int)m->par[0];
    m->natural = 2 * m->d;
    m->ncons = m->d;
    return OP_OK;
}

static void torus_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    for (int i = 0; i < m->d; i++) {
        double t = 2.0 * M_PI * op_rng_uniform(r);
        x[2 * i] = cos(t);
        x[2 * i + 1] = sin(t);
    }
}

/* Block-diagonal: on circle i the tangent is u = (-sin t, cos t); P_i = u u^T. */
static void torus_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                          double *work)
{
    for (int i = 0; i < m->d; i++) {
        double c = x[2 * i], s = x[2 * i + 1];
        double r2 = c * c + s * s;
        double a = (-s * v[2 * i] + c * v[2 * i + 1]) / r2;
        out[2 * i] = -s * a;
        out[2 * i + 1] = c * a;
    }
}

static void torus_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    for (int i = 0; i < m->d; i++) F[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1] - 1.0;
}

/* Metric projection: normalise each (cos, sin) pair. */
static void torus_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    for (int i = 0; i < m->d; i++) {
        double r = hypot(y[2 * i], y[2 * i + 1]);
        x[2 * i] = r > 0 ? y[2 * i] / r : 1;
        x[2 * i + 1] = r > 0 ? y[2 * i + 1] / r : 0;
    }
}

const mf_type mf_torus_type = {
    .name = "torus",
    .dim_text = "d",
    .natural_text = "2d",
    .measure = "uniform: angles i.i.d. U[0,2pi) (Haar = flat volume)",
    .nparams = 1,
    .params = {{"d", 1, 2, 1, 500}},
    .init = torus_init,
    .sample = torus_sample,
    .tangent = torus_tangent,
    .constraints = torus_constraints,
    .retract = torus_retract,
};
