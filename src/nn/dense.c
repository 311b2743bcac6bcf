/* The dense layer and ReLU (nn_layers.h) in float and double (dense_source.h), and the
 * OpenBLAS thread hold the layers use around their parallel GEMMs. */
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
#include "dense_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "dense_source.h"
#include "nn_real_end.h"

int nn_blas_solo_begin(void)
{
    if (omp_in_parallel()) return 0;
    int t = op_blas_threads();
    if (t > 1) op_blas_set_threads(1);
    return t;
}

void nn_blas_solo_end(int t)
{
    if (t > 1) op_blas_set_threads(t);
}
