/* Undoes nn_real.h (no include guard on purpose). */
#undef real
#undef NN_PICK
#undef NN_GEMM
#undef NN_PREC
#undef NN_HAVE_DIRECT
#undef NN_REAL_F64
