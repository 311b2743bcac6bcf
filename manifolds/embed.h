/* Isometric embedding of a manifold's natural space R^N into R^D (D >= N): x -> Q x
 * with Q (D x N, row-major) having orthonormal columns, drawn from the Haar measure
 * on the Stiefel manifold V_N(R^D) (QR of a Gaussian matrix with the sign fix), so
 * distances, angles, volumes and the target's regularity are unchanged and the data
 * sit in a random N-dimensional subspace of R^D. Optional ambient Gaussian noise
 * (isotropic in R^D, off the manifold). */
#ifndef MF_EMBED_H
#define MF_EMBED_H

#include <stdint.h>

#include "manifolds/manifold.h"

typedef struct {
    int D, natural;
    double *Q; /* D x natural, row-major, Q^T Q = I */
} mf_embedding;

/* OP_EUSAGE if D < natural dimension ("--ambient 2 is smaller than the manifold's
 * embedding dimension 4 for torus:d=2") or D > MF_MAX_AMBIENT. */
#define MF_MAX_AMBIENT 1000000
int mf_embed_make(const mf_manifold *m, long D, uint64_t seed, mf_embedding *e);
void mf_embed_free(mf_embedding *e);

/* X (n x D) = Z (n x N) Q^T: points or tangent vectors. Parallel over rows. */
void mf_embed_apply(const mf_embedding *e, long n, const double *Z, double *X);
/* w (N) = Q^T v (v: D): pull an ambient vector back to natural coordinates. */
void mf_embed_pullback(const mf_embedding *e, const double *v, double *w);
/* X += sigma * N(0, I_D) per row; row i's noise comes from block i/256's child
 * stream of `seed`, so it is prefix-stable and independent of the thread count. */
void mf_embed_add_noise(long n, int D, double sigma, uint64_t seed, double *X);

#endif
