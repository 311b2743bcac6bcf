/* The Grassmannian Gr(k, n) of k-planes in R^n, d = k(n-k), as the set of rank-k
 * orthogonal projectors P = X X^T (X in V_k(R^n)).
 * Embedding: P is symmetric, so it is stored as its upper triangle, row by row
 * ((0,0), (0,1), ..., (0,n-1), (1,1), ...), with the off-diagonal entries multiplied
 * by sqrt(2): then the Euclidean inner product of two packed vectors equals the
 * Frobenius inner product tr(A B) of the matrices, i.e. the packing is a linear
 * isometry Sym(n) -> R^{n(n+1)/2} and the manifold carries the metric induced by the
 * Frobenius norm (twice the canonical Grassmann metric: |dP|_F^2 = 2 |B|_F^2 for
 * dP = X_perp B X^T + X B^T X_perp^T).
 * Measure: the O(n)-invariant (uniform) measure, the image of Haar on V_k(R^n).
 * Tangent space at P: off-diagonal blocks, projector V -> PV(I-P) + (I-P)VP. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static void unpack(int n, const double *x, double *S)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            double v = x[c++];
            if (j > i) v *= M_SQRT1_2;
            S[i * n + j] = S[j * n + i] = v;
        }
}

static void pack(int n, const double *S, double *x)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) x[c++] = j > i ? M_SQRT2 * S[i * n + j] : S[i * n + j];
}

static int grassmann_init(mf_manifold *m)
{
    int k = (int)m->par[0], n = (int)m->par[1];
    if (k >= n)
        OP_ERROR(OP_EUSAGE, "grassmann:k=%d,n=%d: need 1 <= k < n (k-planes in R^n)", k, n);
    m->d = k * (n - k);
    m->natural = n * (n + 1) / 2;
    m->ncons = n * (n + 1) / 2 + 1;
    long w1 = mf_orth_work(n, k) + (long)n * k + (long)n * n;
    long w2 = 4L * n * n;
    long w3 = 2L * n * n + 67L * n;
    m->work = w1 > w2 ? (w1 > w3 ? w1 : w3) : (w2 > w3 ? w2 : w3);
    return OP_OK;
}

static void grassmann_sample(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    int k = (int)m->par[0], n = (int)m->par[1];
    double *X = work, *P = X + (size_t)n * k, *w = P + (size_t)n * n;
    mf_haar_stiefel(r, n, k, X, w);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = 0; l < k; l++) s += X[i * k + l] * X[j * k + l];
            P[i * n + j] = s;
        }
    pack(n, P, x);
}

static void grassmann_tangent(const mf_manifold *m, const double *x, const double *v, double *out,
                              double *work)
{
    int n = (int)m->par[1];
    double *P = work, *V = P + n * n, *A = V + n * n, *AP = A + n * n;
    unpack(n, x, P);
    unpack(n, v, V);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = 0; l < n; l++) s += P[i * n + l] * V[l * n + j];
            A[i * n + j] = s; /* A = P V */
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = 0; l < n; l++) s += A[i * n + l] * P[l * n + j];
            AP[i * n + j] = s; /* P V P */
        }
    /* PV(I-P) + (I-P)VP = A + A^T - PVP - (PVP)^T, symmetric by construction */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            V[i * n + j] = A[i * n + j] + A[j * n + i] - AP[i * n + j] - AP[j * n + i];
    pack(n, V, out);
}

static void grassmann_constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    int k = (int)m->par[0], n = (int)m->par[1];
    double *P = work;
    unpack(n, x, P);
    int c = 0;
    double tr = 0;
    for (int i = 0; i < n; i++) {
        tr += P[i * n + i];
        for (int j = i; j < n; j++) {
            double s = 0;
            for (int l = 0; l < n; l++) s += P[i * n + l] * P[l * n + j];
            F[c++] = s - P[i * n + j];
        }
    }
    F[c] = tr - k; /* selects the rank-k component */
}

/* Metric projection: the spectral projector on the k largest eigenvalues. */
static void grassmann_retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    int k = (int)m->par[0], n = (int)m->par[1];
    double *S = work, *P = S + n * n, *ev = P + n * n, *wk = ev + n;
    unpack(n, y, S);
    /* eigenvalues ascending; eigenvectors in the columns (column-major = rows here,
     * S is symmetric so both layouts are the same matrix) */
    if (LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', n, S, n, ev, wk, 66 * n) != 0) {
        memcpy(x, y, sizeof(double) * (size_t)m->natural);
        return;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = n - k; l < n; l++) s += S[(size_t)l * n + i] * S[(size_t)l * n + j];
            P[i * n + j] = s;
        }
    pack(n, P, x);
}

const mf_type mf_grassmann_type = {
    .name = "grassmann",
    .dim_text = "k(n-k)",
    .natural_text = "n(n+1)/2",
    .measure = "O(n)-invariant: P = X X^T, X Haar on V_k(R^n); packed isometrically",
    .nparams = 2,
    .params = {{"k", 1, 2, 1, 63}, {"n", 1, 4, 2, 64}},
    .init = grassmann_init,
    .sample = grassmann_sample,
    .tangent = grassmann_tangent,
    .constraints = grassmann_constraints,
    .retract = grassmann_retract,
    .uses_lapack = 1,
};
