/* Internals shared by the manifold files and the registry (not a public header).
 * Each manifold kind is one mf_type entry: a parameter table plus plain functions
 * over raw pointers (sample one point, project on the tangent space, evaluate the
 * defining equations, retract). Products are handled in registry.c. */
#ifndef MF_MANIFOLD_IMPL_H
#define MF_MANIFOLD_IMPL_H

#include <stddef.h>

#include "core/rng.h"
#include "manifolds/manifold.h"

#define MF_MAX_PARAMS 4
#define MF_MAX_FACTORS 8

typedef struct {
    const char *key;
    int integer; /* 1: integer-valued */
    double def, min, max;
} mf_param;

typedef struct mf_type {
    const char *name;
    const char *dim_text;     /* intrinsic dimension as a formula of the parameters */
    const char *natural_text; /* natural dimension as a formula */
    const char *measure;      /* the measure the sampler draws from, one line */
    int nparams;
    mf_param params[MF_MAX_PARAMS];
    /* Cross-parameter checks (OP_EUSAGE); sets d, natural, ncons, work, aux. */
    int (*init)(mf_manifold *m);
    /* One point from the documented measure; work: m->work doubles. */
    void (*sample)(const mf_manifold *m, op_rng *r, double *x, double *work);
    /* out = P(x) v; out may alias v. */
    void (*tangent)(const mf_manifold *m, const double *x, const double *v, double *out,
                    double *work);
    void (*constraints)(const mf_manifold *m, const double *x, double *F, double *work);
    /* Violation of inequalities / sheet conditions (>= 0); NULL if none. */
    double (*bounds)(const mf_manifold *m, const double *x, double *work);
    void (*retract)(const mf_manifold *m, const double *y, double *x, double *work);
    int uses_lapack; /* sampler calls LAPACK: blocks are drawn one after another */
} mf_type;

struct mf_manifold {
    const mf_type *type; /* NULL for a product */
    double par[MF_MAX_PARAMS];
    int d, natural, ncons;
    long work;     /* doubles of workspace one call of a type function needs */
    double aux[4]; /* constants computed by init (acceptance bounds) */
    int nfactors;
    mf_manifold *factor[MF_MAX_FACTORS];
    char name[MF_SPEC_MAX];
};

extern const mf_type mf_sphere_type, mf_torus_type, mf_ball_type, mf_so3_type, mf_son_type,
    mf_stiefel_type, mf_grassmann_type, mf_swissroll_type, mf_helix_type, mf_moebius_type,
    mf_klein_type;

/* Shared Stiefel / orthogonal-group helpers (orth.c). Matrices are row-major. */
/* Haar-distributed X (n x k) with orthonormal columns: QR of a Gaussian matrix with
 * the sign fix X = Q diag(sign r_ii) (Mezzadri 2007). Returns det(X) for k = n
 * (+1 or -1), 0 otherwise. work: mf_orth_work(n, k) doubles. */
int mf_haar_stiefel(op_rng *r, int n, int k, double *X, double *work);
long mf_orth_work(int n, int k);
/* Q factor (with the sign fix) of a full-rank n x k matrix Y: the point of V_k(R^n)
 * nearest in the QR sense. 0 or a LAPACK info value. */
int mf_orth_qf(int n, int k, const double *Y, double *X, double *work);
/* Tangent projection on V_k(R^n) at X for the embedded metric:
 * out = V - X sym(X^T V). With k = n this is R skew(R^T V), the SO(n) projector. */
void mf_orth_tangent(int n, int k, const double *X, const double *V, double *out, double *work);
/* X^T X - I, upper triangle row by row (k(k+1)/2 values). */
void mf_orth_constraints(int n, int k, const double *X, double *F);
double mf_det_small(int n, const double *A, double *work); /* LU determinant */

/* Helpers for parametrised manifolds: orthonormalise the columns of a tangent frame
 * (Gram-Schmidt) and project: out = sum_j e_j (e_j . v). frame: d vectors of length N. */
void mf_frame_project(int N, int d, double *frame, const double *v, double *out);

/* For other manifolds/ files: tangent projection with a caller-supplied workspace of
 * mf_manifold_work(m) doubles (no allocation), and whether m is a flat torus. */
long mf_manifold_work(const mf_manifold *m);
void mf_tangent_apply_work(const mf_manifold *m, const double *x, const double *v, double *out,
                           double *work);
int mf_manifold_is_torus(const mf_manifold *m);

#endif
