/* Orthogonal-group and Stiefel helpers shared by SO(n), V_k(R^n), Gr(k,n) and the
 * random embedding. Haar sampling is QR of a Gaussian matrix with the sign fix
 * Q diag(sign r_ii): without the fix LAPACK's sign convention makes the law depend
 * on the implementation and it is not Haar (Mezzadri 2007, "How to generate random
 * matrices from the classical compact groups"). */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

long mf_orth_work(int n, int k) { return (long)n * k + k + 64L * (k + 1) + 1; }

/* QR of the column-major n x k matrix A (lda n) in place; writes the sign-fixed Q,
 * row-major, into X. Returns LAPACK info. *det_sign gets det(Q diag(sign)) for k = n. */
static int qf_colmajor(int n, int k, double *A, double *X, double *work, int *det_sign)
{
    double *tau = work;
    double *wk = work + k;
    int lwork = 64 * (k + 1);
    int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, n, k, A, n, tau, wk, lwork);
    if (info) return info;
    /* sign of r_jj; a zero diagonal (probability 0) counts as +1 */
    int det = 1;
    for (int j = 0; j < k; j++) {
        if (A[(size_t)j * n + j] < 0) det = -det;
        if (tau[j] != 0) det = -det; /* each non-trivial Householder reflector has det -1 */
    }
    double sign[k > 0 ? k : 1];
    for (int j = 0; j < k; j++) sign[j] = A[(size_t)j * n + j] < 0 ? -1.0 : 1.0;
    info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, n, k, k, A, n, tau, wk, lwork);
    if (info) return info;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) X[(size_t)i * k + j] = A[(size_t)j * n + i] * sign[j];
    if (det_sign) *det_sign = det;
    return 0;
}

int mf_haar_stiefel(op_rng *r, int n, int k, double *X, double *work)
{
    double *A = work;                 /* n x k, column-major */
    double *rest = work + (size_t)n * k;
    /* Fill row by row so the stream order matches a row-major Gaussian matrix. */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) A[(size_t)j * n + i] = op_rng_normal(r);
    int det = 0;
    if (qf_colmajor(n, k, A, X, rest, &det)) return 0;
    return k == n ? det : 0;
}

int mf_orth_qf(int n, int k, const double *Y, double *X, double *work)
{
    double *A = work;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) A[(size_t)j * n + i] = Y[(size_t)i * k + j];
    return qf_colmajor(n, k, A, X, work + (size_t)n * k, NULL);
}

void mf_orth_tangent(int n, int k, const double *X, const double *V, double *out, double *work)
{
    double *S = work; /* k x k: sym(X^T V) */
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += X[(size_t)i * k + a] * V[(size_t)i * k + b];
            S[a * k + b] = s;
        }
    for (int a = 0; a < k; a++)
        for (int b = a + 1; b < k; b++) {
            double m = 0.5 * (S[a * k + b] + S[b * k + a]);
            S[a * k + b] = S[b * k + a] = m;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            double s = 0;
            for (int l = 0; l < k; l++) s += X[(size_t)i * k + l] * S[l * k + j];
            out[(size_t)i * k + j] = V[(size_t)i * k + j] - s;
        }
}

void mf_orth_constraints(int n, int k, const double *X, double *F)
{
    int c = 0;
    for (int a = 0; a < k; a++)
        for (int b = a; b < k; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += X[(size_t)i * k + a] * X[(size_t)i * k + b];
            F[c++] = s - (a == b ? 1.0 : 0.0);
        }
}

double mf_det_small(int n, const double *A, double *work)
{
    double *M = work;
    memcpy(M, A, sizeof(double) * (size_t)n * n);
    double det = 1;
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int i = c + 1; i < n; i++)
            if (fabs(M[i * n + c]) > fabs(M[p * n + c])) p = i;
        if (M[p * n + c] == 0) return 0;
        if (p != c) {
            for (int j = 0; j < n; j++) {
                double t = M[c * n + j];
                M[c * n + j] = M[p * n + j];
                M[p * n + j] = t;
            }
            det = -det;
        }
        det *= M[c * n + c];
        for (int i = c + 1; i < n; i++) {
            double f = M[i * n + c] / M[c * n + c];
            for (int j = c; j < n; j++) M[i * n + j] -= f * M[c * n + j];
        }
    }
    return det;
}

void mf_frame_project(int N, int d, double *frame, const double *v, double *out)
{
    /* modified Gram-Schmidt, twice ("twice is enough") */
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < d; j++) {
            double *e = frame + (size_t)j * N;
            for (int l = 0; l < j; l++) {
                const double *f = frame + (size_t)l * N;
                double s = 0;
                for (int i = 0; i < N; i++) s += e[i] * f[i];
                for (int i = 0; i < N; i++) e[i] -= s * f[i];
            }
            double s = 0;
            for (int i = 0; i < N; i++) s += e[i] * e[i];
            s = s > 0 ? 1.0 / sqrt(s) : 0;
            for (int i = 0; i < N; i++) e[i] *= s;
        }
    double coef[d > 0 ? d : 1];
    for (int j = 0; j < d; j++) {
        const double *e = frame + (size_t)j * N;
        double s = 0;
        for (int i = 0; i < N; i++) s += e[i] * v[i];
        coef[j] = s;
    }
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += coef[j] * frame[(size_t)j * N + i];
        out[i] = s;
    }
}
