#include "blas.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Best OpenBLAS kernel family this CPU supports, or NULL to leave detection alone. */
static const char *wanted_core(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return NULL;
}

void op_blas_init(int argc, char **argv)
{
    (void)argc;
    const char *off = getenv("OVERPARAM_NO_BLAS_FIX");
    if ((off && *off && strcmp(off, "0") != 0) || getenv("OPENBLAS_CORETYPE") ||
        getenv("OVERPARAM_BLAS_REEXEC"))
        return;
    const char *core = wanted_core();
    if (!core) return;
    /* Only re-exec if OpenBLAS did in fact pick something slower. */
    const char *now = openblas_get_corename();
    if (now && strcasecmp(now, core) == 0) return;
    setenv("OPENBLAS_CORETYPE", core, 1);
    setenv("OVERPARAM_BLAS_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    /* execv failed: carry on with the slow kernels rather than fail. */
}

const char *op_blas_core(void)
{
    const char *c = openblas_get_corename();
    return c ? c : "unknown";
}

void op_blas_set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int op_blas_threads(void) { return openblas_get_num_threads(); }
