/* Loads an MNIST-layout directory of IDX files into float image sets (dataset.h). */
#include "data/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/op_error.h"
#include "core/rng.h"

const char dt_default_fashion_mnist_dir[] = "/usr/share/datasets/fashion-mnist";

static const char *const FILE_NAMES[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

int dt_image_set_from_idx(const char *img_name, const dt_idx *img, const char *lab_name,
                          const dt_idx *lab, int k, uint64_t seed, dt_image_set *out)
{
    memset(out, 0, sizeof *out);
    char dims[160];
    if (img->ndim != 3) {
        dt_idx_dims_str(img, dims, sizeof dims);
        OP_ERROR(OP_EIO, "%s: images need 3 dimensions (count x rows x cols), the file has %d (%s)", img_name,
                 img->ndim, dims);
    }
    if (lab->ndim != 1) {
        dt_idx_dims_str(lab, dims, sizeof dims);
        OP_ERROR(OP_EIO, "%s: labels need 1 dimension (count), the file has %d (%s)", lab_name, lab->ndim, dims);
    }
    if (lab->dims[0] != img->dims[0])
        OP_ERROR(OP_EIO, "%s: %zu labels but %s holds %zu images", lab_name, lab->dims[0], img_name, img->dims[0]);
    /* dims fit in int: their product is at most DT_IDX_MAX_ELEMS = 2^30 */
    int n = (int)img->dims[0], rows = (int)img->dims[1], cols = (int)img->dims[2];
    int maxlab = 0;
    for (int i = 0; i < n; i++)
        if (lab->data[i] > maxlab) maxlab = lab->data[i];
    if (maxlab >= DT_MAX_CLASSES) {
        int at = 0;
        while (lab->data[at] != maxlab) at++;
        OP_ERROR(OP_EIO, "%s: label %d (at index %d) is not below the limit of %d classes", lab_name, maxlab, at,
                 DT_MAX_CLASSES);
    }
    int nclasses = maxlab + 1;
    int *y = malloc(sizeof *y * (size_t)n);
    if (!y) OP_ERROR(OP_ENOMEM, "%s: out of memory (%d labels)", lab_name, n);
    for (int i = 0; i < n; i++) y[i] = lab->data[i];
    int m = k > 0 && k < n ? k : n;
    int *sel = NULL;
    if (m < n) {
        sel = malloc(sizeof *sel * (size_t)m);
        int s = sel ? dt_stratified_subset(y, n, nclasses, m, seed, sel)
                    : op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory (%d indices)", m);
        if (s) {
            free(sel);
            free(y);
            return s;
        }
    }
    int s = dt_image_set_alloc(out, m, rows, cols, nclasses);
    if (s) {
        free(sel);
        free(y);
        return s;
    }
    size_t d = (size_t)rows * (size_t)cols;
    for (int i = 0; i < m; i++) {
        int src = sel ? sel[i] : i;
        const uint8_t *p = img->data + (size_t)src * d;
        float *x = out->x + (size_t)i * d;
        for (size_t j = 0; j < d; j++) x[j] = (float)p[j] / 255.0f; /* exact 0 and 1 at the ends */
        out->y[i] = y[src];
    }
    free(sel);
    free(y);
    return OP_OK;
}

/* dir/name if it exists, else dir/name.gz; OP_EIO naming both if neither does. */
static int find_file(const char *dir, const char *name, char *path, size_t n, int is_default)
{
    struct stat st;
    if ((size_t)snprintf(path, n, "%s/%s", dir, name) >= n) OP_ERROR(OP_EIO, "%s: path is too long", dir);
    if (stat(path, &st) == 0) return OP_OK;
    if ((size_t)snprintf(path, n, "%s/%s.gz", dir, name) >= n) OP_ERROR(OP_EIO, "%s: path is too long", dir);
    if (stat(path, &st) == 0) return OP_OK;
    OP_ERROR(OP_EIO, "%s: neither %s nor %s.gz found%s", dir, name, name,
             is_default ? " (reinstall the Debian package dataset-fashion-mnist, or pass --dataset DIR)" : "");
}

static int check_dir(const char *dir, int is_default)
{
    struct stat st;
    int e = stat(dir, &st) == 0 ? (S_ISDIR(st.st_mode) ? 0 : ENOTDIR) : errno;
    if (e == 0) return OP_OK;
    if (is_default && e == ENOENT)
        OP_ERROR(OP_EIO,
                 "Fashion-MNIST not found in %s (install the Debian package dataset-fashion-mnist, or pass "
                 "--dataset DIR holding the four MNIST-named IDX files)",
                 dir);
    OP_ERROR(OP_EIO, "dataset directory %s: %s (pass --dataset DIR holding the four MNIST-named IDX files)", dir,
             strerror(e));
}

int dt_dataset_identity(const char *dir, char *path, size_t pathlen, char *fp, size_t fplen)
{
    if (!dir) dir = dt_default_fashion_mnist_dir;
    char full[8192];
    if (realpath(dir, full) == NULL) { /* missing: keep the name the user gave, absolute */
        char cwd[4096];
        if (dir[0] == '/' || !getcwd(cwd, sizeof cwd))
            snprintf(full, sizeof full, "%s", dir);
        else
            snprintf(full, sizeof full, "%s/%s", cwd, dir);
    }
    if (strlen(full) >= pathlen)
        OP_ERROR(OP_EUSAGE, "--dataset %s: the resolved path %s is longer than %zu bytes, which run records keep",
                 dir, full, pathlen - 1);
    snprintf(path, pathlen, "%s", full);

    uLong crc = crc32(0L, Z_NULL, 0);
    unsigned long long total = 0;
    enum { HEAD = 64 * 1024 };
    unsigned char *buf = malloc(HEAD);
    int missing = buf == NULL;
    for (int i = 0; i < 4 && !missing; i++) {
        char f[8400];
        struct stat st;
        const char *suffix = "";
        snprintf(f, sizeof f, "%s/%s", full, FILE_NAMES[i]);
        if (stat(f, &st) != 0) { /* the loader's order: plain first, then .gz */
            suffix = ".gz";
            snprintf(f, sizeof f, "%s/%s.gz", full, FILE_NAMES[i]);
            if (stat(f, &st) != 0) {
                missing = 1;
                break;
            }
        }
        FILE *in = fopen(f, "rb");
        if (!in) {
            missing = 1;
            break;
        }
        size_t got = fread(buf, 1, HEAD, in);
        fclose(in);
        char head[128];
        int hl = snprintf(head, sizeof head, "%s%s %lld\n", FILE_NAMES[i], suffix, (long long)st.st_size);
        crc = crc32(crc, (const Bytef *)head, (uInt)hl);
        crc = crc32(crc, buf, (uInt)got);
        total += (unsigned long long)st.st_size;
    }
    free(buf);
    if (missing)
        snprintf(fp, fplen, "missing");
    else
        snprintf(fp, fplen, "crc32:%08lx/%llu", (unsigned long)crc, total);
    return OP_OK;
}

int dt_dataset_load(const char *dir, int max_train, int max_test, uint64_t subset_seed,
                    dt_image_set *train, dt_image_set *test)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (!dir) dir = dt_default_fashion_mnist_dir;
    int is_default = strcmp(dir, dt_default_fashion_mnist_dir) == 0;
    OP_TRY(check_dir(dir, is_default));
    char path[4][4096];
    for (int i = 0; i < 4; i++) OP_TRY(find_file(dir, FILE_NAMES[i], path[i], sizeof path[i], is_default));

    dt_idx f[4];
    memset(f, 0, sizeof f);
    int s = OP_OK;
    for (int i = 0; i < 4 && !s; i++) s = dt_idx_read(path[i], &f[i]);
    if (!s)
        s = dt_image_set_from_idx(path[0], &f[0], path[1], &f[1], max_train,
                                  op_seed_from_key("dataset-subset/train", subset_seed), train);
    if (!s)
        s = dt_image_set_from_idx(path[2], &f[2], path[3], &f[3], max_test,
                                  op_seed_from_key("dataset-subset/test", subset_seed), test);
    if (!s && (train->rows != test->rows || train->cols != test->cols))
        s = op_error_set(OP_EIO, __FILE__, __LINE__, "%s: images are %d x %d but %s has %d x %d", path[2],
                         test->rows, test->cols, path[0], train->rows, train->cols);
    for (int i = 0; i < 4; i++) dt_idx_free(&f[i]);
    if (s) {
        dt_image_set_free(train);
        dt_image_set_free(test);
        return s;
    }
    int nc = train->nclasses > test->nclasses ? train->nclasses : test->nclasses;
    train->nclasses = test->nclasses = nc;
    return OP_OK;
}
