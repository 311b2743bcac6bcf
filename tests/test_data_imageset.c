/* Image-set transforms: 2x2 average pooling (exact on 0/1 patterns, odd sizes drop the
 * last row/column) and the stratified subset (class quotas, determinism, uniformity
 * within a class, bad arguments). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "data/dataset.h"
#include "test_util.h"

static void test_downsample_exact(void)
{
    /* 4 x 6 image of 0/1 pixels: every 2x2 block holds 0..4 ones, so the average is
     * exactly 0, .25, .5, .75 or 1 in float. */
    static const float img[4][6] = {{1, 0, 1, 1, 0, 0},
                                    {0, 0, 1, 0, 0, 0},
                                    {1, 1, 1, 1, 0, 1},
                                    {1, 1, 1, 0, 1, 0}};
    static const float want[2][3] = {{0.25f, 0.75f, 0.0f}, {1.0f, 0.75f, 0.5f}};
    dt_image_set in, out;
    dt_image_set_alloc(&in, 2, 4, 6, 3);
    for (int k = 0; k < 2; k++) {
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 6; c++) in.x[k * 24 + r * 6 + c] = k ? 1.0f - img[r][c] : img[r][c];
        in.y[k] = 2 - k;
    }
    int s = dt_image_set_downsample2(&in, &out);
    CHECK(s == OP_OK && out.n == 2 && out.rows == 2 && out.cols == 3 && out.nclasses == 3, "4x6 -> 2x3");
    int exact = 1;
    for (int k = 0; k < 2; k++)
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++) {
                float w = k ? 1.0f - want[r][c] : want[r][c];
                if (out.x[k * 6 + r * 3 + c] != w) exact = 0;
            }
    CHECK(exact, "pooled values are exactly the block averages");
    CHECK(out.y[0] == 2 && out.y[1] == 1, "labels copied");
    dt_image_set_free(&out);
    dt_image_set_free(&in);

    /* 5 x 7 with general values: the 2 x 3 output ignores row 4 and column 6, and
     * matches the double-precision average to float rounding. */
    dt_image_set_alloc(&in, 1, 5, 7, 1);
    for (int j = 0; j < 35; j++) in.x[j] = (float)((j * 37 + 11) % 256) / 255.0f;
    in.y[0] = 0;
    s = dt_image_set_downsample2(&in, &out);
    CHECK(s == OP_OK && out.rows == 2 && out.cols == 3, "5x7 -> 2x3 (odd row/column dropped)");
    double maxerr = 0;
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) {
            double m = ((double)in.x[(2 * r) * 7 + 2 * c] + in.x[(2 * r) * 7 + 2 * c + 1] +
                        in.x[(2 * r + 1) * 7 + 2 * c] + in.x[(2 * r + 1) * 7 + 2 * c + 1]) / 4;
            double e = fabs(out.x[r * 3 + c] - m);
            if (e > maxerr) maxerr = e;
        }
    CHECK(maxerr < 1.2e-7, "5x7 block averages within float rounding (max err %.3g)", maxerr);
    dt_image_set_free(&out);
    dt_image_set_free(&in);

    dt_image_set_alloc(&in, 1, 1, 7, 1);
    op_error_clear();
    s = dt_image_set_downsample2(&in, &out);
    CHECK(s == OP_EUSAGE && strstr(op_error_message(), "1 x 7"), "1x7 cannot be pooled: %s", op_error_message());
    CHECK(out.x == NULL, "no output on error");
    op_error_clear();
    dt_image_set_free(&in);
}

static void count_classes(const int *y, const int *idx, int k, long *cnt, int nc)
{
    memset(cnt, 0, sizeof *cnt * (size_t)nc);
    for (int i = 0; i < k; i++) cnt[y[idx[i]]]++;
}

static void test_subset(void)
{
    enum { N = 100 };
    int y[N], idx[N], idx2[N];
    long cnt[3];
    /* classes 0/1/2 with 50/30/20 members, interleaved */
    for (int i = 0; i < N; i++) y[i] = i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2;
    int s = dt_stratified_subset(y, N, 3, 10, 7, idx);
    count_classes(y, idx, 10, cnt, 3);
    CHECK(s == OP_OK && cnt[0] == 5 && cnt[1] == 3 && cnt[2] == 2, "k=10 of 50/30/20: %ld/%ld/%ld", cnt[0], cnt[1],
          cnt[2]);
    /* k=7: quotas 3.5, 2.1, 1.4 -> floors 3,2,1 and the one left goes to class 0 */
    s = dt_stratified_subset(y, N, 3, 7, 7, idx);
    count_classes(y, idx, 7, cnt, 3);
    CHECK(s == OP_OK && cnt[0] == 4 && cnt[1] == 2 && cnt[2] == 1, "k=7 largest remainder: %ld/%ld/%ld", cnt[0],
          cnt[1], cnt[2]);
    /* k=99: quotas 49.5, 29.7, 19.8 -> 49,29,19 + 2 left to classes 1 and 2 (remainders .7, .8) */
    s = dt_stratified_subset(y, N, 3, 99, 7, idx);
    count_classes(y, idx, 99, cnt, 3);
    CHECK(s == OP_OK && cnt[0] == 49 && cnt[1] == 30 && cnt[2] == 20, "k=99: %ld/%ld/%ld", cnt[0], cnt[1], cnt[2]);
    int sorted = 1;
    for (int i = 1; i < 99; i++)
        if (idx[i] <= idx[i - 1]) sorted = 0;
    CHECK(sorted && idx[0] >= 0 && idx[98] < N, "indices distinct, increasing, in range");

    s = dt_stratified_subset(y, N, 3, 20, 12345, idx);
    dt_stratified_subset(y, N, 3, 20, 12345, idx2);
    CHECK(s == OP_OK && memcmp(idx, idx2, sizeof(int) * 20) == 0, "same seed, same subset");
    dt_stratified_subset(y, N, 3, 20, 12346, idx2);
    CHECK(memcmp(idx, idx2, sizeof(int) * 20) != 0, "another seed, another subset");

    /* Within a class every member is equally likely: class 2 (20 members) gets 4 of
     * 20 slots (k=20), so each member is picked with probability 1/5; over 4000 seeds
     * the count of each is Binomial(4000, 0.2): mean 800, sd 25.3; allow 6 sd. */
    long hits[N] = {0};
    for (int seed = 0; seed < 4000; seed++) {
        dt_stratified_subset(y, N, 3, 20, (uint64_t)seed * 7919u + 1, idx);
        for (int i = 0; i < 20; i++) hits[idx[i]]++;
    }
    long lo = 1L << 30, hi = 0;
    for (int i = 0; i < N; i++)
        if (y[i] == 2) {
            if (hits[i] < lo) lo = hits[i];
            if (hits[i] > hi) hi = hits[i];
        }
    CHECK(lo > 800 - 152 && hi < 800 + 152, "class-2 members picked %ld..%ld times of 4000 (expect 800 +- 152)", lo, hi);

    op_error_clear();
    s = dt_stratified_subset(y, N, 3, N, 1, idx);
    CHECK(s == OP_EUSAGE, "k = n is rejected (%s)", op_error_message());
    op_error_clear();
    s = dt_stratified_subset(y, N, 3, 0, 1, idx);
    CHECK(s == OP_EUSAGE, "k = 0 is rejected");
    op_error_clear();
    s = dt_stratified_subset(y, N, 2, 5, 1, idx);
    CHECK(s == OP_EUSAGE && strstr(op_error_message(), "label 2"), "label >= nclasses is rejected (%s)",
          op_error_message());
    op_error_clear();
}

/* dt_image_set_from_idx with a subset copies exactly the selected images. */
static void test_from_idx_subset(void)
{
    enum { N = 30, R = 2, C = 3 };
    static uint8_t img[N * R * C], lab[N];
    for (int i = 0; i < N * R * C; i++) img[i] = (uint8_t)(i * 7);
    for (int i = 0; i < N; i++) lab[i] = (uint8_t)(i % 3);
    dt_idx a = {.ndim = 3, .dims = {N, R, C}, .count = N * R * C, .data = img};
    dt_idx b = {.ndim = 1, .dims = {N}, .count = N, .data = lab};
    dt_image_set s;
    int st = dt_image_set_from_idx("img", &a, "lab", &b, 9, 99, &s);
    int idx[9];
    int y[N];
    for (int i = 0; i < N; i++) y[i] = lab[i];
    dt_stratified_subset(y, N, 3, 9, 99, idx);
    int same = st == OP_OK && s.n == 9 && s.nclasses == 3;
    for (int i = 0; same && i < 9; i++) {
        if (s.y[i] != y[idx[i]]) same = 0;
        for (int j = 0; j < R * C; j++)
            if (s.x[i * R * C + j] != (float)img[idx[i] * R * C + j] / 255.0f) same = 0;
    }
    CHECK(same, "subset of 9 holds exactly the images dt_stratified_subset picks");
    dt_image_set_free(&s);
}

int main(void)
{
    test_downsample_exact();
    test_subset();
    test_from_idx_subset();
    return test_summary("test_data_imageset");
}
