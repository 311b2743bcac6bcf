/* Interoperability dumps as numpy .npy files plus a JSON description:
 *   export: DIR/hparams.json, DIR/param.<tensor>.npy
 *   grad:   DIR/hparams.json (with the objective and loss), DIR/input.npy, [target.npy],
 *           output.npy, input_grad.npy, param.<tensor>.npy, grad.<tensor>.npy
 * Arrays are in the model's precision ('<f4' or '<f8'), with the shapes of nn.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "nn.h"
#include "nn_dump.h"
#include "nn_internal.h"

static int write_tensors(const nn_model *m, const char *dir, const char *prefix, const void *base)
{
    const int es = m->prec == NN_F32 ? 4 : 8;
    char path[4096];
    for (int i = 0; i < m->ntensors; i++) {
        const nn_tensor *t = &m->tensors[i];
        long shape[4];
        for (int d = 0; d < t->ndim; d++) shape[d] = t->shape[d];
        snprintf(path, sizeof path, "%s/%s.%s.npy", dir, prefix, t->name);
        OP_TRY(nn_write_npy(path, (const char *)base + t->offset * (size_t)es, es, t->ndim, shape));
    }
    return OP_OK;
}

static int write_json(const char *dir, const nn_model *m, const char *extra)
{
    char *cj = nn_config_json(m);
    if (!cj) OP_ERROR(OP_ENOMEM, "out of memory writing hparams.json");
    op_buf b;
    op_buf_init(&b);
    op_buf_printf(&b, "{\"format\": \"overparam-npy-1\", \"model\": %s%s}\n", cj, extra ? extra : "");
    free(cj);
    char path[4096];
    snprintf(path, sizeof path, "%s/hparams.json", dir);
    int st = b.oom ? op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory")
                   : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return st;
}

int nn_export(const nn_model *m, const char *dir)
{
    OP_TRY(op_mkdir_p(dir));
    OP_TRY(write_tensors(m, dir, "param", m->params));
    return write_json(dir, m, NULL);
}

int nn_grad_dump(nn_model *m, const double *x, const double *y, int B, nn_loss l, int out_index,
                 const char *dir, double *loss_out)
{
    const int D = m->cfg.in_dim, O = m->cfg.outputs, es = m->prec == NN_F32 ? 4 : 8;
    if (B < 1 || B > m->max_batch)
        OP_ERROR(OP_EUSAGE, "grad dump: batch %d out of range [1, %d]", B, m->max_batch);
    if (!y && (out_index < 0 || out_index >= O))
        OP_ERROR(OP_EUSAGE, "grad dump: output index %d out of range [0, %d)", out_index, O);
    if (y) OP_TRY(nn_loss_check_targets(l, O, y, B));
    /* Input in the model precision (in the attack buffer, which nothing else uses here). */
    void *xin = m->x_batch;
    for (size_t i = 0; i < (size_t)B * D; i++) {
        if (m->prec == NN_F32)
            ((float *)xin)[i] = (float)x[i];
        else
            ((double *)xin)[i] = x[i];
    }
    double loss = NAN;
    nn_zero_grad(m);
    if (m->prec == NN_F32) {
        OP_TRY(nn_forward_f32(m, xin, B, NULL));
        float *d = m->dout;
        if (y)
            loss = nn_loss_f32(l, m->out, y, B, O, d);
        else
            for (size_t i = 0; i < (size_t)B * O; i++) d[i] = (int)(i % O) == out_index;
        OP_TRY(nn_backward_f32(m, d, B, m->x_grad, NN_BWD_PARAMS | NN_BWD_INPUT));
    } else {
        OP_TRY(nn_forward_f64(m, xin, B, NULL));
        double *d = m->dout;
        if (y)
            loss = nn_loss_f64(l, m->out, y, B, O, d);
        else
            for (size_t i = 0; i < (size_t)B * O; i++) d[i] = (int)(i % O) == out_index;
        OP_TRY(nn_backward_f64(m, d, B, m->x_grad, NN_BWD_PARAMS | NN_BWD_INPUT));
    }
    if (loss_out) *loss_out = loss;
    OP_TRY(op_mkdir_p(dir));
    char path[4096];
    long sx[2] = {B, D}, so[2] = {B, O};
    snprintf(path, sizeof path, "%s/input.npy", dir);
    OP_TRY(nn_write_npy(path, xin, es, 2, sx));
    if (y) {
        long sy[2] = {B, nn_loss_target_dim(l, O)};
        snprintf(path, sizeof path, "%s/target.npy", dir);
        OP_TRY(nn_write_npy(path, y, 8, 2, sy)); /* targets are float64 */
    }
    snprintf(path, sizeof path, "%s/output.npy", dir);
    OP_TRY(nn_write_npy(path, m->out, es, 2, so));
    snprintf(path, sizeof path, "%s/input_grad.npy", dir);
    OP_TRY(nn_write_npy(path, m->x_grad, es, 2, sx));
    OP_TRY(write_tensors(m, dir, "param", m->params));
    OP_TRY(write_tensors(m, dir, "grad", m->grads));
    op_buf e;
    op_buf_init(&e);
    op_buf_printf(&e, ", \"batch\": %d, \"objective\": ", B);
    if (y) {
        char obj[96];
        snprintf(obj, sizeof obj, "mean %s loss", nn_loss_name(l));
        op_buf_json_str(&e, obj);
        op_buf_printf(&e, ", \"loss_kind\": \"%s\", \"loss\": ", nn_loss_name(l));
        op_buf_json_num(&e, loss);
    } else {
        op_buf_printf(&e, "\"sum over the batch of output %d\", \"loss\": null", out_index);
    }
    int st = e.oom ? op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory")
                   : write_json(dir, m, e.s);
    op_buf_free(&e);
    return st;
}
