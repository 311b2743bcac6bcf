/* A helix in R^3: x(t) = (r cos t, r sin t, p t / (2pi)), t in [0, 2pi T], radius r,
 * pitch p (rise per turn), T turns; d = 1 (a curve with two end points).
 * Measure: uniform in arc length. The speed |x'(t)| = sqrt(r^2 + (p/2pi)^2) is
 * constant, so t ~ U[0, 2pi T] is exactly arc-length uniform. */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int helix_init(mf_manifold *m)
{
    m->d = 1;
    m->natural = 3;
    m->ncons = 2;
    m->work = 3;
    return OP_OK;
}

static void embed(const mf_manifold *m, double t, double *x)
{
    x[0] = m->par[0] * cos(t);
    x[1] = m->par[0] * sin(t);
    x[2] = m->par[1] * t / (2 * M_PI);
}

static void helix_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    embed(m, 2 * M_PI * m->par[2] * op_rng_uniform(r), x);
}

static double param_of(const mf_manifold *m, const double *x) { return 2 * M_PI * x[2] / m->par[1]; }

static void helix_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                          double *work)
{
    double t = param_of(m, x), r = m->par[0];
    double *f = work;
    f[0] = -r * sin(t), f[1] = r * cos(t), f[2] = m->par[1] / (2 * M_PI);
    mf_frame_project(3, 1, f, v, out);
}

/* On the cylinder of radius r, at the height that fixes t, the polar angle must be
 * t mod pi (equation) and t mod 2pi (bound). */
static void helix_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    double t = param_of(m, x), r = m->par[0];
    F[0] = (x[0] * x[0] + x[1] * x[1]) / r - r;
    F[1] = x[0] * sin(t) - x[1] * cos(t);
}

static double helix_bounds(const mf_manifold *m, const double *x, double *work)
{
    double t = param_of(m, x), r = m->par[0];
    double e = fabs(x[0] * cos(t) + x[1] * sin(t) - r);
    double lo = -t * m->par[1] / (2 * M_PI), hi = x[2] - m->par[1] * m->par[2];
    if (lo > e) e = lo;
    if (hi > e) e = hi;
    return e;
}

/* t from the height, clamped to the range, re-embedded. */
static void helix_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    double t = param_of(m, y), tmax = 2 * M_PI * m->par[2];
    embed(m, t < 0 ? 0 : t > tmax ? tmax : t, x);
}

const mf_type mf_helix_type = {
    .name = "helix",
    .dim_text = "1",
    .natural_text = "3",
    .measure = "uniform in arc length (t ~ U[0, 2pi turns])",
    .nparams = 3,
    .params = {{"r", 0, 1, 1e-6, 1e6}, {"pitch", 0, 1, 1e-6, 1e6}, {"turns", 0, 2, 1e-6, 1e6}},
    .init = helix_init,
    .sample = helix_sample,
    .tangent = helix_tangent,
    .constraints = helix_constraints,
    .bounds = helix_bounds,
    .retract = helix_retract,
};
