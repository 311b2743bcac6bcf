/* width-independence: generalization of a wide two-layer net barely depends on width.
 *
 * Allen-Zhu, Li, Liang, "Learning and generalization in overparameterized neural
 * networks, going beyond two layers", NeurIPS 2019 (arXiv 1811.04918). Verified: the
 * abstract (sample complexity "almost independent" of the number of parameters); the
 * concept class and theorem constants are from memory [M] (research notes section 4),
 * and the experiment below is the notes' derived check, NOT a reproduction of a figure
 * of theirs (their experimental section was not re-read).
 *
 * Experiment: d = 10, x ~ N(0, I_d); target F*(x) = sum_{i<=3} sin(w1_i.x) (w2_i.x),
 * |w| = 1 (random directions from the seed index's data stream), centred and scaled to
 * unit variance over the 2500 drawn points; n = 500 training points and a common test
 * set of 2000 (both from data_seed, shared by every width). Learner: two-layer ReLU MLP
 * with biases, width m, STANDARD parameterization (PyTorch default init,
 * U(+-1/sqrt(fan_in))), f32, Adam lr 3e-3 with cosine decay to 1%, full batch, 300
 * steps, no weight decay. Why standard + Adam: it is how such nets are trained in
 * practice (and in the paper's experiments, with SGD); under NTK parameterization
 * with GD the large-m limit is kernel regression and width independence would be a
 * statement about the NTK limit instead. "To convergence": the training MSE ends at
 * <= ~1e-2 for every width (pilot, data draw 1: 0.004 / 0.0006 / 0.006 at m = 256 /
 * 1024 / 4096) while the test MSE is ~0.09, i.e. the test error is not budget-limited.
 * Metric: test MSE (unit-variance target, so it is the fraction of unexplained
 * variance).
 *
 * Prediction (THEOREMS.md): |slope of the test MSE per decade of m| <= 0.1 for
 * m >= 256. READING (decided after a first run, stated here and in the report): the
 * slope is the LOG-LOG one, d log10(test MSE) / d log10(m), i.e. test MSE ~ m^s with
 * |s| <= 0.1 (at most ~26% change per decade of width). This follows the project's
 * rule for rates (fit the mean over seeds of log(error)) and is scale-free. The first
 * draft used the absolute slope of the MSE per decade; for a net at MSE ~0.1 that
 * band is loose (it allows the error to double per decade) and the last-layer-only
 * control, whose error falls 0.30 -> 0.115 for m 256 -> 4096, came out -0.12 to -0.14
 * +- 0.02-0.03 per decade: MARGINAL for base seed 3. On the log-log scale the same
 * numbers are an exponent of about -0.35, far outside the band.
 * Judge (issue 15, through the kit): the table of log test MSE over widths >= 256 x
 * seeds; the exponent is the mean of the per-seed log-log slopes (paired: each seed's
 * widths share one data draw, so the 0.09-0.16 draw-to-draw level spread cancels) with
 * its t-based 90 % interval. Width independence is an invariance claim, so it is graded
 * as an equivalence test (TOST): PASS only if the whole 90 % interval lies in
 * [-0.1, 0.1], FAIL if it lies wholly outside, MARGINAL otherwise (no one-s.e.
 * leniency). Plus the level criterion (fixed in the brief, before the runs): the mean
 * test MSE at the largest width < 0.5 Var(y_test), i.e. the net actually learns the
 * target (else FAIL) -- width independence of a net that learns nothing would be
 * vacuous. The absolute slope per decade is reported. Quick preset: 4 seeds (with 3,
 * t = 2.92 for 2 dof would make the TOST interval 1.24x wider than with 4; decided
 * with the TOST, before its first run).
 * Pilot (data draw 1, one init): test MSE 0.091 / 0.091 / 0.097 at m = 256 / 1024 / 4096.
 *
 * Control (must FAIL under the same judge):
 *  "last-layer-only" (near miss, Allen-Zhu-Li-Liang's contrast between a trained
 *    network and random features / the NTK): everything as in the main variant except
 *    that the first layer stays at its random init -- the one hypothesis the result
 *    rests on (the first layer learns features, going beyond the kernel regime) is
 *    removed. Only the output layer (weights + bias) is trained to convergence, computed
 *    exactly: gradient descent on the output layer from its init converges to the init
 *    plus the minimum-norm least-squares correction, f = f0 + Phi Phi^T (K + jitter)^-1
 *    (y - f0), K = Phi Phi^T over the training features Phi = [relu(W1 x + b1), 1]
 *    (jitter 1e-8 * mean diag K, numerical only). A random-features model lags the
 *    trained network provably at finite width: its error approaches the
 *    random-features kernel limit from above with an O(1/m) excess (the features'
 *    Monte-Carlo variance), so it is NOT width independent. Measured before issue 15
 *    (quick, base seed 0): test MSE 0.30 / 0.18 / 0.115 at m = 256 / 1024 / 4096 --
 *    3x worse than the full net at m = 256 -- an exponent of about -0.35 (s.e. ~0.02),
 *    i.e. > 10 s.e. below the band: the TOST FAILs. The level criterion passes
 *    (0.115 < 0.5): at n = 500 the m -> infinity random-features kernel learns this
 *    target about as well as the trained net; the lag is in the width.
 *    Full preset (issue 15 run, base seed 0): exponent -0.749 +- 0.012, but chi^2/dof
 *    780: the full grid's m = 512 sits at the random-features interpolation threshold
 *    (m ~ n = 500), where the minimum-norm solution's test error peaks (double descent),
 *    so that exponent is not a power law; the TOST FAILs either way (the quick grid,
 *    256 / 1024 / 4096, stays clear of the peak). Not changed here: a full grid without
 *    m = 512 would change the main variant's preset too.
 *  The former "random-labels" control (permuted training labels) was removed (issue
 *    15): its test MSE >= Var(y) holds by construction, so it showed nothing. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "kernel/kernel.h"
#include "nn/nn.h"

#define WI_D 10
#define WI_N 500
#define WI_NT 2000
#define WI_LR 3e-3
#define WI_STEPS 300
#define WI_FLAT 0.1  /* |slope per decade| band */
#define WI_MFIT 256  /* the slope is fitted over widths >= this */
#define WI_LEVEL 0.5 /* test MSE < WI_LEVEL * Var(y_test) at the largest width */

enum { M_TEST, M_TRAIN, M_VARY };

typedef struct {
    double *X, *y; /* (WI_N + WI_NT) x WI_D and targets: training points first */
    double var_test;
} wi_data;

static double wi_target(const double w[6][WI_D], const double *x)
{
    double s = 0;
    for (int i = 0; i < 3; i++) {
        double a = 0, b = 0;
        for (int j = 0; j < WI_D; j++) {
            a += w[2 * i][j] * x[j];
            b += w[2 * i + 1][j] * x[j];
        }
        s += sin(a) * b;
    }
    return s;
}

/* Directions, points and normalised targets from the seed index's data stream;
 * with `permute` the training labels are shuffled afterwards (random-labels). */
static int wi_data_make(uint64_t data_seed, int permute, wi_data *dt)
{
    int N = WI_N + WI_NT;
    dt->X = op_malloc(sizeof(double) * (size_t)N * WI_D);
    dt->y = op_malloc(sizeof(double) * (size_t)N);
    if (!dt->X || !dt->y) return OP_ENOMEM;
    op_rng data;
    op_rng_seed(&data, data_seed);
    double w[6][WI_D];
    for (int i = 0; i < 6; i++) {
        double nb = 0;
        for (int j = 0; j < WI_D; j++) {
            w[i][j] = op_rng_normal(&data);
            nb += w[i][j] * w[i][j];
        }
        for (int j = 0; j < WI_D; j++) w[i][j] /= sqrt(nb);
    }
    for (size_t i = 0; i < (size_t)N * WI_D; i++) dt->X[i] = op_rng_normal(&data);
    double mu = 0, var = 0;
    for (int i = 0; i < N; i++) {
        dt->y[i] = wi_target(w, dt->X + (size_t)i * WI_D);
        mu += dt->y[i];
    }
    mu /= N;
    for (int i = 0; i < N; i++) var += (dt->y[i] - mu) * (dt->y[i] - mu);
    var /= N;
    for (int i = 0; i < N; i++) dt->y[i] = (dt->y[i] - mu) / sqrt(var);
    double mt = 0, vt = 0;
    for (int i = WI_N; i < N; i++) mt += dt->y[i];
    mt /= WI_NT;
    for (int i = WI_N; i < N; i++) vt += (dt->y[i] - mt) * (dt->y[i] - mt);
    dt->var_test = vt / WI_NT;
    if (permute) /* drawn after everything else: the points and targets are the same */
        for (int i = WI_N - 1; i > 0; i--) {
            int j = (int)op_rng_below(&data, (uint64_t)i + 1);
            double t = dt->y[i];
            dt->y[i] = dt->y[j];
            dt->y[j] = t;
        }
    return OP_OK;
}

/* Last-layer-only: output layer trained to convergence from its init (header).
 * pred receives the predictions on all WI_N + WI_NT points. */
static int wi_last_layer(nn_model *net, const wi_data *dt, double *pred)
{
    int N = WI_N + WI_NT, m = net->cfg.width, p = m + 1;
    const nn_tensor *tw = nn_model_tensor(net, "layers.0.weight"), *tb = nn_model_tensor(net, "layers.0.bias");
    if (!tw || !tb) OP_ERROR(OP_EINTERNAL, "width-independence: MLP tensors not found");
    double *th = op_malloc(sizeof(double) * net->nparams), *Phi = op_malloc(sizeof(double) * (size_t)N * p);
    double *K = op_malloc(sizeof(double) * (size_t)N * WI_N), *r = op_malloc(sizeof(double) * WI_N);
    double *alpha = op_malloc(sizeof(double) * WI_N), *corr = op_malloc(sizeof(double) * WI_NT);
    int st = th && Phi && K && r && alpha && corr ? OP_OK : OP_ENOMEM;
    if (!st) st = nn_predict(net, dt->X, N, pred); /* f0: the untrained output layer */
    if (!st) {
        nn_params_get(net, th);
        const double *W = th + tw->offset, *b = th + tb->offset;
        for (int i = 0; i < N; i++) {
            const double *x = dt->X + (size_t)i * WI_D;
            double *ph = Phi + (size_t)i * p;
            for (int j = 0; j < m; j++) {
                double u = 0;
                for (int k = 0; k < WI_D; k++) u += W[(size_t)j * WI_D + k] * x[k];
                u = u * tw->fwd_scale + b[j] * tb->fwd_scale;
                ph[j] = u > 0 ? u : 0;
            }
            ph[m] = 1; /* the output bias */
        }
        /* K = Phi Phi_train^T for all points (rows 0..WI_N-1: the training Gram) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, WI_N, p, 1.0, Phi, p, Phi, p, 0.0, K, WI_N);
        double tr = 0;
        for (int i = 0; i < WI_N; i++) {
            tr += K[(size_t)i * WI_N + i];
            r[i] = dt->y[i] - pred[i];
        }
        st = kn_krr_fit(K, WI_N, r, 1e-8 * tr / WI_N, alpha, NULL);
    }
    if (!st) {
        kn_krr_predict(K, WI_N, WI_N, alpha, corr);
        for (int i = 0; i < WI_N; i++) pred[i] += corr[i];
        kn_krr_predict(K + (size_t)WI_N * WI_N, WI_NT, WI_N, alpha, corr);
        for (int i = 0; i < WI_NT; i++) pred[WI_N + i] += corr[i];
    }
    free(th);
    free(Phi);
    free(K);
    free(r);
    free(alpha);
    free(corr);
    return st;
}

static double wi_mse(const double *f, const double *y, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (f[i] - y[i]) * (f[i] - y[i]);
    return s / n;
}

static int wi_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int m = (int)th_get(p, "m");
    int last = ctx->control && strcmp(ctx->control, "last-layer-only") == 0;
    wi_data dt = {0};
    nn_model *net = NULL;
    double *pred = NULL;
    int st = wi_data_make(ctx->data_seed, 0, &dt);
    if (!st) {
        nn_config cfg = nn_config_mlp(WI_D, 1, m, 1, NN_PARAM_STANDARD);
        st = nn_model_create(&cfg, NN_F32, WI_N, &net);
    }
    if (!st) {
        nn_model_init(net, rng);
        pred = op_malloc(sizeof(double) * (WI_N + WI_NT));
        if (!pred) st = OP_ENOMEM;
    }
    if (!st && last) {
        st = wi_last_layer(net, &dt, pred);
    } else if (!st) {
        nn_dataset tr = {WI_N, WI_D, 1, dt.X, dt.y};
        nn_train_opts o;
        nn_train_opts_default(&o);
        o.loss = NN_LOSS_MSE;
        o.opt = NN_OPT_ADAM;
        o.lr = WI_LR;
        o.cosine = 1;
        o.lr_min_frac = 0.01;
        o.batch = WI_N; /* full batch */
        o.epochs = WI_STEPS;
        o.max_steps = WI_STEPS;
        o.keep_best = 0;
        o.seed = ctx->seed;
        nn_train_result res;
        st = nn_train(net, &tr, NULL, &o, &res);
        if (!st) st = nn_predict(net, dt.X, WI_N + WI_NT, pred);
    }
    if (!st) {
        out->v[M_TRAIN] = wi_mse(pred, dt.y, WI_N);
        out->v[M_TEST] = wi_mse(pred + WI_N, dt.y + WI_N, WI_NT);
        out->v[M_VARY] = dt.var_test;
        if (!isfinite(out->v[M_TEST]) || !isfinite(out->v[M_TRAIN]))
            st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "width-independence: non-finite MSE at m=%d", m);
    }
    nn_model_free(net);
    free(pred);
    free(dt.X);
    free(dt.y);
    return st;
}

/* The rows of t with x >= xmin, as a new table (rows, not records). */
static int table_from(const th_table *t, double xmin, th_table *out)
{
    *out = *t;
    out->np = 0;
    out->y = op_malloc(((size_t)t->np * t->ns + 1) * sizeof *out->y);
    if (!out->y) return OP_ENOMEM;
    for (int p = 0; p < t->np; p++) {
        if (!(t->x[p] >= xmin)) continue;
        int q = out->np++;
        out->x[q] = t->x[p];
        out->key[q] = t->key[p];
        out->nok[q] = t->nok[p];
        out->nfailed[q] = t->nfailed[p];
        memcpy(out->y + (size_t)q * t->ns, t->y + (size_t)p * t->ns, (size_t)t->ns * sizeof *out->y);
    }
    return OP_OK;
}

static int wi_judge(const th_judge_in *in, th_verdict *v)
{
    const char *lab = !in->control ? "full net (Adam)" : in->control;
    th_table t, tf, tv, tt;
    OP_TRY(th_table_collect(in, "m", M_TEST, NULL, &t));
    /* level criterion at the largest width: mean test MSE against the test-label variance */
    double mse[TH_MAX_POINTS], vy[TH_MAX_POINTS];
    th_table_means(&t, mse);
    int st = th_table_log(&t, in, "test_mse");
    if (!st) st = table_from(&t, WI_MFIT, &tf);
    if (st) {
        th_table_free(&t);
        return st;
    }
    th_series *s = &v->series[0];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", lab);
    th_table_series(&t, 1, s);
    th_table_free(&t);
    st_rate r;
    memset(&r, 0, sizeof r);
    st = tf.np >= 3 ? th_table_rate(&tf, in, 0, &r, NULL) : OP_OK;
    int nf = tf.np;
    th_table_free(&tf);
    OP_TRY(st);
    OP_TRY(th_table_collect(in, "m", M_VARY, NULL, &tv));
    th_table_means(&tv, vy);
    int last = tv.np - 1;
    th_table_free(&tv);
    th_series *s1 = &v->series[1];
    memset(s1, 0, sizeof *s1);
    snprintf(s1->name, sizeof s1->name, "%s: train", lab);
    s1->figure = 1;
    OP_TRY(th_table_collect(in, "m", M_TRAIN, NULL, &tt));
    double tr[TH_MAX_POINTS];
    th_table_means(&tt, tr);
    th_table_series(&tt, 0, s1);
    th_table_free(&tt);
    v->nseries = 2;
    v->lo = -WI_FLAT;
    v->hi = WI_FLAT;
    v->predicted = 0;
    snprintf(v->predicted_text, sizeof v->predicted_text, "|slope|<=%.1f", WI_FLAT);
    if (nf < 3 || last < 0) {
        v->grade = ST_FAIL;
        v->measured = v->se = NAN;
        snprintf(v->extra, sizeof v->extra, "widths>=%d:%d(need >= 3)", WI_MFIT, nf);
        return OP_OK;
    }
    v->measured = r.slope.mean;
    v->se = r.slope.se;
    st_grade_t g_eq = st_grade_equiv(&r.slope, -WI_FLAT, WI_FLAT);
    int learns = mse[last] < WI_LEVEL * vy[last];
    v->grade = learns ? g_eq : ST_FAIL;
    for (int k = 0; k < s->n; k++) {
        s->fit[k] = s->x[k] >= WI_MFIT ? exp(r.intercept + r.slope.mean * log(s->x[k])) : NAN;
        s->pred[k] = NAN;
    }
    snprintf(s->fit_title, sizeof s->fit_title, "fit (m >= %d): m^(%.3f ± %.3f) paired", WI_MFIT, r.slope.mean,
             r.slope.se);
    th_add_ref(v, 0, -INFINITY, WI_LEVEL * vy[last], "graded: test MSE < %g Var(y) at the largest m", WI_LEVEL);
    char eq[160], rt[256];
    th_equiv_text("exponent", &r.slope, -WI_FLAT, WI_FLAT, g_eq, eq, sizeof eq);
    th_rate_text(&r, rt, sizeof rt);
    int k0 = 0;
    while (k0 < s->n && s->x[k0] < WI_MFIT) k0++;
    snprintf(v->extra, sizeof v->extra, "quantity=loglog_slope(test MSE vs m, m>=%d; TOST)", WI_MFIT);
    th_extra_add(v, "%s", eq);
    th_extra_add(v, "%s", rt);
    th_extra_add(v, "test_mse@m=%g:%.3g(need<%.2g%s) test_mse@m=%g:%.3g abs_slope_per_decade=%.3g "
                    "train_mse@m=%g:%.2g var_y=%.3g",
                 s->x[s->n - 1], mse[last], WI_LEVEL * vy[last], learns ? "" : ",FAILED", s->x[k0], mse[k0],
                 (mse[last] - mse[k0]) / log10(s->x[s->n - 1] / s->x[k0]), s->x[s->n - 1], tr[last], vy[last]);
    snprintf(v->note, sizeof v->note, "test MSE ~ m^(%.3f ± %.3f) (90%% interval inside ±0.1); %.3g at m = %g",
             r.slope.mean, r.slope.se, mse[last], s->x[s->n - 1]);
    return OP_OK;
}

const th_check th_width_independence = {
    .id = "width-independence",
    .graded = "paired slope of log test MSE vs log width m (m >= 256)",
    .cite = {"allenzhu2019learning"},
    .citation = "Allen-Zhu, Li, Liang, Learning and generalization in overparameterized neural networks, going "
                "beyond two layers, NeurIPS 2019 (arXiv 1811.04918); abstract verified, concept class [M]; "
                "derived check (research notes section 4), not a figure of the paper",
    .claim = "For a target in the smooth two-layer concept class, the test error of a trained two-layer ReLU "
             "net at fixed n is almost independent of its width",
    .prediction = "n=500, d=10, target sum_i sin(w1_i.x)(w2_i.x) (unit variance): the 90% interval of the paired "
                  "log-log exponent of test MSE vs m (m >= 256) inside [-0.1, 0.1] (TOST), and test MSE < 0.5 Var(y) "
                  "at the largest width",
    .band_source = "THEOREMS.md group O (notes section 4, not piloted there); level criterion from the brief; "
                   "pilot test MSE 0.091/0.091/0.097 at m=256/1024/4096",
    .metrics = {"test_mse", "train_mse", "var_y_test"},
    .quick = {.axes = {{"m", 3, {256, 1024, 4096}}}, .seeds = 4},
    .full = {.axes = {{"m", 7, {64, 128, 256, 512, 1024, 2048, 4096}}}, .seeds = 5},
    .controls = {{"last-layer-only", "near miss (Allen-Zhu-Li-Liang's contrast): random features, the first "
                                     "layer frozen at init and the output layer trained to convergence; its error "
                                     "falls with width towards the kernel limit, so the TOST must FAIL",
                  1}},
    .figures = {{"test-mse", "width independence: test MSE vs width (n = 500, d = 10)", "width m",
                 "test MSE (mean ± s.e. over seeds; Var(y) = 1)", 1, 1, 0, NULL},
                {"train-mse", "training MSE at the end of training", "width m", "train MSE (mean ± s.e.)", 1, 1, 0,
                 NULL, 1}},
    .run = wi_run,
    .judge = wi_judge,
};
