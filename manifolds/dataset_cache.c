/* The process-wide dataset cache (dataset_cache.h, dataset.h): a list of entries in
 * least-recently-used order under one mutex. Sweeps call mf_dataset_make from several
 * OpenMP threads, so the lock guards only lookups, copies and list changes; building
 * an entry's rows (the costly part) happens outside it. Two threads that miss the
 * same key both compute it (the results are bitwise equal) and the longer entry is
 * kept. */
#include "manifolds/dataset_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"

typedef struct dc_entry {
    struct dc_entry *prev, *next; /* head = most recently used */
    char *manifold, *target;      /* the key, with the two seeds */
    uint64_t target_seed, sample_seed;
    long n;
    int natural;
    mf_manifold *m; /* the entry's own copies: the target points at m */
    mf_target *t;
    double *Z, *f, *gn, *score;
    long *chunk;
    size_t bytes;
} dc_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dc_entry *head, *tail;
static size_t total, limit;
static int configured; /* limit read from the environment (or set) */
static long n_hits, n_extended, n_misses, n_entries;

static void entry_free(dc_entry *e)
{
    if (!e) return;
    free(e->manifold);
    free(e->target);
    mf_target_free(e->t);
    mf_manifold_free(e->m);
    free(e->Z);
    free(e->f);
    free(e->gn);
    free(e->score);
    free(e->chunk);
    free(e);
}

static void unlink_entry(dc_entry *e)
{
    if (e->prev) e->prev->next = e->next;
    else head = e->next;
    if (e->next) e->next->prev = e->prev;
    else tail = e->prev;
    e->prev = e->next = NULL;
    total -= e->bytes;
    n_entries--;
}

static void push_front(dc_entry *e)
{
    e->prev = NULL;
    e->next = head;
    if (head) head->prev = e;
    head = e;
    if (!tail) tail = e;
    total += e->bytes;
    n_entries++;
}

/* Moves the entries beyond the bound to *victims (freed after the lock is dropped). */
static void evict(dc_entry **victims)
{
    while (tail && total > limit) {
        dc_entry *e = tail;
        unlink_entry(e);
        e->next = *victims;
        *victims = e;
    }
}

static void free_list(dc_entry *e)
{
    while (e) {
        dc_entry *next = e->next;
        entry_free(e);
        e = next;
    }
}

/* Under the lock. The environment is read once, at first use. */
static int configure(void)
{
    if (configured) return OP_OK;
    const char *v = getenv("OVERPARAM_DATASET_CACHE");
    if (v && *v && strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
        OP_ERROR(OP_EUSAGE, "OVERPARAM_DATASET_CACHE='%s' is not allowed; allowed: 0 (off), 1 (on, the default)",
                 v);
    limit = v && strcmp(v, "0") == 0 ? 0 : (size_t)MF_DATASET_CACHE_BYTES;
    configured = 1;
    return OP_OK;
}

int mf_dataset_cache_limit(long bytes)
{
    dc_entry *victims = NULL;
    pthread_mutex_lock(&lock);
    int st = OP_OK;
    if (bytes >= 0) {
        limit = (size_t)bytes;
        configured = 1;
    } else {
        configured = 0;
        st = configure();
    }
    if (!st) evict(&victims);
    pthread_mutex_unlock(&lock);
    free_list(victims);
    return st;
}

void mf_dataset_cache_clear(void)
{
    pthread_mutex_lock(&lock);
    dc_entry *victims = head;
    head = tail = NULL;
    total = 0;
    n_hits = n_extended = n_misses = n_entries = 0;
    pthread_mutex_unlock(&lock);
    free_list(victims);
}

void mf_dataset_cache_stats_get(mf_dataset_cache_stats *s)
{
    pthread_mutex_lock(&lock);
    *s = (mf_dataset_cache_stats){n_hits, n_extended, n_misses, n_entries, total, limit};
    pthread_mutex_unlock(&lock);
}

static dc_entry *find(const char *manifold, const char *target, uint64_t target_seed, uint64_t sample_seed)
{
    for (dc_entry *e = head; e; e = e->next)
        if (e->target_seed == target_seed && e->sample_seed == sample_seed && strcmp(e->manifold, manifold) == 0 &&
            strcmp(e->target, target) == 0)
            return e;
    return NULL;
}

int mf_dcache_holds(const mf_dataset_spec *spec)
{
    pthread_mutex_lock(&lock);
    int on = !configure() && limit > 0;
    int held = on && find(spec->manifold, spec->target, spec->target_seed, spec->sample_seed) != NULL;
    pthread_mutex_unlock(&lock);
    op_error_clear(); /* a bad OVERPARAM_DATASET_CACHE is reported by the lookup */
    return held;
}

int mf_dcache_lookup(const mf_dataset_spec *spec, mf_dataset *ds, double *Z, double *f, double *gn, long *chunk,
                     long *rows)
{
    *rows = 0;
    pthread_mutex_lock(&lock);
    int st = configure();
    dc_entry *e = st || limit == 0 ? NULL : find(spec->manifold, spec->target, spec->target_seed, spec->sample_seed);
    if (!st && limit > 0 && !e) n_misses++;
    if (e) {
        unlink_entry(e); /* to the front: most recently used */
        push_front(e);
        long k = e->n < spec->n ? e->n : spec->n;
        int N = e->natural;
        double *score = NULL;
        if (e->score && !(score = op_malloc(sizeof(double) * (size_t)k))) st = OP_ENOMEM;
        if (!st && !ds->t) st = mf_target_clone(e->t, ds->m, &ds->t);
        if (!st) {
            memcpy(Z, e->Z, sizeof(double) * (size_t)k * N);
            memcpy(f, e->f, sizeof(double) * (size_t)k);
            memcpy(gn, e->gn, sizeof(double) * (size_t)k * N);
            memcpy(chunk, e->chunk, sizeof(long) * (size_t)k);
            if (score) memcpy(score, e->score, sizeof(double) * (size_t)k);
            ds->score = score;
            *rows = k;
            if (k == spec->n) n_hits++;
            else n_extended++;
        } else
            free(score);
    }
    pthread_mutex_unlock(&lock);
    return st;
}

static void *dup_rows(const void *src, size_t bytes, int *failed)
{
    if (!src) return NULL;
    void *p = malloc(bytes);
    if (p)
        memcpy(p, src, bytes);
    else
        *failed = 1;
    return p;
}

/* A copy of the rows with its own manifold and target; NULL if memory runs out (the
 * error state is left clear: caching is best effort). */
static dc_entry *entry_make(const mf_dataset_spec *spec, const mf_target *t, const mf_dcache_rows *r)
{
    dc_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    size_t n = (size_t)r->n, N = (size_t)r->natural;
    int failed = 0;
    e->manifold = dup_rows(spec->manifold, strlen(spec->manifold) + 1, &failed);
    e->target = dup_rows(spec->target, strlen(spec->target) + 1, &failed);
    e->target_seed = spec->target_seed;
    e->sample_seed = spec->sample_seed;
    e->n = r->n;
    e->natural = r->natural;
    e->Z = dup_rows(r->Z, sizeof(double) * n * N, &failed);
    e->f = dup_rows(r->f, sizeof(double) * n, &failed);
    e->gn = dup_rows(r->gn, sizeof(double) * n * N, &failed);
    e->score = dup_rows(r->score, sizeof(double) * n, &failed);
    e->chunk = dup_rows(r->chunk, sizeof(long) * n, &failed);
    if (!failed && mf_manifold_parse(spec->manifold, &e->m)) failed = 1;
    if (!failed && mf_target_clone(t, e->m, &e->t)) failed = 1;
    if (failed) {
        op_error_clear();
        entry_free(e);
        return NULL;
    }
    e->bytes = sizeof *e + strlen(e->manifold) + strlen(e->target) + 2 + mf_target_bytes(e->t) +
               sizeof(double) * n * (2 * N + 1 + (r->score ? 1 : 0)) + sizeof(long) * n;
    return e;
}

void mf_dcache_insert(const mf_dataset_spec *spec, const mf_target *t, const mf_dcache_rows *r)
{
    pthread_mutex_lock(&lock);
    int on = !configure() && limit > 0;
    pthread_mutex_unlock(&lock);
    if (!on) {
        op_error_clear();
        return;
    }
    dc_entry *e = entry_make(spec, t, r), *victims = NULL;
    if (!e) return;
    pthread_mutex_lock(&lock);
    dc_entry *old = find(spec->manifold, spec->target, spec->target_seed, spec->sample_seed);
    if (old && old->n >= e->n) { /* another thread got there first with as many rows */
        e->next = victims;
        victims = e;
    } else if (e->bytes > limit) {
        e->next = victims;
        victims = e;
    } else {
        if (old) {
            unlink_entry(old);
            old->next = victims;
            victims = old;
        }
        push_front(e);
        evict(&victims);
    }
    pthread_mutex_unlock(&lock);
    free_list(victims);
}
