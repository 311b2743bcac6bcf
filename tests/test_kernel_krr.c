/* Kernel regression: Xu et al. Lemma 1 (exact linear extrapolation from a symmetric
 * basis) and its control, ridge recovery of a smooth target with error falling in n,
 * the solve policy (ridge residual, singular and invalid Gram matrices reported with
 * OP_ENUM, never silently).
 *
 * Sizes (OP_TEST_SCALE, tests/test_util.h): the small variant (sanitizers, valgrind:
 * 180 s under valgrind at full size, the O(n^3) Cholesky factorisations) ends the
 * learning curve at n = 400 instead of 1600 with the same bounds (measured at n = 400:
 * MSE/var = 4.2e-5 < 1e-3 and 2.2e-3 of the n = 25 MSE < 1%; at 1600: 2.6e-6 and
 * 1.4e-4), and checks the thread-independence of the fit at n = 400 instead of 1200
 * (still above the 64-256 block size where dpotrf blocks). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"
#include "core/op_error.h"
#include "core/rng.h"
#include "kernel/kernel.h"
#include "test_util.h"

static double dot(const double *a, const double *b, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++) s += a[i] * b[i];
    return s;
}

/* Random orthonormal rows (Gram-Schmidt of a Gaussian matrix, twice for accuracy): the
 * rotation is Haar-distributed up to the sign convention, which does not matter here. */
static void random_orthonormal(op_rng *r, double *Q, int d)
{
    for (int i = 0; i < d * d; i++) Q[i] = op_rng_normal(r);
    for (int i = 0; i < d; i++)
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < i; j++) {
                double p = dot(Q + i * d, Q + j * d, d);
                for (int k = 0; k < d; k++) Q[i * d + k] -= p * Q[j * d + k];
            }
            double nrm = sqrt(dot(Q + i * d, Q + i * d, d));
            for (int k = 0; k < d; k++) Q[i * d + k] /= nrm;
        }
}

/* Uniform in the ball of radius R: Gaussian direction, radius R U^(1/d). */
static void ball_point(op_rng *r, double *x, int d, double R)
{
    for (int i = 0; i < d; i++) x[i] = op_rng_normal(r);
    double s = R * pow(op_rng_uniform(r), 1.0 / d) / sqrt(dot(x, x, d));
    for (int i = 0; i < d; i++) x[i] *= s;
}

/* Fits ridgeless kernel regression on ntrain points with y = beta.x and returns
 * max |f(x) - beta.x| / |x| over ntest points of the ball of radius 20. */
static double lemma1_error(kn_kind kind, const double *Xtr, int ntrain, int d, const double *beta,
                           op_rng *r, int *status)
{
    const int ntest = 2000;
    double *K = malloc(sizeof(double) * ntrain * ntrain), *Kx = malloc(sizeof(double) * ntest * ntrain);
    double *y = malloc(sizeof(double) * ntrain), *alpha = malloc(sizeof(double) * ntrain);
    double *Xte = malloc(sizeof(double) * ntest * d), *pred = malloc(sizeof(double) * ntest);
    for (int i = 0; i < ntrain; i++) y[i] = dot(beta, Xtr + i * d, d);
    for (int j = 0; j < ntest; j++) ball_point(r, Xte + j * d, d, 20.0);
    *status = kn_gram(kind, Xtr, ntrain, Xtr, ntrain, d, 1, 0.0, K);
    *status |= kn_gram(kind, Xte, ntest, Xtr, ntrain, d, 1, 0.0, Kx);
    *status |= kn_krr_fit(K, ntrain, y, 0.0, alpha, NULL);
    kn_krr_predict(Kx, ntest, ntrain, alpha, pred);
    double worst = 0;
    for (int j = 0; j < ntest; j++) {
        const double *x = Xte + j * d;
        worst = fmax(worst, fabs(pred[j] - dot(beta, x, d)) / sqrt(dot(x, x, d)));
    }
    free(K), free(Kx), free(y), free(alpha), free(Xte), free(pred);
    return worst;
}

static void test_lemma1(void)
{
    const int dims[] = {8, 32};
    const kn_kind kinds[] = {KN_K1, KN_K12, KN_NTK};
    for (int di = 0; di < 2; di++) {
        int d = dims[di];
        op_rng r;
        op_rng_seed(&r, op_seed_from_key("kernel/lemma1", (uint64_t)d));
        double *Q = malloc(sizeof(double) * d * d), *X = malloc(sizeof(double) * 2 * d * d);
        double *beta = malloc(sizeof(double) * d);
        random_orthonormal(&r, Q, d);
        for (int i = 0; i < d; i++) beta[i] = op_rng_normal(&r);
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++) {
                X[i * d + k] = 5.0 * Q[i * d + k];        /* basis, length 5 as in Xu et al. */
                X[(d + i) * d + k] = -5.0 * Q[i * d + k]; /* and its negatives */
            }
        for (int ki = 0; ki < 3; ki++) {
            int st;
            double e = lemma1_error(kinds[ki], X, 2 * d, d, beta, &r, &st);
            CHECK(st == 0 && e < 1e-10, "Lemma 1, d=%d, %s, basis and negatives: max |f - b.x|/|x| = %.2e",
                  d, kn_kind_name(kinds[ki]), e);
            double ec = lemma1_error(kinds[ki], X, d, d, beta, &r, &st);
            CHECK(st == 0 && ec > 0.1, "control, d=%d, %s, basis without negatives: error %.3f (> 0.1)", d,
                  kn_kind_name(kinds[ki]), ec);
        }
        free(Q), free(X), free(beta);
    }
}

/* Smooth target on the unit sphere S^2 in R^3; NTK (L=2, bias 0.5) ridge regression with
 * ridge 1e-6: the test MSE must fall at every step n = 25, 100, 400, 1600. */
static double target(const double *x) { return sin(2.0 * x[0]) + x[1] * x[2] + 0.5 * cos(3.0 * x[2]); }

static void sphere_point(op_rng *r, double *x)
{
    for (int i = 0; i < 3; i++) x[i] = op_rng_normal(r); /* normalised Gaussian: uniform on S^2 */
    double s = sqrt(dot(x, x, 3));
    for (int i = 0; i < 3; i++) x[i] /= s;
}

static void test_learning_curve(void)
{
    const int ns[] = {25, 100, 400, 1600}, ntest = 1000, nsteps = test_small() ? 3 : 4;
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/learning-curve", 1));
    double *Xte = malloc(sizeof(double) * ntest * 3), *yte = malloc(sizeof(double) * ntest);
    double var = 0, mean = 0;
    for (int j = 0; j < ntest; j++) {
        sphere_point(&r, Xte + 3 * j);
        yte[j] = target(Xte + 3 * j);
        mean += yte[j] / ntest;
    }
    for (int j = 0; j < ntest; j++) var += (yte[j] - mean) * (yte[j] - mean) / ntest;
    double prev = INFINITY, first = 0, mse = 0;
    int decreasing = 1;
    for (int k = 0; k < nsteps; k++) {
        int n = ns[k];
        double *X = malloc(sizeof(double) * n * 3), *y = malloc(sizeof(double) * n);
        double *K = malloc(sizeof(double) * n * n), *Kx = malloc(sizeof(double) * ntest * n);
        double *alpha = malloc(sizeof(double) * n), *pred = malloc(sizeof(double) * ntest);
        for (int i = 0; i < n; i++) {
            sphere_point(&r, X + 3 * i);
            y[i] = target(X + 3 * i);
        }
        kn_krr_info info;
        int st = kn_ntk_gram(X, n, X, n, 3, 2, 0.5, K);
        st |= kn_ntk_gram(Xte, ntest, X, n, 3, 2, 0.5, Kx);
        st |= kn_krr_fit(K, n, y, 1e-6, alpha, &info);
        kn_krr_predict(Kx, ntest, n, alpha, pred);
        mse = 0;
        for (int j = 0; j < ntest; j++) mse += (pred[j] - yte[j]) * (pred[j] - yte[j]) / ntest;
        printf("learning curve: n=%4d test MSE/var(y) = %.3e (%s)\n", n, mse / var,
               info.method == KN_SOLVE_CHOLESKY ? "cholesky" : "pinv");
        CHECK(st == 0, "n=%d: fit ok", n);
        decreasing &= mse < prev;
        if (k == 0) first = mse;
        prev = mse;
        free(X), free(y), free(K), free(Kx), free(alpha), free(pred);
    }
    CHECK(decreasing, "test MSE strictly decreasing in n");
    CHECK(mse < 0.01 * first && mse < 1e-3 * var, "n=%d: MSE %.2e < 1%% of n=25 (%.2e) and < 1e-3 var(y)",
          ns[nsteps - 1], mse, first);
    free(Xte), free(yte);
}

static void test_solve_policy(void)
{
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/solve", 1));
    const int n = 60, d = 4;
    double X[60 * 4], y[60], K[60 * 60], alpha[60], res[60];
    for (int i = 0; i < n * d; i++) X[i] = op_rng_normal(&r);
    for (int i = 0; i < n; i++) y[i] = op_rng_normal(&r);
    kn_krr_info info;

    /* Ridge: (K + lambda I) alpha = y to rounding. */
    kn_ntk_gram(X, n, X, n, d, 2, 0.0, K);
    int st = kn_krr_fit(K, n, y, 0.1, alpha, &info);
    kn_krr_predict(K, n, n, alpha, res);
    double worst = 0;
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(res[i] + 0.1 * alpha[i] - y[i]));
    CHECK(st == 0 && info.method == KN_SOLVE_CHOLESKY && worst < 1e-12,
          "ridge 0.1: Cholesky, max residual %.2e", worst);

    /* Ridgeless on distinct points interpolates. */
    st = kn_krr_fit(K, n, y, 0.0, alpha, &info);
    kn_krr_predict(K, n, n, alpha, res);
    worst = 0;
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(res[i] - y[i]));
    CHECK(st == 0 && worst < 1e-9, "ridgeless interpolation: max |f(x_i) - y_i| = %.2e (rcond %.2e, %s)",
          worst, info.rcond, info.method == KN_SOLVE_CHOLESKY ? "cholesky" : "pinv");

    /* A duplicated training point with a different label: singular, reported. */
    for (int k = 0; k < d; k++) X[1 * d + k] = X[0 * d + k];
    kn_ntk_gram(X, n, X, n, d, 2, 0.0, K);
    op_error_clear();
    st = kn_krr_fit(K, n, y, 0.0, alpha, &info);
    CHECK(st == OP_ENUM && info.method == KN_SOLVE_PINV && info.rank == n - 1 &&
              strstr(op_error_message(), "singular"),
          "duplicate point, ridgeless: status %d, rank %d of %d, '%s'", st, info.rank, n,
          op_error_message());
    /* The pseudo-inverse solution left in alpha is the least-squares one: it predicts
     * the mean of the two labels at the duplicated point. */
    kn_krr_predict(K, n, n, alpha, res);
    CHECK(fabs(res[0] - 0.5 * (y[0] + y[1])) < 1e-8, "pinv fit at the duplicate = mean of labels (%.3e)",
          res[0] - 0.5 * (y[0] + y[1]));
    op_error_clear();
    st = kn_krr_fit(K, n, y, 1e-6, alpha, &info);
    CHECK(st == 0, "duplicate point with ridge 1e-6: ok");

    /* Not a kernel matrix. */
    double A[4] = {1, 2, 2, 1}, yy[2] = {1, 2}, aa[2];
    op_error_clear();
    st = kn_krr_fit(A, 2, yy, 0.0, aa, &info);
    CHECK(st == OP_ENUM && strstr(op_error_message(), "not positive semi-definite"),
          "indefinite matrix, ridgeless: OP_ENUM '%s'", op_error_message());
    op_error_clear();
    st = kn_krr_fit(A, 2, yy, 0.5, aa, &info);
    CHECK(st == OP_ENUM, "indefinite matrix, ridge 0.5: OP_ENUM '%s'", op_error_message());
    op_error_clear();
    st = kn_krr_fit(A, 2, yy, -1.0, aa, &info);
    CHECK(st == OP_EUSAGE, "negative ridge: OP_EUSAGE");
    op_error_clear();
}

/* The fit is bitwise identical whatever the BLAS thread count (OpenBLAS's threaded
 * dpotrf is not; kn_krr_fit runs it single-threaded). n = 1200 (small: 400) uses the
 * blocked path. */
static void test_fit_determinism(void)
{
    const int n = test_small() ? 400 : 1200, d = 6;
    double *X = malloc(sizeof(double) * n * d), *K = malloc(sizeof(double) * n * n);
    double *y = malloc(sizeof(double) * n), *a1 = malloc(sizeof(double) * n), *a2 = malloc(sizeof(double) * n);
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/fit-determinism", 1));
    for (int i = 0; i < n * d; i++) X[i] = op_rng_normal(&r);
    for (int i = 0; i < n; i++) y[i] = op_rng_normal(&r);
    kn_ntk_gram(X, n, X, n, d, 2, 0.1, K);
    int t0 = op_blas_threads();
    op_blas_set_threads(1);
    int st = kn_krr_fit(K, n, y, 1e-3, a1, NULL);
    op_blas_set_threads(2);
    st |= kn_krr_fit(K, n, y, 1e-3, a2, NULL);
    CHECK(st == 0 && memcmp(a1, a2, sizeof(double) * n) == 0 && op_blas_threads() == 2,
          "n=%d fit bitwise identical with 1 and 2 BLAS threads; thread count restored", n);
    op_blas_set_threads(t0);
    free(X), free(K), free(y), free(a1), free(a2);
}

int main(void)
{
    test_fit_determinism();
    test_lemma1();
    test_learning_curve();
    test_solve_policy();
    return test_summary("test_kernel_krr");
}
