/* Exact ReLU NTK / NNGP recursion (Arora et al. 2019, c_sigma = 2) and the two-layer
 * kernels K1, K2 of Xu et al. 2021. Conventions and the numerical scheme: kernel.h. */
#include <math.h>
#include <string.h>

#include "core/op_error.h"
#include "kernel/kernel.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Angle quantities of a pair from omr = 1 - rho and opr = 1 + rho (both >= 0, each
 * computed without cancellation): t = 2 atan2(sqrt(omr), sqrt(opr)) is well
 * conditioned for every angle, where arccos(rho) loses half the digits at rho = +-1.
 * Clipping the two to >= 0 is the clip of rho to [-1, 1]; NaN propagates. */
typedef struct {
    double t;
    double j_pi;   /* J(t)/pi, J = sin t + (pi - t) cos t: E[relu(u)relu(v)] = ab J / 2pi */
    double one_mj; /* 1 - J(t)/pi, without cancellation at small t */
} pair_angle;

static void angle_of(double omr, double opr, pair_angle *g)
{
    if (omr < 0) omr = 0;
    if (opr < 0) opr = 0;
    double sum = omr + opr; /* 2 up to rounding */
    double s2 = omr / sum;  /* sin^2(t/2) */
    double t = 2.0 * atan2(sqrt(omr), sqrt(opr));
    double cos_t = (opr - omr) / sum, sin_t = 2.0 * sqrt(omr * opr) / sum;
    g->t = t;
    g->j_pi = (sin_t + (M_PI - t) * cos_t) / M_PI;
    /* pi - J = pi (1 - cos t) - (sin t - t cos t); the second term is t^3/3 + O(t^5)
     * and cancels badly for small t, so use its series there (error < t^11/4e6). */
    double smt;
    if (t < 1e-2) {
        double t2 = t * t;
        smt = t * t2 * (1.0 / 3 - t2 * (1.0 / 30 - t2 * (1.0 / 840 - t2 / 45360)));
    } else {
        smt = sin_t - t * cos_t;
    }
    g->one_mj = (2.0 * M_PI * s2 - smt) / M_PI;
}

/* A pair at one layer: diagonal entries sxx, szz (carried exactly: they follow
 * sxx <- (c/2) sxx + beta^2), the cross entry sxz, and 1 -+ rho. */
typedef struct {
    double sxx, szz, sxz, omr, opr;
} pair_state;

/* Adds the bias: the cross entry p q k + beta2 between vectors of lengths
 * sqrt(p^2 + beta2), sqrt(q^2 + beta2), where 1 - k = m0 and 1 + k = p0. Its
 * 1 - rho and 1 + rho as sums of non-negative terms, using, with
 * P = sqrt((p^2 + beta2)(q^2 + beta2)) >= p q,
 *   P - pq - beta2 = beta2 (p - q)^2 / (P + pq + beta2),
 *   P - pq         = beta2 (p^2 + q^2 + beta2) / (P + pq). */
static void bias_mix(double p, double q, double m0, double p0, double beta2, double *omr, double *opr)
{
    if (beta2 == 0) { /* the identity map; avoids rounding pq / sqrt(p^2 q^2) */
        *omr = m0;
        *opr = p0;
        return;
    }
    double P = sqrt((p * p + beta2) * (q * q + beta2)), pq = p * q;
    if (P == 0) {
        *omr = *opr = 1.0; /* a zero vector: rho is irrelevant (every term carries p q) */
        return;
    }
    *omr = (beta2 * (p - q) * (p - q) / (P + pq + beta2) + pq * m0) / P;
    *opr = (beta2 * (p * p + q * q + beta2) / (P + pq) + beta2 + pq * p0) / P;
}

/* One hidden layer: returns Sigma'^(h) and moves the state to layer h (Sigma^(h)
 * including the bias term beta2). */
static double layer(pair_state *s, double beta2)
{
    const double half_c = 0.5 * KN_C_SIGMA;
    /* sqrt(c/2) times the standard deviations of u, v */
    double a = sqrt(half_c * s->sxx), b = sqrt(half_c * s->szz);
    double sdot, sxz;
    if (a == 0 || b == 0) {
        /* A zero pre-activation: relu(0) = 0 and relu'(0) = 0, so no cross term. */
        sdot = 0;
        sxz = beta2;
        bias_mix(a, b, 1.0, 1.0, beta2, &s->omr, &s->opr);
    } else {
        pair_angle g;
        angle_of(s->omr, s->opr, &g);
        sdot = half_c * (M_PI - g.t) / M_PI;
        sxz = a * b * g.j_pi + beta2;
        bias_mix(a, b, g.one_mj, 1.0 + g.j_pi, beta2, &s->omr, &s->opr);
    }
    s->sxx = half_c * s->sxx + beta2;
    s->szz = half_c * s->szz + beta2;
    s->sxz = sxz;
    return sdot;
}

/* Layer-0 state from the vectors: 1 -+ cos(x, z) = |x/|x| -+ z/|z||^2 / 2 keep full
 * relative accuracy for any angle and any ratio of norms (1 - rho is exactly 0 for
 * x = z, 1 + rho exactly 0 for z = -x); the bias enters through bias_mix. */
static void input_state(const double *x, const double *z, int d, double beta2, pair_state *s)
{
    /* Four partial sums per quantity (fixed order, so still deterministic and symmetric
     * in x, z): a single accumulator chain is latency-bound and made this loop most of
     * the cost of a Gram entry at d = 32. */
    double xx[4] = {0}, zz[4] = {0}, xz[4] = {0};
    for (int i = 0; i < d; i++) {
        xx[i & 3] += x[i] * x[i];
        zz[i & 3] += z[i] * z[i];
        xz[i & 3] += x[i] * z[i];
    }
    double sxx = (xx[0] + xx[1]) + (xx[2] + xx[3]), szz = (zz[0] + zz[1]) + (zz[2] + zz[3]);
    double sxz = (xz[0] + xz[1]) + (xz[2] + xz[3]);
    double nx = sqrt(sxx), nz = sqrt(szz), em = 2.0, ep = 2.0;
    if (nx > 0 && nz > 0) {
        double ix = 1.0 / nx, iz = 1.0 / nz; /* multiplications: divisions cost more here */
        double m[4] = {0}, p[4] = {0};
        for (int i = 0; i < d; i++) {
            double ux = x[i] * ix, uz = z[i] * iz;
            m[i & 3] += (ux - uz) * (ux - uz);
            p[i & 3] += (ux + uz) * (ux + uz);
        }
        em = (m[0] + m[1]) + (m[2] + m[3]);
        ep = (p[0] + p[1]) + (p[2] + p[3]);
    }
    s->sxx = sxx + beta2;
    s->szz = szz + beta2;
    s->sxz = sxz + beta2;
    bias_mix(nx, nz, 0.5 * em, 0.5 * ep, beta2, &s->omr, &s->opr);
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
    /* Here 1 -+ rho can only be formed directly: callers tracking their own covariances
     * get the plain conditioning of rho. */
    double q = sqrt(sxx * szz), rho = q > 0 ? sxz / q : 0.0;
    pair_state s = {sxx, szz, sxz, 1.0 - rho, 1.0 + rho};
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
        angle_of(s.omr, s.opr, &g);
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
    /* One writer per entry and a fixed order inside each entry: bitwise identical
     * results for any OMP_NUM_THREADS. A symmetric Gram (Z == X) evaluates the lower
     * triangle and mirrors it, which is exact because kn_eval is bitwise symmetric;
     * row i writes (i, j) and (j, i) for j <= i, so each entry still has one writer. */
    if (Z == X && p == n) {
#pragma omp parallel for schedule(dynamic, 8)
        for (int i = 0; i < n; i++) {
            const double *x = X + (long)i * d;
            for (int j = 0; j <= i; j++) {
                double v = kn_eval(kind, x, X + (long)j * d, d, L, beta);
                out[(long)i * n + j] = v;
                out[(long)j * n + i] = v;
            }
        }
        return OP_OK;
    }
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
