/* Manifolds the theorem checks sample from. A manifold is given by a spec string
 * "name[:key=value,...]" (e.g. "torus:d=2", "stiefel:k=2,n=5", "so3") or a product
 * of such specs joined by '*' ("sphere:d=1*torus:d=1"; quote it in a shell).
 * `overparam manifolds` lists the names, dimensions and parameters.
 *
 * Every manifold lives in its "natural" Euclidean space R^N (N = natural dimension,
 * e.g. R^{2d} for the flat torus, R^9 for SO(3)); points are arrays of N doubles in
 * natural coordinates. embed.h maps them isometrically into R^D. Each sampler draws
 * from a documented measure (see the comment at the top of each manifold's .c file;
 * all but the helix ends are the normalised Riemannian volume of the embedding). */
#ifndef MF_MANIFOLD_H
#define MF_MANIFOLD_H

#include "core/rng.h"

typedef struct mf_manifold mf_manifold;

#define MF_SPEC_MAX 256 /* longest accepted spec string, including the NUL */

/* Parses a spec. OP_EUSAGE with one line naming the bad part and what is allowed
 * (unknown name, unknown parameter, bad value, inconsistent parameters). */
int mf_manifold_parse(const char *spec, mf_manifold **out);
void mf_manifold_free(mf_manifold *m);

int mf_manifold_dim(const mf_manifold *m);         /* intrinsic dimension d */
int mf_manifold_natural_dim(const mf_manifold *m); /* N, dimension of the natural space */
const char *mf_manifold_name(const mf_manifold *m); /* canonical spec, e.g. "torus:d=2" */
int mf_manifold_ncons(const mf_manifold *m);        /* number of defining equations */

/* n points (n x N, row-major). The output is a function of the rng state only,
 * prefix-stable in n (the first m points of a draw of n equal a draw of m), and the
 * same for any thread count: points come in blocks of MF_SAMPLE_BLOCK, block b drawn
 * from op_rng_child(rng, b). Afterwards rng has advanced by one draw, so a second
 * call gives new points. */
#define MF_SAMPLE_BLOCK 256
int mf_manifold_sample(const mf_manifold *m, op_rng *rng, long n, double *x);

/* Orthogonal projector (N x N, row-major, symmetric, rank d) onto the tangent space
 * at x (a point of the manifold), for the Euclidean metric of R^N. */
int mf_manifold_tangent_projector(const mf_manifold *m, const double *x, double *P);
/* out = P(x) v without forming P (v, out: N; may alias). */
int mf_manifold_tangent_apply(const mf_manifold *m, const double *x, const double *v, double *out);

/* Defining equations F(x) = 0 (ncons values; their gradients span the normal space)
 * and the largest violation of the equations and of the bounds (parameter ranges,
 * the right sheet or component): 0 up to rounding for points on the manifold. */
int mf_manifold_constraints(const mf_manifold *m, const double *x, double *F);
double mf_manifold_residual(const mf_manifold *m, const double *x);

/* A retraction: maps a point y near the manifold to a point of the manifold,
 * smoothly, and is the identity on the manifold (metric projection for the sphere,
 * torus, ball, Grassmannian; QR factor for SO(n)/Stiefel; parameter recovery and
 * re-embedding for the parametrised surfaces and curves). */
int mf_manifold_retract(const mf_manifold *m, const double *y, double *x);

/* The registry, for listings: number of manifold kinds and the i-th kind's name,
 * dimension formulas, parameters ("d=2 (integer 1..500)") and sampled measure. */
int mf_registry_count(void);
void mf_registry_entry(int i, const char **name, const char **dim, const char **natural,
                       char *params, int params_len, const char **measure);

/* Splits a comma-separated list of specs ("sphere:d=2,stiefel:k=2,n=5,so3") into
 * specs: a token "key=value" without ':' continues the previous spec. */
int mf_spec_split(const char *list, char out[][MF_SPEC_MAX], int maxn, int *n);

#endif
