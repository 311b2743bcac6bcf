/* The direct convolution compiled for AVX-512 (F, BW, VL, DQ) + FMA: Skylake-SP and later Xeons, Zen 4 and 5.
 * CMakeLists.txt gives this file its own target flags, whatever the build's -march;
 * conv_direct.c calls it only on a CPU that runs them. */
#include "conv_direct_impl.h"
#if !defined(__AVX512F__)
#error "conv_direct_avx512.c needs AVX-512 flags (CMakeLists.txt)"
#endif

const nn_cd_ops nn_cd_ops_avx512 = {"avx512", cd_forward, cd_backward};
