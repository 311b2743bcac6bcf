/* The Stiefel manifold V_k(R^n) = {X in R^{n x k} : X^T X = I_k} in R^{nk}
 * (row-major, Frobenius metric; d = nk - k(k+1)/2).
 * Measure: the O(n)-invariant (Haar) measure: X = Q diag(sign r_ii) from the QR
 * factorisation of an n x k Gaussian matrix (LAPACK dgeqrf/dorgqr). Tangent space
 * at X: {V : X^T V skew}; projector V -> V - X sym(X^T V) (embedded metric). */
#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static int stiefel_init(mf_manifold *m)
{
    int k = (int)m->par[0], n = (int)m->par[1];
    if (k > n)
        OP_ERROR(OP_EUSAGE, "stiefel:k=%d,n=%d: need 1 <= k <= n (k orthonormal columns in R^n)", k,
                 n);
    m->d = n * k - k * (k + 1) / 2;
    m->natural = n * k;
    m->ncons = k * (k + 1) / 2;
    m->work = mf_orth_work(n, k) + (long)k * k;
    return OP_OK;
}

static void stiefel_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    mf_haar_stiefel(r, (int)m->par[1], (int)m->par[0], x, work);
}

static void stiefel_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                            double *work)
{
    mf_orth_tangent((int)m->par[1], (int)m->par[0], x, v, out, work);
}

static void stiefel_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    mf_orth_constraints((int)m->par[1], (int)m->par[0], x, F);
}

static void stiefel_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    mf_orth_qf((int)m->par[1], (int)m->par[0], y, x, work);
}

const mf_type mf_stiefel_type = {
    .name = "stiefel",
    .dim_text = "nk-k(k+1)/2",
    .natural_text = "nk",
    .measure = "Haar (QR of an n x k Gaussian matrix with sign fix)",
    .nparams = 2,
    .params = {{"k", 1, 2, 1, 64}, {"n", 1, 4, 1, 64}},
    .init = stiefel_init,
    .sample = stiefel_sample,
    .tangent = stiefel_tangent,
    .constraints = stiefel_constraints,
    .retract = stiefel_retract,
    .uses_lapack = 1,
};
