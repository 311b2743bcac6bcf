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
