/* The dataset cache (manifolds/dataset.h, dataset_cache.h): every array of a dataset
 * made through the cache equals, bit for bit, the same dataset made with the cache
 * off, whether the call is a miss, a hit at another D and embed_seed, a shorter
 * prefix of a cached entry or an extension of a shorter one (across candidate chunks;
 * a sign target with a margin, whose rows come from uneven chunks, included), and
 * when several threads make datasets of one key at once; the counters show which
 * path each call took; the memory bound evicts the least recently used entry;
 * OVERPARAM_DATASET_CACHE=0 turns the cache off and a value other than 0 or 1 is a
 * usage error. Small sizes (n <= 2500): the same test at OP_TEST_SCALE=small. */
#include <omp.h>
#include <string.h>

#include "core/op_error.h"
#include "manifolds/dataset.h"
#include "test_util.h"

static mf_dataset make(const char *manifold, const char *target, int D, long n, uint64_t embed_seed)
{
    mf_dataset_spec s = {.manifold = manifold, .D = D, .n = n, .target = target, .ambient_noise = 0.01,
                         .label_noise = 0.1, .target_seed = 11, .embed_seed = embed_seed, .sample_seed = 12};
    mf_dataset ds;
    if (mf_dataset_make(&s, &ds)) {
        printf("FAIL dataset %s %s: %s\n", manifold, target, op_error_message());
        exit(1);
    }
    return ds;
}

static int same_array(const double *a, const double *b, long len)
{
    if (!a || !b) return a == b;
    return memcmp(a, b, sizeof(double) * (size_t)len) == 0;
}

/* every array and count of two datasets, bit for bit */
static int same_dataset(const mf_dataset *a, const mf_dataset *b)
{
    long n = a->n;
    int N = a->natural, D = a->D;
    return a->n == b->n && a->D == b->D && a->natural == b->natural && a->candidates == b->candidates &&
           same_array(a->X, b->X, n * D) && same_array(a->Z, b->Z, n * N) && same_array(a->f, b->f, n) &&
           same_array(a->y, b->y, n) && same_array(a->grad, b->grad, n * D) && same_array(a->score, b->score, n) &&
           strcmp(mf_target_name(a->t), mf_target_name(b->t)) == 0;
}

typedef struct {
    int D;
    long n;
    uint64_t embed_seed;
    const char *what;
} call;

/* Makes the calls in order with the cache off (ref) and then on (out), from a fresh
 * cache; threads > 1 makes the cached ones from that many threads at once. Turning
 * the cache off empties it, so the references come first. */
static void make_calls(const char *manifold, const char *target, const call *calls, int ncalls, int threads,
                       mf_dataset *ref, mf_dataset *out)
{
    mf_dataset_cache_limit(0);
    for (int i = 0; i < ncalls; i++) ref[i] = make(manifold, target, calls[i].D, calls[i].n, calls[i].embed_seed);
    mf_dataset_cache_limit(MF_DATASET_CACHE_BYTES);
    mf_dataset_cache_clear();
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int i = 0; i < ncalls; i++) out[i] = make(manifold, target, calls[i].D, calls[i].n, calls[i].embed_seed);
}

static void check_paths(const char *manifold, const char *target)
{
    enum { NC = 5 };
    const call calls[NC] = {{16, 700, 1, "miss"},
                            {16, 2500, 1, "extension of 700 rows to 2500 (3 chunks)"},
                            {32, 2500, 2, "hit at another D and embed_seed"},
                            {0, 300, 3, "prefix of 300 rows at the natural dimension"},
                            {24, 1024, 4, "prefix ending on a chunk boundary"}};
    mf_dataset ref[NC], out[NC];
    make_calls(manifold, target, calls, NC, 1, ref, out);
    for (int i = 0; i < NC; i++) {
        CHECK(same_dataset(&ref[i], &out[i]), "%s %s, %s: every array bitwise equal to the uncached dataset",
              manifold, target, calls[i].what);
        mf_dataset_free(&ref[i]);
        mf_dataset_free(&out[i]);
    }
    mf_dataset_cache_stats s;
    mf_dataset_cache_stats_get(&s);
    CHECK(s.misses == 1 && s.extended == 1 && s.hits == 3 && s.entries == 1 && s.bytes > 0,
          "%s %s: 1 miss, 1 extension, 3 hits, 1 entry (got %ld, %ld, %ld, %ld; %zu bytes)", manifold, target,
          s.misses, s.extended, s.hits, s.entries, s.bytes);
}

/* Threads making datasets of one key at once (sweeps do): same results as uncached. */
static void check_threads(void)
{
    enum { NC = 8 };
    call calls[NC];
    for (int i = 0; i < NC; i++) calls[i] = (call){8 + 8 * (i % 3), 400 + 300 * (i % 4), 100 + (uint64_t)i, ""};
    mf_dataset ref[NC], out[NC];
    make_calls("torus:d=2", "matern:s=1", calls, NC, 4, ref, out);
    int ok = 1;
    for (int i = 0; i < NC; i++) {
        ok &= same_dataset(&ref[i], &out[i]);
        mf_dataset_free(&ref[i]);
        mf_dataset_free(&out[i]);
    }
    mf_dataset_cache_stats s;
    mf_dataset_cache_stats_get(&s);
    CHECK(ok && s.entries == 1 && s.hits + s.extended + s.misses == NC,
          "8 calls of one key from 4 threads: bitwise equal to uncached, one entry kept (%ld hits, %ld extended, "
          "%ld misses)", s.hits, s.extended, s.misses);
}

static void check_eviction(void)
{
    mf_dataset_cache_limit(MF_DATASET_CACHE_BYTES);
    mf_dataset_cache_clear();
    mf_dataset a = make("torus:d=2", "matern:s=1", 8, 1000, 1);
    mf_dataset_cache_stats one;
    mf_dataset_cache_stats_get(&one);
    /* room for about one entry of this size: the second key evicts the first */
    mf_dataset_cache_limit((long)(one.bytes + one.bytes / 2));
    mf_dataset b = make("torus:d=2", "matern:s=1,ell=0.5", 8, 1000, 1);
    mf_dataset_cache_stats s;
    mf_dataset_cache_stats_get(&s);
    CHECK(s.entries == 1 && s.bytes <= s.limit && s.misses == 2,
          "a bound of 1.5 entries keeps one entry after two keys (%ld entries, %zu <= %zu bytes)", s.entries,
          s.bytes, s.limit);
    mf_dataset a2 = make("torus:d=2", "matern:s=1", 8, 1000, 1);
    mf_dataset_cache_stats_get(&s);
    CHECK(s.misses == 3 && s.hits == 0 && same_dataset(&a, &a2),
          "the least recently used entry was evicted: its key misses again and gives the same dataset");
    mf_dataset_cache_limit(100);
    mf_dataset_cache_stats_get(&s);
    CHECK(s.entries == 0 && s.bytes == 0, "lowering the bound below one entry empties the cache");
    mf_dataset_free(&a);
    mf_dataset_free(&b);
    mf_dataset_free(&a2);
}

static void check_env(void)
{
    setenv("OVERPARAM_DATASET_CACHE", "0", 1);
    CHECK(mf_dataset_cache_limit(-1) == OP_OK, "OVERPARAM_DATASET_CACHE=0 is accepted");
    mf_dataset_cache_clear();
    mf_dataset a = make("torus:d=2", "matern:s=1", 8, 500, 1), b = make("torus:d=2", "matern:s=1", 16, 500, 2);
    mf_dataset_cache_stats s;
    mf_dataset_cache_stats_get(&s);
    CHECK(s.limit == 0 && s.entries == 0 && s.hits == 0 && s.misses == 0,
          "OVERPARAM_DATASET_CACHE=0: nothing cached, nothing looked up (%ld entries, %ld hits)", s.entries, s.hits);
    mf_dataset_free(&a);
    mf_dataset_free(&b);
    setenv("OVERPARAM_DATASET_CACHE", "yes", 1);
    op_error_clear();
    int st = mf_dataset_cache_limit(-1);
    CHECK(st == OP_EUSAGE && strstr(op_error_message(), "OVERPARAM_DATASET_CACHE='yes'"),
          "OVERPARAM_DATASET_CACHE=yes is a usage error naming the value: %s", op_error_message());
    setenv("OVERPARAM_DATASET_CACHE", "1", 1);
    mf_dataset_cache_limit(-1);
    mf_dataset_cache_stats_get(&s);
    CHECK(s.limit == (size_t)MF_DATASET_CACHE_BYTES, "OVERPARAM_DATASET_CACHE=1: the default bound");
    unsetenv("OVERPARAM_DATASET_CACHE");
}

int main(void)
{
    check_paths("torus:d=2", "matern:s=1");
    check_paths("sphere:d=2", "matern:s=1,features=256");
    check_paths("sphere:d=2", "sign:s=1,margin=0.3,features=256");
    check_paths("so3", "teacher:m=6,act=tanh");
    check_threads();
    check_eviction();
    check_env();
    mf_dataset_cache_clear();
    return test_summary("test_mf_dcache");
}
