/* BLAS set-up. Debian's OpenBLAS 0.3.21 misdetects recent Intel CPUs (Sapphire
 * Rapids) as "Prescott" and runs sgemm 5-10x slower. OpenBLAS reads
 * OPENBLAS_CORETYPE when the library loads, before main(), so the fix is to set
 * it and re-execute the program once. Users get the fast kernels without knowing.
 * It also sets OMP_WAIT_POLICY=passive (when unset) in the same re-exec, so idle
 * OpenMP threads do not spin against OpenBLAS's threads.
 * OVERPARAM_NO_BLAS_FIX=1 disables both (to measure the defaults). */
#ifndef OP_BLAS_H
#define OP_BLAS_H

/* Call first thing in main(). May not return (execv). */
void op_blas_init(int argc, char **argv);
const char *op_blas_core(void);      /* the core OpenBLAS runs, e.g. "SkylakeX" */
void op_blas_set_threads(int n);     /* BLAS-internal threads (1 inside parallel sweeps) */
int op_blas_threads(void);

#endif
