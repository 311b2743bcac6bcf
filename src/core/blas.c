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
    if ((off && *off && strcmp(off, "0") != 0) || getenv("OVERPARAM_BLAS_REEXEC")) return;
    int reexec = 0;
    /* libgomp's default spin-waiting threads compete with OpenBLAS's own threads for
     * the same cores (measured on W1, 2 cores: 2.4 steps/s spinning, 15.9 passive).
     * libgomp reads the policy when it loads, so it too needs the re-exec. */
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        reexec = 1;
    }
    const char *core = wanted_core();
    const char *now = openblas_get_corename();
    if (core && !getenv("OPENBLAS_CORETYPE") && !(now && strcasecmp(now, core) == 0)) {
        /* Only when OpenBLAS did in fact pick something slower. */
        setenv("OPENBLAS_CORETYPE", core, 1);
        reexec = 1;
    }
    if (!reexec) return;
    setenv("OVERPARAM_BLAS_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    /* execv failed: carry on as we are rather than fail. */
}

const char *op_blas_core(void)
{
    const char *c = openblas_get_corename();
    return c ? c : "unknown";
}

void op_blas_set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int op_blas_threads(void) { return openblas_get_num_threads(); }
