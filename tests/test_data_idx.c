/* IDX reader and dataset loader on small synthetic files: exact round trips (gzip,
 * plain, multi-member gzip, memory) and every kind of bad file giving OP_EIO with one
 * line that names the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/op_error.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "test_util.h"

static char tmpdir[256];

/* Plain IDX bytes: header for dims[0..nd) with type/magic as given, then data. */
static size_t make_idx(uint8_t *out, int type, int nd, const uint32_t *dims, const uint8_t *data, size_t n)
{
    out[0] = 0;
    out[1] = 0;
    out[2] = (uint8_t)type;
    out[3] = (uint8_t)nd;
    for (int i = 0; i < nd; i++) {
        out[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        out[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        out[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        out[7 + 4 * i] = (uint8_t)dims[i];
    }
    memcpy(out + 4 + 4 * nd, data, n);
    return 4 + 4 * (size_t)nd + n;
}

/* gzip (one member) of buf into out; returns the compressed length. */
static size_t gzip_bytes(const uint8_t *buf, size_t n, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)buf;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int r = deflate(&z, Z_FINISH);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return r == Z_STREAM_END ? len : 0;
}

static void write_file(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n) {
        printf("FAIL cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

static void path_in(char *p, size_t n, const char *sub, const char *name)
{
    snprintf(p, n, "%s/%s/%s", tmpdir, sub, name);
}

static void mkdir_sub(const char *sub)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, sub);
    mkdir(p, 0700);
}

/* Expects dt_idx_read(path) to fail with OP_EIO and a one-line message holding the
 * path and `phrase`. */
static void expect_bad_file(const char *path, const char *phrase, const char *what)
{
    dt_idx a;
    op_error_clear();
    int s = dt_idx_read(path, &a);
    const char *m = op_error_message();
    CHECK(s == OP_EIO, "%s: status %d (want OP_EIO=3)", what, s);
    CHECK(strstr(m, path) && strstr(m, phrase) && !strchr(m, '\n'), "%s: message '%s' names %s and '%s'", what,
          m, path, phrase);
    CHECK(a.data == NULL && a.owned == NULL, "%s: output left empty", what);
    if (getenv("TEST_VERBOSE")) printf("     %s -> %s\n", what, m);
    op_error_clear();
}

static void expect_bad_bytes(const uint8_t *buf, size_t n, const char *phrase, const char *what)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bad/%s", tmpdir, what);
    write_file(path, buf, n);
    expect_bad_file(path, phrase, what);
    /* The memory entry point gives the same verdict. */
    dt_idx a;
    op_error_clear();
    int s = dt_idx_decode("mem", buf, n, &a);
    CHECK(s == OP_EIO && strstr(op_error_message(), phrase), "%s in memory: status %d, '%s'", what, s,
          op_error_message());
    op_error_clear();
}

#define NTR 12
#define NTE 6
#define ROWS 5
#define COLS 7

static uint8_t pix(int set, int i, int r, int c) { return (uint8_t)((set * 101 + i * 37 + r * 7 + c * 3) * 13 % 256); }

/* Writes the four MNIST-named files for a 5x7, 3-class set into tmpdir/sub, gzipped
 * or plain, and returns the pixels and labels in img/lab. */
static void write_dataset(const char *sub, int gz, uint8_t img[2][NTR][ROWS * COLS],
                          uint8_t lab[2][NTR])
{
    mkdir_sub(sub);
    static uint8_t buf[4096], zbuf[8192];
    const char *names[2][2] = {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
                               {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}};
    for (int set = 0; set < 2; set++) {
        int n = set ? NTE : NTR;
        uint8_t data[NTR * ROWS * COLS];
        for (int i = 0; i < n; i++) {
            lab[set][i] = (uint8_t)((i * 5 + set) % 3);
            for (int r = 0; r < ROWS; r++)
                for (int c = 0; c < COLS; c++) data[(i * ROWS + r) * COLS + c] = img[set][i][r * COLS + c] = pix(set, i, r, c);
        }
        img[set][0][0] = data[0] = 0;   /* both ends of the range appear */
        img[set][0][1] = data[1] = 255;
        uint32_t di[3] = {(uint32_t)n, ROWS, COLS}, dl[1] = {(uint32_t)n};
        for (int f = 0; f < 2; f++) {
            size_t len = f == 0 ? make_idx(buf, 8, 3, di, data, (size_t)n * ROWS * COLS)
                                : make_idx(buf, 8, 1, dl, lab[set], (size_t)n);
            char p[512], name[128];
            snprintf(name, sizeof name, "%s%s", names[set][f], gz ? ".gz" : "");
            path_in(p, sizeof p, sub, name);
            if (gz) {
                size_t zl = gzip_bytes(buf, len, zbuf, sizeof zbuf);
                write_file(p, zbuf, zl);
            } else {
                write_file(p, buf, len);
            }
        }
    }
}

static void test_roundtrip(void)
{
    static uint8_t img[2][NTR][ROWS * COLS], lab[2][NTR];
    for (int gz = 0; gz < 2; gz++) {
        const char *sub = gz ? "gz" : "plain";
        write_dataset(sub, gz, img, lab);
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
        dt_image_set tr, te;
        op_error_clear();
        int s = dt_dataset_load(dir, 0, 0, 1, &tr, &te);
        CHECK(s == OP_OK, "%s: load status %d (%s)", sub, s, op_error_message());
        if (s) continue;
        CHECK(tr.n == NTR && te.n == NTE && tr.rows == ROWS && tr.cols == COLS && te.rows == ROWS &&
                  te.cols == COLS && tr.nclasses == 3 && te.nclasses == 3,
              "%s: shapes %d/%d of %dx%d, %d classes", sub, tr.n, te.n, tr.rows, tr.cols, tr.nclasses);
        int exact = 1;
        dt_image_set *sets[2] = {&tr, &te};
        for (int set = 0; set < 2; set++)
            for (int i = 0; i < sets[set]->n; i++) {
                if (sets[set]->y[i] != lab[set][i]) exact = 0;
                for (int j = 0; j < ROWS * COLS; j++)
                    if (sets[set]->x[(size_t)i * ROWS * COLS + j] != (float)img[set][i][j] / 255.0f) exact = 0;
            }
        CHECK(exact, "%s: every pixel is byte/255 and every label matches", sub);
        CHECK(tr.x[0] == 0.0f && tr.x[1] == 1.0f, "%s: bytes 0 and 255 map to exactly 0 and 1", sub);
        dt_image_set_free(&tr);
        dt_image_set_free(&te);
    }
}

/* gzip multi-member (cat a.gz b.gz) is valid gzip and must read as the concatenation. */
static void test_multimember(void)
{
    uint8_t buf[256], z1[512], z2[512], all[1024];
    uint32_t d[2] = {6, 10};
    uint8_t data[60];
    for (int i = 0; i < 60; i++) data[i] = (uint8_t)(i * 17);
    size_t len = make_idx(buf, 8, 2, d, data, 60);
    size_t a = gzip_bytes(buf, 30, z1, sizeof z1), b = gzip_bytes(buf + 30, len - 30, z2, sizeof z2);
    memcpy(all, z1, a);
    memcpy(all + a, z2, b);
    dt_idx x;
    op_error_clear();
    int s = dt_idx_decode("multi", all, a + b, &x);
    CHECK(s == OP_OK && x.ndim == 2 && x.dims[0] == 6 && x.dims[1] == 10 && x.count == 60 &&
              memcmp(x.data, data, 60) == 0,
          "two gzip members read as one IDX file (status %d, %s)", s, op_error_message());
    char ds[64];
    dt_idx_dims_str(&x, ds, sizeof ds);
    CHECK(strcmp(ds, "6 x 10") == 0, "dims string '%s'", ds);
    dt_idx_free(&x);
    /* plain from memory is copied: the buffer may go away */
    s = dt_idx_decode("plain", buf, len, &x);
    memset(buf, 0xEE, sizeof buf);
    CHECK(s == OP_OK && memcmp(x.data, data, 60) == 0, "plain decode copies the data");
    dt_idx_free(&x);
}

static void test_bad_files(void)
{
    mkdir_sub("bad");
    static uint8_t buf[1 << 16], z[1 << 16];
    uint8_t data[2 * 3 * 4];
    for (int i = 0; i < 24; i++) data[i] = (uint8_t)(i * 11);
    uint32_t d3[3] = {2, 3, 4};
    size_t len = make_idx(buf, 8, 3, d3, data, 24);

    expect_bad_bytes(buf, 0, "too short", "empty");
    expect_bad_bytes(buf, 3, "too short", "three-bytes");
    expect_bad_bytes(buf, 10, "truncated IDX header", "cut-header");
    expect_bad_bytes(buf, len - 1, "truncated: dimensions 2 x 3 x 4 need 24 data bytes, the file has 23",
                     "truncated");
    buf[len] = 7;
    expect_bad_bytes(buf, len + 1, "1 trailing bytes", "trailing");

    uint8_t t[64];
    memcpy(t, buf, len);
    t[0] = 0x12;
    expect_bad_bytes(t, len, "not an IDX file", "magic");
    memcpy(t, buf, len);
    t[2] = 0x0D;
    expect_bad_bytes(t, len, "data type 0x0d (float32) is not supported", "type-float");
    t[2] = 0x42;
    expect_bad_bytes(t, len, "data type 0x42", "type-junk");
    memcpy(t, buf, len);
    t[3] = 0;
    expect_bad_bytes(t, len, "number of dimensions 0", "ndim0");
    t[3] = 9;
    expect_bad_bytes(t, len, "number of dimensions 9", "ndim9");

    uint32_t dz[3] = {2, 0, 4};
    size_t l = make_idx(t, 8, 3, dz, data, 0);
    expect_bad_bytes(t, l, "dimension 2 of 3 is 0", "zero-dim");
    uint32_t dh[3] = {60000, 60000, 60000};
    l = make_idx(t, 8, 3, dh, data, 24);
    expect_bad_bytes(t, l, "exceed the limit", "huge-dims");
    /* 2^32-1 in each of 8 dimensions: the product overflows 64 bits */
    uint32_t dm[8] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
                      0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    l = make_idx(t, 8, 8, dm, data, 0);
    expect_bad_bytes(t, l, "exceed the limit", "overflow-dims");
    /* just at the limit but without the data: truncated, not an allocation of 1 GiB */
    uint32_t dl[3] = {1u << 10, 1u << 10, 1u << 10};
    l = make_idx(t, 8, 3, dl, data, 24);
    expect_bad_bytes(t, l, "truncated", "limit-but-short");

    size_t zl = gzip_bytes(buf, len, z, sizeof z);
    expect_bad_bytes(z, zl - 5, "truncated gzip stream", "gz-truncated");
    expect_bad_bytes(z, 10, "truncated gzip stream", "gz-header-only");
    memcpy(z + zl, "garbage", 7);
    expect_bad_bytes(z, zl + 7, "7 trailing bytes after the end of the gzip stream", "gz-trailing");
    uint8_t zc[1 << 12];
    memcpy(zc, z, zl);
    zc[zl - 6] ^= 0x55; /* inside the CRC-32 trailer */
    expect_bad_bytes(zc, zl, "corrupt gzip data", "gz-crc");
    memcpy(zc, z, zl);
    zc[12] ^= 0xFF; /* inside the deflate data */
    expect_bad_bytes(zc, zl, "gzip", "gz-body");
    /* gzip wrapping a truncated IDX: the IDX check runs on the decompressed bytes */
    zl = gzip_bytes(buf, len - 2, z, sizeof z);
    expect_bad_bytes(z, zl, "truncated: dimensions 2 x 3 x 4 need 24 data bytes, the file has 22", "gz-idx-short");

    char p[512];
    snprintf(p, sizeof p, "%s/bad/does-not-exist", tmpdir);
    expect_bad_file(p, "cannot open", "missing");
    snprintf(p, sizeof p, "%s/bad", tmpdir);
    expect_bad_file(p, "not a regular file", "directory");
}

/* Loader-level checks on a directory: writes the plain dataset and then overwrites one
 * file with `bad` bytes; the message must name that file. */
static void expect_bad_dataset(const char *sub, const char *file, const uint8_t *bad, size_t n, const char *phrase)
{
    static uint8_t img[2][NTR][ROWS * COLS], lab[2][NTR];
    write_dataset(sub, 0, img, lab);
    char p[512], dir[512];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
    path_in(p, sizeof p, sub, file);
    if (bad) write_file(p, bad, n);
    else unlink(p);
    dt_image_set tr, te;
    op_error_clear();
    int s = dt_dataset_load(dir, 0, 0, 1, &tr, &te);
    const char *m = op_error_message();
    CHECK(s == OP_EIO, "%s: status %d", sub, s);
    CHECK(strstr(m, bad ? p : dir) && strstr(m, phrase) && !strchr(m, '\n'), "%s: message '%s' names the file and '%s'",
          sub, m, phrase);
    CHECK(tr.x == NULL && te.x == NULL, "%s: nothing returned", sub);
    if (getenv("TEST_VERBOSE")) printf("     %s -> %s\n", sub, m);
    op_error_clear();
}

static void test_bad_datasets(void)
{
    uint8_t buf[4096], lab[NTR + 1];
    for (int i = 0; i <= NTR; i++) lab[i] = (uint8_t)(i % 3);
    uint32_t d1[1] = {NTR - 1};
    size_t l = make_idx(buf, 8, 1, d1, lab, NTR - 1);
    expect_bad_dataset("count-mismatch", "train-labels-idx1-ubyte", buf, l, "11 labels but");
    lab[4] = 150;
    d1[0] = NTR;
    l = make_idx(buf, 8, 1, d1, lab, NTR);
    expect_bad_dataset("label-cap", "train-labels-idx1-ubyte", buf, l, "label 150 (at index 4)");
    uint32_t d2[2] = {NTR, 3};
    uint8_t z[NTR * 3] = {0};
    l = make_idx(buf, 8, 2, d2, z, sizeof z);
    expect_bad_dataset("labels-2d", "train-labels-idx1-ubyte", buf, l, "labels need 1 dimension");
    l = make_idx(buf, 8, 2, d2, z, sizeof z);
    expect_bad_dataset("images-2d", "t10k-images-idx3-ubyte", buf, l, "images need 3 dimensions");
    uint8_t px[NTE * 6 * 6] = {0};
    uint32_t d3[3] = {NTE, 6, 6};
    l = make_idx(buf, 8, 3, d3, px, sizeof px);
    expect_bad_dataset("size-mismatch", "t10k-images-idx3-ubyte", buf, l, "images are 6 x 6 but");
    expect_bad_dataset("missing-file", "t10k-labels-idx1-ubyte", NULL, 0,
                       "neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz found");

    char dir[512];
    snprintf(dir, sizeof dir, "%s/no-such-dir", tmpdir);
    dt_image_set tr, te;
    op_error_clear();
    int s = dt_dataset_load(dir, 0, 0, 1, &tr, &te);
    CHECK(s == OP_EIO && strstr(op_error_message(), dir) && strstr(op_error_message(), "--dataset DIR"),
          "missing directory: status %d, '%s'", s, op_error_message());
    op_error_clear();
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/op-test-data-idx.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL mkdtemp\n");
        return 1;
    }
    test_roundtrip();
    test_multimember();
    test_bad_files();
    test_bad_datasets();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) printf("note: could not remove %s\n", tmpdir);
    return test_summary("test_data_idx");
}
