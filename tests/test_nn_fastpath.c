/* The fast paths of the training step against their references:
 *  - the fused float32 Adam/AdamW pass follows the float64 one (the same model trained in
 *    both precisions from the same start stays within a small fraction of one step);
 *  - NN_BWD_SET (gradients written, no nn_zero_grad) gives bitwise the gradients of
 *    nn_zero_grad + accumulate, whatever garbage the gradient buffer held. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/nn.h"
#include "test_util.h"

static op_rng rng;

static void random_data(nn_dataset *d, long n, int D, double *x, double *y)
{
    for (long i = 0; i < n * D; i++) x[i] = op_rng_normal(&rng);
    for (long i = 0; i < n; i++) y[i] = op_rng_normal(&rng);
    *d = (nn_dataset){n, D, 1, x, y};
}

/* Train an f64 model and an f32 copy for `steps` full-batch Adam(W) steps; every
 * parameter moves by at most ~lr per step, and the two precisions must agree to a small
 * fraction of that (float rounding of the gradients changes an update by ~1e-6 lr unless
 * |g| ~ eps). A wrong bias correction or a wrong decay moves parameters by O(lr). */
static void test_adam_f32_vs_f64(nn_opt opt, const char *what)
{
    const int D = 8, steps = 5;
    const long n = 64;
    double x[64 * 8], y[64];
    nn_dataset tr;
    random_data(&tr, n, D, x, y);
    nn_config cfg = nn_config_mlp(D, 2, 32, 1, NN_PARAM_STANDARD);
    nn_model *m64, *m32;
    CHECK(nn_model_create(&cfg, NN_F64, (int)n, &m64) == 0, "create f64 mlp");
    CHECK(nn_model_create(&cfg, NN_F32, (int)n, &m32) == 0, "create f32 mlp");
    nn_model_init(m64, &rng);
    /* Start from float-representable values so both begin at the same point. */
    size_t np = m64->nparams;
    double *p0 = malloc(sizeof(double) * np), *p64 = malloc(sizeof(double) * np),
           *p32 = malloc(sizeof(double) * np);
    nn_params_get(m64, p0);
    for (size_t i = 0; i < np; i++) p0[i] = (float)p0[i];
    nn_params_set(m64, p0);
    nn_params_set(m32, p0);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.opt = opt, o.lr = 1e-2, o.epochs = steps, o.batch = (int)n, o.seed = 5;
    o.wd = opt == NN_OPT_SGD ? 0 : 0.05;
    nn_train_result r64, r32;
    CHECK(nn_train(m64, &tr, NULL, &o, &r64) == 0 && nn_train(m32, &tr, NULL, &o, &r32) == 0,
          "%s: both trainings run", what);
    nn_params_get(m64, p64);
    nn_params_get(m32, p32);
    double maxd = 0, moved = 0;
    for (size_t i = 0; i < np; i++) {
        maxd = fmax(maxd, fabs(p64[i] - p32[i]));
        moved = fmax(moved, fabs(p64[i] - p0[i]));
    }
    CHECK(moved > 0.5 * o.lr && moved < 1.5 * steps * o.lr,
          "%s: parameters moved %.3g (lr %g, %d steps)", what, moved, o.lr, steps);
    CHECK(maxd < 2e-3 * o.lr, "%s: float32 vs float64 parameters differ by %.3g (< 2e-3 lr)", what,
          maxd);
    free(p0), free(p64), free(p32);
    nn_model_free(m64);
    nn_model_free(m32);
}

/* Gradients with NN_BWD_SET over a NaN-filled gradient buffer equal those of
 * nn_zero_grad + accumulate, bit for bit. */
static void test_bwd_set(nn_config cfg, nn_prec prec, const char *what)
{
    const int B = 6;
    nn_model *m;
    CHECK(nn_config_check(&cfg) == 0 && nn_model_create(&cfg, prec, B, &m) == 0, "%s: create", what);
    nn_model_init(m, &rng);
    const size_t es = prec == NN_F32 ? sizeof(float) : sizeof(double);
    const int in = cfg.in_dim, O = cfg.outputs;
    void *x = malloc(es * (size_t)B * in), *dout = malloc(es * (size_t)B * O);
    for (long i = 0; i < (long)B * in; i++) {
        double v = op_rng_normal(&rng);
        if (prec == NN_F32) ((float *)x)[i] = (float)v;
        else ((double *)x)[i] = v;
    }
    for (long i = 0; i < (long)B * O; i++) {
        double v = op_rng_normal(&rng);
        if (prec == NN_F32) ((float *)dout)[i] = (float)v;
        else ((double *)dout)[i] = v;
    }
    size_t np = m->nparams;
    double *g1 = malloc(sizeof(double) * np), *g2 = malloc(sizeof(double) * np);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) nn_zero_grad(m);
        else memset(m->grads, 0xff, es * np); /* NaN everywhere */
        int fl = NN_BWD_PARAMS | (pass ? NN_BWD_SET : 0);
        int st;
        if (prec == NN_F32)
            st = nn_forward_f32(m, x, B, NULL) || nn_backward_f32(m, dout, B, NULL, fl);
        else
            st = nn_forward_f64(m, x, B, NULL) || nn_backward_f64(m, dout, B, NULL, fl);
        CHECK(st == 0, "%s: forward/backward pass %d runs", what, pass);
        nn_grads_get(m, pass ? g2 : g1);
    }
    CHECK(memcmp(g1, g2, sizeof(double) * np) == 0, "%s: NN_BWD_SET gradients equal zero+accumulate",
          what);
    double nrm = 0;
    for (size_t i = 0; i < np; i++) nrm += g1[i] * g1[i];
    CHECK(nrm > 0 && isfinite(nrm), "%s: gradient is nonzero and finite (|g|^2 = %.3g)", what, nrm);
    free(x), free(dout), free(g1), free(g2);
    nn_model_free(m);
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_fastpath", 1));
    test_adam_f32_vs_f64(NN_OPT_ADAM, "adam");
    test_adam_f32_vs_f64(NN_OPT_ADAMW, "adamw");
    nn_config mlp = nn_config_mlp(12, 2, 40, 3, NN_PARAM_NTK);
    test_bwd_set(mlp, NN_F32, "mlp f32");
    test_bwd_set(mlp, NN_F64, "mlp f64");
    nn_config c2 = nn_config_convresnet2d(6, 5, 3, 3, 2, 2, 4);
    c2.head = NN_HEAD_POOL;
    test_bwd_set(c2, NN_F32, "convresnet2d f32");
    test_bwd_set(nn_config_convresnet1d(10, 4, 3, 2, 2, 2), NN_F64, "convresnet1d f64");
    return test_summary("test_nn_fastpath");
}
