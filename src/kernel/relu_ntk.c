/* Exact ReLU NTK / NNGP recursion (Arora et al. 2019, c_sigma = 2) and the two-layer
 * kernels K1, K2 of Xu et al. 2021. Conventions and the numerical scheme: kernel.h. */
#include <math.h>
#include <string.h>

#include "core/op_error.h"
#include "kernel/kernel.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The angle t between two centred Gaussians with standard deviations a, b > 0 and
 * E(u - v)^2 = d2, via sin^2(t/2) = (1 - rho)/2 = (d2 - (a - b)^2) / (4ab): well
 * conditioned at t -> 0, where arccos(rho) is not. Clipping to [0, 1] is the clip
 * of rho to [-1, 1]; NaN propagates. */
typedef struct {
    double t, cos_t, sin_t;
    double j_pi;    /* J(t)/pi, J = sin t + (pi - t) cos t: E[relu(u)relu(v)] = ab J / 2pi */
    double one_mj;  /* 1 - J(t)/pi, computed without cancellation at small t */
} pair_angle;

static void angle_of(double a, double b, double d2, pair_angle *g)
{
    double s2 = (d2 - (a - b) * (a - b)) / (4.0 * a * b);
    if (s2 < 0) s2 = 0;
    if (s2 > 1) s2 = 1;
    double t = 2.0 * asin(sqrt(s2));
    g->t = t;
    g->cos_t = 1.0 - 2.0 * s2;
    g->sin_t = 2.0 * sqrt(s2 * (1.0 - s2));
    double j = g->sin_t + (M_PI - t) * g->cos_t;
    g->j_pi = j / M_PI;
    /* pi - J = pi (1 - cos t) - (sin t - t cos t); the second term is t^3/3 + O(t^5)
     * and cancels badly for small t, so use its series there (error < t^11/4e6). */
    double smt;
    if (t < 1e-2) {
        double t2 = t * t;
        smt = t * t2 * (1.0 / 3 - t2 * (1.0 / 30 - t2 * (1.0 / 840 - t2 / 45360)));
    } else {
        smt = g->sin_t - t * g->cos_t;
    }
    g->one_mj = (2.0 * M_PI * s2 - smt) / M_PI;
}

/* One hidden layer on the carried state (sxx, szz, d2, sxz): returns Sigma'^(h) and
 * updates the state to layer h (Sigma^(h) including the bias term beta2). */
typedef struct {
    double sxx, szz, sxz, d2;
} pair_state;

static double layer(pair_state *s, double beta2)
{
    const double half_c = 0.5 * KN_C_SIGMA;
    double a = sqrt(s->sxx), b = sqrt(s->szz);
    double sdot, sxz, d2;
    if (a == 0 || b == 0) {
        /* A zero pre-activation: relu(0) = 0 and relu'(0) = 0, so no cross term. */
        sdot = 0;
        sxz = beta2;
        d2 = half_c * (s->sxx + s->szz);
    } else {
        pair_angle g;
        angle_of(a, b, s->d2, &g);
        sdot = half_c * (M_PI - g.t) / M_PI;
        sxz = half_c * a * b * g.j_pi + beta2;
        d2 = half_c * ((a - b) * (a - b) + 2.0 * a * b * g.one_mj);
    }
    s->sxx = half_c * s->sxx + beta2;
    s->szz = half_c * s->szz + beta2;
    s->sxz = sxz;
    s->d2 = d2;
    return sdot;
}

/* Layer-0 state from the vectors: d2 = |x - z|^2 directly (exactly 0 for x = z). The
 * bias adds beta^2 to every entry of Sigma^(0), so it cancels in d2. */
static void input_state(const double *x, const double *z, int d, double beta2, pair_state *s)
{
    double xx = 0, zz = 0, xz = 0, d2 = 0;
    for (int i = 0; i < d; i++) {
        double e = x[i] - z[i];
        xx += x[i] * x[i];
        zz += z[i] * z[i];
        xz += x[i] * z[i];
        d2 += e * e;
    }
    s->sxx = xx + beta2;
    s->szz = zz + beta2;
    s->sxz = xz + beta2;
    s->d2 = d2;
}

void kn_relu_pair(const double *x, const double *z, int d, int L, double beta, kn_relu_vals *out)
{
    double beta2 = beta * beta;
    pair_state s;
    input_state(x, z, d, beta2, &s);
    double theta = s.sxz, sdot = 0;
    for (int h = 1; h <= L; h++) {
        sdot = layer(&s, beta2);
        theta = theta * sdot + s.sxz;
    }
    out->theta = theta;
    out->sigma = s.sxz;
    out->sigma_dot = sdot;
}

void kn_relu_step(double sxx, double szz, double sxz, double *sigma, double *sigma_dot)
{
    pair_state s = {sxx, szz, sxz, sxx + szz - 2.0 * sxz};
    double sd = layer(&s, 0.0);
    if (sigma) *sigma = s.sxz;
    if (sigma_dot) *sigma_dot = sd;
}

void kn_two_layer(const double *x, const double *z, int d, double beta, double *k1, double *k2)
{
    pair_state s;
    input_state(x, z, d, beta * beta, &s);
    double a = sqrt(s.sxx), b = sqrt(s.szz);
    double r1 = 0, r2 = 0;
    if (a > 0 && b > 0) {
        pair_angle g;
        angle_of(a, b, s.d2, &g);
        r1 = s.sxz * (M_PI - g.t) / (2.0 * M_PI);
        r2 = 0.5 * a * b * g.j_pi;
    }
    if (k1) *k1 = r1;
    if (k2) *k2 = r2;
}

double kn_eval(kn_kind kind, const double *x, const double *z, int d, int L, double beta)
{
    kn_relu_vals v;
    double k1, k2;
    switch (kind) {
    case KN_NTK: kn_relu_pair(x, z, d, L, beta, &v); return v.theta;
    case KN_NNGP: kn_relu_pair(x, z, d, L, beta, &v); return v.sigma;
    case KN_SIGMA_DOT: kn_relu_pair(x, z, d, L, beta, &v); return v.sigma_dot;
    case KN_K1: kn_two_layer(x, z, d, beta, &k1, NULL); return k1;
    case KN_K2: kn_two_layer(x, z, d, beta, NULL, &k2); return k2;
    case KN_K12: kn_two_layer(x, z, d, beta, &k1, &k2); return k1 + k2;
    }
    return NAN;
}

static const char *const kind_names[] = {"ntk", "nngp", "sigma-dot", "k1", "k2", "k12"};
#define NKINDS (int)(sizeof kind_names / sizeof kind_names[0])

const char *kn_kind_name(kn_kind k)
{
    return (int)k >= 0 && (int)k < NKINDS ? kind_names[k] : "?";
}

int kn_kind_parse(const char *s, kn_kind *out)
{
    for (int i = 0; i < NKINDS; i++)
        if (s && strcmp(s, kind_names[i]) == 0) {
            *out = (kn_kind)i;
            return OP_OK;
        }
    OP_ERROR(OP_EUSAGE, "unknown kernel '%s'; allowed: ntk, nngp, sigma-dot, k1, k2, k12",
             s ? s : "(null)");
}

int kn_gram(kn_kind kind, const double *X, int n, const double *Z, int p, int d, int L, double beta,
            double *out)
{
    if (n < 1 || p < 1 || d < 1)
        OP_ERROR(OP_EUSAGE, "kernel Gram: sizes n=%d p=%d d=%d must be >= 1", n, p, d);
    if (L < 1 || L > KN_MAX_DEPTH)
        OP_ERROR(OP_EUSAGE, "kernel depth %d out of range; allowed: 1..%d", L, KN_MAX_DEPTH);
    if (!isfinite(beta)) OP_ERROR(OP_EUSAGE, "kernel bias is not finite");
    if ((int)kind < 0 || (int)kind >= NKINDS) OP_ERROR(OP_EINTERNAL, "bad kernel kind %d", (int)kind);
    /* One writer per row and a fixed order inside each entry: bitwise identical
     * results for any OMP_NUM_THREADS. */
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const double *x = X + (long)i * d;
        double *row = out + (long)i * p;
        for (int j = 0; j < p; j++) row[j] = kn_eval(kind, x, Z + (long)j * d, d, L, beta);
    }
    return OP_OK;
}

int kn_ntk_gram(const double *X, int n, const double *Z, int p, int d, int L, double beta, double *out)
{
    return kn_gram(KN_NTK, X, n, Z, p, d, L, beta, out);
}

int kn_nngp_gram(const double *X, int n, const double *Z, int p, int d, int L, double beta, double *out)
{
    return kn_gram(KN_NNGP, X, n, Z, p, d, L, beta, out);
}

int kn_sigma_dot_gram(const double *X, int n, const double *Z, int p, int d, int L, double beta,
                      double *out)
{
    return kn_gram(KN_SIGMA_DOT, X, n, Z, p, d, L, beta, out);
}
