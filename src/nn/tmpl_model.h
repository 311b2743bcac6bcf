/* Typed forward and backward passes of the three model kinds (one precision). The
 * buffers were carved by model.c; here they are cast to real. */

#define P(m) ((real *)(m)->params)
#define G(m) ((real *)(m)->grads)
#define TP(m, i) (P(m) + (m)->tensors[i].offset)
#define TG(m, i) (G(m) + (m)->tensors[i].offset)

static int NN_FN(check_call)(nn_model *m, int B)
{
    if (m->prec != NN_PREC)
        OP_ERROR(OP_EUSAGE, "model precision is %s; called the %s entry point",
                 m->prec == NN_F32 ? "float32" : "float64", NN_PREC == NN_F32 ? "_f32" : "_f64");
    if (B < 1 || B > m->max_batch)
        OP_ERROR(OP_EUSAGE, "batch size %d out of range [1, %d] (the model's max_batch)", B,
                 m->max_batch);
    return OP_OK;
}

static nn_conv_shape NN_FN(block_shape)(const nn_model *m, int B)
{
    const nn_config *c = &m->cfg;
    if (c->kind == NN_CONVRESNET1D) return nn_conv_shape_1d(B, c->D, c->C, c->C, c->K);
    return nn_conv_shape_2d(B, c->H, c->W, c->C, c->C, c->K);
}

static void NN_FN(convresnet_forward)(nn_model *m, const real *x, int B)
{
    const nn_config *c = &m->cfg;
    const int S = c->in_dim, L = c->L;
    const size_t N = (size_t)B * S;
    nn_conv_shape s = NN_FN(block_shape)(m, B);
    real **z = (real **)m->z, **h = (real **)m->h;
    NN_FN(nn_pad_forward)(z[0], x, c->C, N);
    const real *w[NN_MAX_L], *b[NN_MAX_L];
    for (int blk = 0; blk < c->M; blk++) {
        for (int l = 0; l < L; l++) {
            w[l] = TP(m, 2 * (blk * L + l));
            b[l] = TP(m, 2 * (blk * L + l) + 1);
        }
        NN_FN(resblock_forward_ex)(z[blk + 1], z[blk], w, b, h + (size_t)blk * L, (real *)m->col,
                                   &s, L, c->res_scale, blk == 0 ? 1 : 0);
    }
    const int ht = 2 * c->M * L;
    real *flat = (real *)m->flat;
    int hin;
    if (c->head == NN_HEAD_FC) {
        NN_FN(nn_flatten_forward)(flat, z[c->M], B, c->C, S);
        hin = c->C * S;
    } else {
        NN_FN(nn_pool_forward)(flat, z[c->M], B, c->C, S);
        hin = c->C;
    }
    NN_FN(nn_dense_forward)((real *)m->out, flat, TP(m, ht), TP(m, ht + 1), B, hin, c->outputs, 1,
                            1);
}

static void NN_FN(convresnet_backward)(nn_model *m, const real *dout, int B, real *dx, int flags)
{
    const nn_config *c = &m->cfg;
    const int S = c->in_dim, L = c->L, par = flags & NN_BWD_PARAMS;
    const size_t N = (size_t)B * S;
    nn_conv_shape s = NN_FN(block_shape)(m, B);
    real **z = (real **)m->z, **h = (real **)m->h;
    const int ht = 2 * c->M * L;
    const int hin = c->head == NN_HEAD_FC ? c->C * S : c->C;
    real *dflat = (real *)m->dflat, *dz = (real *)m->g0, *dzp = (real *)m->g1;
    /* The conv layers accumulate; their gradients are small, so NN_BWD_SET is a memset. */
    if (par && (flags & NN_BWD_SET)) memset(G(m), 0, sizeof(real) * m->nparams);
    memset(dflat, 0, sizeof(real) * (size_t)B * hin);
    NN_FN(nn_dense_backward)(dflat, par ? TG(m, ht) : NULL, par ? TG(m, ht + 1) : NULL, dout,
                             (real *)m->flat, TP(m, ht), B, hin, c->outputs, 1, 1);
    /* dz is written (=) by the head's backward: no memset of the state. */
    if (c->head == NN_HEAD_FC)
        NN_FN(flatten_backward_ex)(dz, dflat, B, c->C, S, 1);
    else
        NN_FN(pool_backward_ex)(dz, dflat, B, c->C, S, 1);
    const real *w[NN_MAX_L];
    real *dw[NN_MAX_L], *db[NN_MAX_L];
    for (int blk = c->M - 1; blk >= 0; blk--) {
        for (int l = 0; l < L; l++) {
            w[l] = TP(m, 2 * (blk * L + l));
            dw[l] = TG(m, 2 * (blk * L + l));
            db[l] = TG(m, 2 * (blk * L + l) + 1);
        }
        /* The first block's input gradient is only needed for dx. */
        real *dzin = blk > 0 || dx ? dzp : NULL; /* written (=), no memset needed */
        NN_FN(resblock_backward_ex)(dzin, par ? dw : NULL, par ? db : NULL, dz, z[blk], w,
                                    (const real *const *)(h + (size_t)blk * L), (real *)m->col,
                                    (real *)m->g2, (real *)m->g3, &s, L, c->res_scale,
                                    blk == 0 ? 1 : 0, 1);
        real *t = dz;
        dz = dzp;
        dzp = t;
    }
    if (dx) {
        memset(dx, 0, sizeof(real) * N);
        NN_FN(nn_pad_backward)(dx, dz, N);
    }
}

static void NN_FN(mlp_forward)(nn_model *m, const real *x, int B)
{
    const nn_config *c = &m->cfg;
    real **h = (real **)m->h;
    memcpy(h[0], x, sizeof(real) * (size_t)B * c->in_dim);
    const int per = c->bias ? 2 : 1;
    for (int l = 0; l <= c->depth; l++) {
        const nn_tensor *tw = &m->tensors[per * l];
        const real *bias = c->bias ? TP(m, per * l + 1) : NULL;
        const double beta = c->bias ? m->tensors[per * l + 1].fwd_scale : 0;
        real *o = l < c->depth ? h[l + 1] : (real *)m->out;
        NN_FN(nn_dense_forward)(o, h[l], P(m) + tw->offset, bias, B, tw->shape[1], tw->shape[0],
                                tw->fwd_scale, beta);
        if (l < c->depth) NN_FN(nn_relu_forward)(o, o, (size_t)B * tw->shape[0]);
    }
}

static void NN_FN(mlp_backward)(nn_model *m, const real *dout, int B, real *dx, int flags)
{
    const nn_config *c = &m->cfg;
    real **h = (real **)m->h;
    const int per = c->bias ? 2 : 1, par = flags & NN_BWD_PARAMS;
    const real *g = dout;
    real *bufs[2] = {(real *)m->g0, (real *)m->g1};
    for (int l = c->depth; l >= 0; l--) {
        const nn_tensor *tw = &m->tensors[per * l];
        const int NI = tw->shape[1], NO = tw->shape[0];
        real *din = l > 0 || dx ? bufs[l & 1] : NULL; /* written (=) below */
        real *dwp = par ? G(m) + tw->offset : NULL;
        real *dbp = par && c->bias ? TG(m, per * l + 1) : NULL;
        const double beta = c->bias ? m->tensors[per * l + 1].fwd_scale : 0;
        NN_FN(dense_backward_ex)(din, dwp, dbp, g, h[l], P(m) + tw->offset, B, NI, NO,
                                 tw->fwd_scale, beta, flags & NN_BWD_SET, 1);
        if (l > 0) {
            /* Through the ReLU that produced h[l]. */
            const real *hl = h[l];
            const size_t n = (size_t)B * NI;
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
            for (size_t i = 0; i < n; i++)
                if (!(hl[i] > 0)) din[i] = 0;
        }
        g = din;
    }
    if (dx) memcpy(dx, g, sizeof(real) * (size_t)B * c->in_dim);
}

int NN_FN(nn_forward)(nn_model *m, const real *x, int B, real *out)
{
    OP_TRY(NN_FN(check_call)(m, B));
    if (m->cfg.kind == NN_MLP)
        NN_FN(mlp_forward)(m, x, B);
    else
        NN_FN(convresnet_forward)(m, x, B);
    m->last_batch = B;
    if (out) memcpy(out, m->out, sizeof(real) * (size_t)B * m->cfg.outputs);
    return OP_OK;
}

int NN_FN(nn_backward)(nn_model *m, const real *dout, int B, real *dx, int flags)
{
    OP_TRY(NN_FN(check_call)(m, B));
    if (B != m->last_batch)
        OP_ERROR(OP_EUSAGE, "backward with batch %d after a forward with batch %d", B,
                 m->last_batch);
    if (!(flags & NN_BWD_INPUT)) dx = NULL;
    if (m->cfg.kind == NN_MLP)
        NN_FN(mlp_backward)(m, dout, B, dx, flags);
    else
        NN_FN(convresnet_backward)(m, dout, B, dx, flags);
    return OP_OK;
}

#undef P
#undef G
#undef TP
#undef TG
