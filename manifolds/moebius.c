/* The Moebius strip in R^3 (d = 2, non-orientable, with boundary):
 * x(u, v) = ((r + v cos(u/2)) cos u, (r + v cos(u/2)) sin u, v sin(u/2)),
 * u in [0, 2pi), v in [-w, w] (centre-circle radius r, half-width w < r).
 * Measure: uniform in surface area. x_u and x_v are orthogonal and |x_v| = 1, so
 * the area element is |x_u| du dv = sqrt((r + v cos(u/2))^2 + v^2/4) du dv;
 * (u, v) uniform on the rectangle is accepted with probability
 * |x_u| / sqrt((r + w)^2 + w^2/4). */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int moebius_init(mf_manifold *m)
{
    if (m->par[1] >= m->par[0])
        OP_ERROR(OP_EUSAGE, "moebius:r=%g,w=%g: need half-width w < radius r", m->par[0], m->par[1]);
    m->d = 2;
    m->natural = 3;
    m->ncons = 1;
    m->work = 6;
    double r = m->par[0], w = m->par[1];
    m->aux[0] = sqrt((r + w) * (r + w) + 0.25 * w * w);
    return OP_OK;
}

static void embed(double r, double u, double v, double *x)
{
    double a = r + v * cos(0.5 * u);
    x[0] = a * cos(u);
    x[1] = a * sin(u);
    x[2] = v * sin(0.5 * u);
}

static void moebius_sample(const mf_manifold *m, op_rng *rng, double *x, double *work)
{
    double r = m->par[0], w = m->par[1], u, v, a;
    do {
        u = 2 * M_PI * op_rng_uniform(rng);
        v = w * (2 * op_rng_uniform(rng) - 1);
        a = r + v * cos(0.5 * u);
    } while (op_rng_uniform(rng) * m->aux[0] > sqrt(a * a + 0.25 * v * v));
    embed(r, u, v, x);
}

/* u = polar angle, v = coordinate along the ruling (cos(u/2) cos u, cos(u/2) sin u,
 * sin(u/2)). Replacing u by u + 2pi flips v: the same point. */
static void recover(double r, const double *x, double *u, double *v)
{
    *u = atan2(x[1], x[0]);
    double rho = hypot(x[0], x[1]) - r;
    *v = rho * cos(0.5 * *u) + x[2] * sin(0.5 * *u);
}

static void moebius_tangent(const mf_manifold *m, const double *x, const double *vv, double *out,
                            double *work)
{
    double r = m->par[0], u, v;
    recover(r, x, &u, &v);
    double c = cos(0.5 * u), s = sin(0.5 * u), a = r + v * c;
    double *f = work;
    f[0] = -a * sin(u) - 0.5 * v * s * cos(u);
    f[1] = a * cos(u) - 0.5 * v * s * sin(u);
    f[2] = 0.5 * v * c;
    f[3] = c * cos(u), f[4] = c * sin(u), f[5] = s;
    mf_frame_project(3, 2, f, vv, out);
}

/* The point (rho, x2) = (dist to axis - r, height) must lie on the ruling of angle
 * u/2: rho sin(u/2) - x2 cos(u/2) = 0. */
static void moebius_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    double u = atan2(x[1], x[0]), rho = hypot(x[0], x[1]) - m->par[0];
    F[0] = rho * sin(0.5 * u) - x[2] * cos(0.5 * u);
}

static double moebius_bounds(const mf_manifold *m, const double *x, double *work)
{
    double u, v;
    recover(m->par[0], x, &u, &v);
    double e = fabs(v) - m->par[1];
    return e > 0 ? e : 0;
}

static void moebius_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    double u, v, w = m->par[1];
    recover(m->par[0], y, &u, &v);
    embed(m->par[0], u, v < -w ? -w : v > w ? w : v, x);
}

const mf_type mf_moebius_type = {
    .name = "moebius",
    .dim_text = "2",
    .natural_text = "3",
    .measure = "uniform in area (acceptance on |x_u|)",
    .nparams = 2,
    .params = {{"r", 0, 1, 1e-6, 1e6}, {"w", 0, 0.5, 1e-6, 1e6}},
    .init = moebius_init,
    .sample = moebius_sample,
    .tangent = moebius_tangent,
    .constraints = moebius_constraints,
    .bounds = moebius_bounds,
    .retract = moebius_retract,
};
