/* The real Fashion-MNIST from the Debian package dataset-fashion-mnist: shapes, class
 * balance, the first labels and pixel statistics measured once (double sums over the
 * float pixels; they are the well-known 0.2860 / 0.3530 of the training set), a
 * deterministic stratified subset and the 14x14 downsampled preset. Skipped (and
 * counted as passed) only when the package is not installed. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/op_error.h"
#include "data/dataset.h"
#include "test_util.h"

static void stats(const dt_image_set *s, double *mean, double *sd)
{
    size_t np = (size_t)s->n * s->rows * s->cols;
    double sum = 0, sq = 0;
    for (size_t i = 0; i < np; i++) {
        sum += s->x[i];
        sq += (double)s->x[i] * s->x[i];
    }
    *mean = sum / np;
    *sd = sqrt(sq / np - *mean * *mean);
}

static void class_counts(const dt_image_set *s, long *cnt)
{
    memset(cnt, 0, sizeof(long) * 10);
    for (int i = 0; i < s->n; i++) cnt[s->y[i]]++;
}

static int all_equal(const long *cnt, long v)
{
    for (int c = 0; c < 10; c++)
        if (cnt[c] != v) return 0;
    return 1;
}

int main(void)
{
    struct stat st;
    if (stat(dt_default_fashion_mnist_dir, &st) != 0) {
        dt_image_set tr, te;
        op_error_clear();
        int s = dt_dataset_load(NULL, 0, 0, 1, &tr, &te);
        CHECK(s == OP_EIO && strstr(op_error_message(), "install the Debian package dataset-fashion-mnist"),
              "missing package: status %d, '%s'", s, op_error_message());
        printf("skipped: Fashion-MNIST not installed in %s (Debian package dataset-fashion-mnist); "
               "only the missing-package message was checked\n",
               dt_default_fashion_mnist_dir);
        return test_summary("test_data_fashion");
    }

    dt_image_set tr, te;
    int s = dt_dataset_load(NULL, 0, 0, 1, &tr, &te);
    CHECK(s == OP_OK, "load %s: %s", dt_default_fashion_mnist_dir, s ? op_error_message() : "ok");
    if (s) return test_summary("test_data_fashion");
    CHECK(tr.n == 60000 && te.n == 10000, "60000 train / 10000 test images (%d / %d)", tr.n, te.n);
    CHECK(tr.rows == 28 && tr.cols == 28 && te.rows == 28 && te.cols == 28, "28 x 28 pixels");
    CHECK(tr.nclasses == 10 && te.nclasses == 10, "10 classes (%d)", tr.nclasses);
    long cnt[10];
    class_counts(&tr, cnt);
    CHECK(all_equal(cnt, 6000), "6000 training images per class");
    class_counts(&te, cnt);
    CHECK(all_equal(cnt, 1000), "1000 test images per class");
    static const int first_tr[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, first_te[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
    int ok = 1;
    for (int i = 0; i < 10; i++) ok &= tr.y[i] == first_tr[i] && te.y[i] == first_te[i];
    CHECK(ok, "first ten labels of train (9 0 0 3 0 2 7 2 5 5) and test (9 2 1 1 6 1 4 6 5 7)");

    /* Measured: train mean 0.28604060 sd 0.35302425; test mean 0.28684929 sd 0.35244416.
     * A wrong scale (p/256), a dropped or shifted image or a wrong byte order would
     * move these by far more than 1e-6. */
    double m, sd;
    stats(&tr, &m, &sd);
    CHECK(fabs(m - 0.28604060) < 1e-7 && fabs(sd - 0.35302425) < 1e-7, "train mean %.8f sd %.8f", m, sd);
    stats(&te, &m, &sd);
    CHECK(fabs(m - 0.28684929) < 1e-7 && fabs(sd - 0.35244416) < 1e-7, "test mean %.8f sd %.8f", m, sd);
    float lo = 1, hi = 0;
    for (size_t i = 0; i < (size_t)tr.n * 784; i++) {
        if (tr.x[i] < lo) lo = tr.x[i];
        if (tr.x[i] > hi) hi = tr.x[i];
    }
    CHECK(lo == 0.0f && hi == 1.0f, "pixels span exactly [0, 1] (%g..%g)", lo, hi);
    long sum0 = 0;
    for (int j = 0; j < 784; j++) sum0 += lrint(tr.x[j] * 255.0);
    CHECK(sum0 == 76247, "first training image: byte sum %ld (76247)", sum0);

    /* Downsampled preset: 14 x 14, same mean (28 is even, so pooling preserves it). */
    dt_image_set small;
    double m28;
    stats(&tr, &m28, &sd);
    s = dt_image_set_downsample2(&tr, &small);
    stats(&small, &m, &sd);
    CHECK(s == OP_OK && small.rows == 14 && small.cols == 14 && small.n == 60000, "14 x 14 downsampled");
    CHECK(fabs(m - m28) < 1e-6, "downsampling keeps the mean pixel (%.8f vs %.8f)", m, m28);
    dt_image_set_free(&small);
    dt_image_set_free(&tr);
    dt_image_set_free(&te);

    /* Stratified subsets: 1000 / 500 -> exactly 100 / 50 per class, same seed same
     * images, another seed other images. */
    dt_image_set a, b, c, d;
    s = dt_dataset_load(dt_default_fashion_mnist_dir, 1000, 500, 42, &a, &b);
    CHECK(s == OP_OK && a.n == 1000 && b.n == 500 && a.nclasses == 10, "subset load (%d / %d)", a.n, b.n);
    class_counts(&a, cnt);
    CHECK(all_equal(cnt, 100), "100 training images per class");
    class_counts(&b, cnt);
    CHECK(all_equal(cnt, 50), "50 test images per class");
    s = dt_dataset_load(NULL, 1000, 500, 42, &c, &d);
    CHECK(s == OP_OK && memcmp(a.x, c.x, sizeof(float) * 1000 * 784) == 0 && memcmp(a.y, c.y, sizeof(int) * 1000) == 0 &&
              memcmp(b.x, d.x, sizeof(float) * 500 * 784) == 0,
          "same seed: identical subsets");
    dt_image_set_free(&c);
    dt_image_set_free(&d);
    s = dt_dataset_load(NULL, 1000, 500, 43, &c, &d);
    CHECK(s == OP_OK && memcmp(a.x, c.x, sizeof(float) * 1000 * 784) != 0, "seed 43: another subset");
    dt_image_set_free(&a);
    dt_image_set_free(&b);
    dt_image_set_free(&c);
    dt_image_set_free(&d);
    return test_summary("test_data_fashion");
}
