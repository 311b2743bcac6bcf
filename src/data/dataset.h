/* Labelled image sets read from IDX files (the MNIST layout), for the experiments on
 * real data (adversarial robustness vs. network size, Liu et al., ICML 2022).
 *
 * A directory holds four files under the MNIST names, each gzip-compressed (".gz"
 * suffix) or plain:
 *   train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
 * If both "<name>" and "<name>.gz" exist, the plain file is read. Images are n x rows x
 * cols unsigned bytes (any size, same in train and test), labels n unsigned bytes.
 * Pixels become float32 p/255 in [0, 1]; the number of classes is the largest label in
 * train or test plus one (at most DT_MAX_CLASSES). */
#ifndef DT_DATASET_H
#define DT_DATASET_H

#include <stdint.h>

#include "data/idx.h"

#define DT_MAX_CLASSES 100

extern const char dt_default_fashion_mnist_dir[]; /* "/usr/share/datasets/fashion-mnist" */

typedef struct {
    int n, rows, cols, nclasses;
    float *x; /* n x rows x cols, row-major, in [0, 1] */
    int *y;   /* n labels in [0, nclasses) */
} dt_image_set;

/* Loads the training and test sets from `dir` (NULL: dt_default_fashion_mnist_dir).
 * max_train / max_test > 0 and smaller than the file's count take a stratified subset
 * of that size (dt_stratified_subset; the train and test streams are derived from
 * subset_seed with the keys "dataset-subset/train" and "dataset-subset/test");
 * <= 0 or >= the count take every image in file order.
 * Errors: OP_EIO with one line naming the directory or file (missing default directory:
 * names the Debian package dataset-fashion-mnist), OP_ENOMEM. */
int dt_dataset_load(const char *dir, int max_train, int max_test, uint64_t subset_seed,
                    dt_image_set *train, dt_image_set *test);

/* Builds an image set from an images IDX (3 dimensions) and a labels IDX (1 dimension,
 * same count); names are used in messages. k > 0 and < count selects the stratified
 * subset dt_stratified_subset(labels, k, seed), otherwise every image. nclasses is set
 * from the labels of the whole file (not only the subset). */
int dt_image_set_from_idx(const char *img_name, const dt_idx *img, const char *lab_name,
                          const dt_idx *lab, int k, uint64_t seed, dt_image_set *out);

/* Stratified subset: picks k of the n indices (0 < k < n), with class c getting
 * floor(k n_c / n) slots plus one more for the k - sum floor(...) classes with the
 * largest remainders (k n_c mod n; ties to the smaller class), so every class keeps its
 * proportion up to one image. Within class c the first k_c indices of a Fisher-Yates
 * shuffle of that class's indices (file order, stream op_rng_child(seed, c)) are taken.
 * idx[0..k) is written in increasing (file) order. Deterministic for a seed; not nested
 * across different k. OP_EUSAGE if k is out of range or a label is outside
 * [0, nclasses). */
int dt_stratified_subset(const int *y, int n, int nclasses, int k, uint64_t seed, int *idx);

/* 2x2 average pooling: out is floor(rows/2) x floor(cols/2) (an odd last row or column
 * is dropped), out pixel = ((a + b) + (c + d)) / 4 in float; labels are copied.
 * OP_EUSAGE if rows or cols < 2. `out` must not alias `in`. */
int dt_image_set_downsample2(const dt_image_set *in, dt_image_set *out);

/* What a run record names as its data set (store/record.h "identity"), computed once
 * per invocation: *path = `dir` (NULL: the default directory) resolved with realpath,
 * or made absolute if it does not exist; *fp = a content fingerprint of the files
 * dt_dataset_load would read: for each of the four (plain or .gz, as the loader picks)
 * its name, size and first 64 KiB go into one CRC-32, printed "crc32:<8 hex>/<total
 * bytes>". It reads 256 KiB at most, yet tells MNIST from Fashion-MNIST (their files
 * have the same sizes) and notices files replaced in the same directory. A missing
 * directory or file gives "missing" and no error: a run that needs the data reports it.
 * OP_EUSAGE (one line) if the resolved path does not fit in pathlen. */
int dt_dataset_identity(const char *dir, char *path, size_t pathlen, char *fp, size_t fplen);

int dt_image_set_alloc(dt_image_set *s, int n, int rows, int cols, int nclasses);
void dt_image_set_free(dt_image_set *s);

#endif
