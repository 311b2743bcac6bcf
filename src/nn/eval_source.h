/* Double-in/double-out conveniences for one precision (template; eval.c compiles it
 * for float and double, see nn_real.h): data are converted batch by
 * batch into the model's attack buffers (no allocation). */

void NN_PICK(nn_to_real_f32, nn_to_real_f64)(real *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = (real)src[i];
}

void NN_PICK(nn_to_double_f32, nn_to_double_f64)(double *dst, const real *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = (double)src[i];
}

int NN_PICK(nn_predict_f32, nn_predict_f64)(nn_model *m, const double *x, long n, double *out)
{
    const int D = m->cfg.in_dim, O = m->cfg.outputs;
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        NN_PICK(nn_to_real_f32, nn_to_real_f64)
        ((real *)m->x_batch, x + (size_t)s * D, (size_t)B * D);
        OP_TRY(NN_PICK(nn_forward_f32, nn_forward_f64)(m, (real *)m->x_batch, B, NULL));
        NN_PICK(nn_to_double_f32, nn_to_double_f64)
        (out + (size_t)s * O, (real *)m->out, (size_t)B * O);
    }
    return OP_OK;
}

int NN_PICK(nn_input_grad_output_f32, nn_input_grad_output_f64)(nn_model *m, const double *x,
                                                                long n, int o, double *dx)
{
    const int D = m->cfg.in_dim, O = m->cfg.outputs;
    if (o < 0 || o >= O) OP_ERROR(OP_EUSAGE, "output index %d out of range [0, %d)", o, O);
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        NN_PICK(nn_to_real_f32, nn_to_real_f64)
        ((real *)m->x_batch, x + (size_t)s * D, (size_t)B * D);
        OP_TRY(NN_PICK(nn_forward_f32, nn_forward_f64)(m, (real *)m->x_batch, B, NULL));
        real *dout = (real *)m->dout;
        memset(dout, 0, sizeof(real) * (size_t)B * O);
        for (int b = 0; b < B; b++) dout[(size_t)b * O + o] = 1;
        OP_TRY(
            NN_PICK(nn_backward_f32, nn_backward_f64)(m, dout, B, (real *)m->x_grad, NN_BWD_INPUT));
        NN_PICK(nn_to_double_f32, nn_to_double_f64)
        (dx + (size_t)s * D, (real *)m->x_grad, (size_t)B * D);
    }
    return OP_OK;
}

int NN_PICK(nn_input_grad_loss_f32, nn_input_grad_loss_f64)(nn_model *m, nn_loss l, const double *x,
                                                            const double *y, long n, double *dx,
                                                            double *loss_out)
{
    const int D = m->cfg.in_dim, O = m->cfg.outputs, yd = nn_loss_target_dim(l, O);
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        NN_PICK(nn_to_real_f32, nn_to_real_f64)
        ((real *)m->x_batch, x + (size_t)s * D, (size_t)B * D);
        OP_TRY(NN_PICK(nn_forward_f32, nn_forward_f64)(m, (real *)m->x_batch, B, NULL));
        /* The mean-loss gradient times B is the gradient of the sum of per-sample losses. */
        NN_PICK(nn_loss_f32, nn_loss_f64)
        (l, (real *)m->out, y + (size_t)s * yd, B, O, (real *)m->dout);
        real *dout = (real *)m->dout;
        for (size_t i = 0; i < (size_t)B * O; i++) dout[i] *= (real)B;
        if (loss_out)
            for (int b = 0; b < B; b++)
                loss_out[s + b] = NN_PICK(nn_loss_f32, nn_loss_f64)(
                    l, (real *)m->out + (size_t)b * O, y + (size_t)(s + b) * yd, 1, O, NULL);
        OP_TRY(
            NN_PICK(nn_backward_f32, nn_backward_f64)(m, dout, B, (real *)m->x_grad, NN_BWD_INPUT));
        NN_PICK(nn_to_double_f32, nn_to_double_f64)
        (dx + (size_t)s * D, (real *)m->x_grad, (size_t)B * D);
    }
    return OP_OK;
}

/* Mean loss and error rate; typed batches from double data. */
int NN_PICK(nn_eval_f32, nn_eval_f64)(nn_model *m, nn_loss l, const double *x, const double *y,
                                      long n, double *loss, double *err)
{
    const int D = m->cfg.in_dim, O = m->cfg.outputs, yd = nn_loss_target_dim(l, O);
    double total = 0;
    long errors = 0;
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        NN_PICK(nn_to_real_f32, nn_to_real_f64)
        ((real *)m->x_batch, x + (size_t)s * D, (size_t)B * D);
        OP_TRY(NN_PICK(nn_forward_f32, nn_forward_f64)(m, (real *)m->x_batch, B, NULL));
        total += B * NN_PICK(nn_loss_f32, nn_loss_f64)(l, (real *)m->out, y + (size_t)s * yd, B, O,
                                                       NULL);
        errors += NN_PICK(nn_loss_errors_f32, nn_loss_errors_f64)(l, (real *)m->out,
                                                                  y + (size_t)s * yd, B, O);
    }
    if (loss) *loss = n > 0 ? total / n : NAN;
    if (err) *err = n > 0 ? (double)errors / n : NAN;
    return OP_OK;
}
