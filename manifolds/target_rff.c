/* Matern-s field on R^N by random Fourier features, restricted to the manifold
 * (see target.h). The Matern-s covariance with length scale ell has spectral density
 * proportional to (2s/ell^2 + |w|^2)^(-(s + N/2)), the multivariate Student-t law with
 * 2s degrees of freedom and scale 1/ell: w = z sqrt(2s / chi2_{2s}) / ell with
 * z ~ N(0, I_N). Then sum_j a_j cos(w_j.x) + b_j sin(w_j.x), a, b ~ N(0,1), is (given
 * the w_j) Gaussian with a covariance converging to the Matern one as features grow. */
#include <math.h>
#include <stdlib.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/manifold.h"
#include "manifolds/target_impl.h"

/* Gamma(shape a, scale 1): Marsaglia & Tsang (2000); a < 1 by G(a+1) U^(1/a). */
static double gamma_draw(op_rng *r, double a)
{
    if (a < 1) return gamma_draw(r, a + 1) * pow(op_rng_uniform_pos(r), 1.0 / a);
    double dd = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double z, v;
        do {
            z = op_rng_normal(r);
            v = 1 + c * z;
        } while (v <= 0);
        v = v * v * v;
        double u = op_rng_uniform_pos(r);
        if (u < 1 - 0.0331 * z * z * z * z) return dd * v;
        if (log(u) < 0.5 * z * z + dd * (1 - v + log(v))) return dd * v;
    }
}

int mf_rff_build(mf_target *t, uint64_t seed)
{
    long F = t->nfeat;
    int N = t->N;
    t->om = op_malloc(sizeof(double) * (size_t)(F * N));
    t->ca = op_malloc(sizeof(double) * (size_t)F);
    t->cb = op_malloc(sizeof(double) * (size_t)F);
    if (!t->om || !t->ca || !t->cb) return OP_ENOMEM;
    op_rng root;
    op_rng_seed(&root, op_hash_combine(seed, op_hash_str("matern-rff")));
    for (long j = 0; j < F; j++) {
        op_rng r;
        op_rng_child(&r, &root, (uint64_t)j); /* feature j does not depend on the count */
        double chi2 = 2.0 * gamma_draw(&r, t->s); /* chi-square with 2s degrees of freedom */
        double f = sqrt(2.0 * t->s / chi2) / t->ell;
        for (int i = 0; i < N; i++) t->om[j * N + i] = f * op_rng_normal(&r);
        t->ca[j] = op_rng_normal(&r);
        t->cb[j] = op_rng_normal(&r);
    }
    t->shift = 0;
    t->scale = 1;
    return OP_OK;
}

double mf_rff_eval(const mf_target *t, const double *x, double *grad)
{
    int N = t->N;
    double f = 0;
    if (grad)
        for (int i = 0; i < N; i++) grad[i] = 0;
    for (long j = 0; j < t->nfeat; j++) {
        const double *w = t->om + j * N;
        double ph = 0;
        for (int i = 0; i < N; i++) ph += w[i] * x[i];
        double c = cos(ph), s = sin(ph);
        f += t->ca[j] * c + t->cb[j] * s;
        if (grad) {
            double g = -t->ca[j] * s + t->cb[j] * c;
            for (int i = 0; i < N; i++) grad[i] += g * w[i];
        }
    }
    if (grad)
        for (int i = 0; i < N; i++) grad[i] *= t->scale;
    return t->scale * (f - t->shift);
}
