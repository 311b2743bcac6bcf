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
/* Tiling of a convolution over the batch (the fast path). A tile is `ts` whole samples
 * (so im2col/col2im of a tile touch only that tile's samples) of about NN_CONV_TILE_COLS
 * columns, small enough that its im2col block stays in L2 between the im2col and the
 * GEMM that reads it. Tiles are split into `ng` contiguous groups; group g owns the
 * workspace slot g and its own weight-gradient partial, and the partials are summed in
 * group order. Tiles and groups depend only on the shape, never on the thread count,
 * so the results are bitwise identical for any number of threads. */
#define NN_CONV_TILE_COLS 1024
#define NN_CONV_GROUPS 8
typedef struct {
    int ts, ntiles, ng;
    size_t slot_col, slot_g, part; /* elements per group: im2col block, gradient tile, dW+db partial */
} nn_conv_tiling;

static inline nn_conv_tiling nn_conv_tiles(const nn_conv_shape *s)
{
    nn_conv_tiling t;
    const size_t S = (size_t)s->H * s->W;
    size_t ts = S >= NN_CONV_TILE_COLS ? 1 : NN_CONV_TILE_COLS / S;
    if (ts > (size_t)s->B) ts = (size_t)s->B;
    if (ts < 1) ts = 1;
    t.ts = (int)ts;
    t.ntiles = (int)(((size_t)s->B + ts - 1) / ts);
    t.ng = t.ntiles < NN_CONV_GROUPS ? t.ntiles : NN_CONV_GROUPS;
    const size_t kk = (size_t)s->cin * s->kh * s->kw;
    t.slot_col = kk * ts * S;
    t.slot_g = (size_t)s->cout * ts * S;
    t.part = (size_t)s->cout * kk + (size_t)s->cout;
    return t;
}

/* Elements of the convolution workspace `col`: the tiled path's per-group slots and
 * partials, and at least a full [cin*kh*kw][B*H*W] im2col (what nn_im2col writes). */
static inline size_t nn_conv_col_elems(const nn_conv_shape *s)
{
    nn_conv_tiling t = nn_conv_tiles(s);
    size_t tiled = (size_t)t.ng * (t.slot_col + t.slot_g + t.part);
    size_t full = (size_t)s->cin * s->kh * s->kw * (size_t)s->B * s->H * s->W;
    return tiled > full ? tiled : full;
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
