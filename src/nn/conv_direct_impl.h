/* Direct convolution in float for few channels (3x3 kernels, 1-D kernels of 3 to
 * NN_CD_MAXT = 9 taps, nn_conv_direct_shape): the implementation, compiled
 * once per instruction set (conv_direct_avx512.c, conv_direct_avx2.c, conv_direct_base.c
 * include this file with their own target flags; conv_direct.c picks one at run time
 * from the CPU and holds the path rule). The geometry is in nn_layers.h
 * (nn_conv_direct_geom, nn_conv_direct_ok).
 *
 * Why: with 16 channels a 3x3 conv does 144 multiply-adds per output; im2col + GEMM
 * copies each input 9 times and OpenBLAS packs both operands again, so copying cost
 * more than multiplying (W4 profile: sgemm kernel 30%, packing 18%, im2col/col2im/
 * memset 39%). Here every tap is a shifted vector load straight from the tensor.
 *
 * Borders: an image's positions p = r*W + j (r < nr rows, j < W) are contiguous in each
 * channel, so tap (di, dj) of output p reads position p + (di - kh/2)*W + dj - kw/2.
 * Where that crosses the image (j at a row end, the first or last row, p >= P = nr*W)
 * the lane must read 0: the mask table holds per vector v and tap t the 16-bit lane
 * mask, and an extra entry that is all ones when every tap of v is whole ("clean"
 * vectors take unmasked loads). Masked loads never touch the masked-off addresses
 * (AVX-512 and AVX2 masked loads suppress faults; the base build loads lane by lane),
 * so the first and last images read nothing outside the tensor. This replaced
 * zero-padded per-image copies (memmove 8%, memset 5% of the W2 profile).
 *
 * Kernels. The unit of work is a vector of 16 positions (NN_CD_V); with AVX-512 it is
 * one zmm register (a 64-byte GNU C vector), with AVX2 two ymm (two 32-byte vectors,
 * lanes 0-7 and 8-15), in the base build whatever SSE2 gives.
 *  - conv_kernel: 16 output channels x 16 positions; per input channel and tap one
 *    vector load feeds one FMA per output channel with a broadcast weight. AVX-512
 *    keeps the 16 channels in 16 accumulators; AVX2 has 16 registers in all, so it
 *    takes the 16 channels 6, 6 and 4 at a time (12 accumulators: enough to cover the
 *    FMA latency on two pipes) and reloads the inputs from L1 for each pass. A block
 *    with at most 8 channels to compute (C = 8 nets) takes 8 (AVX-512) or 4 + 4 (AVX2).
 *    Forward uses it with w, the input gradient with w transposed and flipped (a
 *    correlation of the output gradient).
 *  - dw_kernel: 8 output channels x a chunk of up to 3 taps per input channel (the
 *    taps in order: a 3x3 kernel's rows, a 1-D kernel's 5, 7 or 9 taps as 3+2, 3+3+1,
 *    3+3+3; AVX-512: up to 24 accumulators of 16 lanes; AVX2: 4 channels x 3 taps of 8
 *    lanes, 12 accumulators, per half vector), accumulated over the group's images in
 *    memory. Each chunk reads the output gradient again (the registers hold no more
 *    taps); only the channel blocks holding a channel < cout are computed.
 * Determinism: every output element is written by one thread with a fixed summation
 * order (input channel, then tap); weight gradients are per-group lane partials reduced
 * in lane order, then group order. Groups depend only on the shape. The AVX-512 and
 * AVX2 kernels do the same FMAs in the same order for every element (the blocking only
 * changes which elements are computed together), so they give bitwise identical
 * results (tests/test_nn_conv.c asserts it); the base build has no FMA and differs in
 * the last bits. */
#include <omp.h>
#include <stdint.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "nn_internal.h"

/* AVX2 kernels where AVX2 + FMA is the best the build may use. */
#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
#define CD_AVX2 1
#else
#define CD_AVX2 0
#endif

/* Without AVX-512 gcc warns that returning a 64-byte vector changes the ABI; every
 * such function here is static, so no ABI is involved. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v16f __attribute__((vector_size(64)));

static inline v16f ld(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st(float *p, v16f v) { memcpy(p, &v, sizeof v); }

/* Lanes l with bit l of m set load p[l]; the others are 0 and their addresses are not
 * read. p is passed as an address so that masked-off lanes may lie outside the buffer. */
static inline v16f ldm(uintptr_t p, unsigned m)
{
#ifdef __AVX512F__
    return (v16f)_mm512_maskz_loadu_ps((__mmask16)m, (const void *)p);
#else
    v16f v = {0};
    for (int l = 0; l < NN_CD_V; l++)
        if (m >> l & 1) v[l] = ((const float *)p)[l];
    return v;
#endif
}

/* Keeps a loaded vector in a register. Without it gcc folds the load of a vector that
 * feeds several FMAs into each of them (vfmadd231ps (mem), ...): dw_kernel then issued
 * 24 loads of the output gradient per 24 FMAs instead of 8 and was load-bound (W4
 * profile: the weight-gradient kernel 32 %, the forward kernel's FMAs 22 % for the same
 * count). The values and the order of the FMAs do not change. */
#if defined(__GNUC__) && (defined(__AVX512F__) || defined(__AVX2__))
#define CD_IN_REG(v) __asm__("" : "+v"(v))
#else
#define CD_IN_REG(v) ((void)0)
#endif

#define CLEAN 0xFFFFu
/* Software prefetch distance (floats) of the kernels' input streams. */
#define PF_AHEAD 128

/* mt[v*(nt+1) + t]: lanes of vector v whose tap t lies inside the image of nr rows
 * (positions p = r*W + j < P = nr*W); mt[v*(nt+1) + nt]: CLEAN if every tap of every
 * lane does, else 0. */
static void mask_table(uint16_t *mt, const nn_conv_shape *s, int nr, int npv)
{
    const int W = s->W, nt = s->kh * s->kw, ph = s->kh / 2, pwl = s->kw / 2;
    const long P = (long)nr * W;
    for (int v = 0; v < npv; v++) {
        uint16_t *m = mt + (size_t)v * (nt + 1);
        for (int t = 0; t < nt; t++) m[t] = 0;
        for (int l = 0; l < NN_CD_V; l++) {
            const long p = (long)v * NN_CD_V + l;
            if (p >= P) continue;
            const int r = (int)(p / W), j = (int)(p % W);
            for (int di = 0; di < s->kh; di++)
                for (int dj = 0; dj < s->kw; dj++) {
                    const int rr = r + di - ph, jj = j + dj - pwl;
                    if (rr >= 0 && rr < nr && jj >= 0 && jj < W) m[di * s->kw + dj] |= (uint16_t)(1u << l);
                }
        }
        unsigned all = CLEAN;
        for (int t = 0; t < nt; t++) all &= m[t];
        m[nt] = all == CLEAN ? CLEAN : 0;
    }
}

#if CD_AVX2
/* AVX2: the same sums as the kernels below (see there), with 8-lane halves. */
typedef float v8f __attribute__((vector_size(32)));

static inline v8f ld8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st8(float *p, v8f v) { memcpy(p, &v, sizeof v); }

/* lane8[b]: all ones in the lanes l < 8 with bit l of b set, else 0. */
static const union {
    uint32_t u[8];
    __m256 v;
} lane8[256] = {
#define L1(b, l) ((b) >> (l) & 1 ? 0xFFFFFFFFu : 0u)
#define L8(b) {{L1(b, 0), L1(b, 1), L1(b, 2), L1(b, 3), L1(b, 4), L1(b, 5), L1(b, 6), L1(b, 7)}}
#define L8x4(b) L8(b), L8(b + 1), L8(b + 2), L8(b + 3)
#define L8x16(b) L8x4(b), L8x4(b + 4), L8x4(b + 8), L8x4(b + 12)
    L8x16(0), L8x16(16), L8x16(32), L8x16(48), L8x16(64), L8x16(80), L8x16(96), L8x16(112),
    L8x16(128), L8x16(144), L8x16(160), L8x16(176), L8x16(192), L8x16(208), L8x16(224), L8x16(240)
#undef L8x16
#undef L8x4
#undef L8
#undef L1
};

/* A masked vector the AVX2 way. Where every address of the vector lies inside the
 * buffer (inside), an unmasked load ANDed with the mask: the masked-off lanes become
 * +0.0 whatever they held, exactly what vmaskmovps gives, at half its cost here (its
 * load uops were the W4 bottleneck). Near the buffer's ends vmaskmovps, which does not
 * touch masked-off addresses. */
static inline v8f ldm8(uintptr_t p, const __m256 *mk, int inside)
{
    if (inside) return (v8f)_mm256_and_ps(_mm256_loadu_ps((const float *)p), *mk);
    return (v8f)_mm256_maskload_ps((const float *)p, _mm256_castps_si256(*mk));
}

/* Load modes of the AVX2 kernels (compile-time constants after inlining). */
enum { LD_CLEAN, LD_AND, LD_MASK };

static inline __attribute__((always_inline)) v8f ldx(int mode, uintptr_t p, const __m256 *mk)
{
    if (mode == LD_CLEAN) return ld8((const float *)p);
    return ldm8(p, mk, mode == LD_AND);
}

/* One pass of conv_kernel over KB <= 6 output channels (from w = wp + first channel) of
 * vector v: 2*KB ymm accumulators, the two input halves and a broadcast weight. */
static inline __attribute__((always_inline)) void conv_pass(int KB, int mode, float *stage, size_t lds,
                                                            uintptr_t xv, size_t cs, const float *w,
                                                            int cx, int nt, const long *off,
                                                            const __m256 (*mk)[2])
{
    v8f acc[6][2];
#pragma GCC unroll 6
    for (int k = 0; k < KB; k++) acc[k][0] = acc[k][1] = (v8f){0};
    uintptr_t x0 = xv;
    for (int c = 0; c < cx; c++, x0 += sizeof(float) * cs) {
        if (mode == LD_CLEAN) __builtin_prefetch((const void *)(x0 + sizeof(float) * PF_AHEAD));
        for (int t = 0; t < nt; t++, w += 16) {
            const uintptr_t q = x0 + (uintptr_t)(sizeof(float) * off[t]);
            const v8f xl = ldx(mode, q, &mk[t][0]), xh = ldx(mode, q + 8 * sizeof(float), &mk[t][1]);
#pragma GCC unroll 6
            for (int k = 0; k < KB; k++) {
                acc[k][0] += w[k] * xl;
                acc[k][1] += w[k] * xh;
            }
        }
    }
#pragma GCC unroll 6
    for (int k = 0; k < KB; k++) {
        st8(stage + (size_t)k * lds, acc[k][0]);
        st8(stage + (size_t)k * lds + 8, acc[k][1]);
    }
}

static inline __attribute__((always_inline)) void conv_vec(int mode, int kn, float *stage, size_t lds,
                                                           uintptr_t xv, size_t cs, const float *wp,
                                                           int cx, int nt, const long *off,
                                                           const __m256 (*mk)[2])
{
    if (kn <= 8) {
        conv_pass(4, mode, stage, lds, xv, cs, wp, cx, nt, off, mk);
        if (kn > 4) conv_pass(4, mode, stage + 4 * lds, lds, xv, cs, wp + 4, cx, nt, off, mk);
        return;
    }
    conv_pass(6, mode, stage, lds, xv, cs, wp, cx, nt, off, mk);
    conv_pass(6, mode, stage + 6 * lds, lds, xv, cs, wp + 6, cx, nt, off, mk);
    if (kn > 12) conv_pass(4, mode, stage + 12 * lds, lds, xv, cs, wp + 12, cx, nt, off, mk);
}

/* As the AVX-512 conv_kernel below: the first kn of the 16 output channels in passes of
 * 6, 6 and 4 (12 ymm accumulators: enough independent FMAs to cover their latency on
 * two pipes; 16 registers in all), or of 4 and 4 when kn <= 8 (8 accumulators rather
 * than computing 4 channels that are not wanted). Per element: acc = 0, then += w*x
 * over input channels, then taps, as there. [lo, hi) is the buffer src points into
 * (reads there are safe). */
static void conv_kernel(float *stage, size_t lds, const float *src, size_t cs, const float *wp,
                        int kn, int cx, int nt, const long *off, int npv, const uint16_t *mt,
                        uintptr_t lo, uintptr_t hi)
{
    const uintptr_t span_lo = sizeof(float) * (uintptr_t)-off[0];
    const uintptr_t span_hi = sizeof(float) * ((cx - 1) * cs + off[nt - 1] + NN_CD_V);
    for (int v = 0; v < npv; v++) {
        const uint16_t *m = mt + (size_t)v * (nt + 1);
        const uintptr_t xv = (uintptr_t)src + sizeof(float) * (size_t)v * NN_CD_V;
        float *sv = stage + (size_t)v * NN_CD_V;
        __m256 mk[NN_CD_MAXT][2];
        if (m[nt] == CLEAN) {
            conv_vec(LD_CLEAN, kn, sv, lds, xv, cs, wp, cx, nt, off, mk);
            continue;
        }
        for (int t = 0; t < nt; t++) {
            mk[t][0] = lane8[m[t] & 0xFFu].v;
            mk[t][1] = lane8[m[t] >> 8].v;
        }
        if (xv - span_lo >= lo && xv + span_hi <= hi)
            conv_vec(LD_AND, kn, sv, lds, xv, cs, wp, cx, nt, off, mk);
        else
            conv_vec(LD_MASK, kn, sv, lds, xv, cs, wp, cx, nt, off, mk);
    }
}

/* The v loop of dw_kernel for vectors [v0, v1) and taps t0 .. t0+nc-1 (nc <= 3), all
 * loaded the same way. */
static inline __attribute__((always_inline)) void dw_run(int mode, int nc, v8f (*a)[3], const float *gb,
                                                         size_t gs, uintptr_t xa, size_t cs,
                                                         const long *off, const uint16_t *mt,
                                                         int nt, int t0, int h, int v0, int v1)
{
    uintptr_t p[3];
#pragma GCC unroll 3
    for (int j = 0; j < nc; j++) p[j] = xa + (uintptr_t)(sizeof(float) * off[t0 + j]);
    for (int v = v0; v < v1; v++) {
        const size_t o = (size_t)v * NN_CD_V, ob = sizeof(float) * o;
        /* Byte h of a 16-bit mask: the lanes of half h (x86 is little-endian). */
        const uint8_t *mb = (const uint8_t *)(mt + (size_t)v * (nt + 1) + t0) + h;
        if (h == 0) __builtin_prefetch((const void *)(xa + sizeof(float) * cs + ob)); /* next channel */
        v8f x[3];
#pragma GCC unroll 3
        for (int j = 0; j < nc; j++) x[j] = ldx(mode, p[j] + ob, &lane8[mb[2 * j]].v);
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
            v8f gk = ld8(gb + (size_t)k * gs + o);
            CD_IN_REG(gk);
#pragma GCC unroll 3
            for (int j = 0; j < nc; j++) a[k][j] += gk * x[j];
        }
    }
}

/* One chunk of nc taps for 4 output channels and half h: the three load-mode runs. */
static inline __attribute__((always_inline)) void dw_chunk(int nc, float *pp0, size_t pco, int first,
                                                           const float *gb, size_t gs, uintptr_t xa,
                                                           size_t cs, const long *off,
                                                           const uint16_t *mt, int nt, int t0, int h,
                                                           int vin0, int vin1, int npv)
{
    v8f a[4][3];
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++)
#pragma GCC unroll 3
        for (int j = 0; j < nc; j++)
            a[k][j] = first ? (v8f){0} : ld8(pp0 + (size_t)k * pco + (size_t)j * NN_CD_V);
    dw_run(LD_MASK, nc, a, gb, gs, xa, cs, off, mt, nt, t0, h, 0, vin0);
    dw_run(LD_AND, nc, a, gb, gs, xa, cs, off, mt, nt, t0, h, vin0, vin1);
    dw_run(LD_MASK, nc, a, gb, gs, xa, cs, off, mt, nt, t0, h, vin1, npv);
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++)
#pragma GCC unroll 3
        for (int j = 0; j < nc; j++) st8(pp0 + (size_t)k * pco + (size_t)j * NN_CD_V, a[k][j]);
}

/* As the AVX-512 dw_kernel below, per half vector h, 4 output channels and a chunk of
 * up to 3 taps at a time (at most 12 accumulators: 4 channels x 3 taps); each lane's
 * sum runs over v in the same order. [lo, hi) is the buffer x points into: the vectors
 * whose reads all lie there ([vin0, vin1), a range) mask with AND, the rest with
 * vmaskmovps; clean vectors load plainly (LD_AND on a clean vector ANDs with all ones:
 * the same values). */
static void dw_kernel(float *part, const float *g, size_t gs, const float *x, size_t cs,
                      int cout, int cin, int cx, int nt, const long *off, int npv,
                      const uint16_t *mt, int first, uintptr_t lo, uintptr_t hi)
{
    const uintptr_t span_lo = sizeof(float) * (uintptr_t)-off[0];
    const uintptr_t span_hi = sizeof(float) * ((cx - 1) * cs + off[nt - 1] + NN_CD_V);
    int vin0 = npv, vin1 = npv;
    for (int v = 0; v < npv; v++) {
        const uintptr_t xv = (uintptr_t)x + sizeof(float) * (size_t)v * NN_CD_V;
        const int in = xv - span_lo >= lo && xv + span_hi <= hi;
        if (in && vin0 == npv) vin0 = v;
        if (in) vin1 = v + 1;
    }
    if (vin0 == npv) vin1 = npv;
    const size_t pco = (size_t)cin * nt * NN_CD_V; /* part's pitch per output channel */
    for (int cb = 0; cb < cout; cb += 4)
        for (int ci = 0; ci < cx; ci++)
            for (int t0 = 0; t0 < nt; t0 += 3)
                for (int h = 0; h < 2; h++) {
                    const int hl = h * 8, nc = nt - t0 < 3 ? nt - t0 : 3;
                    float *pp0 = part + (((size_t)cb * cin + ci) * nt + t0) * NN_CD_V + hl;
                    const uintptr_t xa = (uintptr_t)(x + (size_t)ci * cs + hl);
                    const float *gb = g + (size_t)cb * gs + hl;
                    if (nc == 3)
                        dw_chunk(3, pp0, pco, first, gb, gs, xa, cs, off, mt, nt, t0, h, vin0, vin1, npv);
                    else if (nc == 2)
                        dw_chunk(2, pp0, pco, first, gb, gs, xa, cs, off, mt, nt, t0, h, vin0, vin1, npv);
                    else
                        dw_chunk(1, pp0, pco, first, gb, gs, xa, cs, off, mt, nt, t0, h, vin0, vin1, npv);
                }
}
#else
/* conv_kernel for the first KB (8 or 16) channels of the block. */
static inline __attribute__((always_inline)) void conv_block(int KB, float *stage, size_t lds,
                                                             const float *src, size_t cs,
                                                             const float *wp, int cx, int nt,
                                                             const long *off, int npv,
                                                             const uint16_t *mt)
{
    for (int v = 0; v < npv; v++) {
        v16f acc[16];
#pragma GCC unroll 16
        for (int k = 0; k < KB; k++) acc[k] = (v16f){0};
        const float *w = wp;
        const uint16_t *m = mt + (size_t)v * (nt + 1);
        if (m[nt] == CLEAN) {
            const float *x0 = src + (size_t)v * NN_CD_V;
            for (int c = 0; c < cx; c++, x0 += cs) {
                __builtin_prefetch((const void *)((uintptr_t)x0 + sizeof(float) * PF_AHEAD));
                for (int t = 0; t < nt; t++, w += 16) {
                    const v16f x = ld(x0 + off[t]);
#pragma GCC unroll 16
                    for (int k = 0; k < KB; k++) acc[k] += w[k] * x;
                }
            }
        } else {
            /* Addresses as integers: masked-off taps may point outside the tensor. */
            uintptr_t x0 = (uintptr_t)src + sizeof(float) * (size_t)v * NN_CD_V;
            for (int c = 0; c < cx; c++, x0 += sizeof(float) * cs)
                for (int t = 0; t < nt; t++, w += 16) {
                    const v16f x = ldm(x0 + (uintptr_t)(sizeof(float) * off[t]), m[t]);
#pragma GCC unroll 16
                    for (int k = 0; k < KB; k++) acc[k] += w[k] * x;
                }
        }
#pragma GCC unroll 16
        for (int k = 0; k < KB; k++) st(stage + (size_t)k * lds + (size_t)v * NN_CD_V, acc[k]);
    }
}

/* stage[k][v*16 + l] (k < kn <= 16 in a block of 16 output channels, row pitch lds) =
 * sum over c < cx, t < nt of wp[(c*nt + t)*16 + k] * src[c*cs + v*16 + l + off[t]]
 * (0 where the mask table says the tap leaves the image); 8 accumulators when kn <= 8
 * (8 channels, the ConvResNet checks' C, would otherwise spend half the FMAs on zero
 * weights). The sums are staged (and the epilogue is a separate pass) because writing
 * them straight to the tensor, 16 rows at a channel stride that is a multiple of 4 KiB,
 * was slower (W2 forward 6.1 -> 9 ms: the rows share one L1 set with the loads). */
static void conv_kernel(float *stage, size_t lds, const float *src, size_t cs, const float *wp,
                        int kn, int cx, int nt, const long *off, int npv, const uint16_t *mt,
                        uintptr_t lo, uintptr_t hi)
{
    (void)lo, (void)hi; /* masked loads need no bounds */
    if (kn <= 8) conv_block(8, stage, lds, src, cs, wp, cx, nt, off, npv, mt);
    else conv_block(16, stage, lds, src, cs, wp, cx, nt, off, npv, mt);
}

/* Taps t0 .. t0+nc-1 (nc <= 3) of dw_kernel for output channels cb .. cb+7 and input
 * channel ci: 8 x nc accumulators of 16 lanes (at most 24 of the 32 zmm registers, with
 * the nc inputs and one gradient vector). */
static inline __attribute__((always_inline)) void dw_chunk(int nc, float *part, const float *gb, size_t gs,
                                                           const float *xc, size_t cs, size_t p0,
                                                           size_t pco, int nt, int t0, const long *off,
                                                           int npv, const uint16_t *mt, int first)
{
    v16f a[8][3];
    float *pp[8];
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        pp[k] = part + p0 + (size_t)k * pco; /* co = cb + k */
#pragma GCC unroll 3
        for (int j = 0; j < nc; j++) a[k][j] = first ? (v16f){0} : ld(pp[k] + (size_t)j * NN_CD_V);
    }
    const uintptr_t xa = (uintptr_t)xc;
    for (int v = 0; v < npv; v++) {
        const size_t o = (size_t)v * NN_CD_V;
        const uint16_t *m = mt + (size_t)v * (nt + 1);
        v16f x[3];
        __builtin_prefetch((const void *)(xa + sizeof(float) * (cs + o))); /* next channel */
        if (m[nt] == CLEAN) {
#pragma GCC unroll 3
            for (int j = 0; j < nc; j++) x[j] = ld(xc + o + off[t0 + j]);
        } else {
            const uintptr_t q = xa + sizeof(float) * o;
#pragma GCC unroll 3
            for (int j = 0; j < nc; j++) x[j] = ldm(q + (uintptr_t)(sizeof(float) * off[t0 + j]), m[t0 + j]);
        }
#pragma GCC unroll 8
        for (int k = 0; k < 8; k++) {
            v16f gk = ld(gb + (size_t)k * gs + o);
            CD_IN_REG(gk);
#pragma GCC unroll 3
            for (int j = 0; j < nc; j++) a[k][j] += gk * x[j];
        }
    }
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++)
#pragma GCC unroll 3
        for (int j = 0; j < nc; j++) st(pp[k] + (size_t)j * NN_CD_V, a[k][j]);
}

/* For input channels ci < cx:
 * part[((co*cin + ci)*nt + t)*16 + l] (+)= sum over v of
 * g[co*gs + v*16 + l] * x[ci*cs + v*16 + l + off[t]] (masked as in conv_kernel),
 * for co in the blocks of 8 that hold a channel < cout (the partials of the others
 * would never be read: 8 channels, the checks' C, take one block, not two) and the
 * taps in chunks of 3 (a 3x3 kernel's rows; 1-D kernels of 5, 7, 9 taps as 3+2,
 * 3+3+1, 3+3+3); first: the group's first image (= instead of +=). Each (co, t, l) is
 * one sum over v in order, whatever the blocking. */
static void dw_kernel(float *part, const float *g, size_t gs, const float *x, size_t cs,
                      int cout, int cin, int cx, int nt, const long *off, int npv,
                      const uint16_t *mt, int first, uintptr_t lo, uintptr_t hi)
{
    (void)lo, (void)hi;
    for (int cb = 0; cb < cout; cb += 8)
        for (int ci = 0; ci < cx; ci++)
            for (int t0 = 0; t0 < nt; t0 += 3) {
                const size_t p0 = (((size_t)cb * cin + ci) * nt + t0) * NN_CD_V;
                const float *xc = x + (size_t)ci * cs, *gb = g + (size_t)cb * gs;
                const size_t pco = (size_t)cin * nt * NN_CD_V; /* part's pitch per output channel */
                const int nc = nt - t0 < 3 ? nt - t0 : 3;
                if (nc == 3) dw_chunk(3, part, gb, gs, xc, cs, p0, pco, nt, t0, off, npv, mt, first);
                else if (nc == 2) dw_chunk(2, part, gb, gs, xc, cs, p0, pco, nt, t0, off, npv, mt, first);
                else dw_chunk(1, part, gb, gs, xc, cs, p0, pco, nt, t0, off, npv, mt, first);
            }
}

#endif /* CD_AVX2 */

/* pb[l] (+)= sum over v of q[v*16 + l], per lane l in v order (first: = instead of +=).
 * AVX2 keeps the 16 lanes in two ymm registers (a 64-byte vector would live in memory). */
static inline void bias_partial(float *pb, const float *q, int npv, int first)
{
#if CD_AVX2
    v8f a0 = first ? (v8f){0} : ld8(pb), a1 = first ? (v8f){0} : ld8(pb + 8);
    for (int v = 0; v < npv; v++) {
        a0 += ld8(q + (size_t)v * NN_CD_V);
        a1 += ld8(q + (size_t)v * NN_CD_V + 8);
    }
    st8(pb, a0);
    st8(pb + 8, a1);
#else
    v16f a = first ? (v16f){0} : ld(pb);
    for (int v = 0; v < npv; v++) a += ld(q + (size_t)v * NN_CD_V);
    st(pb, a);
#endif
}

/* The epilogues, one pass each (they were 2-3 passes over the same P floats; the
 * same operations in the same order, so the same bits). Flags are constants after
 * inlining.
 * Forward: p = act(stage + b) (act: ReLU or identity); with a residual, also
 * zo = zr + sc * p. */
static inline __attribute__((always_inline)) void epi_fwd(int relu, int res, float *p, const float *sr,
                                                          float bc, const float *zr, float *zo,
                                                          float sc, size_t P)
{
#pragma omp simd
    for (size_t j = 0; j < P; j++) {
        float v = sr[j] + bc;
        if (relu) v = v > 0 ? v : 0;
        p[j] = v;
        if (res) zo[j] = zr[j] + sc * v;
    }
}

/* Backward: d = (set ? stage : d + stage), then 0 where mk <= 0 (if mk), then + a (if a). */
static inline __attribute__((always_inline)) void epi_bwd(int set, int mask, int add, float *d,
                                                          const float *sr, const float *mk,
                                                          const float *a, size_t P)
{
#pragma omp simd
    for (size_t j = 0; j < P; j++) {
        float t = set ? sr[j] : d[j] + sr[j];
        if (mask) t = mk[j] > 0 ? t : 0;
        if (add) t += a[j];
        d[j] = t;
    }
}

/* Tap offsets relative to output position p = r*W + j. */
static void taps(long *off, const nn_conv_shape *s)
{
    int nt = 0;
    for (int di = 0; di < s->kh; di++)
        for (int dj = 0; dj < s->kw; dj++) off[nt++] = (long)(di - s->kh / 2) * s->W + dj - s->kw / 2;
}

/* Image m covers samples [m*spi, min(B, (m+1)*spi)): global rows R0 = m*spi*H, nr rows. */
static void image_rows(const nn_conv_shape *s, const nn_conv_direct_geom *g, int img, long *R0,
                       int *nr)
{
    const int b0 = img * g->spi, b1 = b0 + g->spi < s->B ? b0 + g->spi : s->B;
    *R0 = (long)b0 * s->H;
    *nr = (b1 - b0) * s->H;
}

/* Prefetch the n floats at p (into L2: the epilogue passes below stream short chunks of
 * P floats per channel at a channel stride of the whole tensor, too short for the
 * hardware prefetcher to ramp up; fetching the next channel's chunk while this one is
 * processed hides that). */
static inline void prefetch_r(const float *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) __builtin_prefetch(p + i, 0, 2);
}
static inline void prefetch_w(const float *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) __builtin_prefetch(p + i, 1, 2);
}

static float *aligned16(float *p)
{
    return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

/* The mask tables of the full image and (if the batch leaves one) the short last image,
 * placed after the packed weights; returns the start of the group slots. */
static float *masks(uint16_t **mt, float *wp, const nn_conv_shape *s, const nn_conv_direct_geom *g)
{
    uint16_t *m0 = (uint16_t *)(wp + g->wpack);
    const size_t per = (size_t)g->npv * (g->nt + 1);
    mask_table(m0, s, g->rows, g->npv);
    mt[0] = m0;
    mt[1] = m0 + per;
    const int last = (s->B - (g->nimg - 1) * g->spi) * s->H;
    if (last != g->rows) mask_table(mt[1], s, last, (int)(((size_t)last * s->W + NN_CD_V - 1) / NN_CD_V));
    return wp + g->wpack + g->mtab;
}


/* cd_forward's state, for its per-group body. */
typedef struct {
    const nn_conv_shape *s;
    const nn_conv_direct_geom *g;
    float *out, *wp, *slots;
    const float *in, *b;
    const nn_cd_fwd_opts *o;
    const uint16_t *const *mt;
    const long *off;
    int cx;
    uintptr_t in_lo, in_hi;
} cd_fwd_args;

static void cd_fwd_group(const cd_fwd_args *a, int gr)
{
    const nn_conv_shape *s = a->s;
    const nn_conv_direct_geom g = *a->g;
    const int W = s->W, cout = s->cout, nt = g.nt, cx = a->cx;
    const size_t N = (size_t)s->B * s->H * W, lds = g.lds;
    float *out = a->out, *wp = a->wp, *slots = a->slots;
    const float *in = a->in, *b = a->b;
    const nn_cd_fwd_opts *o = a->o;
    const uint16_t *const *mt = a->mt;
    const long *off = a->off;
    const uintptr_t in_lo = a->in_lo, in_hi = a->in_hi;

    float *stage = slots + (size_t)gr * g.slot + g.s_stage;
    const int i0 = (int)((long)gr * g.nimg / g.ng), i1 = (int)((long)(gr + 1) * g.nimg / g.ng);
    for (int img = i0; img < i1; img++) {
        long R0;
        int nr;
        image_rows(s, &g, img, &R0, &nr);
        const size_t P = (size_t)nr * W, base = (size_t)R0 * W;
        const int npv = (int)((P + NN_CD_V - 1) / NN_CD_V);
        const uint16_t *m = mt[nr == g.rows ? 0 : 1];
        for (int cb = 0; cb < g.c16out; cb += 16)
            conv_kernel(stage + (size_t)cb * lds, lds, in + base, N, wp + (size_t)cb * cx * nt,
                        cout - cb, cx, nt, off, npv, m, in_lo, in_hi);
        for (int co = 0; co < cout; co++) {
            const float bc = b ? b[co] : 0;
            const float *sr = stage + (size_t)co * lds;
            const size_t e = (size_t)co * N + base;
            if (co + 1 < cout) {
                prefetch_w(out + e + N, P);
                if (o && o->zres) prefetch_r(o->zres + e + N, P), prefetch_w(o->zout + e + N, P);
            }
            const int relu = o && o->relu, res = o && o->zres;
            float *zo = res ? o->zout + e : NULL;
            const float *zr = res ? o->zres + e : NULL;
            const float sc = res ? o->scale : 0;
            if (relu && res) epi_fwd(1, 1, out + e, sr, bc, zr, zo, sc, P);
            else if (relu) epi_fwd(1, 0, out + e, sr, bc, zr, zo, sc, P);
            else if (res) epi_fwd(0, 1, out + e, sr, bc, zr, zo, sc, P);
            else epi_fwd(0, 0, out + e, sr, bc, zr, zo, sc, P);
        }
    }
}

static void cd_forward(float *out, const float *in, const float *w, const float *b,
                                float *col, const nn_conv_shape *s, const nn_cd_fwd_opts *o)
{
    const nn_conv_direct_geom g = nn_conv_direct_geom_of(s);
    const int W = s->W, cin = s->cin, cout = s->cout, nt = g.nt;
    const size_t N = (size_t)s->B * s->H * W;
    long off[NN_CD_MAXT];
    taps(off, s);
    /* Only input channels [0, cx) can be nonzero. */
    const int cx = o && o->cin_nz > 0 && o->cin_nz < cin ? o->cin_nz : cin;
    /* wp[cb][ci][t][k] = w[cb*16 + k][ci][t] (0 past cout). */
    float *wp = aligned16(col);
    for (int cb = 0; cb < g.c16out; cb += 16)
        for (int ci = 0; ci < cx; ci++)
            for (int t = 0; t < nt; t++)
                for (int k = 0; k < 16; k++) {
                    const int co = cb + k;
                    wp[(((size_t)cb * cx + (size_t)ci * 16) * nt) + (size_t)t * 16 + k] =
                        co < cout ? w[((size_t)co * cin + ci) * nt + t] : 0;
                }
    uint16_t *mt[2];
    float *slots = masks(mt, wp, s, &g);
    const uintptr_t in_lo = (uintptr_t)in, in_hi = (uintptr_t)(in + (size_t)cin * N);
    const cd_fwd_args a = {s, &g, out, wp, slots, in, b, o, (const uint16_t *const *)mt, off, cx, in_lo, in_hi};
    if (nn_par(g.ng > 1 && (size_t)cin * N > NN_OMP_MIN)) {
#pragma omp parallel for schedule(static)
        for (int gr = 0; gr < g.ng; gr++) cd_fwd_group(&a, gr);
    } else {
        for (int gr = 0; gr < g.ng; gr++) cd_fwd_group(&a, gr);
    }
}

/* Entry e of cd_backward's weight and bias gradients (e < taps_all: dw[e], else
 * db[e - taps_all]): per lane over the groups in order, then the 16 lanes pairwise (fixed
 * by the shape; the lanes are independent sums, so this vectorizes). */
static void cd_reduce(size_t e, size_t taps_all, const nn_conv_direct_geom *gp, int cin, int cx,
                      const float *slots, float *dw, float *db)
{
    const nn_conv_direct_geom g = *gp;
    const int nt = g.nt;
    const size_t pe = e < taps_all ? e : (size_t)g.c16out * cin * nt + (e - taps_all);
    if (e < taps_all && (int)(e / nt % cin) >= cx) return; /* exactly 0 */
    double lane[NN_CD_V] = {0};
    for (int gr = 0; gr < g.ng; gr++) {
        const float *q = slots + (size_t)gr * g.slot + g.s_dw + pe * NN_CD_V;
#pragma omp simd
        for (int l = 0; l < NN_CD_V; l++) lane[l] += q[l];
    }
    /* The pairwise tree, one level per loop: fixed trip counts vectorize (the loop
     * over h did not, and its scalar adds through memory were 11 % of manifold-rate's
     * small nets); the same adds of the same operands. */
    _Static_assert(NN_CD_V == 16, "the lane tree below is written for 16 lanes");
#pragma omp simd
    for (int l = 0; l < 8; l++) lane[l] += lane[l + 8];
#pragma omp simd
    for (int l = 0; l < 4; l++) lane[l] += lane[l + 4];
    lane[0] += lane[2];
    lane[1] += lane[3];
    lane[0] += lane[1];
    const double acc = lane[0];
    if (e < taps_all) {
        if (dw) dw[e] += (float)acc;
    } else if (db) {
        db[e - taps_all] += (float)acc;
    }
}

/* cd_backward's state, for its per-group body. */
typedef struct {
    const nn_conv_shape *s;
    const nn_conv_direct_geom *g;
    float *din, *wp, *slots;
    const float *dout, *in;
    const nn_cd_bwd_opts *o;
    const uint16_t *const *mt;
    const long *off;
    int par, cx, cdin;
    uintptr_t in_lo, in_hi;
} cd_bwd_args;

static void cd_bwd_group(const cd_bwd_args *a, int gr)
{
    const nn_conv_shape *s = a->s;
    const nn_conv_direct_geom g = *a->g;
    const int W = s->W, cin = s->cin, cout = s->cout, nt = g.nt;
    const int par = a->par, cx = a->cx, cdin = a->cdin;
    const size_t N = (size_t)s->B * s->H * W, lds = g.lds, gs = g.gs;
    float *din = a->din, *wp = a->wp, *slots = a->slots;
    const float *dout = a->dout, *in = a->in;
    const nn_cd_bwd_opts *o = a->o;
    const uint16_t *const *mt = a->mt;
    const long *off = a->off;
    const uintptr_t in_lo = a->in_lo, in_hi = a->in_hi;

    float *slot = slots + (size_t)gr * g.slot, *gp = slot + g.s_g;
    const uintptr_t gp_lo = (uintptr_t)gp, gp_hi = (uintptr_t)(gp + (size_t)g.c16out * gs);
    float *stage = slot + g.s_stage, *part = slot + g.s_dw;
    float *pb = part + (size_t)g.c16out * cin * nt * NN_CD_V;
    /* dw_kernel reads whole blocks of 8 output channels: the rows past cout are 0. */
    if (par && cout < g.c16out) memset(gp + (size_t)cout * gs, 0, sizeof(float) * (size_t)(g.c16out - cout) * gs);
    const int i0 = (int)((long)gr * g.nimg / g.ng), i1 = (int)((long)(gr + 1) * g.nimg / g.ng);
    for (int img = i0; img < i1; img++) {
        long R0;
        int nr;
        image_rows(s, &g, img, &R0, &nr);
        const size_t P = (size_t)nr * W, base = (size_t)R0 * W;
        const int npv = (int)((P + NN_CD_V - 1) / NN_CD_V);
        const uint16_t *m = mt[nr == g.rows ? 0 : 1];
        /* This image's output gradient g (through the ReLU with gmask), 0 on [P, npv*16):
         * dw and db sum whole vectors. */
        for (int co = 0; co < cout; co++) {
            const float *d = dout + (size_t)co * N + base;
            float *q = gp + (size_t)co * gs;
            if (co + 1 < cout) {
                prefetch_r(d + N, P);
                if (o && o->gmask) prefetch_r(o->gmask + (size_t)(co + 1) * N + base, P);
            }
            if (o && o->gmask) {
                const float sc = o->gscale, *mk = o->gmask + (size_t)co * N + base;
#pragma omp simd
                for (size_t j = 0; j < P; j++) {
                    /* Unconditional product: a blend then vectorizes without
                     * AVX-512's masked multiply (scalar and branchy with AVX2). */
                    const float v = sc * d[j];
                    q[j] = mk[j] > 0 ? v : 0;
                }
            } else {
                memcpy(q, d, sizeof(float) * P);
            }
            for (size_t j = P; j < (size_t)npv * NN_CD_V; j++) q[j] = 0;
        }
        if (par) {
            dw_kernel(part, gp, gs, in + base, N, cout, cin, cx, nt, off, npv, m,
                      img == i0, in_lo, in_hi);
            for (int co = 0; co < cout; co++) {
                const float *q = gp + (size_t)co * gs;
                bias_partial(pb + (size_t)co * NN_CD_V, q, npv, img == i0);
            }
        }
        if (!din) continue;
        for (int cb = 0; cb < cdin; cb += 16)
            conv_kernel(stage + (size_t)cb * lds, lds, gp, gs, wp + (size_t)cb * cout * nt,
                        cdin - cb, cout, nt, off, npv, m, gp_lo, gp_hi);
        for (int ci = 0; ci < cdin; ci++) {
            const float *sr = stage + (size_t)ci * lds;
            const size_t e = (size_t)ci * N + base;
            float *d = din + e;
            if (ci + 1 < cdin) {
                prefetch_w(d + N, P);
                if (o && o->dmask) prefetch_r(o->dmask + e + N, P);
                if (o && o->din_add) prefetch_r(o->din_add + e + N, P);
            }
            const float *mk = o && o->dmask ? o->dmask + e : NULL;
            const float *a = o && o->din_add ? o->din_add + e : NULL;
            const int set = o && o->din_zero;
            switch (set * 4 + (mk != NULL) * 2 + (a != NULL)) {
            case 0: epi_bwd(0, 0, 0, d, sr, mk, a, P); break;
            case 1: epi_bwd(0, 0, 1, d, sr, mk, a, P); break;
            case 2: epi_bwd(0, 1, 0, d, sr, mk, a, P); break;
            case 3: epi_bwd(0, 1, 1, d, sr, mk, a, P); break;
            case 4: epi_bwd(1, 0, 0, d, sr, mk, a, P); break;
            case 5: epi_bwd(1, 0, 1, d, sr, mk, a, P); break;
            case 6: epi_bwd(1, 1, 0, d, sr, mk, a, P); break;
            default: epi_bwd(1, 1, 1, d, sr, mk, a, P); break;
            }
        }
    }
}

static void cd_backward(float *din, float *dw, float *db, const float *dout,
                                 const float *in, const float *w, float *col,
                                 const nn_conv_shape *s, const nn_cd_bwd_opts *o)
{
    const nn_conv_direct_geom g = nn_conv_direct_geom_of(s);
    const int W = s->W, cin = s->cin, cout = s->cout, nt = g.nt;
    const size_t N = (size_t)s->B * s->H * W;
    const int par = dw || db;
    const int cx = o && o->cin_nz > 0 && o->cin_nz < cin ? o->cin_nz : cin; /* as in forward */
    /* Only din's channels [0, cdin) are computed (the rest are not wanted, see din_nz). */
    const int cdin = o && o->din_nz > 0 && o->din_nz < cin ? o->din_nz : cin;
    long off[NN_CD_MAXT];
    taps(off, s);
    /* Input gradient = correlation of the output gradient with the transposed, flipped
     * kernel: wp[cb][co][t][k] = w[co][cb*16 + k][nt-1-t] (0 past cin). The flipped tap
     * nt-1-t has offset -off[t], and its mask is that of t (the image is symmetric). */
    float *wp = aligned16(col);
    if (din)
        for (int cb = 0; cb < g.c16in; cb += 16)
            for (int co = 0; co < cout; co++)
                for (int t = 0; t < nt; t++)
                    for (int k = 0; k < 16; k++) {
                        const int ci = cb + k;
                        wp[(((size_t)cb * cout + (size_t)co * 16) * nt) + (size_t)t * 16 + k] =
                            ci < cin ? w[((size_t)co * cin + ci) * nt + nt - 1 - t] : 0;
                    }
    uint16_t *mt[2];
    float *slots = masks(mt, wp, s, &g);
    const size_t taps_all = (size_t)cout * cin * nt;
    const uintptr_t in_lo = (uintptr_t)in, in_hi = (uintptr_t)(in + (size_t)cin * N);
    const cd_bwd_args a = {s, &g, din, wp, slots, dout, in, o, (const uint16_t *const *)mt, off, par, cx, cdin,
                           in_lo, in_hi};
    if (nn_par(g.ng > 1 && (size_t)cout * N > NN_OMP_MIN)) {
#pragma omp parallel for schedule(static)
        for (int gr = 0; gr < g.ng; gr++) cd_bwd_group(&a, gr);
    } else {
        for (int gr = 0; gr < g.ng; gr++) cd_bwd_group(&a, gr);
    }
    if (!par) return;
    const size_t ne = taps_all + (size_t)cout;
    if (nn_par(taps_all * g.ng > NN_OMP_MIN / 16)) {
#pragma omp parallel for schedule(static)
        for (size_t e = 0; e < ne; e++) cd_reduce(e, taps_all, &g, cin, cx, slots, dw, db);
    } else {
        for (size_t e = 0; e < ne; e++) cd_reduce(e, taps_all, &g, cin, cx, slots, dw, db);
    }
}
