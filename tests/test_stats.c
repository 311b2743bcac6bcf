/* stats: exact cases for every function, and the rate fit on synthetic data with
 * a known slope: unbiased, and its standard error calibrated (coverage). */
#include <math.h>
#include <stdio.h>

#include "core/rng.h"
#include "core/op_error.h"
#include "stats/stats.h"
#include "test_util.h"

static void test_exact(void)
{
    double x[] = {1, 2, 3, 4}, w[8], m, se;
    st_mean_se(x, 4, &m, &se);
    CHECK(m == 2.5 && fabs(se - 0.6454972243679028) < 1e-15, "mean/se of 1..4: %g %g", m, se);
    st_mean_se(x, 1, &m, &se);
    CHECK(m == 1 && se == 0, "one value: se 0");
    double e[] = {M_E, M_E * M_E * M_E};
    st_mean_log_se(e, 2, &m, &se);
    CHECK(fabs(m - 2) < 1e-15 && fabs(se - 1) < 1e-15, "mean log of e, e^3: %g +- %g", m, se);
    double u[] = {3, 1, 2};
    CHECK(st_median(u, 3, w) == 2 && u[0] == 3, "median 2, input untouched");
    CHECK(st_median(x, 4, w) == 2.5, "even median");
    CHECK(st_quantile(x, 4, 0.25, w) == 1.75, "type-7 quartile 1.75, got %g", st_quantile(x, 4, 0.25, w));
    CHECK(st_quantile(x, 4, 1.0, w) == 4 && st_quantile(x, 4, 0.0, w) == 1, "quantile ends");

    /* exact line: OLS and weighted fits recover it with zero error */
    double lx[6], ly[6], sy[6];
    for (int i = 0; i < 6; i++) {
        lx[i] = 0.37 * i - 1.1;
        ly[i] = 2.385 - 0.731 * lx[i];
        sy[i] = 0.1 + 0.05 * i;
    }
    st_fit f;
    CHECK(st_fit_line(lx, ly, NULL, 6, &f) == 0 && fabs(f.slope + 0.731) < 1e-13 &&
              fabs(f.intercept - 2.385) < 1e-13 && f.se_slope < 1e-12,
          "OLS exact line: %.15g %.15g se %g", f.slope, f.intercept, f.se_slope);
    CHECK(st_fit_line(lx, ly, sy, 6, &f) == 0 && fabs(f.slope + 0.731) < 1e-13 && f.chi2_dof < 1e-20,
          "weighted exact line: %.15g", f.slope);
    /* with no scatter, the s.e. is the textbook one: 1/sqrt(sum w (x - xw)^2) */
    double S = 0, Sx = 0, Sxx = 0;
    for (int i = 0; i < 6; i++) {
        double wi = 1 / (sy[i] * sy[i]);
        S += wi;
        Sx += wi * lx[i];
        Sxx += wi * lx[i] * lx[i];
    }
    CHECK(fabs(f.se_slope - sqrt(S / (S * Sxx - Sx * Sx))) < 1e-12, "weighted s.e. %g", f.se_slope);
    /* log-log: y = 5 x^-0.5 */
    double px[] = {10, 100, 1000, 10000}, lpy[4];
    for (int i = 0; i < 4; i++) lpy[i] = log(5 * pow(px[i], -0.5));
    CHECK(st_fit_loglog(px, lpy, NULL, 4, &f) == 0 && fabs(f.slope + 0.5) < 1e-13, "log-log slope %g", f.slope);
    CHECK(st_fit_line(lx, ly, NULL, 2, &f) != 0, "two points refused");
    double bad[] = {1, 0, 1};
    CHECK(st_fit_line(lx, ly, bad, 3, &f) != 0, "zero s.e. refused");

    /* Spearman: monotone, reversed, and a tie case computed by hand */
    double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 8, 16, 32}, c[] = {5, 6, 7, 8, 7}, ww[10];
    CHECK(fabs(st_spearman(a, b, 5, ww) - 1) < 1e-15, "monotone: 1");
    double r[] = {32, 16, 8, 4, 2};
    CHECK(fabs(st_spearman(a, r, 5, ww) + 1) < 1e-15, "reversed: -1");
    CHECK(fabs(st_spearman(a, c, 5, ww) - 8 / sqrt(95.0)) < 1e-12, "ties: %g vs %g", st_spearman(a, c, 5, ww),
          8 / sqrt(95.0));

    /* grading */
    CHECK(st_grade(-0.48, 0.05, -0.75, -0.35) == ST_PASS, "inside: PASS");
    CHECK(st_grade(-0.33, 0.05, -0.75, -0.35) == ST_MARGINAL, "0.02 outside, se 0.05: MARGINAL");
    CHECK(st_grade(-0.20, 0.05, -0.75, -0.35) == ST_FAIL, "0.15 outside: FAIL");
    CHECK(st_grade(-0.80, 0.06, -0.75, -0.35) == ST_MARGINAL, "below by 0.05 < se: MARGINAL");
    CHECK(st_grade(12, 0, 10, INFINITY) == ST_PASS && st_grade(9, 0.5, 10, INFINITY) == ST_FAIL &&
              st_grade(9.8, 0.5, 10, INFINITY) == ST_MARGINAL,
          "one-sided band");
    CHECK(st_grade(NAN, 1, -1, 1) == ST_FAIL && st_grade(INFINITY, 1, -1, INFINITY) == ST_FAIL, "non-finite: FAIL");
    CHECK(st_grade_worst(ST_PASS, ST_MARGINAL) == ST_MARGINAL && st_grade_worst(ST_FAIL, ST_PASS) == ST_FAIL,
          "worst grade");
}

/* One synthetic rate experiment: log err = a + b log n + tau*u_n + sigma*e_{n,s};
 * u_n is a per-point offset the seeds do not see (model misfit), which the
 * reduced-chi^2 inflation must absorb. Returns the fitted slope and s.e. */
static void synth(op_rng *r, double b, double sigma, double tau, st_fit *f)
{
    enum { P = 7, S = 8 };
    double n[P], mu[P], se[P], v[S];
    for (int i = 0; i < P; i++) {
        n[i] = 64 << i;
        double off = tau * op_rng_normal(r);
        for (int s = 0; s < S; s++) v[s] = exp(1.3 + b * log(n[i]) + off + sigma * op_rng_normal(r));
        st_mean_log_se(v, S, &mu[i], &se[i]);
    }
    st_fit_loglog(n, mu, se, P, f);
}

static void test_synthetic(void)
{
    const double b = -0.5;
    const struct {
        double sigma, tau;
        const char *what;
    } cases[] = {{0.3, 0.0, "seed noise only"}, {0.3, 0.08, "seed noise + per-point misfit"}};
    for (int c = 0; c < 2; c++) {
        op_rng r;
        op_rng_seed(&r, op_seed_from_key("test_stats/synthetic", (uint64_t)c));
        int T = 200, in1 = 0, in2 = 0, in3 = 0;
        double sum = 0, sum2 = 0;
        for (int t = 0; t < T; t++) {
            st_fit f;
            synth(&r, b, cases[c].sigma, cases[c].tau, &f);
            double z = fabs(f.slope - b) / f.se_slope;
            in1 += z < 1;
            in2 += z < 2;
            in3 += z < 3;
            sum += f.slope;
            sum2 += f.slope * f.slope;
        }
        double mean = sum / T, sd = sqrt((sum2 - sum * sum / T) / (T - 1));
        printf("  %s: slope %.4f (sd %.4f); within 1/2/3 s.e.: %d/%d/%d of %d\n", cases[c].what, mean, sd, in1, in2,
               in3, T);
        CHECK(in3 >= 0.95 * T, "%s: within 3 s.e. in %d of %d trials (need 95%%)", cases[c].what, in3, T);
        CHECK(in2 >= 0.85 * T, "%s: within 2 s.e. in %d of %d (nominal 95%%)", cases[c].what, in2, T);
        /* calibrated, not just wide: about 68% within one s.e. */
        CHECK(in1 >= 0.55 * T && in1 <= 0.85 * T, "%s: within 1 s.e. in %d of %d (nominal 68%%)", cases[c].what, in1, T);
        CHECK(fabs(mean - b) < 4 * sd / sqrt(T), "%s: unbiased: mean %.4f vs %.2f", cases[c].what, mean, b);
    }
}

/* st_pool_se: a diverged seed must not make a rate look better. Five points, three
 * seeds, true slope -1; at the two largest x one seed ends 10x too high (a failed
 * optimisation). With per-point 1/sd^2 weights those two points drop out of the fit and
 * the slope stays steep (about -1); with pooled errors the points are weighted by seed
 * count (equal here: the OLS slope of the means) and the slope flattens, as it must. */
static void test_pool_se(void)
{
    enum { P = 5, S = 3 };
    const double jit[S] = {-0.04, 0.01, 0.03};
    double x[P], mu[P], se[P], v[S];
    int n[P];
    st_fit clean, bad, raw, ols;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < P; i++) {
            x[i] = 1 << i;
            for (int s = 0; s < S; s++) v[s] = exp(-log(x[i]) + jit[(s + i) % S]);
            if (pass && i >= 3) v[1] *= 10;
            st_mean_log_se(v, S, &mu[i], &se[i]);
            n[i] = S;
        }
        if (pass) {
            CHECK(st_fit_loglog(x, mu, se, P, &raw) == OP_OK, "raw weighted fit");
            CHECK(st_fit_loglog(x, mu, NULL, P, &ols) == OP_OK, "ols fit");
        }
        CHECK(st_pool_se(n, se, P) == 1, "pooled variance positive");
        for (int i = 1; i < P; i++) CHECK(se[i] == se[0], "equal counts -> equal pooled errors");
        CHECK(st_fit_loglog(x, mu, se, P, pass ? &bad : &clean) == OP_OK, "pooled fit");
    }
    printf("  pool_se: clean %.3f, one bad seed at x=8,16: pooled %.3f, 1/sd^2 %.3f\n", clean.slope, bad.slope,
           raw.slope);
    CHECK(fabs(clean.slope + 1) < 0.05, "clean slope %.3f, expected -1", clean.slope);
    CHECK(fabs(bad.slope - ols.slope) < 1e-12, "pooled slope %.6f equals OLS of the means %.6f", bad.slope, ols.slope);
    CHECK(bad.slope > clean.slope + 0.2, "bad seeds must flatten the slope: %.3f vs clean %.3f", bad.slope,
          clean.slope);
    CHECK(raw.slope < bad.slope - 0.2, "(the defect: 1/sd^2 weights hide them: %.3f)", raw.slope);
    int one[3] = {1, 1, 1};
    double z[3] = {0, 0, 0};
    CHECK(st_pool_se(one, z, 3) == 0, "single seeds: no pooled variance, fit unweighted");
}

int main(void)
{
    test_exact();
    test_synthetic();
    test_pool_se();
    return test_summary("test_stats");
}
