/* classification-dinv: classification on a low-dimensional manifold does not degrade
 * with the ambient dimension D (for a ConvResNet); on the same figure, a kernel
 * baseline tuned non-adaptively (bandwidth from D) does, an adaptive k-NN does not.
 *
 * Liu, Chen, Zhao, Liao, "Besov Function Approximation and Binary Classification on
 * Low-Dimensional Manifolds Using ConvResNets", ICML 2021 (arXiv 2109.02832): the
 * logistic-loss ERM ConvResNet has excess risk O~(n^(-s/(2s+2(s v d)))), D only in
 * constants. Zhang, Zhang, Chen, Takeda, Wang, Zhao, Wang, "Nonparametric
 * Classification on Low Dimensional Manifolds using Overparameterized ConvResNets",
 * NeurIPS 2024 (arXiv 2307.01649): a helix in R^3, rotated and padded with irrelevant
 * coordinates to ambient D; kernel baselines degrade with D, the ConvResNets barely.
 * (Their experimental details are known only from summaries: research notes section 6.)
 * The exponent (-0.17 for s = 1, d = 1..2) is too shallow to measure over one decade
 * of n (research notes 8.4), so the check tests the trend and the D-invariance.
 *
 * Experiment: the helix r = 1, pitch 1, 2 turns (d = 1) randomly and isometrically
 * embedded in R^D (mf_dataset, orthonormal Q): data exactly on the manifold, the
 * theorem's setting. Under an exact isometric embedding every pairwise distance is
 * the same for every D, so the k-NN baseline on the figure is EXACTLY D-invariant
 * (a flat line, shown for reference). Zhang et al.'s contrast (kernel baselines
 * degrade with D) needs irrelevant NOISY coordinates, i.e. data off the manifold.
 * Measured here (quick preset, 3 seeds, D 16 -> 64, isotropic noise sd 0.1 on every
 * coordinate): the ConvResNet's worst loss ratio was 1.11 and the k-NN's 1.02, so at
 * this noise level neither degrades and such a variant could not serve as a control
 * that must FAIL; it is left out rather than tuned until it fails. (Without label
 * flips, the first pilot at D 16 -> 128 had the net's loss grow 2-3x and the k-NN's
 * 1.5x at n = 1024: the noisy setting hurts the net at least as much as the k-NN.)
 * Labels: sign of a smooth Matern field (s = 2, ell = 1) on the helix, with a margin
 * 0.1 in the field (mf target "sign:..."), each label flipped with probability 0.1
 * (train, validation and test alike). Why the flips: without them the task is
 * separable, the test loss of a good net is 0.002-0.05 and its seed-to-seed factor
 * of 4 (pilot) makes any ratio meaningless; with them the Bayes logistic risk is
 * exactly H(0.1) = 0.325 (the posterior is 0.9 for the true sign) and the test loss
 * is that floor plus the excess risk the theorem bounds.
 * Net: ConvResNet K = 3, L = 2, C = 8, M = 2, logistic loss, Adam + cosine,
 * epochs 30 + 6400/n (so small n gets enough steps), early stopping with the best
 * validation parameters kept (validation set of n/4 points from its own stream).
 * Nested training sets (first n points of one pool per seed), one common test set of
 * 2000 points.
 * Baselines (issue #8; computed in the same runs, plotted, NOT judged; their test
 * loss is the same cross-entropy):
 *   k-NN, k = odd ~ sqrt(n), class probability (positives + 1)/(k + 2). Its only
 *     input is the distances, which the isometry preserves: EXACTLY D-invariant.
 *     k-NN (Kpotufe 2011) and Gaussian kernels with data-driven bandwidths (Bickel &
 *     Li 2007) adapt to the intrinsic dimension, so no honest baseline degrades
 *     through the geometry alone; one degrades only if its TUNING uses the ambient
 *     coordinates or D non-adaptively.
 *   RBF kernel ridge with scikit-learn's defaults: gamma = 1/D (rbf_kernel's
 *     gamma=None; KernelRidge's alpha = 1) on the raw coordinates, regression of the
 *     +-1 labels, P(+1) = (1 + f)/2 clipped to [0.01, 0.99] (the clip touched 0-9%
 *     of the test points, mostly at D = 16, where it only raises the loss). D enters
 *     only through gamma: the kernel widens like sqrt(D) and oversmooths the labels.
 *     It is presumably the "kernel ridge (RBF)" of Zhang et al. (their tuning is not
 *     known: summaries only). Reported: krr_ratio_at_nmax = loss(Dmax)/loss(Dmin).
 *   Chosen by measurement (pilot, quick grid with D in {16, 32, 64, 128}, 3 seeds;
 *   loss ratio to D = 16 at n = 1024 / at n = 128):
 *     RBF ridge gamma = 1/D, alpha = 1:  D=64 1.12 / 1.08, D=128 1.15 / 1.14; the
 *       per-seed ratios at n = 1024 were 1.09-1.14 (D = 64): consistent. Chosen.
 *     same with alpha = 1e-3:            D=64 1.06 / 1.03, D=128 1.08 / 1.06.
 *     Nadaraya-Watson, Gaussian kernel, Scott's rule h_j = sd_j n^(-1/(D+4)) per
 *       coordinate (isotropic variant alike), Laplace-smoothed like the k-NN:
 *                                        D=64 0.98 / 1.05, D=128 0.98 / 1.11. Does
 *       NOT degrade at n = 1024: the per-coordinate sd of a curve spread over D
 *       coordinates shrinks like 1/sqrt(D), so the rule narrows the kernel rather than
 *       widening it, and at these n a narrower kernel is about as good.
 *     partition (histogram) classifier on axis-aligned cubes, Scott's histogram
 *       rule side 3.5 sd_j n^(-1/(D+2)): D=64 1.05 / 1.14, D=128 1.19 / 1.25, but
 *       its per-seed ratios (each seed and D has its own random rotation) ranged
 *       0.98-1.10 at D = 64: the degradation depends on how the rotation meets the
 *       cubes. Not chosen.
 * Graded quantity (issue 17): the EXCESS risk, not the total loss. The total loss sits
 * on the Bayes floor H(0.1) = 0.325, so a band on its ratio lets the excess risk the
 * theorem bounds grow several-fold unseen (at a loss of 0.35 the 1.4 edge is a 6.6x
 * excess); and the test labels' own flips add sampling noise. The excess risk is
 * computed exactly from the known posterior: at a test point with clean sign f the
 * true P(y = +1) is eta = 0.9 (f = +1) or 0.1, and the excess logistic risk of a
 * predicted p is KL(eta || p) (cd_kl). Recorded for
 * the net (excess), the k-NN (knn_excess) and the kernel ridge (krr_excess); the total
 * losses and errors stay in the records.
 * Ambient dimensions: D from 4 (the helix needs 3) to 128: quick {4, 16, 64}, full
 * {4, 16, 32, 64, 128}. Capacity per D (cd_channels): the same net (C = 8) at every D
 * (a C = 128/D rule for D < 16 was tried and dropped: see cd_channels).
 * Judge (bands from THEOREMS.md, fixed before the runs; statistics of issue 15's kit,
 * see cd_judge): D-invariance excess(D, n)/excess(Dmin, n) in [0.7, 1.4] for every D
 * and n by an equivalence test on the paired per-seed log ratios; decrease with n at
 * every D (a paired sign test on 4 points, Spearman <= -0.8 on 5+) and a material fall,
 * excess(nmax)/excess(nmin) <= 0.9 (a trend statistic alone is scale-free: a flat curve
 * drifting by 1% would pass it). The rate in n (paired slope of log excess vs log n)
 * is reported against Liu et al.'s -s/(2s + 2(s v d)) = -0.25, not graded.
 * Controls (same judge):
 *   "rbf-ridge" (near miss, issue 17): the kernel ridge above, on the same data and
 *     labels, judged by the same D criterion. It is a consistent classifier whose
 *     excess risk also falls with n; what it lacks is exactly the property claimed for
 *     the net, adaptivity to d (its bandwidth follows D). Its excess risk must leave
 *     the D band, so the check must FAIL. Before issue 17 its TOTAL-loss ratio was
 *     1.08-1.12 (pilot above) and it would itself have passed: the loss criterion
 *     could not tell an adaptive method from a non-adaptive one.
 *   "random-labels" (fair-coin labels, meant to FAIL the decrease criterion) was
 *     removed with design change 1 (below): issue 15 had named it a control that says
 *     nothing about D, and its runs showed why: under random labels the net's excess
 *     risk KL(1/2 || p) FALLS with n (its overfitting shrinks), so it passed the
 *     decrease criterion and FAILed only through the D criterion, by how overfitting
 *     depends on the input scale (full, seed 0, raw inputs: ratio 0.38; quick, seed 0,
 *     rescaled inputs: 3.15 +- 1.06, MARGINAL).
 *
 * Design change 1 (2026-12-07, after the full preset's first run; the band, the
 * statistics and the grid are unchanged): the net's inputs are rescaled by one factor,
 * estimated from the training points, so that their mean per-coordinate variance is 1
 * (cd_standardize; a similarity, so the geometry is kept; the k-NN and the kernel ridge
 * still see the raw coordinates: the ridge's gamma = 1/D default is the non-adaptive
 * tuning its control is about). Why: the isometric embedding keeps norms, so each
 * coordinate of the raw data shrinks like 1/sqrt(D), and a net with a fixed
 * initialisation and learning rate whose first layer sees 3 coordinates at a time
 * trains differently at every D -- an optimisation confound the theorem (ERM over a
 * weight class) does not have. The data that forced it (full preset, raw inputs,
 * `overparam verify classification-dinv --full --no-controls --seed K`): worst paired
 * ratio 1.66 (FAIL, seed 0), 1.40, 1.79, 1.83, 1.24, 1.82 (MARGINAL, seeds 1-5); pooled
 * over the 30 data seeds the ratio to D = 4 at n = 2048 is 1.16 / 1.24 / 1.44 / 1.42
 * (D = 16 / 32 / 64 / 128), every one resolved above 1, growing with D and n (the
 * rate in n -0.70 at D = 4, -0.57 at D = 128). Pilots at seed 0, raw inputs, each
 * changing one thing: 3x the epochs (worst 1.57), an 8192-point validation set (1.62),
 * C = 16 (ratios 1.37-1.56 at n = 2048): none removed it. Rescaled inputs did: over
 * seeds 0-2 (15 data seeds) every pooled ratio lies in 0.88-1.13 (90 % intervals
 * inside [0.70, 1.32]), against 1.13-1.45 with raw inputs on the same seeds; seed 2,
 * not the seed the idea came from, went from 1.79 to 1.33.
 *
 * Design change 2 (2026-12-07, with the rerun of change 1; band and statistics unchanged):
 * the full preset takes 15 seeds, not 5. A power calculation that should have come first:
 * the per-seed sd of a paired log ratio is about 0.32 (the 30 data seeds of change 1's
 * rerun, n = 2048), so with 5 seeds the 90 % interval's half-width is t(4) 0.32 / sqrt(5)
 * = 0.30 against the band's 0.34 (log 1.4): even an exactly D-invariant net can PASS
 * only by luck, the more so as the worst of 20 (D, n) cells is graded. With 15 it is
 * 0.15, so a true ratio within about exp(+-0.19) can PASS. The 5-seed verdicts (seeds 0-5:
 * MARGINAL each, worst ratios 1.24, 0.77, 1.33, 1.42, 0.75, 0.74) are in docs/checks.md.
 * The quick preset keeps 3 seeds (ctest time): it stays a documented MARGINAL.
 * Outcome with 15 (`verify classification-dinv --full --seed K`, K = 0..5): PASS at seed 2,
 * MARGINAL at the others with 19 of 20 cells inside the band and the worst cell's 90 %
 * interval over an edge by <= 0.06 in log (seed 0: 1.21 [0.98, 1.48], D = 64, n = 2048);
 * pooled over the 90 data seeds every ratio is 0.91-1.15 (docs/checks.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"
#include "kernel/kernel.h"
#include "manifolds/dataset.h"
#include "nn/nn.h"

enum { M_LOSS, M_ERR, M_KNN_LOSS, M_KNN_ERR, M_KRR_LOSS, M_KRR_ERR, M_KRR_CLIP, M_EXCESS, M_KNN_EXCESS, M_KRR_EXCESS };

#define CD_MANIFOLD "helix"
#define CD_TARGET "sign:s=2,ell=1,margin=0.1,features=1024"
#define CD_FLIP 0.1

static int cd_ctl(const th_run_ctx *c, const char *name) { return c->control && strcmp(c->control, name) == 0; }

/* Training pool prefix of n points, a validation set and the common test set; all
 * from the seed index's data stream, so every (D, n) of a seed shares the target,
 * the points and (for equal D) the embedding. */
static int cd_make(const th_run_ctx *ctx, int D, long n, const char *which, mf_dataset *ds)
{
    mf_dataset_spec sp = {0};
    sp.manifold = CD_MANIFOLD;
    sp.D = D;
    sp.n = n;
    sp.target = CD_TARGET;
    sp.label_noise = CD_FLIP;
    sp.target_seed = op_hash_combine(ctx->data_seed, op_hash_str("target"));
    sp.embed_seed = op_hash_combine(ctx->data_seed, op_hash_str("embed"));
    sp.sample_seed = op_hash_combine(ctx->data_seed, op_hash_str(which));
    return mf_dataset_make(&sp, ds);
}

/* Cross-entropy and error of a probability p of the label +1 against t in {-1,+1}. */
static void cd_score(double p, double t, double *loss, double *err)
{
    *loss += -log(t > 0 ? p : 1 - p);
    *err += (p > 0.5) != (t > 0);
}

/* Bernoulli KL divergence KL(a || p) = a log(a/p) + (1-a) log((1-a)/(1-p)), with the
 * log-probabilities given (so the net's can come from its logit without rounding p to
 * 0 or 1): the pointwise excess logistic risk of predicting p where the true
 * probability of +1 is a. */
static double cd_kl(double a, double logp, double log1mp)
{
    double r = 0;
    if (a > 0) r += a * (log(a) - logp);
    if (a < 1) r += (1 - a) * (log1p(-a) - log1mp);
    return r;
}

/* True posterior P(y = +1 | x) from the clean sign f: 1 - flip for f = +1, flip for
 * f = -1 (the flips are independent of x). */
static double cd_eta(double f) { return f > 0 ? 1 - CD_FLIP : CD_FLIP; }

/* Excess risk of a probability p of +1 at a point with clean sign f. */
static double cd_excess_p(double p, double f) { return cd_kl(cd_eta(f), log(p), log1p(-p)); }

/* k-NN baseline (squared Euclidean distances in R^D, ties by index). */
static int cd_knn(const mf_dataset *tr, const double *ytr, const mf_dataset *te, const double *yte,
                  double *loss, double *err, double *excess)
{
    long n = tr->n;
    int D = tr->D, k = (int)lround(sqrt((double)n));
    if (k % 2 == 0) k++;
    if (k > n) k = (int)n;
    double *dist = op_malloc(sizeof(double) * (size_t)n);
    double *bd = op_malloc(sizeof(double) * (size_t)k);
    double *by = op_malloc(sizeof(double) * (size_t)k);
    if (!dist || !bd || !by) {
        free(dist);
        free(bd);
        free(by);
        return OP_ENOMEM;
    }
    double L = 0, E = 0, X = 0;
    for (long i = 0; i < te->n; i++) {
        const double *x = te->X + (size_t)i * D;
        int m = 0; /* sorted insertion into the k best */
        for (long j = 0; j < n; j++) {
            const double *z = tr->X + (size_t)j * D;
            double s = 0;
            for (int c = 0; c < D; c++) s += (x[c] - z[c]) * (x[c] - z[c]);
            if (m == k && s >= bd[k - 1]) continue;
            int p = m < k ? m++ : k - 1;
            while (p > 0 && bd[p - 1] > s) {
                bd[p] = bd[p - 1];
                by[p] = by[p - 1];
                p--;
            }
            bd[p] = s;
            by[p] = ytr[j];
        }
        int pos = 0;
        for (int a = 0; a < k; a++) pos += by[a] > 0;
        cd_score((pos + 1.0) / (k + 2.0), yte[i], &L, &E);
        X += cd_excess_p((pos + 1.0) / (k + 2.0), te->f[i]);
    }
    *loss = L / te->n;
    *err = E / te->n;
    *excess = X / te->n;
    free(dist);
    free(bd);
    free(by);
    return OP_OK;
}

/* Gaussian kernel exp(-gamma |x - z|^2) between the rows of A (na x D) and B (nb x D):
 * out (na x nb, row-major). */
static void cd_rbf_gram(const double *A, long na, const double *B, long nb, int D, double gamma, double *out)
{
    for (long i = 0; i < na; i++) {
        const double *x = A + (size_t)i * D;
        for (long j = 0; j < nb; j++) {
            const double *z = B + (size_t)j * D;
            double s = 0;
            for (int c = 0; c < D; c++) s += (x[c] - z[c]) * (x[c] - z[c]);
            out[(size_t)i * nb + j] = exp(-gamma * s);
        }
    }
}

/* Non-adaptive kernel baseline: kernel ridge regression of the +-1 labels with a
 * Gaussian (RBF) kernel and scikit-learn's defaults, gamma = 1/D (rbf_kernel's
 * gamma=None) and ridge alpha = 1 (KernelRidge), on the raw coordinates; the
 * probability of +1 is (1 + f)/2 clipped to [CD_KRR_CLIP, 1 - CD_KRR_CLIP]. The
 * kernel depends only on distances, which the isometry preserves, so D enters ONLY
 * through gamma = 1/D: a wider kernel (more smoothing) the larger D. */
#define CD_KRR_CLIP 0.01
static int cd_krr(const mf_dataset *tr, const double *ytr, const mf_dataset *te, const double *yte,
                  double *loss, double *err, double *clipped, double *excess)
{
    long n = tr->n, nt = te->n, cb = 256; /* test points per block of the cross-Gram */
    int D = tr->D;
    double gamma = 1.0 / D;
    double *K = op_malloc(sizeof(double) * (size_t)n * (size_t)n), *a = op_malloc(sizeof(double) * (size_t)n);
    double *Kc = op_malloc(sizeof(double) * (size_t)cb * (size_t)n), *f = op_malloc(sizeof(double) * (size_t)cb);
    int st = OP_OK;
    if (!K || !a || !Kc || !f) {
        st = OP_ENOMEM;
        goto done;
    }
    cd_rbf_gram(tr->X, n, tr->X, n, D, gamma, K);
    if ((st = kn_krr_fit(K, (int)n, ytr, 1.0, a, NULL))) goto done;
    double L = 0, E = 0, C = 0, X = 0;
    for (long i0 = 0; i0 < nt; i0 += cb) {
        long m = nt - i0 < cb ? nt - i0 : cb;
        cd_rbf_gram(te->X + (size_t)i0 * D, m, tr->X, n, D, gamma, Kc);
        kn_krr_predict(Kc, (int)m, (int)n, a, f);
        for (long i = 0; i < m; i++) {
            double p = (1 + f[i]) / 2;
            if (p < CD_KRR_CLIP || p > 1 - CD_KRR_CLIP) {
                p = p < CD_KRR_CLIP ? CD_KRR_CLIP : 1 - CD_KRR_CLIP;
                C++;
            }
            cd_score(p, yte[i0 + i], &L, &E);
            X += cd_excess_p(p, te->f[i0 + i]);
        }
    }
    *loss = L / nt;
    *err = E / nt;
    *clipped = C / nt;
    *excess = X / nt;
done:
    free(K);
    free(a);
    free(Kc);
    free(f);
    return st;
}

/* Input scale of the net (design change 1, 2026-12-07; see the header): all three sets
 * multiplied by one factor, so that the training inputs' mean per-coordinate variance is
 * 1. A similarity, so the manifold's geometry (and the k-NN) is unchanged; the factor is
 * estimated from the training points (mean and sum of squares per coordinate, a fixed
 * order), never set from D. */
static void cd_standardize(mf_dataset *tr, mf_dataset *va, mf_dataset *te)
{
    const int D = tr->D;
    double ss = 0;
    for (int j = 0; j < D; j++) {
        double mu = 0;
        for (long i = 0; i < tr->n; i++) mu += tr->X[i * D + j];
        mu /= (double)tr->n;
        for (long i = 0; i < tr->n; i++) {
            const double c = tr->X[i * D + j] - mu;
            ss += c * c;
        }
    }
    const double sc = ss > 0 ? 1.0 / sqrt(ss / ((double)tr->n * D)) : 1.0;
    mf_dataset *all[3] = {tr, va, te};
    for (int k = 0; k < 3; k++)
        for (long i = 0; i < all[k]->n * D; i++) all[k]->X[i] *= sc;
}

/* Channels of the ConvResNet: the same net (C = 8, the pilot's) at every D, so that
 * only the data's ambient dimension changes between the curves. A first version gave
 * D < 16 more channels (C = 128/D, so the hidden state D x C never fell below D = 16's);
 * at D = 4 that net (C = 32, 16x the parameters per convolution) reached half the
 * excess risk of the C = 8 nets at n = 1024 (quick, seeds 0-2: 0.013 / 0.017 / 0.022
 * against 0.030 / 0.030 / 0.066 at D = 16): a capacity difference between the D would
 * be measured as a D effect. */
static int cd_channels(int D)
{
    (void)D;
    return 8;
}

static int cd_net(const th_run_ctx *ctx, op_rng *rng, const mf_dataset *tr, const double *ytr, const mf_dataset *va,
                  const double *yva, const mf_dataset *te, const double *yte, double *loss, double *err,
                  double *excess)
{
    int D = tr->D;
    nn_config cfg = nn_config_convresnet1d(D, cd_channels(D), 3, 2, 2, 1);
    cfg.conv = ctx->conv; /* --conv */
    nn_model *m = NULL;
    OP_TRY(nn_config_check(&cfg));
    OP_TRY(nn_model_create(&cfg, NN_F32, 256, &m));
    nn_model_init(m, rng);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = NN_LOSS_LOGISTIC;
    o.lr = 3e-3;
    o.cosine = 1;
    o.epochs = 30 + (int)(6400 / tr->n);
    o.batch = 32;
    o.patience = 0; /* the whole budget, the best validation epoch kept */
    o.keep_best = 1;
    o.seed = op_rng_u64(rng);
    nn_dataset dt = {tr->n, D, 1, tr->X, ytr}, dv = {va->n, D, 1, va->X, yva};
    nn_train_result res;
    int st = nn_train(m, &dt, &dv, &o, &res);
    if (!st) st = nn_eval(m, NN_LOSS_LOGISTIC, te->X, yte, te->n, loss, err);
    double *z = st ? NULL : op_malloc(sizeof(double) * (size_t)te->n);
    if (!st && !z) st = OP_ENOMEM;
    if (!st) st = nn_predict(m, te->X, te->n, z); /* logits: log p = -softplus(-z), log(1-p) = -softplus(z) */
    if (!st) {
        double X = 0;
        for (long i = 0; i < te->n; i++) {
            double sp_neg = z[i] > 0 ? log1p(exp(-z[i])) : -z[i] + log1p(exp(z[i]));
            double sp_pos = sp_neg + z[i]; /* softplus(z) = softplus(-z) + z */
            X += cd_kl(cd_eta(te->f[i]), -sp_neg, -sp_pos);
        }
        *excess = X / (double)te->n;
    }
    free(z);
    nn_model_free(m);
    return st;
}

static int cd_run(const th_run_ctx *ctx, const th_params *p, op_rng *rng, th_metrics *out)
{
    int D = (int)th_get(p, "D");
    long n = (long)th_get(p, "n");
    int krr_only = cd_ctl(ctx, "rbf-ridge");
    long ntest = ctx->full ? 4000 : 2000, nval = n / 4 > 32 ? n / 4 : 32;
    mf_dataset tr, va, te;
    memset(&va, 0, sizeof va);
    memset(&te, 0, sizeof te);
    OP_TRY(cd_make(ctx, D, n, "train", &tr));
    int st = cd_make(ctx, D, nval, "val", &va);
    if (!st) st = cd_make(ctx, D, ntest, "test", &te);
    if (st) goto done;
    double kl, ke, kx, rl, re, rc, rx, nl = NAN, ne = NAN, nx = NAN;
    if ((st = cd_knn(&tr, tr.y, &te, te.y, &kl, &ke, &kx))) goto done;
    if ((st = cd_krr(&tr, tr.y, &te, te.y, &rl, &re, &rc, &rx))) goto done;
    /* The rbf-ridge control judges the kernel ridge on the same data: no net is trained
     * and the judged method's columns (loss, err, excess) hold the kernel ridge's. */
    if (krr_only) {
        nl = rl;
        ne = re;
        nx = rx;
    } else {
        cd_standardize(&tr, &va, &te); /* the net's inputs only: the baselines above saw the raw coordinates */
        if ((st = cd_net(ctx, rng, &tr, tr.y, &va, va.y, &te, te.y, &nl, &ne, &nx))) goto done;
    }
    out->v[M_LOSS] = nl;
    out->v[M_ERR] = ne;
    out->v[M_EXCESS] = nx;
    out->v[M_KNN_EXCESS] = kx;
    out->v[M_KRR_EXCESS] = rx;
    out->v[M_KNN_LOSS] = kl;
    out->v[M_KNN_ERR] = ke;
    out->v[M_KRR_LOSS] = rl;
    out->v[M_KRR_ERR] = re;
    out->v[M_KRR_CLIP] = rc;
    if (!isfinite(out->v[M_EXCESS])) st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "non-finite test loss or excess risk");
done:
    mf_dataset_free(&tr);
    mf_dataset_free(&va);
    mf_dataset_free(&te);
    return st;
}

/* ---- judge (the kit: one points x seeds table per D and metric) ---- */

#define CD_MAXD 8
#define CD_MIN_FALL 0.9
#define CD_RATE (-2.0 / (2 * 2 + 2 * 2)) /* -s/(2s + 2(s v d)), s = 2, d = 1 */
#define CD_LO 0.7
#define CD_HI 1.4

typedef struct {
    int nD;
    double D[CD_MAXD];
    th_table t[CD_MAXD][3]; /* log excess risk: judged method, k-NN, RBF ridge; rows n */
} cd_tables;

static void cd_tables_free(cd_tables *c)
{
    for (int a = 0; a < c->nD; a++)
        for (int j = 0; j < 3; j++) th_table_free(&c->t[a][j]);
}

static int cd_collect(const th_judge_in *in, cd_tables *c)
{
    memset(c, 0, sizeof *c);
    double D[CD_MAXD + 1];
    int nD = th_distinct_num(in, "D", D, CD_MAXD + 1);
    if (nD > CD_MAXD) OP_ERROR(OP_EUSAGE, "classification-dinv: at most %d values of D", CD_MAXD);
    for (int a = 1; a < nD; a++) /* ascending */
        for (int b = a; b > 0 && D[b] < D[b - 1]; b--) {
            double tmp = D[b];
            D[b] = D[b - 1];
            D[b - 1] = tmp;
        }
    /* the judged method: the net, or under the rbf-ridge control the kernel ridge
     * (cd_run stores its values in the judged columns) */
    static const int metric[3] = {M_EXCESS, M_KNN_EXCESS, M_KRR_EXCESS};
    static const char *what[3] = {"excess risk", "k-NN excess risk", "RBF ridge excess risk"};
    for (int a = 0; a < nD; a++) {
        c->D[a] = D[a];
        c->nD = a + 1;
        th_where w[] = {{"D", NULL, D[a]}, {NULL, NULL, 0}};
        for (int j = 0; j < 3; j++) {
            OP_TRY(th_table_collect(in, "n", metric[j], w, &c->t[a][j]));
            OP_TRY(th_table_log(&c->t[a][j], in, what[j]));
        }
    }
    return OP_OK;
}

/* Geometric-mean curve of table (a, j) over n, or over D at row b (over_n = 0). */
static void cd_series(const cd_tables *c, const char *name, int fig, int j, int over_n, int fixed, th_series *s)
{
    if (over_n) {
        th_table_series(&c->t[fixed][j], 1, s);
    } else {
        memset(s, 0, sizeof *s);
        for (int a = 0; a < c->nD; a++) {
            const th_table *t = &c->t[a][j];
            double vals[1024];
            int k = fixed < t->np && t->ns <= 1024 ? th_table_row(t, fixed, vals) : 0;
            if (!k) continue;
            double mu, se;
            st_mean_se(vals, k, &mu, &se);
            int i = s->n++;
            s->x[i] = c->D[a];
            s->y[i] = exp(mu);
            s->ylo[i] = exp(mu - se);
            s->yhi[i] = exp(mu + se);
            s->fit[i] = s->pred[i] = NAN;
            s->nok[i] = t->nok[fixed];
            s->nfailed[i] = t->nfailed[fixed];
        }
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    s->figure = fig;
}

#define CD_KRR_NAME "RBF ridge, gamma=1/D"
#define CD_KNN_NAME "k-NN (adaptive)"

/* The decrease with n at one D (a log excess-risk table over n): the kit's trend test
 * and the paired per-seed fall excess(nmax)/excess(nmin) (*fall, s.e. *fall_se)
 * graded against (0, 0.9]; *g the worse of the two. Non-zero (the caller FAILs the
 * criterion) if the table has fewer than 2 points or the trend test cannot run. */
static int cd_decrease(const th_table *t, st_trend *tr, double *fall, double *fall_se, st_grade_t *g)
{
    if (t->np < 2 || th_table_trend(t, -1, 0.8, tr)) {
        op_error_clear();
        return 1;
    }
    st_interval f;
    th_table_diff_at(t, 0, t, t->np - 1, &f);
    *fall = exp(f.mean);
    *fall_se = *fall * f.se;
    *g = st_grade_worst(tr->grade, st_grade(*fall, *fall_se, 0, CD_MIN_FALL));
    return 0;
}

/* Judge (issue 15 kit; the bands are THEOREMS.md's, unchanged):
 *   D-invariance: for every D > Dmin and every n, the paired per-seed log ratio
 *     log loss(D, n) - log loss(Dmin, n) with its 90 % t interval, equivalence-tested
 *     (TOST, st_grade_equiv) against [log 0.7, log 1.4]: PASS only if every interval
 *     lies inside the band. The graded number is the ratio farthest from 1, with the
 *     delta-method s.e. of the paired mean.
 *   decrease with n at every D: the kit's trend test (st_trend_grade: a paired per-seed
 *     sign test on the 4 quick points, Spearman <= -0.8 on 5 or more), and the paired
 *     per-seed log ratio loss(nmax)/loss(nmin) graded against (0, 0.9] (st_grade).
 * Before issue 15's kit the invariance was graded by st_grade on the same ratio (one
 * s.e. leniency) and the trend by Spearman of the seed means over 4 points. */
static int cd_judge(const th_judge_in *in, th_verdict *v)
{
    cd_tables *c = op_malloc(sizeof *c);
    if (!c) return OP_ENOMEM;
    int st = cd_collect(in, c);
    if (!st && (c->nD < 2 || c->t[0][0].np < 3)) st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                                   "classification-dinv: need 2+ values of D and 3+ of n");
    if (st) {
        cd_tables_free(c);
        free(c);
        return st;
    }
    const th_table *t0 = &c->t[0][0];
    int nb = t0->np - 1, na = c->nD - 1;
    /* D-invariance by TOST */
    double llo = log(CD_LO), lhi = log(CD_HI);
    st_grade_t g_inv = ST_PASS;
    st_interval worst = {0};
    double worst_D = NAN, worst_n = NAN;
    int have = 0;
    for (int a = 1; a < c->nD; a++)
        for (int b = 0; b < t0->np; b++) {
            int pb = th_table_find(&c->t[a][0], t0->x[b]);
            st_interval d;
            if (pb < 0) st_interval_make(NAN, NAN, 0, &d);
            else th_table_diff_at(t0, b, &c->t[a][0], pb, &d);
            g_inv = st_grade_worst(g_inv, st_grade_equiv(&d, llo, lhi));
            if (!have || !(fabs(d.mean) <= fabs(worst.mean))) {
                worst = d;
                worst_D = c->D[a];
                worst_n = t0->x[b];
                have = 1;
            }
        }
    /* decrease with n at every D */
    st_grade_t g_dec = ST_PASS;
    char dec_txt[256] = "";
    int off = 0;
    double fall_max = 0, fall_se = NAN;
    for (int a = 0; a < c->nD; a++) {
        const th_table *t = &c->t[a][0];
        st_trend tr;
        double fall, fse;
        st_grade_t gd;
        if (cd_decrease(t, &tr, &fall, &fse, &gd)) {
            g_dec = ST_FAIL;
            continue;
        }
        if (!(fall <= fall_max)) {
            fall_max = fall;
            fall_se = fse;
        }
        g_dec = st_grade_worst(g_dec, gd);
        if (off < (int)sizeof dec_txt)
            off += snprintf(dec_txt + off, sizeof dec_txt - off, " D%g:%s(%s,fall=%.3g)", c->D[a],
                            tr.use_signs ? "signs" : "rho", st_grade_name(tr.grade), fall);
        if (tr.use_signs && off < (int)sizeof dec_txt)
            off += snprintf(dec_txt + off, sizeof dec_txt - off, "[%d/%d,p=%.2g]", tr.k, tr.n, tr.p);
    }
    /* baselines: loss(Dmax)/loss(Dmin) at nmax, reported, not judged */
    double mk[2], mr[2];
    for (int k = 0; k < 2; k++) {
        double mean[TH_MAX_POINTS];
        th_table_means(&c->t[k ? na : 0][1], mean);
        mk[k] = mean[nb];
        th_table_means(&c->t[k ? na : 0][2], mean);
        mr[k] = mean[nb];
    }
    /* the excess-risk rate in n at the smallest and the largest D, reported against
     * Liu et al.'s exponent -s/(2s + 2(s v d)) (s = 2, d = 1: -0.25), not graded: the
     * exponent is an upper bound's and too shallow to resolve over one decade of n
     * (research notes 8.4) */
    char rate_txt[160] = "";
    for (int k = 0, o = 0; k < 2 && o < (int)sizeof rate_txt; k++) {
        st_rate r;
        if (th_table_rate(&c->t[k ? na : 0][0], in, CD_RATE, &r, NULL)) {
            op_error_clear();
            continue;
        }
        o += snprintf(rate_txt + o, sizeof rate_txt - (size_t)o, "%srate_n@D=%g=%.3g±%.2g", k ? " " : "",
                      c->D[k ? na : 0], r.slope.mean, r.slope.se);
    }
    v->measured = exp(worst.mean);
    v->se = exp(worst.mean) * worst.se;
    v->predicted = 1;
    v->lo = CD_LO;
    v->hi = CD_HI;
    v->grade = st_grade_worst(g_inv, g_dec);
    char eq[160];
    th_equiv_text("worst_log_ratio", &worst, llo, lhi, g_inv, eq, sizeof eq);
    snprintf(v->extra, sizeof v->extra,
             "quantity=worst paired excess(D)/excess(D=%g) at D=%g n=%g %s decrease:%s%s "
             "fall_max=%.3g±%.2g %s(predicted %.3g, reported) knn_ratio_at_nmax=%.3g krr_ratio_at_nmax=%.3g",
             c->D[0], worst_D, worst_n, eq, st_grade_name(g_dec), dec_txt, fall_max, fall_se, rate_txt, CD_RATE,
             exp(mk[1] - mk[0]), exp(mr[1] - mr[0]));
    snprintf(v->note, sizeof v->note, "worst excess-risk D-ratio %.2f ± %.2f (TOST vs [0.7, 1.4]: %s); decrease: %s",
             v->measured, v->se, st_grade_name(g_inv), st_grade_name(g_dec));
    /* Figures. loss-vs-D at nmax: the net and both baselines. loss-vs-n: the net and
     * the kernel ridge at the smallest and the largest D (all of the quick preset's D;
     * TH_MAX_SERIES = 8 leaves no room for the full preset's middle D, which loss-vs-D
     * shows), and the k-NN once (the same at every D). A control shows its net only:
     * the baselines on coin-flip labels say nothing. */
    const char *who = !in->control ? "ConvResNet" : strcmp(in->control, "rbf-ridge") == 0 ? CD_KRR_NAME : in->control;
    char nm[48];
    int s = 0;
    snprintf(nm, sizeof nm, "%s, n=%g", who, t0->x[nb]);
    cd_series(c, nm, 0, 0, 0, nb, &v->series[s++]);
    if (!in->control) {
        snprintf(nm, sizeof nm, CD_KRR_NAME ", n=%g", t0->x[nb]);
        cd_series(c, nm, 0, 2, 0, nb, &v->series[s++]);
        snprintf(nm, sizeof nm, CD_KNN_NAME ", n=%g", t0->x[nb]);
        cd_series(c, nm, 0, 1, 0, nb, &v->series[s++]);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(nm, sizeof nm, "%s, D=%g", who, c->D[k ? na : 0]);
        cd_series(c, nm, 1, 0, 1, k ? na : 0, &v->series[s++]);
    }
    if (!in->control) {
        for (int k = 0; k < 2; k++) {
            snprintf(nm, sizeof nm, CD_KRR_NAME ", D=%g", c->D[k ? na : 0]);
            cd_series(c, nm, 1, 2, 1, k ? na : 0, &v->series[s++]);
        }
        snprintf(nm, sizeof nm, CD_KNN_NAME ", every D");
        cd_series(c, nm, 1, 1, 1, 0, &v->series[s++]);
    }
    v->nseries = s;
    /* no reference line: the y quantity is the excess risk, whose floor 0 a log axis
     * cannot show (the Bayes risk H(0.1) is the floor of the total loss, not drawn) */
    cd_tables_free(c);
    free(c);
    return OP_OK;
}

/* compare (one fixed manifold, --ambient only): a row is one D, graded by the judge's
 * per-D criterion, the decrease with n (cd_decrease); its measured value is the fall
 * excess(nmax)/excess(nmin). The D-invariance is compare's D-equivalence section: the
 * level ratio excess(D)/excess(D first) at every n in [0.7, 1.4] by TOST, the statistic
 * and band of cd_judge (th_dinv_judge computes the same paired per-seed log ratios). */
static int cd_subset_judge(const th_judge_in *in, th_verdict *v)
{
    if (in->nrecs < 1) OP_ERROR(OP_EUSAGE, "classification-dinv: no records to judge");
    th_table t;
    OP_TRY(th_table_collect(in, "n", M_EXCESS, NULL, &t));
    int s = th_table_log(&t, in, "excess risk");
    if (s) {
        th_table_free(&t);
        return s;
    }
    st_trend tr;
    double fall = NAN, fall_se = NAN;
    st_grade_t g = ST_FAIL;
    if (cd_decrease(&t, &tr, &fall, &fall_se, &g)) g = ST_FAIL;
    v->grade = g;
    v->measured = fall;
    v->se = fall_se;
    v->predicted = CD_MIN_FALL;
    snprintf(v->predicted_text, sizeof v->predicted_text, "<=%g", CD_MIN_FALL);
    v->lo = 0;
    v->hi = CD_MIN_FALL;
    th_series *se = &v->series[0];
    th_table_series(&t, 1, se);
    snprintf(se->name, sizeof se->name, "ConvResNet, D=%g", rec_param(&in->recs[0], "D"));
    se->figure = 1; /* loss-vs-n */
    for (int i = 0; i < se->n; i++) se->fit[i] = se->pred[i] = NAN;
    v->nseries = 1;
    th_table_free(&t);
    return OP_OK;
}

static double cd_dim(const char *manifold) { return strcmp(manifold, CD_MANIFOLD) == 0 ? 1 : NAN; }

static int cd_validate(const char *manifold, double D)
{
    (void)manifold;
    if (D < 3) OP_ERROR(OP_EUSAGE, "--ambient %g is smaller than the embedding dimension 3 of the " CD_MANIFOLD, D);
    return OP_OK;
}

#define CD_YLABEL "excess logistic risk over the Bayes risk 0.325 (geometric mean over seeds, bars +-1 s.e.)"

const th_check th_classification_dinv = {
    .id = "classification-dinv",
    .graded = "paired excess-risk ratio excess(D)/excess(Dmin) furthest from 1, over n and D (TOST)",
    .cite = {"liu2021besov", "zhang2024nonparametric"},
    .citation = "Liu, Chen, Zhao, Liao, ICML 2021 (arXiv 2109.02832), logistic excess risk "
                "O~(n^-s/(2s+2(s v d))); Zhang et al., NeurIPS 2024 (arXiv 2307.01649), helix padded to D "
                "(experiment details from summaries only)",
    .claim = "A ConvResNet classifier's excess logistic risk on a 1-D manifold falls with n and does not "
             "depend on the ambient dimension D. On the same data, RBF kernel ridge with the non-adaptive "
             "default bandwidth gamma = 1/D degrades with D (judged as the control rbf-ridge); k-NN (adaptive) "
             "is exactly D-invariant under the isometry (plotted).",
    .prediction = "excess(D)/excess(Dmin) in [0.7, 1.4] at every n and D; the excess risk falls with n at every D "
                  "(sign test / Spearman) and excess(nmax)/excess(nmin) <= 0.9; rate in n reported against "
                  "-s/(2s+2(s v d)) = -0.25",
    .band_source = "THEOREMS.md classification-dinv and research notes 8.4 (exponent too shallow: trend + "
                   "D-invariance)",
    .metrics = {"loss", "err", "knn_loss", "knn_err", "krr_loss", "krr_err", "krr_clipped", "excess", "knn_excess",
                "krr_excess"},
    .quick = {.axes = {{"D", 3, {4, 16, 64}}, {"n", 4, {128, 256, 512, 1024}}}, .seeds = 3},
    .full = {.axes = {{"D", 5, {4, 16, 32, 64, 128}}, {"n", 5, {128, 256, 512, 1024, 2048}}}, .seeds = 15},
    .controls = {{"rbf-ridge", "near miss: a method whose only dependence on D is non-adaptive (RBF kernel ridge, "
                               "gamma = 1/D) on the same data and labels, graded by the same D criterion: its excess "
                               "risk grows with D, so the check must FAIL", 1}},
    .figures = {{"loss-vs-D", "helix in R^D (10% label flips): test loss vs ambient dimension D",
                 "ambient dimension D", CD_YLABEL, 1, 1, 0, NULL},
                {"loss-vs-n", "helix in R^D: test loss vs n (RBF ridge: gamma=1/D default, not adaptive)",
                 "training points n", CD_YLABEL, 1, 1, 0, NULL}},
    .compare = {.ambient_axis = "D", .intrinsic_dim = cd_dim, .valid_manifolds = CD_MANIFOLD,
                .validate = cd_validate, .fixed_manifold = CD_MANIFOLD, .subset_judge = cd_subset_judge,
                .x_axis = "n", .metric = M_EXCESS, .dratio_lo = CD_LO, .dratio_hi = CD_HI},
    .run = cd_run,
    .judge = cd_judge,
};
