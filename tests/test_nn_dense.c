/* The chunked dense GEMMs (nn_dense_forward/backward: fixed column chunks whose width
 * depends only on the layer width) against naive double loops, in float and double,
 * for widths on both sides of the chunk rule (one chunk, two, three uneven ones), and
 * bitwise identical results for 1 and 2 threads. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"
#include "core/rng.h"
#include "nn/nn_layers.h"
#include "test_util.h"

static op_rng rng;

typedef struct {
    int B, NI, NO;
    double alpha, beta;
} dshape;

/* Reference: out = alpha W x + beta b; din = alpha W^T g; dw = alpha g^T x; db = beta sum g. */
static void reference(const dshape *d, const double *x, const double *w, const double *b,
                      const double *g, double *out, double *din, double *dw, double *db)
{
    for (int r = 0; r < d->B; r++)
        for (int o = 0; o < d->NO; o++) {
            double a = 0;
            for (int i = 0; i < d->NI; i++) a += w[(size_t)o * d->NI + i] * x[(size_t)r * d->NI + i];
            out[(size_t)r * d->NO + o] = d->alpha * a + d->beta * b[o];
        }
    for (int r = 0; r < d->B; r++)
        for (int i = 0; i < d->NI; i++) {
            double a = 0;
            for (int o = 0; o < d->NO; o++) a += w[(size_t)o * d->NI + i] * g[(size_t)r * d->NO + o];
            din[(size_t)r * d->NI + i] = d->alpha * a;
        }
    for (int o = 0; o < d->NO; o++) {
        double s = 0;
        for (int r = 0; r < d->B; r++) s += g[(size_t)r * d->NO + o];
        db[o] = d->beta * s;
        for (int i = 0; i < d->NI; i++) {
            double a = 0;
            for (int r = 0; r < d->B; r++) a += g[(size_t)r * d->NO + o] * x[(size_t)r * d->NI + i];
            dw[(size_t)o * d->NI + i] = d->alpha * a;
        }
    }
}

static double maxrel(const double *a, const float *af, const double *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        const double v = a ? a[i] : af[i];
        num = fmax(num, fabs(v - ref[i]));
        den = fmax(den, fabs(ref[i]));
    }
    return den > 0 ? num / den : num;
}

/* Runs the fast float path with t threads into one buffer: out, din, dw, db. */
static float *run_f32(const dshape *d, const double *src, int t)
{
    const size_t nx = (size_t)d->B * d->NI, nw = (size_t)d->NO * d->NI, ng = (size_t)d->B * d->NO;
    const size_t tot = nx + nw + d->NO + ng, nres = ng + nx + nw + d->NO;
    float *f = malloc(sizeof(float) * tot), *res = calloc(nres, sizeof(float));
    for (size_t i = 0; i < tot; i++) f[i] = (float)src[i];
    const float *x = f, *w = f + nx, *b = w + nw, *g = b + d->NO;
    omp_set_num_threads(t);
    op_blas_set_threads(t);
    nn_dense_forward_f32(res, x, w, b, d->B, d->NI, d->NO, d->alpha, d->beta);
    nn_dense_backward_f32(res + ng, res + ng + nx, res + ng + nx + nw, g, x, w, d->B, d->NI, d->NO,
                          d->alpha, d->beta);
    free(f);
    return res;
}

static void check_shape(dshape d)
{
    const size_t nx = (size_t)d.B * d.NI, nw = (size_t)d.NO * d.NI, ng = (size_t)d.B * d.NO;
    const size_t tot = nx + nw + d.NO + ng, nres = ng + nx + nw + d.NO;
    double *src = malloc(sizeof(double) * tot), *ref = malloc(sizeof(double) * nres);
    double *r64 = calloc(nres, sizeof(double));
    for (size_t i = 0; i < tot; i++) src[i] = 2 * op_rng_uniform(&rng) - 1;
    const double *x = src, *w = src + nx, *b = w + nw, *g = b + d.NO;
    reference(&d, x, w, b, g, ref, ref + ng, ref + ng + nx, ref + ng + nx + nw);

    nn_dense_forward_f64(r64, x, w, b, d.B, d.NI, d.NO, d.alpha, d.beta);
    nn_dense_backward_f64(r64 + ng, r64 + ng + nx, r64 + ng + nx + nw, g, x, w, d.B, d.NI, d.NO,
                          d.alpha, d.beta);
    float *f1 = run_f32(&d, src, 1), *f2 = run_f32(&d, src, 2);
    const size_t off[5] = {0, ng, ng + nx, ng + nx + nw, nres};
    const char *name[4] = {"out", "din", "dw", "db"};
    for (int k = 0; k < 4; k++) {
        const size_t n = off[k + 1] - off[k];
        const double e64 = maxrel(r64 + off[k], NULL, ref + off[k], n);
        const double e32 = maxrel(NULL, f1 + off[k], ref + off[k], n);
        CHECK(e64 <= 1e-13, "double dense %s (B=%d NI=%d NO=%d) = reference: rel %.2e", name[k], d.B,
              d.NI, d.NO, e64);
        /* float sums of up to 5000 products of O(1) terms; measured ~1e-6. */
        CHECK(e32 <= 2e-5, "float dense %s (B=%d NI=%d NO=%d) = reference: rel %.2e", name[k], d.B,
              d.NI, d.NO, e32);
    }
    CHECK(memcmp(f1, f2, sizeof(float) * nres) == 0,
          "dense B=%d NI=%d NO=%d: 1 and 2 threads give identical bits", d.B, d.NI, d.NO);
    free(src), free(ref), free(r64), free(f1), free(f2);
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_dense", 1));
    /* Widths 300 (one chunk), 1000 (two of 512), 1300 and 2500 (two uneven wide chunks),
     * 5000 (three chunks of 1680 and a short one), as NO and as NI. */
    const dshape shapes[] = {
        {3, 300, 1000, 1, 1}, {2, 1300, 17, 0.5, 2}, {4, 17, 2500, 1, 0.25},
        {2, 5000, 9, 1, 1},   {3, 9, 5000, 0.1, 1},  {2, 2500, 1300, 1, 1},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) check_shape(shapes[i]);
    return test_summary("test_nn_dense");
}
