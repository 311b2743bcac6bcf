/* The judge kit (src/stats st_rate_paired / st_grade_equiv / st_trend_grade, and the
 * record-level helpers of theorems/util.c) on synthetic curves with a known answer,
 * under the common-random-numbers design the checks use: every seed has its own level
 * offset (its data pool and test set), shared by all grid points and both variants of
 * a comparison, plus independent noise per run.
 *   - the 90 % interval of the paired slope covers the true slope in 85-95 % of 1000
 *     replicates (5 seeds; and with 1 seed, the documented pooled-fit fallback);
 *     the pooled per-point s.e. the judge used before is several times wider;
 *   - chi^2/dof of a straight line averages ~1;
 *   - a curve that flattens into a plateau is flagged, a clean power law is not;
 *   - a D effect of 0.2 on the slope with band |dslope| <= 0.15 is detected (TOST
 *     FAILs) and no effect gives PASS;
 *   - trend: sign test on < 5 points, Spearman on >= 5;
 *   - records -> table -> th_judge_rate: a failed run leaves its seed out of the paired
 *     slope and caps the grade at MARGINAL, naming the run;
 *   - the D-invariance level ratio pairs re-keyed tables by grid value, and FAILs
 *     without a common point;
 *   - GSL's error handler stays off while fits run in parallel threads (issue 19).
 * Deterministic: the project's RNG with fixed seeds. Fast (< 0.2 s; valgrind ~2 s). */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "stats/stats.h"
#include "test_util.h"
#include "theorems/check.h"
#include "theorems/verify.h"

enum { NP = 5, MAXS = 16 };

/* One synthetic table: log err[p][s] = 1.3 + b*lx[p] + level*u_s + sigma*e_{p,s}
 * (+ a plateau: err + floor, if floor > 0). u_s is passed in, so two variants
 * (D1, D2) can share a seed's level offset as the checks' common random numbers do. */
static void synth(op_rng *r, const double *lx, double b, double sigma, const double *u, int ns, double floor,
                  double *ly)
{
    for (int p = 0; p < NP; p++)
        for (int s = 0; s < ns; s++) {
            double l = 1.3 + b * lx[p] + u[s] + sigma * op_rng_normal(r);
            ly[p * ns + s] = floor > 0 ? log(exp(l) + floor) : l;
        }
}

static void grid(double *lx)
{
    for (int p = 0; p < NP; p++) lx[p] = log(256.0 * (1 << p)); /* n = 256 ... 4096 */
}

static void test_exact(void)
{
    CHECK(fabs(st_t_quantile(0.95, 1) - 6.313751514675) < 1e-9, "t_0.95(1) %.12g", st_t_quantile(0.95, 1));
    CHECK(fabs(st_t_quantile(0.95, 4) - 2.131846786327) < 1e-9, "t_0.95(4) %.12g", st_t_quantile(0.95, 4));
    CHECK(isnan(st_t_quantile(0.95, 0)) && isnan(st_t_quantile(1.0, 3)), "t quantile: bad dof or p -> NaN");
    double x[] = {1, 2, 3, 4};
    st_interval ci;
    st_interval_mean(x, 4, &ci);
    double hw = 2.353363434802 * 0.6454972243679028;
    CHECK(ci.mean == 2.5 && ci.dof == 3 && fabs(ci.lo - (2.5 - hw)) < 1e-9 && fabs(ci.hi - (2.5 + hw)) < 1e-9,
          "interval of 1..4: [%g, %g]", ci.lo, ci.hi);
    st_interval_mean(x, 1, &ci);
    CHECK(isnan(ci.se) && isnan(ci.lo) && isnan(ci.hi), "one value: no s.e., no interval");

    /* TOST: inside, straddling, resolved outside, unresolved */
    st_interval in, edge, out, none;
    st_interval_make(0.02, 0.03, 10, &in);
    st_interval_make(0.14, 0.03, 10, &edge);
    st_interval_make(0.25, 0.03, 10, &out);
    st_interval_make(0.0, NAN, 10, &none);
    CHECK(st_grade_equiv(&in, -0.15, 0.15) == ST_PASS, "TOST: interval inside -> PASS");
    CHECK(st_grade_equiv(&edge, -0.15, 0.15) == ST_MARGINAL, "TOST: point inside, interval not -> MARGINAL");
    CHECK(st_grade_equiv(&out, -0.15, 0.15) == ST_FAIL, "TOST: resolved outside -> FAIL");
    CHECK(st_grade_equiv(&none, -0.15, 0.15) == ST_MARGINAL, "TOST: no interval -> MARGINAL, never PASS");
    /* no one-s.e. leniency: 0.17 with se 0.03 would be MARGINAL under st_grade; TOST
     * with interval [0.115, 0.225] straddles 0.15: MARGINAL, and [0.21, 0.29] FAILs */
    st_interval a, b2;
    st_interval_make(0.17, 0.03, 10, &a);
    st_interval_make(0.25, 0.02, 10, &b2);
    CHECK(st_grade_equiv(&a, -0.15, 0.15) == ST_MARGINAL && st_grade_equiv(&b2, -0.15, 0.15) == ST_FAIL,
          "TOST grades");

    CHECK(fabs(st_sign_p(4, 4) - 1.0 / 16) < 1e-15 && fabs(st_sign_p(8, 9) - 10.0 / 512) < 1e-14 &&
              st_sign_p(0, 5) == 1.0,
          "sign-test p-values: %g %g", st_sign_p(4, 4), st_sign_p(8, 9));

    /* an exact power law with seed offsets: every per-seed slope is exact */
    double lx[NP], ly[NP * 3];
    grid(lx);
    for (int p = 0; p < NP; p++)
        for (int s = 0; s < 3; s++) ly[p * 3 + s] = 0.3 * s - 0.5 * lx[p];
    st_rate r;
    double ss[3];
    CHECK(st_rate_paired(lx, ly, NP, 3, -0.5, &r, ss) == OP_OK && fabs(r.slope.mean + 0.5) < 1e-13 &&
              r.slope.se < 1e-13 && r.nseeds == 3 && !r.plateau && fabs(ss[2] + 0.5) < 1e-13,
          "exact power law: slope %.15g se %g", r.slope.mean, r.slope.se);
    CHECK(fabs(r.last.mean + 0.5) < 1e-13 && fabs(r.pooled.slope + 0.5) < 1e-13, "last segment, pooled");
    /* a missing value removes its seed from the paired slope, not the point */
    ly[2 * 3 + 1] = NAN;
    CHECK(st_rate_paired(lx, ly, NP, 3, -0.5, &r, ss) == OP_OK && r.nseeds == 2 && isnan(ss[1]) &&
              fabs(r.slope.mean + 0.5) < 1e-13,
          "a missing value: %d complete seeds", r.nseeds);
    CHECK(st_rate_paired(lx, ly, 2, 3, -0.5, &r, NULL) != OP_OK, "two points refused");
    op_error_clear();
}

/* Coverage of the 90 % interval over 1000 replicates. */
static void test_coverage(void)
{
    double lx[NP], ly[NP * MAXS], u[MAXS];
    grid(lx);
    const double b = -0.5;
    const struct {
        int ns;
        double level, sigma;
        const char *what;
    } cases[] = {{5, 0.5, 0.05, "5 seeds, level offsets sd 0.5, noise 0.05"},
                 {1, 0.5, 0.05, "1 seed (pooled-fit fallback)"}};
    for (int c = 0; c < 2; c++) {
        op_rng rng;
        op_rng_seed(&rng, op_seed_from_key("test_judge/coverage", (uint64_t)c));
        int T = 1000, cover = 0, pooled_cover = 0, fallback = 0;
        double sum_se = 0, sum_pse = 0, sum_chi = 0;
        int nchi = 0;
        for (int t = 0; t < T; t++) {
            for (int s = 0; s < cases[c].ns; s++) u[s] = cases[c].level * op_rng_normal(&rng);
            synth(&rng, lx, b, cases[c].sigma, u, cases[c].ns, 0, ly);
            st_rate r;
            if (st_rate_paired(lx, ly, NP, cases[c].ns, b, &r, NULL) != OP_OK) continue;
            cover += r.slope.lo <= b && b <= r.slope.hi;
            fallback += r.se_pooled == 1;
            sum_se += r.slope.se;
            sum_pse += r.pooled.se_slope;
            pooled_cover += fabs(r.pooled.slope - b) <= 1.645 * r.pooled.se_slope;
            if (isfinite(r.chi2_dof)) {
                sum_chi += r.chi2_dof;
                nchi++;
            }
        }
        printf("  %s: 90%% interval covers in %d of %d; mean s.e. %.4f (pooled fit %.4f, its +-1.645 s.e. covers %d); "
               "chi2/dof mean %.2f\n",
               cases[c].what, cover, T, sum_se / T, sum_pse / T, pooled_cover, nchi ? sum_chi / nchi : NAN);
        CHECK(cover >= 850 && cover <= 950, "%s: coverage %d of 1000, need 850-950", cases[c].what, cover);
        if (cases[c].ns > 1) {
            /* the defect of issue 15: the pooled per-point variance counts the seeds' level
             * offsets, which cancel in a paired slope */
            CHECK(sum_pse > 3 * sum_se, "pooled s.e. %.4f is not much wider than paired %.4f", sum_pse / T, sum_se / T);
            /* chi^2/dof is a ratio F(np-2, (np-1)(ns-1)): mean d2/(d2-2) */
            double d2 = (NP - 1.0) * (cases[c].ns - 1.0), want = d2 / (d2 - 2);
            CHECK(nchi == T && fabs(sum_chi / nchi - want) < 0.1, "chi2/dof of a line averages %.3f, expected %.3f",
                  sum_chi / nchi, want);
        } else
            CHECK(fallback == T, "1 seed: every replicate uses the pooled-fit s.e. (%d)", fallback);
    }
}

static void test_plateau(void)
{
    double lx[NP], ly[NP * 4], u[4];
    grid(lx);
    op_rng rng;
    op_rng_seed(&rng, op_seed_from_key("test_judge/plateau", 0));
    int T = 200, flat = 0, clean = 0;
    for (int t = 0; t < T; t++) {
        for (int s = 0; s < 4; s++) u[s] = 0.3 * op_rng_normal(&rng);
        st_rate r;
        /* err = 3.7 n^-0.5 e^(u_s) + 0.2: the floor dominates from n ~ 1024 (last segment
         * about -0.13 against the predicted -0.5) */
        synth(&rng, lx, -0.5, 0.03, u, 4, 0.2, ly);
        st_rate_paired(lx, ly, NP, 4, -0.5, &r, NULL);
        flat += r.plateau;
        synth(&rng, lx, -0.5, 0.03, u, 4, 0, ly);
        st_rate_paired(lx, ly, NP, 4, -0.5, &r, NULL);
        clean += r.plateau;
    }
    printf("  plateau flagged in %d of %d curves with a floor, %d of %d clean power laws\n", flat, T, clean, T);
    CHECK(flat >= 0.95 * T, "plateau flagged in %d of %d", flat, T);
    CHECK(clean <= 0.05 * T, "clean power law flagged in %d of %d", clean, T);
}

/* A D effect on the slope: two variants share each seed's level offset. */
static void test_equivalence(void)
{
    double lx[NP], l1[NP * 8], l2[NP * 8], u[8], s1[8], s2[8], d[8];
    grid(lx);
    const int ns = 8;
    for (int eff = 0; eff < 2; eff++) {
        double delta = eff ? 0.2 : 0.0;
        op_rng rng;
        op_rng_seed(&rng, op_seed_from_key("test_judge/equiv", (uint64_t)eff));
        int T = 200, pass = 0, fail = 0, old_fail = 0;
        for (int t = 0; t < T; t++) {
            for (int s = 0; s < ns; s++) u[s] = 0.5 * op_rng_normal(&rng);
            synth(&rng, lx, -0.5, 0.05, u, ns, 0, l1);
            synth(&rng, lx, -0.5 + delta, 0.05, u, ns, 0, l2);
            st_rate r1, r2;
            st_rate_paired(lx, l1, NP, ns, -0.5, &r1, s1);
            st_rate_paired(lx, l2, NP, ns, -0.5, &r2, s2);
            for (int s = 0; s < ns; s++) d[s] = s2[s] - s1[s];
            st_interval ci;
            st_interval_mean(d, ns, &ci);
            st_grade_t g = st_grade_equiv(&ci, -0.15, 0.15);
            pass += g == ST_PASS;
            fail += g == ST_FAIL;
            /* the old rule: pooled s.e., one-s.e. leniency */
            double ds = fabs(r2.pooled.slope - r1.pooled.slope);
            double se = sqrt(r1.pooled.se_slope * r1.pooled.se_slope + r2.pooled.se_slope * r2.pooled.se_slope);
            old_fail += st_grade(ds, se, 0, 0.15) == ST_FAIL;
        }
        printf("  D effect %.1f, band |dslope| <= 0.15: TOST PASS %d, FAIL %d of %d (old pooled rule FAILed %d)\n",
               delta, pass, fail, T, old_fail);
        if (eff)
            CHECK(fail >= 0.9 * T, "effect 0.2 detected (FAIL) in %d of %d", fail, T);
        else
            CHECK(pass >= 0.95 * T && fail == 0, "no effect: PASS in %d of %d, FAIL %d", pass, T, fail);
    }
}

static void test_trend(void)
{
    /* 3 points x 3 seeds, falling within every seed despite seed offsets: 6/6 signs */
    double x3[] = {1, 2, 4}, y3[9];
    for (int p = 0; p < 3; p++)
        for (int s = 0; s < 3; s++) y3[p * 3 + s] = 10.0 * s - 0.1 * p;
    st_trend tr;
    CHECK(st_trend_grade(x3, y3, 3, 3, -1, 0.8, &tr) == OP_OK && tr.use_signs && tr.k == 6 && tr.n == 6 &&
              tr.grade == ST_PASS,
          "3 points: sign test 6/6, p %.3g", tr.p);
    /* 3 points x 1 seed: 2/2 signs cannot be significant (p 0.25): MARGINAL, not a PASS */
    double y31[] = {3, 2, 1};
    CHECK(st_trend_grade(x3, y31, 3, 1, -1, 0.8, &tr) == OP_OK && tr.k == 2 && tr.grade == ST_MARGINAL,
          "2 signs: MARGINAL (p %.3g)", tr.p);
    /* rising curve, claimed falling: FAIL */
    CHECK(st_trend_grade(x3, y3, 3, 3, 1, 0.8, &tr) == OP_OK && tr.k == 0 && tr.grade == ST_FAIL, "wrong way: FAIL");
    /* 5 points: Spearman of the means */
    double x5[] = {1, 2, 3, 4, 5}, y5[10] = {5, 6, 4, 5.5, 3, 4, 2, 3.1, 1, 2};
    CHECK(st_trend_grade(x5, y5, 5, 2, -1, 0.8, &tr) == OP_OK && !tr.use_signs && fabs(tr.rho + 1) < 1e-12 &&
              tr.grade == ST_PASS,
          "5 points: Spearman %g", tr.rho);
    double y5b[10] = {5, 6, 4, 5.5, 5.5, 4, 2, 3.1, 1, 2}; /* means 5.5, 4.75, 4.75, 2.55, 1.5 */
    CHECK(st_trend_grade(x5, y5b, 5, 2, -1, 0.99, &tr) == OP_OK && tr.grade == ST_FAIL, "rho %g < 0.99: FAIL", tr.rho);
}

/* ---- records -> table -> judge ---- */

static int fake_run(const th_run_ctx *c, const th_params *p, op_rng *r, th_metrics *o) { return OP_OK; }
static int fake_judge(const th_judge_in *in, th_verdict *v) { return OP_OK; }
static const th_check fake = {.id = "fake", .metrics = {"err"}, .run = fake_run, .judge = fake_judge};

static void test_records(void)
{
    enum { P = 4, S = 3 };
    static rec_record recs[P * S];
    int k = 0;
    for (int p = 0; p < P; p++)
        for (int s = 0; s < S; s++, k++) {
            rec_record *r = &recs[k];
            memset(r, 0, sizeof *r);
            double n = 128 << p;
            snprintf(r->key, sizeof r->key, "n=%g/seed=%d", n, s);
            r->seed_index = s;
            r->nparams = 1;
            snprintf(r->pname[0], REC_NAME, "n");
            r->pval[0] = n;
            r->nmetrics = 1;
            snprintf(r->mname[0], REC_NAME, "err");
            r->mval[0] = (1 + s) * pow(n, -0.5) * (1 + 0.01 * ((p + s) % 3));
            if (p == 2 && s == 1) {
                r->status = REC_DIVERGED;
                r->mval[0] = NAN;
            }
        }
    th_judge_in in = {&fake, NULL, 0, 0, recs, P * S};
    th_table t;
    CHECK(th_table_collect(&in, "n", 0, NULL, &t) == OP_OK && t.np == P && t.ns == S && t.nfailed_total == 1 &&
              strcmp(t.failed_key, "n=512/seed=1") == 0 && isnan(th_table_at(&t, 2, 1)) && t.nok[2] == 2,
          "table: %d x %d, failed %s", t.np, t.ns, t.failed_key);
    th_table_free(&t);
    th_verdict v;
    memset(&v, 0, sizeof v);
    st_rate r;
    CHECK(th_judge_rate_where(&in, "n", 0, NULL, -0.5, -0.6, -0.4, 0, &v, &r) == OP_OK && v.grade == ST_PASS &&
              r.nseeds == 2 && v.series[0].n == P && v.series[0].nfailed[2] == 1 && strstr(v.extra, "seeds=2"),
          "judge: grade %s, %d complete seeds, extra '%s'", st_grade_name(v.grade), r.nseeds, v.extra);
    th_verdict_cap_failed(&in, &v);
    CHECK(v.grade == ST_MARGINAL && strcmp(v.failed_run, "n=512/seed=1") == 0, "failed run: %s, names %s",
          st_grade_name(v.grade), v.failed_run);
    /* a filter that misses an axis is caught, not averaged */
    recs[1].pval[0] = recs[0].pval[0];
    recs[1].seed_index = 0;
    CHECK(th_table_collect(&in, "n", 0, NULL, &t) == OP_EINTERNAL, "two records in one cell refused");
    op_error_clear();
}

/* The D-invariance level ratio pairs rows by grid value (key), so two tables re-keyed to
 * different x (a study's parameter counts, which differ across D) still pair; tables
 * with no common grid point grade FAIL, never a vacuous PASS. */
static void test_dinv_keys(void)
{
    enum { P = 3, S = 4 };
    static rec_record recs[2 * P * S];
    int k = 0;
    for (int D = 0; D < 2; D++)
        for (int p = 0; p < P; p++)
            for (int s = 0; s < S; s++, k++) {
                rec_record *r = &recs[k];
                memset(r, 0, sizeof *r);
                double w = 4 << p;
                snprintf(r->key, sizeof r->key, "D=%d/w=%g/seed=%d", D, w, s);
                r->seed_index = s;
                r->nparams = 2;
                snprintf(r->pname[0], REC_NAME, "w");
                r->pval[0] = w;
                snprintf(r->pname[1], REC_NAME, "D");
                r->pval[1] = 16 << (2 * D);
                r->nmetrics = 1;
                snprintf(r->mname[0], REC_NAME, "err");
                r->mval[0] = (1 + 0.1 * s) / w * (1 + 0.01 * ((p + s + D) % 3)); /* ratio ~1 across D */
            }
    th_judge_in in = {&fake, NULL, 0, 0, recs, 2 * P * S};
    th_where w16[] = {{"D", NULL, 16}, {NULL, NULL, 0}}, w64[] = {{"D", NULL, 64}, {NULL, NULL, 0}};
    th_table a, b;
    CHECK(th_table_collect(&in, "w", 0, w16, &a) == OP_OK && th_table_collect(&in, "w", 0, w64, &b) == OP_OK &&
              th_table_log(&a, &in, "err") == OP_OK && th_table_log(&b, &in, "err") == OP_OK,
          "two tables");
    double xa[P], xb[P];
    for (int p = 0; p < P; p++) { /* parameter counts: different at every D */
        xa[p] = 100.0 * (p + 1) + 1;
        xb[p] = 100.0 * (p + 1) + 7;
    }
    th_dinv o;
    CHECK(th_table_rekey(&a, xa) == OP_OK && th_table_rekey(&b, xb) == OP_OK &&
              th_dinv_judge(&a, &b, &in, NAN, 0.9, 1.1, &o) == OP_OK && o.g_lr == ST_PASS &&
              (o.lr_x == xa[0] || o.lr_x == xa[1] || o.lr_x == xa[2]),
          "re-keyed tables pair by grid value: %s at x = %g", st_grade_name(o.g_lr), o.lr_x);
    CHECK(fabs(o.lr.mean) < 0.03, "paired log ratio %g", o.lr.mean);
    for (int p = 0; p < P; p++) b.key[p] += 1000; /* no common grid point */
    CHECK(th_dinv_judge(&a, &b, &in, NAN, 0.9, 1.1, &o) == OP_OK && o.g_lr == ST_FAIL,
          "no common grid point: %s (must FAIL)", st_grade_name(o.g_lr));
    th_table_free(&a);
    th_table_free(&b);
}

/* discrim's band: the control's own (its worst curve's criterion), else the main's. */
static void test_discrim_band(void)
{
    static th_result r;
    memset(&r, 0, sizeof r);
    r.has_main = 1;
    r.main.lo = -1.5; /* the main variant's worst curve: d = 2 */
    r.main.hi = -0.5;
    th_verdict cv = {0};
    cv.measured = -0.525; /* the control's worst curve: d = 1, band [-3, -1] */
    cv.se = 0.0035;
    cv.lo = -3;
    cv.hi = -1;
    double lo, hi;
    th_discrim_band(&r, &cv, &lo, &hi);
    double z = th_discrim_z(&cv, lo, hi);
    CHECK(lo == -3 && hi == -1 && z > 100, "control's own band [%g, %g], z %g (main band: %g)", lo, hi, z,
          th_discrim_z(&cv, r.main.lo, r.main.hi));
    cv.lo = cv.hi = NAN; /* a judge that sets no band: the main's */
    th_discrim_band(&r, &cv, &lo, &hi);
    CHECK(lo == -1.5 && hi == -0.5, "no own band: main's [%g, %g]", lo, hi);
    cv.lo = 1;
    cv.hi = INFINITY; /* one-sided */
    th_discrim_band(&r, &cv, &lo, &hi);
    CHECK(lo == 1 && isinf(hi), "one-sided own band kept: [%g, %g]", lo, hi);
}

/* issue 19: fits from parallel threads leave GSL's handler as st_init set it. */
static void test_handler(void)
{
    st_init();
    gsl_error_handler_t *off = gsl_set_error_handler_off(); /* the "off" handler st_init set */
    double lx[NP], ly[NP];
    grid(lx);
    for (int p = 0; p < NP; p++) ly[p] = -0.5 * lx[p] + 0.01 * (p % 2);
    int bad = 0;
#pragma omp parallel for reduction(+ : bad)
    for (int i = 0; i < 2000; i++) {
        st_fit f;
        bad += st_fit_line(lx, ly, NULL, NP, &f) != OP_OK;
    }
    gsl_error_handler_t *now = gsl_set_error_handler_off();
    CHECK(bad == 0 && now == off, "GSL handler unchanged after 2000 parallel fits");
}

/* issue 15 item 4: discrimination z of a control against the band, both band kinds. */
static void test_discrim(void)
{
    th_verdict v = {0};
    v.measured = -0.2;
    v.se = 0.05;
    CHECK(fabs(th_discrim_z(&v, -0.6, -0.4) - 4.0) < 1e-12, "z = 4 above a two-sided band");
    v.measured = -0.5;
    CHECK(fabs(th_discrim_z(&v, -0.6, -0.4) + 2.0) < 1e-12, "z = -2 inside (nearer edge 0.1 away)");
    v.measured = 0.3;
    CHECK(fabs(th_discrim_z(&v, 1, INFINITY) - 14.0) < 1e-12, "z = 14 below a one-sided band [1, inf)");
    v.measured = 1.5;
    CHECK(fabs(th_discrim_z(&v, 1, INFINITY) + 10.0) < 1e-12, "z = -10 inside [1, inf): the finite edge");
    CHECK(fabs(th_discrim_z(&v, -INFINITY, 1.2) - 6.0) < 1e-12, "z = 6 above (-inf, 1.2]");
    v.se = NAN;
    CHECK(isnan(th_discrim_z(&v, -0.6, -0.4)), "no s.e.: NaN");
    v.se = 0;
    CHECK(th_discrim_z(&v, -0.6, -0.4) == INFINITY, "s.e. 0 outside: inf");
}

int main(void)
{
    test_discrim();
    test_exact();
    test_coverage();
    test_plateau();
    test_equivalence();
    test_trend();
    test_records();
    test_dinv_keys();
    test_discrim_band();
    test_handler();
    return test_summary("test_judge");
}
