/* Teacher network target: f(x) = sum_j v_j act(w_j.u + b_j), u = (x - c)/rho, with
 * w_j ~ N(0, I_N), b_j ~ N(0, 1), v_j ~ N(0, 1/m); c and rho are the mean and RMS
 * radius |x - c| of the manifold's sampling measure (Monte Carlo, set by
 * targets.c), so the teacher sees unit-scale inputs on every manifold. ReLU (a
 * piecewise-linear target, "s = 1" almost everywhere smooth) or tanh (analytic). */
#include <math.h>
#include <stdlib.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/target_impl.h"

int mf_teacher_build(mf_target *t, uint64_t seed)
{
    int m = t->hidden, N = t->N;
    t->W = op_malloc(sizeof(double) * (size_t)m * N);
    t->bias = op_malloc(sizeof(double) * (size_t)m);
    t->v = op_malloc(sizeof(double) * (size_t)m);
    if (!t->W || !t->bias || !t->v) return OP_ENOMEM;
    op_rng r;
    op_rng_seed(&r, op_hash_combine(seed, op_hash_str("teacher")));
    for (int j = 0; j < m; j++) {
        for (int i = 0; i < N; i++) t->W[(size_t)j * N + i] = op_rng_normal(&r);
        t->bias[j] = op_rng_normal(&r);
        t->v[j] = op_rng_normal(&r) / sqrt((double)m);
    }
    t->shift = 0;
    t->scale = 1;
    return OP_OK;
}

double mf_teacher_eval(const mf_target *t, const double *x, double *grad)
{
    int N = t->N;
    double f = 0;
    if (grad)
        for (int i = 0; i < N; i++) grad[i] = 0;
    for (int j = 0; j < t->hidden; j++) {
        const double *w = t->W + (size_t)j * N;
        double z = t->bias[j];
        for (int i = 0; i < N; i++) z += w[i] * (x[i] - t->center[i]) / t->rho;
        double a, da;
        if (t->act == 1) {
            a = tanh(z);
            da = 1 - a * a;
        } else {
            a = z > 0 ? z : 0;
            da = z > 0 ? 1 : 0;
        }
        f += t->v[j] * a;
        if (grad)
            for (int i = 0; i < N; i++) grad[i] += t->v[j] * da * w[i] / t->rho;
    }
    if (grad)
        for (int i = 0; i < N; i++) grad[i] *= t->scale;
    return t->scale * (f - t->shift);
}
