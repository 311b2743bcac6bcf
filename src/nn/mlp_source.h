/* The MLP (nn.h: standard, NTK or mean-field parameterization) for one precision
 * (template; mlp.c compiles it for float and double, see nn_real.h): forward and
 * backward over the buffers model.c carved (nn.h, struct nn_model). Layer l's weight
 * is multiplied by its tensor's fwd_scale and its bias by the bias tensor's fwd_scale
 * (1 for standard; nn_config.layer_scale overrides a weight's). */

#define PARAM(m, t) ((real *)(m)->params + (m)->tensors[t].offset)
#define GRAD(m, t) ((real *)(m)->grads + (m)->tensors[t].offset)

/* Forward: x [B][in_dim] -> m->out [B][outputs]; keeps every layer's activation. */
void NN_PICK(nn_mlp_forward_f32, nn_mlp_forward_f64)(nn_model *m, const real *x, int B)
{
    const nn_config *c = &m->cfg;
    real **act = (real **)m->layer_act;
    memcpy(act[0], x, sizeof(real) * (size_t)B * c->in_dim);
    for (int l = 0; l <= c->depth; l++) {
        const nn_tensor *tw = &m->tensors[nn_ti_dense_weight(c, l)];
        const real *w = PARAM(m, nn_ti_dense_weight(c, l));
        const real *bias = c->bias ? PARAM(m, nn_ti_dense_bias(c, l)) : NULL;
        const double beta = c->bias ? m->tensors[nn_ti_dense_bias(c, l)].fwd_scale : 0;
        real *o = l < c->depth ? act[l + 1] : (real *)m->out;
        NN_PICK(nn_dense_forward_f32, nn_dense_forward_f64)
        (o, act[l], w, bias, B, tw->shape[1], tw->shape[0], tw->fwd_scale, beta);
        if (l < c->depth)
            NN_PICK(nn_relu_forward_f32, nn_relu_forward_f64)(o, o, (size_t)B * tw->shape[0]);
    }
}

/* Backward after the forward of the same batch: dout [B][outputs]; flags as for
 * nn_backward_f32 (nn.h); dx [B][in_dim] written when non-NULL. */
void NN_PICK(nn_mlp_backward_f32, nn_mlp_backward_f64)(nn_model *m, const real *dout, int B,
                                                       real *dx, int flags)
{
    const nn_config *c = &m->cfg;
    real **act = (real **)m->layer_act;
    const int par = flags & NN_BWD_PARAMS;
    const real *g = dout;
    /* Gradients at the layer activations, alternating between two buffers. */
    real *act_grad[2] = {(real *)m->state_grad[0], (real *)m->state_grad[1]};
    for (int l = c->depth; l >= 0; l--) {
        const nn_tensor *tw = &m->tensors[nn_ti_dense_weight(c, l)];
        const int NI = tw->shape[1], NO = tw->shape[0];
        real *din = l > 0 || dx ? act_grad[l & 1] : NULL; /* written (=) below */
        real *dw = par ? GRAD(m, nn_ti_dense_weight(c, l)) : NULL;
        real *db = par && c->bias ? GRAD(m, nn_ti_dense_bias(c, l)) : NULL;
        const double beta = c->bias ? m->tensors[nn_ti_dense_bias(c, l)].fwd_scale : 0;
        NN_PICK(nn_dense_backward_ex_f32, nn_dense_backward_ex_f64)
        (din, dw, db, g, act[l], PARAM(m, nn_ti_dense_weight(c, l)), B, NI, NO, tw->fwd_scale, beta,
         flags & NN_BWD_SET, 1);
        if (l > 0) {
            /* Through the ReLU that produced act[l]. */
            const real *hl = act[l];
            const size_t n = (size_t)B * NI;
            /* Branch-free, so it vectorizes (a branch per element mispredicted on random
             * signs); the same values: din where hl > 0, else +0. */
            if (nn_par(n > NN_OMP_MIN)) {
#pragma omp parallel for simd schedule(static)
                for (size_t i = 0; i < n; i++) din[i] = hl[i] > 0 ? din[i] : 0;
            } else {
#pragma omp simd
                for (size_t i = 0; i < n; i++) din[i] = hl[i] > 0 ? din[i] : 0;
            }
        }
        g = din;
    }
    if (dx) memcpy(dx, g, sizeof(real) * (size_t)B * c->in_dim);
}

#undef PARAM
#undef GRAD
