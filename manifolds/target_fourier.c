/* Matern-s random Fourier series on the flat torus T^d (natural coordinates
 * (cos t_1, sin t_1, ..., cos t_d, sin t_d)); see target.h for the law.
 * f(t) = sum_k ca_k cos(k.t) + cb_k sin(k.t) over the half-lattice
 * {k in Z^d : 0 < |k| <= kc, first non-zero entry > 0}. The extension to R^{2d} is
 * f(c, s) = F(atan2(s_1, c_1), ...), so d f / d(c_j, s_j) = dF/dt_j (-s_j, c_j)/r_j^2:
 * tangent to the circles already. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/manifold.h"
#include "manifolds/target_impl.h"

#define MAX_MODES 200000L

/* Visits every half-lattice k with 0 < |k|^2 <= kc^2 in lexicographic order;
 * stores it if out != NULL; returns the count (stops counting past limit). */
static long enumerate(int d, int kc, int *k, int pos, long r2left, int *out, long count, long limit)
{
    if (count > limit) return count;
    if (pos == d) {
        int first = 0;
        for (int j = 0; j < d; j++)
            if (k[j]) {
                first = k[j];
                break;
            }
        if (first <= 0) return count; /* k = 0 or the mirrored half */
        if (out) memcpy(out + count * d, k, sizeof(int) * (size_t)d);
        return count + 1;
    }
    int m = (int)floor(sqrt((double)r2left));
    if (m > kc) m = kc;
    for (int v = -m; v <= m; v++) {
        k[pos] = v;
        count = enumerate(d, kc, k, pos + 1, r2left - (long)v * v, out, count, limit);
        if (count > limit) return count;
    }
    return count;
}

int mf_fourier_build(mf_target *t, uint64_t seed, long kc_given)
{
    int d = t->tor_d;
    int k[512];
    if (d > 512) OP_ERROR(OP_EUSAGE, "the torus Fourier target supports d <= 512");
    long kc = kc_given;
    if (kc <= 0) {
        kc = (long)ceil(3.0 * pow((double)t->nmax, 1.0 / (2.0 * t->s + d)));
        while (kc > 1 && enumerate(d, (int)kc, k, 0, kc * kc, NULL, 0, MAX_MODES) > MAX_MODES) kc--;
    }
    long nm = enumerate(d, (int)kc, k, 0, kc * kc, NULL, 0, MAX_MODES);
    if (nm > MAX_MODES)
        OP_ERROR(OP_EUSAGE, "target kc=%ld gives more than %ld Fourier modes on T^%d; lower kc", kc,
                 MAX_MODES, d);
    t->kc = (int)kc;
    t->nmodes = nm;
    t->kv = op_malloc(sizeof(int) * (size_t)(nm * d + 1));
    t->ca = op_malloc(sizeof(double) * (size_t)(nm + 1));
    t->cb = op_malloc(sizeof(double) * (size_t)(nm + 1));
    if (!t->kv || !t->ca || !t->cb) return OP_ENOMEM;
    enumerate(d, (int)kc, k, 0, kc * kc, t->kv, 0, MAX_MODES);
    op_rng root;
    op_rng_seed(&root, op_hash_combine(seed, op_hash_str("matern-fourier")));
    double norm2 = 0;
    for (long i = 0; i < nm; i++) {
        const int *kk = t->kv + i * d;
        uint64_t key = 0x243f6a8885a308d3ULL;
        double k2 = 0;
        for (int j = 0; j < d; j++) {
            key = op_hash_combine(key, (uint64_t)(int64_t)kk[j]);
            k2 += (double)kk[j] * kk[j];
        }
        op_rng r;
        op_rng_child(&r, &root, key); /* this mode's coefficients do not depend on kc */
        double a = op_rng_normal(&r), b = op_rng_normal(&r);
        double w = pow(1.0 + t->ell * t->ell * k2, -0.5 * (t->s + 0.5 * d));
        t->ca[i] = w * a;
        t->cb[i] = w * b;
        norm2 += 0.5 * (t->ca[i] * t->ca[i] + t->cb[i] * t->cb[i]);
    }
    /* Parseval: the mean of f^2 over the torus is sum (ca^2 + cb^2)/2, mean f = 0 */
    t->shift = 0;
    t->scale = norm2 > 0 ? 1.0 / sqrt(norm2) : 1.0;
    return OP_OK;
}

/* work: d (2kc+1) (cos, sin) pairs + d angle derivatives */
double mf_fourier_eval(const mf_target *t, const double *x, double *grad, double *work)
{
    int d = t->tor_d, kc = t->kc, W = 2 * kc + 1;
    double *cs = work, *gt = work + 2L * d * W;
    for (int j = 0; j < d; j++) {
        double th = atan2(x[2 * j + 1], x[2 * j]);
        double *row = cs + 2L * j * W;
        /* e^{i m th} for m = 0..kc: exact every 32 steps, complex recurrence in
         * between (rounding error <= ~32 eps); negative m by conjugation */
        double c1 = cos(th), s1 = sin(th);
        for (int m = 0; m <= kc; m++) {
            double c, s;
            if (m % 32 == 0) {
                c = cos(m * th);
                s = sin(m * th);
            } else {
                double pc = row[2 * (m - 1 + kc)], ps = row[2 * (m - 1 + kc) + 1];
                c = pc * c1 - ps * s1;
                s = pc * s1 + ps * c1;
            }
            row[2 * (m + kc)] = c, row[2 * (m + kc) + 1] = s;
            row[2 * (kc - m)] = c, row[2 * (kc - m) + 1] = -s;
        }
        gt[j] = 0;
    }
    double f = 0;
    for (long i = 0; i < t->nmodes; i++) {
        const int *kk = t->kv + i * d;
        double re = 1, im = 0;
        for (int j = 0; j < d; j++) {
            const double *e = cs + 2L * j * W + 2 * (kk[j] + kc);
            double r2 = re * e[0] - im * e[1];
            im = re * e[1] + im * e[0];
            re = r2;
        }
        f += t->ca[i] * re + t->cb[i] * im;
        if (grad) {
            double dphase = -t->ca[i] * im + t->cb[i] * re;
            for (int j = 0; j < d; j++) gt[j] += kk[j] * dphase;
        }
    }
    if (grad)
        for (int j = 0; j < d; j++) {
            double c = x[2 * j], s = x[2 * j + 1], r2 = c * c + s * s;
            grad[2 * j] = t->scale * gt[j] * (-s / r2);
            grad[2 * j + 1] = t->scale * gt[j] * (c / r2);
        }
    return t->scale * (f - t->shift);
}
