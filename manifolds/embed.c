/* Random isometric embedding into R^D and ambient noise (see embed.h). */
#include "manifolds/embed.h"

#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/manifold_impl.h"

int mf_embed_make(const mf_manifold *m, long D, uint64_t seed, mf_embedding *e)
{
    memset(e, 0, sizeof *e);
    int N = mf_manifold_natural_dim(m);
    if (D < N)
        OP_ERROR(OP_EUSAGE, "--ambient %ld is smaller than the manifold's embedding dimension %d for %s",
                 D, N, mf_manifold_name(m));
    if (D > MF_MAX_AMBIENT)
        OP_ERROR(OP_EUSAGE, "--ambient %ld is larger than the maximum %d", D, MF_MAX_AMBIENT);
    e->D = (int)D;
    e->natural = N;
    e->Q = op_malloc(sizeof(double) * (size_t)D * N);
    double *work = op_malloc(sizeof(double) * (size_t)mf_orth_work((int)D, N));
    if (!e->Q || !work) {
        free(work);
        mf_embed_free(e);
        return OP_ENOMEM;
    }
    op_rng r;
    op_rng_seed(&r, seed);
    mf_haar_stiefel(&r, (int)D, N, e->Q, work);
    free(work);
    return OP_OK;
}

void mf_embed_free(mf_embedding *e)
{
    free(e->Q);
    e->Q = NULL;
}

void mf_embed_apply(const mf_embedding *e, long n, const double *Z, double *X)
{
    int D = e->D, N = e->natural;
    const double *Q = e->Q;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        const double *z = Z + i * N;
        double *x = X + i * D;
        for (int a = 0; a < D; a++) {
            double s = 0;
            for (int j = 0; j < N; j++) s += Q[(size_t)a * N + j] * z[j];
            x[a] = s;
        }
    }
}

void mf_embed_pullback(const mf_embedding *e, const double *v, double *w)
{
    int D = e->D, N = e->natural;
    for (int j = 0; j < N; j++) w[j] = 0;
    for (int a = 0; a < D; a++)
        for (int j = 0; j < N; j++) w[j] += e->Q[(size_t)a * N + j] * v[a];
}

void mf_embed_add_noise(long n, int D, double sigma, uint64_t seed, double *X)
{
    if (sigma <= 0) return;
    op_rng root;
    op_rng_seed(&root, seed);
    long nb = (n + 255) / 256;
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++) {
        op_rng r;
        op_rng_child(&r, &root, (uint64_t)b);
        long end = (b + 1) * 256 < n ? (b + 1) * 256 : n;
        for (long i = b * 256; i < end; i++)
            for (int a = 0; a < D; a++) X[i * D + a] += sigma * op_rng_normal(&r);
    }
}
