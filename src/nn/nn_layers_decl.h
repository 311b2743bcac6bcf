/* Layer prototypes for one precision; included by nn_layers.h with NN_REAL and
 * NN_SUFFIX defined (no include guard on purpose). */
#define real NN_REAL
#define NN_FN(name) NN_CAT(name, NN_SUFFIX)

/* im2col: col[(ci*kh + di)*kw + dj][b*S + i*W + j] = in[ci][b][i+di-kh/2][j+dj-kw/2] or 0. */
void NN_FN(nn_im2col)(real *col, const real *in, const nn_conv_shape *s);
/* Adjoint of im2col: din += col2im(col). */
void NN_FN(nn_col2im_add)(real *din, const real *col, const nn_conv_shape *s);
/* out[co] = w[co] * in + b[co] (b may be NULL); col: nn_conv_col_elems workspace. */
void NN_FN(nn_conv_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                            const nn_conv_shape *s);
void NN_FN(nn_conv_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                             const real *w, real *col, const nn_conv_shape *s);
void NN_FN(nn_conv_forward_ref)(real *out, const real *in, const real *w, const real *b,
                                const nn_conv_shape *s);
void NN_FN(nn_conv_backward_ref)(real *din, real *dw, real *db, const real *dout, const real *in,
                                 const real *w, const nn_conv_shape *s);
/* Shape-explicit wrappers. */
void NN_FN(nn_conv1d_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                              int B, int D, int cin, int cout, int K);
void NN_FN(nn_conv1d_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                               const real *w, real *col, int B, int D, int cin, int cout, int K);
void NN_FN(nn_conv2d_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                              int B, int H, int W, int cin, int cout, int K);
void NN_FN(nn_conv2d_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                               const real *w, real *col, int B, int H, int W, int cin, int cout,
                               int K);

void NN_FN(nn_dense_forward)(real *out, const real *in, const real *w, const real *b, int B, int NI,
                             int NO, double alpha, double beta);
void NN_FN(nn_dense_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                              const real *w, int B, int NI, int NO, double alpha, double beta);

/* ReLU: out may alias in; backward uses the forward OUTPUT as the mask (out > 0). */
void NN_FN(nn_relu_forward)(real *out, const real *in, size_t n);
void NN_FN(nn_relu_backward)(real *din, const real *dout, const real *out, size_t n);

/* Zero channel padding: x [B][S] (one channel) -> z [C][B*S] with z[0] = x, z[c>0] = 0.
 * Not trained. N = B*S. */
void NN_FN(nn_pad_forward)(real *z, const real *x, int C, size_t N);
void NN_FN(nn_pad_backward)(real *dx, const real *dz, size_t N);

/* Global average pool: in [C][B*S] -> out [B][C]. */
void NN_FN(nn_pool_forward)(real *out, const real *in, int B, int C, int S);
void NN_FN(nn_pool_backward)(real *din, const real *dout, int B, int C, int S);

/* Flatten for an FC head: in [C][B*S] -> flat [B][C*S] (PyTorch order c*S + s). */
void NN_FN(nn_flatten_forward)(real *flat, const real *in, int B, int C, int S);
void NN_FN(nn_flatten_backward)(real *din, const real *dflat, int B, int C, int S);

/* Residual block (theory form), C -> C channels, L convs:
 * zout = z + scale * relu(conv_L(... relu(conv_1 z + b_1) ...) + b_L).
 * h[l] ([C][B*S] each) keeps the post-ReLU conv outputs for backward. Backward: dz += ...,
 * dw[l]/db[l] += ... (dw or db NULL: skip parameter gradients); g0, g1 scratch [C][B*S];
 * col the conv workspace. */
void NN_FN(nn_resblock_forward)(real *zout, const real *z, const real *const *w,
                                const real *const *b, real *const *h, real *col,
                                const nn_conv_shape *s, int L, double scale);
void NN_FN(nn_resblock_backward)(real *dz, real *const *dw, real *const *db, const real *dzout,
                                 const real *z, const real *const *w, const real *const *h,
                                 real *col, real *g0, real *g1, const nn_conv_shape *s, int L,
                                 double scale);

#undef real
#undef NN_FN
