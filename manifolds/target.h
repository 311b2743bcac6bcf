/* Target functions on a manifold with controlled smoothness and exact gradients.
 * Spec strings (parameters optional, defaults shown):
 *   matern:s=1,ell=1[,kc=K,nmax=16384][,features=4096][,basis=fourier|rff]
 *       a Matern-s Gaussian random field: sample paths are C^{s'} and H^{s'} for
 *       every s' < s and not for s' > s. On a flat torus T^d: the random Fourier series
 *       sum_{0<|k|<=kc, half-lattice} (1 + ell^2|k|^2)^(-(s+d/2)/2) (a_k cos k.t + b_k sin k.t),
 *       a, b ~ N(0,1), normalised to mean 0 and exactly unit L2 norm on the torus
 *       (Parseval); default kc = ceil(3 nmax^(1/(2s+d))) (bias below the n^(-2s/(2s+d))
 *       rate for n <= nmax), lowered if needed to keep <= 200000 modes. Each a_k, b_k is
 *       drawn from its own stream keyed by k, so raising kc keeps the low modes.
 *       Elsewhere (and with basis=rff): the restriction to the manifold of a Matern-s
 *       field on the natural space R^N, by random Fourier features
 *       sum_j a_j cos(w_j.x) + b_j sin(w_j.x), w_j multivariate Student-t with 2s
 *       degrees of freedom and scale 1/ell (the Matern-s spectral density); restriction
 *       keeps the Hoelder order s. Normalised to mean 0, variance 1 under the
 *       manifold's sampling measure (Monte Carlo, 8192 points, fixed stream). A finite
 *       feature count makes the field analytic beyond scale ~ features^(-1/2s): a
 *       learning rate saturates at large n (raise features).
 *   sign:s=1,margin=0.1,...   labels sign(g) in {-1, +1} of a matern field g (same
 *       parameters); datasets drop points with |g| < margin (see dataset.h), so the
 *       classes are separated by a margin in g. Gradient of the labels: 0.
 *   teacher:m=8,act=relu|tanh  a two-layer network sum_j v_j act(w_j.u + b_j) of
 *       u = (x - c)/rho, the natural coordinates centred and scaled by the sampling
 *       measure's mean c and RMS radius rho; w, b, v Gaussian; normalised to mean 0,
 *       variance 1. (A Gaussian teacher on ambient coordinates Qx has the same law,
 *       since Q^T w is again Gaussian.)
 * Targets are functions of the natural coordinates, so the same spec and seed give
 * the same values whatever ambient dimension the points are embedded in. */
#ifndef MF_TARGET_H
#define MF_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "manifolds/manifold.h"

typedef struct mf_target mf_target;

/* The manifold must outlive the target. OP_EUSAGE with one line for bad specs. */
int mf_target_parse(const char *spec, const mf_manifold *m, uint64_t seed, mf_target **out);
void mf_target_free(mf_target *t);
/* A deep copy of t bound to the manifold m (same spec as t's: the copy evaluates
 * bit for bit as t does). For the dataset cache (dataset.h), which keeps a built
 * target instead of rebuilding it (the RFF normalisation costs 8192 evaluations). */
int mf_target_clone(const mf_target *t, const mf_manifold *m, mf_target **out);
/* Bytes t holds (struct and coefficient arrays), for the cache's memory bound. */
size_t mf_target_bytes(const mf_target *t);
const char *mf_target_name(const mf_target *t); /* canonical, with effective kc/features */
int mf_target_is_sign(const mf_target *t);
double mf_target_margin(const mf_target *t);

/* n points x (n x N natural coordinates): target values f (sign targets: +-1) and,
 * if grad != NULL, the Riemannian gradient in natural coordinates (n x N): the
 * Euclidean gradient of the field's extension projected on the tangent space
 * (0 for sign targets). Parallel over points, deterministic. */
int mf_target_eval(const mf_target *t, long n, const double *x, double *f, double *grad);
/* The smooth latent field (for sign targets the field whose sign is the label; for
 * the others the target itself) and its Riemannian gradient. */
int mf_target_field(const mf_target *t, long n, const double *x, double *g, double *grad);

/* One point, unprojected: value of the field's extension to a neighbourhood in R^N
 * and its Euclidean gradient (grad may be NULL). work: mf_target_work_size(t)
 * doubles. For tests and finite-difference checks. */
long mf_target_work_size(const mf_target *t);
double mf_target_field_raw(const mf_target *t, const double *x, double *grad, double *work);

#endif
