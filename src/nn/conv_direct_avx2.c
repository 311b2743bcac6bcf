/* The direct convolution compiled for AVX2 + FMA without AVX-512: Haswell to Alder Lake, Zen 1 to 3.
 * CMakeLists.txt gives this file its own target flags, whatever the build's -march;
 * conv_direct.c calls it only on a CPU that runs them. */
#include "conv_direct_impl.h"
#if !CD_AVX2
#error "conv_direct_avx2.c needs AVX2 + FMA flags and no AVX-512 (CMakeLists.txt)"
#endif

const nn_cd_ops nn_cd_ops_avx2 = {"avx2", cd_forward, cd_backward};
