/* The ConvResNet (theory form, nn.h) for one precision (template; convresnet.c compiles
 * it for float and double, see nn_real.h): its layers that no other model uses (channel
 * padding, the heads' pool and flatten, the residual block) and the whole model's
 * forward and backward pass over the buffers model.c carved (nn.h, struct nn_model).
 * Conventions of the layers in nn_layers.h. */

#define PARAM(m, t) ((real *)(m)->params + (m)->tensors[t].offset)
#define GRAD(m, t) ((real *)(m)->grads + (m)->tensors[t].offset)

void NN_PICK(nn_pad_forward_f32, nn_pad_forward_f64)(real *z, const real *x, int C, size_t N)
{
    /* One channel per iteration: a serial memset of the whole state was 1-2% of W5. The
     * loops of this file enter an OpenMP region only where it can have threads (nn_par). */
    NN_PAR_FOR((size_t)C * N > NN_OMP_MIN, (int c = 0; c < C; c++),
               if (c == 0) memcpy(z, x, sizeof(real) * N);
               else memset(z + (size_t)c * N, 0, sizeof(real) * N););
}

void NN_PICK(nn_pad_backward_f32, nn_pad_backward_f64)(real *dx, const real *dz, size_t N)
{
    for (size_t i = 0; i < N; i++) dx[i] += dz[i];
}

/* Channel c of the pool head's forward: the mean of each sample's S values. */
static void NN_PICK(pool_channel_f32, pool_channel_f64)(real *out, const real *in, int B, int C, int S, int c)
{
    const size_t N = (size_t)B * S;
    for (int b = 0; b < B; b++) {
        const real *p = in + (size_t)c * N + (size_t)b * S;
        double acc = 0;
        /* Vector partial sums (an order fixed at compile time): a serial double sum
         * was latency-bound, 2.7% of W5. */
#pragma omp simd reduction(+ : acc)
        for (int i = 0; i < S; i++) acc += p[i];
        out[(size_t)b * C + c] = (real)(acc / S);
    }
}

void NN_PICK(nn_pool_forward_f32, nn_pool_forward_f64)(real *out, const real *in, int B, int C,
                                                       int S)
{
    const size_t N = (size_t)B * S;
    NN_PAR_FOR((size_t)C * N > NN_OMP_MIN, (int c = 0; c < C; c++),
               NN_PICK(pool_channel_f32, pool_channel_f64)(out, in, B, C, S, c););
}

/* set: write din (=) instead of accumulating (the caller then need not zero it). */
static void NN_PICK(pool_backward_ex_f32, pool_backward_ex_f64)(real *din, const real *dout, int B,
                                                                int C, int S, int set)
{
    const size_t N = (size_t)B * S;
    NN_PAR_FOR((size_t)C * N > NN_OMP_MIN, (int c = 0; c < C; c++),
               for (int b = 0; b < B; b++) {
                   real *p = din + (size_t)c * N + (size_t)b * S;
                   const real g = (real)(dout[(size_t)b * C + c] / (double)S);
                   if (set)
                       for (int i = 0; i < S; i++) p[i] = g;
                   else
                       for (int i = 0; i < S; i++) p[i] += g;
               });
}

void NN_PICK(nn_pool_backward_f32, nn_pool_backward_f64)(real *din, const real *dout, int B, int C,
                                                         int S)
{
    NN_PICK(pool_backward_ex_f32, pool_backward_ex_f64)(din, dout, B, C, S, 0);
}

void NN_PICK(nn_flatten_forward_f32, nn_flatten_forward_f64)(real *flat, const real *in, int B,
                                                             int C, int S)
{
    const size_t N = (size_t)B * S;
    NN_PAR_FOR((size_t)C * N > NN_OMP_MIN, (int b = 0; b < B; b++),
               for (int c = 0; c < C; c++)
                   memcpy(flat + ((size_t)b * C + c) * S, in + (size_t)c * N + (size_t)b * S,
                          sizeof(real) * (size_t)S););
}

/* set: as in pool_backward_ex. */
static void NN_PICK(flatten_backward_ex_f32, flatten_backward_ex_f64)(real *din, const real *dflat,
                                                                      int B, int C, int S, int set)
{
    const size_t N = (size_t)B * S;
    NN_PAR_FOR((size_t)C * N > NN_OMP_MIN, (int c = 0; c < C; c++),
               for (int b = 0; b < B; b++) {
                   real *d = din + (size_t)c * N + (size_t)b * S;
                   const real *g = dflat + ((size_t)b * C + c) * S;
                   if (set)
                       memcpy(d, g, sizeof(real) * (size_t)S);
                   else
                       for (int i = 0; i < S; i++) d[i] += g[i];
               });
}

void NN_PICK(nn_flatten_backward_f32, nn_flatten_backward_f64)(real *din, const real *dflat, int B,
                                                               int C, int S)
{
    NN_PICK(flatten_backward_ex_f32, flatten_backward_ex_f64)(din, dflat, B, C, S, 0);
}

/* cin_nz > 0: only the first cin_nz channels of z can be nonzero (the zero-padded
 * input of the first block), so the direct path skips the others. */
static void NN_PICK(resblock_forward_ex_f32,
                    resblock_forward_ex_f64)(real *zout, const real *z, const real *const *w,
                                             const real *const *b, real *const *h, real *col,
                                             const nn_conv_shape *s, int L, double scale,
                                             int cin_nz)
{
    const real *in = z;
    for (int l = 0; l < L; l++) {
        NN_PICK(nn_conv_fwd_opts_f32, nn_conv_fwd_opts_f64)
        o = {1, NULL, NULL, scale, l == 0 ? cin_nz : 0};
        if (l == L - 1) o.zres = z, o.zout = zout;
        NN_PICK(nn_conv_forward_tiled_f32, nn_conv_forward_tiled_f64)
        (h[l], in, w[l], b[l], col, s, &o);
        in = h[l];
    }
}

/* dz may be NULL (no input gradient); cin_nz as in resblock_forward_ex; dz_set: dz is
 * written (=) instead of accumulated (saves the caller a memset of the whole state). */
static void NN_PICK(resblock_backward_ex_f32,
                    resblock_backward_ex_f64)(real *dz, real *const *dw, real *const *db,
                                              const real *dzout, const real *z,
                                              const real *const *w, const real *const *h, real *col,
                                              real *g0, real *g1, const nn_conv_shape *s, int L,
                                              double scale, int cin_nz, int dz_set)
{
    /* Conv l gets g_l = gradient at its pre-activation; the last one is
     * scale * dzout through the last ReLU, computed inside the tiles. The others come
     * masked by the ReLU after conv l out of the previous step's col2im. */
    const real *g = dzout;
    real *t = g0, *spare = g1;
    for (int l = L - 1; l >= 0; l--) {
        real *dwl = dw ? dw[l] : NULL, *dbl = db ? db[l] : NULL;
        NN_PICK(nn_conv_bwd_opts_f32, nn_conv_bwd_opts_f64)
        o = {NULL, 1, 0, NULL, NULL, l == 0 ? cin_nz : 0, 0};
        if (l == L - 1) o.gmask = h[L - 1], o.gscale = scale;
        if (l == 0) {
            o.din_add = dzout; /* the skip connection */
            o.din_zero = dz_set;
            /* The zero-padded input's channels past cin_nz: their gradient is discarded
             * (nn_pad_backward reads channel 0), so the direct path skips them. */
            o.din_nz = cin_nz;
            NN_PICK(nn_conv_backward_tiled_f32, nn_conv_backward_tiled_f64)
            (dz, dwl, dbl, g, z, w[0], col, s, &o);
            break;
        }
        o.din_zero = 1;
        o.dmask = h[l - 1];
        NN_PICK(nn_conv_backward_tiled_f32, nn_conv_backward_tiled_f64)
        (t, dwl, dbl, g, h[l - 1], w[l], col, s, &o);
        g = t;
        real *tmp = t;
        t = spare;
        spare = tmp;
    }
}

void NN_PICK(nn_resblock_forward_f32,
             nn_resblock_forward_f64)(real *zout, const real *z, const real *const *w,
                                      const real *const *b, real *const *h, real *col,
                                      const nn_conv_shape *s, int L, double scale)
{
    NN_PICK(resblock_forward_ex_f32, resblock_forward_ex_f64)
    (zout, z, w, b, h, col, s, L, scale, 0);
}

void NN_PICK(nn_resblock_backward_f32,
             nn_resblock_backward_f64)(real *dz, real *const *dw, real *const *db,
                                       const real *dzout, const real *z, const real *const *w,
                                       const real *const *h, real *col, real *g0, real *g1,
                                       const nn_conv_shape *s, int L, double scale)
{
    NN_PICK(resblock_backward_ex_f32, resblock_backward_ex_f64)
    (dz, dw, db, dzout, z, w, h, col, g0, g1, s, L, scale, 0, 0);
}
/* Forward: x [B][S] -> m->out [B][outputs]; keeps every block state and conv output
 * for the backward pass. */
void NN_PICK(nn_convresnet_forward_f32, nn_convresnet_forward_f64)(nn_model *m, const real *x,
                                                                   int B)
{
    const nn_config *c = &m->cfg;
    const int S = c->in_dim, L = c->L;
    const size_t N = (size_t)B * S;
    nn_conv_shape s = nn_convresnet_conv_shape(c, B);
    real **state = (real **)m->state, **conv_act = (real **)m->conv_act;
    real *conv_ws = (real *)m->conv_ws;
    NN_PICK(nn_pad_forward_f32, nn_pad_forward_f64)(state[0], x, c->C, N);
    const real *w_conv[NN_MAX_L], *b_conv[NN_MAX_L];
    for (int blk = 0; blk < c->M; blk++) {
        for (int l = 0; l < L; l++) {
            w_conv[l] = PARAM(m, nn_ti_conv_weight(c, blk, l));
            b_conv[l] = PARAM(m, nn_ti_conv_bias(c, blk, l));
        }
        /* Block 0 reads the zero-padded input: only its channel 0 can be nonzero. */
        NN_PICK(resblock_forward_ex_f32, resblock_forward_ex_f64)
        (state[blk + 1], state[blk], w_conv, b_conv, conv_act + (size_t)blk * L, conv_ws, &s, L,
         c->res_scale, blk == 0 ? 1 : 0);
    }
    real *head_in = (real *)m->head_in;
    int hin;
    if (c->head == NN_HEAD_FC) {
        NN_PICK(nn_flatten_forward_f32, nn_flatten_forward_f64)(head_in, state[c->M], B, c->C, S);
        hin = c->C * S;
    } else {
        NN_PICK(nn_pool_forward_f32, nn_pool_forward_f64)(head_in, state[c->M], B, c->C, S);
        hin = c->C;
    }
    NN_PICK(nn_dense_forward_f32, nn_dense_forward_f64)
    ((real *)m->out, head_in, PARAM(m, nn_ti_head_weight(c)), PARAM(m, nn_ti_head_bias(c)), B, hin,
     c->outputs, 1, 1);
}

/* Backward after the forward of the same batch: dout [B][outputs]; flags as for
 * nn_backward_f32 (nn.h); dx [B][S] written when non-NULL. */
void NN_PICK(nn_convresnet_backward_f32, nn_convresnet_backward_f64)(nn_model *m, const real *dout,
                                                                     int B, real *dx, int flags)
{
    const nn_config *c = &m->cfg;
    const int S = c->in_dim, L = c->L, par = flags & NN_BWD_PARAMS;
    const size_t N = (size_t)B * S;
    nn_conv_shape s = nn_convresnet_conv_shape(c, B);
    real **state = (real **)m->state, **conv_act = (real **)m->conv_act;
    const int hin = c->head == NN_HEAD_FC ? c->C * S : c->C;
    real *head_in_grad = (real *)m->head_in_grad;
    /* Gradients at the block states, ping-pong: dstate_out at block blk's output,
     * dstate_in at its input. */
    real *dstate_out = (real *)m->state_grad[0], *dstate_in = (real *)m->state_grad[1];
    /* The conv layers accumulate; their gradients are small, so NN_BWD_SET is a memset. */
    if (par && (flags & NN_BWD_SET)) memset(m->grads, 0, sizeof(real) * m->nparams);
    memset(head_in_grad, 0, sizeof(real) * (size_t)B * hin);
    NN_PICK(nn_dense_backward_f32, nn_dense_backward_f64)
    (head_in_grad, par ? GRAD(m, nn_ti_head_weight(c)) : NULL,
     par ? GRAD(m, nn_ti_head_bias(c)) : NULL, dout, (real *)m->head_in,
     PARAM(m, nn_ti_head_weight(c)), B, hin, c->outputs, 1, 1);
    /* dstate_out is written (=) by the head's backward: no memset of the state. */
    if (c->head == NN_HEAD_FC)
        NN_PICK(flatten_backward_ex_f32, flatten_backward_ex_f64)
        (dstate_out, head_in_grad, B, c->C, S, 1);
    else
        NN_PICK(pool_backward_ex_f32, pool_backward_ex_f64)
        (dstate_out, head_in_grad, B, c->C, S, 1);
    const real *w_conv[NN_MAX_L];
    real *dw_conv[NN_MAX_L], *db_conv[NN_MAX_L];
    for (int blk = c->M - 1; blk >= 0; blk--) {
        for (int l = 0; l < L; l++) {
            w_conv[l] = PARAM(m, nn_ti_conv_weight(c, blk, l));
            dw_conv[l] = GRAD(m, nn_ti_conv_weight(c, blk, l));
            db_conv[l] = GRAD(m, nn_ti_conv_bias(c, blk, l));
        }
        /* The first block's input gradient is only needed for dx. */
        real *din = blk > 0 || dx ? dstate_in : NULL; /* written (=), no memset needed */
        NN_PICK(resblock_backward_ex_f32, resblock_backward_ex_f64)
        (din, par ? dw_conv : NULL, par ? db_conv : NULL, dstate_out, state[blk], w_conv,
         (const real *const *)(conv_act + (size_t)blk * L), (real *)m->conv_ws,
         (real *)m->branch_grad[0], (real *)m->branch_grad[1], &s, L, c->res_scale,
         blk == 0 ? 1 : 0, 1);
        real *t = dstate_out;
        dstate_out = dstate_in;
        dstate_in = t;
    }
    if (dx) {
        memset(dx, 0, sizeof(real) * N);
        NN_PICK(nn_pad_backward_f32, nn_pad_backward_f64)(dx, dstate_out, N);
    }
}

#undef PARAM
#undef GRAD
