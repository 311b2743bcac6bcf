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
 * Path rule (nn_conv_use_direct under NN_CONV_AUTO), measured with `overparam bench
 * --conv im2col|direct` on W1 (1-D, 32 channels), W2 (1-D, 64) and W4 (2-D 3x3, 16):
 *  - avx512 and avx2: direct for every shape nn_conv_direct_ok accepts (<= 64 channels,
 *    3-wide kernels); see docs/performance.md for the numbers per CPU.
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

/* Auto for 1-D kernels wider than 3 (kw = 5, 7, 9), per set: see the header. */
static int wide_direct(const nn_cd_ops *o)
{
    (void)o;
    return 0;
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
