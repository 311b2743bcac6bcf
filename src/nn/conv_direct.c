/* Direct 3-tap-wide convolution in float for few channels (the geometry and the choice
 * rule are in nn_layers.h: nn_conv_direct_geom, nn_conv_direct_ok).
 *
 * Why: with 16 channels a 3x3 conv does 144 multiply-adds per output; im2col + GEMM
 * copies each input 9 times and OpenBLAS packs both operands again, so copying cost
 * more than multiplying (W4 profile: sgemm kernel 30%, packing 18%, im2col/col2im/
 * memset 39%). Here every tap is a shifted vector load from a zero-padded image.
 *
 * Kernels (64-byte GNU C vectors of 16 floats; gcc maps them to one zmm with AVX-512,
 * to 2 ymm or 4 xmm otherwise):
 *  - conv_kernel: 16 output channels x 16 positions in 16 accumulators; per input
 *    channel and tap one vector load feeds 16 FMAs with broadcast weights. Forward uses
 *    it with w, the input gradient with w transposed and flipped (a correlation of the
 *    padded output gradient).
 *  - dw_kernel: 8 output channels x 3 horizontal taps (24 accumulators of 16 lanes) per
 *    input channel and tap row, accumulated over the group's images in memory.
 * Determinism: every output element is written by one thread with a fixed summation
 * order (input channel, then tap); weight gradients are per-group lane partials reduced
 * in lane order, then group order. Groups depend only on the shape. */
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "nn_internal.h"

int nn_conv_path = NN_CONV_AUTO;

int nn_conv_use_direct(const nn_conv_shape *s)
{
    if (nn_conv_path == NN_CONV_TILED) return 0;
    return nn_conv_path == NN_CONV_DIRECT ? nn_conv_direct_shape(s) : nn_conv_direct_ok(s);
}

typedef float v16f __attribute__((vector_size(64)));

static inline v16f ld(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void st(float *p, v16f v) { memcpy(p, &v, sizeof v); }

/* stage[k][v*16 + l] (k < 16 per block of 16 output channels, row pitch lds) =
 * sum over c < cx, t < nt of wp[(c*nt + t)*16 + k] * pad[c*psz + v*16 + l + off[t]]. */
static void conv_kernel(float *stage, size_t lds, const float *pad, size_t psz, const float *wp,
                        int cx, int nt, const int *off, int npv)
{
    for (int v = 0; v < npv; v++) {
        v16f acc[16];
#pragma GCC unroll 16
        for (int k = 0; k < 16; k++) acc[k] = (v16f){0};
        const float *src = pad + (size_t)v * NN_CD_V;
        const float *w = wp;
        for (int c = 0; c < cx; c++, src += psz)
            for (int t = 0; t < nt; t++, w += 16) {
                const v16f x = ld(src + off[t]);
#pragma GCC unroll 16
                for (int k = 0; k < 16; k++) acc[k] += w[k] * x;
            }
#pragma GCC unroll 16
        for (int k = 0; k < 16; k++) st(stage + (size_t)k * lds + (size_t)v * NN_CD_V, acc[k]);
    }
}

/* For input channels ci < cx:
 * part[((co*cin + ci)*kh + di)*3 + dj][l] += sum over v of
 * gf[co*psz + v*16 + l] * in[ci*psz + v*16 + l + di*pw + dj], for co in blocks of 8. */
static void dw_kernel(float *part, const float *gf, const float *in, size_t psz, int c16out,
                      int cin, int cx, int kh, int pw, int npv)
{
    for (int cb = 0; cb < c16out; cb += 8)
        for (int ci = 0; ci < cx; ci++)
            for (int di = 0; di < kh; di++) {
                v16f a[8][3];
                float *pp[8];
#pragma GCC unroll 8
                for (int k = 0; k < 8; k++) {
                    pp[k] = part + ((((size_t)(cb + k) * cin + ci) * kh + di) * 3) * NN_CD_V;
                    a[k][0] = ld(pp[k]);
                    a[k][1] = ld(pp[k] + NN_CD_V);
                    a[k][2] = ld(pp[k] + 2 * NN_CD_V);
                }
                const float *x = in + (size_t)ci * psz + (size_t)di * pw;
                const float *g = gf + (size_t)cb * psz;
                for (int v = 0; v < npv; v++) {
                    const size_t o = (size_t)v * NN_CD_V;
                    const v16f x0 = ld(x + o), x1 = ld(x + o + 1), x2 = ld(x + o + 2);
#pragma GCC unroll 8
                    for (int k = 0; k < 8; k++) {
                        const v16f gk = ld(g + (size_t)k * psz + o);
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

/* Copy rows [R0, R0 + nr) (global rows R = b*H + i) of channels [0, nc) of x (channel
 * stride N, row length W) into the interior of the padded images (pitch pw, ph rows and
 * pwl columns of zero border). gmask/gscale: the ReLU-masked gradient (see
 * nn_cd_bwd_opts). */
static void pad_rows(float *pad, size_t psz, const float *x, size_t N, int nc, long R0, int nr,
                     int W, int pw, int ph, int pwl, const float *gmask, float gscale)
{
    for (int c = 0; c < nc; c++)
        for (int r = 0; r < nr; r++) {
            const float *src = x + (size_t)c * N + (size_t)(R0 + r) * W;
            float *dst = pad + (size_t)c * psz + (size_t)(r + ph) * pw + pwl;
            if (gmask) {
                const float *mk = gmask + (src - x);
#pragma omp simd
                for (int j = 0; j < W; j++) dst[j] = mk[j] > 0 ? gscale * src[j] : 0;
            } else {
                memcpy(dst, src, sizeof(float) * (size_t)W);
            }
        }
}

/* Tap offsets in the padded image relative to output position p = r*pw + j. */
static int taps(int *off, const nn_conv_shape *s, int pw)
{
    int nt = 0;
    for (int di = 0; di < s->kh; di++)
        for (int dj = 0; dj < s->kw; dj++) off[nt++] = di * pw + dj;
    return nt;
}

/* Image m covers samples [m*spi, min(B, (m+1)*spi)): global rows R0 = m*spi*H, nr rows. */
static void image_rows(const nn_conv_shape *s, const nn_conv_direct_geom *g, int img, long *R0,
                       int *nr)
{
    const int b0 = img * g->spi, b1 = b0 + g->spi < s->B ? b0 + g->spi : s->B;
    *R0 = (long)b0 * s->H;
    *nr = (b1 - b0) * s->H;
}

static float *aligned16(float *p)
{
    return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

void nn_conv_direct_forward_f32(float *out, const float *in, const float *w, const float *b,
                                float *col, const nn_conv_shape *s, const nn_cd_fwd_opts *o)
{
    const nn_conv_direct_geom g = nn_conv_direct_geom_of(s);
    const int W = s->W, cin = s->cin, cout = s->cout, ph = s->kh / 2, pwl = s->kw / 2;
    const size_t N = (size_t)s->B * s->H * W;
    int off[9];
    const int nt = taps(off, s, g.pw);
    /* Only input channels [0, cx) can be nonzero. */
    const int cx = o && o->cin_nz > 0 && o->cin_nz < cin ? o->cin_nz : cin;
    /* wp[cb][ci][t][k] = w[cb*16 + k][ci][t] (0 past cout). */
    float *wp = aligned16(col), *slots = wp + nn_cd_round(g.wpack);
    for (int cb = 0; cb < g.c16out; cb += 16)
        for (int ci = 0; ci < cx; ci++)
            for (int t = 0; t < nt; t++)
                for (int k = 0; k < 16; k++) {
                    const int co = cb + k;
                    wp[(((size_t)cb * cx + (size_t)ci * 16) * nt) + (size_t)t * 16 + k] =
                        co < cout ? w[((size_t)co * cin + ci) * nt + t] : 0;
                }
    const size_t lds = (size_t)g.npv * NN_CD_V;
#pragma omp parallel for schedule(static) if (g.ng > 1 && (size_t)cin * N > NN_OMP_MIN)
    for (int gr = 0; gr < g.ng; gr++) {
        float *slot = slots + (size_t)gr * g.slot, *pad = slot + g.s_in, *stage = slot + g.s_stage;
        memset(pad, 0, sizeof(float) * (size_t)cx * g.psz);
        const int i0 = (int)((long)gr * g.nimg / g.ng), i1 = (int)((long)(gr + 1) * g.nimg / g.ng);
        for (int img = i0; img < i1; img++) {
            long R0;
            int nr;
            image_rows(s, &g, img, &R0, &nr);
            pad_rows(pad, g.psz, in, N, cx, R0, nr, W, g.pw, ph, pwl, NULL, 0);
            const int npv = (nr * g.pw + NN_CD_V - 1) / NN_CD_V;
            for (int cb = 0; cb < g.c16out; cb += 16)
                conv_kernel(stage + (size_t)cb * lds, lds, pad, g.psz, wp + (size_t)cb * cx * nt,
                            cx, nt, off, npv);
            for (int co = 0; co < cout; co++) {
                const float bc = b ? b[co] : 0;
                for (int r = 0; r < nr; r++) {
                    const float *sr = stage + (size_t)co * lds + (size_t)r * g.pw;
                    const size_t e = (size_t)co * N + (size_t)(R0 + r) * W;
                    float *p = out + e;
                    if (o && o->relu) {
#pragma omp simd
                        for (int j = 0; j < W; j++) {
                            const float v = sr[j] + bc;
                            p[j] = v > 0 ? v : 0;
                        }
                    } else {
#pragma omp simd
                        for (int j = 0; j < W; j++) p[j] = sr[j] + bc;
                    }
                    if (o && o->zres) {
                        const float sc = o->scale, *zr = o->zres + e;
                        float *zo = o->zout + e;
#pragma omp simd
                        for (int j = 0; j < W; j++) zo[j] = zr[j] + sc * p[j];
                    }
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
    const int W = s->W, cin = s->cin, cout = s->cout, ph = s->kh / 2, pwl = s->kw / 2;
    const size_t N = (size_t)s->B * s->H * W;
    const int par = dw || db;
    const int cx = o && o->cin_nz > 0 && o->cin_nz < cin ? o->cin_nz : cin; /* as in forward */
    int off[9];
    const int nt = taps(off, s, g.pw);
    /* Input gradient = correlation of the padded output gradient with the transposed,
     * flipped kernel: wp[cb][co][t][k] = w[co][cb*16 + k][nt-1-t] (0 past cin). */
    float *wp = aligned16(col), *slots = wp + nn_cd_round(g.wpack);
    if (din)
        for (int cb = 0; cb < g.c16in; cb += 16)
            for (int co = 0; co < cout; co++)
                for (int t = 0; t < nt; t++)
                    for (int k = 0; k < 16; k++) {
                        const int ci = cb + k;
                        wp[(((size_t)cb * cout + (size_t)co * 16) * nt) + (size_t)t * 16 + k] =
                            ci < cin ? w[((size_t)co * cin + ci) * nt + nt - 1 - t] : 0;
                    }
    const size_t lds = (size_t)g.npv * NN_CD_V, taps_all = (size_t)cout * cin * nt;
    /* The gradient image viewed at output positions p = r*pw + j (j >= W and rows past
     * the image land on zero border, so they add nothing to dw). */
    const size_t gshift = (size_t)ph * g.pw + pwl;
#pragma omp parallel for schedule(static) if (g.ng > 1 && (size_t)cout * N > NN_OMP_MIN)
    for (int gr = 0; gr < g.ng; gr++) {
        float *slot = slots + (size_t)gr * g.slot, *pad = slot + g.s_in, *gp = slot + g.s_g;
        float *stage = slot + g.s_stage, *part = slot + g.s_dw;
        memset(gp, 0, sizeof(float) * (size_t)g.c16out * g.psz);
        if (par) {
            memset(pad, 0, sizeof(float) * (size_t)cx * g.psz);
            memset(part, 0, sizeof(float) * ((size_t)g.c16out * cin * nt + g.c16out) * NN_CD_V);
        }
        float *pb = part + (size_t)g.c16out * cin * nt * NN_CD_V;
        const int i0 = (int)((long)gr * g.nimg / g.ng), i1 = (int)((long)(gr + 1) * g.nimg / g.ng);
        for (int img = i0; img < i1; img++) {
            long R0;
            int nr;
            image_rows(s, &g, img, &R0, &nr);
            const int npv = (nr * g.pw + NN_CD_V - 1) / NN_CD_V;
            pad_rows(gp, g.psz, dout, N, cout, R0, nr, W, g.pw, ph, pwl, o ? o->gmask : NULL,
                     o ? o->gscale : 1);
            if (nr < g.rows) /* a short last image: clear the previous image's rows */
                for (int co = 0; co < cout; co++) {
                    float *z = gp + (size_t)co * g.psz + (size_t)(nr + ph) * g.pw;
                    memset(z, 0, sizeof(float) * (g.psz - (size_t)(nr + ph) * g.pw));
                }
            if (par) {
                pad_rows(pad, g.psz, in, N, cx, R0, nr, W, g.pw, ph, pwl, NULL, 0);
                dw_kernel(part, gp + gshift, pad, g.psz, g.c16out, cin, cx, s->kh, g.pw, npv);
                for (int co = 0; co < cout; co++) {
                    const float *q = gp + gshift + (size_t)co * g.psz;
                    v16f a = ld(pb + (size_t)co * NN_CD_V);
                    for (int v = 0; v < npv; v++) a += ld(q + (size_t)v * NN_CD_V);
                    st(pb + (size_t)co * NN_CD_V, a);
                }
            }
            if (!din) continue;
            for (int cb = 0; cb < g.c16in; cb += 16)
                conv_kernel(stage + (size_t)cb * lds, lds, gp, g.psz, wp + (size_t)cb * cout * nt,
                            cout, nt, off, npv);
            for (int ci = 0; ci < cin; ci++)
                for (int r = 0; r < nr; r++) {
                    const float *sr = stage + (size_t)ci * lds + (size_t)r * g.pw;
                    const size_t e = (size_t)ci * N + (size_t)(R0 + r) * W;
                    float *d = din + e;
                    if (o && o->din_zero) {
#pragma omp simd
                        for (int j = 0; j < W; j++) d[j] = sr[j];
                    } else {
#pragma omp simd
                        for (int j = 0; j < W; j++) d[j] += sr[j];
                    }
                    if (o && o->dmask) {
                        const float *mk = o->dmask + e;
#pragma omp simd
                        for (int j = 0; j < W; j++) d[j] = mk[j] > 0 ? d[j] : 0;
                    }
                    if (o && o->din_add) {
                        const float *a = o->din_add + e;
#pragma omp simd
                        for (int j = 0; j < W; j++) d[j] += a[j];
                    }
                }
        }
    }
    if (!par) return;
    /* Lanes, then groups, in order (fixed by the shape). */
#pragma omp parallel for schedule(static) if (taps_all * g.ng > NN_OMP_MIN / 16)
    for (size_t e = 0; e < taps_all + (size_t)cout; e++) {
        const size_t pe = e < taps_all ? e : (size_t)g.c16out * cin * nt + (e - taps_all);
        if (e < taps_all && (int)(e / nt % cin) >= cx) continue; /* exactly 0 */
        double acc = 0;
        for (int gr = 0; gr < g.ng; gr++) {
            const float *q = slots + (size_t)gr * g.slot + g.s_dw + pe * NN_CD_V;
            for (int l = 0; l < NN_CD_V; l++) acc += q[l];
        }
        if (e < taps_all) {
            if (dw) dw[e] += (float)acc;
        } else if (db) {
            db[e - taps_all] += (float)acc;
        }
    }
}
