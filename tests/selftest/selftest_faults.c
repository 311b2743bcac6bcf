/* selftest-diverge and selftest-slow: TEST-ONLY checks (overparam-selftest) for the fault
 * tests (tests/faults_*.sh), millisecond runs with no training.
 *
 * selftest-diverge: err = n^(-1/2) x log-normal noise (a known rate, -1/2), except
 * that run n=256/seed=0 returns NaN and run n=1024/seed=1 returns +Inf: both must
 * be reported with their key, recorded as "diverged", counted in failed_runs and
 * left out of the averages (summary.csv n_ok/n_failed), while the verdict still
 * PASSes on the remaining runs.
 *
 * selftest-slow: the same rate, but every run sleeps 20 ms first, so a test can
 * kill the sweep at random moments (during a run, a record write, the judging)
 * and check the restart. */
#include <math.h>
#include <time.h>

#include "theorems/check.h"
#include "core/op_error.h"

static double sf_err(const th_params *p, op_rng *rng)
{
    return pow(th_get(p, "n"), -0.5) * exp(0.1 * op_rng_normal(rng));
}

static int sf_diverge_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    double n = th_get(p, "n");
    out->v[0] = sf_err(p, rng);
    if (n == 256 && p->seed_index == 0) {
        out->v[0] = NAN;
        OP_ERROR(OP_EDIVERGE, "synthetic NaN loss (selftest)");
    }
    if (n == 1024 && p->seed_index == 1) out->v[0] = INFINITY; /* caught by the sweep's isfinite */
    return OP_OK;
}

static int sf_slow_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
    out->v[0] = sf_err(p, rng);
    return OP_OK;
}

static int sf_judge(const th_judge_in *in, th_verdict *v)
{
    return th_judge_rate(in, "n", 0, -0.5, -0.6, -0.4, 0, v);
}

const th_check th_selftest_diverge = {
    .id = "selftest-diverge",
    .graded = "slope of log err vs log n",
    .citation = "synthetic (test-only): error = n^(-1/2) x noise, two runs diverge",
    .claim = "diverged runs are reported, counted as failed and never averaged (tests only)",
    .prediction = "slope -1/2",
    .band_source = "construction: the true slope; band +-0.1",
    .metrics = {"err"},
    .quick = {.axes = {{"n", 6, {64, 128, 256, 512, 1024, 2048}}}, .seeds = 6},
    .full = {.axes = {{"n", 6, {64, 128, 256, 512, 1024, 2048}}}, .seeds = 6},
    .figures = {{"rate", "selftest: diverging runs", "n", "error", 1, 1, 0, NULL}},
    .run = sf_diverge_run,
    .judge = sf_judge,
};

const th_check th_selftest_slow = {
    .id = "selftest-slow",
    .graded = "slope of log err vs log n",
    .citation = "synthetic (test-only): error = n^(-1/2) x noise, 20 ms per run",
    .claim = "a sweep killed at any moment resumes to the same verdict (tests only)",
    .prediction = "slope -1/2",
    .band_source = "construction: the true slope; band +-0.1",
    .metrics = {"err"},
    .quick = {.axes = {{"n", 8, {64, 128, 256, 512, 1024, 2048, 4096, 8192}}}, .seeds = 8},
    .full = {.axes = {{"n", 8, {64, 128, 256, 512, 1024, 2048, 4096, 8192}}}, .seeds = 8},
    .figures = {{"rate", "selftest: slow runs", "n", "error", 1, 1, 0, NULL}},
    .run = sf_slow_run,
    .judge = sf_judge,
};
