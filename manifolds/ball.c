/* The closed ball B^d of radius r in R^d (a manifold with boundary; natural = d).
 * Measure: uniform (Lebesgue) on the ball: direction g/|g| with g ~ N(0, I_d) and
 * radius r U^(1/d) (P(|x| <= t) = (t/r)^d). Full-dimensional: the control case for
 * "data fill R^D" and for intrinsic-dimension estimators. */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int ball_init(mf_manifold *m)
{
    m->d = (int)m->par[0];
    m->natural = m->d;
    m->ncons = 0;
    return OP_OK;
}

static void ball_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    int d = m->d;
    double s;
    do {
        s = 0;
        for (int i = 0; i < d; i++) {
            x[i] = op_rng_normal(r);
            s += x[i] * x[i];
        }
    } while (s < 1e-200);
    double rad = m->par[1] * pow(op_rng_uniform(r), 1.0 / d);
    s = rad / sqrt(s);
    for (int i = 0; i < d; i++) x[i] *= s;
}

/* Open subset of R^d: the tangent space is everything. */
static void ball_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                         double *work)
{
    for (int i = 0; i < m->d; i++) out[i] = v[i];
}

static void ball_constraints(const mf_manifold *m, const double *x, double *F, double *work) {}

static double ball_bounds(const mf_manifold *m, const double *x, double *work)
{
    double s = 0;
    for (int i = 0; i < m->d; i++) s += x[i] * x[i];
    double ex = sqrt(s) - m->par[1];
    return ex > 0 ? ex : 0;
}

/* Metric projection: radial clamp onto the ball. */
static void ball_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    double s = 0;
    for (int i = 0; i < m->d; i++) s += y[i] * y[i];
    s = sqrt(s);
    double f = s > m->par[1] ? m->par[1] / s : 1.0;
    for (int i = 0; i < m->d; i++) x[i] = y[i] * f;
}

const mf_type mf_ball_type = {
    .name = "ball",
    .dim_text = "d",
    .natural_text = "d",
    .measure = "uniform (Lebesgue): Gaussian direction, radius r*U^(1/d)",
    .nparams = 2,
    .params = {{"d", 1, 3, 1, 1000}, {"r", 0, 1, 1e-6, 1e6}},
    .init = ball_init,
    .sample = ball_sample,
    .tangent = ball_tangent,
    .constraints = ball_constraints,
    .bounds = ball_bounds,
    .retract = ball_retract,
};
