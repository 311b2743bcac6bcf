/* The Klein bottle in R^4 (d = 2), with the embedding geomstats uses
 * (geomstats/geometry/klein_bottle.py), for theta, v in [0, 2pi):
 *   x = ( r (cos(theta/2) cos v - sin(theta/2) sin 2v),
 *         r (sin(theta/2) cos v + cos(theta/2) sin 2v),
 *         p cos theta (1 + eps sin v),
 *         p sin theta (1 + eps sin v) ),   defaults r = p = 1, eps = 0.1.
 * (theta + 2pi, v) and (theta, pi - v) give the same point: the Klein bottle's
 * identification.
 * Measure: uniform in the area of this embedding (geomstats samples uniform
 * (theta, v), which is not area-uniform). The area element sqrt(det g) depends on
 * v only (the theta-dependence cancels), so theta ~ U[0, 2pi) and v is drawn by
 * acceptance against sqrt(det g(v)) / max; the max is taken on a grid of 8192 v
 * values and enlarged by 0.1% (det g is a smooth trigonometric polynomial; the grid
 * error is ~1e-5 relative). */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

typedef struct {
    double r, p, eps;
} kb;

static kb params(const mf_manifold *m) { return (kb){m->par[0], m->par[1], m->par[2]}; }

static void embed(kb k, double th, double v, double *x)
{
    double c = cos(0.5 * th), s = sin(0.5 * th), q = 1 + k.eps * sin(v);
    x[0] = k.r * (c * cos(v) - s * sin(2 * v));
    x[1] = k.r * (s * cos(v) + c * sin(2 * v));
    x[2] = k.p * cos(th) * q;
    x[3] = k.p * sin(th) * q;
}

/* Partial derivatives x_theta (f[0..3]) and x_v (f[4..7]). */
static void frame(kb k, double th, double v, double *f)
{
    double c = cos(0.5 * th), s = sin(0.5 * th), q = 1 + k.eps * sin(v);
    f[0] = k.r * (-0.5 * s * cos(v) - 0.5 * c * sin(2 * v));
    f[1] = k.r * (0.5 * c * cos(v) - 0.5 * s * sin(2 * v));
    f[2] = -k.p * sin(th) * q;
    f[3] = k.p * cos(th) * q;
    f[4] = k.r * (-c * sin(v) - 2 * s * cos(2 * v));
    f[5] = k.r * (-s * sin(v) + 2 * c * cos(2 * v));
    f[6] = k.p * k.eps * cos(v) * cos(th);
    f[7] = k.p * k.eps * cos(v) * sin(th);
}

static double area_density(kb k, double v)
{
    double f[8];
    frame(k, 0.0, v, f);
    double a = 0, b = 0, c = 0;
    for (int i = 0; i < 4; i++) {
        a += f[i] * f[i];
        b += f[4 + i] * f[4 + i];
        c += f[i] * f[4 + i];
    }
    double det = a * b - c * c;
    return sqrt(det > 0 ? det : 0);
}

static int klein_init(mf_manifold *m)
{
    if (m->par[2] >= 1)
        OP_ERROR(OP_EUSAGE, "klein:eps=%g: need 0 < eps < 1 (the last two coordinates' radius "
                            "p(1 + eps sin v) must stay positive)", m->par[2]);
    m->d = 2;
    m->natural = 4;
    m->ncons = 2;
    m->work = 8;
    kb k = params(m);
    double mx = 0;
    for (int i = 0; i < 8192; i++) {
        double a = area_density(k, 2 * M_PI * i / 8192.0);
        if (a > mx) mx = a;
    }
    m->aux[0] = 1.001 * mx;
    return OP_OK;
}

static void klein_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    kb k = params(m);
    double th = 2 * M_PI * op_rng_uniform(r), v;
    do v = 2 * M_PI * op_rng_uniform(r);
    while (op_rng_uniform(r) * m->aux[0] > area_density(k, v));
    embed(k, th, v, x);
}

/* theta from the last two coordinates; rotating (x0, x1) by -theta/2 gives
 * (r cos v, r sin 2v); their radius gives sin v. */
static void unrotate(kb k, const double *x, double *th, double *cv, double *sv, double *b)
{
    *th = atan2(x[3], x[2]);
    double c = cos(0.5 * *th), s = sin(0.5 * *th);
    *cv = (c * x[0] + s * x[1]) / k.r;
    *b = (-s * x[0] + c * x[1]) / k.r;
    *sv = (hypot(x[2], x[3]) / k.p - 1) / k.eps;
}

static void klein_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                          double *work)
{
    kb k = params(m);
    double th, cv, sv, b;
    unrotate(k, x, &th, &cv, &sv, &b);
    frame(k, th, atan2(sv, cv), work);
    mf_frame_project(4, 2, work, v, out);
}

/* cos^2 v + sin^2 v = 1 and sin 2v = 2 sin v cos v, with cos v, sin v, sin 2v read
 * off the point as in unrotate(). */
static void klein_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    double th, cv, sv, b;
    unrotate(params(m), x, &th, &cv, &sv, &b);
    F[0] = cv * cv + sv * sv - 1;
    F[1] = b - 2 * sv * cv;
}

static void klein_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    kb k = params(m);
    double th, cv, sv, b;
    unrotate(k, y, &th, &cv, &sv, &b);
    embed(k, th, atan2(sv, cv), x);
}

const mf_type mf_klein_type = {
    .name = "klein",
    .dim_text = "2",
    .natural_text = "4",
    .measure = "uniform in area of the geomstats R^4 embedding (acceptance on v)",
    .nparams = 3,
    .params = {{"r", 0, 1, 1e-6, 1e6}, {"p", 0, 1, 1e-6, 1e6}, {"eps", 0, 0.1, 1e-6, 1e6}},
    .init = klein_init,
    .sample = klein_sample,
    .tangent = klein_tangent,
    .constraints = klein_constraints,
    .retract = klein_retract,
};
