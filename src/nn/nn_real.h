/* Precision switch for the float/double templates (*_source.h), like GSL's
 * templates_on.h: a concept file (conv.c, dense.c, ...) includes its template twice,
 *     #define NN_REAL_F64 0   then   #define NN_REAL_F64 1
 *     #include "nn_real.h"            #include "nn_real.h"
 *     #include "conv_source.h"        #include "conv_source.h"
 *     #include "nn_real_end.h"        #include "nn_real_end.h"
 * Inside a template `real` is float or double, and every function is defined and called
 * by its two spelled-out names, NN_PICK(nn_conv_forward_f32, nn_conv_forward_f64), so
 * grep and tag tools find nn_conv_forward_f32 where it is defined. (No include guard on
 * purpose.) */
#if NN_REAL_F64
#define real double
#define NN_PICK(name_f32, name_f64) name_f64
#define NN_GEMM cblas_dgemm
#define NN_PREC NN_F64
#define NN_HAVE_DIRECT 0 /* the direct convolution (conv_direct.c) is float-only */
#else
#define real float
#define NN_PICK(name_f32, name_f64) name_f32
#define NN_GEMM cblas_sgemm
#define NN_PREC NN_F32
#define NN_HAVE_DIRECT 1
#endif
