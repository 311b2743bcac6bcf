/* The direct convolution's dispatch: which instruction set's kernels run
 * (conv_direct_<isa>.c, all built from conv_direct_impl.h) and the path rule (direct or
 * im2col + GEMM) for each.
 *
 * Why per-ISA translation units and not GCC function multi-versioning (target_clones):
 * the kernels are static inline helpers on GNU C vectors whose register blocking differs
 * by ISA (16 zmm accumulators vs 8 ymm), so a whole file is compiled per target; a
 * table of function pointers lets tests and users force any set the CPU runs
 * (OVERPARAM_ISA, nn_isa_select), which an ifunc resolver does not. The choice is made
 * from the CPU's feature bits only, never by timing, so records cannot depend on a race.
 *
 * Path rule (nn_conv_use_direct under NN_CONV_AUTO):
 *  - avx512 and avx2, 3-wide kernels (3x3, 1-D K = 3): direct for every shape
 *    nn_conv_direct_ok accepts (<= 64 channels), measured with `overparam bench --conv
 *    im2col|direct` on W1 (1-D, 32 channels), W2 (1-D, 64) and W4 (2-D 3x3, 16); see
 *    docs/performance.md for the numbers per CPU.
 *  - avx512 and avx2, 1-D kernels of 5, 7, 9 taps (wide_direct): direct. Measured on the
 *    approx-blocks nets (1-D ConvResNet C = 8, L = 2, M = 4, batch 64, 1 thread as a
 *    check's run), `overparam train --manifold torus:d=2 --ambient D --n 18384
 *    --test-frac 0.11 --val-frac 0 --K K --C 8 --L 2 --M 4 --batch 64 --steps 800
 *    --lr 1e-2 --zero-init-last --threads 1 --conv im2col|direct` with OVERPARAM_ISA
 *    forced (avx2 with OPENBLAS_CORETYPE=Haswell, the stand-in for an AVX2 machine),
 *    5 alternating rounds, median training seconds, 2 cores of an AMD EPYC family 26
 *    (Zen 5) shared with other jobs (load 6.1-7.9):
 *      avx512  D = 32 K = 5: im2col 0.56, direct 0.36 (1.56x)
 *              D = 64 K = 9: im2col 2.06, direct 0.91 (2.26x)
 *      avx2    D = 32 K = 5: im2col 0.94, direct 0.68 (1.38x)
 *              D = 64 K = 9: im2col 2.26, direct 1.62 (1.40x)
 *    (with kernels that computed all 16 channels of a block for C = 8, direct was
 *    0.80-1.46x: avx2 lost at K = 9; the kn <= 8 blocking in conv_direct_impl.h made
 *    the difference). 2 threads: see docs/performance.md.
 *  - base: im2col + GEMM always (OpenBLAS picks its own kernels for the CPU; the SSE2
 *    direct kernels are the portable fallback and the oracle of last resort). */
#include <pthread.h>
#include <string.h>

#include "core/op_error.h"
#include "nn_internal.h"

static const nn_cd_ops *const isa_all[] = {
#ifdef OP_X86_ISA
    &nn_cd_ops_avx512, &nn_cd_ops_avx2,
#endif
    &nn_cd_ops_base};
enum { ISA_N = sizeof isa_all / sizeof isa_all[0] };

static int isa_runs(const nn_cd_ops *o)
{
#ifdef OP_X86_ISA
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (o == &nn_cd_ops_avx2) return avx2;
    if (o == &nn_cd_ops_avx512)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#endif
    return o == &nn_cd_ops_base;
}

static const nn_cd_ops *isa_ops;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

static void isa_detect(void)
{
    for (int i = 0; i < ISA_N; i++)
        if (isa_runs(isa_all[i])) {
            isa_ops = isa_all[i];
            return;
        }
}

static const nn_cd_ops *ops(void)
{
    pthread_once(&isa_once, isa_detect);
    return isa_ops;
}

static const nn_cd_ops *isa_find(const char *name)
{
    for (int i = 0; i < ISA_N; i++)
        if (strcmp(isa_all[i]->name, name) == 0) return isa_all[i];
    return NULL;
}

int nn_isa_supported(const char *name)
{
    const nn_cd_ops *o = name ? isa_find(name) : NULL;
    return o && isa_runs(o);
}

int nn_isa_select(const char *name)
{
    ops(); /* detection done, so it cannot later overwrite the choice */
    if (!name || strcmp(name, "auto") == 0) {
        isa_ops = NULL;
        isa_detect();
        return OP_OK;
    }
    const nn_cd_ops *o = isa_find(name);
#ifdef OP_X86_ISA
    const char *allowed = "auto, avx512, avx2, base";
#else
    const char *allowed = "auto, base";
#endif
    if (!o) OP_ERROR(OP_EUSAGE, "instruction set '%s' is unknown; allowed: %s", name, allowed);
    if (!isa_runs(o)) OP_ERROR(OP_EUSAGE, "this CPU cannot run the %s kernels", name);
    isa_ops = o;
    return OP_OK;
}

const char *nn_isa_name(void) { return ops()->name; }

const char *nn_isa_class(const char *isa)
{
    if (!isa) return "";
    if (strcmp(isa, "avx512") == 0 || strcmp(isa, "avx2") == 0) return "fma";
    return strcmp(isa, "base") == 0 ? "base" : "";
}

/* Auto for 1-D kernels wider than 3 (kw = 5, 7, 9), per set: direct with avx512 and
 * avx2, where it measured faster (the header); base never gets here. */
static int wide_direct(const nn_cd_ops *o)
{
#ifdef OP_X86_ISA
    return o == &nn_cd_ops_avx512 || o == &nn_cd_ops_avx2;
#else
    (void)o;
    return 0;
#endif
}

int nn_conv_use_direct(const nn_conv_shape *s)
{
    if (s->path == NN_CONV_IM2COL) return 0;
    if (s->path == NN_CONV_DIRECT) return nn_conv_direct_shape(s);
    const nn_cd_ops *o = ops();
    if (o == &nn_cd_ops_base || !nn_conv_direct_ok(s)) return 0;
    return s->kw == 3 || wide_direct(o);
}

void nn_conv_direct_forward_f32(float *out, const float *in, const float *w, const float *b,
                                float *col, const nn_conv_shape *s, const nn_cd_fwd_opts *o)
{
    ops()->forward(out, in, w, b, col, s, o);
}

void nn_conv_direct_backward_f32(float *din, float *dw, float *db, const float *dout,
                                 const float *in, const float *w, float *col,
                                 const nn_conv_shape *s, const nn_cd_bwd_opts *o)
{
    ops()->backward(din, dw, db, dout, in, w, col, s, o);
}
