/* IDX reader (format and checks: idx.h). Gzip is decoded with zlib's inflate on the
 * whole file in memory rather than gzread: gzread silently ignores bytes after the
 * gzip stream, and an in-memory decoder is what the fuzzer needs anyway. */
#include "data/idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/op_error.h"

#define HEADER_MAX (4 + 4 * DT_IDX_MAX_DIMS)
#define PLAIN_MAX (DT_IDX_MAX_ELEMS + HEADER_MAX) /* largest valid plain IDX file */

static const char *type_name(int t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "not an IDX type";
    }
}

void dt_idx_dims_str(const dt_idx *a, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = 0;
    for (int i = 0; i < a->ndim && off < n; i++) {
        int w = snprintf(buf + off, n - off, i ? " x %zu" : "%zu", a->dims[i]);
        if (w < 0) break;
        off += (size_t)w;
    }
}

/* Validates a plain IDX image in [p, p+len) and fills *v as a view into it
 * (v->owned is not touched). */
static int parse_plain(const char *name, const uint8_t *p, size_t len, dt_idx *v)
{
    if (len < 4) OP_ERROR(OP_EIO, "%s: %zu bytes is too short for an IDX header (4 bytes)", name, len);
    if (p[0] != 0 || p[1] != 0)
        OP_ERROR(OP_EIO, "%s: not an IDX file (starts with %02x %02x %02x %02x; expected 00 00 08 <ndim>)",
                 name, p[0], p[1], p[2], p[3]);
    if (p[2] != 0x08)
        OP_ERROR(OP_EIO, "%s: IDX data type 0x%02x (%s) is not supported; only 0x08 (unsigned byte)", name,
                 p[2], type_name(p[2]));
    int ndim = p[3];
    if (ndim < 1 || ndim > DT_IDX_MAX_DIMS)
        OP_ERROR(OP_EIO, "%s: IDX number of dimensions %d is outside 1..%d", name, ndim, DT_IDX_MAX_DIMS);
    size_t hdr = 4 + 4 * (size_t)ndim;
    if (len < hdr)
        OP_ERROR(OP_EIO, "%s: truncated IDX header: %d dimensions need %zu header bytes, the file has %zu",
                 name, ndim, hdr, len);
    v->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        const uint8_t *q = p + 4 + 4 * i;
        v->dims[i] = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | (size_t)q[3];
        if (v->dims[i] == 0) OP_ERROR(OP_EIO, "%s: IDX dimension %d of %d is 0", name, i + 1, ndim);
    }
    char dims[160];
    dt_idx_dims_str(v, dims, sizeof dims);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        /* count * d <= DT_IDX_MAX_ELEMS, tested by division so nothing can overflow */
        if (v->dims[i] > DT_IDX_MAX_ELEMS / count)
            OP_ERROR(OP_EIO, "%s: IDX dimensions %s exceed the limit of %zu elements", name, dims,
                     DT_IDX_MAX_ELEMS);
        count *= v->dims[i];
    }
    v->count = count;
    size_t have = len - hdr;
    if (have < count)
        OP_ERROR(OP_EIO, "%s: truncated: dimensions %s need %zu data bytes, the file has %zu", name, dims,
                 count, have);
    if (have > count)
        OP_ERROR(OP_EIO, "%s: %zu trailing bytes after the %zu data bytes of dimensions %s", name,
                 have - count, count, dims);
    v->data = p + hdr;
    return OP_OK;
}

static int is_gzip(const uint8_t *p, size_t len) { return len >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

/* Decompresses a whole gzip file (one or more members, nothing after the last) into a
 * malloc'd buffer of at most PLAIN_MAX + 1 bytes (one more than any valid IDX file, so
 * an oversized stream is reported without inflating all of it). */
static int gunzip(const char *name, const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) OP_ERROR(OP_ENOMEM, "%s: cannot initialise zlib", name);
    size_t cap = 4 * inlen + 64; /* a first guess, grown by doubling below */
    if (cap > PLAIN_MAX + 1) cap = PLAIN_MAX + 1;
    uint8_t *buf = malloc(cap);
    size_t n = 0, used = 0; /* bytes produced / consumed */
    int status = OP_OK;
    if (!buf) {
        inflateEnd(&z);
        OP_ERROR(OP_ENOMEM, "%s: out of memory decompressing", name);
    }
    for (;;) {
        if (n == cap) {
            if (cap == PLAIN_MAX + 1) {
                status = op_error_set(OP_EIO, __FILE__, __LINE__,
                                      "%s: decompresses to more than %zu bytes, larger than any IDX file "
                                      "within the limit of %zu elements",
                                      name, (size_t)PLAIN_MAX, DT_IDX_MAX_ELEMS);
                break;
            }
            size_t nc = cap > (PLAIN_MAX + 1) / 2 ? PLAIN_MAX + 1 : 2 * cap;
            uint8_t *nb = realloc(buf, nc);
            if (!nb) {
                status = op_error_set(OP_ENOMEM, __FILE__, __LINE__, "%s: out of memory decompressing", name);
                break;
            }
            buf = nb;
            cap = nc;
        }
        size_t in_chunk = inlen - used < (1u << 30) ? inlen - used : (1u << 30);
        size_t out_chunk = cap - n < (1u << 30) ? cap - n : (1u << 30);
        z.next_in = (Bytef *)(in + used);
        z.avail_in = (uInt)in_chunk;
        z.next_out = buf + n;
        z.avail_out = (uInt)out_chunk;
        int r = inflate(&z, Z_NO_FLUSH);
        used += in_chunk - z.avail_in;
        n += out_chunk - z.avail_out;
        if (r == Z_STREAM_END) {
            if (used == inlen) break;
            /* Another gzip member may follow (concatenated .gz files are valid gzip);
             * anything else is garbage that gzread would silently drop. */
            if (!is_gzip(in + used, inlen - used)) {
                status = op_error_set(OP_EIO, __FILE__, __LINE__,
                                      "%s: %zu trailing bytes after the end of the gzip stream", name,
                                      inlen - used);
                break;
            }
            inflateReset(&z);
            continue;
        }
        if (r == Z_OK) continue;
        if (r == Z_BUF_ERROR && z.avail_out == 0) continue; /* needs more room */
        if (r == Z_BUF_ERROR) {
            status = op_error_set(OP_EIO, __FILE__, __LINE__,
                                  "%s: truncated gzip stream (input ends after %zu decompressed bytes)", name, n);
        } else if (r == Z_MEM_ERROR) {
            status = op_error_set(OP_ENOMEM, __FILE__, __LINE__, "%s: out of memory in zlib", name);
        } else {
            status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s: corrupt gzip data (%s)", name,
                                  z.msg ? z.msg : "unknown zlib error");
        }
        break;
    }
    inflateEnd(&z);
    if (status) {
        free(buf);
        return status;
    }
    *out = buf;
    *outlen = n;
    return OP_OK;
}

/* Takes ownership of `plain` (freed on error). */
static int finish(const char *name, uint8_t *plain, size_t len, dt_idx *out)
{
    dt_idx v;
    memset(&v, 0, sizeof v);
    int s = parse_plain(name, plain, len, &v);
    if (s) {
        free(plain);
        return s;
    }
    v.owned = plain;
    *out = v;
    return OP_OK;
}

int dt_idx_decode(const char *name, const void *buf, size_t len, dt_idx *out)
{
    memset(out, 0, sizeof *out);
    const uint8_t *p = buf;
    if (is_gzip(p, len)) {
        uint8_t *plain = NULL;
        size_t n = 0;
        OP_TRY(gunzip(name, p, len, &plain, &n));
        return finish(name, plain, n, out);
    }
    dt_idx v;
    memset(&v, 0, sizeof v);
    OP_TRY(parse_plain(name, p, len, &v));
    uint8_t *copy = malloc(v.count);
    if (!copy) OP_ERROR(OP_ENOMEM, "%s: out of memory (%zu bytes)", name, v.count);
    memcpy(copy, v.data, v.count);
    v.data = v.owned = copy;
    *out = v;
    return OP_OK;
}

int dt_idx_read(const char *path, dt_idx *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) OP_ERROR(OP_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        OP_ERROR(OP_EIO, "%s: not a regular file", path);
    }
    /* A gzip file is never larger than its contents by more than a small fraction, so
     * PLAIN_MAX bounds both kinds; refuse before reading gigabytes. */
    size_t len = (size_t)st.st_size;
    if ((unsigned long long)st.st_size > (unsigned long long)PLAIN_MAX + PLAIN_MAX / 64) {
        fclose(f);
        OP_ERROR(OP_EIO, "%s: %lld bytes is larger than any IDX file within the limit of %zu elements", path,
                 (long long)st.st_size, DT_IDX_MAX_ELEMS);
    }
    uint8_t *raw = malloc(len ? len : 1);
    if (!raw) {
        fclose(f);
        OP_ERROR(OP_ENOMEM, "%s: out of memory (%zu bytes)", path, len);
    }
    size_t got = fread(raw, 1, len, f);
    int err = ferror(f);
    fclose(f);
    if (err || got != len) {
        free(raw);
        OP_ERROR(OP_EIO, "%s: read error (%zu of %zu bytes)", path, got, len);
    }
    if (!is_gzip(raw, len)) return finish(path, raw, len, out);
    uint8_t *plain = NULL;
    size_t n = 0;
    int s = gunzip(path, raw, len, &plain, &n);
    free(raw);
    if (s) return s;
    return finish(path, plain, n, out);
}

void dt_idx_free(dt_idx *a)
{
    if (!a) return;
    free(a->owned);
    memset(a, 0, sizeof *a);
}
