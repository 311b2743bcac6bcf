/* nn_mlp_last_hidden (issue 18): the last hidden layer's activations of an MLP. The
 * output layer applied to them by hand (out = fwd_scale W h + beta b) must reproduce
 * nn_predict, in both precisions and across the max_batch boundary; the activations are
 * ReLU outputs (>= 0); a ConvResNet is refused with OP_EUSAGE. */
#include <math.h>
#include <stdio.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "test_util.h"

static void check_mlp(nn_prec prec, nn_param param, int bias, const char *name)
{
    enum { D = 5, W = 9, L = 3, O = 2, N = 23, B = 8 };
    op_rng rng;
    op_rng_seed(&rng, op_seed_from_key(name, 18));
    nn_config cfg = nn_config_mlp(D, L, W, O, param);
    cfg.bias = bias;
    nn_model *m;
    CHECK(nn_model_create(&cfg, prec, B, &m) == 0, "%s: create", name);
    nn_model_init(m, &rng);
    double x[N * D], h[N * W], out[N * O], P[4096];
    for (int i = 0; i < N * D; i++) x[i] = op_rng_normal(&rng);
    CHECK(nn_mlp_last_hidden(m, x, N, h) == 0, "%s: last hidden", name);
    CHECK(nn_predict(m, x, N, out) == 0, "%s: predict", name);
    nn_params_get(m, P);
    int per = bias ? 2 : 1;
    const nn_tensor *tw = &m->tensors[per * L], *tb = bias ? &m->tensors[per * L + 1] : NULL;
    double worst = 0, hmin = 0;
    for (int s = 0; s < N; s++)
        for (int o = 0; o < O; o++) {
            double acc = 0;
            for (int j = 0; j < W; j++) acc += P[tw->offset + (size_t)o * W + j] * h[s * W + j];
            acc *= tw->fwd_scale;
            if (tb) acc += tb->fwd_scale * P[tb->offset + o];
            worst = fmax(worst, fabs(acc - out[s * O + o]) / (1 + fabs(out[s * O + o])));
        }
    for (int i = 0; i < N * W; i++) hmin = fmin(hmin, h[i]);
    double tol = prec == NN_F32 ? 1e-5 : 1e-12;
    CHECK(worst <= tol, "%s: output layer on the hidden activations reproduces nn_predict (rel %.2g)", name, worst);
    CHECK(hmin >= 0, "%s: activations are ReLU outputs (min %g)", name, hmin);
    nn_model_free(m);
}

int main(void)
{
    check_mlp(NN_F32, NN_PARAM_STANDARD, 1, "mlp_f32_standard");
    check_mlp(NN_F64, NN_PARAM_STANDARD, 1, "mlp_f64_standard");
    check_mlp(NN_F32, NN_PARAM_NTK, 0, "mlp_f32_ntk_nobias");
    check_mlp(NN_F64, NN_PARAM_MF, 1, "mlp_f64_mf");
    nn_config c = nn_config_convresnet1d(8, 2, 3, 1, 1, 1);
    nn_model *m;
    CHECK(nn_model_create(&c, NN_F64, 2, &m) == 0, "convresnet: create");
    double x[16] = {0}, h[64];
    CHECK(nn_mlp_last_hidden(m, x, 2, h) == OP_EUSAGE, "convresnet refused: %s", op_error_message());
    op_error_clear();
    nn_model_free(m);
    return test_summary("test_nn_hidden");
}
