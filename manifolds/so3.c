/* The rotation group SO(3) in R^9 (3x3 matrices, row-major, Frobenius metric; d = 3).
 * Measure: Haar. q = g/|g| with g ~ N(0, I_4) is uniform on S^3, the unit
 * quaternions, and q -> R(q) is the double cover S^3 -> SO(3), which pushes the
 * uniform measure forward to Haar measure (Shoemake 1992). No LAPACK needed.
 * Tangent space, defining equations and retraction are those of SO(n) (orth.c). */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int so3_init(mf_manifold *m)
{
    m->d = 3;
    m->natural = 9;
    m->ncons = 6;
    m->work = mf_orth_work(3, 3) + 18;
    return OP_OK;
}

static void so3_sample(const mf_manifold *m, op_rng *r, double *R, double *work)
{
    double q[4], s;
    do {
        s = 0;
        for (int i = 0; i < 4; i++) {
            q[i] = op_rng_normal(r);
            s += q[i] * q[i];
        }
    } while (s < 1e-200);
    s = 1.0 / sqrt(s);
    double w = q[0] * s, x = q[1] * s, y = q[2] * s, z = q[3] * s;
    R[0] = 1 - 2 * (y * y + z * z);
    R[1] = 2 * (x * y - w * z);
    R[2] = 2 * (x * z + w * y);
    R[3] = 2 * (x * y + w * z);
    R[4] = 1 - 2 * (x * x + z * z);
    R[5] = 2 * (y * z - w * x);
    R[6] = 2 * (x * z - w * y);
    R[7] = 2 * (y * z + w * x);
    R[8] = 1 - 2 * (x * x + y * y);
}

static void so3_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                        double *work)
{
    mf_orth_tangent(3, 3, x, v, out, work);
}

static void so3_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    mf_orth_constraints(3, 3, x, F);
}

/* det = +1 selects SO(3) among the two components of O(3). */
static double so3_bounds(const mf_manifold *m, const double *x, double *work)
{
    return fabs(mf_det_small(3, x, work) - 1.0);
}

static void so3_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    mf_orth_qf(3, 3, y, x, work);
}

const mf_type mf_so3_type = {
    .name = "so3",
    .dim_text = "3",
    .natural_text = "9",
    .measure = "Haar (uniform unit quaternion -> rotation matrix)",
    .nparams = 0,
    .init = so3_init,
    .sample = so3_sample,
    .tangent = so3_tangent,
    .constraints = so3_constraints,
    .bounds = so3_bounds,
    .retract = so3_retract,
};
