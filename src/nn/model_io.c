/* The model file format (version 1, little-endian; see docs/engine.md, "Model files"):
 *   0   char[4]  "OVPM"
 *   4   uint32   version (1)
 *   8   uint32   kind (0 convresnet1d, 1 convresnet2d, 2 mlp)
 *   12  uint32   element size of the arrays (4 = float32, 8 = float64)
 *   16  uint32   number of tensors T
 *   20  uint32   0 (reserved)
 *   24  uint64   parameter count (sum of the tensor sizes)
 *   32  int32[16] in_dim, outputs, D, H, W, C, K, L, M, head (0 fc, 1 pool), zero_init_last,
 *                 width, depth, bias, param (0 standard, 1 ntk, 2 mf), 0
 *   96  float64[4] res_scale, bias_scale, 0, 0
 *   128 T x 64-byte records: char name[40] (NUL padded), int32 ndim, int32 shape[4], uint32 0
 *   128 + 64 T: the arrays, in table order, each row-major (C order) with its shape.
 * Plus .npy writing for `overparam model export|grad`. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "nn.h"
#include "nn_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model_io.c writes the host's float layout: port the array writer for big-endian hosts"
#endif

#define NN_FILE_VERSION 1
#define NN_HEADER_BYTES 128
#define NN_RECORD_BYTES 64

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

int nn_model_save(const nn_model *m, const char *path)
{
    const nn_config *c = &m->cfg;
    for (int l = 0; c->kind == NN_MLP && l <= c->depth; l++)
        if (c->weight_scale[l] > 0)
            OP_ERROR(OP_EUSAGE, "'%s': the model file format has no field for weight_scale (layer %d)",
                     path, l);
    const size_t es = m->prec == NN_F32 ? 4 : 8;
    const size_t T = (size_t)m->ntensors;
    const size_t len = NN_HEADER_BYTES + NN_RECORD_BYTES * T + es * m->nparams;
    unsigned char *b = op_calloc(1, len);
    if (!b) return OP_ENOMEM;
    memcpy(b, "OVPM", 4);
    put32(b + 4, NN_FILE_VERSION);
    put32(b + 8, (uint32_t)c->kind);
    put32(b + 12, (uint32_t)es);
    put32(b + 16, (uint32_t)T);
    put64(b + 24, m->nparams);
    int32_t ints[16] = {c->in_dim, c->outputs, c->D, c->H, c->W, c->C, c->K, c->L, c->M,
                        (int32_t)c->head, c->zero_init_last, c->width, c->depth, c->bias,
                        (int32_t)c->param, 0};
    memcpy(b + 32, ints, sizeof ints);
    double reals[4] = {c->res_scale, c->bias_scale, 0, 0};
    memcpy(b + 96, reals, sizeof reals);
    for (size_t i = 0; i < T; i++) {
        unsigned char *r = b + NN_HEADER_BYTES + NN_RECORD_BYTES * i;
        const nn_tensor *t = &m->tensors[i];
        memcpy(r, t->name, strlen(t->name)); /* < 40 bytes, rest stays 0 */
        int32_t dims[5] = {t->ndim, t->shape[0], t->shape[1], t->shape[2], t->shape[3]};
        memcpy(r + 40, dims, sizeof dims);
    }
    memcpy(b + NN_HEADER_BYTES + NN_RECORD_BYTES * T, m->params, es * m->nparams);
    int st = op_write_atomic(path, b, len);
    free(b);
    return st;
}

int nn_model_load(const char *path, int prec, int max_batch, nn_model **out)
{
    *out = NULL;
    char *data = NULL;
    size_t len = 0;
    OP_TRY(op_read_file(path, &data, &len));
    const unsigned char *b = (const unsigned char *)data;
    int st = OP_OK;
    nn_model *m = NULL;
#define BAD(...)                                                     \
    do {                                                             \
        st = op_error_set(OP_EIO, __FILE__, __LINE__, __VA_ARGS__);  \
        goto fail;                                                   \
    } while (0)
    if (len < NN_HEADER_BYTES || memcmp(b, "OVPM", 4) != 0)
        BAD("'%s' is not an overparam model file (no OVPM header)", path);
    if (get32(b + 4) != NN_FILE_VERSION)
        BAD("'%s': model file version %u is not supported (expected %d)", path, get32(b + 4),
            NN_FILE_VERSION);
    uint32_t kind = get32(b + 8), es = get32(b + 12), T = get32(b + 16);
    uint64_t count = get64(b + 24);
    if (kind > 2 || (es != 4 && es != 8)) BAD("'%s': corrupt header (kind %u, element size %u)", path, kind, es);
    int32_t ints[16];
    double reals[4];
    memcpy(ints, b + 32, sizeof ints);
    memcpy(reals, b + 96, sizeof reals);
    nn_config c;
    memset(&c, 0, sizeof c);
    c.kind = (nn_kind)kind;
    c.in_dim = ints[0], c.outputs = ints[1], c.D = ints[2], c.H = ints[3], c.W = ints[4];
    c.C = ints[5], c.K = ints[6], c.L = ints[7], c.M = ints[8], c.head = (nn_head)ints[9];
    c.zero_init_last = ints[10], c.width = ints[11], c.depth = ints[12], c.bias = ints[13];
    c.param = (nn_param)ints[14];
    c.res_scale = reals[0], c.bias_scale = reals[1];
    if (nn_config_check(&c) != OP_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", op_error_message());
        op_error_clear();
        BAD("'%s': invalid hyper-parameters (%s)", path, msg);
    }
    if (T != (uint32_t)nn_tensor_count(&c)) BAD("'%s': %u tensors, the architecture has %d", path, T, nn_tensor_count(&c));
    if (len != NN_HEADER_BYTES + NN_RECORD_BYTES * (size_t)T + es * count)
        BAD("'%s' has %zu bytes, the header implies %zu (truncated or corrupt)", path, len,
            (size_t)(NN_HEADER_BYTES + NN_RECORD_BYTES * (size_t)T + es * count));
    if ((st = nn_model_create(&c, prec < 0 ? (es == 4 ? NN_F32 : NN_F64) : (nn_prec)prec,
                              max_batch, &m)))
        goto fail;
    if (m->nparams != count) BAD("'%s': parameter count %llu, the architecture has %zu", path, (unsigned long long)count, m->nparams);
    for (uint32_t i = 0; i < T; i++) {
        const unsigned char *r = b + NN_HEADER_BYTES + NN_RECORD_BYTES * (size_t)i;
        const nn_tensor *t = &m->tensors[i];
        int32_t dims[5];
        memcpy(dims, r + 40, sizeof dims);
        int ok = strncmp((const char *)r, t->name, 40) == 0 && dims[0] == t->ndim;
        for (int d = 0; d < 4 && ok; d++) ok = dims[1 + d] == t->shape[d];
        if (!ok) BAD("'%s': tensor %u is '%.40s', expected '%s' with the architecture's shape", path, i, (const char *)r, t->name);
    }
    const unsigned char *arr = b + NN_HEADER_BYTES + NN_RECORD_BYTES * (size_t)T;
    for (size_t i = 0; i < count; i++) {
        double v;
        if (es == 4) {
            float f;
            memcpy(&f, arr + 4 * i, 4);
            v = f;
        } else {
            memcpy(&v, arr + 8 * i, 8);
        }
        if (m->prec == NN_F32)
            ((float *)m->params)[i] = (float)v;
        else
            ((double *)m->params)[i] = v;
    }
    free(data);
    *out = m;
    return OP_OK;
#undef BAD
fail:
    free(data);
    nn_model_free(m);
    return st;
}

int nn_write_npy(const char *path, const void *data, int elem_size, int ndim, const long *shape)
{
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f%d', 'fortran_order': False, 'shape': (",
                     elem_size);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        k += snprintf(dict + k, sizeof dict - k, "%ld,%s", shape[i], i + 1 < ndim ? " " : "");
        count *= (size_t)shape[i];
    }
    k += snprintf(dict + k, sizeof dict - k, "), }");
    /* Header padded with spaces and a newline so the data starts 64-byte aligned. */
    size_t hl = (size_t)k + 1;
    size_t total = 10 + hl;
    size_t pad = (64 - total % 64) % 64;
    hl += pad;
    size_t len = 10 + hl + count * (size_t)elem_size;
    unsigned char *b = op_malloc(len);
    if (!b) return OP_ENOMEM;
    memcpy(b, "\x93NUMPY", 6);
    b[6] = 1, b[7] = 0;
    b[8] = (unsigned char)(hl & 0xff), b[9] = (unsigned char)(hl >> 8);
    memcpy(b + 10, dict, (size_t)k);
    memset(b + 10 + k, ' ', pad);
    b[10 + hl - 1] = '\n';
    memcpy(b + 10 + hl, data, count * (size_t)elem_size);
    int st = op_write_atomic(path, b, len);
    free(b);
    return st;
}
