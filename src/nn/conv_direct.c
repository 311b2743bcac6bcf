/* Direct 3-tap-wide convolution in float for few channels (the geometry and the choice
 * rule are in nn_layers.h: nn_conv_direct_geom, nn_conv_direct_ok).
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
 * (AVX-512 masked loads suppress faults; the portable fallback loads lane by lane), so
 * the first and last images read nothing outside the tensor. This replaced zero-padded
 * per-image copies (memmove 8%, memset 5% of the W2 profile).
 *
 * Kernels (64-byte GNU C vectors of 16 floats; gcc maps them to one zmm with AVX-512,
 * to 2 ymm or 4 xmm otherwise):
 *  - conv_kernel: 16 output channels x 16 positions in 16 accumulators; per input
 *    channel and tap one vector load feeds 16 FMAs with broadcast weights. Forward uses
 *    it with w, the input gradient with w transposed and flipped (a correlation of the
 *    output gradient).
 *  - dw_kernel: 8 output channels x 3 horizontal taps (24 accumulators of 16 lanes) per
 *    input channel and tap row, accumulated over the group's images in memory.
 * Determinism: every output element is written by one thread with a fixed summation
 * order (input channel, then tap); weight gradients are per-group lane partials reduced
 * in lane order, then group order. Groups depend only on the shape. */
#include <omp.h>
#include <stdint.h>
#include <string.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "nn_internal.h"

int nn_conv_path = NN_CONV_AUTO;

int nn_conv_use_direct(const nn_conv_shape *s)
{
    if (nn_conv_path == NN_CONV_TILED) return 0;
    return nn_conv_path == NN_CONV_DIRECT ? nn_conv_direct_shape(s) : nn_conv_direct_ok(s);
}

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

/* stage[k][v*16 + l] (k < 16 per block of 16 output channels, row pitch lds) =
 * sum over c < cx, t < nt of wp[(c*nt + t)*16 + k] * src[c*cs + v*16 + l + off[t]]
 * (0 where the mask table says the tap leaves the image). The sums are staged (and the
 * epilogue is a separate pass) because writing them straight to the tensor, 16 rows
 * at a channel stride that is a multiple of 4 KiB, was slower (W2 forward 6.1 -> 9 ms:
 * the rows share one L1 set with the loads). */
static void conv_kernel(float *stage, size_t lds, const float *src, size_t cs, const float *wp,
                        int cx, int nt, const long *off, int npv, const uint16_t *mt)
{
    for (int v = 0; v < npv; v++) {
        v16f acc[16];
#pragma GCC unroll 16
        for (int k = 0; k < 16; k++) acc[k] = (v16f){0};
        const float *w = wp;
        const uint16_t *m = mt + (size_t)v * (nt + 1);
        if (m[nt] == CLEAN) {
            const float *x0 = src + (size_t)v * NN_CD_V;
            for (int c = 0; c < cx; c++, x0 += cs) {
                __builtin_prefetch((const void *)((uintptr_t)x0 + sizeof(float) * PF_AHEAD));
                for (int t = 0; t < nt; t++, w += 16) {
                    const v16f x = ld(x0 + off[t]);
#pragma GCC unroll 16
                    for (int k = 0; k < 16; k++) acc[k] += w[k] * x;
                }
            }
        } else {
            /* Addresses as integers: masked-off taps may point outside the tensor. */
            uintptr_t x0 = (uintptr_t)src + sizeof(float) * (size_t)v * NN_CD_V;
            for (int c = 0; c < cx; c++, x0 += sizeof(float) * cs)
                for (int t = 0; t < nt; t++, w += 16) {
                    const v16f x = ldm(x0 + (uintptr_t)(sizeof(float) * off[t]), m[t]);
#pragma GCC unroll 16
                    for (int k = 0; k < 16; k++) acc[k] += w[k] * x;
                }
        }
#pragma GCC unroll 16
        for (int k = 0; k < 16; k++) st(stage + (size_t)k * lds + (size_t)v * NN_CD_V, acc[k]);
    }
}

/* For input channels ci < cx:
 * part[((co*cin + ci)*kh + di)*3 + dj][l] (+)= sum over v of
 * g[co*gs + v*16 + l] * x[ci*cs + v*16 + l + off[di*3 + dj]] (masked as in conv_kernel),
 * for co in blocks of 8; first: the group's first image (= instead of +=). */
static void dw_kernel(float *part, const float *g, size_t gs, const float *x, size_t cs,
                      int c16out, int cin, int cx, int kh, const long *off, int npv,
                      const uint16_t *mt, int first)
{
    const int nt = kh * 3;
    for (int cb = 0; cb < c16out; cb += 8)
        for (int ci = 0; ci < cx; ci++)
            for (int di = 0; di < kh; di++) {
                v16f a[8][3];
                float *pp[8];
#pragma GCC unroll 8
                for (int k = 0; k < 8; k++) {
                    pp[k] = part + ((((size_t)(cb + k) * cin + ci) * kh + di) * 3) * NN_CD_V;
                    if (first) {
                        a[k][0] = a[k][1] = a[k][2] = (v16f){0};
                    } else {
                        a[k][0] = ld(pp[k]);
                        a[k][1] = ld(pp[k] + NN_CD_V);
                        a[k][2] = ld(pp[k] + 2 * NN_CD_V);
                    }
                }
                const int t0 = di * 3;
                const float *xc = x + (size_t)ci * cs;
                const uintptr_t xa = (uintptr_t)xc;
                const float *gb = g + (size_t)cb * gs;
                for (int v = 0; v < npv; v++) {
                    const size_t o = (size_t)v * NN_CD_V;
                    const uint16_t *m = mt + (size_t)v * (nt + 1);
                    v16f x0, x1, x2;
                    __builtin_prefetch((const void *)(xa + sizeof(float) * (cs + o))); /* next channel */
                    if (m[nt] == CLEAN) {
                        x0 = ld(xc + o + off[t0]);
                        x1 = ld(xc + o + off[t0 + 1]);
                        x2 = ld(xc + o + off[t0 + 2]);
                    } else {
                        const uintptr_t q = xa + sizeof(float) * o;
                        x0 = ldm(q + (uintptr_t)(sizeof(float) * off[t0]), m[t0]);
                        x1 = ldm(q + (uintptr_t)(sizeof(float) * off[t0 + 1]), m[t0 + 1]);
                        x2 = ldm(q + (uintptr_t)(sizeof(float) * off[t0 + 2]), m[t0 + 2]);
                    }
#pragma GCC unroll 8
                    for (int k = 0; k < 8; k++) {
                        const v16f gk = ld(gb + (size_t)k * gs + o);
                        a[k][0] += gk * x0;
                        a[k][1] += gk * x1;
                        a[k][2] += gk * x2;
                    }
                }
#pragma GCC unroll 8
                for (int k = 0; k < 8; k++) {
                    st(pp[k], a[k][0]);
                    st(pp[k] + NN_CD_V, a[k][1]);
                    st(pp[k] + 2 * NN_CD_V, a[k][2]);
                }
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

void nn_conv_direct_forward_f32(float *out, const float *in, const float *w, const float *b,
                                float *col, const nn_conv_shape *s, const nn_cd_fwd_opts *o)
{
    const nn_conv_direct_geom g = nn_conv_direct_geom_of(s);
    const int W = s->W, cin = s->cin, cout = s->cout, nt = g.nt;
    const size_t N = (size_t)s->B * s->H * W;
    long off[9];
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
    const size_t lds = g.lds;
#pragma omp parallel for schedule(static) if (g.ng > 1 && (size_t)cin * N > NN_OMP_MIN)
    for (int gr = 0; gr < g.ng; gr++) {
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
                            cx, nt, off, npv, m);
            for (int co = 0; co < cout; co++) {
                const float bc = b ? b[co] : 0;
                const float *sr = stage + (size_t)co * lds;
                const size_t e = (size_t)co * N + base;
                if (co + 1 < cout) {
                    prefetch_w(out + e + N, P);
                    if (o && o->zres) prefetch_r(o->zres + e + N, P), prefetch_w(o->zout + e + N, P);
                }
                float *p = out + e;
                if (o && o->relu) {
#pragma omp simd
                    for (size_t j = 0; j < P; j++) {
                        const float v = sr[j] + bc;
                        p[j] = v > 0 ? v : 0;
                    }
                } else {
#pragma omp simd
                    for (size_t j = 0; j < P; j++) p[j] = sr[j] + bc;
                }
                if (o && o->zres) {
                    const float sc = o->scale, *zr = o->zres + e;
                    float *zo = o->zout + e;
#pragma omp simd
                    for (size_t j = 0; j < P; j++) zo[j] = zr[j] + sc * p[j];
                }
            }
        }
    }
}

void nn_conv_direct_backward_f32(float *din, float *dw, float *db, const float *dout,
                                 const float *in, const float *w, float *col,
                                 const nn_conv_shape *s, const nn_cd_bwd_opts *o)
{
    const nn_conv_direct_geom g = nn_conv_direct_geom_of(s);
    const int W = s->W, cin = s->cin, cout = s->cout, nt = g.nt;
    const size_t N = (size_t)s->B * s->H * W;
    const int par = dw || db;
    const int cx = o && o->cin_nz > 0 && o->cin_nz < cin ? o->cin_nz : cin; /* as in forward */
    long off[9];
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
    const size_t lds = g.lds, gs = g.gs, taps_all = (size_t)cout * cin * nt;
#pragma omp parallel for schedule(static) if (g.ng > 1 && (size_t)cout * N > NN_OMP_MIN)
    for (int gr = 0; gr < g.ng; gr++) {
        float *slot = slots + (size_t)gr * g.slot, *gp = slot + g.s_g;
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
                    for (size_t j = 0; j < P; j++) q[j] = mk[j] > 0 ? sc * d[j] : 0;
                } else {
                    memcpy(q, d, sizeof(float) * P);
                }
                for (size_t j = P; j < (size_t)npv * NN_CD_V; j++) q[j] = 0;
            }
            if (par) {
                dw_kernel(part, gp, gs, in + base, N, g.c16out, cin, cx, s->kh, off, npv, m,
                          img == i0);
                for (int co = 0; co < cout; co++) {
                    const float *q = gp + (size_t)co * gs;
                    v16f a = img == i0 ? (v16f){0} : ld(pb + (size_t)co * NN_CD_V);
                    for (int v = 0; v < npv; v++) a += ld(q + (size_t)v * NN_CD_V);
                    st(pb + (size_t)co * NN_CD_V, a);
                }
            }
            if (!din) continue;
            for (int cb = 0; cb < g.c16in; cb += 16)
                conv_kernel(stage + (size_t)cb * lds, lds, gp, gs, wp + (size_t)cb * cout * nt,
                            cout, nt, off, npv, m);
            for (int ci = 0; ci < cin; ci++) {
                const float *sr = stage + (size_t)ci * lds;
                const size_t e = (size_t)ci * N + base;
                float *d = din + e;
                if (ci + 1 < cin) {
                    prefetch_w(d + N, P);
                    if (o && o->dmask) prefetch_r(o->dmask + e + N, P);
                    if (o && o->din_add) prefetch_r(o->din_add + e + N, P);
                }
                if (o && o->din_zero) {
#pragma omp simd
                    for (size_t j = 0; j < P; j++) d[j] = sr[j];
                } else {
#pragma omp simd
                    for (size_t j = 0; j < P; j++) d[j] += sr[j];
                }
                if (o && o->dmask) {
                    const float *mk = o->dmask + e;
#pragma omp simd
                    for (size_t j = 0; j < P; j++) d[j] = mk[j] > 0 ? d[j] : 0;
                }
                if (o && o->din_add) {
                    const float *a = o->din_add + e;
#pragma omp simd
                    for (size_t j = 0; j < P; j++) d[j] += a[j];
                }
            }
        }
    }
    if (!par) return;
    /* Per lane over the groups in order, then the 16 lanes pairwise (fixed by the shape;
     * the lanes are independent sums, so this vectorizes). */
#pragma omp parallel for schedule(static) if (taps_all * g.ng > NN_OMP_MIN / 16)
    for (size_t e = 0; e < taps_all + (size_t)cout; e++) {
        const size_t pe = e < taps_all ? e : (size_t)g.c16out * cin * nt + (e - taps_all);
        if (e < taps_all && (int)(e / nt % cin) >= cx) continue; /* exactly 0 */
        double lane[NN_CD_V] = {0};
        for (int gr = 0; gr < g.ng; gr++) {
            const float *q = slots + (size_t)gr * g.slot + g.s_dw + pe * NN_CD_V;
#pragma omp simd
            for (int l = 0; l < NN_CD_V; l++) lane[l] += q[l];
        }
        for (int h = NN_CD_V / 2; h > 0; h /= 2)
            for (int l = 0; l < h; l++) lane[l] += lane[l + h];
        const double acc = lane[0];
        if (e < taps_all) {
            if (dw) dw[e] += (float)acc;
        } else if (db) {
            db[e - taps_all] += (float)acc;
        }
    }
}
