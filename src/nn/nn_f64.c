/* The double build of the engine: every template compiled with real = double
 * (BLAS dgemm). nn_f32.c and nn_f64.c differ only in these defines. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core/blas.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "nn_internal.h"

#define real double
#define NN_FN(name) NN_CAT(name, _f64)
#define NN_GEMM cblas_dgemm
#define NN_HAVE_DIRECT 0 /* conv_direct.c is float-only */
#define NN_PREC NN_F64

#include "tmpl_layers.h"
#include "tmpl_model.h"
#include "tmpl_loss.h"
#include "tmpl_eval.h"
#include "tmpl_attack.h"
#include "tmpl_train.h"
