/* Layers as plain forward/backward pairs over raw pointers with explicit shapes
 * (llm.c style), in float (_f32) and double (_f64); one template (tmpl_layers.h) is
 * compiled twice. Conventions:
 *  - backward ACCUMULATES (+=) into parameter gradients AND into the input gradient
 *    din; any of din/dw/db may be NULL to skip it. Callers zero what they own.
 *  - convolution tensors are channel-major over the whole batch ("CBS"): channel c,
 *    sample b, position s = i*W + j at c*B*S + b*S + s with S = H*W (1-D: H = 1, W = D).
 *    Weights are [C_out][C_in][kh][kw] (1-D: [C_out][C_in][K]); zero "same" padding,
 *    odd kernels, stride 1.
 *  - dense tensors are row-major [B][features]; weight [out][in];
 *    out = alpha * W x + beta * b (alpha/beta: NTK/mean-field forward scales, else 1).
 * Fast convolutions are im2col + one GEMM over the whole batch; *_ref are the naive
 * direct loops kept as the reference the fast path is tested against. */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include <stddef.h>

typedef struct {
    int B, cin, cout, H, W, kh, kw;
} nn_conv_shape;

static inline nn_conv_shape nn_conv_shape_1d(int B, int D, int cin, int cout, int K)
{
    nn_conv_shape s = {B, cin, cout, 1, D, 1, K};
    return s;
}
static inline nn_conv_shape nn_conv_shape_2d(int B, int H, int W, int cin, int cout, int K)
{
    nn_conv_shape s = {B, cin, cout, H, W, K, K};
    return s;
}
/* Elements of the im2col workspace: [cin*kh*kw][B*H*W]. */
static inline size_t nn_conv_col_elems(const nn_conv_shape *s)
{
    return (size_t)s->cin * s->kh * s->kw * (size_t)s->B * s->H * s->W;
}

#define NN_CAT_(a, b) a##b
#define NN_CAT(a, b) NN_CAT_(a, b)

#define NN_REAL float
#define NN_SUFFIX _f32
#include "nn_layers_decl.h"
#undef NN_REAL
#undef NN_SUFFIX

#define NN_REAL double
#define NN_SUFFIX _f64
#include "nn_layers_decl.h"
#undef NN_REAL
#undef NN_SUFFIX

#endif
