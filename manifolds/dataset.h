/* One call the theorem checks use to get data: points on a manifold embedded in R^D,
 * a target with its exact ambient gradient, optional noise.
 *
 * Seeds are separate on purpose:
 *   target_seed  fixes the target function (same function for every D and n);
 *   embed_seed   fixes the isometry Q into R^D;
 *   sample_seed  fixes the points, the label noise and the ambient noise.
 * Points are prefix-stable: the first m points of a dataset of n > m points equal
 * the dataset of m points (nested training sets = first n points of one pool; a
 * test set = another sample_seed). The natural-coordinate points Z and the values f
 * do not depend on D or embed_seed; X = Z Q^T (+ noise) does.
 * Label noise: y = f + label_noise N(0,1) for regression targets; for sign targets
 * each label is flipped with probability label_noise (<= 0.5).
 * Sign targets: candidate points with |g| < margin (g the latent field) are dropped
 * and more are drawn, so the points are uniform on {x : |g(x)| >= margin}.
 * The ambient gradient of f is grad = Q P(z) grad_N f(z): the natural-coordinate
 * gradient projected on the tangent space, mapped by Q (the Riemannian gradient seen
 * in R^D; it lies in the tangent space of the embedded manifold). It is 0 for sign
 * targets. Ambient noise is isotropic N(0, ambient_noise^2 I_D) added to X only;
 * f and grad are those of the clean point. */
#ifndef MF_DATASET_H
#define MF_DATASET_H

#include <stdint.h>

#include "manifolds/embed.h"
#include "manifolds/manifold.h"
#include "manifolds/target.h"

typedef struct {
    const char *manifold; /* spec, e.g. "torus:d=2" */
    int D;                /* ambient dimension; 0 means the natural dimension */
    long n;
    const char *target;   /* spec, e.g. "matern:s=1"; NULL or "none": points only */
    double ambient_noise, label_noise;
    uint64_t target_seed, embed_seed, sample_seed;
} mf_dataset_spec;

typedef struct {
    long n;
    int D, d, natural;
    double *X;     /* n x D, row-major */
    double *f;     /* n: noise-free target (NULL without a target) */
    double *y;     /* n: target + label noise */
    double *grad;  /* n x D: ambient (tangent) gradient of f */
    double *Z;     /* n x natural: clean points in natural coordinates */
    double *score; /* n: latent field g for sign targets (|g| >= margin), else NULL */
    long candidates; /* points drawn, > n when the margin dropped some */
    mf_manifold *m;
    mf_target *t;
    mf_embedding emb;
} mf_dataset;

int mf_dataset_make(const mf_dataset_spec *spec, mf_dataset *out);
void mf_dataset_free(mf_dataset *ds);
/* out (D) = Q P(z_i) Q^T v: orthogonal projection of an ambient vector on the
 * tangent space of the embedded manifold at point i (v, out: D; may alias). */
int mf_dataset_tangent_project(const mf_dataset *ds, long i, const double *v, double *out);

/* A process-wide cache of the D-independent part of datasets (dataset_cache.h): calls
 * that differ only in D, embed_seed, the noise levels or n reuse the built target and
 * the points evaluated before (a cached entry serves any smaller n and is extended for
 * a larger one), with results bit for bit those of an uncached call. Thread-safe;
 * least recently used entries are dropped beyond the bound (MF_DATASET_CACHE_BYTES).
 * OVERPARAM_DATASET_CACHE=0 turns it off, 1 (the default) on; read at first use. */
#define MF_DATASET_CACHE_BYTES (256L << 20)
typedef struct {
    long hits, extended, misses; /* calls served whole / from a shorter entry / not at all */
    long entries;
    size_t bytes, limit;
} mf_dataset_cache_stats;
/* bytes >= 0: the bound (0 turns the cache off and empties it); bytes < 0: the default
 * bound or 0 as OVERPARAM_DATASET_CACHE says (OP_EUSAGE if it is not 0 or 1). */
int mf_dataset_cache_limit(long bytes);
void mf_dataset_cache_clear(void); /* drops every entry and zeroes the counters */
void mf_dataset_cache_stats_get(mf_dataset_cache_stats *s);

#endif
