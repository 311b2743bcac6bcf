/* Kernel ridge and ridgeless regression on a Gram matrix (LAPACKE). The solve policy
 * (jitter, condition threshold, pseudo-inverse fallback, OP_ENUM on singular systems)
 * is documented in kernel.h. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"
#include "core/op_error.h"
#include "kernel/kernel.h"

static void set_info(kn_krr_info *info, int method, int rank, double jitter, double rcond)
{
    if (!info) return;
    info->method = method;
    info->rank = rank;
    info->jitter = jitter;
    info->rcond = rcond;
}

/* Lower triangle of K + shift I into A (row-major, n x n). */
static void copy_shifted(double *A, const double *K, int n, double shift)
{
    for (int i = 0; i < n; i++) {
        memcpy(A + (size_t)i * n, K + (size_t)i * n, sizeof(double) * (size_t)(i + 1));
        A[(size_t)i * n + i] += shift;
    }
}

/* Cholesky solve of (K + shift I) alpha = y. Returns 0 on success, 1 if the matrix is
 * not positive definite, -1 on a LAPACK argument error; *rcond gets dpocon's estimate. */
static int chol_solve(const double *K, int n, const double *y, double shift, double *A,
                      double *alpha, double *rcond)
{
    copy_shifted(A, K, n, shift);
    double anorm = LAPACKE_dlansy(LAPACK_ROW_MAJOR, '1', 'L', n, A, n);
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, A, n);
    if (info > 0) return 1;
    if (info < 0) return -1;
    if (LAPACKE_dpocon(LAPACK_ROW_MAJOR, 'L', n, A, n, anorm, rcond) != 0) *rcond = 0;
    memcpy(alpha, y, sizeof(double) * (size_t)n);
    if (LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', n, 1, A, n, alpha, 1) != 0) return -1;
    return 0;
}

/* Pseudo-inverse solve through K = V diag(w) V^T, keeping w_i > KN_RCOND_MIN w_max. */
static int pinv_solve(const double *K, int n, const double *y, double *A, double *alpha,
                      kn_krr_info *info)
{
    double *w = op_malloc(sizeof(double) * (size_t)n * 2);
    if (!w) return OP_ENOMEM;
    double *c = w + n;
    copy_shifted(A, K, n, 0.0);
    lapack_int li = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', n, A, n, w);
    if (li != 0) {
        free(w);
        OP_ERROR(OP_ENUM, "kernel regression: eigendecomposition failed (dsyevd info %d)", (int)li);
    }
    double wmax = w[n - 1]; /* ascending order */
    if (!(wmax > 0) || w[0] < -KN_NEG_EIG_REL * wmax) {
        double w0 = w[0];
        free(w);
        OP_ERROR(OP_ENUM,
                 "kernel regression: Gram matrix is not positive semi-definite "
                 "(eigenvalues %.3g .. %.3g); not a valid kernel matrix",
                 w0, wmax);
    }
    double cut = KN_RCOND_MIN * wmax, wmin_kept = wmax;
    int rank = 0;
    /* c = diag(1/w) V^T y on the kept eigenvalues, then alpha = V c. A is row-major with
     * eigenvectors in columns: V[i][k] = A[i*n + k]. */
    for (int k = 0; k < n; k++) {
        c[k] = 0;
        if (w[k] <= cut) continue;
        double s = 0;
        for (int i = 0; i < n; i++) s += A[(size_t)i * n + k] * y[i];
        c[k] = s / w[k];
        rank++;
        if (w[k] < wmin_kept) wmin_kept = w[k];
    }
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += A[(size_t)i * n + k] * c[k];
        alpha[i] = s;
    }
    set_info(info, KN_SOLVE_PINV, rank, 0.0, wmin_kept / wmax);
    free(w);
    if (rank < n)
        OP_ERROR(OP_ENUM,
                 "kernel regression: Gram matrix is singular (numerical rank %d of %d at "
                 "relative cutoff %.0e; duplicate or collinear training points?); use a ridge > 0",
                 rank, n, KN_RCOND_MIN);
    return OP_OK;
}

int kn_krr_fit(const double *K, int n, const double *y, double ridge, double *alpha,
               kn_krr_info *info)
{
    if (n < 1) OP_ERROR(OP_EUSAGE, "kernel regression: n=%d must be >= 1", n);
    if (!(ridge >= 0) || !isfinite(ridge))
        OP_ERROR(OP_EUSAGE, "kernel regression: ridge %g must be finite and >= 0", ridge);
    double *A = op_malloc(sizeof(double) * (size_t)n * (size_t)n);
    if (!A) return OP_ENOMEM;
    double shift = ridge, rcond = 0;
    if (ridge == 0) {
        double tr = 0;
        for (int i = 0; i < n; i++) tr += K[(size_t)i * n + i];
        shift = KN_JITTER_REL * tr / n;
    }
    /* OpenBLAS's threaded dpotrf/dsyevd round differently for different thread
     * counts (measured: n = 4000 predictions differ in the last bits between 1 and 2
     * threads), so the solve runs single-threaded to keep results independent of
     * OMP_NUM_THREADS. The Gram matrices, not the O(n^3/3) solve, dominate the cost. */
    int blas_threads = op_blas_threads();
    op_blas_set_threads(1);
    int r = chol_solve(K, n, y, shift, A, alpha, &rcond);
    int status = OP_OK;
    if (r < 0) {
        status = op_error_set(OP_EINTERNAL, __FILE__, __LINE__,
                              "kernel regression: LAPACK argument error");
    } else if (r == 0 && (ridge > 0 || rcond >= KN_RCOND_MIN)) {
        set_info(info, KN_SOLVE_CHOLESKY, n, shift, rcond);
    } else if (ridge > 0) {
        status = op_error_set(OP_ENUM, __FILE__, __LINE__,
                              "kernel regression: K + %g I is not positive definite "
                              "(Cholesky failed); not a valid kernel matrix or ridge too small",
                              ridge);
    } else {
        status = pinv_solve(K, n, y, A, alpha, info);
    }
    op_blas_set_threads(blas_threads);
    free(A);
    return status;
}

void kn_krr_predict(const double *Kcross, int p, int n, const double *alpha, double *pred)
{
#pragma omp parallel for schedule(static)
    for (int j = 0; j < p; j++) {
        const double *row = Kcross + (size_t)j * n;
        double s = 0;
        for (int i = 0; i < n; i++) s += row[i] * alpha[i];
        pred[j] = s;
    }
}
