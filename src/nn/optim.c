/* Optimizers (SGD with momentum, Adam, AdamW) in float and double (optim_source.h).
 * The training loop (train.c) calls nn_optim_step_f32 once per minibatch. */
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
#include "optim_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "optim_source.h"
#include "nn_real_end.h"

const char *nn_opt_name(nn_opt o)
{
    switch (o) {
    case NN_OPT_SGD: return "sgd";
    case NN_OPT_ADAM: return "adam";
    case NN_OPT_ADAMW: return "adamw";
    }
    return "unknown";
}
