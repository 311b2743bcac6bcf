/* Attacks: FGSM/PGD iterates stay in the eps-ball (l-inf and l2) and in the clip range,
 * increase the loss over the clean input, eps = 0 is the identity; the input-gradient
 * API agrees between precisions and with per-sample finite differences. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "test_util.h"

static op_rng rng;

static nn_model *trained_classifier(double *x, double *y, long n)
{
    /* Two Gaussian blobs in R^8 (means +-0.8 e_1 + noise), logistic loss. */
    for (long i = 0; i < n; i++) {
        y[i] = i % 2 ? 1 : -1;
        for (int j = 0; j < 8; j++) x[i * 8 + j] = 0.5 * op_rng_normal(&rng) + (j == 0 ? 0.8 * y[i] : 0);
    }
    nn_config cfg = nn_config_mlp(8, 2, 32, 1, NN_PARAM_STANDARD);
    nn_model *m;
    nn_model_create(&cfg, NN_F32, 64, &m);
    nn_model_init(m, &rng);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = NN_LOSS_LOGISTIC, o.lr = 3e-3, o.epochs = 20, o.batch = 32;
    nn_dataset tr = {n, 8, 1, x, y};
    CHECK(nn_train(m, &tr, NULL, &o, NULL) == 0, "classifier trains");
    return m;
}

static void check_attack(nn_model *m, const char *name, nn_attack a, const double *x,
                         const double *y, long n)
{
    double *xa = malloc(sizeof(double) * n * 8), *lc = malloc(sizeof(double) * n),
           *la = malloc(sizeof(double) * n), *g = malloc(sizeof(double) * n * 8);
    op_rng r;
    op_rng_seed(&r, 99);
    int st = nn_attack_run(m, &a, NN_LOSS_LOGISTIC, x, y, n, &r, xa);
    CHECK(st == 0, "%s runs (%s)", name, st ? op_error_message() : "ok");
    double worst = 0, mc = 0, ma = 0;
    int inrange = 1;
    for (long i = 0; i < n; i++) {
        double nrm = 0;
        for (int j = 0; j < 8; j++) {
            double d = fabs(xa[i * 8 + j] - x[i * 8 + j]);
            nrm = a.norm == NN_NORM_LINF ? fmax(nrm, d) : nrm + d * d;
            if (a.clip) inrange &= xa[i * 8 + j] >= a.clip_lo && xa[i * 8 + j] <= a.clip_hi;
        }
        if (a.norm == NN_NORM_L2) nrm = sqrt(nrm);
        worst = fmax(worst, nrm);
    }
    nn_input_grad_loss(m, NN_LOSS_LOGISTIC, x, y, n, g, lc);
    nn_input_grad_loss(m, NN_LOSS_LOGISTIC, xa, y, n, g, la);
    long up = 0;
    for (long i = 0; i < n; i++) {
        mc += lc[i] / n, ma += la[i] / n;
        up += la[i] >= lc[i];
    }
    /* float32 iterates: the ball holds up to rounding of x + delta (|x| <= ~3, 2^-24 rel). */
    CHECK(worst <= a.eps * (1 + 1e-6) + 4e-7, "%s: max ||x_adv - x|| = %.9g <= eps %g", name, worst, a.eps);
    CHECK(ma > 1.5 * mc, "%s: mean loss %.4f on attacked inputs > 1.5 x clean %.4f", name, ma, mc);
    CHECK(up >= n * 95 / 100, "%s: loss increased on %ld of %ld samples", name, up, n);
    if (a.clip) CHECK(inrange, "%s: inputs stay in the clip range", name);
    printf("%-28s clean loss %.4f -> attacked %.4f, max dist %.6f (eps %g)\n", name, mc, ma, worst, a.eps);
    free(xa), free(lc), free(la), free(g);
}

static void input_grad_api(nn_model *m32, const double *x, const double *y)
{
    nn_model *m64;
    nn_config cfg = m32->cfg;
    nn_model_create(&cfg, NN_F64, 16, &m64);
    nn_model_copy_params(m64, m32);
    double g32[16 * 8], g64[16 * 8], l64[16];
    nn_input_grad_loss(m32, NN_LOSS_LOGISTIC, x, y, 16, g32, NULL);
    nn_input_grad_loss(m64, NN_LOSS_LOGISTIC, x, y, 16, g64, l64);
    double num = 0, den = 0;
    for (int i = 0; i < 16 * 8; i++) num = fmax(num, fabs(g32[i] - g64[i])), den = fmax(den, fabs(g64[i]));
    CHECK(num <= 1e-4 * den, "float and double input gradients agree (rel %.2e)", num / den);
    /* Per-sample finite differences of the per-sample loss (double). */
    double worst = 0, xp[8], lp, lm;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) {
            memcpy(xp, x + i * 8, sizeof xp);
            xp[j] += 1e-6;
            nn_input_grad_loss(m64, NN_LOSS_LOGISTIC, xp, y + i, 1, g32, &lp);
            xp[j] -= 2e-6;
            nn_input_grad_loss(m64, NN_LOSS_LOGISTIC, xp, y + i, 1, g32, &lm);
            double fd = (lp - lm) / 2e-6;
            worst = fmax(worst, fabs(fd - g64[i * 8 + j]) / fmax(fabs(g64[i * 8 + j]), 1e-3));
        }
    CHECK(worst < 1e-5, "per-sample input gradient = finite differences (rel %.2e)", worst);
    /* Output gradient: for one output and the MSE... d out/dx equals loss grad / dloss/dout. */
    double go[16 * 8];
    CHECK(nn_input_grad_output(m64, x, 16, 0, go) == 0, "output input-gradient runs");
    double out[16];
    nn_predict(m64, x, 16, out);
    double w2 = 0;
    for (int i = 0; i < 16; i++) {
        double t = y[i] > 0.5 ? 1 : -1, u = -t * out[i];
        double dl = -t / (1 + exp(-u)) * 1.0; /* d loss_i / d f_i */
        for (int j = 0; j < 8; j++) w2 = fmax(w2, fabs(dl * go[i * 8 + j] - g64[i * 8 + j]));
    }
    CHECK(w2 < 1e-12, "loss input-gradient = dloss/df * output input-gradient (%.2e)", w2);
    nn_model_free(m64);
}

/* PGD adversarial training (nn_train_opts.adv) lowers the loss under attack compared
 * with standard training of the same model on the same data. */
static void adversarial_training(const double *x, const double *y, long n)
{
    nn_attack pgd = nn_attack_pgd(NN_NORM_L2, 0.8, 5, 0.3, 1);
    double robust[2];
    for (int adv = 0; adv < 2; adv++) {
        nn_config cfg = nn_config_mlp(8, 2, 32, 1, NN_PARAM_STANDARD);
        nn_model *m;
        nn_model_create(&cfg, NN_F32, 64, &m);
        op_rng r;
        op_rng_seed(&r, 42);
        nn_model_init(m, &r);
        nn_train_opts o;
        nn_train_opts_default(&o);
        o.loss = NN_LOSS_LOGISTIC, o.lr = 3e-3, o.epochs = 20, o.batch = 32, o.adv = adv ? &pgd : NULL;
        nn_dataset tr = {n, 8, 1, x, y};
        CHECK(nn_train(m, &tr, NULL, &o, NULL) == 0, "training with adv=%d", adv);
        double *xa = malloc(sizeof(double) * n * 8);
        op_rng_seed(&r, 7);
        nn_attack strong = nn_attack_pgd(NN_NORM_L2, 0.8, 20, 0.1, 1);
        nn_attack_run(m, &strong, NN_LOSS_LOGISTIC, x, y, n, &r, xa);
        nn_eval(m, NN_LOSS_LOGISTIC, xa, y, n, &robust[adv], NULL);
        free(xa);
        nn_model_free(m);
    }
    printf("robust loss under PGD-20 l2 eps .8: standard training %.4f, PGD training %.4f\n",
           robust[0], robust[1]);
    CHECK(robust[1] < 0.8 * robust[0], "adversarial training lowers the robust loss (%.4f vs %.4f)",
          robust[1], robust[0]);
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_attack", 3));
    const long n = 512;
    double *x = malloc(sizeof(double) * n * 8), *y = malloc(sizeof(double) * n);
    nn_model *m = trained_classifier(x, y, n);
    check_attack(m, "fgsm linf eps .3", nn_attack_fgsm(NN_NORM_LINF, 0.3), x, y, n);
    check_attack(m, "pgd linf eps .3 10 steps", nn_attack_pgd(NN_NORM_LINF, 0.3, 10, 0.075, 1), x, y, n);
    check_attack(m, "fgsm l2 eps .8", nn_attack_fgsm(NN_NORM_L2, 0.8), x, y, n);
    check_attack(m, "pgd l2 eps .8 10 steps", nn_attack_pgd(NN_NORM_L2, 0.8, 10, 0.2, 1), x, y, n);
    nn_attack c = nn_attack_pgd(NN_NORM_LINF, 0.3, 5, 0.1, 1);
    c.clip = 1, c.clip_lo = -1, c.clip_hi = 1;
    double *xc = malloc(sizeof(double) * n * 8);
    for (long i = 0; i < n * 8; i++) xc[i] = fmax(-1, fmin(1, x[i]));
    check_attack(m, "pgd linf clip [-1,1]", c, xc, y, n);
    /* eps = 0 is the identity (also with a random start). */
    nn_attack z = nn_attack_pgd(NN_NORM_L2, 0, 3, 0.1, 1);
    double *xz = malloc(sizeof(double) * n * 8);
    nn_attack_run(m, &z, NN_LOSS_LOGISTIC, x, y, n, &rng, xz);
    int same = 1;
    for (long i = 0; i < n * 8; i++) same &= (float)x[i] == (float)xz[i];
    CHECK(same, "eps = 0 leaves the inputs unchanged");
    input_grad_api(m, x, y);
    adversarial_training(x, y, n);
    free(x), free(y), free(xc), free(xz);
    nn_model_free(m);
    return test_summary("test_nn_attack");
}
