/* The special orthogonal group SO(n) in R^{n^2} (n x n matrices, row-major,
 * Frobenius metric; d = n(n-1)/2).
 * Measure: Haar. QR of an n x n Gaussian matrix with the sign fix gives Haar on
 * O(n) (Mezzadri 2007); if det = -1 the first column is negated. Right
 * multiplication by diag(-1, 1, ..., 1) maps Haar on the det = -1 component onto
 * Haar on SO(n), so the result is Haar on SO(n). Tangent space at R:
 * {R A : A skew}, projector V -> R skew(R^T V). */
#include <math.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int son_init(mf_manifold *m)
{
    int n = (int)m->par[0];
    m->d = n * (n - 1) / 2;
    m->natural = n * n;
    m->ncons = n * (n + 1) / 2;
    m->work = mf_orth_work(n, n) + 2L * n * n;
    return OP_OK;
}

static void son_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    int n = (int)m->par[0];
    int det = mf_haar_stiefel(r, n, n, x, work);
    if (det < 0)
        for (int i = 0; i < n; i++) x[(size_t)i * n] = -x[(size_t)i * n];
}

static void son_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                        double *work)
{
    int n = (int)m->par[0];
    mf_orth_tangent(n, n, x, v, out, work);
}

static void son_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    int n = (int)m->par[0];
    mf_orth_constraints(n, n, x, F);
}

static double son_bounds(const mf_manifold *m, const double *x, double *work)
{
    int n = (int)m->par[0];
    return fabs(mf_det_small(n, x, work) - 1.0);
}

static void son_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    int n = (int)m->par[0];
    mf_orth_qf(n, n, y, x, work);
}

const mf_type mf_son_type = {
    .name = "so",
    .dim_text = "n(n-1)/2",
    .natural_text = "n^2",
    .measure = "Haar (QR of a Gaussian matrix with sign fix, det fixed to +1)",
    .nparams = 1,
    .params = {{"n", 1, 3, 2, 64}},
    .init = son_init,
    .sample = son_sample,
    .tangent = son_tangent,
    .constraints = son_constraints,
    .bounds = son_bounds,
    .retract = son_retract,
    .uses_lapack = 1,
};
