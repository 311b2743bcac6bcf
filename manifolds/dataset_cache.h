/* Internals of the process-wide dataset cache (dataset_cache.c; the public switches
 * are in dataset.h). Not a public header.
 *
 * What is cached: the part of a dataset that does not depend on D, embed_seed or the
 * noise levels (dataset.h): the built target, the natural-coordinate points Z, the
 * values f, the natural-coordinate gradients gn, the latent field of sign targets and,
 * per point, the candidate chunk it was accepted from. The key is what that part
 * depends on: the manifold spec, the target spec, target_seed and sample_seed (the
 * margin of sign targets is part of the target spec). Label noise, the ambient noise,
 * X and the ambient gradient are redone by every call (cheap, and the label-noise
 * stream is keyed by sample_seed alone, so caching y would be equally right).
 *
 * Points are prefix-stable and every per-point quantity is computed from that point
 * alone (mf_target_eval is a loop over points with no state between them), so an
 * entry of n0 points gives bit for bit the first min(n0, n) points of a dataset of n
 * points; dataset.c draws and evaluates only the rest. */
#ifndef MF_DATASET_CACHE_H
#define MF_DATASET_CACHE_H

#include "manifolds/dataset.h"

/* The D-independent rows [0, n) of one dataset (arrays of ds's layout: Z and gn
 * n x natural, f, score (NULL unless a sign target) and chunk n). */
typedef struct {
    long n;
    int natural;
    const double *Z, *f, *gn, *score;
    const long *chunk;
} mf_dcache_rows;

/* 1 if the cache is on and holds an entry for spec's key (then spec's target parses:
 * that entry was built from it), else 0. */
int mf_dcache_holds(const mf_dataset_spec *spec);
/* With the cache on and a cached entry for spec's key: copies its first
 * min(entry, spec->n) rows into Z, f, gn, chunk (each sized for spec->n rows), sets
 * ds->score (allocated) for sign targets and, if ds->t is NULL, ds->t (a copy of the
 * cached target bound to ds->m), and stores the row count in *rows. Otherwise
 * *rows = 0 and ds is untouched. */
int mf_dcache_lookup(const mf_dataset_spec *spec, mf_dataset *ds, double *Z, double *f, double *gn, long *chunk,
                     long *rows);
/* Offers the rows of a finished dataset (target t) to the cache. Best effort: if the
 * copy cannot be made or does not fit the bound, nothing is cached. */
void mf_dcache_insert(const mf_dataset_spec *spec, const mf_target *t, const mf_dcache_rows *r);

#endif
