/* libFuzzer harness for the IDX reader (src/data/idx.c) through its in-memory entry
 * point dt_idx_decode, gzip and plain. A file that decodes is then pushed through the
 * loader's later steps: as images (3 dimensions) with labels taken from its own bytes,
 * a stratified subset whose size comes from the data, and 2x2 pooling.
 * Mutations rarely survive gzip's CRC, so a plain input is also gzip-compressed here
 * and decoded again: the result must be the same (differential check of the gzip path,
 * including its buffer growth on highly compressible data).
 * Contract checked (a violation aborts): status OK, EIO or ENOMEM; errors leave the
 * output empty and record one line starting with the name; a decoded file's count is
 * the product of its dims and every byte is readable; image sets hold pixels in [0, 1]
 * and labels in [0, nclasses). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/op_error.h"
#include "data/dataset.h"
#include "data/idx.h"

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_idx: contract violated: %s (message: '%s')\n", what, op_error_message());
        abort();
    }
}

static void check_error(int s, const char *name)
{
    require(s == OP_EIO || s == OP_ENOMEM || s == OP_EUSAGE, "error status is EIO, ENOMEM or EUSAGE");
    const char *m = op_error_message();
    require(strncmp(m, name, strlen(name)) == 0 || s != OP_EIO, "an EIO message starts with the file name");
    require(strchr(m, '\n') == NULL, "the message is one line");
}

static void check_set(const dt_image_set *s)
{
    size_t np = (size_t)s->n * s->rows * s->cols;
    for (size_t i = 0; i < np; i++) require(s->x[i] >= 0.0f && s->x[i] <= 1.0f, "pixels in [0, 1]");
    for (int i = 0; i < s->n; i++) require(s->y[i] >= 0 && s->y[i] < s->nclasses, "labels in [0, nclasses)");
}

static void as_images(const dt_idx *a)
{
    if (a->ndim != 3 || a->count > (1u << 20)) return;
    size_t n = a->dims[0], d = a->dims[1] * a->dims[2];
    /* labels: the first pixel of each image, folded so most inputs stay under the
     * class cap but a byte >= 200 still exercises the cap check */
    uint8_t *lab = malloc(n);
    if (!lab) return;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = a->data[i * d];
        lab[i] = b >= 200 ? b : b % 5;
    }
    dt_idx l = {.ndim = 1, .dims = {n}, .count = n, .data = lab};
    int k = (int)(a->data[a->count - 1] % (n + 1)); /* 0 = every image */
    dt_image_set s, p;
    op_error_clear();
    int st = dt_image_set_from_idx("img", a, "lab", &l, k, a->data[0], &s);
    if (st == OP_OK) {
        require(s.n == (k > 0 && (size_t)k < n ? k : (int)n), "subset size");
        check_set(&s);
        op_error_clear();
        st = dt_image_set_downsample2(&s, &p);
        if (st == OP_OK) {
            require(p.rows == s.rows / 2 && p.cols == s.cols / 2, "pooled size");
            check_set(&p);
            dt_image_set_free(&p);
        } else {
            require(s.rows < 2 || s.cols < 2, "pooling fails only below 2 x 2");
            require(p.x == NULL, "no output on error");
        }
        dt_image_set_free(&s);
    } else {
        check_error(st, "lab");
        require(s.x == NULL && s.y == NULL, "no output on error");
    }
    free(lab);
}

/* decode(gzip(input)) must equal decode(input): same status, dims and bytes. */
static void gzip_differential(const uint8_t *data, size_t size, int s_plain, const dt_idx *plain)
{
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) return; /* already gzip */
    /* One small-window stream for the whole run: a fresh 256 KB deflate state per input
     * would cut the execution rate by an order of magnitude under ASan. */
    static z_stream z;
    static int ready;
    if (!ready) {
        if (deflateInit2(&z, 1, Z_DEFLATED, 16 + 9, 1, Z_DEFAULT_STRATEGY) != Z_OK) return;
        ready = 1;
    }
    deflateReset(&z);
    size_t cap = deflateBound(&z, (uLong)size) + 32;
    uint8_t *gz = malloc(cap);
    if (!gz) return;
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)size;
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    int r = deflate(&z, Z_FINISH);
    size_t len = cap - z.avail_out;
    require(r == Z_STREAM_END, "deflate finished");
    dt_idx b;
    op_error_clear();
    int s = dt_idx_decode("fuzz-input.gz", gz, len, &b);
    require(s == s_plain, "gzip and plain decode agree on the status");
    if (s == OP_OK) {
        require(b.ndim == plain->ndim && b.count == plain->count &&
                    memcmp(b.dims, plain->dims, sizeof b.dims) == 0 && memcmp(b.data, plain->data, b.count) == 0,
                "gzip and plain decode agree on dims and data");
    } else {
        check_error(s, "fuzz-input.gz: ");
    }
    dt_idx_free(&b);
    free(gz);
    op_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dt_idx a;
    op_error_clear();
    int s = dt_idx_decode("fuzz-input", data, size, &a);
    if (s != OP_OK) {
        check_error(s, "fuzz-input: ");
        require(a.data == NULL && a.owned == NULL && a.count == 0, "no output on error");
        gzip_differential(data, size, s, &a);
        return 0;
    }
    gzip_differential(data, size, s, &a);
    size_t prod = 1;
    for (int i = 0; i < a.ndim; i++) prod *= a.dims[i];
    require(a.ndim >= 1 && a.ndim <= DT_IDX_MAX_DIMS && prod == a.count && a.count <= DT_IDX_MAX_ELEMS,
            "decoded dims are consistent");
    unsigned sum = 0;
    for (size_t i = 0; i < a.count; i++) sum += a.data[i]; /* ASan: every byte is owned */
    (void)sum;
    as_images(&a);
    dt_idx_free(&a);
    op_error_clear();
    return 0;
}
