/* Image-set storage and the two transforms the presets use: a stratified,
 * seed-deterministic subset and 2x2 average pooling (dataset.h). */
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "data/dataset.h"

int dt_image_set_alloc(dt_image_set *s, int n, int rows, int cols, int nclasses)
{
    memset(s, 0, sizeof *s);
    if (n < 1 || rows < 1 || cols < 1 || nclasses < 1)
        OP_ERROR(OP_EINTERNAL, "image set %d x %d x %d with %d classes", n, rows, cols, nclasses);
    size_t npix = (size_t)n * (size_t)rows * (size_t)cols;
    s->x = malloc(sizeof *s->x * npix);
    s->y = malloc(sizeof *s->y * (size_t)n);
    if (!s->x || !s->y) {
        dt_image_set_free(s);
        OP_ERROR(OP_ENOMEM, "out of memory for %d images of %d x %d", n, rows, cols);
    }
    s->n = n;
    s->rows = rows;
    s->cols = cols;
    s->nclasses = nclasses;
    return OP_OK;
}

void dt_image_set_free(dt_image_set *s)
{
    if (!s) return;
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof *s);
}

int dt_stratified_subset(const int *y, int n, int nclasses, int k, uint64_t seed, int *idx)
{
    if (nclasses < 1 || nclasses > DT_MAX_CLASSES)
        OP_ERROR(OP_EUSAGE, "subset: %d classes is outside 1..%d", nclasses, DT_MAX_CLASSES);
    if (k < 1 || k >= n) OP_ERROR(OP_EUSAGE, "subset size %d is outside 1..%d", k, n - 1);
    long long cnt[DT_MAX_CLASSES] = {0}, quota[DT_MAX_CLASSES], rem[DT_MAX_CLASSES];
    for (int i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= nclasses)
            OP_ERROR(OP_EUSAGE, "subset: label %d at index %d is outside 0..%d", y[i], i, nclasses - 1);
        cnt[y[i]]++;
    }
    long long left = k;
    for (int c = 0; c < nclasses; c++) {
        quota[c] = (long long)k * cnt[c] / n; /* k, cnt < 2^31: no overflow */
        rem[c] = (long long)k * cnt[c] % n;
        left -= quota[c];
    }
    /* Largest remainder: `left` < nclasses classes get one more (each has rem > 0). */
    for (; left > 0; left--) {
        int best = -1;
        for (int c = 0; c < nclasses; c++)
            if (rem[c] > 0 && (best < 0 || rem[c] > rem[best])) best = c;
        quota[best]++;
        rem[best] = 0;
    }
    char *take = calloc((size_t)n, 1);
    int *members = malloc(sizeof *members * (size_t)n);
    if (!take || !members) {
        free(take);
        free(members);
        OP_ERROR(OP_ENOMEM, "subset: out of memory (%d indices)", n);
    }
    op_rng root;
    op_rng_seed(&root, seed);
    for (int c = 0; c < nclasses; c++) {
        if (quota[c] == 0) continue;
        int m = 0;
        for (int i = 0; i < n; i++)
            if (y[i] == c) members[m++] = i;
        op_rng r;
        op_rng_child(&r, &root, (uint64_t)c);
        op_rng_shuffle(&r, members, m);
        for (long long j = 0; j < quota[c]; j++) take[members[j]] = 1;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (take[i]) idx[m++] = i;
    free(take);
    free(members);
    if (m != k) OP_ERROR(OP_EINTERNAL, "subset: selected %d of %d", m, k);
    return OP_OK;
}

int dt_image_set_downsample2(const dt_image_set *in, dt_image_set *out)
{
    memset(out, 0, sizeof *out);
    if (in->rows < 2 || in->cols < 2)
        OP_ERROR(OP_EUSAGE, "cannot downsample %d x %d images 2x2 (need at least 2 x 2)", in->rows, in->cols);
    int R = in->rows / 2, C = in->cols / 2;
    OP_TRY(dt_image_set_alloc(out, in->n, R, C, in->nclasses));
    size_t din = (size_t)in->rows * in->cols, dout = (size_t)R * C;
    for (int i = 0; i < in->n; i++) {
        const float *p = in->x + (size_t)i * din;
        float *q = out->x + (size_t)i * dout;
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++) {
                const float *a = p + (size_t)(2 * r) * in->cols + 2 * c, *b = a + in->cols;
                q[(size_t)r * C + c] = ((a[0] + a[1]) + (b[0] + b[1])) * 0.25f;
            }
        out->y[i] = in->y[i];
    }
    return OP_OK;
}
