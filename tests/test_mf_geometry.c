/* Geometry of every manifold: sampled points satisfy the defining equations, the
 * tangent projector is a symmetric idempotent of rank d that kills the gradients of
 * the defining equations (normals), whose Jacobian has rank N - d, and curves on the
 * manifold (retractions of x + t v) have derivatives in the tangent space. */
#include <lapacke.h>
#include <string.h>

#include "test_mf_common.h"
#include "test_util.h"

#define NPTS 64

static int matrix_rank(int r, int c, const double *A, double rel)
{
    if (r == 0 || c == 0) return 0;
    double *B = malloc(sizeof(double) * (size_t)r * c), *s = malloc(sizeof(double) * (size_t)(r + c));
    double *sup = malloc(sizeof(double) * (size_t)(r + c));
    memcpy(B, A, sizeof(double) * (size_t)r * c);
    LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', r, c, B, c, s, NULL, 1, NULL, 1, sup);
    int k = r < c ? r : c, rank = 0;
    for (int i = 0; i < k; i++)
        if (s[i] > rel * s[0]) rank++;
    free(B);
    free(s);
    free(sup);
    return rank;
}

static void check_manifold(const char *spec)
{
    mf_manifold *m = mf_test_parse(spec);
    int N = mf_manifold_natural_dim(m), d = mf_manifold_dim(m), nc = mf_manifold_ncons(m);
    double *x = mf_test_sample(m, op_hash_str(spec), NPTS);
    double *P = malloc(sizeof(double) * N * N), *J = malloc(sizeof(double) * (nc + 1) * N);
    double *y = malloc(sizeof(double) * N), *Fp = malloc(sizeof(double) * (nc + 1)),
           *Fm = malloc(sizeof(double) * (nc + 1)), *v = malloc(sizeof(double) * N),
           *cp = malloc(sizeof(double) * N), *cm = malloc(sizeof(double) * N),
           *dc = malloc(sizeof(double) * N), *pdc = malloc(sizeof(double) * N);
    double worst_res = 0, worst_sym = 0, worst_idem = 0, worst_tr = 0, worst_norm = 0,
           worst_curve = 0, worst_curve_res = 0, worst_ret = 0;
    int bad_rank = 0, bad_jrank = 0, tiny_curve = 0;
    op_rng r;
    op_rng_seed(&r, 77);
    for (int p = 0; p < NPTS; p++) {
        const double *xp = x + p * N;
        double res = mf_manifold_residual(m, xp);
        if (!(res <= worst_res)) worst_res = res;
        mf_manifold_tangent_projector(m, xp, P);
        double tr = 0;
        for (int i = 0; i < N; i++) {
            tr += P[i * N + i];
            for (int j = 0; j < N; j++) {
                double s = fabs(P[i * N + j] - P[j * N + i]);
                if (s > worst_sym) worst_sym = s;
                double q = 0;
                for (int l = 0; l < N; l++) q += P[i * N + l] * P[l * N + j];
                if (fabs(q - P[i * N + j]) > worst_idem) worst_idem = fabs(q - P[i * N + j]);
            }
        }
        if (fabs(tr - d) > worst_tr) worst_tr = fabs(tr - d);
        if (matrix_rank(N, N, P, 1e-8) != d) bad_rank++;
        /* Jacobian of the defining equations by central differences: its rows are
         * normals, so P must kill them, and its rank must be the codimension. */
        double h = 1e-6;
        for (int j = 0; j < N; j++) {
            memcpy(y, xp, sizeof(double) * N);
            y[j] = xp[j] + h;
            mf_manifold_constraints(m, y, Fp);
            y[j] = xp[j] - h;
            mf_manifold_constraints(m, y, Fm);
            for (int c = 0; c < nc; c++) J[c * N + j] = (Fp[c] - Fm[c]) / (2 * h);
        }
        for (int c = 0; c < nc; c++) {
            double nrm = 0, pn = 0;
            for (int i = 0; i < N; i++) nrm += J[c * N + i] * J[c * N + i];
            for (int i = 0; i < N; i++) {
                double s = 0;
                for (int l = 0; l < N; l++) s += P[i * N + l] * J[c * N + l];
                pn += s * s;
            }
            if (nrm > 1e-12 && sqrt(pn / nrm) > worst_norm) worst_norm = sqrt(pn / nrm);
        }
        if (matrix_rank(nc, N, J, 1e-6) != N - d) bad_jrank++;
        /* a curve on the manifold through x: c(t) = retract(x + t v) */
        for (int i = 0; i < N; i++) v[i] = op_rng_normal(&r);
        mf_manifold_retract(m, xp, y);
        for (int i = 0; i < N; i++)
            if (fabs(y[i] - xp[i]) > worst_ret) worst_ret = fabs(y[i] - xp[i]);
        double t = 1e-5;
        for (int i = 0; i < N; i++) y[i] = xp[i] + t * v[i];
        mf_manifold_retract(m, y, cp);
        for (int i = 0; i < N; i++) y[i] = xp[i] - t * v[i];
        mf_manifold_retract(m, y, cm);
        double rc = fmax(mf_manifold_residual(m, cp), mf_manifold_residual(m, cm));
        if (rc > worst_curve_res) worst_curve_res = rc;
        double nd = 0, no = 0;
        for (int i = 0; i < N; i++) dc[i] = (cp[i] - cm[i]) / (2 * t);
        mf_manifold_tangent_apply(m, xp, dc, pdc);
        for (int i = 0; i < N; i++) {
            nd += dc[i] * dc[i];
            no += (dc[i] - pdc[i]) * (dc[i] - pdc[i]);
        }
        if (nd < 1e-6) tiny_curve++;
        else if (sqrt(no / nd) > worst_curve) worst_curve = sqrt(no / nd);
    }
    CHECK(worst_res <= 1e-12, "%s: points on the manifold, max residual %.2e <= 1e-12", spec, worst_res);
    CHECK(worst_sym <= 1e-12 && worst_idem <= 1e-12,
          "%s: projector symmetric (%.1e) and idempotent (%.1e) to 1e-12", spec, worst_sym, worst_idem);
    CHECK(worst_tr <= 1e-10 && bad_rank == 0, "%s: projector trace = rank = d = %d (|tr-d| %.1e, %d bad)",
          spec, d, worst_tr, bad_rank);
    CHECK(worst_norm <= 1e-6, "%s: projector kills the %d normals (grad F), max |P n|/|n| = %.1e", spec,
          nc, worst_norm);
    CHECK(bad_jrank == 0, "%s: Jacobian of the %d defining equations has rank N-d = %d at every point",
          spec, nc, N - d);
    CHECK(worst_ret <= 1e-12, "%s: retraction is the identity on the manifold (%.1e)", spec, worst_ret);
    CHECK(worst_curve_res <= 1e-12, "%s: retracted curve stays on the manifold (%.1e)", spec,
          worst_curve_res);
    CHECK(worst_curve <= 1e-6 && tiny_curve == 0,
          "%s: curve derivatives lie in the tangent space, max |(I-P)c'|/|c'| = %.1e (%d degenerate)",
          spec, worst_curve, tiny_curve);
    free(x), free(P), free(J), free(y), free(Fp), free(Fm), free(v), free(cp), free(cm), free(dc),
        free(pdc);
    mf_manifold_free(m);
}

/* The metric-projection retractions have c'(0) = P v exactly: an independent check
 * that P is the orthogonal projector for the sphere, torus and Grassmannian. */
static void check_metric_projection(const char *spec)
{
    mf_manifold *m = mf_test_parse(spec);
    int N = mf_manifold_natural_dim(m);
    double *x = mf_test_sample(m, 5, 16);
    double *v = malloc(sizeof(double) * N), *y = malloc(sizeof(double) * N),
           *cp = malloc(sizeof(double) * N), *cm = malloc(sizeof(double) * N),
           *pv = malloc(sizeof(double) * N);
    op_rng r;
    op_rng_seed(&r, 9);
    double worst = 0;
    for (int p = 0; p < 16; p++) {
        const double *xp = x + p * N;
        for (int i = 0; i < N; i++) v[i] = op_rng_normal(&r);
        double t = 1e-5;
        for (int i = 0; i < N; i++) y[i] = xp[i] + t * v[i];
        mf_manifold_retract(m, y, cp);
        for (int i = 0; i < N; i++) y[i] = xp[i] - t * v[i];
        mf_manifold_retract(m, y, cm);
        mf_manifold_tangent_apply(m, xp, v, pv);
        for (int i = 0; i < N; i++) {
            double e = fabs((cp[i] - cm[i]) / (2 * t) - pv[i]);
            if (e > worst) worst = e;
        }
    }
    CHECK(worst <= 1e-7, "%s: derivative of the metric projection along v equals P v (%.1e)", spec, worst);
    free(x), free(v), free(y), free(cp), free(cm), free(pv);
    mf_manifold_free(m);
}

static void check_dims(void)
{
    struct {
        const char *spec;
        int d, N;
    } t[] = {{"sphere:d=3", 3, 4},        {"torus:d=4", 4, 8},          {"ball:d=7", 7, 7},
             {"so3", 3, 9},               {"so:n=5", 10, 25},           {"stiefel:k=2,n=5", 7, 10},
             {"grassmann:k=2,n=5", 6, 15}, {"swissroll", 2, 3},         {"helix", 1, 3},
             {"moebius", 2, 3},           {"klein", 2, 4},              {"sphere:d=1*torus:d=1", 2, 4},
             {"so3*ball:d=2*helix", 6, 14}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        mf_manifold *m = mf_test_parse(t[i].spec);
        CHECK(mf_manifold_dim(m) == t[i].d && mf_manifold_natural_dim(m) == t[i].N,
              "%s: d=%d natural=%d (expected %d, %d)", t[i].spec, mf_manifold_dim(m),
              mf_manifold_natural_dim(m), t[i].d, t[i].N);
        mf_manifold_free(m);
    }
    mf_manifold *m = mf_test_parse("stiefel:n=5,k=2");
    CHECK(strcmp(mf_manifold_name(m), "stiefel:k=2,n=5") == 0, "canonical name '%s'", mf_manifold_name(m));
    mf_manifold_free(m);
}

/* Points off the manifold must have a clearly non-zero residual (the residual
 * check above could otherwise pass vacuously). */
static void check_residual_detects(void)
{
    for (int s = 0; s < MF_NSPECS; s++) {
        mf_manifold *m = mf_test_parse(mf_test_specs[s]);
        int N = mf_manifold_natural_dim(m);
        if (mf_manifold_dim(m) == N) { /* the ball: only points outside are off */
            mf_manifold_free(m);
            continue;
        }
        double *x = mf_test_sample(m, 3, 8);
        double *P = malloc(sizeof(double) * N * N), *y = malloc(sizeof(double) * N);
        op_rng r;
        op_rng_seed(&r, 4);
        double least = INFINITY;
        for (int p = 0; p < 8; p++) {
            /* step 1e-3 along a normal direction (I - P) g */
            mf_manifold_tangent_projector(m, x + p * N, P);
            double nn = 0;
            for (int i = 0; i < N; i++) {
                double g = op_rng_normal(&r);
                y[i] = g;
            }
            double *w = malloc(sizeof(double) * N);
            mf_manifold_tangent_apply(m, x + p * N, y, w);
            for (int i = 0; i < N; i++) {
                y[i] -= w[i];
                nn += y[i] * y[i];
            }
            for (int i = 0; i < N; i++) y[i] = x[p * N + i] + 1e-3 * y[i] / sqrt(nn);
            double res = mf_manifold_residual(m, y);
            if (res < least) least = res;
            free(w);
        }
        CHECK(least > 1e-7, "%s: a point 1e-3 off the manifold has residual %.1e > 1e-7", mf_test_specs[s],
              least);
        free(x), free(P), free(y);
        mf_manifold_free(m);
    }
}

static void check_parse_errors(void)
{
    const char *bad[] = {"sfere:d=2", "torus:d=0", "torus:d=x", "torus:k=2", "stiefel:k=5,n=3",
                         "grassmann:k=3,n=3", "sphere:d=1*", "torus:d=2,d=3", "torus:", "moebius:r=1,w=2",
                         "klein:eps=1.5", "sphere :d=2", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mf_manifold *m = NULL;
        op_error_clear();
        int st = mf_manifold_parse(bad[i], &m);
        CHECK(st == OP_EUSAGE && m == NULL && strlen(op_error_message()) > 10, "bad manifold '%s' -> %s",
              bad[i], op_error_message());
        op_error_clear();
    }
    char out[8][MF_SPEC_MAX];
    int n = 0;
    int st = mf_spec_split("sphere:d=2,stiefel:k=2,n=5,so3,grassmann:k=2,n=4*sphere:d=1", out, 8, &n);
    CHECK(st == 0 && n == 4 && strcmp(out[1], "stiefel:k=2,n=5") == 0 && strcmp(out[2], "so3") == 0 &&
              strcmp(out[3], "grassmann:k=2,n=4*sphere:d=1") == 0,
          "spec list split into %d specs: %s | %s | %s | %s", n, out[0], out[1], out[2], out[3]);
}

int main(void)
{
    check_parse_errors();
    for (int s = 0; s < MF_NSPECS; s++) check_manifold(mf_test_specs[s]);
    check_metric_projection("sphere:d=3");
    check_metric_projection("torus:d=2");
    check_metric_projection("grassmann:k=2,n=5");
    check_metric_projection("ball:d=4");
    check_dims();
    check_residual_detects();
    return test_summary("test_mf_geometry");
}
