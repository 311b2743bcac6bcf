/* Dataset assembly (see dataset.h): sample in chunks of CHUNK candidate points, chunk
 * c drawn from op_rng_child(root, c), so the accepted sequence is prefix-stable and
 * independent of the thread count. */
#include "manifolds/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"

#define CHUNK 1024L

void mf_dataset_free(mf_dataset *ds)
{
    free(ds->X);
    free(ds->f);
    free(ds->y);
    free(ds->grad);
    free(ds->Z);
    free(ds->score);
    mf_target_free(ds->t);
    mf_manifold_free(ds->m);
    mf_embed_free(&ds->emb);
    memset(ds, 0, sizeof *ds);
}

static int draw_points(mf_dataset *ds, uint64_t seed, double margin)
{
    int N = ds->natural;
    long n = ds->n;
    op_rng root;
    op_rng_seed(&root, op_hash_combine(seed, op_hash_str("points")));
    double *buf = op_malloc(sizeof(double) * (size_t)CHUNK * N);
    double *g = op_malloc(sizeof(double) * (size_t)CHUNK);
    if (!buf || !g) {
        free(buf);
        free(g);
        return OP_ENOMEM;
    }
    int st = OP_OK;
    long have = 0, drawn = 0, limit = 1000 * n + 100 * CHUNK;
    for (uint64_t c = 0; have < n && !st; c++) {
        if (drawn >= limit) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                              "margin %g keeps only %ld of %ld points on %s; lower the margin", margin,
                              have, drawn, mf_manifold_name(ds->m));
            break;
        }
        op_rng r;
        op_rng_child(&r, &root, c);
        if ((st = mf_manifold_sample(ds->m, &r, CHUNK, buf))) break;
        drawn += CHUNK;
        if (ds->t && mf_target_is_sign(ds->t)) {
            if ((st = mf_target_field(ds->t, CHUNK, buf, g, NULL))) break;
            for (long i = 0; i < CHUNK && have < n; i++)
                if (fabs(g[i]) >= margin) memcpy(ds->Z + have++ * N, buf + i * N, sizeof(double) * N);
        } else {
            long take = n - have < CHUNK ? n - have : CHUNK;
            memcpy(ds->Z + have * N, buf, sizeof(double) * (size_t)(take * N));
            have += take;
        }
    }
    ds->candidates = drawn;
    free(buf);
    free(g);
    return st;
}

static void label_noise(mf_dataset *ds, double sigma, uint64_t seed)
{
    long n = ds->n;
    memcpy(ds->y, ds->f, sizeof(double) * (size_t)n);
    if (sigma <= 0) return;
    int sign = mf_target_is_sign(ds->t);
    op_rng root;
    op_rng_seed(&root, op_hash_combine(seed, op_hash_str("label-noise")));
    long nb = (n + 255) / 256;
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; b++) {
        op_rng r;
        op_rng_child(&r, &root, (uint64_t)b);
        long end = (b + 1) * 256 < n ? (b + 1) * 256 : n;
        for (long i = b * 256; i < end; i++) {
            if (sign)
                ds->y[i] = op_rng_uniform(&r) < sigma ? -ds->f[i] : ds->f[i];
            else
                ds->y[i] += sigma * op_rng_normal(&r);
        }
    }
}

static int make(const mf_dataset_spec *spec, mf_dataset *ds)
{
    if (spec->n < 1 || spec->n > 1000000000L)
        OP_ERROR(OP_EUSAGE, "number of points %ld is out of range; allowed: 1..1000000000", spec->n);
    if (!(spec->ambient_noise >= 0) || !isfinite(spec->ambient_noise))
        OP_ERROR(OP_EUSAGE, "ambient noise %g is not allowed; allowed: a finite number >= 0",
                 spec->ambient_noise);
    if (!(spec->label_noise >= 0) || !isfinite(spec->label_noise))
        OP_ERROR(OP_EUSAGE, "label noise %g is not allowed; allowed: a finite number >= 0",
                 spec->label_noise);
    if (spec->D < 0) OP_ERROR(OP_EUSAGE, "--ambient %d is negative", spec->D);
    OP_TRY(mf_manifold_parse(spec->manifold, &ds->m));
    ds->n = spec->n;
    ds->d = mf_manifold_dim(ds->m);
    ds->natural = mf_manifold_natural_dim(ds->m);
    ds->D = spec->D ? spec->D : ds->natural;
    OP_TRY(mf_embed_make(ds->m, ds->D, spec->embed_seed, &ds->emb));
    int has_target = spec->target && *spec->target && strcmp(spec->target, "none") != 0;
    if (has_target) {
        OP_TRY(mf_target_parse(spec->target, ds->m, spec->target_seed, &ds->t));
        if (mf_target_is_sign(ds->t) && spec->label_noise > 0.5)
            OP_ERROR(OP_EUSAGE, "label noise %g is a flip probability for sign targets; allowed: 0..0.5",
                     spec->label_noise);
    }
    long n = ds->n;
    int N = ds->natural, D = ds->D;
    ds->Z = op_malloc(sizeof(double) * (size_t)n * N);
    ds->X = op_malloc(sizeof(double) * (size_t)n * D);
    if (!ds->Z || !ds->X) return OP_ENOMEM;
    OP_TRY(draw_points(ds, spec->sample_seed, ds->t ? mf_target_margin(ds->t) : 0));
    mf_embed_apply(&ds->emb, n, ds->Z, ds->X);
    mf_embed_add_noise(n, D, spec->ambient_noise,
                       op_hash_combine(spec->sample_seed, op_hash_str("ambient-noise")), ds->X);
    if (!ds->t) return OP_OK;
    ds->f = op_malloc(sizeof(double) * (size_t)n);
    ds->y = op_malloc(sizeof(double) * (size_t)n);
    ds->grad = op_malloc(sizeof(double) * (size_t)n * D);
    double *gn = op_malloc(sizeof(double) * (size_t)n * N);
    if (!ds->f || !ds->y || !ds->grad || !gn) {
        free(gn);
        return OP_ENOMEM;
    }
    int st = mf_target_eval(ds->t, n, ds->Z, ds->f, gn);
    if (!st) mf_embed_apply(&ds->emb, n, gn, ds->grad);
    free(gn);
    OP_TRY(st);
    if (mf_target_is_sign(ds->t)) {
        ds->score = op_malloc(sizeof(double) * (size_t)n);
        if (!ds->score) return OP_ENOMEM;
        OP_TRY(mf_target_field(ds->t, n, ds->Z, ds->score, NULL));
    }
    label_noise(ds, spec->label_noise, spec->sample_seed);
    return OP_OK;
}

int mf_dataset_make(const mf_dataset_spec *spec, mf_dataset *out)
{
    memset(out, 0, sizeof *out);
    int st = make(spec, out);
    if (st) mf_dataset_free(out);
    return st;
}

int mf_dataset_tangent_project(const mf_dataset *ds, long i, const double *v, double *out)
{
    if (i < 0 || i >= ds->n) OP_ERROR(OP_EUSAGE, "point index %ld is outside 0..%ld", i, ds->n - 1);
    double *w = op_malloc(sizeof(double) * (size_t)ds->natural);
    if (!w) return OP_ENOMEM;
    mf_embed_pullback(&ds->emb, v, w);
    int st = mf_manifold_tangent_apply(ds->m, ds->Z + i * ds->natural, w, w);
    if (!st) mf_embed_apply(&ds->emb, 1, w, out);
    free(w);
    return st;
}
