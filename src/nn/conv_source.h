/* Convolution layers for one precision (template; conv.c compiles it for float and
 * double, see nn_real.h; conventions in nn_layers.h). Parallel loops run over output
 * elements (rows, channels, samples): every element has one writer and a fixed
 * summation order, so results do not depend on the thread count. BLAS is only called
 * outside OpenMP regions (OpenBLAS threads itself; measured bitwise identical for 1 and
 * 2 threads). */

void NN_PICK(nn_im2col_f32, nn_im2col_f64)(real *col, const real *in, const nn_conv_shape *s)
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

void NN_PICK(nn_col2im_add_f32, nn_col2im_add_f64)(real *din, const real *col,
                                                   const nn_conv_shape *s)
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
static void NN_PICK(zero_pad_taps_f32, zero_pad_taps_f64)(real *row, int bt, int di, int dj,
                                                          const nn_conv_shape *s)
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
static void NN_PICK(im2col_tile_f32, im2col_tile_f64)(real *col, const real *in, size_t N, int b0,
                                                      int bt, const nn_conv_shape *s)
{
    const int W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)s->H * W, n = (size_t)bt * S;
    const int rows = s->cin * kh * kw;
    for (int r = 0; r < rows; r++) {
        const int ci = r / (kh * kw), k = r % (kh * kw), di = k / kw - ph, dj = k % kw - pw;
        real *dst = col + (size_t)r * n;
        const real *src = in + (size_t)ci * N + (size_t)b0 * S;
        const long sh = (long)di * W + dj;
        /* dst[i] = src[i + sh] where 0 <= i + sh < n, else 0 (all of it when the shift
         * passes the whole tile: 1-D kernels wider than the batch, e.g. K = 7, B*W = 2). */
        size_t lo = sh < 0 ? (size_t)(-sh) : 0, hi = sh <= 0 ? n : (size_t)sh < n ? n - (size_t)sh : 0;
        if (lo > n) lo = n;
        if (hi < lo) hi = lo;
        memset(dst, 0, sizeof(real) * lo);
        memcpy(dst + lo, src + lo + sh, sizeof(real) * (hi - lo));
        memset(dst + hi, 0, sizeof(real) * (n - hi));
        NN_PICK(zero_pad_taps_f32, zero_pad_taps_f64)(dst, bt, di, dj, s);
    }
}

/* din (row stride N, samples [b0, b0+bt)) += col2im(col [KK][bt*S]); the taps of each
 * input channel are added in a fixed order. col is scratch: its padding positions are
 * zeroed first so every row is one shifted, vectorizable add. */
static void NN_PICK(col2im_tile_f32, col2im_tile_f64)(real *din, size_t N, real *col, int b0,
                                                      int bt, const nn_conv_shape *s)
{
    const int W = s->W, kh = s->kh, kw = s->kw, ph = kh / 2, pw = kw / 2;
    const size_t S = (size_t)s->H * W, n = (size_t)bt * S;
    for (int ci = 0; ci < s->cin; ci++) {
        real *dst = din + (size_t)ci * N + (size_t)b0 * S;
        for (int k = 0; k < kh * kw; k++) {
            const int di = k / kw - ph, dj = k % kw - pw;
            real *src = col + ((size_t)ci * kh * kw + k) * n;
            NN_PICK(zero_pad_taps_f32, zero_pad_taps_f64)(src, bt, di, dj, s);
            const long sh = (long)di * W + dj;
            size_t lo = sh < 0 ? (size_t)(-sh) : 0, hi = sh <= 0 ? n : (size_t)sh < n ? n - (size_t)sh : 0;
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

void NN_PICK(nn_conv_forward_tiled_f32, nn_conv_forward_tiled_f64)(
    real *out, const real *in, const real *w, const real *b, real *col, const nn_conv_shape *s,
    const NN_PICK(nn_conv_fwd_opts_f32, nn_conv_fwd_opts_f64) *o)
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
    const int bs = nn_blas_solo_begin();
#pragma omp parallel for schedule(static) if (t.ng > 1 && (size_t)KK * N > NN_OMP_MIN)
    for (int g = 0; g < t.ng; g++) {
        real *slot = col + (size_t)g * t.slot_col;
        const int tlo = (int)((long)g * t.ntiles / t.ng),
                  thi = (int)((long)(g + 1) * t.ntiles / t.ng);
        for (int tile = tlo; tile < thi; tile++) {
            const int b0 = tile * t.ts, bt = s->B - b0 < t.ts ? s->B - b0 : t.ts;
            const size_t n = (size_t)bt * S, off = (size_t)b0 * S;
            NN_PICK(im2col_tile_f32, im2col_tile_f64)(slot, in, N, b0, bt, s);
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
    nn_blas_solo_end(bs);
}

void NN_PICK(nn_conv_backward_tiled_f32, nn_conv_backward_tiled_f64)(
    real *din, real *dw, real *db, const real *dout, const real *in, const real *w, real *col,
    const nn_conv_shape *s, const NN_PICK(nn_conv_bwd_opts_f32, nn_conv_bwd_opts_f64) *o)
{
#if NN_HAVE_DIRECT
    if (nn_conv_use_direct(s)) {
        nn_cd_bwd_opts d = {NULL, 1, 0, NULL, NULL, 0, 0};
        if (o)
            d = (nn_cd_bwd_opts){o->gmask, (float)o->gscale, o->din_zero,
                                 o->dmask, o->din_add,       o->cin_nz, o->din_nz};
        nn_conv_direct_backward_f32(din, dw, db, dout, in, w, col, s, &d);
        return;
    }
#endif
    const nn_conv_tiling t = nn_conv_tiles(s);
    const int KK = s->cin * s->kh * s->kw, cout = s->cout;
    const size_t S = (size_t)s->H * s->W, N = (size_t)s->B * S;
    real *slots = col, *gslots = col + (size_t)t.ng * t.slot_col;
    real *parts = gslots + (size_t)t.ng * t.slot_g;
    const int par = dw || db, bs = nn_blas_solo_begin();
#pragma omp parallel for schedule(static) if (t.ng > 1 && (size_t)KK * N > NN_OMP_MIN)
    for (int g = 0; g < t.ng; g++) {
        real *slot = slots + (size_t)g * t.slot_col, *gs = gslots + (size_t)g * t.slot_g;
        real *pw = parts + (size_t)g * t.part, *pb = pw + (size_t)cout * KK;
        const int tlo = (int)((long)g * t.ntiles / t.ng),
                  thi = (int)((long)(g + 1) * t.ntiles / t.ng);
        for (int tile = tlo; tile < thi; tile++) {
            const int b0 = tile * t.ts, bt = s->B - b0 < t.ts ? s->B - b0 : t.ts;
            const size_t n = (size_t)bt * S, off = (size_t)b0 * S;
            /* This tile's output gradient, [cout][n] with row stride ldg. */
            const real *gt = dout + off;
            int ldg = (int)N;
            if (o && o->gmask) {
                const real sc = (real)o->gscale;
                for (int co = 0; co < cout; co++) {
                    const real *d = dout + (size_t)co * N + off,
                               *mk = o->gmask + (size_t)co * N + off;
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
                NN_PICK(im2col_tile_f32, im2col_tile_f64)(slot, in, N, b0, bt, s);
                NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, cout, KK, (int)n, 1, gt, ldg, slot,
                        (int)n, tile == tlo ? 0 : 1, pw, KK);
            }
            if (din) {
                NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, KK, (int)n, cout, 1, w, KK, gt,
                        ldg, 0, slot, (int)n);
                if (o && o->din_zero)
                    for (int ci = 0; ci < s->cin; ci++)
                        memset(din + (size_t)ci * N + off, 0, sizeof(real) * n);
                NN_PICK(col2im_tile_f32, col2im_tile_f64)(din, N, slot, b0, bt, s);
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
    nn_blas_solo_end(bs);
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

void NN_PICK(nn_conv_forward_f32, nn_conv_forward_f64)(real *out, const real *in, const real *w,
                                                       const real *b, real *col,
                                                       const nn_conv_shape *s)
{
    NN_PICK(nn_conv_forward_tiled_f32, nn_conv_forward_tiled_f64)(out, in, w, b, col, s, NULL);
}

void NN_PICK(nn_conv_backward_f32,
             nn_conv_backward_f64)(real *din, real *dw, real *db, const real *dout, const real *in,
                                   const real *w, real *col, const nn_conv_shape *s)
{
    NN_PICK(nn_conv_backward_tiled_f32, nn_conv_backward_tiled_f64)
    (din, dw, db, dout, in, w, col, s, NULL);
}

void NN_PICK(nn_conv_forward_ref_f32, nn_conv_forward_ref_f64)(real *out, const real *in,
                                                               const real *w, const real *b,
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

void NN_PICK(nn_conv_backward_ref_f32,
             nn_conv_backward_ref_f64)(real *din, real *dw, real *db, const real *dout,
                                       const real *in, const real *w, const nn_conv_shape *s)
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

void NN_PICK(nn_conv1d_forward_f32, nn_conv1d_forward_f64)(real *out, const real *in, const real *w,
                                                           const real *b, real *col, int B, int D,
                                                           int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_1d(B, D, cin, cout, K);
    NN_PICK(nn_conv_forward_f32, nn_conv_forward_f64)(out, in, w, b, col, &s);
}

void NN_PICK(nn_conv1d_backward_f32, nn_conv1d_backward_f64)(real *din, real *dw, real *db,
                                                             const real *dout, const real *in,
                                                             const real *w, real *col, int B, int D,
                                                             int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_1d(B, D, cin, cout, K);
    NN_PICK(nn_conv_backward_f32, nn_conv_backward_f64)(din, dw, db, dout, in, w, col, &s);
}

void NN_PICK(nn_conv2d_forward_f32, nn_conv2d_forward_f64)(real *out, const real *in, const real *w,
                                                           const real *b, real *col, int B, int H,
                                                           int W, int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_2d(B, H, W, cin, cout, K);
    NN_PICK(nn_conv_forward_f32, nn_conv_forward_f64)(out, in, w, b, col, &s);
}

void NN_PICK(nn_conv2d_backward_f32, nn_conv2d_backward_f64)(real *din, real *dw, real *db,
                                                             const real *dout, const real *in,
                                                             const real *w, real *col, int B, int H,
                                                             int W, int cin, int cout, int K)
{
    nn_conv_shape s = nn_conv_shape_2d(B, H, W, cin, cout, K);
    NN_PICK(nn_conv_backward_f32, nn_conv_backward_f64)(din, dw, db, dout, in, w, col, &s);
}
