/* robust-size: bigger ConvResNets are more adversarially robust.
 *
 * Liu, Chen, Er, Liao, Zhang, Zhao, "Benefits of Overparameterized Convolutional
 * Residual Networks: Function Approximation under Smoothness Constraint", ICML 2022
 * (arXiv 2206.04569): "numerical experiments on adversarial robust image
 * classification are provided to support our theory". Only the abstract could be
 * verified: the paper's data set, attack radii and sizes are unknown, so this is a
 * CPU-sized analogue (research notes 8.1), not a reproduction.
 *
 * Tasks (axis "task"):
 *   fmnist  Fashion-MNIST (or any MNIST-layout IDX set: verify --dataset DIR) through
 *           src/data; a fixed stratified subset (subset seed 0, the same for every run
 *           and --seed: the spread over seeds is initialisation, shuffling and attack
 *           randomness), images average-pooled 2x2 "pool" times (28 -> 14 -> 7);
 *           2-D ConvResNet (3x3 kernels, L = 2, FC head, softmax cross-entropy);
 *           PGD l-inf, eps 0.1 (pixels in [0, 1], clipped to the range).
 *   sphere  sign of a smooth field on S^2 isometrically embedded in R^32 with a margin
 *           (mf target sign:s=2,ell=1,margin=0.2), 1-D ConvResNet (K = 3, L = 2),
 *           logistic loss; PGD l-2, eps 0.1 (ambient).
 * Training: PGD adversarial training (Madry et al. 2018): each minibatch is replaced
 * by its PGD-3 adversarial examples (step eps/2.5, random start); Adam, cosine decay;
 * "epochs" epochs for fmnist and 3x that for the (much cheaper) sphere task, whose
 * small nets were still seed-noisy after 6 epochs (pilot: seed 2 ranked two sizes
 * the wrong way round).
 * Evaluation: a stronger attack than training, PGD-10 (step eps/4, random start),
 * on the test set; robust accuracy = accuracy on the attacked test points; clean
 * accuracy recorded too. Sizes (axis "net"): a grid over width C and depth M.
 * Judge (THEOREMS.md bands, fixed before the runs), per task, on the mean over seeds:
 *   Spearman(size, robust accuracy) >= 0.8 (the graded number: the smallest over tasks;
 *     s.e. by jackknife over seeds), and
 *   robust(largest) - robust(smallest) > the seed spread: the mean over seeds of the
 *     paired difference (same data and test set per seed: common random numbers, so
 *     the task difficulty, which varies a lot between seeds on the sphere, cancels)
 *     exceeds the sample standard deviation of that difference over seeds, and
 *   the attack is effective: clean - robust accuracy >= 0.02 on average over the nets.
 *     The claim is about ROBUSTNESS: with a void attack the same curve would only show
 *     that bigger nets are more accurate. This is what makes control radius-0 FAIL.
 * Controls:
 *   "radius-0": eps = 0 in training and evaluation: robust accuracy = clean accuracy,
 *     the robustness gap vanishes, so the robustness claim must FAIL;
 *   "random-labels": training labels are uniform random classes (test labels kept): no
 *     size can beat chance, so the rise with size must FAIL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "data/dataset.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"

enum { M_ROBUST, M_CLEAN, M_NPARAMS, M_TRAIN_LOSS };

/* Size grid: net index -> (C, M). */
static const int RS_C[] = {1, 2, 4, 8, 16, 16, 32};
static const int RS_M[] = {1, 1, 1, 2, 2, 4, 4};
#define RS_NNETS 7

#define RS_SPHERE_D 32
#define RS_SPHERE_TARGET "sign:s=2,ell=1,margin=0.2,features=1024"

static int rs_ctl(const th_run_ctx *c, const char *name) { return c->control && strcmp(c->control, name) == 0; }

/* Data of one run, as doubles for the nn API. Labels: class index (fmnist) or +-1. */
typedef struct {
    long n, ntest;
    int in_dim, classes, H, W;
    double *x, *y, *xt, *yt;
} rs_data;

static void rs_free(rs_data *d)
{
    free(d->x);
    free(d->y);
    free(d->xt);
    free(d->yt);
    memset(d, 0, sizeof *d);
}

static int rs_alloc(rs_data *d)
{
    d->x = op_malloc(sizeof(double) * (size_t)d->n * d->in_dim);
    d->y = op_malloc(sizeof(double) * (size_t)d->n);
    d->xt = op_malloc(sizeof(double) * (size_t)d->ntest * d->in_dim);
    d->yt = op_malloc(sizeof(double) * (size_t)d->ntest);
    if (!d->x || !d->y || !d->xt || !d->yt) {
        rs_free(d);
        return OP_ENOMEM;
    }
    return OP_OK;
}

static void rs_copy_images(const dt_image_set *s, double *x, double *y)
{
    size_t px = (size_t)s->rows * s->cols;
    for (size_t i = 0; i < (size_t)s->n * px; i++) x[i] = s->x[i];
    for (int i = 0; i < s->n; i++) y[i] = s->y[i];
}

static int rs_fmnist(long ntrain, long ntest, int pool, rs_data *d)
{
    dt_image_set tr, te;
    memset(&tr, 0, sizeof tr);
    memset(&te, 0, sizeof te);
    OP_TRY(dt_dataset_load(th_dataset_dir, (int)ntrain, (int)ntest, 0, &tr, &te));
    int st = OP_OK;
    for (int k = 0; k < pool && !st; k++) {
        dt_image_set a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        st = dt_image_set_downsample2(&tr, &a);
        if (!st) st = dt_image_set_downsample2(&te, &b);
        dt_image_set_free(&tr);
        dt_image_set_free(&te);
        tr = a;
        te = b;
    }
    if (!st) {
        d->n = tr.n;
        d->ntest = te.n;
        d->H = tr.rows;
        d->W = tr.cols;
        d->in_dim = tr.rows * tr.cols;
        d->classes = tr.nclasses;
        st = rs_alloc(d);
    }
    if (!st) {
        rs_copy_images(&tr, d->x, d->y);
        rs_copy_images(&te, d->xt, d->yt);
    }
    dt_image_set_free(&tr);
    dt_image_set_free(&te);
    return st;
}

static int rs_sphere(const th_run_ctx *ctx, long ntrain, long ntest, rs_data *d)
{
    mf_dataset a, b;
    memset(&b, 0, sizeof b);
    mf_dataset_spec sp = {0};
    sp.manifold = "sphere:d=2";
    sp.D = RS_SPHERE_D;
    sp.target = RS_SPHERE_TARGET;
    sp.target_seed = op_hash_combine(ctx->data_seed, op_hash_str("target"));
    sp.embed_seed = op_hash_combine(ctx->data_seed, op_hash_str("embed"));
    sp.n = ntrain;
    sp.sample_seed = op_hash_combine(ctx->data_seed, op_hash_str("train"));
    OP_TRY(mf_dataset_make(&sp, &a));
    sp.n = ntest;
    sp.sample_seed = op_hash_combine(ctx->data_seed, op_hash_str("test"));
    int st = mf_dataset_make(&sp, &b);
    if (!st) {
        d->n = ntrain;
        d->ntest = ntest;
        d->in_dim = RS_SPHERE_D;
        d->classes = 2;
        st = rs_alloc(d);
    }
    if (!st) {
        memcpy(d->x, a.X, sizeof(double) * (size_t)ntrain * RS_SPHERE_D);
        memcpy(d->y, a.y, sizeof(double) * (size_t)ntrain);
        memcpy(d->xt, b.X, sizeof(double) * (size_t)ntest * RS_SPHERE_D);
        memcpy(d->yt, b.y, sizeof(double) * (size_t)ntest);
    }
    mf_dataset_free(&a);
    mf_dataset_free(&b);
    return st;
}

static int rs_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    const char *task = th_get_str(p, "task");
    int k = (int)th_get(p, "net"), epochs = (int)th_get(p, "epochs");
    long ntrain = (long)th_get(p, "ntrain"), ntest = (long)th_get(p, "ntest");
    if (!task || (strcmp(task, "fmnist") && strcmp(task, "sphere")))
        OP_ERROR(OP_EUSAGE, "robust-size: task must be fmnist or sphere");
    if (k < 0 || k >= RS_NNETS) OP_ERROR(OP_EUSAGE, "robust-size: net index %d outside 0..%d", k, RS_NNETS - 1);
    int img = strcmp(task, "fmnist") == 0;
    rs_data d;
    memset(&d, 0, sizeof d);
    if (img)
        OP_TRY(rs_fmnist(ntrain, ntest, (int)th_get(p, "pool"), &d));
    else
        OP_TRY(rs_sphere(ctx, ntrain, ntest, &d));
    if (rs_ctl(ctx, "random-labels")) { /* training labels only; the test labels stay true */
        op_rng r;
        op_rng_seed(&r, op_hash_combine(ctx->data_seed, op_hash_str("random-labels")));
        for (long i = 0; i < d.n; i++) {
            long c = (long)op_rng_below(&r, (uint64_t)d.classes);
            d.y[i] = img ? (double)c : (c ? 1.0 : -1.0);
        }
    }
    double eps = rs_ctl(ctx, "radius-0") ? 0.0 : 0.1;
    nn_norm norm = img ? NN_NORM_LINF : NN_NORM_L2;
    nn_attack tra = nn_attack_pgd(norm, eps, 3, eps / 2.5, 1), eva = nn_attack_pgd(norm, eps, 10, eps / 4, 1);
    if (img) {
        tra.clip = eva.clip = 1;
        tra.clip_lo = eva.clip_lo = 0;
        tra.clip_hi = eva.clip_hi = 1;
    }
    nn_loss loss = img ? NN_LOSS_CE : NN_LOSS_LOGISTIC;
    nn_config cfg = img ? nn_config_convresnet2d(d.H, d.W, RS_C[k], 3, 2, RS_M[k], d.classes)
                        : nn_config_convresnet1d(RS_SPHERE_D, RS_C[k], 3, 2, RS_M[k], 1);
    cfg.conv = ctx->conv; /* --conv */
    nn_model *m = NULL;
    double *xadv = op_malloc(sizeof(double) * (size_t)d.ntest * d.in_dim);
    int st = xadv ? nn_config_check(&cfg) : OP_ENOMEM;
    if (!st) st = nn_model_create(&cfg, NN_F32, 128, &m);
    if (st) goto done;
    nn_model_init(m, rng);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = loss;
    o.lr = 3e-3;
    o.cosine = 1;
    o.epochs = img ? epochs : 3 * epochs; /* sphere points are cheap; 6 epochs left the small nets noisy */
    o.batch = 64;
    o.keep_best = 0;
    o.seed = op_rng_u64(rng);
    o.adv = eps > 0 ? &tra : NULL; /* radius 0: the PGD of a zero ball is the identity */
    nn_dataset dt = {d.n, d.in_dim, 1, d.x, d.y};
    nn_train_result res;
    if ((st = nn_train(m, &dt, NULL, &o, &res))) goto done;
    double l, err_clean, err_rob;
    if ((st = nn_eval(m, loss, d.xt, d.yt, d.ntest, &l, &err_clean))) goto done;
    if (eps > 0) {
        op_rng ar;
        op_rng_seed(&ar, op_rng_u64(rng));
        if ((st = nn_attack_run(m, &eva, loss, d.xt, d.yt, d.ntest, &ar, xadv))) goto done;
        if ((st = nn_eval(m, loss, xadv, d.yt, d.ntest, &l, &err_rob))) goto done;
    } else {
        err_rob = err_clean;
    }
    out->v[M_ROBUST] = 1 - err_rob;
    out->v[M_CLEAN] = 1 - err_clean;
    out->v[M_NPARAMS] = (double)m->nparams;
    out->v[M_TRAIN_LOSS] = res.train_loss;
    if (!isfinite(res.train_loss)) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite training loss");
done:
    nn_model_free(m);
    free(xadv);
    rs_free(&d);
    return st;
}

/* ---- judge ---- */

#define RS_MAXSEEDS 64
#define RS_MIN_GAP 0.02

typedef struct {
    int nn, ns;
    double P[TH_MAX_POINTS];
    double rob[TH_MAX_POINTS][RS_MAXSEEDS], gap[TH_MAX_POINTS][RS_MAXSEEDS];
    int nfailed[TH_MAX_POINTS];
} rs_table;

static int rs_collect(const th_judge_in *in, const char *task, rs_table *t)
{
    memset(t, 0, sizeof *t);
    int net[TH_MAX_POINTS];
    for (int i = 0; i < in->nrecs; i++) {
        const rec_record *r = &in->recs[i];
        const char *tk = rec_param_str(r, "task");
        if (!tk || strcmp(tk, task)) continue;
        if (r->seed_index >= RS_MAXSEEDS) OP_ERROR(OP_EUSAGE, "robust-size: at most %d seeds", RS_MAXSEEDS);
        if (r->seed_index + 1 > t->ns) t->ns = r->seed_index + 1;
        int nt = (int)rec_param(r, "net"), k = 0;
        while (k < t->nn && net[k] != nt) k++;
        if (k == t->nn) {
            if (k == TH_MAX_POINTS) OP_ERROR(OP_EUSAGE, "robust-size: too many nets");
            net[k] = nt;
            t->P[k] = NAN;
            for (int s = 0; s < RS_MAXSEEDS; s++) t->rob[k][s] = t->gap[k][s] = NAN;
            t->nn++;
        }
        if (r->status != REC_OK) {
            t->nfailed[k]++;
            continue;
        }
        t->P[k] = rec_metric(r, "nparams");
        t->rob[k][r->seed_index] = rec_metric(r, "robust_acc");
        t->gap[k][r->seed_index] = rec_metric(r, "clean_acc") - rec_metric(r, "robust_acc");
    }
    for (int a = 1; a < t->nn; a++) /* by parameter count */
        for (int b = a; b > 0 && !(t->P[b - 1] <= t->P[b]); b--) {
            double tp = t->P[b];
            t->P[b] = t->P[b - 1];
            t->P[b - 1] = tp;
            int tf = t->nfailed[b];
            t->nfailed[b] = t->nfailed[b - 1];
            t->nfailed[b - 1] = tf;
            double tmp[RS_MAXSEEDS];
            memcpy(tmp, t->rob[b], sizeof tmp);
            memcpy(t->rob[b], t->rob[b - 1], sizeof tmp);
            memcpy(t->rob[b - 1], tmp, sizeof tmp);
            memcpy(tmp, t->gap[b], sizeof tmp);
            memcpy(t->gap[b], t->gap[b - 1], sizeof tmp);
            memcpy(t->gap[b - 1], tmp, sizeof tmp);
        }
    return OP_OK;
}

/* Mean (leaving out seed `skip`, -1 none), sample s.d. and count of row v. */
static double rs_mean(const double *v, int ns, int skip, double *sd, int *cnt)
{
    double s = 0, ss = 0;
    int c = 0;
    for (int i = 0; i < ns; i++)
        if (i != skip && isfinite(v[i])) {
            s += v[i];
            ss += v[i] * v[i];
            c++;
        }
    if (sd) *sd = c > 1 ? sqrt(fmax(0, (ss - s * s / c) / (c - 1))) : 0;
    if (cnt) *cnt = c;
    return c ? s / c : NAN;
}

static double rs_spear(const rs_table *t, int skip)
{
    double x[TH_MAX_POINTS], y[TH_MAX_POINTS], w[2 * TH_MAX_POINTS];
    int m = 0;
    for (int k = 0; k < t->nn; k++) {
        double v = rs_mean(t->rob[k], t->ns, skip, NULL, NULL);
        if (!isfinite(v) || !isfinite(t->P[k])) continue;
        x[m] = t->P[k];
        y[m++] = v;
    }
    return m >= 3 ? st_spearman(x, y, m, w) : NAN;
}

typedef struct {
    double rho, rho_se, rise, spread, gap;
} rs_task_stats;

static void rs_stats(const rs_table *t, rs_task_stats *s)
{
    s->rho = round(rs_spear(t, -1) * 1e9) / 1e9; /* GSL returns an exact 0.8 as 0.7999999... */
    double v[RS_MAXSEEDS], mu = 0;
    int c = 0;
    for (int i = 0; i < t->ns && t->ns > 1; i++) {
        double r = rs_spear(t, i);
        if (isfinite(r)) {
            v[c++] = r;
            mu += r;
        }
    }
    double ss = 0;
    if (c > 1) {
        mu /= c;
        for (int i = 0; i < c; i++) ss += (v[i] - mu) * (v[i] - mu);
    }
    s->rho_se = c > 1 ? sqrt((double)(c - 1) / c * ss) : 0;
    int L = t->nn - 1;
    double dif[RS_MAXSEEDS];
    for (int i = 0; i < t->ns; i++) dif[i] = L > 0 ? t->rob[L][i] - t->rob[0][i] : NAN;
    s->rise = rs_mean(dif, t->ns, -1, &s->spread, NULL);
    double g = 0;
    int cg = 0;
    for (int k = 0; k < t->nn; k++) {
        double m = rs_mean(t->gap[k], t->ns, -1, NULL, NULL);
        if (isfinite(m)) {
            g += m;
            cg++;
        }
    }
    s->gap = cg ? g / cg : NAN;
}

static void rs_series(const rs_table *t, const char *name, th_series *s)
{
    snprintf(s->name, sizeof s->name, "%s", name);
    s->figure = 0;
    s->n = 0;
    for (int k = 0; k < t->nn; k++) {
        double sd;
        int c;
        double mu = rs_mean(t->rob[k], t->ns, -1, &sd, &c);
        if (!isfinite(mu)) continue;
        int i = s->n++;
        s->x[i] = t->P[k];
        s->y[i] = mu;
        s->ylo[i] = mu - sd;
        s->yhi[i] = mu + sd;
        s->fit[i] = s->pred[i] = NAN;
        s->nok[i] = c;
        s->nfailed[i] = t->nfailed[k];
    }
}

static int rs_judge(const th_judge_in *in, th_verdict *v)
{
    static const char *tasks[] = {"fmnist", "sphere"};
    rs_table *t = op_malloc(sizeof *t);
    if (!t) return OP_ENOMEM;
    v->measured = INFINITY;
    v->se = 0;
    v->predicted = 1;
    snprintf(v->predicted_text, sizeof v->predicted_text, ">=0.8");
    v->lo = 0.8;
    v->hi = 1;
    int ok = 1, ntask = 0, k = 0;
    v->nseries = 0;
    for (int ti = 0; ti < 2; ti++) {
        int st = rs_collect(in, tasks[ti], t);
        if (st) {
            free(t);
            return st;
        }
        if (t->nn == 0) continue;
        ntask++;
        rs_task_stats s;
        rs_stats(t, &s);
        int rises = s.rho >= 0.8, beats = s.rise > s.spread, attacked = s.gap >= RS_MIN_GAP;
        if (!rises || !beats || !attacked) ok = 0;
        if (!(s.rho >= v->measured)) { /* the weakest task is the graded number */
            v->measured = isfinite(s.rho) ? s.rho : -1;
            v->se = s.rho_se;
        }
        k += snprintf(v->extra + k, sizeof v->extra - (size_t)k,
                      "%s%s: spearman=%.2f rise=%.3f%s spread=%.3f gap=%.3f%s", k ? " " : "", tasks[ti], s.rho, s.rise,
                      beats ? "" : "(<=spread)", s.spread, s.gap, attacked ? "" : "(no robustness gap)");
        if (k >= (int)sizeof v->extra) k = (int)sizeof v->extra - 1;
        char nm[48];
        snprintf(nm, sizeof nm, "%s%s%s", tasks[ti], in->control ? ", " : "", in->control ? in->control : "");
        if (v->nseries < TH_MAX_SERIES) rs_series(t, nm, &v->series[v->nseries++]);
    }
    free(t);
    if (!ntask) OP_ERROR(OP_EUSAGE, "robust-size: no records of a known task");
    v->grade = st_grade(v->measured, v->se, v->lo, v->hi);
    if (!ok) v->grade = ST_FAIL;
    snprintf(v->note, sizeof v->note, "min over tasks of Spearman(size, robust accuracy) %.2f", v->measured);
    return OP_OK;
}

const th_check th_robust_size = {
    .id = "robust-size",
    .citation = "Liu, Chen, Er, Liao, Zhang, Zhao, ICML 2022 (arXiv 2206.04569), experiments on adversarially "
                "robust image classification (only the abstract verified: settings here are an analogue)",
    .claim = "Under PGD adversarial training, larger ConvResNets (wider and deeper) reach higher robust test "
             "accuracy, on Fashion-MNIST and on a classification task on a manifold.",
    .prediction = "Spearman(size, robust accuracy) >= 0.8 per task; largest minus smallest > seed spread; "
                  "attack effective (clean - robust >= 0.02)",
    .band_source = "THEOREMS.md robust-size (trend band); the attack-effectiveness floor is this check's "
                   "definition of a robustness claim",
    .metrics = {"robust_acc", "clean_acc", "nparams", "train_loss"},
    .quick = {.axes = {{"task", 2, {0, 0}, {"fmnist", "sphere"}},
                       {"ntrain", 1, {2000}},
                       {"ntest", 1, {500}},
                       {"pool", 1, {2}},
                       {"epochs", 1, {6}},
                       {"net", 3, {0, 2, 3}}},
              .seeds = 4},
    .full = {.axes = {{"task", 2, {0, 0}, {"fmnist", "sphere"}},
                      {"ntrain", 1, {10000}},
                      {"ntest", 1, {2000}},
                      {"pool", 1, {1}},
                      {"epochs", 1, {15}},
                      {"net", 6, {0, 1, 2, 3, 4, 5}}},
             .seeds = 3},
    .controls = {{"radius-0", "no adversary (eps = 0): robust = clean accuracy, the robustness gap vanishes, so "
                              "the robustness claim must FAIL"},
                 {"random-labels", "random training labels: chance accuracy for every size, no rise, must FAIL"}},
    .figures = {{"robust-acc", "PGD-trained ConvResNets: robust test accuracy (PGD-10) vs size", "parameters",
                 "robust test accuracy (mean over seeds; bars +-1 s.d.)", 1, 0, 0, NULL}},
    .run = rs_run,
    .judge = rs_judge,
};
