/* Analytic ReLU kernels: invariants, symmetry, PSD Gram matrices, Monte-Carlo
 * expectations over Gaussian weights, the empirical NTK of wide explicit nets, and
 * bitwise determinism across thread counts.
 *
 * Sizes (OP_TEST_SCALE, tests/test_util.h): every statistical tolerance here is a
 * multiple of the standard error estimated from the same samples, so it follows the
 * sample size. Small variant (sanitizers, valgrind: 160 s under valgrind at full size):
 * 10^5 instead of 10^6 Monte-Carlo samples, width m = 5000 instead of 20000 for the
 * two-layer empirical NTK, 4 instead of 8 deep nets (same width 1024, so the same 1%
 * finite-width allowance); the deterministic checks are unchanged. */
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "kernel/kernel.h"
#include "test_util.h"

static double dot(const double *a, const double *b, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++) s += a[i] * b[i];
    return s;
}

static double relu(double u) { return u > 0 ? u : 0; }

/* A random point with a norm spread over 4 decades (high-entropy inputs). */
static void rand_point(op_rng *r, double *x, int d)
{
    double scale = pow(10.0, -2.0 + 4.0 * op_rng_uniform(r));
    for (int i = 0; i < d; i++) x[i] = scale * op_rng_normal(r);
}

static void test_invariants(void)
{
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/invariants", 1));
    const int Ls[] = {1, 2, 3, 5, 10, 50};
    const double betas[] = {0.0, 0.7};
    double worst_t = 0, worst_s = 0, worst_sd = 0, worst_near = 0;
    for (int trial = 0; trial < 50; trial++) {
        double x[7], z[7];
        rand_point(&r, x, 7);
        double xx = dot(x, x, 7);
        for (int li = 0; li < 6; li++)
            for (int bi = 0; bi < 2; bi++) {
                int L = Ls[li];
                double b2 = betas[bi] * betas[bi];
                kn_relu_vals v;
                kn_relu_pair(x, x, 7, L, betas[bi], &v);
                double et = (L + 1) * xx + 0.5 * (L + 1) * (L + 2) * b2, es = xx + (L + 1) * b2;
                worst_t = fmax(worst_t, fabs(v.theta - et) / et);
                worst_s = fmax(worst_s, fabs(v.sigma - es) / es);
                worst_sd = fmax(worst_sd, fabs(v.sigma_dot - 1.0));
                /* A point one rounding step away: going through rho = cos t would give a
                 * relative error ~1e-8 here (arccos(1 - 1 ulp) = 1.5e-8). */
                for (int i = 0; i < 7; i++) z[i] = x[i] * (1.0 + 2.2e-16 * (i + 1));
                kn_relu_pair(x, z, 7, L, betas[bi], &v);
                worst_near = fmax(worst_near, fabs(v.theta - et) / et);
            }
    }
    CHECK(worst_t < 1e-12, "Theta^(L)(x,x) = (L+1)|x|^2 + (L+1)(L+2)/2 b^2: max rel err %.2e", worst_t);
    CHECK(worst_s < 1e-12, "Sigma^(L)(x,x) = |x|^2 + (L+1) b^2: max rel err %.2e", worst_s);
    CHECK(worst_sd < 1e-12, "Sigma'^(L)(x,x) = 1: max err %.2e", worst_sd);
    CHECK(worst_near < 1e-12, "Theta(x, x(1+O(eps))) stays within 1e-12 of the diagonal: %.2e", worst_near);

    /* Antipodal pair, zero vector, and the Lemma-1 identity K(x,e) - K(x,-e) = x.e/2. */
    double x[3] = {0.3, -1.7, 2.385}, mx[3] = {-0.3, 1.7, -2.385}, zero[3] = {0, 0, 0};
    kn_relu_vals v;
    kn_relu_pair(x, mx, 3, 1, 0.0, &v);
    CHECK(fabs(v.sigma) < 1e-15 && v.sigma_dot == 0, "antipodal: Sigma^(1) = %.2e, Sigma' = %g", v.sigma,
          v.sigma_dot);
    kn_relu_pair(x, zero, 3, 3, 0.0, &v);
    CHECK(v.theta == 0 && v.sigma == 0 && v.sigma_dot == 0, "zero input: all kernels 0");
    double e[3] = {0.6, 0.8, 0.0}, me[3] = {-0.6, -0.8, 0.0}, k1p, k1m, k2p, k2m;
    kn_two_layer(x, e, 3, 0.0, &k1p, &k2p);
    kn_two_layer(x, me, 3, 0.0, &k1m, &k2m);
    double xe = dot(x, e, 3);
    CHECK(fabs((k1p - k1m) - xe / 2) < 1e-14 && fabs((k2p - k2m) - xe / 2) < 1e-14,
          "K1(x,e)-K1(x,-e) = %.15g, K2(..) = %.15g, x.e/2 = %.15g", k1p - k1m, k2p - k2m, xe / 2);
}

/* Off-diagonal values against independent formulas: L = 1 through arccos directly, and
 * deep nets through the closed form Theta^(L) = sum_h Sigma^(h-1) prod_{h'>=h} Sigma'^(h')
 * assembled from kn_relu_step (the recursion order is invisible on the diagonal, where
 * Sigma' = 1). */
static void test_values(void)
{
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/values", 1));
    double worst1 = 0, worst_k = 0, worst_deep = 0;
    for (int trial = 0; trial < 200; trial++) {
        double x[5], z[5];
        rand_point(&r, x, 5);
        rand_point(&r, z, 5);
        double nx = sqrt(dot(x, x, 5)), nz = sqrt(dot(z, z, 5)), xz = dot(x, z, 5);
        double rho = xz / (nx * nz);
        if (fabs(rho) > 0.9) continue;
        double t = acos(rho), J = sin(t) + (M_PI - t) * cos(t);
        double k1 = xz * (M_PI - t) / (2 * M_PI), k2 = nx * nz * J / (2 * M_PI);
        kn_relu_vals v;
        kn_relu_pair(x, z, 5, 1, 0.0, &v);
        double scale = nx * nz;
        worst1 = fmax(worst1, fabs(v.theta - 2 * (k1 + k2)) / scale);
        double a1, a2;
        kn_two_layer(x, z, 5, 0.0, &a1, &a2);
        worst_k = fmax(worst_k, fmax(fabs(a1 - k1), fabs(a2 - k2)) / scale);

        const int L = 4;
        const double beta = 0.45, b2 = beta * beta;
        double sxx = dot(x, x, 5) + b2, szz = dot(z, z, 5) + b2, sxz = xz + b2;
        double sig[L + 1], sdot[L + 2];
        sig[0] = sxz;
        for (int h = 1; h <= L; h++) {
            double s, sd;
            kn_relu_step(sxx, szz, sxz, &s, &sd);
            sxx = sxx + b2; /* c_sigma E[relu(u)^2] = Sxx */
            szz = szz + b2;
            sxz = s + b2;
            sig[h] = sxz;
            sdot[h] = sd;
        }
        double theta = 0;
        for (int h = 1; h <= L + 1; h++) {
            double prod = 1;
            for (int hp = h; hp <= L; hp++) prod *= sdot[hp];
            theta += sig[h - 1] * prod;
        }
        kn_relu_pair(x, z, 5, L, beta, &v);
        double sc = sqrt((sxx) * (szz));
        worst_deep = fmax(worst_deep, fmax(fabs(v.theta - theta), fabs(v.sigma - sig[L])) / sc);
    }
    CHECK(worst1 < 1e-14, "Theta^(1) = 2(K1+K2) vs arccos formula: max err/|x||z| %.2e", worst1);
    CHECK(worst_k < 1e-14, "K1, K2 vs arccos formula: max err/|x||z| %.2e", worst_k);
    CHECK(worst_deep < 1e-13, "L=4, bias: recursion vs closed-form sum over kn_relu_step: %.2e",
          worst_deep);
}

/* Sigma^(1), Sigma'^(1) against sample means over the weights of one hidden unit:
 * u = w.x + beta b, v = w.z + beta b with w ~ N(0, I_d), b ~ N(0,1); 10^6 samples (small: 10^5),
 * tolerance 5 standard errors (estimated from the same samples). */
static void test_monte_carlo(void)
{
    const int d = 4, N = test_small() ? 100000 : 1000000;
    const double beta = 0.6;
    double pairs[3][2][4] = {
        {{1.0, 0.2, -0.5, 0.3}, {0.4, 1.1, 0.2, -0.9}},
        {{1.3, -0.7, 0.0, 0.2}, {-1.0, 0.5, 0.3, -0.1}}, /* obtuse */
        {{0.5, 0.5, 0.5, 0.5}, {0.55, 0.45, 0.5, 0.52}}, /* nearly parallel */
    };
    for (int pi = 0; pi < 3; pi++) {
        const double *x = pairs[pi][0], *z = pairs[pi][1];
        op_rng r;
        op_rng_seed(&r, op_seed_from_key("kernel/mc", (uint64_t)pi));
        double s1 = 0, s2 = 0, t1 = 0, t2 = 0;
        for (int k = 0; k < N; k++) {
            double u = 0, v = 0;
            for (int i = 0; i < d; i++) {
                double w = op_rng_normal(&r);
                u += w * x[i];
                v += w * z[i];
            }
            double b = op_rng_normal(&r);
            u += beta * b;
            v += beta * b;
            double a = 2 * relu(u) * relu(v), c = (u > 0 && v > 0) ? 2.0 : 0.0;
            s1 += a;
            s2 += a * a;
            t1 += c;
            t2 += c * c;
        }
        double ms = s1 / N, se_s = sqrt((s2 / N - ms * ms) / N);
        double mt = t1 / N, se_t = sqrt((t2 / N - mt * mt) / N);
        kn_relu_vals kv;
        kn_relu_pair(x, z, d, 1, beta, &kv);
        double zs = (ms + beta * beta - kv.sigma) / se_s, zt = (mt - kv.sigma_dot) / se_t;
        CHECK(fabs(zs) < 5, "pair %d: Sigma^(1) %.6f vs MC %.6f (z = %.2f)", pi, kv.sigma,
              ms + beta * beta, zs);
        CHECK(fabs(zt) < 5, "pair %d: Sigma'^(1) %.6f vs MC %.6f (z = %.2f)", pi, kv.sigma_dot, mt, zt);
    }
}

/* The empirical NTK of an explicit two-layer net f = m^-1/2 sum_r a_r relu(w_r.x + beta b_r)
 * at m = 20000 is a mean of m i.i.d. per-unit terms
 *   t_r = a_r^2 relu'(u_r) relu'(v_r) (x.z + beta^2) + relu(u_r) relu(v_r),
 * whose expectation is K1 + K2 (augmented inputs). Tolerance from the CLT: 5 sd(t)/sqrt(m).
 * With f = sqrt(2/m) sum_r a_r relu(.) + beta b_out (Arora's form) the NTK is
 * 2 mean(t) + beta^2, compared with Theta^(1). */
static void test_empirical_two_layer(void)
{
    const int d = 5, m = test_small() ? 5000 : 20000;
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/empirical-2layer", 1));
    for (int trial = 0; trial < 6; trial++) {
        double beta = trial < 3 ? 0.0 : 0.8;
        double x[5], z[5];
        for (int i = 0; i < d; i++) x[i] = op_rng_normal(&r);
        for (int i = 0; i < d; i++) z[i] = op_rng_normal(&r);
        double xz = dot(x, z, d) + beta * beta;
        double s = 0, s2 = 0;
        for (int k = 0; k < m; k++) {
            double u = 0, v = 0;
            for (int i = 0; i < d; i++) {
                double w = op_rng_normal(&r);
                u += w * x[i];
                v += w * z[i];
            }
            double b = op_rng_normal(&r), a = op_rng_normal(&r);
            u += beta * b;
            v += beta * b;
            double t = a * a * ((u > 0 && v > 0) ? 1.0 : 0.0) * xz + relu(u) * relu(v);
            s += t;
            s2 += t * t;
        }
        double mean = s / m, tol = 5 * sqrt((s2 / m - mean * mean) / m);
        double k1, k2;
        kn_two_layer(x, z, d, beta, &k1, &k2);
        CHECK(fabs(mean - (k1 + k2)) < tol, "m=%d beta=%.1f: empirical NTK %.5f vs K1+K2 %.5f (tol %.5f)",
              m, beta, mean, k1 + k2, tol);
        kn_relu_vals v;
        kn_relu_pair(x, z, d, 1, beta, &v);
        double emp = 2 * mean + beta * beta;
        CHECK(fabs(emp - v.theta) < 2 * tol, "m=%d beta=%.1f: Arora-form empirical NTK %.5f vs Theta^(1) %.5f",
              m, beta, emp, v.theta);
    }
}

/* L = 2 hidden layers, width m, explicit forward/backward in double: the empirical NTK
 * sum over layers of (backprop . backprop)(activation . activation) averaged over S
 * independent nets. Its fluctuation is ~ sqrt(L/m) Theta(x,x) per net, so the mean over
 * S nets is compared with 5 standard errors of the S values plus 1% of Theta(x,x) for the
 * O(1/m) finite-width bias. */
static void test_empirical_deep(void)
{
    const int d = 4, m = 1024, S = test_small() ? 4 : 8;
    const double beta = 0.5, b2 = beta * beta, c = sqrt(2.0 / m);
    double x[4] = {0.9, -0.4, 0.3, 0.2}, z[4] = {0.1, 0.8, -0.5, 0.4};
    double *W2 = malloc(sizeof(double) * m * m), *buf = malloc(sizeof(double) * m * 12);
    double *f1x = buf, *f1z = buf + m, *g1x = buf + 2 * m, *g1z = buf + 3 * m, *f2x = buf + 4 * m,
           *f2z = buf + 5 * m, *d2x = buf + 6 * m, *d2z = buf + 7 * m, *w3 = buf + 8 * m,
           *d1x = buf + 9 * m, *d1z = buf + 10 * m, *b2v = buf + 11 * m;
    double vals[8];
    for (int sidx = 0; sidx < S; sidx++) {
        op_rng r;
        op_rng_seed(&r, op_seed_from_key("kernel/empirical-deep", (uint64_t)sidx));
        for (int j = 0; j < m; j++) {
            double b = op_rng_normal(&r), ux = beta * b, uz = beta * b;
            for (int i = 0; i < d; i++) {
                double w = op_rng_normal(&r);
                ux += w * x[i];
                uz += w * z[i];
            }
            f1x[j] = ux;
            f1z[j] = uz;
            g1x[j] = c * relu(ux);
            g1z[j] = c * relu(uz);
        }
        for (long k = 0; k < (long)m * m; k++) W2[k] = op_rng_normal(&r);
        for (int j = 0; j < m; j++) b2v[j] = op_rng_normal(&r), w3[j] = op_rng_normal(&r);
        double g2g2 = 0, g1g1 = dot(g1x, g1z, m);
        for (int j = 0; j < m; j++) {
            f2x[j] = dot(W2 + (long)j * m, g1x, m) + beta * b2v[j];
            f2z[j] = dot(W2 + (long)j * m, g1z, m) + beta * b2v[j];
            g2g2 += c * relu(f2x[j]) * c * relu(f2z[j]);
            d2x[j] = w3[j] * c * (f2x[j] > 0);
            d2z[j] = w3[j] * c * (f2z[j] > 0);
        }
        for (int i = 0; i < m; i++) d1x[i] = d1z[i] = 0;
        for (int j = 0; j < m; j++)
            for (int i = 0; i < m; i++) {
                d1x[i] += W2[(long)j * m + i] * d2x[j];
                d1z[i] += W2[(long)j * m + i] * d2z[j];
            }
        for (int i = 0; i < m; i++) {
            d1x[i] *= c * (f1x[i] > 0);
            d1z[i] *= c * (f1z[i] > 0);
        }
        vals[sidx] = g2g2 + b2 + dot(d2x, d2z, m) * (g1g1 + b2) + dot(d1x, d1z, m) * (dot(x, z, d) + b2);
    }
    double mean = 0, var = 0;
    for (int s = 0; s < S; s++) mean += vals[s] / S;
    for (int s = 0; s < S; s++) var += (vals[s] - mean) * (vals[s] - mean) / (S - 1);
    kn_relu_vals v, vxx;
    kn_relu_pair(x, z, d, 2, beta, &v);
    kn_relu_pair(x, x, d, 2, beta, &vxx);
    double tol = 5 * sqrt(var / S) + 0.01 * vxx.theta;
    CHECK(fabs(mean - v.theta) < tol, "L=2 m=%d, %d nets: empirical NTK %.4f vs Theta^(2) %.4f (tol %.4f, sd %.4f)",
          m, S, mean, v.theta, tol, sqrt(var));
    free(W2);
    free(buf);
}

static double min_rel_eig(double *K, int n)
{
    double *w = malloc(sizeof(double) * n);
    LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'L', n, K, n, w);
    double r = w[0] / fabs(w[n - 1]);
    free(w);
    return r;
}

static void test_gram_psd_symmetric_deterministic(void)
{
    const int n = 80, d = 5;
    double *X = malloc(sizeof(double) * n * d), *K = malloc(sizeof(double) * n * n);
    double *K2 = malloc(sizeof(double) * n * n);
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("kernel/gram", 1));
    for (int i = 0; i < n * d; i++) X[i] = op_rng_normal(&r);
    for (int i = 0; i < d; i++) X[d + i] = X[i] * (1 + 1e-9); /* a near-duplicate pair */
    const kn_kind kinds[] = {KN_NTK, KN_NNGP, KN_SIGMA_DOT, KN_K1, KN_K2, KN_K12};
    for (int ki = 0; ki < 6; ki++)
        for (int L = 1; L <= 4; L += 3)
            for (int bi = 0; bi < 2; bi++) {
                double beta = bi ? 0.5 : 0.0;
                kn_gram(kinds[ki], X, n, X, n, d, L, beta, K);
                int sym = 1;
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < i; j++) sym &= K[i * n + j] == K[j * n + i];
                double me = min_rel_eig(K, n);
                CHECK(sym && me >= -1e-10, "%s L=%d beta=%.1f: Gram bitwise symmetric, min eig/max = %.2e",
                      kn_kind_name(kinds[ki]), L, beta, me);
            }
    /* Bitwise identical for 1 and 2 threads (and a non-square cross-Gram). */
    omp_set_num_threads(1);
    kn_ntk_gram(X, n, X + 7 * d, n - 7, d, 3, 0.3, K);
    omp_set_num_threads(2);
    kn_ntk_gram(X, n, X + 7 * d, n - 7, d, 3, 0.3, K2);
    CHECK(memcmp(K, K2, sizeof(double) * n * (n - 7)) == 0, "cross-Gram bitwise identical for 1 and 2 threads");
    CHECK(kn_ntk_gram(X, n, X, n, d, 0, 0.0, K) == 2, "depth 0 rejected with OP_EUSAGE");
    free(X);
    free(K);
    free(K2);
}

int main(void)
{
    test_invariants();
    test_values();
    test_monte_carlo();
    test_empirical_two_layer();
    test_empirical_deep();
    test_gram_psd_symmetric_deterministic();
    return test_summary("test_kernel_analytic");
}
