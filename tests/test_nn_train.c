/* Training: a ConvResNet fits a smooth ridge target on R^16, an MLP fits XOR-like
 * labels with the logistic loss; SGD/AdamW decrease the loss; divergence is reported;
 * early stopping keeps the best parameters; the learning-rate schedule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "test_util.h"

static op_rng rng;

/* A smooth target on a 1-D manifold: theta uniform on [0, 2 pi), x = cos(theta) q1 +
 * sin(theta) q2 (a unit circle in R^D through two random orthonormal directions, scaled by
 * 2.385), y = sin(2 theta) + 0.5 cos(theta) (variance 0.625). */
static void circle_data(int D, long n, double *x, double *y, const double *q1, const double *q2)
{
    for (long i = 0; i < n; i++) {
        double t = 2 * M_PI * op_rng_uniform(&rng);
        for (int j = 0; j < D; j++) x[i * D + j] = 2.385 * (cos(t) * q1[j] + sin(t) * q2[j]);
        y[i] = sin(2 * t) + 0.5 * cos(t);
    }
}

static void test_convresnet_fit(void)
{
    const int D = 16;
    const long n = 1024, nt = 512, nv = 256;
    double q1[16], q2[16], n1 = 0, d12 = 0, n2 = 0;
    for (int j = 0; j < D; j++) {
        q1[j] = op_rng_normal(&rng);
        q2[j] = op_rng_normal(&rng);
        n1 += q1[j] * q1[j];
    }
    for (int j = 0; j < D; j++) d12 += (q1[j] /= sqrt(n1)) * q2[j];
    for (int j = 0; j < D; j++) {
        q2[j] -= d12 * q1[j]; /* Gram-Schmidt */
        n2 += q2[j] * q2[j];
    }
    for (int j = 0; j < D; j++) q2[j] /= sqrt(n2);
    double *x = malloc(sizeof(double) * (n + nt + nv) * D), *y = malloc(sizeof(double) * (n + nt + nv));
    circle_data(D, n + nt + nv, x, y, q1, q2);
    double var = 0;
    for (long i = n; i < n + nt; i++) var += y[i] * y[i];
    var /= nt;
    nn_dataset tr = {n, D, 1, x, y}, va = {nv, D, 1, x + (n + nt) * D, y + n + nt};
    nn_config cfg = nn_config_convresnet1d(D, 4, 3, 2, 2, 1);
    nn_model *m;
    CHECK(nn_model_create(&cfg, NN_F32, 64, &m) == 0, "create convresnet");
    nn_model_init(m, &rng);
    double before;
    nn_eval(m, NN_LOSS_MSE, x + n * D, y + n, nt, &before, NULL);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.lr = 3e-3, o.epochs = 40, o.batch = 32, o.cosine = 1, o.seed = 7;
    nn_train_result res;
    int st = nn_train(m, &tr, &va, &o, &res);
    CHECK(st == 0, "convresnet trains (%s)", st ? op_error_message() : "ok");
    double test;
    nn_eval(m, NN_LOSS_MSE, x + n * D, y + n, nt, &test, NULL);
    printf("convresnet1d C=4 M=2 L=2 on a circle in R^16, n=%ld: test MSE %.4f (target variance "
           "%.3f, at init %.3f), %d epochs, %.1f s\n",
           n, test, var, before, res.epochs_run, res.seconds);
    CHECK(test < 0.005, "ConvResNet test MSE %.4f < 0.005 (target variance %.3f)", test, var);
    /* keep_best: the parameters left in the model are the best-validation ones. */
    double vl;
    nn_eval(m, NN_LOSS_MSE, va.x, va.y, va.n, &vl, NULL);
    CHECK(vl == res.best_val_loss, "restored parameters reproduce the best validation loss (%.6g vs %.6g)",
          vl, res.best_val_loss);
    nn_model_free(m);
    free(x), free(y);
}

/* Noisy-free XOR: x uniform in [-1,1]^2 away from the axes, label 1 iff x0*x1 > 0. */
static void xor_data(long n, double *x, double *y)
{
    for (long i = 0; i < n; i++) {
        double a, b;
        do {
            a = 2 * op_rng_uniform(&rng) - 1;
            b = 2 * op_rng_uniform(&rng) - 1;
        } while (fabs(a) < 0.05 || fabs(b) < 0.05);
        x[2 * i] = a, x[2 * i + 1] = b;
        y[i] = a * b > 0 ? 1 : -1;
    }
}

static void test_mlp_xor(nn_opt opt, double lr, const char *name)
{
    const long n = 1024, nt = 1024;
    double *x = malloc(sizeof(double) * 2 * (n + nt)), *y = malloc(sizeof(double) * (n + nt));
    xor_data(n + nt, x, y);
    nn_model *m;
    nn_config cfg = nn_config_mlp(2, 2, 32, 1, NN_PARAM_STANDARD);
    CHECK(nn_model_create(&cfg, NN_F32, 64, &m) == 0, "create mlp");
    nn_model_init(m, &rng);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = NN_LOSS_LOGISTIC, o.opt = opt, o.lr = lr, o.epochs = 60, o.batch = 32, o.seed = 3;
    o.momentum = opt == NN_OPT_SGD ? 0.9 : 0, o.wd = opt == NN_OPT_ADAMW ? 1e-4 : 0;
    nn_dataset tr = {n, 2, 1, x, y};
    nn_train_result res;
    int st = nn_train(m, &tr, NULL, &o, &res);
    CHECK(st == 0, "%s trains (%s)", name, st ? op_error_message() : "ok");
    double trl, tre, tel, tee;
    nn_eval(m, NN_LOSS_LOGISTIC, x, y, n, &trl, &tre);
    nn_eval(m, NN_LOSS_LOGISTIC, x + 2 * n, y + n, nt, &tel, &tee);
    printf("%s on XOR (n=%ld): train error %.3f (loss %.3f), test error %.3f, %.1f s\n", name, n, tre,
           trl, tee, res.seconds);
    CHECK(tre <= 0.03, "%s: XOR train error %.3f <= 0.03", name, tre);
    CHECK(tee <= 0.06, "%s: XOR test error %.3f <= 0.06", name, tee);
    nn_model_free(m);
    free(x), free(y);
}

static void test_divergence(void)
{
    const long n = 256;
    double *x = malloc(sizeof(double) * 2 * n), *y = malloc(sizeof(double) * n);
    xor_data(n, x, y);
    for (long i = 0; i < n; i++) y[i] *= 100; /* MSE on large targets with a huge lr */
    nn_model *m;
    nn_config cfg = nn_config_mlp(2, 2, 16, 1, NN_PARAM_STANDARD);
    nn_model_create(&cfg, NN_F32, 32, &m);
    nn_model_init(m, &rng);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.opt = NN_OPT_SGD, o.lr = 10, o.epochs = 50, o.batch = 32;
    nn_dataset tr = {n, 2, 1, x, y};
    op_error_clear();
    int st = nn_train(m, &tr, NULL, &o, NULL);
    CHECK(st == OP_EDIVERGE, "lr 10 on MSE diverges with OP_EDIVERGE (status %d)", st);
    CHECK(strstr(op_error_message(), "diverged") != NULL, "divergence message: %s", op_error_message());
    op_error_clear();
    /* NaN learning rate and a batch larger than max_batch are usage errors. */
    o.lr = NAN;
    CHECK(nn_train(m, &tr, NULL, &o, NULL) == OP_EUSAGE, "NaN lr rejected");
    op_error_clear();
    o.lr = 0.1, o.batch = 33;
    CHECK(nn_train(m, &tr, NULL, &o, NULL) == OP_EUSAGE, "batch > max_batch rejected");
    op_error_clear();
    o.batch = 8, o.loss = NN_LOSS_LOGISTIC;
    CHECK(nn_train(m, &tr, NULL, &o, NULL) == OP_EUSAGE, "logistic labels of 100 rejected: %s",
          op_error_message());
    op_error_clear();
    nn_model_free(m);
    free(x), free(y);
}

static void test_schedule(void)
{
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.lr = 1, o.cosine = 1;
    CHECK(nn_lr_at(&o, 0, 100) == 1, "cosine starts at lr");
    CHECK(fabs(nn_lr_at(&o, 50, 100) - 0.5) < 1e-12, "cosine at half-way is lr/2");
    CHECK(nn_lr_at(&o, 99, 100) > 0 && nn_lr_at(&o, 99, 100) < 1e-3, "cosine ends near 0");
    o.warmup_steps = 10;
    CHECK(fabs(nn_lr_at(&o, 0, 110) - 0.1) < 1e-12 && nn_lr_at(&o, 9, 110) == 1 &&
              nn_lr_at(&o, 10, 110) == 1,
          "linear warm-up over 10 steps then cosine from lr");
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_train", 11));
    test_schedule();
    test_convresnet_fit();
    test_mlp_xor(NN_OPT_ADAM, 3e-3, "mlp adam");
    test_mlp_xor(NN_OPT_SGD, 0.05, "mlp sgd+momentum");
    test_mlp_xor(NN_OPT_ADAMW, 3e-3, "mlp adamw");
    test_divergence();
    return test_summary("test_nn_train");
}
