/* extrapolate-linear-rays: trained ReLU MLPs become linear along rays.
 *
 * Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, "How neural networks extrapolate",
 * ICLR 2021 (arXiv 2009.11848), Theorem 1 (Thm 3 of the submission), their R^2
 * protocol (sphere_rsquare.py in jinglingli/nn-extrapolate) and their contrast of
 * activations (tanh, quadratic, cos MLPs do not extrapolate linear targets). For a
 * two-layer ReLU MLP trained in the NTK regime, along any direction v,
 * f(x0 + h v) - f(x0) -> beta_v h as t = |x0| -> infinity, with slope error O(1/t);
 * with a linear target and training data in every direction (Thm 2), beta_v = beta.v.
 *
 * Experiment: a FINITE two-layer net WITH biases (without biases a ReLU net is
 * positively homogeneous and linearity along rays through 0 is trivially exact),
 * NTK parameterization as the engine's (weights and biases N(0,1),
 * h = W x / sqrt(d) + 0.1 b, f = a.sigma(h) / sqrt(m) + 0.1 c), width 256, full-batch
 * GD with step 1 on (1/2n) sum (f - y)^2 (= lr 0.5 on the MSE), in double precision, on
 * n = 200 points uniform (by volume) in the unit disc (d = 2). The net is written out
 * in this file because the near-miss control needs tanh, which src/nn does not have;
 * the theorem's variant and every control use this same code, so they differ only in
 * what the control changes. The model is CENTRED: g = f_theta - f_theta0 (train f on
 * y + f_theta0(x)), the lazy-training device (Chizat, Oyallon, Bach 2019): the theorem
 * is about the NTK regressor, which starts from 0, while a finite net's random initial
 * function is of the size of the target out of distribution.
 *
 * Graded (issue 15: criteria that a tanh net fails; both must PASS, the worse grade
 * is the verdict), each the mean over seeds with its t-based s.e. (kit: a 1-point
 * table, st_interval_mean):
 *  - out-of-distribution median APE, 100 * median |g - y|/|y| on 2000 points with
 *    uniform direction and radius uniform in [1, 5]: band < 5% (pilot: kernel 0.5%,
 *    finite net 1-2%); measured = this APE;
 *  - far-field slope ratio rho = sum_v dg_v s_v / sum_v s_v^2 over 100 random rays,
 *    dg_v = g(21 v) - g(20 v) (the net's slope 20 training radii out), s_v the target's
 *    (beta.v for the linear target): Thm 1 + Thm 2 say the net's asymptotic slope is
 *    the target's, rho -> 1. Band [0.9, 1.1]: a 10% slope error is 5x the pilot's APE
 *    and twice the APE band.
 * Reported, not graded (they hold for every network, issue 15: a tanh net saturates
 * into a constant, which is "linear" with a slope error that decays exponentially):
 * mean R^2 of a line along each ray at 100 points t in [1.1, 11], and the log-log
 * exponent of the slope error |dg(t) - beta_v| at t = 4 ... 128 (figure).
 *
 * Controls (same judge, must FAIL):
 *  - "tanh" (near miss, Xu et al.'s own contrast): the same net, data, initialisation
 *    and training, with sigma = tanh. Every other hypothesis holds (two layers,
 *    NTK regime, diverse support, linear target); only the activation is smooth and
 *    bounded. Predicted before its run: inside the disc the fit is as good, but each
 *    unit saturates once |h| >~ 2, i.e. beyond a few training radii, so g tends to a
 *    constant along every ray: rho ~ 0 (band [0.9, 1.1]) and the APE on radii 1..5 is
 *    tens of percent; both far outside their bands (s.e. of a few % and ~0.05).
 *  - "quadratic" (kept, not a near miss): target x^T A x (A symmetric, U(-1,1)
 *    entries, as their sample_quadratic.py). The ReLU net still linearises along rays,
 *    so it cannot follow a target whose slope grows like 2t: APE ~ 65-72%, rho ~ 0.
 * (Until issue 15 the net came from src/nn in float32 and the graded criteria were
 * mean R^2 > 0.99, exponent <= -1 and APE < 5%; the quadratic control passed the first
 * two.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"

#define LR_D 2
#define LR_NTEST 2000
#define LR_NDIR 100
#define LR_NT 100 /* points per ray for R^2 */
#define LR_NSLOPE 6
static const double lr_tslope[LR_NSLOPE] = {4, 8, 16, 32, 64, 128};
#define LR_TINF 1e6
#define LR_TFAR 20.0 /* far-field slope: g(21 v) - g(20 v) */
#define LR_BIAS 0.1  /* NTK bias multiplier (the engine's default, Jacot et al.) */

enum { M_APE, M_RHO, M_R2, M_R2MIN, M_EXP, M_TRAIN, M_SE0 }; /* M_SE0 + k: mean slope error at t_k */

typedef struct {
    int quad;
    double beta[LR_D], A[LR_D * LR_D];
} lr_target;

static double target(const lr_target *t, const double *x)
{
    double s = 0;
    if (!t->quad) {
        for (int k = 0; k < LR_D; k++) s += t->beta[k] * x[k];
        return s;
    }
    for (int i = 0; i < LR_D; i++)
        for (int j = 0; j < LR_D; j++) s += x[i] * t->A[i * LR_D + j] * x[j];
    return s;
}

/* Two-layer NTK-parameterized net: W (m x d), b (m), a (m), c. */
typedef struct {
    int m, tanh_act;
    double *W, *b, *a, c;
} lr_net;

static double act(const lr_net *nt, double h) { return nt->tanh_act ? tanh(h) : (h > 0 ? h : 0); }
static double act_grad(const lr_net *nt, double h, double z)
{
    return nt->tanh_act ? 1 - z * z : (h > 0 ? 1 : 0);
}

static double net_eval(const lr_net *nt, const double *x)
{
    double s = 0;
    for (int j = 0; j < nt->m; j++) {
        double h = LR_BIAS * nt->b[j];
        for (int k = 0; k < LR_D; k++) h += nt->W[j * LR_D + k] * x[k] / sqrt((double)LR_D);
        s += nt->a[j] * act(nt, h);
    }
    return s / sqrt((double)nt->m) + LR_BIAS * nt->c;
}

/* g = f - f0 at n points */
static void centred(const lr_net *f, const lr_net *f0, const double *x, long n, double *out)
{
    for (long i = 0; i < n; i++) out[i] = net_eval(f, x + i * LR_D) - net_eval(f0, x + i * LR_D);
}

/* Full-batch GD, step 1 on (1/2n) sum (f(x_i) - y_i)^2. H, Z: n x m work. Returns the
 * final mean squared residual (non-finite on divergence). */
static double net_train(lr_net *nt, const double *X, const double *y, int n, long steps, double *H, double *Z,
                        double *r)
{
    const int m = nt->m;
    const double sm = 1 / sqrt((double)m), sd = 1 / sqrt((double)LR_D);
    double *gW = malloc(sizeof(double) * (size_t)m * LR_D), *gb = malloc(sizeof(double) * m);
    double *ga = malloc(sizeof(double) * m), loss = NAN;
    if (!gW || !gb || !ga) {
        free(gW), free(gb), free(ga);
        return NAN;
    }
    for (long t = 0; t <= steps; t++) {
        loss = 0;
        for (int i = 0; i < n; i++) {
            const double *x = X + (size_t)i * LR_D;
            double s = 0;
            for (int j = 0; j < m; j++) {
                double h = LR_BIAS * nt->b[j];
                for (int k = 0; k < LR_D; k++) h += nt->W[j * LR_D + k] * x[k] * sd;
                double z = act(nt, h);
                H[(size_t)i * m + j] = h;
                Z[(size_t)i * m + j] = z;
                s += nt->a[j] * z;
            }
            r[i] = s * sm + LR_BIAS * nt->c - y[i];
            loss += r[i] * r[i];
        }
        loss /= n;
        if (!isfinite(loss) || t == steps) break;
        memset(gW, 0, sizeof(double) * (size_t)m * LR_D);
        memset(gb, 0, sizeof(double) * m);
        memset(ga, 0, sizeof(double) * m);
        double gc = 0;
        for (int i = 0; i < n; i++) {
            const double *x = X + (size_t)i * LR_D, ri = r[i] / n;
            gc += ri * LR_BIAS;
            for (int j = 0; j < m; j++) {
                double z = Z[(size_t)i * m + j], dh = ri * nt->a[j] * sm * act_grad(nt, H[(size_t)i * m + j], z);
                ga[j] += ri * z * sm;
                gb[j] += dh * LR_BIAS;
                for (int k = 0; k < LR_D; k++) gW[j * LR_D + k] += dh * x[k] * sd;
            }
        }
        for (int j = 0; j < m; j++) {
            nt->a[j] -= ga[j];
            nt->b[j] -= gb[j];
            for (int k = 0; k < LR_D; k++) nt->W[j * LR_D + k] -= gW[j * LR_D + k];
        }
        nt->c -= gc;
    }
    free(gW), free(gb), free(ga);
    return loss;
}

static int lr_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int n = (int)th_get(p, "n"), m = (int)th_get(p, "width");
    long steps = (long)th_get(p, "steps");
    const int d = LR_D, nbig = LR_NTEST > LR_NDIR * LR_NT ? LR_NTEST : LR_NDIR * LR_NT;
    lr_target tg = {0};
    tg.quad = ctx->control && strcmp(ctx->control, "quadratic") == 0;
    int tanh_act = ctx->control && strcmp(ctx->control, "tanh") == 0;
    double *X = op_malloc(sizeof(double) * (size_t)n * d), *y = op_malloc(sizeof(double) * n);
    double *T = op_malloc(sizeof(double) * (size_t)nbig * d), *g = op_malloc(sizeof(double) * nbig);
    double *tmp = op_malloc(sizeof(double) * nbig), *work = op_malloc(sizeof(double) * nbig);
    double *dirs = op_malloc(sizeof(double) * LR_NDIR * d);
    double *par = op_malloc(sizeof(double) * 2 * (size_t)m * (d + 2));
    double *H = op_malloc(sizeof(double) * (size_t)n * m), *Z = op_malloc(sizeof(double) * (size_t)n * m);
    int st = OP_OK;
    if (!X || !y || !T || !g || !tmp || !work || !dirs || !par || !H || !Z) {
        st = OP_ENOMEM;
        goto done;
    }
    op_rng data;
    op_rng_seed(&data, ctx->data_seed);
    op_rng_unit_vector(&data, d, tg.beta); /* |beta| = 1 */
    for (int i = 0; i < d; i++)
        for (int j = 0; j <= i; j++) tg.A[i * d + j] = tg.A[j * d + i] = 2 * op_rng_uniform(&data) - 1;
    for (int i = 0; i < n; i++) {
        double *x = X + (size_t)i * d;
        op_rng_unit_vector(&data, d, x);
        double r = pow(op_rng_uniform_pos(&data), 1.0 / d);
        for (int k = 0; k < d; k++) x[k] *= r;
    }
    for (int j = 0; j < LR_NDIR; j++) op_rng_unit_vector(&data, d, dirs + j * d);

    /* the same initial parameters for every variant of this seed (rng is the run's) */
    lr_net f = {m, tanh_act, par, par + (size_t)m * d, par + (size_t)m * (d + 1), 0};
    double *p0 = par + (size_t)m * (d + 2);
    for (size_t i = 0; i < (size_t)m * (d + 2); i++) par[i] = op_rng_normal(rng);
    f.c = op_rng_normal(rng);
    memcpy(p0, par, sizeof(double) * (size_t)m * (d + 2));
    lr_net f0 = {m, tanh_act, p0, p0 + (size_t)m * d, p0 + (size_t)m * (d + 1), f.c};
    /* shifted targets: train f on y + f0(x) so that g = f - f0 fits y */
    for (int i = 0; i < n; i++) y[i] = target(&tg, X + (size_t)i * d) + net_eval(&f0, X + (size_t)i * d);
    double loss = net_train(&f, X, y, n, steps, H, Z, tmp);
    if (!isfinite(loss)) {
        st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "extrapolate-linear-rays: GD diverged");
        goto done;
    }
    /* training MSE of g (relative to the target's mean square) */
    centred(&f, &f0, X, n, g);
    double se = 0, sy = 0;
    for (int i = 0; i < n; i++) {
        double t = target(&tg, X + (size_t)i * d);
        se += (g[i] - t) * (g[i] - t);
        sy += t * t;
    }
    out->v[M_TRAIN] = se / sy;

    /* OOD APE */
    for (int i = 0; i < LR_NTEST; i++) {
        double *x = T + (size_t)i * d, r = 1 + 4 * op_rng_uniform(&data);
        op_rng_unit_vector(&data, d, x);
        for (int k = 0; k < d; k++) x[k] *= r;
    }
    centred(&f, &f0, T, LR_NTEST, g);
    int na = 0;
    for (int i = 0; i < LR_NTEST; i++) {
        double t = target(&tg, T + (size_t)i * d);
        if (t != 0) work[na++] = fabs(g[i] - t) / fabs(t);
    }
    out->v[M_APE] = 100 * st_median(work, na, tmp);

    /* R^2 along rays (reported) */
    for (int j = 0; j < LR_NDIR; j++)
        for (int q = 0; q < LR_NT; q++) {
            double t = 1.1 + 10.0 * q / (LR_NT - 1);
            for (int k = 0; k < d; k++) T[(size_t)(j * LR_NT + q) * d + k] = t * dirs[j * d + k];
        }
    centred(&f, &f0, T, LR_NDIR * LR_NT, g);
    double r2sum = 0, r2min = INFINITY;
    for (int j = 0; j < LR_NDIR; j++) {
        double mt = 0, mg = 0;
        for (int q = 0; q < LR_NT; q++) {
            mt += 1.1 + 10.0 * q / (LR_NT - 1);
            mg += g[j * LR_NT + q];
        }
        mt /= LR_NT;
        mg /= LR_NT;
        double stt = 0, stg = 0, sgg = 0;
        for (int q = 0; q < LR_NT; q++) {
            double dt = 1.1 + 10.0 * q / (LR_NT - 1) - mt, dg = g[j * LR_NT + q] - mg;
            stt += dt * dt;
            stg += dt * dg;
            sgg += dg * dg;
        }
        double r2 = sgg > 0 ? stg * stg / (stt * sgg) : 1.0;
        r2sum += r2;
        if (r2 < r2min) r2min = r2;
    }
    out->v[M_R2] = r2sum / LR_NDIR;
    out->v[M_R2MIN] = r2min;

    /* slope errors: points t v, (t+1) v for each t, the asymptotic slope at 1e6, and
     * the far-field pair at 20, 21 */
    const int per = 2 * LR_NSLOPE + 4;
    for (int j = 0; j < LR_NDIR; j++) {
        double *b = T + (size_t)j * per * d;
        for (int a = 0; a < LR_NSLOPE; a++)
            for (int k = 0; k < d; k++) {
                b[(2 * a) * d + k] = lr_tslope[a] * dirs[j * d + k];
                b[(2 * a + 1) * d + k] = (lr_tslope[a] + 1) * dirs[j * d + k];
            }
        for (int k = 0; k < d; k++) {
            b[(2 * LR_NSLOPE) * d + k] = LR_TINF * dirs[j * d + k];
            b[(2 * LR_NSLOPE + 1) * d + k] = (LR_TINF + 1) * dirs[j * d + k];
            b[(2 * LR_NSLOPE + 2) * d + k] = LR_TFAR * dirs[j * d + k];
            b[(2 * LR_NSLOPE + 3) * d + k] = (LR_TFAR + 1) * dirs[j * d + k];
        }
    }
    centred(&f, &f0, T, (long)LR_NDIR * per, g);
    double serr[LR_NSLOPE] = {0}, num = 0, den = 0;
    for (int j = 0; j < LR_NDIR; j++) {
        const double *b = g + (size_t)j * per;
        double binf = b[2 * LR_NSLOPE + 1] - b[2 * LR_NSLOPE]; /* exact for ReLU: linear past the last kink */
        for (int a = 0; a < LR_NSLOPE; a++) serr[a] += fabs(b[2 * a + 1] - b[2 * a] - binf) / LR_NDIR;
        double x20[LR_D], x21[LR_D];
        for (int k = 0; k < d; k++) {
            x20[k] = LR_TFAR * dirs[j * d + k];
            x21[k] = (LR_TFAR + 1) * dirs[j * d + k];
        }
        double s = target(&tg, x21) - target(&tg, x20), dg = b[2 * LR_NSLOPE + 3] - b[2 * LR_NSLOPE + 2];
        num += dg * s;
        den += s * s;
    }
    out->v[M_RHO] = den > 0 ? num / den : NAN;
    double lx[LR_NSLOPE], ly[LR_NSLOPE];
    int nf = 0;
    for (int a = 0; a < LR_NSLOPE; a++) {
        out->v[M_SE0 + a] = serr[a];
        if (serr[a] > 0) {
            lx[nf] = lr_tslope[a];
            ly[nf++] = log(serr[a]);
        }
    }
    st_fit fit;
    out->v[M_EXP] = nf >= 3 && st_fit_loglog(lx, ly, NULL, nf, &fit) == OP_OK ? fit.slope : NAN;
    if (!isfinite(out->v[M_APE]) || !isfinite(out->v[M_RHO]))
        st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite predictions");
done:
    free(X);
    free(y);
    free(T);
    free(g);
    free(tmp);
    free(work);
    free(dirs);
    free(par);
    free(H);
    free(Z);
    return st;
}

/* Mean over seeds of one metric (a 1-point table over n) with its 90 % t interval. */
static int seed_mean(const th_judge_in *in, int metric, st_interval *ci, int *nfailed)
{
    th_table t;
    OP_TRY(th_table_collect(in, "n", metric, NULL, &t));
    double vals[1024];
    int c = t.np == 1 && t.ns <= 1024 ? th_table_row(&t, 0, vals) : 0;
    if (nfailed) *nfailed = t.nfailed_total;
    th_table_free(&t);
    if (c)
        st_interval_mean(vals, c, ci);
    else
        st_interval_make(NAN, NAN, 0, ci);
    return OP_OK;
}

#define LR_APE_MAX 5.0
#define LR_RHO_LO 0.9
#define LR_RHO_HI 1.1

static int lr_judge(const th_judge_in *in, th_verdict *v)
{
    st_interval ape, rho, r2, ex;
    int nfail = 0;
    OP_TRY(seed_mean(in, M_APE, &ape, &nfail));
    OP_TRY(seed_mean(in, M_RHO, &rho, NULL));
    OP_TRY(seed_mean(in, M_R2, &r2, NULL));
    OP_TRY(seed_mean(in, M_EXP, &ex, NULL));
    /* the slope-error curve (figure, reported): geometric mean over seeds per t */
    th_series *s = &v->series[0];
    memset(s, 0, sizeof *s);
    v->nseries = 1;
    snprintf(s->name, sizeof s->name, "%s", !in->control ? "ReLU, linear target" : in->control);
    int m = 0;
    for (int a = 0; a < LR_NSLOPE; a++) {
        th_table t;
        OP_TRY(th_table_collect(in, "n", M_SE0 + a, NULL, &t));
        double vals[1024];
        int c = t.np == 1 && t.ns <= 1024 ? th_table_row(&t, 0, vals) : 0, k = 0;
        th_table_free(&t);
        for (int i = 0; i < c; i++)
            if (vals[i] > 0) vals[k++] = vals[i];
        if (!k) continue;
        double mu, se;
        st_mean_log_se(vals, k, &mu, &se);
        s->x[m] = lr_tslope[a];
        s->y[m] = exp(mu);
        s->ylo[m] = exp(mu - se);
        s->yhi[m] = exp(mu + se);
        s->nok[m] = k;
        m++;
    }
    s->n = m;
    for (int i = 0; i < m; i++) { /* the O(1/t) bound through the curve's first point */
        s->fit[i] = NAN;
        s->pred[i] = s->y[0] * s->x[0] / s->x[i];
    }
    snprintf(s->pred_title, sizeof s->pred_title, "O(1/t) (Thm 1 bound)");
    v->measured = ape.mean;
    v->se = ape.se;
    v->predicted = LR_APE_MAX;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<5%%");
    v->lo = -INFINITY;
    v->hi = LR_APE_MAX;
    st_grade_t g_ape = st_grade(ape.mean, ape.se, -INFINITY, LR_APE_MAX);
    st_grade_t g_rho = st_grade(rho.mean, rho.se, LR_RHO_LO, LR_RHO_HI);
    v->grade = st_grade_worst(g_ape, g_rho);
    if (nfail) v->grade = st_grade_worst(v->grade, ST_MARGINAL); /* also the framework's rule (main variant) */
    snprintf(v->extra, sizeof v->extra,
             "quantity=OOD_median_APE%% ape:%s far_slope_ratio=%.3f±%.3f(in [%.1f,%.1f]:%s) seeds=%d "
             "reported: r2_mean=%.5f slope_err_exponent=%.2f±%.2f",
             st_grade_name(g_ape), rho.mean, rho.se, LR_RHO_LO, LR_RHO_HI, st_grade_name(g_rho), ape.n, r2.mean,
             ex.mean, ex.se);
    snprintf(v->note, sizeof v->note, "APE %.3g%%, far slope ratio %.3f, mean R^2 %.5f", ape.mean, rho.mean, r2.mean);
    return OP_OK;
}

const th_check th_extrapolate_linear_rays = {
    .id = "extrapolate-linear-rays",
    .graded = "OOD (1<|x|<5) median APE in %, mean over seeds",
    .cite = {"xu2021how"},
    .citation = "Xu, Zhang, Li, Du, Kawarabayashi, Jegelka, How neural networks extrapolate, ICLR 2021 "
                "(arXiv 2009.11848), Theorem 1 (Thm 3 of the submission), R^2 protocol of sphere_rsquare.py, "
                "Fig. 4a and the activation contrast (tanh)",
    .claim = "A two-layer ReLU MLP with biases trained by GD becomes linear along every ray out of the training "
             "region, with the target's slope for a linear target; a tanh net does not.",
    .prediction = "OOD (1<|x|<5) median APE < 5% and far-field (t = 20) slope ratio net/target in [0.9, 1.1] for "
                  "a linear target",
    .band_source = "THEOREMS.md (APE < 5%; kernel pilot 0.5%, finite net 1-2%); slope ratio: Thm 1 + Thm 2 give "
                   "1, band +-10% (twice the APE band)",
    .metrics = {"ood_ape", "far_slope_ratio", "r2_mean", "r2_min", "slope_err_exp", "train_rel_mse", "slope_err_0",
                "slope_err_1", "slope_err_2", "slope_err_3", "slope_err_4", "slope_err_5"},
    .quick = {.axes = {{"n", 1, {200}}, {"width", 1, {256}}, {"steps", 1, {4000}}}, .seeds = 4},
    .full = {.axes = {{"n", 1, {200}}, {"width", 1, {256}}, {"steps", 1, {20000}}}, .seeds = 10},
    .controls = {{"tanh", "near miss (Xu et al.'s contrast): the same net with tanh units; they saturate, so the net "
                          "tends to a constant along rays and misses the linear target's slope",
                  1},
                 {"quadratic", "quadratic target x^T A x: the net still linearises along rays, so it cannot "
                               "follow the target out of distribution"}},
    .figures = {{"slope-error", "Xu et al. Thm 1: slope error along rays of a trained net (centred, biases)",
                 "distance t along the ray (training radius 1)",
                 "mean over rays of |slope(t) - asymptotic slope|", 1, 1, 0, NULL}},
    .run = lr_run,
    .judge = lr_judge,
};
