/* Layers as plain forward/backward pairs over raw pointers with explicit shapes
 * (llm.c style), in float (_f32) and double (_f64): convolutions in conv.c, the dense
 * layer and ReLU in dense.c, channel padding, pooling, flattening and the residual block
 * in convresnet.c (each compiles its *_source.h template twice, nn_real.h). Conventions:
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
    int path; /* float layers: nn_conv_path (nn.h), 0 = NN_CONV_AUTO, the rule in conv_direct.c */
} nn_conv_shape;

static inline nn_conv_shape nn_conv_shape_1d(int B, int D, int cin, int cout, int K)
{
    nn_conv_shape s = {B, cin, cout, 1, D, 1, K, 0};
    return s;
}
static inline nn_conv_shape nn_conv_shape_2d(int B, int H, int W, int cin, int cout, int K)
{
    nn_conv_shape s = {B, cin, cout, H, W, K, K, 0};
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

/* Direct convolution (float only, conv_direct.c): no im2col. Kernel shapes
 * (nn_conv_direct_shape): 3x3, and 1-D (kh = 1) with odd kw from 3 to NN_CD_MAXT (the
 * input gradient runs the same kernel on the flipped taps, whose offsets are the
 * negated ones only for odd widths). nn_conv_direct_ok adds at most NN_CONV_DIRECT_MAXC
 * channels in and out; whether auto takes it is the per-ISA rule in conv_direct.c.
 * Measured for kw = 3 (`overparam bench --conv im2col|direct`, 2 threads, alternating runs):
 * direct was faster on every reference shape -- W4 (2-D, 16 channels) 2.0x, W1 (1-D,
 * 32 channels) 1.4-1.5x, W2 (1-D, 64 channels) 1.25-1.3x -- as with few channels
 * im2col + GEMM spends more time copying than multiplying (a 16-channel 3x3 conv has 144
 * products per output; OpenBLAS packs both operands for every tile). The gain shrinks
 * with the channel count and more than 64 channels were not measured, so they keep the
 * GEMM path.
 * Layout: an "image" is spi samples stacked as rows (spi = 1 when kh = 3, so no taps
 * cross samples; with kh = 1 whole chunks of the batch); its P = rows*W positions are
 * contiguous in every channel of the CBS tensors, so the kernels read the tensors in
 * place: a tap is one shifted vector load, and the vectors where a tap would cross the
 * image border (a row end, the first or last row, past P) use masked loads instead of a
 * zero-padded copy. The per-vector tap masks depend only on the shape (a table in the
 * workspace). Images are split into ng fixed groups (the shape decides, never the
 * thread count); a group owns one slot of the workspace and one weight-gradient
 * partial, summed in group order. */
#define NN_CONV_DIRECT_MAXC 64
#define NN_CD_V 16   /* floats per vector (the kernels use 64-byte GNU C vectors) */
#define NN_CD_MAXT 9 /* taps per kernel (kh * kw): sizes the kernels' tap arrays */
typedef struct {
    int spi, rows, npv, nimg, ng, c16in, c16out, nt;
    size_t lds;                       /* floats per channel of a stage / gradient row: npv*16 */
    size_t gs;                        /* pitch of the gradient image: lds + 16 (breaks the 4 KiB stride of power-of-two widths) */
    size_t wpack, mtab, slot;         /* packed weights, mask table (shared); one group's slot */
    size_t s_g, s_stage, s_dw;        /* offsets inside a slot (gradient image, sums, dw partial) */
} nn_conv_direct_geom;

static inline int nn_conv_direct_shape(const nn_conv_shape *s)
{
    if (s->kh == 3) return s->kw == 3;
    return s->kh == 1 && s->kw >= 3 && s->kw <= NN_CD_MAXT && s->kw % 2 == 1;
}
static inline int nn_conv_direct_ok(const nn_conv_shape *s)
{
    return nn_conv_direct_shape(s) && s->cin <= NN_CONV_DIRECT_MAXC && s->cout <= NN_CONV_DIRECT_MAXC;
}

static inline size_t nn_cd_round(size_t n) { return (n + NN_CD_V - 1) / NN_CD_V * NN_CD_V; }

/* Samples per image: 1 when kh > 1; with kh = 1 at most ~1024 positions per image
 * (spi_max), and as many images as makes the groups even. W + kw - 1 is the padded row
 * of the first direct kernels (which copied zero-padded images); the images are now
 * read in place, but the count stays: it fixes the groups, hence the bits of the
 * weight gradients of every 3-wide record. Wider kernels just get fewer samples per
 * image (D = 32, K = 5: 28 rather than 30), and the workspace below follows. */
static inline int nn_conv_direct_spi_max(const nn_conv_shape *s)
{
    int m = s->kh == 1 ? 1024 / (s->H * (s->W + s->kw - 1)) : 1;
    return m < 1 ? 1 : m;
}

static inline nn_conv_direct_geom nn_conv_direct_geom_spi(const nn_conv_shape *s, int spi)
{
    nn_conv_direct_geom g;
    g.spi = spi;
    g.rows = spi * s->H;
    g.npv = (int)(((size_t)g.rows * s->W + NN_CD_V - 1) / NN_CD_V);
    g.lds = (size_t)g.npv * NN_CD_V;
    g.gs = g.lds + NN_CD_V;
    g.nimg = (s->B + spi - 1) / spi;
    g.ng = g.nimg < NN_CONV_GROUPS ? g.nimg : NN_CONV_GROUPS;
    g.c16in = (int)nn_cd_round((size_t)s->cin);
    g.c16out = (int)nn_cd_round((size_t)s->cout);
    g.nt = s->kh * s->kw;
    const size_t taps = (size_t)g.nt;
    size_t wf = (size_t)g.c16out * s->cin * taps, wb = (size_t)g.c16in * s->cout * taps;
    g.wpack = nn_cd_round(wf > wb ? wf : wb);
    /* Two variants (full and short last image) of npv * (nt + 1) 16-bit masks. */
    g.mtab = nn_cd_round(((size_t)2 * g.npv * (taps + 1) + 1) / 2);
    const size_t cmax = g.c16in > g.c16out ? (size_t)g.c16in : (size_t)g.c16out;
    g.s_g = 0;
    g.s_stage = g.s_g + (size_t)g.c16out * g.gs;
    g.s_dw = g.s_stage + cmax * g.lds;
    g.slot = g.s_dw + ((size_t)g.c16out * s->cin * taps + g.c16out) * NN_CD_V;
    return g;
}

static inline nn_conv_direct_geom nn_conv_direct_geom_of(const nn_conv_shape *s)
{
    const int m = nn_conv_direct_spi_max(s);
    int spi = 1;
    if (m > 1) {
        const int per = (s->B + NN_CONV_GROUPS * m - 1) / (NN_CONV_GROUPS * m); /* images/group */
        spi = (s->B + NN_CONV_GROUPS * per - 1) / (NN_CONV_GROUPS * per);
        if (spi > m) spi = m;
    }
    return nn_conv_direct_geom_spi(s, spi);
}

/* Elements of the convolution workspace `col`: the tiled path's per-group slots and
 * partials, at least a full [cin*kh*kw][B*H*W] im2col (what nn_im2col writes), and the
 * direct path's packed weights and slots (for every batch size up to s->B). */
static inline size_t nn_conv_col_elems(const nn_conv_shape *s)
{
    nn_conv_tiling t = nn_conv_tiles(s);
    size_t tiled = (size_t)t.ng * (t.slot_col + t.slot_g + t.part);
    size_t full = (size_t)s->cin * s->kh * s->kw * (size_t)s->B * s->H * s->W;
    size_t n = tiled > full ? tiled : full;
    if (nn_conv_direct_shape(s)) {
        /* Slots grow with spi <= spi_max; at most NN_CONV_GROUPS of them. */
        nn_conv_direct_geom g = nn_conv_direct_geom_spi(s, nn_conv_direct_spi_max(s));
        size_t d = g.wpack + g.mtab + (size_t)NN_CONV_GROUPS * g.slot + NN_CD_V;
        if (d > n) n = d;
    }
    return n;
}

/* The direct kernels (float): out = act(w * in + b) [+ residual]; backward with the
 * same options as the tiled path (nn_conv_fwd_opts_f32 / nn_conv_bwd_opts_f32 in
 * nn_internal.h). */
typedef struct {
    int relu;
    const float *zres;
    float *zout;
    float scale;
    int cin_nz;
} nn_cd_fwd_opts;
typedef struct {
    const float *gmask;
    float gscale;
    int din_zero;
    const float *dmask, *din_add;
    int cin_nz;
    int din_nz;
} nn_cd_bwd_opts;
/* Path selection by s->path: NN_CONV_AUTO (default) takes the direct path when
 * nn_conv_direct_ok and the kernels are not the base set; NN_CONV_IM2COL forces im2col +
 * GEMM; NN_CONV_DIRECT takes the direct path for any channel count (kernel shape
 * permitting) -- tests and `overparam bench --conv` compare them. Only the float build
 * has the direct path. */
int nn_conv_use_direct(const nn_conv_shape *s);
void nn_conv_direct_forward_f32(float *out, const float *in, const float *w, const float *b,
                                float *col, const nn_conv_shape *s, const nn_cd_fwd_opts *o);
void nn_conv_direct_backward_f32(float *din, float *dw, float *db, const float *dout,
                                 const float *in, const float *w, float *col,
                                 const nn_conv_shape *s, const nn_cd_bwd_opts *o);

/* One instruction set's build of the direct kernels (conv_direct_<isa>.c; conv_direct.c
 * picks one, nn_isa_select in nn.h). */
typedef struct {
    const char *name;
    void (*forward)(float *out, const float *in, const float *w, const float *b, float *col,
                    const nn_conv_shape *s, const nn_cd_fwd_opts *o);
    void (*backward)(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, float *col, const nn_conv_shape *s, const nn_cd_bwd_opts *o);
} nn_cd_ops;
extern const nn_cd_ops nn_cd_ops_base;
#ifdef OP_X86_ISA
extern const nn_cd_ops nn_cd_ops_avx2, nn_cd_ops_avx512;
#endif

/* Every layer in both precisions, spelled out (grep and tag tools find each here and
 * at its definition, NN_PICK(name_f32, name_f64) in the *_source.h templates). */

/* im2col: col[(ci*kh + di)*kw + dj][b*S + i*W + j] = in[ci][b][i+di-kh/2][j+dj-kw/2] or 0. */
void nn_im2col_f32(float *col, const float *in, const nn_conv_shape *s);
void nn_im2col_f64(double *col, const double *in, const nn_conv_shape *s);
/* Adjoint of im2col: din += col2im(col). */
void nn_col2im_add_f32(float *din, const float *col, const nn_conv_shape *s);
void nn_col2im_add_f64(double *din, const double *col, const nn_conv_shape *s);
/* out[co] = w[co] * in + b[co] (b may be NULL); col: nn_conv_col_elems workspace. */
void nn_conv_forward_f32(float *out, const float *in, const float *w, const float *b, float *col,
                            const nn_conv_shape *s);
void nn_conv_forward_f64(double *out, const double *in, const double *w, const double *b, double *col,
                            const nn_conv_shape *s);
void nn_conv_backward_f32(float *din, float *dw, float *db, const float *dout, const float *in,
                             const float *w, float *col, const nn_conv_shape *s);
void nn_conv_backward_f64(double *din, double *dw, double *db, const double *dout, const double *in,
                             const double *w, double *col, const nn_conv_shape *s);
void nn_conv_forward_ref_f32(float *out, const float *in, const float *w, const float *b,
                                const nn_conv_shape *s);
void nn_conv_forward_ref_f64(double *out, const double *in, const double *w, const double *b,
                                const nn_conv_shape *s);
void nn_conv_backward_ref_f32(float *din, float *dw, float *db, const float *dout, const float *in,
                                 const float *w, const nn_conv_shape *s);
void nn_conv_backward_ref_f64(double *din, double *dw, double *db, const double *dout, const double *in,
                                 const double *w, const nn_conv_shape *s);
/* Shape-explicit wrappers. */
void nn_conv1d_forward_f32(float *out, const float *in, const float *w, const float *b, float *col,
                              int B, int D, int cin, int cout, int K);
void nn_conv1d_forward_f64(double *out, const double *in, const double *w, const double *b, double *col,
                              int B, int D, int cin, int cout, int K);
void nn_conv1d_backward_f32(float *din, float *dw, float *db, const float *dout, const float *in,
                               const float *w, float *col, int B, int D, int cin, int cout, int K);
void nn_conv1d_backward_f64(double *din, double *dw, double *db, const double *dout, const double *in,
                               const double *w, double *col, int B, int D, int cin, int cout, int K);
void nn_conv2d_forward_f32(float *out, const float *in, const float *w, const float *b, float *col,
                              int B, int H, int W, int cin, int cout, int K);
void nn_conv2d_forward_f64(double *out, const double *in, const double *w, const double *b, double *col,
                              int B, int H, int W, int cin, int cout, int K);
void nn_conv2d_backward_f32(float *din, float *dw, float *db, const float *dout, const float *in,
                               const float *w, float *col, int B, int H, int W, int cin, int cout,
                               int K);
void nn_conv2d_backward_f64(double *din, double *dw, double *db, const double *dout, const double *in,
                               const double *w, double *col, int B, int H, int W, int cin, int cout,
                               int K);

void nn_dense_forward_f32(float *out, const float *in, const float *w, const float *b, int B, int NI,
                             int NO, double alpha, double beta);
void nn_dense_forward_f64(double *out, const double *in, const double *w, const double *b, int B, int NI,
                             int NO, double alpha, double beta);
void nn_dense_backward_f32(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, int B, int NI, int NO, double alpha, double beta);
void nn_dense_backward_f64(double *din, double *dw, double *db, const double *dout, const double *in,
                              const double *w, int B, int NI, int NO, double alpha, double beta);

/* ReLU: out may alias in; backward uses the forward OUTPUT as the mask (out > 0). */
void nn_relu_forward_f32(float *out, const float *in, size_t n);
void nn_relu_forward_f64(double *out, const double *in, size_t n);
void nn_relu_backward_f32(float *din, const float *dout, const float *out, size_t n);
void nn_relu_backward_f64(double *din, const double *dout, const double *out, size_t n);

/* Zero channel padding: x [B][S] (one channel) -> z [C][B*S] with z[0] = x, z[c>0] = 0.
 * Not trained. N = B*S. */
void nn_pad_forward_f32(float *z, const float *x, int C, size_t N);
void nn_pad_forward_f64(double *z, const double *x, int C, size_t N);
void nn_pad_backward_f32(float *dx, const float *dz, size_t N);
void nn_pad_backward_f64(double *dx, const double *dz, size_t N);

/* Global average pool: in [C][B*S] -> out [B][C]. */
void nn_pool_forward_f32(float *out, const float *in, int B, int C, int S);
void nn_pool_forward_f64(double *out, const double *in, int B, int C, int S);
void nn_pool_backward_f32(float *din, const float *dout, int B, int C, int S);
void nn_pool_backward_f64(double *din, const double *dout, int B, int C, int S);

/* Flatten for an FC head: in [C][B*S] -> flat [B][C*S] (PyTorch order c*S + s). */
void nn_flatten_forward_f32(float *flat, const float *in, int B, int C, int S);
void nn_flatten_forward_f64(double *flat, const double *in, int B, int C, int S);
void nn_flatten_backward_f32(float *din, const float *dflat, int B, int C, int S);
void nn_flatten_backward_f64(double *din, const double *dflat, int B, int C, int S);

/* Residual block (theory form), C -> C channels, L convs:
 * zout = z + scale * relu(conv_L(... relu(conv_1 z + b_1) ...) + b_L).
 * h[l] ([C][B*S] each) keeps the post-ReLU conv outputs for backward. Backward: dz += ...,
 * dw[l]/db[l] += ... (dw or db NULL: skip parameter gradients); g0, g1 scratch [C][B*S];
 * col the conv workspace. */
void nn_resblock_forward_f32(float *zout, const float *z, const float *const *w,
                                const float *const *b, float *const *h, float *col,
                                const nn_conv_shape *s, int L, double scale);
void nn_resblock_forward_f64(double *zout, const double *z, const double *const *w,
                                const double *const *b, double *const *h, double *col,
                                const nn_conv_shape *s, int L, double scale);
void nn_resblock_backward_f32(float *dz, float *const *dw, float *const *db, const float *dzout,
                                 const float *z, const float *const *w, const float *const *h,
                                 float *col, float *g0, float *g1, const nn_conv_shape *s, int L,
                                 double scale);
void nn_resblock_backward_f64(double *dz, double *const *dw, double *const *db, const double *dzout,
                                 const double *z, const double *const *w, const double *const *h,
                                 double *col, double *g0, double *g1, const nn_conv_shape *s, int L,
                                 double scale);

#endif
