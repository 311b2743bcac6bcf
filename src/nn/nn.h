/* overparam neural-network engine: ConvResNets (1-D and 2-D, theory form) and MLPs
 * (standard / NTK / mean-field parameterization), losses, optimizers, a training loop,
 * input gradients, FGSM/PGD attacks and a documented binary model format.
 *
 * Precision: one model type, precision chosen at creation (nn_prec). NN_F32 is what
 * training uses (BLAS sgemm); NN_F64 runs the same code in double (dgemm) for
 * gradient checks and kernel work. Typed entry points carry the suffix _f32 / _f64 and
 * refuse a model of the other precision (OP_EUSAGE). The double convenience API
 * (nn_predict, nn_input_grad_*, nn_eval, nn_attack_run) accepts either precision and
 * converts per batch.
 *
 * Memory: nn_model_create sizes every buffer (parameters, gradients, activations, BLAS
 * workspaces, attack buffers) for cfg + max_batch and carves them from one arena;
 * nn_train allocates its optimizer state and batch buffers once before the first step.
 * No function called inside a training step allocates.
 *
 * Determinism: every kernel writes each output element from one thread with a fixed
 * reduction order, and OpenBLAS gemm was measured bitwise identical for 1 and 2
 * threads, so results are identical for any OMP_NUM_THREADS (tests/nn_determinism.sh).
 *
 * Activation layout (internal, documented for layer users): a ConvResNet state with C
 * channels over B samples of S = D (1-D) or H*W (2-D) positions is stored channel-major
 * "CBS": element (c, b, s) at c*B*S + b*S + s, so a convolution over the whole batch is
 * one im2col + one GEMM. Inputs and outputs of the model are row-major [B][in_dim] and
 * [B][outputs]. */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/arena.h"

typedef enum { NN_CONVRESNET1D = 0, NN_CONVRESNET2D = 1, NN_MLP = 2 } nn_kind;
typedef enum { NN_F32 = 0, NN_F64 = 1 } nn_prec;
typedef enum { NN_HEAD_FC = 0, NN_HEAD_POOL = 1 } nn_head;
/* Convolution path of the float conv layers (nn_conv_path_parse below). */
typedef enum { NN_CONV_AUTO = 0, NN_CONV_IM2COL = 1, NN_CONV_DIRECT = 2 } nn_conv_path;
/* MLP parameterization (all layers ReLU except the output layer):
 *  NN_PARAM_STANDARD: PyTorch default init, weights and biases U(+-1/sqrt(fan_in)),
 *                     forward h = W x + b.
 *  NN_PARAM_NTK:      weights and biases N(0,1); forward h = W x / sqrt(fan_in) + beta b
 *                     (Jacot et al. 2018; beta = cfg.bias_scale, default 0.1 as there).
 *  NN_PARAM_MF:       as NTK in the hidden layers; the output layer uses 1/fan_in = 1/m
 *                     instead of 1/sqrt(m) (mean-field). nn_train multiplies the SGD
 *                     learning rate by m (nn_model_lr_scale) so the O(1/m) gradients move
 *                     each unit O(1); Adam/AdamW are invariant to gradient scale and are
 *                     not rescaled. */
typedef enum { NN_PARAM_STANDARD = 0, NN_PARAM_NTK = 1, NN_PARAM_MF = 2 } nn_param;

#define NN_MLP_MAX_DEPTH 64 /* hidden layers */

typedef struct {
    nn_kind kind;
    int in_dim;  /* MLP input dimension; for ConvResNets derived (D or H*W) by nn_config_check */
    int outputs; /* 1 for regression / logistic, k classes for softmax cross-entropy */
    /* ConvResNet (theory form): x (one channel) zero-padded to C channels, M blocks
     * Z <- Z + res_scale * relu(conv_L(... relu(conv_1 Z + b_1) ...) + b_L), convs C->C with
     * odd kernel K (K x K in 2-D) and zero "same" padding; head FC on the flattened
     * state (PyTorch flatten order c*S + s) or global average pool + FC. */
    int D;           /* 1-D signal length */
    int H, W;        /* 2-D image size */
    int C, K, L, M;
    double res_scale;   /* residual-branch multiplier: 1 = theory form; 1/M is common */
    int zero_init_last; /* last conv of each block: weights 0, bias default init (see docs/engine.md) */
    nn_head head;
    nn_conv_path conv;  /* how the float convs compute (default auto); see nn_conv_path_parse.
                           A run option, not a model property: not stored in model files */
    /* MLP: depth hidden layers of width m = `width`, then the output layer. */
    int width, depth, bias;
    nn_param param;
    double bias_scale; /* NTK/MF bias multiplier beta (ignored for standard) */
    /* MLP: weight_scale[l] > 0 replaces the forward multiplier of layer l's weight
     * (l = 0..depth; default 0 = the parameterization's: 1, 1/sqrt(fan_in) or, for the
     * MF output layer, 1/fan_in), e.g. a mean-field middle layer (theorems/mf_degeneracy.c).
     * Not stored in model files: nn_model_save refuses a model that sets one. */
    double weight_scale[NN_MLP_MAX_DEPTH + 1];
} nn_config;

/* Configs with the defaults filled in (res_scale 1, FC head, bias on, bias_scale 0.1). */
nn_config nn_config_convresnet1d(int D, int C, int K, int L, int M, int outputs);
nn_config nn_config_convresnet2d(int H, int W, int C, int K, int L, int M, int outputs);
nn_config nn_config_mlp(int in_dim, int depth, int width, int outputs, nn_param param);
/* Validates every field (OP_EUSAGE naming the field) and fills in_dim for ConvResNets. */
int nn_config_check(nn_config *cfg);
/* Instruction set of the float convolution kernels: "avx512", "avx2" or "base" (SSE2,
 * or plain C off x86-64). The best this CPU runs is chosen at first use; records are
 * bitwise identical for avx512 and avx2 (the same FMAs in the same order), base differs
 * in the last bits. nn_isa_select forces one ("auto" = the best): OP_EUSAGE if the name is
 * unknown or this CPU cannot run it. It is process-wide (the one engine setting that is:
 * avx512 and avx2 give the same bits): call it before any training starts (the CLI does,
 * from OVERPARAM_ISA), never concurrently. */
int nn_isa_select(const char *name);
int nn_isa_supported(const char *name); /* 1 if this CPU (and build) can run it */
const char *nn_isa_name(void);          /* the set in use */
/* The class of results of a set name, what a run's identity records (store/record.h):
 * "fma" for avx512 and avx2 (the same bits), "base" for base, "" for anything else. */
const char *nn_isa_class(const char *isa);
const char *nn_kind_name(nn_kind k);   /* "convresnet1d", "convresnet2d", "mlp" */
const char *nn_param_name(nn_param p); /* "standard", "ntk", "mf" */

/* One named parameter tensor, row-major, PyTorch shapes: conv [C_out][C_in][K] (1-D) or
 * [C_out][C_in][K][K] (2-D), dense [out][in], bias [out]. */
typedef struct {
    char name[40];        /* e.g. "blocks.0.convs.1.weight", "head.bias", "layers.2.weight" */
    int ndim, shape[4];
    size_t offset, count; /* in elements, into params / grads */
    double fwd_scale;     /* multiplier the forward pass applies (NTK/MF), else 1 */
    int fan_in;
} nn_tensor;

typedef struct nn_model nn_model;
struct nn_model {
    nn_config cfg;
    nn_prec prec;
    int max_batch;
    size_t nparams;
    int ntensors;
    nn_tensor *tensors;
    void *params, *grads;  /* real[nparams], real = float or double per prec */
    int last_batch;        /* batch size of the last forward (backward requires it) */
    op_arena arena;
    /* Internal buffers (real*), sized for max_batch and carved from `arena` by model.c;
     * S = positions per sample (in_dim), states are [C][B*S] (CBS, above). */
    /* ConvResNet (convresnet.c): */
    void **state;          /* M+1 block states; state[0] = the zero-padded input, state[b+1]
                              = block b's output (the head reads state[M]) */
    void **conv_act;       /* M*L post-ReLU conv outputs; block b's conv l at b*L + l */
    void *conv_ws;         /* convolution workspace (im2col / direct tiles, nn_conv_col_elems) */
    void *head_in, *head_in_grad; /* head input ([B][C*S] flattened or [B][C] pooled), its gradient */
    void *branch_grad[2];  /* gradients inside a residual branch (at the conv outputs) */
    /* MLP (mlp.c): */
    void **layer_act;      /* layer_act[0] = input copy [B][in_dim]; layer_act[l], l = 1..depth,
                              = hidden layer l after its ReLU [B][width] */
    /* Both: */
    void *state_grad[2];   /* backward ping-pong: gradients at the block states (ConvResNet)
                              or at the layer activations (MLP) */
    void *out, *dout;      /* output [B][outputs] and the gradient backward starts from */
    void *x_batch;         /* input batch in the model's precision (double API conversions,
                              attack iterate) [B][in_dim] */
    void *x_clean, *x_grad; /* attacks: the clean input, the input gradient [B][in_dim] */
};

int nn_model_create(const nn_config *cfg, nn_prec prec, int max_batch, nn_model **out);
void nn_model_free(nn_model *m);
/* Draws every parameter from `rng` in tensor order (init as documented per kind). */
void nn_model_init(nn_model *m, op_rng *rng);
void nn_zero_grad(nn_model *m);
const nn_tensor *nn_model_tensor(const nn_model *m, const char *name); /* NULL if absent */
/* Learning-rate multiplier nn_train applies for SGD: width m for mean-field, else 1. */
double nn_model_lr_scale(const nn_model *m);
/* Parameters as doubles (converted), for checks that measure weight movement. */
void nn_params_get(const nn_model *m, double *dst);
void nn_params_set(nn_model *m, const double *src);
void nn_grads_get(const nn_model *m, double *dst);
int nn_model_copy_params(nn_model *dst, const nn_model *src); /* same config */

/* Typed forward/backward. forward: x [B][in_dim] -> out [B][outputs] (out may be NULL;
 * the output stays in the model). backward needs the preceding forward (same B):
 * dout = d(objective)/d(out), [B][outputs]; flags select what is computed: parameter
 * gradients are ACCUMULATED (+=) into m->grads, the input gradient dx is WRITTEN (=).
 * NN_BWD_SET (with NN_BWD_PARAMS): parameter gradients are WRITTEN (=) instead, so the
 * caller need not nn_zero_grad first (the dense GEMMs then run with beta = 0 and never
 * read the old gradient: for a 16.8M-parameter MLP that saves two 67 MB passes). */
enum { NN_BWD_PARAMS = 1, NN_BWD_INPUT = 2, NN_BWD_SET = 4 };
int nn_forward_f32(nn_model *m, const float *x, int B, float *out);
int nn_backward_f32(nn_model *m, const float *dout, int B, float *dx, int flags);
int nn_forward_f64(nn_model *m, const double *x, int B, double *out);
/* MLP: hidden layer l (1..depth) after its ReLU, [B][width], of the last forward (B =
 * m->last_batch); NULL for another kind, precision or l. */
const float *nn_mlp_hidden_f32(const nn_model *m, int l);
const double *nn_mlp_hidden_f64(const nn_model *m, int l);
int nn_backward_f64(nn_model *m, const double *dout, int B, double *dx, int flags);

/* ---- losses (values accumulated in double; mean over the batch) ----
 *  NN_LOSS_MSE:      mean over B*outputs of (f - y)^2 (no 1/2), targets [B][outputs].
 *  NN_LOSS_LOGISTIC: outputs = 1, mean log(1 + exp(-t f)), target t = +1 for y = 1 and
 *                    t = -1 for y = 0 or y = -1 (both label conventions accepted).
 *  NN_LOSS_CE:       softmax cross-entropy, target = class index 0..outputs-1 (as double). */
typedef enum { NN_LOSS_MSE = 0, NN_LOSS_LOGISTIC = 1, NN_LOSS_CE = 2 } nn_loss;
const char *nn_loss_name(nn_loss l);
int nn_loss_target_dim(nn_loss l, int outputs);
/* Checks labels (finite; logistic in {-1,0,1}; CE integer in [0, outputs)). */
int nn_loss_check_targets(nn_loss l, int outputs, const double *y, long n);
/* Returns the mean loss; dout (may be NULL) receives d(mean loss)/d(out). */
double nn_loss_f32(nn_loss l, const float *out, const double *y, int B, int O, float *dout);
double nn_loss_f64(nn_loss l, const double *out, const double *y, int B, int O, double *dout);
/* Misclassified count (logistic: sign(f) != t; CE: argmax != y); 0 for MSE. */
long nn_loss_errors_f32(nn_loss l, const float *out, const double *y, int B, int O);
long nn_loss_errors_f64(nn_loss l, const double *out, const double *y, int B, int O);

/* ---- double convenience API (either precision; batches of max_batch) ---- */
int nn_predict(nn_model *m, const double *x, long n, double *out);
/* MLP only: the last hidden layer's activations (after its ReLU) for n inputs,
 * h [n][width], computed by the same forward pass as nn_predict (batches of max_batch).
 * OP_EUSAGE for a ConvResNet or an MLP without hidden layers. */
int nn_mlp_last_hidden(nn_model *m, const double *x, long n, double *h);
/* Gradient of output `o` with respect to the input, dx [n][in_dim]. */
int nn_input_grad_output(nn_model *m, const double *x, long n, int o, double *dx);
/* Gradient of the loss summed over samples (each sample's own loss), dx [n][in_dim];
 * per-sample losses in loss_out[n] if non-NULL. Parameter gradients untouched. */
int nn_input_grad_loss(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *dx,
                       double *loss_out);
/* Mean loss (and error rate if err != NULL) over a data set. */
int nn_eval(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
            double *err);

/* ---- adversarial attacks ----
 * Maximise the loss over the ball {x' : ||x' - x||_p <= eps} (p = inf or 2) per sample.
 * steps iterations of x' <- Proj(x' + step_size * d), d = sign(g) (l-inf) or g/||g||_2 (l2),
 * g = input gradient of the sample's loss; optional random start (uniform in the l-inf
 * box, or uniform in the l2 ball); optional clip to [clip_lo, clip_hi] after each
 * projection (keeps x' in the ball when x is in the range). FGSM = steps 1, step_size
 * eps, no random start (nn_attack_fgsm). */
typedef enum { NN_NORM_LINF = 0, NN_NORM_L2 = 1 } nn_norm;
typedef struct {
    nn_norm norm;
    double eps, step_size;
    int steps, random_start, clip;
    double clip_lo, clip_hi;
} nn_attack;
nn_attack nn_attack_fgsm(nn_norm norm, double eps);
nn_attack nn_attack_pgd(nn_norm norm, double eps, int steps, double step_size, int random_start);
int nn_attack_check(const nn_attack *a);
/* x_adv [n][in_dim]; rng used only for the random start (samples in order). */
int nn_attack_run(nn_model *m, const nn_attack *a, nn_loss l, const double *x, const double *y,
                  long n, op_rng *rng, double *x_adv);
/* Typed versions on one batch (B <= max_batch), used by the training loop. */
int nn_attack_batch_f32(nn_model *m, const nn_attack *a, nn_loss l, const float *x,
                        const double *y, int B, op_rng *rng, float *x_adv);
int nn_attack_batch_f64(nn_model *m, const nn_attack *a, nn_loss l, const double *x,
                        const double *y, int B, op_rng *rng, double *x_adv);

/* ---- training ---- */
typedef struct {
    long n;
    int in_dim, y_dim;
    const double *x; /* [n][in_dim] */
    const double *y; /* [n][y_dim] */
} nn_dataset;

typedef enum { NN_OPT_SGD = 0, NN_OPT_ADAM = 1, NN_OPT_ADAMW = 2 } nn_opt;
const char *nn_opt_name(nn_opt o);

typedef struct {
    int epoch;            /* 1-based */
    long step;            /* optimizer steps so far */
    double train_loss;    /* mean minibatch loss over the epoch (weighted by batch size) */
    double val_loss;      /* NaN when there is no validation set */
    double lr;            /* learning rate at the end of the epoch */
    double seconds;       /* since the start of training */
    int improved;         /* val_loss is the best so far */
} nn_epoch_info;

typedef struct {
    nn_loss loss;
    nn_opt opt;
    double lr, momentum, wd;       /* wd: L2 (SGD, Adam) or decoupled (AdamW) */
    double beta1, beta2, adam_eps; /* 0.9, 0.999, 1e-8 */
    int cosine;                    /* cosine decay to lr*lr_min_frac over the run */
    double lr_min_frac;
    long warmup_steps;             /* linear warm-up from lr/warmup */
    int epochs;                    /* epoch budget (>= 1) */
    long max_steps;                /* step budget; 0 = epochs only */
    int batch;                     /* <= model max_batch */
    int patience;                  /* early stopping after this many epochs without val gain; 0 off */
    int keep_best;                 /* restore the best-validation parameters at the end */
    uint64_t seed;                 /* shuffling (and attack random starts) */
    const nn_attack *adv;          /* PGD adversarial training when non-NULL */
    void (*on_epoch)(const nn_epoch_info *info, void *ctx);
    void *ctx;
} nn_train_opts;
void nn_train_opts_default(nn_train_opts *o); /* Adam, lr 1e-3, 10 epochs, batch 64, keep_best */

typedef struct {
    int epochs_run, best_epoch, stopped_early;
    long steps;
    double train_loss;    /* last epoch's mean minibatch loss */
    double best_val_loss; /* NaN without validation data */
    double seconds;
} nn_train_result;

/* Trains m in place on train (val may be NULL). OP_EDIVERGE on a NaN/Inf loss, with the
 * epoch and step in the message; OP_EUSAGE on inconsistent shapes or options. */
int nn_train(nn_model *m, const nn_dataset *train, const nn_dataset *val, const nn_train_opts *o,
             nn_train_result *res);
/* Learning rate at step t (0-based) of total steps under the options' schedule. */
double nn_lr_at(const nn_train_opts *o, long t, long total);

/* ---- convolution path (src/nn/conv_path.c) ----
 * Float conv layers take the direct kernels or im2col + GEMM by a built-in rule per
 * shape (NN_CONV_AUTO, "auto", the default), or as forced: "im2col" everywhere, or
 * "direct" wherever the kernel shape allows. A model's path is its config's `conv` (a
 * layer's, nn_conv_shape.path). The paths give different floating-point results, so the
 * name goes into every record's provenance, and sweeps key runs of a forced path apart
 * (theorems/verify.c). */
/* Version of the built-in rule: bumped whenever "auto" sends some shape down another path
 * (2: 1-D filters of width 5-9 take the direct kernels, 2026-12-07). Records made under
 * "auto" carry it in their identity ("auto@2", theorems/verify.c th_identity), so resume
 * redoes the runs of an older rule instead of mixing the two paths' bits. */
#define NN_CONV_RULE 2
/* "auto", "im2col" or "direct" -> *out; OP_EUSAGE (one line, naming --conv) otherwise. */
int nn_conv_path_parse(const char *name, nn_conv_path *out);
const char *nn_conv_path_name(nn_conv_path p); /* "auto", "im2col" or "direct" */

/* ---- model I/O (format in docs/engine.md, "Model files"; little-endian) ---- */
int nn_model_save(const nn_model *m, const char *path); /* atomic: temp file + rename */
/* prec < 0: the file's precision. */
int nn_model_load(const char *path, int prec, int max_batch, nn_model **out);
/* Hyper-parameters and tensor table as a JSON object (no trailing newline). */
char *nn_config_json(const nn_model *m); /* malloc'd; NULL on OOM */
/* Writes a numpy .npy file (little-endian '<f4' or '<f8', C order) atomically. */
int nn_write_npy(const char *path, const void *data, int elem_size, int ndim, const long *shape);

#endif
