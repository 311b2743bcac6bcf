/* Intrinsic-dimension estimators recover d on every manifold kind at D = natural,
 * 64 and 256 (n = 2000, MLE k = 10..20): within 0.3 for d <= 3 and within 10% above;
 * full-dimensional balls give about D (they underestimate as d grows: ball:d=8 in R^8
 * must give >= 6.5, ball:d=10 in R^10 >= 8); exact duplicates are ignored; k-NN is
 * exact and thread-count independent.
 *
 * Sizes (OP_TEST_SCALE, tests/test_util.h): the small variant (sanitizers, valgrind)
 * keeps n = 2000 and every tolerance, and runs the recovery table at D = natural only
 * instead of natural, 64 and 256. The embedding is an isometry, so the k-NN distances,
 * hence the estimates, do not depend on D (up to rounding), and the exact k-NN costs
 * n^2 D: this is 30x cheaper and checks the same estimates; the embedded code path
 * still runs in the noise control and the duplicates check (R^16). */
#include <omp.h>
#include <string.h>

#include "manifolds/dataset.h"
#include "manifolds/intdim.h"
#include "test_mf_common.h"
#include "test_util.h"

static mf_dataset make(const char *spec, int D, long n, uint64_t seed)
{
    mf_dataset_spec s = {.manifold = spec, .D = D, .n = n, .sample_seed = seed, .embed_seed = seed + 1};
    mf_dataset ds;
    if (mf_dataset_make(&s, &ds)) {
        printf("FAIL dataset %s: %s\n", spec, op_error_message());
        exit(1);
    }
    return ds;
}

static void check_recovery(void)
{
    const char *specs[] = {"sphere:d=1", "sphere:d=2", "sphere:d=5", "torus:d=2", "torus:d=3", "ball:d=3",
                           "so3", "so:n=4", "stiefel:k=2,n=4", "grassmann:k=2,n=4", "swissroll", "helix",
                           "moebius", "klein", "sphere:d=1*torus:d=1"};
    int Ds[3] = {0, 64, 256}, nD = 3;
    if (test_small()) nD = 1;
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++)
        for (int j = 0; j < nD; j++) {
            mf_dataset ds = make(specs[s], Ds[j], 2000, 1);
            double mle, two;
            mf_intdim_mle(ds.X, ds.n, ds.D, 10, 20, &mle);
            mf_intdim_twonn(ds.X, ds.n, ds.D, &two);
            double tol = ds.d <= 3 ? 0.3 : 0.1 * ds.d;
            CHECK(fabs(mle - ds.d) <= tol && fabs(two - ds.d) <= tol,
                  "%s in R^%d: d = %d, MLE %.2f, TwoNN %.2f (tolerance %.2f)", specs[s], ds.D, ds.d, mle,
                  two, tol);
            mf_dataset_free(&ds);
        }
}

static void check_full_dimensional(void)
{
    struct {
        const char *spec;
        double lo;
    } c[] = {{"ball:d=8", 6.5}, {"ball:d=10", 8.0}};
    for (int i = 0; i < 2; i++) {
        mf_dataset ds = make(c[i].spec, 0, 2000, 5);
        double mle, two;
        mf_intdim_mle(ds.X, ds.n, ds.D, 10, 20, &mle);
        mf_intdim_twonn(ds.X, ds.n, ds.D, &two);
        CHECK(mle >= c[i].lo && two >= c[i].lo && mle <= ds.D + 0.5 && two <= ds.D + 0.5,
              "%s in R^%d (full-dimensional): MLE %.2f, TwoNN %.2f in [%.1f, %.1f]", c[i].spec, ds.D, mle,
              two, c[i].lo, ds.D + 0.5);
        mf_dataset_free(&ds);
    }
    /* ambient noise fills the space: sphere:d=2 in R^16 with noise 0.3 no longer looks 2-D */
    mf_dataset_spec s = {.manifold = "sphere:d=2", .D = 16, .n = 2000, .ambient_noise = 0.3,
                         .sample_seed = 3, .embed_seed = 4};
    mf_dataset ds;
    mf_dataset_make(&s, &ds);
    double mle;
    mf_intdim_mle(ds.X, ds.n, ds.D, 10, 20, &mle);
    CHECK(mle > 5, "control: sphere:d=2 in R^16 with ambient noise 0.3 gives MLE %.2f > 5", mle);
    mf_dataset_free(&ds);
}

static void check_duplicates_and_threads(void)
{
    mf_dataset ds = make("torus:d=2", 16, 1000, 9);
    double *X2 = malloc(sizeof(double) * 2000 * 16);
    memcpy(X2, ds.X, sizeof(double) * 1000 * 16);
    memcpy(X2 + 1000 * 16, ds.X, sizeof(double) * 1000 * 16); /* every point twice */
    double a, b, a2, b2;
    mf_intdim_twonn(ds.X, 1000, 16, &a);
    mf_intdim_twonn(X2, 2000, 16, &a2);
    mf_intdim_mle(ds.X, 1000, 16, 10, 20, &b);
    mf_intdim_mle(X2, 2000, 16, 10, 20, &b2);
    CHECK(a == a2 && b == b2, "duplicates removed: TwoNN %.4f vs %.4f, MLE %.4f vs %.4f (equal)", a, a2, b, b2);
    /* exact k-NN against a naive sort of one row */
    double *dist = malloc(sizeof(double) * 1000 * 5), *all = malloc(sizeof(double) * 1000);
    mf_knn(ds.X, 1000, 16, 5, dist, NULL);
    int bad = 0;
    for (long i = 0; i < 1000; i += 97) {
        long m = 0;
        for (long j = 0; j < 1000; j++) {
            if (j == i) continue;
            double s = 0;
            for (int t = 0; t < 16; t++) s += pow(ds.X[i * 16 + t] - ds.X[j * 16 + t], 2);
            all[m++] = sqrt(s);
        }
        qsort(all, (size_t)m, sizeof(double), mf_cmp_d);
        for (int k = 0; k < 5; k++)
            if (fabs(all[k] - dist[i * 5 + k]) > 1e-12) bad++;
    }
    CHECK(bad == 0, "k-NN distances equal a naive sort (%d mismatches)", bad);
    omp_set_num_threads(1);
    double c1, e1;
    mf_intdim_mle(ds.X, 1000, 16, 10, 20, &c1);
    mf_intdim_twonn(ds.X, 1000, 16, &e1);
    omp_set_num_threads(2);
    CHECK(c1 == b && e1 == a, "estimates identical with 1 and 2 threads (%.17g, %.17g)", c1, e1);
    free(X2), free(dist), free(all);
    mf_dataset_free(&ds);
}

int main(void)
{
    check_recovery();
    check_full_dimensional();
    check_duplicates_and_threads();
    return test_summary("test_mf_intdim");
}
