/* Internals shared by the nn sources (not part of the public API): limits, the
 * tensor-table indices, and the functions one concept file calls in another, in both
 * precisions, spelled out. */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include <omp.h>

#include "nn.h"
#include "nn_layers.h"

#define NN_MAX_OUTPUTS 100000
#define NN_MAX_DIM (1 << 22)
#define NN_MAX_L 16
/* Below this many elements a loop runs on one thread (fork/join costs more). */
#define NN_OMP_MIN 32768

/* Whether a loop worth parallelising should enter an OpenMP region: only where the
 * region can have more than one thread. Entering one costs a futex syscall even when it
 * runs one thread (libgomp's team barrier wakes its waiters unconditionally; an if(0)
 * clause still enters it), and a check's runs call the engine from inside the sweep's
 * region, one thread each: 14.5 M syscalls in manifold-rate's quick preset, 23 M in
 * scaling-id's, a fifth of their CPU time spent in the kernel. */
static inline int nn_par(int worth)
{
    return worth && omp_get_max_threads() > 1 && !omp_in_parallel();
}

/* for head { body } as an OpenMP parallel loop where nn_par(worth), else serially; the
 * body may not hold preprocessor directives (put a simd loop in a function). */
#define NN_PAR_FOR(worth, head, ...)                                                          \
    do {                                                                                      \
        if (nn_par(worth)) {                                                                  \
            _Pragma("omp parallel for schedule(static)") for head { __VA_ARGS__ }             \
        } else {                                                                              \
            for head { __VA_ARGS__ }                                                          \
        }                                                                                     \
    } while (0)

int nn_tensor_count(const nn_config *c);

/* Tensor-table indices (the order model.c's build_tensors adds them, which is also the
 * parameter and file order). ConvResNet: blocks.<blk>.convs.<l>.weight and .bias, then
 * head.weight and head.bias. MLP: layers.<l>.weight (and .bias when cfg.bias). */
static inline int nn_ti_conv_weight(const nn_config *c, int blk, int l) { return 2 * (blk * c->L + l); }
static inline int nn_ti_conv_bias(const nn_config *c, int blk, int l) { return 2 * (blk * c->L + l) + 1; }
static inline int nn_ti_head_weight(const nn_config *c) { return 2 * c->M * c->L; }
static inline int nn_ti_head_bias(const nn_config *c) { return 2 * c->M * c->L + 1; }
static inline int nn_ti_dense_weight(const nn_config *c, int l) { return (c->bias ? 2 : 1) * l; }
static inline int nn_ti_dense_bias(const nn_config *c, int l) { return 2 * l + 1; }

/* Shape (and path, cfg.conv) of every convolution of a ConvResNet (C -> C channels) on
 * a batch of B. */
static inline nn_conv_shape nn_convresnet_conv_shape(const nn_config *c, int B)
{
    nn_conv_shape s = c->kind == NN_CONVRESNET1D ? nn_conv_shape_1d(B, c->D, c->C, c->C, c->K)
                                                 : nn_conv_shape_2d(B, c->H, c->W, c->C, c->C, c->K);
    s.path = (int)c->conv;
    return s;
}

/* ---- model.c ---- */
/* OP_EUSAGE unless m has precision prec and 1 <= B <= max_batch. */
int nn_check_call(const nn_model *m, nn_prec prec, int B);

/* ---- loss.c ---- */
/* OP_EUSAGE unless l is a known loss that fits the model's outputs. */
int nn_check_loss_model(const nn_model *m, nn_loss l);

/* ---- dense.c ---- */
/* OpenBLAS to one thread for the duration of a parallel region of ours (not when we
 * are already inside one: then the caller owns the thread settings); end restores. */
int nn_blas_solo_begin(void);
void nn_blas_solo_end(int t);
/* nn_dense_backward with a choice per output: set_par writes dw/db (=) and set_din
 * writes din (=) instead of accumulating (beta = 0 GEMMs: the old values are never read,
 * so the caller need not zero them). */
void nn_dense_backward_ex_f32(float *din, float *dw, float *db, const float *dout,
                              const float *in, const float *w, int B, int NI, int NO,
                              double alpha, double beta, int set_par, int set_din);
void nn_dense_backward_ex_f64(double *din, double *dw, double *db, const double *dout,
                              const double *in, const double *w, int B, int NI, int NO,
                              double alpha, double beta, int set_par, int set_din);

/* ---- conv.c: the fast path with fused epilogues ----
 * Forward epilogue options: out = act(w*in + b); relu: act = ReLU; when zres is set also
 * zout = zres + scale * out (residual block output). NULL options: out = w*in + b. */
typedef struct {
    int relu;
    const float *zres;
    float *zout;
    double scale;
    int cin_nz; /* > 0: only input channels [0, cin_nz) can be nonzero (direct path skips the rest) */
} nn_conv_fwd_opts_f32;
typedef struct {
    int relu;
    const double *zres;
    double *zout;
    double scale;
    int cin_nz;
} nn_conv_fwd_opts_f64;
/* Backward options. The gradient at the conv output is g = dout, or with gmask set
 * g = (gmask > 0) ? gscale * dout : 0 (through the ReLU whose output is gmask).
 * din: din_zero first sets it to 0 (else +=); after the col2im, dmask zeroes din where
 * dmask <= 0 (the previous ReLU) and din_add is added (a skip connection). */
typedef struct {
    const float *gmask;
    double gscale;
    int din_zero;
    const float *dmask, *din_add;
    int cin_nz; /* as in nn_conv_fwd_opts_f32: dw of the other input channels is exactly 0 */
    int din_nz; /* > 0: only din's channels [0, din_nz) are wanted; the direct path leaves the
                 * others unwritten (the padded input's channels, discarded by the pad) */
} nn_conv_bwd_opts_f32;
typedef struct {
    const double *gmask;
    double gscale;
    int din_zero;
    const double *dmask, *din_add;
    int cin_nz;
    int din_nz;
} nn_conv_bwd_opts_f64;
void nn_conv_forward_tiled_f32(float *out, const float *in, const float *w, const float *b,
                               float *col, const nn_conv_shape *s, const nn_conv_fwd_opts_f32 *o);
void nn_conv_forward_tiled_f64(double *out, const double *in, const double *w, const double *b,
                               double *col, const nn_conv_shape *s, const nn_conv_fwd_opts_f64 *o);
void nn_conv_backward_tiled_f32(float *din, float *dw, float *db, const float *dout,
                                const float *in, const float *w, float *col,
                                const nn_conv_shape *s, const nn_conv_bwd_opts_f32 *o);
void nn_conv_backward_tiled_f64(double *din, double *dw, double *db, const double *dout,
                                const double *in, const double *w, double *col,
                                const nn_conv_shape *s, const nn_conv_bwd_opts_f64 *o);

/* ---- convresnet.c and mlp.c: a whole model's passes (nn_forward_f32 and nn_backward_f32
 * in model.c check the call and pick one by kind) ---- */
void nn_convresnet_forward_f32(nn_model *m, const float *x, int B);
void nn_convresnet_forward_f64(nn_model *m, const double *x, int B);
void nn_convresnet_backward_f32(nn_model *m, const float *dout, int B, float *dx, int flags);
void nn_convresnet_backward_f64(nn_model *m, const double *dout, int B, double *dx, int flags);
void nn_mlp_forward_f32(nn_model *m, const float *x, int B);
void nn_mlp_forward_f64(nn_model *m, const double *x, int B);
void nn_mlp_backward_f32(nn_model *m, const float *dout, int B, float *dx, int flags);
void nn_mlp_backward_f64(nn_model *m, const double *dout, int B, double *dx, int flags);

/* ---- eval.c: conversions and the typed halves of the double convenience API ---- */
void nn_to_real_f32(float *dst, const double *src, size_t n);
void nn_to_real_f64(double *dst, const double *src, size_t n);
void nn_to_double_f32(double *dst, const float *src, size_t n);
void nn_to_double_f64(double *dst, const double *src, size_t n);
int nn_predict_f32(nn_model *m, const double *x, long n, double *out);
int nn_predict_f64(nn_model *m, const double *x, long n, double *out);
int nn_input_grad_output_f32(nn_model *m, const double *x, long n, int o, double *dx);
int nn_input_grad_output_f64(nn_model *m, const double *x, long n, int o, double *dx);
int nn_input_grad_loss_f32(nn_model *m, nn_loss l, const double *x, const double *y, long n,
                           double *dx, double *loss_out);
int nn_input_grad_loss_f64(nn_model *m, nn_loss l, const double *x, const double *y, long n,
                           double *dx, double *loss_out);
int nn_eval_f32(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
                double *err);
int nn_eval_f64(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
                double *err);

/* ---- attack.c ---- */
int nn_attack_run_f32(nn_model *m, const nn_attack *a, nn_loss l, const double *x,
                      const double *y, long n, op_rng *rng, double *x_adv);
int nn_attack_run_f64(nn_model *m, const nn_attack *a, nn_loss l, const double *x,
                      const double *y, long n, op_rng *rng, double *x_adv);

/* ---- optim.c: one update of every parameter (elementwise, so any thread split gives
 * the same bits); mb, vb: momentum / Adam moment buffers [n]; t: the 1-based step count
 * (Adam bias correction). ---- */
void nn_optim_step_f32(const nn_train_opts *o, float *p, const float *g, float *mb, float *vb,
                       size_t n, double lr, long t);
void nn_optim_step_f64(const nn_train_opts *o, double *p, const double *g, double *mb,
                       double *vb, size_t n, double lr, long t);

/* ---- train.c ---- */
int nn_train_f32(nn_model *m, const nn_dataset *train, const nn_dataset *val,
                 const nn_train_opts *o, nn_train_result *res);
int nn_train_f64(nn_model *m, const nn_dataset *train, const nn_dataset *val,
                 const nn_train_opts *o, nn_train_result *res);

#endif
