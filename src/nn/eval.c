/* The double convenience API (nn.h: nn_predict, nn_input_grad_*, nn_eval) for models
 * of either precision: the typed halves in eval_source.h, the dispatch below. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core/blas.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "nn_internal.h"

#define NN_REAL_F64 0
#include "nn_real.h"
#include "eval_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "eval_source.h"
#include "nn_real_end.h"

int nn_predict(nn_model *m, const double *x, long n, double *out)
{
    return m->prec == NN_F32 ? nn_predict_f32(m, x, n, out) : nn_predict_f64(m, x, n, out);
}

int nn_mlp_last_hidden(nn_model *m, const double *x, long n, double *h)
{
    if (m->cfg.kind != NN_MLP || m->cfg.depth < 1)
        OP_ERROR(OP_EUSAGE, "nn_mlp_last_hidden: needs an MLP with at least one hidden layer");
    const int D = m->cfg.in_dim, W = m->cfg.width, L = m->cfg.depth;
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        const double *xs = x + (size_t)s * D;
        double *hs = h + (size_t)s * W;
        if (m->prec == NN_F32) {
            float *xb = (float *)m->x_batch;
            for (size_t i = 0; i < (size_t)B * D; i++) xb[i] = (float)xs[i];
            OP_TRY(nn_forward_f32(m, xb, B, NULL));
            const float *hl = (const float *)m->layer_act[L];
            for (size_t i = 0; i < (size_t)B * W; i++) hs[i] = hl[i];
        } else {
            double *xb = (double *)m->x_batch;
            memcpy(xb, xs, sizeof(double) * (size_t)B * D);
            OP_TRY(nn_forward_f64(m, xb, B, NULL));
            memcpy(hs, m->layer_act[L], sizeof(double) * (size_t)B * W);
        }
    }
    return OP_OK;
}

int nn_input_grad_output(nn_model *m, const double *x, long n, int o, double *dx)
{
    return m->prec == NN_F32 ? nn_input_grad_output_f32(m, x, n, o, dx)
                             : nn_input_grad_output_f64(m, x, n, o, dx);
}

int nn_input_grad_loss(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *dx,
                       double *loss_out)
{
    OP_TRY(nn_check_loss_model(m, l));
    return m->prec == NN_F32 ? nn_input_grad_loss_f32(m, l, x, y, n, dx, loss_out)
                             : nn_input_grad_loss_f64(m, l, x, y, n, dx, loss_out);
}

int nn_eval(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
            double *err)
{
    OP_TRY(nn_check_loss_model(m, l));
    return m->prec == NN_F32 ? nn_eval_f32(m, l, x, y, n, loss, err)
                             : nn_eval_f64(m, l, x, y, n, loss, err);
}
