/* The MLP (nn.h) in float and double: forward and backward passes (mlp_source.h).
 * Configuration and tensor table: model.c. */
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
#include "mlp_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "mlp_source.h"
#include "nn_real_end.h"
