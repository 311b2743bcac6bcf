/* The analytic infinite-width side: exact ReLU NTK and NNGP kernels, the
 * two-layer special cases of Xu et al. (ICLR 2021), and kernel (ridge / ridgeless)
 * regression with them. Training-dynamics checks compare trained nets against these.
 *
 * Network and convention (Arora et al., NeurIPS 2019, Sec. 3; NTK parameterization):
 *   f^(1)   = W^(1) x + beta b^(1)
 *   g^(h)   = sqrt(c_sigma / m) relu(f^(h)),            h = 1..L   (L hidden layers)
 *   f^(h+1) = W^(h+1) g^(h) + beta b^(h+1),              output f = f^(L+1) (scalar)
 * every entry of every W and b drawn i.i.d. N(0,1), c_sigma = 2 (KN_C_SIGMA).
 * Kernels (m -> infinity), for inputs x, z:
 *   Sigma^(0)(x,z) = x.z + beta^2
 *   Sigma^(h)(x,z) = c_sigma E[relu(u) relu(v)] + beta^2,  (u,v) ~ N(0, Lambda^(h))
 *                  = (c_sigma/2pi) sqrt(Sxx Szz) (sin t + (pi - t) cos t) + beta^2
 *   Sigma'^(h)(x,z) = c_sigma E[relu'(u) relu'(v)] = (c_sigma/2pi)(pi - t)
 *   with Lambda^(h) the 2x2 covariance of Sigma^(h-1) on {x,z}, t = arccos(rho) and
 *   rho = Sxz / sqrt(Sxx Szz) clipped to [-1, 1];  relu'(0) = 0 (only matters for x = 0).
 *   Theta^(0) = Sigma^(0);  Theta^(h) = Theta^(h-1) Sigma'^(h) + Sigma^(h);
 *   NTK = Theta^(L),  NNGP = Sigma^(L) (the covariance of f at initialisation).
 * The bias term of each layer contributes beta^2 (its gradient) to Sigma^(h), so the
 * output bias is included in both Theta^(L) and Sigma^(L).
 * Invariants (c_sigma = 2): Sigma^(h)(x,x) = |x|^2 + (h+1) beta^2,
 *   Theta^(L)(x,x) = (L+1)|x|^2 + (L+1)(L+2)/2 beta^2.
 *
 * Versus the reference code of Arora et al. (LeoYu/neural-tangent-kernel-UCI NTK.py,
 * copied in jinglingli/nn-extrapolate): it runs the same recursion with c_sigma = 1
 * (divides by 2pi, not pi), so its Sigma^(h) shrinks by 2 per layer and its NTK differs
 * from ours by layer-dependent factors (for L = 1, no bias: ours = 2 x theirs).
 * Ridgeless predictions are invariant to an overall kernel scale, ridge ones are not.
 *
 * Two-layer special cases (Xu et al.; the net f = m^-1/2 sum_r a_r relu(w_r.x), i.e.
 * c_sigma = 1 as in their code), with t the angle between x and z:
 *   K1 = x.z (pi - t)/(2pi)                    (first layer trained only)
 *   K2 = |x||z| (sin t + (pi - t) cos t)/(2pi) (second layer trained only)
 *   K12 = K1 + K2                             (both layers)
 * With beta != 0 they are evaluated on the augmented inputs (x, beta) (a hidden-layer
 * bias, no output bias). Relation: Theta^(1) = 2 (K1 + K2) + beta^2.
 *
 * Numerics: a pair is carried through the layers as (Sxx, Szz, Sxz, 1 - rho, 1 + rho)
 * with 1 -+ rho kept as sums of non-negative terms, never formed as 1 -+ Sxz/sqrt(Sxx Szz),
 * and t = 2 atan2(sqrt(1 - rho), sqrt(1 + rho)): arccos is ill-conditioned at rho = +-1
 * (arccos(1 - 1 ulp) = 1.5e-8), so going through rho would lose half the digits on and
 * near the diagonal (and at antipodes). At the input 1 -+ rho = |x/|x| -+ z/|z||^2 / 2,
 * exact for z = x and z = -x and accurate for any ratio of norms, so Theta(x,x) is exact
 * to rounding. All results are bitwise symmetric in (x, z). */
#ifndef KN_KERNEL_H
#define KN_KERNEL_H

#define KN_C_SIGMA 2.0
#define KN_MAX_DEPTH 100

typedef enum {
    KN_NTK,       /* Theta^(L) */
    KN_NNGP,      /* Sigma^(L) */
    KN_SIGMA_DOT, /* Sigma'^(L) */
    KN_K1,        /* two-layer, first layer trained (depth ignored) */
    KN_K2,        /* two-layer, second layer trained */
    KN_K12        /* two-layer, both layers: K1 + K2 */
} kn_kind;

/* "ntk" "nngp" "sigma-dot" "k1" "k2" "k12" <-> kn_kind; parse records OP_EUSAGE. */
int kn_kind_parse(const char *s, kn_kind *out);
const char *kn_kind_name(kn_kind k);

/* All three depth-L kernels of one pair at once (L in [1, KN_MAX_DEPTH]). */
typedef struct {
    double theta;     /* NTK Theta^(L)(x,z) */
    double sigma;     /* NNGP Sigma^(L)(x,z) */
    double sigma_dot; /* Sigma'^(L)(x,z) */
} kn_relu_vals;

void kn_relu_pair(const double *x, const double *z, int d, int L, double beta, kn_relu_vals *out);

/* One layer of the recursion from the 2x2 covariance [[sxx, sxz], [sxz, szz]] of the
 * pre-activations (u, v): sigma = c_sigma E[relu(u)relu(v)] (no bias added) and
 * sigma_dot = c_sigma E[relu'(u)relu'(v)]. Exposed for tests and for callers that
 * track their own covariances. */
void kn_relu_step(double sxx, double szz, double sxz, double *sigma, double *sigma_dot);

/* Two-layer kernels of one pair (see above); k1, k2 may be NULL. */
void kn_two_layer(const double *x, const double *z, int d, double beta, double *k1, double *k2);

/* One kernel of one pair. */
double kn_eval(kn_kind kind, const double *x, const double *z, int d, int L, double beta);

/* Gram / cross-Gram matrices: X is n x d, Z is p x d (row-major), out is n x p with
 * out[i*p + j] = k(X_i, Z_j). OpenMP over output rows; each entry has one writer and a
 * fixed operation order, so results are bitwise identical for any thread count.
 * Returns OP_EUSAGE for bad sizes / depth / non-finite beta. */
int kn_gram(kn_kind kind, const double *X, int n, const double *Z, int p, int d, int L, double beta,
            double *out);
int kn_ntk_gram(const double *X, int n, const double *Z, int p, int d, int L, double beta, double *out);
int kn_nngp_gram(const double *X, int n, const double *Z, int p, int d, int L, double beta, double *out);
int kn_sigma_dot_gram(const double *X, int n, const double *Z, int p, int d, int L, double beta,
                      double *out);

/* ---- kernel regression (krr.c) ----
 * Fit: alpha solves (K + ridge I) alpha = y; predictions f(x) = sum_i k(x, X_i) alpha_i.
 * ridge > 0: Cholesky (dpotrf/dpotrs). Not positive definite => OP_ENUM.
 * ridge = 0 (ridgeless = minimum-norm interpolation): Cholesky of K + j I with the
 *   jitter j = KN_JITTER_REL * mean(diag K) (perturbs alpha by ~j * cond(K) relative);
 *   if that fails or its reciprocal condition estimate (dpocon) is below KN_RCOND_MIN,
 *   falls back to the eigendecomposition (dsyevd) pseudo-inverse of K, keeping the
 *   eigenvalues above KN_RCOND_MIN * lambda_max. If that numerical rank is below n the
 *   system is singular: alpha holds the pseudo-inverse (minimum-norm least-squares)
 *   solution and OP_ENUM is returned with a message giving the rank, so a caller can
 *   never use it by accident. Eigenvalues below -KN_NEG_EIG_REL * lambda_max mean K is
 *   not a kernel matrix: OP_ENUM.
 * K is n x n row-major (only the lower triangle is read), not modified. */
#define KN_JITTER_REL 1e-14
#define KN_RCOND_MIN 1e-12
#define KN_NEG_EIG_REL 1e-10

enum { KN_SOLVE_CHOLESKY = 1, KN_SOLVE_PINV = 2 };

typedef struct {
    int method;    /* KN_SOLVE_CHOLESKY or KN_SOLVE_PINV */
    int rank;      /* n for Cholesky; numerical rank for the pseudo-inverse */
    double jitter; /* diagonal actually added (ridge, or the ridgeless jitter) */
    double rcond;  /* reciprocal condition estimate (Cholesky) or lambda_min/lambda_max kept */
} kn_krr_info;

int kn_krr_fit(const double *K, int n, const double *y, double ridge, double *alpha,
               kn_krr_info *info /* may be NULL */);
/* pred[j] = sum_i Kcross[j*n + i] alpha[i] for the p x n cross-Gram between test and
 * training points; OpenMP over j, fixed order. */
void kn_krr_predict(const double *Kcross, int p, int n, const double *alpha, double *pred);

/* ---- CSV data (xycsv.c): target and input columns by the contract of core/csvcols.h
 * (target column `target`; inputs `input_cols` (NULL: x0..x{D-1} when present, else
 * every other column)); other columns (f, g0, ...) are ignored. Every row must have as
 * many cells as the header and every used cell must be a finite number. Errors name
 * "file:line" (OP_EIO: exit 3 for missing files and malformed contents; OP_EUSAGE:
 * exit 2 for a missing target or input column). */
typedef struct {
    int n, d;
    double *X; /* n x d */
    double *y; /* n */
    char cols[256]; /* the columns used: "target=y inputs=x0..x7" (or inputs=a,b,c) */
} kn_xy;

int kn_xy_read_csv(const char *path, const char *target, const char *input_cols, kn_xy *out);
void kn_xy_free(kn_xy *xy);

#endif
