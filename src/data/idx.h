/* IDX files (the MNIST container format, LeCun et al.): a 4-byte magic
 * 00 00 <type> <ndim>, ndim big-endian uint32 dimension sizes, then the data in
 * row-major order. Only type 0x08 (unsigned byte) is accepted: it is what MNIST,
 * Fashion-MNIST, KMNIST and EMNIST ship.
 *
 * Files may be gzip-compressed (detected by content, 1f 8b, not by name) or plain.
 * Everything is validated: magic, type, 1 <= ndim <= DT_IDX_MAX_DIMS, every dimension
 * > 0, the element count (computed without overflow) <= DT_IDX_MAX_ELEMS, and the data
 * length exactly equal to the element count -- a truncated file, trailing bytes after
 * the data, a truncated or corrupt gzip stream, or bytes after the gzip stream are all
 * errors. Each failure returns OP_EIO with one line "<name>: <what is wrong>". */
#ifndef DT_IDX_H
#define DT_IDX_H

#include <stddef.h>
#include <stdint.h>

#define DT_IDX_MAX_DIMS 8
#define DT_IDX_MAX_ELEMS ((size_t)1 << 30) /* 1 GiB of pixels; Fashion-MNIST train is 47 MB */

typedef struct {
    int ndim;
    size_t dims[DT_IDX_MAX_DIMS];
    size_t count;        /* product of dims = number of data bytes */
    const uint8_t *data; /* count bytes, row-major (last dimension fastest) */
    uint8_t *owned;      /* storage behind data; released by dt_idx_free */
} dt_idx;

/* Reads and validates `path` (gzip or plain). On error *out is left empty. */
int dt_idx_read(const char *path, dt_idx *out);
/* The same from memory (buf is not kept: the data are copied or decompressed).
 * `name` is used in error messages. This is the entry point the fuzzer drives. */
int dt_idx_decode(const char *name, const void *buf, size_t len, dt_idx *out);
void dt_idx_free(dt_idx *a);

/* Writes the dimensions as "60000 x 28 x 28" into buf (always NUL-terminated). */
void dt_idx_dims_str(const dt_idx *a, char *buf, size_t n);

#endif
