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

/* Row sums of dout [rows][n] added to db: one thread per row, summed in double. */
static void NN_FN(row_sums_add)(real *db, const real *dout, int rows, size_t n, double scale)
{
#pragma omp parallel for schedule(static) if ((size_t)rows * n > NN_OMP_MIN)
    for (int r = 0; r < rows; r++) {
        const real *p = dout + (size_t)r * n;
        double acc = 0;
        for (size_t i = 0; i < n; i++) acc += p[i];
        db[r] += (real)(scale * acc);
    }
}

void NN_FN(nn_conv_forward)(real *out, const real *in, const real *w, const real *b, real *col,
                            const nn_conv_shape *s)
{
    const int KK = s->cin * s->kh * s->kw;
    const int N = s->B * s->H * s->W;
    NN_FN(nn_im2col)(col, in, s);
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->cout, N, KK, 1, w, KK, col, N, 0, out,
            N);
    if (b) {
#pragma omp parallel for schedule(static) if ((size_t)s->cout * N > NN_OMP_MIN)
        for (int co = 0; co < s->cout; co++) {
            real *o = out + (size_t)co * N;
            const real bc = b[co];
            for (int i = 0; i < N; i++) o[i] += bc;
        }
    }
}

void NN_FN(nn_conv_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                             const real *w, real *col, const nn_conv_shape *s)
{
    const int KK = s->cin * s->kh * s->kw;
    const int N = s->B * s->H * s->W;
    if (db) NN_FN(row_sums_add)(db, dout, s->cout, (size_t)N, 1.0);
    if (dw) {
        NN_FN(nn_im2col)(col, in, s);
        NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, s->cout, KK, N, 1, dout, N, col, N, 1, dw,
                KK);
    }
    if (din) {
        /* col is free again: dcol = w^T dout, then scatter back. */
        NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, KK, N, s->cout, 1, w, KK, dout, N, 0, col,
                N);
        NN_FN(nn_col2im_add)(din, col, s);
    }
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

void NN_FN(nn_dense_forward)(real *out, const real *in, const real *w, const real *b, int B, int NI,
                             int NO, double alpha, double beta)
{
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, B, NO, NI, (real)alpha, in, NI, w, NI, 0, out, NO);
    if (b) {
        const real bb = (real)beta;
#pragma omp parallel for schedule(static) if ((size_t)B * NO > NN_OMP_MIN)
        for (int r = 0; r < B; r++)
            for (int o = 0; o < NO; o++) out[(size_t)r * NO + o] += bb * b[o];
    }
}

void NN_FN(nn_dense_backward)(real *din, real *dw, real *db, const real *dout, const real *in,
                              const real *w, int B, int NI, int NO, double alpha, double beta)
{
    if (dw)
        NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, NO, NI, B, (real)alpha, dout, NO, in, NI, 1,
                dw, NI);
    if (db) {
#pragma omp parallel for schedule(static) if ((size_t)B * NO > NN_OMP_MIN)
        for (int o = 0; o < NO; o++) {
            double acc = 0;
            for (int r = 0; r < B; r++) acc += dout[(size_t)r * NO + o];
            db[o] += (real)(beta * acc);
        }
    }
    if (din)
        NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, NI, NO, (real)alpha, dout, NO, w, NI, 1,
                din, NI);
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
    memcpy(z, x, sizeof(real) * N);
    memset(z + N, 0, sizeof(real) * N * (size_t)(C - 1));
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
            for (int i = 0; i < S; i++) acc += p[i];
            out[(size_t)b * C + c] = (real)(acc / S);
        }
}

void NN_FN(nn_pool_backward)(real *din, const real *dout, int B, int C, int S)
{
    const size_t N = (size_t)B * S;
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            real *p = din + (size_t)c * N + (size_t)b * S;
            const real g = (real)(dout[(size_t)b * C + c] / (double)S);
            for (int i = 0; i < S; i++) p[i] += g;
        }
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

void NN_FN(nn_flatten_backward)(real *din, const real *dflat, int B, int C, int S)
{
    const size_t N = (size_t)B * S;
#pragma omp parallel for schedule(static) if ((size_t)C * N > NN_OMP_MIN)
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++) {
            real *d = din + (size_t)c * N + (size_t)b * S;
            const real *g = dflat + ((size_t)b * C + c) * S;
            for (int i = 0; i < S; i++) d[i] += g[i];
        }
}

void NN_FN(nn_resblock_forward)(real *zout, const real *z, const real *const *w,
                                const real *const *b, real *const *h, real *col,
                                const nn_conv_shape *s, int L, double scale)
{
    const size_t n = (size_t)s->cout * s->B * s->H * s->W;
    const real *in = z;
    for (int l = 0; l < L; l++) {
        NN_FN(nn_conv_forward)(h[l], in, w[l], b[l], col, s);
        NN_FN(nn_relu_forward)(h[l], h[l], n);
        in = h[l];
    }
    const real sc = (real)scale, *hl = h[L - 1];
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
    for (size_t i = 0; i < n; i++) zout[i] = z[i] + sc * hl[i];
}

void NN_FN(nn_resblock_backward)(real *dz, real *const *dw, real *const *db, const real *dzout,
                                 const real *z, const real *const *w, const real *const *h,
                                 real *col, real *g0, real *g1, const nn_conv_shape *s, int L,
                                 double scale)
{
    const size_t n = (size_t)s->cout * s->B * s->H * s->W;
    const real sc = (real)scale, *hl = h[L - 1];
    /* Gradient at the last pre-activation: scale * dzout through the last ReLU. */
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
    for (size_t i = 0; i < n; i++) g0[i] = hl[i] > 0 ? sc * dzout[i] : 0;
    real *g = g0, *t = g1;
    for (int l = L - 1; l >= 0; l--) {
        real *dwl = dw ? dw[l] : NULL, *dbl = db ? db[l] : NULL;
        if (l == 0) {
            NN_FN(nn_conv_backward)(dz, dwl, dbl, g, z, w[0], col, s);
            break;
        }
        memset(t, 0, sizeof(real) * n);
        NN_FN(nn_conv_backward)(t, dwl, dbl, g, h[l - 1], w[l], col, s);
        const real *hp = h[l - 1];
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
        for (size_t i = 0; i < n; i++)
            if (!(hp[i] > 0)) t[i] = 0;
        real *tmp = g;
        g = t;
        t = tmp;
    }
    /* The skip connection. */
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
    for (size_t i = 0; i < n; i++) dz[i] += dzout[i];
}
