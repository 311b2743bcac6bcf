/* Dataset assembly (see dataset.h): sample in chunks of CHUNK candidate points, chunk
 * c drawn from op_rng_child(root, c), so the accepted sequence is prefix-stable and
 * independent of the thread count. */
#include "manifolds/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/dataset_cache.h"

#define CHUNK 1024L

/* Candidates drawn before a margin is declared too large (a fresh call's rule). */
static long draw_limit(long n) { return 1000 * n + 100 * CHUNK; }

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

/* Fills rows [have, n) of Z, drawing candidate chunks from chunk c0 on, and records
 * the chunk each row was accepted from. A fresh dataset starts at (0, 0); one that
 * continues a cached prefix starts at the chunk of the prefix's last row with have =
 * the prefix's first row from that chunk, and redraws that chunk's rows bit for bit:
 * chunk c is always drawn from child stream c. The limit check sees the same drawn
 * counts as a fresh call as long as c0 * CHUNK < limit (the caller ensures it). */
static int draw_points(mf_dataset *ds, uint64_t seed, double margin, long c0, long have, long *chunk)
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
    long drawn = c0 * CHUNK, limit = draw_limit(n);
    for (long c = c0; have < n && !st; c++) {
        if (drawn >= limit) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                              "margin %g keeps only %ld of %ld points on %s; lower the margin", margin,
                              have, drawn, mf_manifold_name(ds->m));
            break;
        }
        op_rng r;
        op_rng_child(&r, &root, (uint64_t)c);
        if ((st = mf_manifold_sample(ds->m, &r, CHUNK, buf))) break;
        drawn += CHUNK;
        if (ds->t && mf_target_is_sign(ds->t)) {
            if ((st = mf_target_field(ds->t, CHUNK, buf, g, NULL))) break;
            for (long i = 0; i < CHUNK && have < n; i++)
                if (fabs(g[i]) >= margin) {
                    chunk[have] = c;
                    memcpy(ds->Z + have++ * N, buf + i * N, sizeof(double) * N);
                }
        } else {
            long take = n - have < CHUNK ? n - have : CHUNK;
            memcpy(ds->Z + have * N, buf, sizeof(double) * (size_t)(take * N));
            for (long i = 0; i < take; i++) chunk[have + i] = c;
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

/* ds->t from spec unless already there (cached), and the check that needs it. */
static int parse_target(const mf_dataset_spec *spec, mf_dataset *ds)
{
    if (!ds->t) OP_TRY(mf_target_parse(spec->target, ds->m, spec->target_seed, &ds->t));
    if (mf_target_is_sign(ds->t) && spec->label_noise > 0.5)
        OP_ERROR(OP_EUSAGE, "label noise %g is a flip probability for sign targets; allowed: 0..0.5",
                 spec->label_noise);
    return OP_OK;
}

/* The D-independent rows of a dataset with a target (dataset_cache.h): the longest
 * cached prefix, then the rest drawn and evaluated here (rows [k, n)), then offered
 * back to the cache. Sets ds->t, ds->Z, ds->f, ds->score, ds->candidates and gn. */
static int natural_rows(const mf_dataset_spec *spec, mf_dataset *ds, double *gn, long *chunk)
{
    long n = ds->n, k;
    int N = ds->natural;
    OP_TRY(mf_dcache_lookup(spec, ds, ds->Z, ds->f, gn, chunk, &k));
    /* A prefix whose last row needed as many candidates as a fresh call of n points
     * may draw would make that call fail: leave it to the fresh call (same error). */
    if (k > 0 && chunk[k - 1] * CHUNK >= draw_limit(n)) {
        k = 0;
        free(ds->score);
        ds->score = NULL;
    }
    OP_TRY(parse_target(spec, ds));
    int sign = mf_target_is_sign(ds->t);
    if (sign && !ds->score) {
        ds->score = op_malloc(sizeof(double) * (size_t)n);
        if (!ds->score) return OP_ENOMEM;
    } else if (sign && k < n) { /* the cached prefix's scores, room for the rest */
        double *s = realloc(ds->score, sizeof(double) * (size_t)n);
        if (!s) OP_ERROR(OP_ENOMEM, "out of memory (%ld latent values)", n);
        ds->score = s;
    }
    if (k == n) {
        ds->candidates = (chunk[n - 1] + 1) * CHUNK; /* what a fresh call draws */
        return OP_OK;
    }
    long c0 = k > 0 ? chunk[k - 1] : 0, have = k;
    while (have > 0 && chunk[have - 1] == c0) have--;
    OP_TRY(draw_points(ds, spec->sample_seed, mf_target_margin(ds->t), c0, have, chunk));
    OP_TRY(mf_target_eval(ds->t, n - k, ds->Z + k * N, ds->f + k, gn + k * N));
    if (sign) OP_TRY(mf_target_field(ds->t, n - k, ds->Z + k * N, ds->score + k, NULL));
    mf_dcache_rows r = {n, N, ds->Z, ds->f, gn, ds->score, chunk};
    mf_dcache_insert(spec, ds->t, &r);
    return OP_OK;
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
    /* A key the cache does not hold: the target is built first, as without a cache, so
     * a bad spec is reported before n-sized allocations (which could fail first). */
    if (has_target && !mf_dcache_holds(spec)) OP_TRY(parse_target(spec, ds));
    long n = ds->n;
    int N = ds->natural, D = ds->D;
    ds->Z = op_malloc(sizeof(double) * (size_t)n * N);
    ds->X = op_malloc(sizeof(double) * (size_t)n * D);
    long *chunk = op_malloc(sizeof(long) * (size_t)n);
    double *gn = NULL;
    int st = !ds->Z || !ds->X || !chunk ? OP_ENOMEM : OP_OK;
    if (!st && has_target) {
        ds->f = op_malloc(sizeof(double) * (size_t)n);
        ds->y = op_malloc(sizeof(double) * (size_t)n);
        ds->grad = op_malloc(sizeof(double) * (size_t)n * D);
        gn = op_malloc(sizeof(double) * (size_t)n * N);
        if (!ds->f || !ds->y || !ds->grad || !gn) st = OP_ENOMEM;
        if (!st) st = natural_rows(spec, ds, gn, chunk);
    } else if (!st)
        st = draw_points(ds, spec->sample_seed, 0, 0, 0, chunk);
    if (!st) {
        mf_embed_apply(&ds->emb, n, ds->Z, ds->X);
        mf_embed_add_noise(n, D, spec->ambient_noise,
                           op_hash_combine(spec->sample_seed, op_hash_str("ambient-noise")), ds->X);
    }
    if (!st && ds->t) {
        mf_embed_apply(&ds->emb, n, gn, ds->grad);
        label_noise(ds, spec->label_noise, spec->sample_seed);
    }
    free(gn);
    free(chunk);
    return st;
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
