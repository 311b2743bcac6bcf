/* The fast convolutions (im2col + GEMM over the whole batch; the float direct path for
 * few channels) against the naive direct reference, forward and backward, in float and
 * double (the float paths against the double reference on float-rounded inputs); the
 * direct path against im2col on whole models; and bitwise identical model
 * forward/backward for 1 and 2 threads (OpenMP and OpenBLAS). The direct-path tests run
 * once per instruction set this CPU can run (avx512, avx2, base: nn_isa_select), and the
 * avx512 and avx2 kernels must agree bit for bit (conv_direct_impl.h says why they do). */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "nn/nn_layers.h"
#include "test_util.h"

static op_rng rng;
static float *conv_bits(nn_conv_shape s, size_t *n);

static double maxrel(const double *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num = fmax(num, fabs(a[i] - b[i]));
        den = fmax(den, fabs(b[i]));
    }
    return den > 0 ? num / den : num;
}

/* Runs both paths in precision `f32` and returns the worst relative difference over
 * out, din, dw, db (max-norm relative to the reference's max). */
static double compare(nn_conv_shape s, int f32)
{
    size_t N = (size_t)s.B * s.H * s.W, nx = s.cin * N, ny = s.cout * N;
    size_t nw = (size_t)s.cout * s.cin * s.kh * s.kw, ncol = nn_conv_col_elems(&s);
    size_t tot = nx + ny + nw + s.cout;
    double *in = malloc(sizeof(double) * tot), *res[2];
    /* In float, the inputs are rounded to float once and the reference is the double
     * one on those values: the float path is measured against (nearly) exact sums, not
     * against a float reference's own rounding. */
    for (size_t i = 0; i < tot; i++) {
        in[i] = 2.385 * (2 * op_rng_uniform(&rng) - 1);
        if (f32) in[i] = (float)in[i];
    }
    const double *x = in, *w = in + nx, *b = w + nw, *dout = b + s.cout;
    size_t nres = ny + nx + nw + s.cout;
    for (int path = 0; path < 2; path++) {
        res[path] = calloc(nres, sizeof(double));
        double *r = res[path];
        if (f32 && path == 0) {
            nn_conv_forward_ref_f64(r, x, w, b, &s);
            nn_conv_backward_ref_f64(r + ny, r + ny + nx, r + ny + nx + nw, dout, x, w, &s);
        } else if (f32) {
            float *fin = malloc(sizeof(float) * tot), *fr = calloc(nres, sizeof(float));
            float *col = malloc(sizeof(float) * ncol);
            for (size_t i = 0; i < tot; i++) fin[i] = (float)in[i];
            float *fx = fin, *fw = fin + nx, *fb = fw + nw, *fd = fb + s.cout;
            nn_conv_forward_f32(fr, fx, fw, fb, col, &s);
            nn_conv_backward_f32(fr + ny, fr + ny + nx, fr + ny + nx + nw, fd, fx, fw, col, &s);
            for (size_t i = 0; i < nres; i++) r[i] = fr[i];
            free(fin), free(fr), free(col);
        } else {
            double *col = malloc(sizeof(double) * ncol);
            if (path) {
                nn_conv_forward_f64(r, x, w, b, col, &s);
                nn_conv_backward_f64(r + ny, r + ny + nx, r + ny + nx + nw, dout, x, w, col, &s);
            } else {
                nn_conv_forward_ref_f64(r, x, w, b, &s);
                nn_conv_backward_ref_f64(r + ny, r + ny + nx, r + ny + nx + nw, dout, x, w, &s);
            }
            free(col);
        }
    }
    double e = 0;
    e = fmax(e, maxrel(res[1], res[0], ny));
    e = fmax(e, maxrel(res[1] + ny, res[0] + ny, nx));
    e = fmax(e, maxrel(res[1] + ny + nx, res[0] + ny + nx, nw));
    e = fmax(e, maxrel(res[1] + ny + nx + nw, res[0] + ny + nx + nw, s.cout));
    free(res[0]), free(res[1]), free(in);
    return e;
}

static float *run_threads(nn_model *m, const float *x, const float *r, int B, int t);

static void test_fast_vs_ref(void)
{
    nn_conv_shape shapes[] = {
        nn_conv_shape_1d(4, 16, 3, 5, 3), nn_conv_shape_1d(3, 9, 8, 8, 5),
        nn_conv_shape_1d(2, 3, 2, 3, 7),  nn_conv_shape_1d(5, 1, 2, 2, 3),
        nn_conv_shape_1d(1, 33, 1, 4, 1), nn_conv_shape_2d(3, 7, 6, 4, 5, 3),
        nn_conv_shape_2d(2, 5, 5, 3, 2, 5), nn_conv_shape_2d(2, 2, 9, 2, 3, 3),
        nn_conv_shape_2d(8, 28, 28, 4, 4, 3),
        /* Several tiles (uneven last tile) and more tiles than groups (nn_conv_tiles). */
        nn_conv_shape_1d(40, 64, 3, 4, 3), nn_conv_shape_1d(300, 8, 2, 3, 5),
        nn_conv_shape_1d(21, 100, 2, 2, 3), nn_conv_shape_2d(11, 28, 28, 2, 3, 3),
    };
    double worst32 = 0, worst64 = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double e64 = compare(shapes[i], 0), e32 = compare(shapes[i], 1);
        worst32 = fmax(worst32, e32), worst64 = fmax(worst64, e64);
        CHECK(e64 <= 1e-13, "double fast conv = reference (shape %zu: rel %.2e)", i, e64);
        /* float sums of up to 6272 products against the double reference on the same
         * float-rounded inputs: rounding ~ sqrt(n) * 2^-24 * 10 = 5e-5 worst case for
         * cancelling sums; measured 2.8e-7. */
        CHECK(e32 <= 1e-5, "float fast conv = reference (shape %zu: rel %.2e)", i, e32);
    }
    printf("fast vs naive conv: worst relative difference float %.2e, double %.2e\n", worst32, worst64);
}

/* Whether auto takes the direct path for 1-D kernels wider than 3 with set isa
 * (conv_direct.c, measured there). */
#define RULE_WIDE(isa) (strcmp(isa, "avx512") == 0 || strcmp(isa, "avx2") == 0)

/* The path rule of conv_direct.c, restated: 3-wide kernels take the direct path with the
 * avx512 and avx2 kernels, the wider 1-D kernels RULE_WIDE, the base set never. */
static int rule_direct(const nn_conv_shape *s)
{
    const char *isa = nn_isa_name();
    if (strcmp(isa, "base") == 0) return 0;
    if (s->kw == 3) return 1;
    return RULE_WIDE(isa);
}

/* 1-D kernels wider than 3 (the approx-blocks nets: K = 5 at D = 32, K = 9 at D = 64,
 * 8 channels): widths that are and are not multiples of the 16-float vector, samples
 * narrower than the kernel (taps reaching past the neighbouring samples), a short last
 * image of stacked samples (B not a multiple of the samples per image), one position,
 * channels 1 -> 8, 8 -> 1, past one block of 16, and the limit 64. */
#define WIDE_SHAPES                                                                            \
    nn_conv_shape_1d(37, 32, 8, 8, 5), nn_conv_shape_1d(21, 64, 8, 8, 9),                       \
        nn_conv_shape_1d(13, 20, 1, 8, 5), nn_conv_shape_1d(11, 27, 8, 1, 7),                   \
        nn_conv_shape_1d(9, 45, 8, 8, 9), nn_conv_shape_1d(5, 3, 2, 3, 9),                      \
        nn_conv_shape_1d(1, 1, 1, 1, 7), nn_conv_shape_1d(300, 16, 2, 3, 7),                    \
        nn_conv_shape_1d(4, 100, 17, 20, 5), nn_conv_shape_1d(3, 37, 64, 64, 9),                \
        nn_conv_shape_1d(130, 5, 3, 17, 5), nn_conv_shape_1d(7, 2, 8, 8, 7)

/* The float direct path (conv_direct.c) and the forced im2col path against the
 * reference on shapes the direct rule accepts, with edge sizes: 1 column or row, widths
 * that are not a multiple of the 16-float vector, channel counts past one block of 16
 * (17, 20, 32), a short last image of stacked 1-D samples, one sample. The direct path
 * reads the tensors in place and masks the taps that leave an image (row ends, first
 * and last rows, past the image), so also: images smaller than the kernel (D = 2,
 * 2x2), rows of exactly one vector (W = 16, 1-D and 2-D), rows that are whole vectors
 * (W = 256: unmasked vectors between masked ones, the W2 layer), many stacked samples
 * per image, and the channel limits 1 and 64 in and out. */
static void test_direct_vs_ref(void)
{
    nn_conv_shape shapes[] = {
        nn_conv_shape_2d(3, 28, 28, 16, 16, 3), nn_conv_shape_2d(2, 1, 1, 3, 2, 3),
        nn_conv_shape_2d(2, 5, 1, 2, 3, 3),     nn_conv_shape_2d(2, 1, 7, 4, 4, 3),
        nn_conv_shape_2d(1, 9, 13, 17, 20, 3),  nn_conv_shape_2d(5, 4, 30, 32, 5, 3),
        nn_conv_shape_1d(37, 64, 32, 32, 3),    nn_conv_shape_1d(130, 5, 3, 17, 3),
        nn_conv_shape_1d(1, 1, 1, 1, 3),        nn_conv_shape_1d(9, 200, 16, 16, 3),
        nn_conv_shape_1d(6, 40, 64, 48, 3),
        nn_conv_shape_1d(7, 2, 3, 5, 3),        nn_conv_shape_2d(3, 2, 2, 3, 3, 3),
        nn_conv_shape_1d(5, 256, 64, 64, 3),    nn_conv_shape_1d(40, 16, 1, 64, 3),
        nn_conv_shape_1d(300, 16, 2, 3, 3),     nn_conv_shape_1d(3, 33, 64, 1, 3),
        nn_conv_shape_2d(2, 28, 28, 64, 64, 3), nn_conv_shape_2d(3, 3, 16, 5, 7, 3),
        nn_conv_shape_2d(2, 6, 32, 1, 16, 3),
        WIDE_SHAPES,
    };
    double worst[2] = {0, 0};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const int want = rule_direct(&shapes[i]);
        CHECK(nn_conv_direct_ok(&shapes[i]) && nn_conv_use_direct(&shapes[i]) == want,
              "%s: shape %zu (kw %d): the rule picks the %s path", nn_isa_name(), i, shapes[i].kw,
              want ? "direct" : "im2col");
    }
    for (int path = 0; path < 2; path++) {
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            nn_conv_shape s = shapes[i];
            s.path = path ? NN_CONV_IM2COL : NN_CONV_DIRECT;
            double e = compare(s, 1);
            worst[path] = fmax(worst[path], e);
            /* Same bound as above: float sums of at most 64*9 products per output and
             * 300*16 per weight gradient, measured 1.1e-6 (direct) and 7.8e-7 (im2col)
             * against the double reference. (A float reference's own sequential sums
             * were 5e-6 off the exact ones and squeezed this bound to 6.4e-6.) */
            CHECK(e <= 1e-5, "%s: float %s conv = reference (shape %zu: rel %.2e)", nn_isa_name(),
                  path ? "im2col" : "direct", i, e);
        }
    }
    nn_conv_shape big = nn_conv_shape_2d(2, 8, 8, 65, 16, 3), k5 = nn_conv_shape_2d(2, 8, 8, 4, 4, 5);
    CHECK(!nn_conv_direct_ok(&big) && !nn_conv_direct_ok(&k5),
          "the rule sends > %d channels and 5x5 kernels to im2col", NN_CONV_DIRECT_MAXC);
    nn_conv_shape k11 = nn_conv_shape_1d(2, 32, 4, 4, 11), k4 = nn_conv_shape_1d(2, 32, 4, 4, 4);
    nn_conv_shape k1 = nn_conv_shape_1d(2, 32, 4, 4, 1), k3x5 = {2, 4, 4, 8, 8, 3, 5, 0};
    CHECK(!nn_conv_direct_shape(&k11) && !nn_conv_direct_shape(&k4) && !nn_conv_direct_shape(&k1) &&
              !nn_conv_direct_shape(&k3x5),
          "no direct kernel for 1-D widths 11, 4 (even: the flipped taps are not the negated "
          "offsets) and 1, nor 3x5");
    /* The wide shapes at 1 and 2 threads (the groups, not the threads, fix every sum). */
    const nn_conv_shape wide[] = {WIDE_SHAPES};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        nn_conv_shape s = wide[i];
        s.path = NN_CONV_DIRECT;
        size_t n1, n2;
        omp_set_num_threads(1);
        float *a = conv_bits(s, &n1);
        omp_set_num_threads(2);
        float *b = conv_bits(s, &n2);
        CHECK(n1 == n2 && memcmp(a, b, sizeof(float) * n1) == 0,
              "%s: wide shape %zu (kw %d): direct conv at 1 and 2 threads gives identical bits", nn_isa_name(),
              i, s.kw);
        free(a), free(b);
    }
    printf("%s: direct vs naive conv: worst relative difference %.2e (im2col %.2e)\n", nn_isa_name(),
           worst[0], worst[1]);
}

/* Forward (with bias) and backward (din, dw, db) of the float conv on the path and
 * kernels selected, on inputs drawn from a fixed seed: the results, for bitwise
 * comparisons. */
static float *conv_bits(nn_conv_shape s, size_t *n)
{
    op_rng r;
    op_rng_seed(&r, op_seed_from_key("conv_bits", (unsigned long)s.B * 7919 + s.W));
    size_t N = (size_t)s.B * s.H * s.W, nx = s.cin * N, ny = s.cout * N;
    size_t nw = (size_t)s.cout * s.cin * s.kh * s.kw, tot = nx + ny + nw + s.cout;
    float *in = malloc(sizeof(float) * tot), *col = malloc(sizeof(float) * nn_conv_col_elems(&s));
    for (size_t i = 0; i < tot; i++) in[i] = (float)(2 * op_rng_uniform(&r) - 1);
    const float *x = in, *w = in + nx, *b = w + nw, *dout = b + s.cout;
    *n = ny + nx + nw + s.cout;
    float *res = calloc(*n, sizeof(float));
    nn_conv_forward_f32(res, x, w, b, col, &s);
    nn_conv_backward_f32(res + ny, res + ny + nx, res + ny + nx + nw, dout, x, w, col, &s);
    free(in), free(col);
    return res;
}

/* The avx512 and avx2 direct kernels do the same FMAs in the same order: identical bits
 * on every shape of test_direct_vs_ref's kind (masked borders, short images, channel
 * blocks past 16, 1 and 64 channels). */
static void test_isa_bitwise(void)
{
    if (!nn_isa_supported("avx512") || !nn_isa_supported("avx2")) {
        printf("avx512 vs avx2 bitwise: skipped (this CPU runs %s only)\n",
               nn_isa_supported("avx2") ? "avx2" : "base");
        return;
    }
    nn_conv_shape shapes[] = {
        nn_conv_shape_2d(3, 28, 28, 16, 16, 3), nn_conv_shape_2d(2, 1, 1, 3, 2, 3),
        nn_conv_shape_2d(1, 9, 13, 17, 20, 3),  nn_conv_shape_2d(5, 4, 30, 32, 5, 3),
        nn_conv_shape_1d(37, 64, 32, 32, 3),    nn_conv_shape_1d(130, 5, 3, 17, 3),
        nn_conv_shape_1d(5, 256, 64, 64, 3),    nn_conv_shape_1d(40, 16, 1, 64, 3),
        nn_conv_shape_2d(2, 28, 28, 64, 64, 3), nn_conv_shape_2d(3, 3, 16, 5, 7, 3),
        WIDE_SHAPES,
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t n1, n2;
        shapes[i].path = NN_CONV_DIRECT;
        nn_isa_select("avx512");
        float *a = conv_bits(shapes[i], &n1);
        nn_isa_select("avx2");
        float *b = conv_bits(shapes[i], &n2);
        CHECK(n1 == n2 && memcmp(a, b, sizeof(float) * n1) == 0,
              "shape %zu: avx512 and avx2 direct kernels give identical bits (%zu values)", i, n1);
        free(a), free(b);
    }
    nn_isa_select("auto");
}

/* A whole float model (forward, parameter and input gradients, the zero-padded first
 * block whose zero channels the direct path skips) on the direct path vs im2col. */
static void test_model_direct_vs_tiled(const char *name, nn_config cfg, int B)
{
    nn_model *m;
    if (nn_config_check(&cfg) || nn_model_create(&cfg, NN_F32, B, &m)) {
        CHECK(0, "%s: create", name);
        return;
    }
    nn_model_init(m, &rng);
    size_t no = (size_t)B * cfg.outputs, nx = (size_t)B * m->cfg.in_dim, n = no + m->nparams + nx;
    float *x = malloc(sizeof(float) * nx), *r = malloc(sizeof(float) * no), *res[2];
    for (size_t i = 0; i < nx; i++) x[i] = (float)(2.385 * (2 * op_rng_uniform(&rng) - 1));
    for (size_t i = 0; i < no; i++) r[i] = (float)op_rng_normal(&rng);
    for (int path = 0; path < 2; path++) {
        m->cfg.conv = path ? NN_CONV_IM2COL : NN_CONV_DIRECT; /* read at every forward/backward */
        res[path] = run_threads(m, x, r, B, 2);
    }
    double e = 0;
    size_t parts[4] = {0, no, no + m->nparams, n};
    for (int k = 0; k < 3; k++) {
        double num = 0, den = 0;
        for (size_t i = parts[k]; i < parts[k + 1]; i++) {
            num = fmax(num, fabs((double)res[0][i] - res[1][i]));
            den = fmax(den, fabs((double)res[1][i]));
        }
        e = fmax(e, den > 0 ? num / den : num);
    }
    CHECK(e <= 1e-5, "%s: direct vs im2col model output/gradients/dx rel %.2e", name, e);
    free(res[0]), free(res[1]), free(x), free(r);
    nn_model_free(m);
}

/* Forward + backward of a model with t threads (OpenMP and OpenBLAS); returns a copy of
 * out, grads and dx. */
static float *run_threads(nn_model *m, const float *x, const float *r, int B, int t)
{
    omp_set_num_threads(t);
    op_blas_set_threads(t);
    size_t no = (size_t)B * m->cfg.outputs, nx = (size_t)B * m->cfg.in_dim;
    float *res = malloc(sizeof(float) * (no + m->nparams + nx));
    nn_zero_grad(m);
    nn_forward_f32(m, x, B, res);
    nn_backward_f32(m, r, B, res + no + m->nparams, NN_BWD_PARAMS | NN_BWD_INPUT);
    memcpy(res + no, m->grads, sizeof(float) * m->nparams);
    return res;
}

static void test_threads(const char *name, nn_config cfg, int B)
{
    nn_model *m;
    if (nn_model_create(&cfg, NN_F32, B, &m)) {
        CHECK(0, "%s: create", name);
        return;
    }
    nn_model_init(m, &rng);
    size_t no = (size_t)B * cfg.outputs, nx = (size_t)B * m->cfg.in_dim;
    float *x = malloc(sizeof(float) * nx), *r = malloc(sizeof(float) * no);
    for (size_t i = 0; i < nx; i++) x[i] = (float)(2.385 * (2 * op_rng_uniform(&rng) - 1));
    for (size_t i = 0; i < no; i++) r[i] = (float)op_rng_normal(&rng);
    float *a = run_threads(m, x, r, B, 1), *b = run_threads(m, x, r, B, 2);
    size_t n = no + m->nparams + nx;
    CHECK(memcmp(a, b, sizeof(float) * n) == 0, "%s: 1 and 2 threads give identical bits (%zu values)",
          name, n);
    free(a), free(b), free(x), free(r);
    nn_model_free(m);
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_conv", 1));
    test_fast_vs_ref();
    /* Shapes of the reference workloads (smaller batch) so BLAS takes its threaded paths.
     * OP_TEST_SCALE=small (valgrind: 330 s at full size) quarters the batches: the same
     * layers, chunks and thread split, still several conv tiles (2 and 4) per pass. */
    const int q = test_small() ? 4 : 1;
    test_threads("convresnet1d D=64 C=32 M=4", nn_config_convresnet1d(64, 32, 3, 2, 4, 1), 64 / q);
    nn_config c2 = nn_config_convresnet2d(28, 28, 16, 3, 2, 2, 10);
    c2.head = NN_HEAD_POOL;
    test_threads("convresnet2d 28x28 C=16 pool", c2, 16 / q);
    test_threads("mlp 16-1024-1024-1", nn_config_mlp(16, 2, 1024, 1, NN_PARAM_STANDARD), 128 / q);
    /* The approx-blocks nets on the direct path whatever the rule says (batch 64). */
    nn_config k5 = nn_config_convresnet1d(32, 8, 5, 2, 4, 1), k9 = nn_config_convresnet1d(64, 8, 9, 2, 4, 1);
    k5.conv = k9.conv = NN_CONV_DIRECT;
    test_threads("convresnet1d D=32 K=5 C=8 direct", k5, 64);
    test_threads("convresnet1d D=64 K=9 C=8 direct", k9, 64);
    static const char *const isas[] = {"avx512", "avx2", "base"};
    const char *first_isa = NULL; /* the best set this CPU runs */
    for (int k = 0; k < 3; k++) {
        if (!nn_isa_supported(isas[k])) {
            printf("%s kernels: skipped (this CPU cannot run them)\n", isas[k]);
            continue;
        }
        nn_isa_select(isas[k]);
        test_direct_vs_ref();
        /* OP_TEST_SCALE=small (valgrind: 540 s for every set under load): the whole-model
         * and thread tests only for the first set run, the reference comparisons for all. */
        if (first_isa && test_small()) continue;
        if (!first_isa) first_isa = isas[k];
        else /* the thread tests above ran on the best set */
            test_threads("convresnet2d 28x28 C=16 pool", c2, 16 / q);
        /* Each forces the direct path (the base rule would take im2col), then im2col. */
        test_model_direct_vs_tiled("convresnet2d 28x28 C=16 pool", c2, 6);
        test_model_direct_vs_tiled("convresnet1d D=64 C=32 fc", nn_config_convresnet1d(64, 32, 3, 2, 2, 3), 21);
        nn_config c3 = nn_config_convresnet2d(9, 7, 5, 3, 3, 2, 4);
        test_model_direct_vs_tiled("convresnet2d 9x7 C=5 L=3 fc", c3, 4);
        /* 64 channels (the limit), rows of whole vectors, a short last image (B = 10). */
        test_model_direct_vs_tiled("convresnet1d D=32 C=64 fc", nn_config_convresnet1d(32, 64, 3, 2, 2, 2), 10);
        nn_config c4 = nn_config_convresnet2d(2, 2, 3, 3, 1, 2, 3); /* image smaller than the kernel, L=1 */
        test_model_direct_vs_tiled("convresnet2d 2x2 C=3 L=1 fc", c4, 5);
        /* The approx-blocks nets (K = 1 + D/8), short last images (B = 37, 21). */
        test_model_direct_vs_tiled("convresnet1d D=32 K=5 C=8 M=4", nn_config_convresnet1d(32, 8, 5, 2, 4, 1), 37);
        test_model_direct_vs_tiled("convresnet1d D=64 K=9 C=8 M=2", nn_config_convresnet1d(64, 8, 9, 2, 2, 1), 21);
    }
    nn_isa_select("auto");
    test_isa_bitwise();
    return test_summary("test_nn_conv");
}
