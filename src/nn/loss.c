/* Losses (nn.h nn_loss) in float and double (loss_source.h), their names and the
 * label checks. */
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
#include "loss_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "loss_source.h"
#include "nn_real_end.h"

const char *nn_loss_name(nn_loss l)
{
    switch (l) {
    case NN_LOSS_MSE: return "mse";
    case NN_LOSS_LOGISTIC: return "logistic";
    case NN_LOSS_CE: return "ce";
    }
    return "unknown";
}

int nn_loss_target_dim(nn_loss l, int outputs) { return l == NN_LOSS_MSE ? outputs : 1; }

int nn_loss_check_targets(nn_loss l, int outputs, const double *y, long n)
{
    long k = (long)n * nn_loss_target_dim(l, outputs);
    for (long i = 0; i < k; i++) {
        double v = y[i];
        if (!isfinite(v)) OP_ERROR(OP_EUSAGE, "target %ld is not finite", i);
        if (l == NN_LOSS_LOGISTIC && v != 1 && v != 0 && v != -1)
            OP_ERROR(OP_EUSAGE, "logistic loss: label %g of sample %ld is not -1, 0 or 1", v, i);
        if (l == NN_LOSS_CE && (v != floor(v) || v < 0 || v >= outputs))
            OP_ERROR(OP_EUSAGE, "cross-entropy: label %g of sample %ld is not a class in [0, %d)",
                     v, i, outputs);
    }
    return OP_OK;
}

int nn_check_loss_model(const nn_model *m, nn_loss l)
{
    if (l != NN_LOSS_MSE && l != NN_LOSS_LOGISTIC && l != NN_LOSS_CE)
        OP_ERROR(OP_EUSAGE, "unknown loss %d", (int)l);
    if (l == NN_LOSS_LOGISTIC && m->cfg.outputs != 1)
        OP_ERROR(OP_EUSAGE, "logistic loss needs 1 output, the model has %d", m->cfg.outputs);
    if (l == NN_LOSS_CE && m->cfg.outputs < 2)
        OP_ERROR(OP_EUSAGE, "cross-entropy needs >= 2 outputs, the model has %d", m->cfg.outputs);
    return OP_OK;
}
