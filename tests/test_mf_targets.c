/* Targets: exact gradients (against central differences, in natural coordinates and
 * along curves on the manifold), normalisation, independence of the ambient
 * dimension, the sign target's margin, spec errors, and a real measurement of the
 * fields' regularity: the k-th order increment structure function
 * S_k(h) = mean_x |Delta_h^k f(x)|^2 of one realisation, along geodesics, scales as
 * h^(2s) for s < k (h above the cutoff scale of the series and below the
 * correlation length), so half the log-log slope estimates s.
 *
 * Sizes (OP_TEST_SCALE, tests/test_util.h). Full: 24 points per gradient check,
 * 20000 points for mean/variance (|mean| <= 0.05, |var - 1| <= 0.05), 500 points for
 * the D-independence, 3000 for the sign target, 600-2000 geodesic points per
 * regularity fit (|s - s0| <= 0.3). Small (sanitizers, valgrind): 6 points per
 * gradient check (same deterministic 1e-6 bounds: a max over fewer points), 2000 for
 * mean/variance with the bounds widened by sqrt(20000/2000) = 3.16 to 0.16 (the same
 * number of standard errors), 100 and 300 points for the bitwise/exact checks, an
 * eighth of the geodesic points for the regularity fits with the same bounds (0.3,
 * control 0.1; measured max |s - s0| = 0.10 full, 0.15 small), and 512 instead of
 * 4096 random features for the rff fields (F below; on the sphere this smooths the
 * field below scale ~512^(-1/2s) and moves the fits up by 0.06-0.15, inside 0.3).
 * Cost on one thread: 28 s full, 1.4 s small. */
#include <string.h>

#include "manifolds/dataset.h"
#include "manifolds/target.h"
#include "manifolds/target_impl.h"
#include "test_mf_common.h"
#include "test_util.h"

/* Sizes and the tolerances that go with them (see the header comment). */
static struct {
    int np_grad;
    long n_norm, n_same, n_sign;
    double tol_mean, tol_var_scale;
    int pts_div;
    double tol_s, tol_control;
} P = {24, 20000, 500, 3000, 0.05, 1.0, 1, 0.3, 0.1};

static void set_scale(void)
{
    if (test_small())
        P = (__typeof__(P)){6, 2000, 100, 300, 0.05 * 3.1623, 3.1623, 8, 0.3, 0.1};
}

/* The random-feature fields (non-torus manifolds) cost their construction: 8192
 * normalisation points x 4096 features by default. The small variant uses 512
 * features, the same code path. */
static const char *F(const char *full, const char *small) { return test_small() ? small : full; }

static mf_target *parse_target(const char *spec, const mf_manifold *m, uint64_t seed)
{
    mf_target *t = NULL;
    if (mf_target_parse(spec, m, seed, &t)) {
        printf("FAIL cannot parse target %s on %s: %s\n", spec, mf_manifold_name(m), op_error_message());
        exit(1);
    }
    return t;
}

/* ReLU teacher: is x within 1e-3 of a kink (finite differences would straddle it)? */
static int near_kink(const mf_target *t, const double *x)
{
    if (t->basis != MF_B_NET || t->act != 0) return 0;
    for (int j = 0; j < t->hidden; j++) {
        double z = t->bias[j];
        for (int i = 0; i < t->N; i++) z += t->W[(size_t)j * t->N + i] * (x[i] - t->center[i]) / t->rho;
        if (fabs(z) < 1e-3) return 1;
    }
    return 0;
}

static void check_gradients(const char *mspec, const char *tspec)
{
    mf_manifold *m = mf_test_parse(mspec);
    mf_target *t = parse_target(tspec, m, 1234);
    int N = mf_manifold_natural_dim(m);
    const int NP = P.np_grad;
    double *x = mf_test_sample(m, 5, NP);
    double *w = malloc(sizeof(double) * mf_target_work_size(t));
    double *g = malloc(sizeof(double) * N), *y = malloc(sizeof(double) * N), *v = malloc(sizeof(double) * N),
           *c = malloc(sizeof(double) * N), *gt = malloc(sizeof(double) * NP * N), *f = malloc(sizeof(double) * NP);
    mf_target_field(t, NP, x, f, gt);
    double worst_raw = 0, worst_curve = 0, gmax = 0, worst_val = 0;
    int used = 0;
    op_rng r;
    op_rng_seed(&r, 3);
    for (int p = 0; p < NP; p++) {
        const double *xp = x + p * N;
        if (near_kink(t, xp)) continue;
        used++;
        double f0 = mf_target_field_raw(t, xp, g, w);
        if (fabs(f0 - f[p]) > worst_val) worst_val = fabs(f0 - f[p]);
        /* central differences with one Richardson step: error O(h^4) */
        double h = 1e-4, gn = 0, en = 0;
        for (int j = 0; j < N; j++) {
            double dd[2];
            for (int q = 0; q < 2; q++) {
                double hq = q ? h / 2 : h;
                memcpy(y, xp, sizeof(double) * N);
                y[j] += hq;
                double fp = mf_target_field_raw(t, y, NULL, w);
                y[j] -= 2 * hq;
                double fm = mf_target_field_raw(t, y, NULL, w);
                dd[q] = (fp - fm) / (2 * hq);
            }
            double fd = (4 * dd[1] - dd[0]) / 3;
            en += (fd - g[j]) * (fd - g[j]);
            gn += g[j] * g[j];
        }
        if (sqrt(en / gn) > worst_raw) worst_raw = sqrt(en / gn);
        if (sqrt(gn) > gmax) gmax = sqrt(gn);
        /* along the curve c(s) = retract(x + s v): d/ds f(c(s)) = <grad_T f, c'(0)>,
         * both sides by Richardson-extrapolated central differences; error relative
         * to |grad_T| |c'(0)| */
        for (int i = 0; i < N; i++) v[i] = op_rng_normal(&r);
        double dfs[2], *dcs = malloc(sizeof(double) * 2 * N), *cp = malloc(sizeof(double) * N);
        for (int q = 0; q < 2; q++) {
            double s = q ? 0.5e-4 : 1e-4;
            for (int i = 0; i < N; i++) y[i] = xp[i] + s * v[i];
            mf_manifold_retract(m, y, cp);
            double fp = mf_target_field_raw(t, cp, NULL, w);
            for (int i = 0; i < N; i++) y[i] = xp[i] - s * v[i];
            mf_manifold_retract(m, y, c);
            double fm = mf_target_field_raw(t, c, NULL, w);
            dfs[q] = (fp - fm) / (2 * s);
            for (int i = 0; i < N; i++) dcs[q * N + i] = (cp[i] - c[i]) / (2 * s);
        }
        double dot = 0, cn = 0, tn = 0;
        for (int i = 0; i < N; i++) {
            double dc = (4 * dcs[N + i] - dcs[i]) / 3;
            dot += gt[p * N + i] * dc;
            cn += dc * dc;
            tn += gt[p * N + i] * gt[p * N + i];
        }
        double e = fabs((4 * dfs[1] - dfs[0]) / 3 - dot) / (sqrt(cn * tn) + 1e-300);
        if (e > worst_curve) worst_curve = e;
        free(dcs);
        free(cp);
    }
    CHECK(used >= NP / 2 && worst_raw <= 1e-6 && gmax > 1e-3,
          "%s on %s: gradient = central differences in natural coordinates, max rel err %.1e "
          "(%d points, max |grad| %.2f)",
          tspec, mspec, worst_raw, used, gmax);
    CHECK(worst_curve <= 1e-6, "%s on %s: tangent gradient = derivative along curves, max rel err %.1e", tspec,
          mspec, worst_curve);
    CHECK(worst_val == 0, "%s on %s: batch and single-point values agree bitwise", tspec, mspec);
    free(x), free(w), free(g), free(y), free(v), free(c), free(gt), free(f);
    mf_target_free(t);
    mf_manifold_free(m);
}

/* Mean and variance of f under the sampling measure, from an independent sample. */
static void check_normalised(const char *mspec, const char *tspec, double tol_var)
{
    mf_manifold *m = mf_test_parse(mspec);
    mf_target *t = parse_target(tspec, m, 99);
    long n = P.n_norm;
    int N = mf_manifold_natural_dim(m);
    double *x = mf_test_sample(m, 555, n), *f = malloc(sizeof(double) * n);
    (void)N;
    mf_target_eval(t, n, x, f, NULL);
    double s = 0, q = 0;
    for (long i = 0; i < n; i++) s += f[i], q += f[i] * f[i];
    double mean = s / n, var = q / n - mean * mean;
    tol_var *= P.tol_var_scale;
    CHECK(fabs(mean) <= P.tol_mean && fabs(var - 1) <= tol_var,
          "%s on %s: normalised, mean %.3f (|.| <= %.2f, n = %ld), variance %.3f (within %.2f of 1)", tspec, mspec,
          mean, P.tol_mean, n, var, tol_var);
    free(x), free(f);
    mf_target_free(t);
    mf_manifold_free(m);
}

/* k-th difference along a geodesic through x with unit direction u (natural coords):
 * torus: angles move; sphere: great circle. */
static void geodesic(const char *kind, int N, const double *x, const double *u, double t, double *out)
{
    if (strcmp(kind, "torus") == 0) {
        for (int j = 0; j < N / 2; j++) {
            double th = atan2(x[2 * j + 1], x[2 * j]) + t * u[j];
            out[2 * j] = cos(th), out[2 * j + 1] = sin(th);
        }
    } else {
        for (int i = 0; i < N; i++) out[i] = cos(t) * x[i] + sin(t) * u[i];
    }
}

static double measure_s(const char *kind, const char *mspec, const char *tspec, int order, double hmax,
                        int nh, long npts)
{
    mf_manifold *m = mf_test_parse(mspec);
    mf_target *t = parse_target(tspec, m, 2024);
    int N = mf_manifold_natural_dim(m), d = mf_manifold_dim(m);
    double *x = mf_test_sample(m, 77, npts), *u = malloc(sizeof(double) * npts * N);
    op_rng r;
    op_rng_seed(&r, 78);
    for (long i = 0; i < npts; i++) { /* unit direction: in angle space / tangent to the sphere */
        double *ui = u + i * N, nn = 0;
        int len = strcmp(kind, "torus") == 0 ? d : N;
        for (int j = 0; j < len; j++) ui[j] = op_rng_normal(&r);
        if (len == N) {
            double dot = 0;
            for (int j = 0; j < N; j++) dot += ui[j] * x[i * N + j];
            for (int j = 0; j < N; j++) ui[j] -= dot * x[i * N + j];
        }
        for (int j = 0; j < len; j++) nn += ui[j] * ui[j];
        for (int j = 0; j < len; j++) ui[j] /= sqrt(nn);
    }
    double binom[8] = {1};
    for (int j = 1; j <= order; j++) binom[j] = binom[j - 1] * (order - j + 1) / j;
    double *pts = malloc(sizeof(double) * npts * (order + 1) * N), *f = malloc(sizeof(double) * npts * (order + 1));
    double lx[16], ly[16];
    for (int k = 0; k < nh; k++) {
        double h = hmax * pow(0.5, k);
        for (long i = 0; i < npts; i++)
            for (int j = 0; j <= order; j++)
                geodesic(kind, N, x + i * N, u + i * N, (j - 0.5 * order) * h, pts + (i * (order + 1) + j) * N);
        mf_target_eval(t, npts * (order + 1), pts, f, NULL);
        double S = 0;
        for (long i = 0; i < npts; i++) {
            double dlt = 0;
            for (int j = 0; j <= order; j++) dlt += ((j & 1) ? -1 : 1) * binom[j] * f[i * (order + 1) + j];
            S += dlt * dlt / npts;
        }
        lx[k] = log(h), ly[k] = log(S);
    }
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int k = 0; k < nh; k++) mx += lx[k] / nh, my += ly[k] / nh;
    for (int k = 0; k < nh; k++) sxy += (lx[k] - mx) * (ly[k] - my), sxx += (lx[k] - mx) * (lx[k] - mx);
    free(x), free(u), free(pts), free(f);
    mf_target_free(t);
    mf_manifold_free(m);
    return 0.5 * sxy / sxx;
}

static void check_regularity(void)
{
    struct {
        const char *kind, *mspec, *tspec;
        double s;
        int order;
        double hmax;
        int nh;
        long npts;
    } c[] = {
        {"torus", "torus:d=1", "matern:s=0.5,kc=4096", 0.5, 1, 0.128, 6, 2000},
        {"torus", "torus:d=1", "matern:s=1.5,kc=4096", 1.5, 2, 0.128, 6, 2000},
        {"torus", "torus:d=1", "matern:s=2.5,kc=4096", 2.5, 3, 0.128, 6, 2000},
        {"torus", "torus:d=2", "matern:s=0.5,kc=128", 0.5, 1, 0.256, 4, 1000},
        {"torus", "torus:d=2", "matern:s=0.5,kc=128", 0.5, 2, 0.256, 4, 1000},
        {"sphere", "sphere:d=2", F("matern:s=0.5", "matern:s=0.5,features=512"), 0.5, 1, 0.08, 5, 600},
        {"sphere", "sphere:d=2", F("matern:s=0.8", "matern:s=0.8,features=512"), 0.8, 1, 0.08, 5, 600},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        long npts = c[i].npts / P.pts_div;
        double s = measure_s(c[i].kind, c[i].mspec, c[i].tspec, c[i].order, c[i].hmax, c[i].nh, npts);
        CHECK(fabs(s - c[i].s) <= P.tol_s,
              "%s on %s: measured regularity s = %.3f from order-%d increments, h in [%.4f, %.3f], %ld points "
              "(|s - %.1f| <= %.1f)",
              c[i].tspec, c[i].mspec, s, c[i].order, c[i].hmax * pow(0.5, c[i].nh - 1), c[i].hmax, npts, c[i].s,
              P.tol_s);
    }
    /* control: a smooth field measured the same way gives s = order (here 1), not 0.5 */
    double s = measure_s("torus", "torus:d=1", "matern:s=4,kc=4096", 1, 0.128, 6, 2000 / P.pts_div);
    CHECK(fabs(s - 1) <= P.tol_control, "control: matern:s=4 with first differences saturates at s = %.3f (~1, within %.1f)",
          s, P.tol_control);
}

static void check_same_across_D(void)
{
    const char *tg[] = {"matern:s=1", "teacher:m=6,act=tanh", "sign:s=1,margin=0.2"};
    for (int k = 0; k < 3; k++) {
        mf_dataset_spec a = {.manifold = "torus:d=2", .D = 0, .n = P.n_same, .target = tg[k], .target_seed = 7,
                             .embed_seed = 8, .sample_seed = 9};
        mf_dataset_spec b = a;
        b.D = 64;
        b.embed_seed = 10;
        mf_dataset A, B;
        if (mf_dataset_make(&a, &A) || mf_dataset_make(&b, &B)) {
            printf("FAIL dataset: %s\n", op_error_message());
            exit(1);
        }
        size_t n = (size_t)P.n_same;
        int same = memcmp(A.f, B.f, sizeof(double) * n) == 0 && memcmp(A.Z, B.Z, sizeof(double) * n * 4) == 0;
        CHECK(same, "%s: same points and target values at D=%d and D=%d (bitwise)", tg[k], A.D, B.D);
        mf_dataset_free(&A);
        mf_dataset_free(&B);
    }
}

static void check_sign(void)
{
    mf_dataset_spec a = {.manifold = "sphere:d=2", .D = 16, .n = P.n_sign, .target = F("sign:s=1,margin=0.3", "sign:s=1,margin=0.3,features=512"),
                         .target_seed = 1, .embed_seed = 2, .sample_seed = 3};
    mf_dataset A;
    if (mf_dataset_make(&a, &A)) {
        printf("FAIL dataset: %s\n", op_error_message());
        exit(1);
    }
    long bad = 0, pos = 0;
    double gmax = 0;
    for (long i = 0; i < A.n; i++) {
        if (fabs(A.score[i]) < 0.3 || A.f[i] != (A.score[i] >= 0 ? 1 : -1)) bad++;
        pos += A.f[i] > 0;
        for (int j = 0; j < A.D; j++) gmax = fmax(gmax, fabs(A.grad[i * A.D + j]));
    }
    CHECK(bad == 0, "sign:margin=0.3: every point has |g| >= 0.3 and label sign(g) (%ld bad)", bad);
    CHECK(pos > 0.2 * A.n && pos < 0.8 * A.n, "sign: both classes present (%ld of %ld positive)", pos, A.n);
    CHECK(A.candidates > A.n && gmax == 0, "sign: %ld candidates drawn for %ld kept; label gradient 0",
          A.candidates, A.n);
    mf_dataset_free(&A);
}

static void check_errors(void)
{
    mf_manifold *sph = mf_test_parse("sphere:d=2");
    const char *bad[] = {"gauss:s=1", "matern:s=0", "matern:s=x", "matern:kc=10", "matern:basis=fourier",
                         "matern:q=1", "teacher:act=sigmoid", "teacher:m=0", "sign:margin=-1", "matern:s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mf_target *t = NULL;
        op_error_clear();
        int st = mf_target_parse(bad[i], sph, 1, &t);
        CHECK(st == OP_EUSAGE && t == NULL && strlen(op_error_message()) > 10,
              "bad target '%s' -> usage error: %s", bad[i], op_error_message());
        op_error_clear();
    }
    mf_manifold_free(sph);
}

int main(void)
{
    set_scale();
    check_gradients("torus:d=2", "matern:s=1.5");
    check_gradients("torus:d=1", F("matern:s=2,basis=rff", "matern:s=2,basis=rff,features=512"));
    check_gradients("sphere:d=2", F("matern:s=2.5", "matern:s=2.5,features=512"));
    check_gradients("so3", "matern:s=1,features=512");
    check_gradients("klein", "matern:s=1.5,features=512");
    check_gradients("stiefel:k=2,n=4", "teacher:m=16,act=tanh");
    check_gradients("swissroll", "teacher:m=8");
    check_gradients("grassmann:k=2,n=4", "matern:s=3,features=256");
    check_gradients("sphere:d=1*torus:d=1", F("sign:s=1", "sign:s=1,features=512"));
    check_normalised("torus:d=2", "matern:s=1", 0.05);
    check_normalised("sphere:d=2", F("matern:s=1", "matern:s=1,features=512"), 0.05);
    check_normalised("so3", "teacher:m=8", 0.05);
    check_same_across_D();
    check_sign();
    check_errors();
    check_regularity();
    return test_summary("test_mf_targets");
}
