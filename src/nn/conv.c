/* Convolution layers (nn_layers.h) in float and double: im2col + GEMM in tiles with
 * fused epilogues, the hand-off to the direct kernels (conv_direct.c, float only) and the
 * naive reference loops (conv_source.h). */
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
#include "conv_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "conv_source.h"
#include "nn_real_end.h"
