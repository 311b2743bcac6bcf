/* Layer kernels for one precision (see nn_layers.h for the conventions). Included by
 * nn_f32.c / nn_f64.c with real, NN_FN and NN_GEMM defined.
 * Parallel loops run over output elements (rows, channels, samples): every element has
 * one writer and a fixed summation order, so results do not depend on the thread count.
 * BLAS is only called outside OpenMP regions (OpenBLAS threads itself; measured
 * bitwise identical for 1 and 2 threads). */

void NN_FN(nn_im2col)(real *col, const real *in, const nn_conv_shape *s)
{
    const int H = s->H, W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)H * W, N = (size_t)s->B * S;
    const int rows = s->cin * kh * kw;
#pragma omp parallel for schedule(static) if ((size_t)rows * N > NN_OMP_MIN)
    for (int r = 0; r < rows; r++) {
        const int ci = r / (kh * kw), k = r % (kh * kw), di = k / kw - ph, dj = k % kw - pw;
        real *dst = col + (size_t)r * N;
        const real *src = in + (size_t)ci * N;
        int j0 = dj < 0 ? -dj : 0, j1 = dj > 0 ? W - dj : W; /* 0 <= j + dj < W */
        if (j0 > W) j0 = W;
        if (j1 < j0) j1 = j0;
        for (int b = 0; b < s->B; b++)
            for (int i = 0; i < H; i++) {
                real *d = dst + (size_t)b * S + (size_t)i * W;
                const int si = i + di;
                if (si < 0 || si >= H) {
                    memset(d, 0, sizeof(real) * (size_t)W);
                    continue;
                }
                const real *sr = src + (size_t)b * S + (size_t)si * W + dj;
                for (int j = 0; j < j0; j++) d[j] = 0;
                for (int j = j0; j < j1; j++) d[j] = sr[j];
                for (int j = j1; j < W; j++) d[j] = 0;
            }
    }
}

void NN_FN(nn_col2im_add)(real *din, const real *col, const nn_conv_shape *s)
{
    const int H = s->H, W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)H * W, N = (size_t)s->B * S;
    /* One thread per input channel; the kernel taps are summed in a fixed order. */
#pragma omp parallel for schedule(static) if ((size_t)s->cin * kh * kw * N > NN_OMP_MIN)
    for (int ci = 0; ci < s->cin; ci++) {
        real *dst = din + (size_t)ci * N;
        for (int k = 0; k < kh * kw; k++) {
            const int di = k / kw - ph, dj = k % kw - pw;
            const real *src = col + ((size_t)ci * kh * kw + k) * N;
            int j0 = dj < 0 ? -dj : 0, j1 = dj > 0 ? W - dj : W;
            if (j0 > W) j0 = W;
            if (j1 < j0) j1 = j0;
            for (int b = 0; b < s->B; b++)
                for (int i = 0; i < H; i++) {
                    const int si = i + di;
                    if (si < 0 || si >= H) continue;
                    real *dr = dst + (size_t)b * S + (size_t)si * W + dj;
                    const real *cr = src + (size_t)b * S + (size_t)i * W;
                    for (int j = j0; j < j1; j++) dr[j] += cr[j];
                }
        }
    }
}

/* ---- tiled fast path (see nn_conv_tiles in nn_layers.h) ----
 * Each tile: im2col of its samples into the group's slot (L2-resident), one
 * single-threaded GEMM, and the elementwise epilogue while the tile is in cache.
 * OpenMP runs the groups in parallel; OpenBLAS is held at one thread meanwhile so the
 * two thread pools never compete for the cores. */

/* Zero the positions of one im2col row (tap offset di, dj; bt samples of H x W) whose
 * source pixel lies outside its sample (the zero padding). */
static void NN_FN(zero_pad_taps)(real *row, int bt, int di, int dj, const nn_conv_shape *s)
{
    const int H = s->H, W = s->W;
    const size_t S = (size_t)H * W;
    for (int b = 0; b < bt; b++) {
        real *d = row + (size_t)b * S;
        for (int i = 0; i < H; i++) {
            const int si = i + di;
            real *r = d + (size_t)i * W;
            if (si < 0 || si >= H) {
                memset(r, 0, sizeof(real) * (size_t)W);
                continue;
            }
            for (int j = 0; j < -dj && j < W; j++) r[j] = 0;
            for (int j = W - dj < 0 ? 0 : W - dj; j < W; j++) r[j] = 0;
        }
    }
}

/* im2col of samples [b0, b0+bt): col [KK][bt*S] from in (row stride N). Within a tile
 * the samples are contiguous, so each row is the channel shifted by di*W + dj (one
 * memcpy) with the padding positions zeroed afterwards. */
static void NN_FN(im2col_tile)(real *col, const real *in, size_t N, int b0, int bt,
                               const nn_conv_shape *s)
{
    const int W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)s->H * W, n = (size_t)bt * S;
    const int rows = s->cin * kh * kw;
    for (int r = 0; r < rows; r++) {
        const int ci = r / (kh * kw), k = r % (kh * kw), di = k / kw - ph, dj = k % kw - pw;
        real *dst = col + (size_t)r * n;
        const real *src = in + (size_t)ci * N + (size_t)b0 * S;
        const long sh = (long)di * W + dj;
        /* dst[i] = src[i + sh] where 0 <= i + sh < n, else 0. */
        size_t lo = sh < 0 ? (size_t)(-sh) : 0, hi = sh > 0 ? n - (size_t)sh : n;
        if (lo > n) lo = n;
        if (hi < lo) hi = lo;
        memset(dst, 0, sizeof(real) * lo);
        memcpy(dst + lo, src + lo + sh, sizeof(real) * (hi - lo));
        memset(dst + hi, 0, sizeof(real) * (n - hi));
        NN_FN(zero_pad_taps)(dst, bt, di, dj, s);
    }
}

/* din (row stride N, samples [b0, b0+bt)) += col2im(col [KK][bt*S]); the taps of each
 * input channel are added in a fixed order. col is scratch: its padding positions are
 * zeroed first so every row is one shifted, vectorizable add. */
static void NN_FN(col2im_tile)(real *din, size_t N, real *col, int b0, int bt,
                               const nn_conv_shape *s)
{
    const int W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)s->H * W, n = (size_t)bt * S;
    for (int ci = 0; ci < s->cin; ci++) {
        real *dst = din + (size_t)ci * N + (size_t)b0 * S;
        for (int k = 0; k < kh * kw; k++) {
            const int di = k / kw - ph, dj = k % kw - pw;
            real *src = col + ((size_t)ci * kh * kw + k) * n;
            NN_FN(zero_pad_taps)(src, bt, di, dj, s);
            const long sh = (long)di * W + dj;
            size_t lo = sh < 0 ? (size_t)(-sh) : 0, hi = sh > 0 ? n - (size_t)sh : n;
            if (lo > n) lo = n;
            if (hi < lo) hi = lo;
            real *d = dst + (long)lo + sh;
            const real *c = src + lo;
            const size_t len = hi - lo;
#pragma omp simd
            for (size_t i = 0; i < len; i++) d[i] += c[i];
        }
    }
}

/* OpenBLAS to one thread for the duration of a parallel region of ours (not when we
 * are already inside one: then the caller owns the thread settings). */
static int NN_FN(blas_solo_begin)(void)
{
    if (omp_in_parallel()) return 0;
    int t = op_blas_threads();
    if (t > 1) op_blas_set_threads(1);
    return t;
}
static void NN_FN(blas_solo_end)(int t)
{
    if (t > 1) op_blas_set_threads(t);
}

/* Forward epilogue options: out = act(w*in + b); relu: act = ReLU; when zres is set also
 * zout = zres + scale * out (residual block output). */
typedef struct {
    int relu;
    const real *zres;
    real *zout;
    double scale;
    int cin_nz; /* > 0: only input channels [0, cin_nz) can be nonzero (direct path skips the rest) */
} NN_FN(conv_fwd_opts);

static void NN_FN(conv_forward_tiled)(real *out, const real *in, const real *w, const real *b,
                                      real *col, const nn_conv_shape *s,
                                      const NN_FN(conv_fwd_opts) *o)
{
#if NN_HAVE_DIRECT
    if (nn_conv_use_direct(s)) {
        nn_cd_fwd_opts d = {0, NULL, NULL, 1, 0};
        if (o) d = (nn_cd_fwd_opts){o->relu, o->zres, o->zout, (float)o->scale, o->cin_nz};
        nn_conv_direct_forward_f32(out, in, w, b, col, s, &d);
        return;
    }
#endif
    const nn_conv_tiling t = nn_conv_tiles(s);
    const int KK = s->cin * s->kh * s->kw;
    const size_t S = (size_t)s->H * s->W, N = (size_t)s->B * S;
    const int bs = NN_FN(blas_solo_begin)();
#pragma omp parallel for schedule(static) if (t.ng > 1 && (size_t)KK * N > NN_OMP_MIN)
    for (int g = 0; g < t.ng; g++) {
        real *slot = col + (size_t)g * t.slot_col;
        const int tlo = (int)((long)g * t.ntiles / t.ng), thi = (int)((long)(g + 1) * t.ntiles / t.ng);
        for (int tile = tlo; tile < thi; tile++) {
            const int b0 = tile * t.ts, bt = s->B - b0 < t.ts ? s->B - b0 : t.ts;
            const size_t n = (size_t)bt * S, off = (size_t)b0 * S;
            NN_FN(im2col_tile)(slot, in, N, b0, bt, s);
            NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->cout, (int)n, KK, 1, w, KK, slot,
                    (int)n, 0, out + off, (int)N);
            for (int co = 0; co < s->cout; co++) {
                real *p = out + (size_t)co * N + off;
                const real bc = b ? b[co] : 0;
                if (o && o->relu)
#pragma omp simd
                    for (size_t i = 0; i < n; i++) {
                        real v = p[i] + bc;
                        p[i] = v > 0 ? v : 0;
                    }
                else if (b)
#pragma omp simd
                    for (size_t i = 0; i < n; i++) p[i] += bc;
                if (o && o->zres) {
                    const real sc = (real)o->scale, *zr = o->zres + (size_t)co * N + off;
                    real *zo = o->zout + (size_t)co * N + off;
#pragma omp simd
                    for (size_t i = 0; i < n; i++) zo[i] = zr[i] + sc * p[i];
                }
            }
        }
    }
    NN_FN(blas_solo_end)(bs);
}

/* Backward options. The gradient at the conv output is g = dout, or with gmask set
 * g = (gmask > 0) ? gscale * dout : 0 (through the ReLU whose output is gmask).
 * din: din_zero first sets it to 0 (else +=); after the col2im, dmask zeroes din where
 * dmask <= 0 (the previous ReLU) and din_add is added (a skip connection). */
typedef struct {
    const real *gmask;
    double gscale;
    int din_zero;
    const real *dmask, *din_add;
    int cin_nz; /* as in conv_fwd_opts: dw of the other input channels is exactly 0 */
} NN_FN(conv_bwd_opts);

static void NN_FN(conv_backward_tiled)(real *din, real *dw, real *db, const real *dout,
                                       const real *in, const real *w, real *col,
                                       const nn_conv_shape *s, const NN_FN(conv_bwd_opts) *o)
{
#if NN_HAVE_DIRECT
    if (nn_conv_use_direct(s)) {
        nn_cd_bwd_opts d = {NULL, 1, 0, NULL, NULL, 0};
        if (o)
            d = (nn_cd_bwd_opts){o->gmask, (float)o->gscale, o->din_zero, o->dmask, o->din_add, o->cin_nz};
        nn_conv_direct_backward_f32(din, dw, db, dout, in, w, col, s, &d);
        return;
    }
#endif
    const nn_conv_tiling t = nn_conv_tiles(s);
    const int KK = s->cin * s->kh * s->kw, cout = s->cout;
    const size_t S = (size_t)s->H * s->W, N = (size_t)s->B * S;
    real *slots = col, *gslots = col + (size_t)t.ng * t.slot_col;
    real *parts = gslots + (size_t)t.ng * t.slot_g;
    const int par = dw || db, bs = NN_FN(blas_solo_begin)();
#pragma omp parallel for schedule(static) if (t.ng > 1 && (size_t)KK * N > NN_OMP_MIN)
    for (int g = 0; g < t.ng; g++) {
        real *slot = slots + (size_t)g * t.slot_col, *gs = gslots + (size_t)g * t.slot_g;
        real *pw = parts + (size_t)g * t.part, *pb = pw + (size_t)cout * KK;
        const int tlo = (int)((long)g * t.ntiles / t.ng), thi = (int)((long)(g + 1) * t.ntiles / t.ng);
        for (int tile = tlo; tile < thi; tile++) {
            const int b0 = tile * t.ts, bt = s->B - b0 < t.ts ? s->B - b0 : t.ts;
            const size_t n = (size_t)bt * S, off = (size_t)b0 * S;
            /* This tile's output gradient, [cout][n] with row stride ldg. */
            const real *gt = dout + off;
            int ldg = (int)N;
            if (o && o->gmask) {
                const real sc = (real)o->gscale;
                for (int co = 0; co < cout; co++) {
                    const real *d = dout + (size_t)co * N + off, *mk = o->gmask + (size_t)co * N + off;
                    real *q = gs + (size_t)co * n;
#pragma omp simd
                    for (size_t i = 0; i < n; i++) q[i] = mk[i] > 0 ? sc * d[i] : 0;
                }
                gt = gs;
                ldg = (int)n;
            }
            if (par) {
                for (int co = 0; co < cout; co++) {
                    const real *q = gt + (size_t)co * ldg;
                    double acc = 0;
#pragma omp simd reduction(+ : acc)
                    for (size_t i = 0; i < n; i++) acc += q[i];
                    pb[co] = (real)(tile == tlo ? acc : pb[co] + acc);
                }
                NN_FN(im2col_tile)(slot, in, N, b0, bt, s);
                NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, cout, KK, (int)n, 1, gt, ldg, slot,
                        (int)n, tile == tlo ? 0 : 1, pw, KK);
            }
            if (din) {
                NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, KK, (int)n, cout, 1, w, KK, gt, ldg,
                        0, slot, (int)n);
                if (o && o->din_zero)
                    for (int ci = 0; ci < s->cin; ci++)
                        memset(din + (size_t)ci * N + off, 0, sizeof(real) * n);
                NN_FN(col2im_tile)(din, N, slot, b0, bt, s);
                if (o && (o->dmask || o->din_add))
                    for (int ci = 0; ci < s->cin; ci++) {
                        real *d = din + (size_t)ci * N + off;
                        if (o->dmask) {
                            const real *mk = o->dmask + (size_t)ci * N + off;
#pragma omp simd
                            for (size_t i = 0; i < n; i++) d[i] = mk[i] > 0 ? d[i] : 0;
                        }
                        if (o->din_add) {
                            const real *a = o->din_add + (size_t)ci * N + off;
#pragma omp simd
                            for (size_t i = 0; i < n; i++) d[i] += a[i];
                        }
                    }
            }
        }
    }
    NN_FN(blas_solo_end)(bs);
    if (!par) return;
    /* Partials summed in group order (fixed by the shape). */
    const size_t np = t.part;
#pragma omp parallel for schedule(static) if (np * t.ng > NN_OMP_MIN)
    for (size_t e = 0; e < np; e++) {
        double acc = 0;
        for (int g = 0; g < t.ng; g++) acc += parts[(size_t)g * t.part + e];
        if (e < (size_t)cout * KK) {
            if (dw) dw[e] += (real)acc;
        } else if (db) {
            db[e - (size_t)cout * KK] += (real)acc;
        }
    }
}

void NN_FN(nn_conv_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                            const nn_conv_shape *s)
{
    NN_FN(conv_forward_tiled)(out, in, w, b, col, s, NULL);
}

void NN_FN(nn_conv_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                             const real *w, real *col, const nn_conv_shape *s)
{
    NN_FN(conv_backward_tiled)(din, dw, db, dout, in, w, col, s, NULL);
}

void NN_FN(nn_conv_forward_ref)(real *out, const real *in, const real *w, const real *b,
                                const nn_conv_shape *s)
{
    const int H = s->H, W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)H * W, N = (size_t)s->B * S;
    for (int co = 0; co < s->cout; co++)
        for (int bb = 0; bb < s->B; bb++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++) {
                    double acc = b ? b[co] : 0;
                    for (int ci = 0; ci < s->cin; ci++)
                        for (int a = 0; a < kh; a++)
                            for (int c = 0; c < kw; c++) {
                                int si = i + a - ph, sj = j + c - pw;
                                if (si < 0 || si >= H || sj < 0 || sj >= W) continue;
                                acc += (double)w[(((size_t)co * s->cin + ci) * kh + a) * kw + c] *
                                       in[ci * N + bb * S + (size_t)si * W + sj];
                            }
                    out[co * N + bb * S + (size_t)i * W + j] = (real)acc;
                }
}

void NN_FN(nn_conv_backward_ref)(real *din, real *dw, real *db, const real *dout, const real *in,
                                 const real *w, const nn_conv_shape *s)
{
    const int H = s->H, W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)H * W, N = (size_t)s->B * S;
    for (int co = 0; co < s->cout; co++)
        for (int bb = 0; bb < s->B; bb++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++) {
                    const real g = dout[co * N + bb * S + (size_t)i * W + j];
                    if (db) db[co] += g;
                    for (int ci = 0; ci < s->cin; ci++)
                        for (int a = 0; a < kh; a++)
                            for (int c = 0; c < kw; c++) {
                                int si = i + a - ph, sj = j + c - pw;
                                if (si < 0 || si >= H || sj < 0 || sj >= W) continue;
                                size_t wi = (((size_t)co * s->cin + ci) * kh + a) * kw + c;
                                size_t xi = ci * N + bb * S + (size_t)si * W + sj;
                                if (dw) dw[wi] += g * in[xi];
                                if (din) din[xi] += g * w[wi];
                            }
                }
}

void NN_FN(nn_conv1d_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                              int B, int D, int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_1d(B, D, cin, cout, K);
    NN_FN(nn_conv_forward)(out, in, w, b, col, &s);
}

void NN_FN(nn_conv1d_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                               const real *w, real *col, int B, int D, int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_1d(B, D, cin, cout, K);
    NN_FN(nn_conv_backward)(din, dw, db, dout, in, w, col, &s);
}

void NN_FN(nn_conv2d_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                              int B, int H, int W, int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_2d(B, H, W, cin, cout, K);
    NN_FN(nn_conv_forward)(out, in, w, b, col, &s);
}

void NN_FN(nn_conv2d_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                               const real *w, real *col, int B, int H, int W, int cin, int cout,
                               int K)
{
    nn_conv_shape s = nn_conv_shape_2d(B, H, W, cin, cout, K);
    NN_FN(nn_conv_backward)(din, dw, db, dout, in, w, col, &s);
}

/* Dense GEMMs are split into fixed column chunks (dense_chunk; never split along the
 * summed dimension): each chunk is one single-threaded GEMM, OpenMP runs the chunks,
 * so every output element has one writer and the same arithmetic for any thread count,
 * and OpenBLAS's own threads (which spin between calls) stay asleep. OpenBLAS is held at
 * one thread even when there is a single chunk: its threaded sgemm splits the work by
 * thread count, and with the Haswell kernels (AVX2 machines; valgrind hides AVX-512)
 * 1 and 2 BLAS threads gave different bits (886 of 2048 input-gradient values of an
 * MLP 16-1024-1024-1; test_nn_conv under OPENBLAS_CORETYPE=Haswell).
 * Chunk width for n columns (depends only on n): 512 up to n = 1024, beyond that n in
 * max(2, ceil(n / 2048)) chunks (a multiple of 16 columns). Every chunk GEMM packs the
 * shared operand again, so wide layers want few, wide chunks: on W3 (4096 x 4096) 2048
 * instead of 512 was 5-6% faster (OpenBLAS packing 13.5% of the profile), while up to
 * 1024 columns two chunks still keep both cores busy. */
#define NN_DENSE_CHUNK 512
static int NN_FN(dense_chunk)(int n)
{
    if (n <= 2 * NN_DENSE_CHUNK) return NN_DENSE_CHUNK;
    int nc = (n + 4 * NN_DENSE_CHUNK - 1) / (4 * NN_DENSE_CHUNK);
    if (nc < 2) nc = 2;
    return ((n + nc - 1) / nc + 15) / 16 * 16;
}

void NN_FN(nn_dense_forward)(real *out, const real *in, const real *w, const real *b, int B, int NI,
                             int NO, double alpha, double beta)
{
    const int cw = NN_FN(dense_chunk)(NO), nc = (NO + cw - 1) / cw, bs = NN_FN(blas_solo_begin)();
#pragma omp parallel for schedule(static) if (nc > 1)
    for (int c = 0; c < nc; c++) {
        const int o0 = c * cw, no = NO - o0 < cw ? NO - o0 : cw;
        NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, B, no, NI, (real)alpha, in, NI,
                w + (size_t)o0 * NI, NI, 0, out + o0, NO);
    }
    NN_FN(blas_solo_end)(bs);
    if (b) {
        const real bb = (real)beta;
#pragma omp parallel for schedule(static) if ((size_t)B * NO > NN_OMP_MIN)
        for (int r = 0; r < B; r++)
            for (int o = 0; o < NO; o++) out[(size_t)r * NO + o] += bb * b[o];
    }
}

/* nn_dense_backward with a choice per output: set_par writes dw/db (=) and set_din
 * writes din (=) instead of accumulating (beta = 0 GEMMs: the old values are never read,
 * so the caller need not zero them). */
static void NN_FN(dense_backward_ex)(real *din, real *dw, real *db, const real *dout,
                                     const real *in, const real *w, int B, int NI, int NO,
                                     double alpha, double beta, int set_par, int set_din)
{
    if (dw) {
        const int cw = NN_FN(dense_chunk)(NO), nc = (NO + cw - 1) / cw;
        const int bs = NN_FN(blas_solo_begin)();
#pragma omp parallel for schedule(static) if (nc > 1)
        for (int c = 0; c < nc; c++) {
            const int o0 = c * cw, no = NO - o0 < cw ? NO - o0 : cw;
            NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, no, NI, B, (real)alpha, dout + o0, NO, in,
                    NI, set_par ? 0 : 1, dw + (size_t)o0 * NI, NI);
        }
        NN_FN(blas_solo_end)(bs);
    }
    if (db) {
        /* Column sums over the batch, a block of 64 columns per iteration so the rows
         * are read contiguously; each column still sums its rows in order 0..B-1. */
        const int nb = (NO + 63) / 64;
#pragma omp parallel for schedule(static) if ((size_t)B * NO > NN_OMP_MIN)
        for (int blk = 0; blk < nb; blk++) {
            const int o0 = blk * 64, w = NO - o0 < 64 ? NO - o0 : 64;
            double acc[64] = {0};
            for (int r = 0; r < B; r++) {
                const real *row = dout + (size_t)r * NO + o0;
#pragma omp simd
                for (int j = 0; j < w; j++) acc[j] += row[j];
            }
            for (int j = 0; j < w; j++)
                db[o0 + j] = (real)(beta * acc[j]) + (set_par ? 0 : db[o0 + j]);
        }
    }
    if (din) {
        const int cw = NN_FN(dense_chunk)(NI), nc = (NI + cw - 1) / cw;
        const int bs = NN_FN(blas_solo_begin)();
#pragma omp parallel for schedule(static) if (nc > 1)
        for (int c = 0; c < nc; c++) {
            const int i0 = c * cw, ni = NI - i0 < cw ? NI - i0 : cw;
            NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, ni, NO, (real)alpha, dout, NO, w + i0,
                    NI, set_din ? 0 : 1, din + i0, NI);
        }
        NN_FN(blas_solo_end)(bs);
    }
}

void NN_FN(nn_dense_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                              const real *w, int B, int NI, int NO, double alpha, double beta)
{
    NN_FN(dense_backward_ex)(din, dw, db, dout, in, w, B, NI, NO, alpha, beta, 0, 0);
}

void NN_FN(nn_relu_forward)(real *out, const real *in, size_t n)
{
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
    for (size_t i = 0; i < n; i++) out[i] = in[i] > 0 ? in[i] : 0;
}

void NN_FN(nn_relu_backward)(real *din, const real *dout, const real *out, size_t n)
{
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0) din[i] += dout[i];
}

void NN_FN(nn_pad_forward)(real *z, const real *x, int C, size_t N)
{
    /* One channel per iteration: a serial memset of the whole state was 1-2% of W5. */
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int c = 0; c < C; c++) {
        if (c == 0)
            memcpy(z, x, sizeof(real) * N);
        else
            memset(z + (size_t)c * N, 0, sizeof(real) * N);
    }
}

void NN_FN(nn_pad_backward)(real *dx, const real *dz, size_t N)
{
    for (size_t i = 0; i < N; i++) dx[i] += dz[i];
}

void NN_FN(nn_pool_forward)(real *out, const real *in, int B, int C, int S)
{
    const size_t N = (size_t)B * S;
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            const real *p = in + (size_t)c * N + (size_t)b * S;
            double acc = 0;
            /* Vector partial sums (an order fixed at compile time): a serial double sum
             * was latency-bound, 2.7% of W5. */
#pragma omp simd reduction(+ : acc)
            for (int i = 0; i < S; i++) acc += p[i];
            out[(size_t)b * C + c] = (real)(acc / S);
        }
}

/* set: write din (=) instead of accumulating (the caller then need not zero it). */
static void NN_FN(pool_backward_ex)(real *din, const real *dout, int B, int C, int S, int set)
{
    const size_t N = (size_t)B * S;
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            real *p = din + (size_t)c * N + (size_t)b * S;
            const real g = (real)(dout[(size_t)b * C + c] / (double)S);
            if (set)
                for (int i = 0; i < S; i++) p[i] = g;
            else
                for (int i = 0; i < S; i++) p[i] += g;
        }
}

void NN_FN(nn_pool_backward)(real *din, const real *dout, int B, int C, int S)
{
    NN_FN(pool_backward_ex)(din, dout, B, C, S, 0);
}

void NN_FN(nn_flatten_forward)(real *flat, const real *in, int B, int C, int S)
{
    const size_t N = (size_t)B * S;
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int b = 0; b < B; b++)
        for (int c = 0; c < C; c++)
            memcpy(flat + ((size_t)b * C + c) * S, in + (size_t)c * N + (size_t)b * S,
                   sizeof(real) * (size_t)S);
}

/* set: as in pool_backward_ex. */
static void NN_FN(flatten_backward_ex)(real *din, const real *dflat, int B, int C, int S, int set)
{
    const size_t N = (size_t)B * S;
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            real *d = din + (size_t)c * N + (size_t)b * S;
            const real *g = dflat + ((size_t)b * C + c) * S;
            if (set)
                memcpy(d, g, sizeof(real) * (size_t)S);
            else
                for (int i = 0; i < S; i++) d[i] += g[i];
        }
}

void NN_FN(nn_flatten_backward)(real *din, const real *dflat, int B, int C, int S)
{
    NN_FN(flatten_backward_ex)(din, dflat, B, C, S, 0);
}

/* cin_nz > 0: only the first cin_nz channels of z can be nonzero (the zero-padded
 * input of the first block), so the direct path skips the others. */
static void NN_FN(resblock_forward_ex)(real *zout, const real *z, const real *const *w,
                                       const real *const *b, real *const *h, real *col,
                                       const nn_conv_shape *s, int L, double scale, int cin_nz)
{
    const real *in = z;
    for (int l = 0; l < L; l++) {
        NN_FN(conv_fwd_opts) o = {1, NULL, NULL, scale, l == 0 ? cin_nz : 0};
        if (l == L - 1) o.zres = z, o.zout = zout;
        NN_FN(conv_forward_tiled)(h[l], in, w[l], b[l], col, s, &o);
        in = h[l];
    }
}

/* dz may be NULL (no input gradient); cin_nz as in resblock_forward_ex; dz_set: dz is
 * written (=) instead of accumulated (saves the caller a memset of the whole state). */
static void NN_FN(resblock_backward_ex)(real *dz, real *const *dw, real *const *db,
                                        const real *dzout, const real *z, const real *const *w,
                                        const real *const *h, real *col, real *g0, real *g1,
                                        const nn_conv_shape *s, int L, double scale, int cin_nz,
                                        int dz_set)
{
    /* Conv l gets g_l = gradient at its pre-activation; the last one is
     * scale * dzout through the last ReLU, computed inside the tiles. The others come
     * masked by the ReLU after conv l out of the previous step's col2im. */
    const real *g = dzout;
    real *t = g0, *spare = g1;
    for (int l = L - 1; l >= 0; l--) {
        real *dwl = dw ? dw[l] : NULL, *dbl = db ? db[l] : NULL;
        NN_FN(conv_bwd_opts) o = {NULL, 1, 0, NULL, NULL, l == 0 ? cin_nz : 0};
        if (l == L - 1) o.gmask = h[L - 1], o.gscale = scale;
        if (l == 0) {
            o.din_add = dzout; /* the skip connection */
            o.din_zero = dz_set;
            NN_FN(conv_backward_tiled)(dz, dwl, dbl, g, z, w[0], col, s, &o);
            break;
        }
        o.din_zero = 1;
        o.dmask = h[l - 1];
        NN_FN(conv_backward_tiled)(t, dwl, dbl, g, h[l - 1], w[l], col, s, &o);
        g = t;
        real *tmp = t;
        t = spare;
        spare = tmp;
    }
}

void NN_FN(nn_resblock_forward)(real *zout, const real *z, const real *const *w,
                                const real *const *b, real *const *h, real *col,
                                const nn_conv_shape *s, int L, double scale)
{
    NN_FN(resblock_forward_ex)(zout, z, w, b, h, col, s, L, scale, 0);
}

void NN_FN(nn_resblock_backward)(real *dz, real *const *dw, real *const *db, const real *dzout,
                                 const real *z, const real *const *w, const real *const *h,
                                 real *col, real *g0, real *g1, const nn_conv_shape *s, int L,
                                 double scale)
{
    NN_FN(resblock_backward_ex)(dz, dw, db, dzout, z, w, h, col, g0, g1, s, L, scale, 0, 0);
}
