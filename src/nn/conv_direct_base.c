/* The direct convolution compiled for SSE2 only (any x86-64; also the build for other architectures).
 * CMakeLists.txt gives this file its own target flags, whatever the build's -march;
 * conv_direct.c calls it only on a CPU that runs them. */
#include "conv_direct_impl.h"


const nn_cd_ops nn_cd_ops_base = {"base", cd_forward, cd_backward};
