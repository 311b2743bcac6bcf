/* overparam bench: training throughput on the reference workloads W1-W5
 * (defined here; the same shapes as bench/peer_torch.py).
 *
 * Each workload times nn_train itself -- the real training loop (forward, backward,
 * Adam update; PGD attack steps for W5) -- on one fixed batch, after a warm-up.
 * FLOPs per step are counted from the model's weight tensors: a forward pass costs
 * 2 * B * positions * |W| per weight tensor (positions = D for 1-D convs, H*W for
 * 2-D convs, 1 for dense layers); a training step costs 3 forwards (forward, input
 * gradient, weight gradient) and each PGD step 2 (forward, input gradient). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core/args.h"
#include "core/blas.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "nn/nn_layers.h"

typedef struct {
    const char *id, *what;
    nn_config cfg;
    nn_loss loss;
    int batch, adv_steps, steps;
} workload;

static int make_workloads(workload *w)
{
    int n = 0;
    w[n] = (workload){"W1", "ConvResNet1d D=64 C=32 K=3 M=4 L=2, B=128, MSE",
                      nn_config_convresnet1d(64, 32, 3, 2, 4, 1), NN_LOSS_MSE, 128, 0, 300};
    n++;
    w[n] = (workload){"W2", "ConvResNet1d D=256 C=64 K=3 M=8 L=2, B=128, MSE",
                      nn_config_convresnet1d(256, 64, 3, 2, 8, 1), NN_LOSS_MSE, 128, 0, 12};
    n++;
    w[n] = (workload){"W3", "MLP 16-4096-4096-1 ReLU, B=256, MSE",
                      nn_config_mlp(16, 2, 4096, 1, NN_PARAM_STANDARD), NN_LOSS_MSE, 256, 0, 12};
    n++;
    nn_config c4 = nn_config_convresnet2d(28, 28, 16, 3, 2, 3, 10);
    c4.head = NN_HEAD_POOL;
    w[n] = (workload){"W4", "ConvResNet2d 28x28 C=16 3x3 M=3 L=2, pool head, B=128, softmax CE", c4,
                      NN_LOSS_CE, 128, 0, 30};
    n++;
    w[n] = (workload){"W5", "W4 + PGD adversarial training, 5 attack steps per update", c4, NN_LOSS_CE,
                      128, 5, 8};
    n++;
    return n;
}

static double forward_flops(const nn_model *m, int B)
{
    double f = 0;
    for (int i = 0; i < m->ntensors; i++) {
        const nn_tensor *t = &m->tensors[i];
        if (strstr(t->name, "bias")) continue;
        double pos = 1;
        if (t->ndim == 3) pos = m->cfg.D;
        if (t->ndim == 4) pos = (double)m->cfg.H * m->cfg.W;
        f += 2.0 * B * pos * (double)t->count;
    }
    return f;
}

static int run_workload(const workload *w, long steps, double *steps_per_s, double *gflops)
{
    nn_config cfg = w->cfg;
    OP_TRY(nn_config_check(&cfg));
    nn_model *m = NULL;
    OP_TRY(nn_model_create(&cfg, NN_F32, w->batch, &m));
    op_rng rng;
    op_rng_seed(&rng, op_seed_from_key(w->id, 0));
    nn_model_init(m, &rng);

    int B = w->batch, in = cfg.in_dim, ydim = nn_loss_target_dim(w->loss, cfg.outputs);
    double *x = malloc(sizeof(double) * (size_t)B * (size_t)in);
    double *y = malloc(sizeof(double) * (size_t)B * (size_t)ydim);
    if (!x || !y) {
        free(x);
        free(y);
        nn_model_free(m);
        OP_ERROR(OP_ENOMEM, "out of memory for the %s batch", w->id);
    }
    for (long i = 0; i < (long)B * in; i++) x[i] = op_rng_normal(&rng);
    for (long i = 0; i < (long)B * ydim; i++)
        y[i] = w->loss == NN_LOSS_CE ? (double)op_rng_below(&rng, (uint64_t)cfg.outputs)
                                     : op_rng_normal(&rng);
    nn_dataset data = {B, in, ydim, x, y};
    nn_attack adv = nn_attack_pgd(NN_NORM_LINF, 0.1, w->adv_steps, 0.01, 0);
    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = w->loss;
    o.opt = NN_OPT_ADAM;
    o.batch = B;
    o.keep_best = 0;
    o.patience = 0;
    o.adv = w->adv_steps ? &adv : NULL;
    nn_train_result res;
    /* Warm-up: page in buffers, let BLAS spin up its threads. */
    o.epochs = 3;
    int st = nn_train(m, &data, NULL, &o, &res);
    if (!st) {
        o.epochs = (int)steps;
        st = nn_train(m, &data, NULL, &o, &res);
    }
    if (!st) {
        double fwd = forward_flops(m, B);
        double per_step = 3 * fwd + (double)w->adv_steps * 2 * fwd;
        *steps_per_s = (double)res.steps / res.seconds;
        *gflops = per_step * *steps_per_s / 1e9;
    }
    free(x);
    free(y);
    nn_model_free(m);
    return st;
}

int cmd_bench(int argc, char **argv)
{
    const char *only = NULL, *conv = "auto";
    long threads = 2, steps = 0;
    op_arg spec[] = {
        {"workload", OP_ARG_STR, &only, 0, 0, "W1..W5, or a comma-separated list (default: all)", 0},
        {"threads", OP_ARG_INT, &threads, 1, 1024, "threads (default 2, as the reference numbers)", 0},
        {"steps", OP_ARG_INT, &steps, 1, 100000, "timed steps per workload (default per workload)", 0},
        {"conv", OP_ARG_STR, &conv, 0, 0,
         "convolution path: auto (the rule), im2col, or direct (for any channel count)", 0},
    };
    int ns = (int)(sizeof spec / sizeof spec[0]);
    int st = op_args_parse("overparam bench", argc - 1, argv + 1, spec, ns, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam bench [--workload W] [--threads N] [--steps N] [--conv P]",
                           "Training steps per second (forward + backward + Adam) and GFLOPS on the\n"
                           "reference workloads W1-W5 (docs/performance.md). One line per workload:\n"
                           "  W1 steps_per_s=93.1 gflops=112.0\n"
                           "then the BLAS core and thread count. bench/compare times the PyTorch peer\n"
                           "in the same run.",
                           spec, ns);
        return 0;
    }
    nn_conv_path conv_path = NN_CONV_AUTO;
    if (st || (st = nn_conv_path_parse(conv, &conv_path))) return cli_fail(st);
    workload w[8];
    int nw = make_workloads(w);
    for (int i = 0; i < nw; i++) w[i].cfg.conv = conv_path; /* the MLP's config check resets it */
    int pick[8] = {0};
    if (only) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", only);
        size_t ol = strlen(only); /* strtok_r skips empty entries: "W1," would pass unseen */
        if (ol == 0 || only[0] == ',' || only[ol - 1] == ',' || strstr(only, ",,")) {
            return cli_usage("--workload '%s' has an empty entry; allowed: W1, W2, W3, W4, W5, comma-separated",
                             only);
        }
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int found = 0;
            for (int i = 0; i < nw; i++)
                if (strcasecmp(tok, w[i].id) == 0) pick[i] = found = 1;
            if (!found) {
                return cli_usage("--workload '%s' is unknown; allowed: W1, W2, W3, W4, W5", tok);
            }
        }
    } else {
        for (int i = 0; i < nw; i++) pick[i] = 1;
    }
    omp_set_num_threads((int)threads);
    op_blas_set_threads((int)threads);
    for (int i = 0; i < nw; i++) {
        if (!pick[i]) continue;
        double sps = 0, gf = 0;
        st = run_workload(&w[i], steps ? steps : w[i].steps, &sps, &gf);
        if (st) return cli_fail(st);
        printf("%s steps_per_s=%.2f gflops=%.1f  # %s\n", w[i].id, sps, gf, w[i].what);
        fflush(stdout);
    }
    printf("blas_core=%s isa=%s threads=%ld conv=%s\n", op_blas_core(), nn_isa_name(), threads, conv);
    return 0;
}
