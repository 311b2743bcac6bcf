/* Dense layer and ReLU for one precision (template; dense.c compiles it for float and
 * double, see nn_real.h; conventions in nn_layers.h). */

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
static int NN_PICK(dense_chunk_f32, dense_chunk_f64)(int n)
{
    if (n <= 2 * NN_DENSE_CHUNK) return NN_DENSE_CHUNK;
    int nc = (n + 4 * NN_DENSE_CHUNK - 1) / (4 * NN_DENSE_CHUNK);
    if (nc < 2) nc = 2;
    return ((n + nc - 1) / nc + 15) / 16 * 16;
}

static void NN_PICK(bias_row_f32, bias_row_f64)(real *row, const real *b, real bb, int NO)
{
#pragma omp simd
    for (int o = 0; o < NO; o++) row[o] += bb * b[o];
}

/* Column sums of dout[:, o0 .. o0+w) (w <= 64) over the batch, rows read contiguously;
 * each column sums its rows in order 0..B-1. */
static void NN_PICK(db_block_f32, db_block_f64)(real *db, const real *dout, int B, int NO, int o0,
                                                double beta, int set_par)
{
    const int w = NO - o0 < 64 ? NO - o0 : 64;
    double acc[64] = {0};
    for (int r = 0; r < B; r++) {
        const real *row = dout + (size_t)r * NO + o0;
#pragma omp simd
        for (int j = 0; j < w; j++) acc[j] += row[j];
    }
    for (int j = 0; j < w; j++) db[o0 + j] = (real)(beta * acc[j]) + (set_par ? 0 : db[o0 + j]);
}

void NN_PICK(nn_dense_forward_f32, nn_dense_forward_f64)(real *out, const real *in, const real *w,
                                                         const real *b, int B, int NI, int NO,
                                                         double alpha, double beta)
{
    const int cw = NN_PICK(dense_chunk_f32, dense_chunk_f64)(NO), nc = (NO + cw - 1) / cw,
              bs = nn_blas_solo_begin();
    NN_PAR_FOR(nc > 1, (int c = 0; c < nc; c++), const int o0 = c * cw, no = NO - o0 < cw ? NO - o0 : cw;
               NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, B, no, NI, (real)alpha, in, NI,
                       w + (size_t)o0 * NI, NI, 0, out + o0, NO););
    nn_blas_solo_end(bs);
    if (b) {
        const real bb = (real)beta;
        NN_PAR_FOR((size_t)B * NO > NN_OMP_MIN, (int r = 0; r < B; r++),
                   NN_PICK(bias_row_f32, bias_row_f64)(out + (size_t)r * NO, b, bb, NO););
    }
}

/* nn_dense_backward with a choice per output: set_par writes dw/db (=) and set_din
 * writes din (=) instead of accumulating (beta = 0 GEMMs: the old values are never read,
 * so the caller need not zero them). */
void NN_PICK(nn_dense_backward_ex_f32,
             nn_dense_backward_ex_f64)(real *din, real *dw, real *db, const real *dout,
                                       const real *in, const real *w, int B, int NI, int NO,
                                       double alpha, double beta, int set_par, int set_din)
{
    if (dw) {
        const int cw = NN_PICK(dense_chunk_f32, dense_chunk_f64)(NO), nc = (NO + cw - 1) / cw;
        const int bs = nn_blas_solo_begin();
        NN_PAR_FOR(nc > 1, (int c = 0; c < nc; c++), const int o0 = c * cw, no = NO - o0 < cw ? NO - o0 : cw;
                   NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, no, NI, B, (real)alpha, dout + o0, NO,
                           in, NI, set_par ? 0 : 1, dw + (size_t)o0 * NI, NI););
        nn_blas_solo_end(bs);
    }
    if (db) {
        /* Column sums over the batch, a block of 64 columns per iteration. */
        const int nb = (NO + 63) / 64;
        NN_PAR_FOR((size_t)B * NO > NN_OMP_MIN, (int blk = 0; blk < nb; blk++),
                   NN_PICK(db_block_f32, db_block_f64)(db, dout, B, NO, blk * 64, beta, set_par););
    }
    if (din) {
        const int cw = NN_PICK(dense_chunk_f32, dense_chunk_f64)(NI), nc = (NI + cw - 1) / cw;
        const int bs = nn_blas_solo_begin();
        NN_PAR_FOR(nc > 1, (int c = 0; c < nc; c++), const int i0 = c * cw, ni = NI - i0 < cw ? NI - i0 : cw;
                   NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, ni, NO, (real)alpha, dout, NO,
                           w + i0, NI, set_din ? 0 : 1, din + i0, NI););
        nn_blas_solo_end(bs);
    }
}

void NN_PICK(nn_dense_backward_f32,
             nn_dense_backward_f64)(real *din, real *dw, real *db, const real *dout, const real *in,
                                    const real *w, int B, int NI, int NO, double alpha, double beta)
{
    NN_PICK(nn_dense_backward_ex_f32, nn_dense_backward_ex_f64)
    (din, dw, db, dout, in, w, B, NI, NO, alpha, beta, 0, 0);
}

void NN_PICK(nn_relu_forward_f32, nn_relu_forward_f64)(real *out, const real *in, size_t n)
{
    /* simd: gcc's -O2 cost model left these elementwise loops scalar (15 % of scaling-id's
     * small MLPs with the ReLU masks below); the same operation per element. */
    if (nn_par(n > NN_OMP_MIN)) {
#pragma omp parallel for simd schedule(static)
        for (size_t i = 0; i < n; i++) out[i] = in[i] > 0 ? in[i] : 0;
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) out[i] = in[i] > 0 ? in[i] : 0;
    }
}

void NN_PICK(nn_relu_backward_f32, nn_relu_backward_f64)(real *din, const real *dout,
                                                         const real *out, size_t n)
{
    if (nn_par(n > NN_OMP_MIN)) {
#pragma omp parallel for simd schedule(static)
        for (size_t i = 0; i < n; i++) din[i] = out[i] > 0 ? din[i] + dout[i] : din[i];
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) din[i] = out[i] > 0 ? din[i] + dout[i] : din[i];
    }
}
