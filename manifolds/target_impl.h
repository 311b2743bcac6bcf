/* Internals of the targets (targets.c, target_fourier.c, target_rff.c,
 * target_teacher.c). Not a public header. */
#ifndef MF_TARGET_IMPL_H
#define MF_TARGET_IMPL_H

#include "manifolds/target.h"

enum { MF_T_MATERN, MF_T_SIGN, MF_T_TEACHER };
enum { MF_B_FOURIER, MF_B_RFF, MF_B_NET };

struct mf_target {
    int kind, basis;
    char name[256];
    const mf_manifold *m;
    int N;         /* natural dimension */
    double s, ell, margin;
    double shift, scale; /* value = scale * (raw - shift) */
    /* Fourier series on T^d */
    int tor_d, kc;
    long nmodes, nmax;
    int *kv;       /* nmodes x tor_d */
    double *ca, *cb; /* amplitude times Gaussian coefficient (also used by RFF) */
    /* random Fourier features */
    long nfeat;
    double *om;    /* nfeat x N */
    /* teacher */
    int hidden, act; /* act: 0 relu, 1 tanh */
    double *W, *bias, *v, *center;
    double rho;
};

int mf_fourier_build(mf_target *t, uint64_t seed, long kc_given);
double mf_fourier_eval(const mf_target *t, const double *x, double *grad, double *work);
int mf_rff_build(mf_target *t, uint64_t seed);
double mf_rff_eval(const mf_target *t, const double *x, double *grad);
int mf_teacher_build(mf_target *t, uint64_t seed);
double mf_teacher_eval(const mf_target *t, const double *x, double *grad);
/* Monte Carlo moments of the raw field under the manifold's sampling measure
 * (8192 points from a stream derived from seed): sets shift and scale. */
int mf_target_normalise_mc(mf_target *t, uint64_t seed);

#endif
