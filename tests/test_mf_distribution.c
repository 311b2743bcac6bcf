/* Each sampler draws from its documented law: Kolmogorov-Smirnov and chi-square
 * tests against exact marginals, and Haar moments, at fixed seeds. There are ~35
 * goodness-of-fit tests here, each at significance 1e-4, so a correct set of
 * samplers fails one with probability <= 0.4% (Bonferroni); seeds are fixed, so the
 * outcome is reproducible. (At 1e-3 one correct test did fail: Grassmann P_44 at
 * seed 61 had p = 3e-4, while 300 seeds gave 1.0% of p-values below 0.01 — a
 * calibrated test, an unlucky seed.) "Power" checks show the same tests reject the
 * plausible wrong laws (uniform parameters instead of uniform area, the wrong
 * dimension) with p < 1e-6. */
#include <gsl/gsl_cdf.h>
#include <string.h>

#include "test_mf_common.h"
#include "test_util.h"

#define NS 20000L
#define ALPHA 1e-4

static double ks_of(double *u, long n) { return mf_ks_pvalue(u, n, NULL); }

static double angle01(double c, double s)
{
    double t = atan2(s, c);
    if (t < 0) t += 2 * M_PI;
    return t / (2 * M_PI);
}

static void sphere_beta(const char *spec, int d, int col, int N, double *x, long n)
{
    double *u = malloc(sizeof(double) * n), *w = malloc(sizeof(double) * n);
    for (long i = 0; i < n; i++) {
        double t = 0.5 * (x[i * N + col] + 1);
        u[i] = gsl_cdf_beta_P(t, 0.5 * d, 0.5 * d);
        w[i] = gsl_cdf_beta_P(t, 0.5 * (d + 1), 0.5 * (d + 1));
    }
    double p = ks_of(u, n), pw = ks_of(w, n);
    CHECK(p > ALPHA, "%s: (x_%d+1)/2 ~ Beta(%g,%g): KS p = %.3g > %g", spec, col, 0.5 * d, 0.5 * d, p, ALPHA);
    CHECK(pw < 1e-6, "%s: power: the S^%d law Beta(%g,%g) is rejected, p = %.2g", spec, d + 1,
          0.5 * (d + 1), 0.5 * (d + 1), pw);
    free(u), free(w);
}

static void test_sphere(int d)
{
    char spec[32];
    snprintf(spec, sizeof spec, "sphere:d=%d", d);
    mf_manifold *m = mf_test_parse(spec);
    double *x = mf_test_sample(m, 11 + d, NS);
    sphere_beta(spec, d, 0, d + 1, x, NS);
    sphere_beta(spec, d, d, d + 1, x, NS);
    free(x);
    mf_manifold_free(m);
}

static void test_torus(void)
{
    mf_manifold *m = mf_test_parse("torus:d=3");
    double *x = mf_test_sample(m, 21, NS), *u = malloc(sizeof(double) * NS);
    for (int j = 0; j < 3; j++) {
        for (long i = 0; i < NS; i++) u[i] = angle01(x[i * 6 + 2 * j], x[i * 6 + 2 * j + 1]);
        double p = ks_of(u, NS);
        CHECK(p > ALPHA, "torus:d=3: angle %d uniform, KS p = %.3g", j, p);
    }
    /* joint uniformity of (t_0, t_2): chi-square on an 8 x 8 grid, 63 dof */
    long cnt[64] = {0};
    for (long i = 0; i < NS; i++) {
        int a = (int)(8 * angle01(x[i * 6], x[i * 6 + 1])), b = (int)(8 * angle01(x[i * 6 + 4], x[i * 6 + 5]));
        cnt[(a & 7) * 8 + (b & 7)]++;
    }
    double chi = 0, e = NS / 64.0;
    for (int c = 0; c < 64; c++) chi += (cnt[c] - e) * (cnt[c] - e) / e;
    double p = gsl_cdf_chisq_Q(chi, 63);
    CHECK(p > ALPHA, "torus:d=3: angles 0 and 2 jointly uniform, chi2 = %.1f (63 dof), p = %.3g", chi, p);
    free(x), free(u);
    mf_manifold_free(m);
}

static void test_ball(void)
{
    mf_manifold *m = mf_test_parse("ball:d=3,r=2");
    double *x = mf_test_sample(m, 31, NS), *u = malloc(sizeof(double) * NS), *w = malloc(sizeof(double) * NS);
    for (long i = 0; i < NS; i++) {
        double r = sqrt(x[i * 3] * x[i * 3] + x[i * 3 + 1] * x[i * 3 + 1] + x[i * 3 + 2] * x[i * 3 + 2]);
        u[i] = pow(r / 2, 3);              /* P(|x| <= t) = (t/r)^d */
        w[i] = 0.5 * (x[i * 3] / r + 1); /* direction: uniform on S^2, Beta(1,1) */
    }
    double p1 = ks_of(u, NS), p2 = ks_of(w, NS);
    CHECK(p1 > ALPHA, "ball:d=3,r=2: (|x|/r)^3 uniform, KS p = %.3g", p1);
    CHECK(p2 > ALPHA, "ball:d=3,r=2: direction uniform on S^2, KS p = %.3g", p2);
    for (long i = 0; i < NS; i++) u[i] = cbrt(u[i]); /* radius uniform: the wrong law */
    double pw = ks_of(u, NS);
    CHECK(pw < 1e-6, "ball: power: a uniform radius is rejected, p = %.2g", pw);
    free(x), free(u), free(w);
    mf_manifold_free(m);
}

/* Haar on SO(n), n >= 3: E tr Q = 0 and E tr Q^2 = 1 (Diaconis & Shahshahani 1994:
 * the trivial representation appears once in Sym^2 and not in V or Lambda^2).
 * Tested within 4 standard errors. For SO(3) also the rotation angle's law
 * P(angle <= w) = (w - sin w)/pi. */
static void test_son(const char *spec, int n, double want2)
{
    mf_manifold *m = mf_test_parse(spec);
    long ns = NS;
    double *x = mf_test_sample(m, 41 + n, ns), *u = malloc(sizeof(double) * ns);
    double s1 = 0, q1 = 0, s2 = 0, q2 = 0;
    for (long i = 0; i < ns; i++) {
        const double *Q = x + i * n * n;
        double t1 = 0, t2 = 0;
        for (int a = 0; a < n; a++) {
            t1 += Q[a * n + a];
            for (int b = 0; b < n; b++) t2 += Q[a * n + b] * Q[b * n + a];
        }
        s1 += t1, q1 += t1 * t1, s2 += t2, q2 += t2 * t2;
        if (n == 3) {
            double c = 0.5 * (t1 - 1);
            c = c > 1 ? 1 : c < -1 ? -1 : c;
            double w = acos(c);
            u[i] = (w - sin(w)) / M_PI;
        }
    }
    double m1 = s1 / ns, se1 = sqrt((q1 / ns - m1 * m1) / ns);
    double m2 = s2 / ns, se2 = sqrt((q2 / ns - m2 * m2) / ns);
    CHECK(fabs(m1) <= 4 * se1, "%s: E tr Q = %.4f, expected 0 within 4 s.e. (%.4f)", spec, m1, se1);
    CHECK(fabs(m2 - want2) <= 4 * se2, "%s: E tr Q^2 = %.4f, expected %g within 4 s.e. (%.4f)", spec, m2,
          want2, se2);
    if (n == 3) {
        double p = ks_of(u, ns);
        CHECK(p > ALPHA, "%s: rotation angle law (w - sin w)/pi, KS p = %.3g", spec, p);
    }
    free(x), free(u);
    mf_manifold_free(m);
}

/* V_k(R^n): each column is uniform on S^{n-1}; E[X X^T] = (k/n) I. */
static void test_stiefel(void)
{
    const char *spec = "stiefel:k=2,n=4";
    int n = 4, k = 2;
    mf_manifold *m = mf_test_parse(spec);
    double *x = mf_test_sample(m, 51, NS);
    double *col = malloc(sizeof(double) * NS * n);
    for (int c = 0; c < k; c++) {
        for (long i = 0; i < NS; i++)
            for (int a = 0; a < n; a++) col[i * n + a] = x[i * n * k + a * k + c];
        char name[64];
        snprintf(name, sizeof name, "%s column %d", spec, c);
        sphere_beta(name, n - 1, c == 0 ? 0 : n - 1, n, col, NS);
    }
    double worst = 0;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double s = 0, q = 0;
            for (long i = 0; i < NS; i++) {
                double v = 0;
                for (int c = 0; c < k; c++) v += x[i * n * k + a * k + c] * x[i * n * k + b * k + c];
                s += v, q += v * v;
            }
            double mean = s / NS, se = sqrt((q / NS - mean * mean) / NS);
            double z = fabs(mean - (a == b ? (double)k / n : 0)) / se;
            if (z > worst) worst = z;
        }
    CHECK(worst <= 4.5, "%s: E[X X^T] = (k/n) I, worst of 16 entries at %.2f s.e. (<= 4.5)", spec, worst);
    free(x), free(col);
    mf_manifold_free(m);
}

/* Gr(k,n): P_00 = |row 0 of X|^2 ~ Beta(k/2, (n-k)/2). */
static void test_grassmann(void)
{
    const char *spec = "grassmann:k=2,n=5";
    mf_manifold *m = mf_test_parse(spec);
    int N = mf_manifold_natural_dim(m);
    double *x = mf_test_sample(m, 61, NS), *u = malloc(sizeof(double) * NS);
    for (long i = 0; i < NS; i++) u[i] = gsl_cdf_beta_P(x[i * N], 1.0, 1.5);
    double p = ks_of(u, NS);
    CHECK(p > ALPHA, "%s: P_00 ~ Beta(1, 1.5), KS p = %.3g", spec, p);
    /* the last diagonal entry, packed at position N - 1 */
    for (long i = 0; i < NS; i++) u[i] = gsl_cdf_beta_P(x[i * N + N - 1], 1.0, 1.5);
    p = ks_of(u, NS);
    CHECK(p > ALPHA, "%s: P_44 ~ Beta(1, 1.5), KS p = %.3g", spec, p);
    free(x), free(u);
    mf_manifold_free(m);
}

static double swiss_area(double t) { return 0.5 * (t * sqrt(1 + t * t) + asinh(t)); }

static void test_swissroll(void)
{
    mf_manifold *m = mf_test_parse("swissroll:h=5");
    double *x = mf_test_sample(m, 71, NS), *u = malloc(sizeof(double) * NS),
           *w = malloc(sizeof(double) * NS), *h = malloc(sizeof(double) * NS);
    double t0 = 1.5 * M_PI, t1 = 4.5 * M_PI, A0 = swiss_area(t0), A1 = swiss_area(t1);
    for (long i = 0; i < NS; i++) {
        double t = hypot(x[i * 3], x[i * 3 + 2]);
        u[i] = (swiss_area(t) - A0) / (A1 - A0); /* area measure: CDF of t is arc length */
        w[i] = (t - t0) / (t1 - t0);              /* the wrong law: uniform t */
        h[i] = x[i * 3 + 1] / 5;
    }
    double p = ks_of(u, NS), pw = ks_of(w, NS), ph = ks_of(h, NS);
    CHECK(p > ALPHA, "swissroll: t has the area law (arc-length CDF), KS p = %.3g", p);
    CHECK(pw < 1e-6, "swissroll: power: uniform t is rejected, p = %.2g", pw);
    CHECK(ph > ALPHA, "swissroll: height uniform on [0, h], KS p = %.3g", ph);
    free(x), free(u), free(w), free(h);
    mf_manifold_free(m);
}

static void test_helix(void)
{
    mf_manifold *m = mf_test_parse("helix:r=0.7,pitch=2.3,turns=3");
    double *x = mf_test_sample(m, 81, NS), *u = malloc(sizeof(double) * NS);
    for (long i = 0; i < NS; i++) u[i] = x[i * 3 + 2] / (2.3 * 3); /* height = pitch t / 2pi */
    double p = ks_of(u, NS);
    CHECK(p > ALPHA, "helix: uniform in arc length (height uniform), KS p = %.3g", p);
    free(x), free(u);
    mf_manifold_free(m);
}

/* Moebius: chi-square on an 8 x 8 grid of (u, v) against the area law, cell
 * probabilities by a 40 x 40 midpoint rule of |x_u| = sqrt((r + v cos(u/2))^2 + v^2/4). */
static double moebius_chi2(const double *x, long n, double r, double w, int area)
{
    double prob[64], tot = 0;
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++) {
            double s = 0;
            for (int i = 0; i < 40; i++)
                for (int j = 0; j < 40; j++) {
                    double u = 2 * M_PI * (a + (i + 0.5) / 40) / 8;
                    double v = -w + 2 * w * (b + (j + 0.5) / 40) / 8;
                    double q = r + v * cos(0.5 * u);
                    s += area ? sqrt(q * q + 0.25 * v * v) : 1.0;
                }
            prob[a * 8 + b] = s;
            tot += s;
        }
    long cnt[64] = {0};
    for (long i = 0; i < n; i++) {
        const double *p = x + i * 3;
        double u = 2 * M_PI * angle01(p[0], p[1]);
        double v = (hypot(p[0], p[1]) - r) * cos(0.5 * u) + p[2] * sin(0.5 * u);
        int a = (int)(8 * u / (2 * M_PI)), b = (int)(8 * (v + w) / (2 * w));
        a = a < 0 ? 0 : a > 7 ? 7 : a;
        b = b < 0 ? 0 : b > 7 ? 7 : b;
        cnt[a * 8 + b]++;
    }
    double chi = 0;
    for (int c = 0; c < 64; c++) {
        double e = n * prob[c] / tot;
        chi += (cnt[c] - e) * (cnt[c] - e) / e;
    }
    return gsl_cdf_chisq_Q(chi, 63);
}

static void test_moebius(void)
{
    mf_manifold *m = mf_test_parse("moebius:r=1,w=0.8");
    double *x = mf_test_sample(m, 91, NS);
    double p = moebius_chi2(x, NS, 1, 0.8, 1), pw = moebius_chi2(x, NS, 1, 0.8, 0);
    CHECK(p > ALPHA, "moebius: (u, v) follow the area law, chi2 (63 dof) p = %.3g", p);
    CHECK(pw < 1e-6, "moebius: power: uniform (u, v) is rejected, p = %.2g", pw);
    free(x);
    mf_manifold_free(m);
}

/* Klein bottle: the area element from the closed forms (derived by hand, independent
 * of klein.c's numerical frame): |x_t|^2 = r^2 (cos^2 v + sin^2 2v)/4 + p^2 (1 + e sin v)^2,
 * |x_v|^2 = r^2 (sin^2 v + 4 cos^2 2v) + p^2 e^2 cos^2 v,
 * x_t . x_v = r^2 (cos v cos 2v + sin v sin 2v / 2). */
static double klein_density(double v)
{
    double r = 1, p = 1, e = 0.1;
    double a = r * r * (cos(v) * cos(v) + sin(2 * v) * sin(2 * v)) / 4 + p * p * pow(1 + e * sin(v), 2);
    double b = r * r * (sin(v) * sin(v) + 4 * cos(2 * v) * cos(2 * v)) + p * p * e * e * cos(v) * cos(v);
    double c = r * r * (cos(v) * cos(2 * v) + 0.5 * sin(v) * sin(2 * v));
    return sqrt(a * b - c * c);
}

static void test_klein(void)
{
    mf_manifold *m = mf_test_parse("klein");
    double *x = mf_test_sample(m, 101, NS), *u = malloc(sizeof(double) * NS),
           *w = malloc(sizeof(double) * NS), *th = malloc(sizeof(double) * NS);
    enum { G = 20000 };
    static double cdf[G + 1];
    cdf[0] = 0;
    for (int i = 1; i <= G; i++) { /* trapezoid rule */
        double a = 2 * M_PI * (i - 1) / G, b = 2 * M_PI * i / G;
        cdf[i] = cdf[i - 1] + 0.5 * (klein_density(a) + klein_density(b)) * (b - a);
    }
    for (long i = 0; i < NS; i++) {
        const double *p = x + i * 4;
        double t = 2 * M_PI * angle01(p[2], p[3]);
        double cv = cos(0.5 * t) * p[0] + sin(0.5 * t) * p[1];
        double sv = hypot(p[2], p[3]) - 1;
        double v = 2 * M_PI * angle01(cv, sv / 0.1);
        double g = v / (2 * M_PI) * G;
        int k = (int)g;
        if (k >= G) k = G - 1;
        u[i] = (cdf[k] + (g - k) * (cdf[k + 1] - cdf[k])) / cdf[G];
        w[i] = v / (2 * M_PI);
        th[i] = t / (2 * M_PI);
    }
    double p = ks_of(u, NS), pw = ks_of(w, NS), pt = ks_of(th, NS);
    CHECK(p > ALPHA, "klein: v follows the area law, KS p = %.3g", p);
    CHECK(pw < 1e-6, "klein: power: uniform v (the geomstats law) is rejected, p = %.2g", pw);
    CHECK(pt > ALPHA, "klein: theta uniform, KS p = %.3g", pt);
    free(x), free(u), free(w), free(th);
    mf_manifold_free(m);
}

static void test_product(void)
{
    mf_manifold *m = mf_test_parse("sphere:d=2*torus:d=1");
    double *x = mf_test_sample(m, 111, NS), *u = malloc(sizeof(double) * NS),
           *w = malloc(sizeof(double) * NS);
    double sxy = 0;
    for (long i = 0; i < NS; i++) {
        u[i] = 0.5 * (x[i * 5 + 2] + 1); /* S^2: a coordinate is uniform on [-1, 1] */
        w[i] = angle01(x[i * 5 + 3], x[i * 5 + 4]);
        sxy += x[i * 5 + 2] * x[i * 5 + 3];
    }
    double p1 = ks_of(u, NS), p2 = ks_of(w, NS);
    /* independence: E[z * cos t] = 0, s.d. of one term = sqrt(1/3 * 1/2) */
    double z = fabs(sxy / NS) / (sqrt(1.0 / 6) / sqrt((double)NS));
    CHECK(p1 > ALPHA && p2 > ALPHA, "sphere:d=2*torus:d=1: factor marginals, KS p = %.3g, %.3g", p1, p2);
    CHECK(z <= 4, "sphere:d=2*torus:d=1: factors uncorrelated, |z| = %.2f <= 4", z);
    free(x), free(u), free(w);
    mf_manifold_free(m);
}

int main(void)
{
    test_sphere(1);
    test_sphere(2);
    test_sphere(5);
    test_torus();
    test_ball();
    test_son("so3", 3, 1.0);
    test_son("so:n=3", 3, 1.0);
    test_son("so:n=4", 4, 1.0);
    test_son("so:n=6", 6, 1.0);
    test_son("so:n=2", 2, 0.0); /* SO(2): tr Q^2 = 2 cos 2t has mean 0, not 1 */
    test_stiefel();
    test_grassmann();
    test_swissroll();
    test_helix();
    test_moebius();
    test_klein();
    test_product();
    return test_summary("test_mf_distribution");
}
