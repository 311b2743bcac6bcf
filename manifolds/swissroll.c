/* The Swiss roll in R^3: x(t, h) = (t cos t, h, t sin t), t in [1.5pi, 4.5pi],
 * h in [0, H] (H = "h", default 21 as in scikit-learn's make_swiss_roll); d = 2.
 * Measure: uniform in surface area. The area element is |x_t| |x_h| dt dh =
 * sqrt(1 + t^2) dt dh (x_t and x_h are orthogonal), so t is drawn uniformly and
 * accepted with probability sqrt(1 + t^2) / sqrt(1 + t_max^2), h ~ U[0, H].
 * (Uniform t would over-weight the inner turns by a factor up to 3.) The reach is
 * small (neighbouring sheets are 2pi apart): theorem constants are large here. */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

#define T0 (1.5 * M_PI)
#define T1 (4.5 * M_PI)

static int swissroll_init(mf_manifold *m)
{
    m->d = 2;
    m->natural = 3;
    m->ncons = 1;
    m->work = 6;
    return OP_OK;
}

static void embed(double t, double h, double *x)
{
    x[0] = t * cos(t);
    x[1] = h;
    x[2] = t * sin(t);
}

static void swissroll_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    double bound = sqrt(1.0 + T1 * T1), t;
    do t = T0 + (T1 - T0) * op_rng_uniform(r);
    while (op_rng_uniform(r) * bound > sqrt(1.0 + t * t));
    embed(t, m->par[0] * op_rng_uniform(r), x);
}

/* Tangent frame: x_t = (cos t - t sin t, 0, sin t + t cos t), x_h = (0, 1, 0);
 * t is recovered as the distance to the axis. */
static void swissroll_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                              double *work)
{
    double t = hypot(x[0], x[2]);
    double c = cos(t), s = sin(t);
    double *f = work;
    f[0] = c - t * s, f[1] = 0, f[2] = s + t * c;
    f[3] = 0, f[4] = 1, f[5] = 0;
    mf_frame_project(3, 2, f, v, out);
}

/* With r = |(x0, x2)|: x0 sin r - x2 cos r = r sin(r - phi) vanishes iff the polar
 * angle phi = r mod pi; the bounds pick phi = r mod 2pi and the parameter ranges. */
static void swissroll_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    double r = hypot(x[0], x[2]);
    F[0] = x[0] * sin(r) - x[2] * cos(r);
}

static double swissroll_bounds(const mf_manifold *m, const double *x, double *work)
{
    double r = hypot(x[0], x[2]);
    double e = fabs(x[0] * cos(r) + x[2] * sin(r) - r);
    double lo = T0 - r, hi = r - T1, h0 = -x[1], h1 = x[1] - m->par[0];
    double v[4] = {lo, hi, h0, h1};
    for (int i = 0; i < 4; i++)
        if (v[i] > e) e = v[i];
    return e;
}

/* Recover (t, h) = (distance to the axis, x1), clamp to the ranges, re-embed. */
static void swissroll_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    double t = hypot(y[0], y[2]), h = y[1];
    t = t < T0 ? T0 : t > T1 ? T1 : t;
    h = h < 0 ? 0 : h > m->par[0] ? m->par[0] : h;
    embed(t, h, x);
}

const mf_type mf_swissroll_type = {
    .name = "swissroll",
    .dim_text = "2",
    .natural_text = "3",
    .measure = "uniform in area (t accepted w.p. ~ sqrt(1+t^2)), t in [1.5pi,4.5pi], h in [0,H]",
    .nparams = 1,
    .params = {{"h", 0, 21, 1e-6, 1e6}},
    .init = swissroll_init,
    .sample = swissroll_sample,
    .tangent = swissroll_tangent,
    .constraints = swissroll_constraints,
    .bounds = swissroll_bounds,
    .retract = swissroll_retract,
};
