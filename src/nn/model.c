/* Model configuration, tensor table, creation (one arena sized up front, every buffer
 * named in struct nn_model), parameter initialisation, precision-agnostic helpers and
 * the typed forward/backward entry points, which check the call and hand it to the
 * model's kind (convresnet.c, mlp.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "nn.h"
#include "nn_internal.h"

const char *nn_kind_name(nn_kind k)
{
    switch (k) {
    case NN_CONVRESNET1D: return "convresnet1d";
    case NN_CONVRESNET2D: return "convresnet2d";
    case NN_MLP: return "mlp";
    }
    return "unknown";
}

const char *nn_param_name(nn_param p)
{
    switch (p) {
    case NN_PARAM_STANDARD: return "standard";
    case NN_PARAM_NTK: return "ntk";
    case NN_PARAM_MF: return "mf";
    }
    return "unknown";
}

static nn_config config_base(nn_kind kind, int outputs)
{
    nn_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.outputs = outputs;
    c.res_scale = 1.0;
    c.head = NN_HEAD_FC;
    c.bias = 1;
    c.param = NN_PARAM_STANDARD;
    c.bias_scale = 0.1;
    return c;
}

nn_config nn_config_convresnet1d(int D, int C, int K, int L, int M, int outputs)
{
    nn_config c = config_base(NN_CONVRESNET1D, outputs);
    c.D = D, c.C = C, c.K = K, c.L = L, c.M = M;
    return c;
}

nn_config nn_config_convresnet2d(int H, int W, int C, int K, int L, int M, int outputs)
{
    nn_config c = config_base(NN_CONVRESNET2D, outputs);
    c.H = H, c.W = W, c.C = C, c.K = K, c.L = L, c.M = M;
    return c;
}

nn_config nn_config_mlp(int in_dim, int depth, int width, int outputs, nn_param param)
{
    nn_config c = config_base(NN_MLP, outputs);
    c.in_dim = in_dim, c.depth = depth, c.width = width, c.param = param;
    return c;
}

#define CHECK_RANGE(field, lo, hi)                                                          \
    do {                                                                                    \
        if ((field) < (lo) || (field) > (hi))                                               \
            OP_ERROR(OP_EUSAGE, "model: %s = %ld is out of range; allowed: [%ld, %ld]", #field, \
                     (long)(field), (long)(lo), (long)(hi));                                \
    } while (0)

int nn_config_check(nn_config *c)
{
    CHECK_RANGE(c->outputs, 1, NN_MAX_OUTPUTS);
    if (c->kind == NN_CONVRESNET1D || c->kind == NN_CONVRESNET2D) {
        if (c->kind == NN_CONVRESNET1D) {
            CHECK_RANGE(c->D, 1, NN_MAX_DIM);
            c->H = 1, c->W = c->D;
            c->in_dim = c->D;
        } else {
            CHECK_RANGE(c->H, 1, 65536);
            CHECK_RANGE(c->W, 1, 65536);
            if ((long)c->H * c->W > NN_MAX_DIM)
                OP_ERROR(OP_EUSAGE, "model: H*W = %ld is larger than %d", (long)c->H * c->W,
                         NN_MAX_DIM);
            c->in_dim = c->H * c->W;
            c->D = c->in_dim;
        }
        CHECK_RANGE(c->C, 1, 4096);
        CHECK_RANGE(c->K, 1, 63);
        if (c->K % 2 == 0) OP_ERROR(OP_EUSAGE, "model: kernel size K = %d must be odd", c->K);
        CHECK_RANGE(c->L, 1, NN_MAX_L);
        CHECK_RANGE(c->M, 1, 1024);
        if (!isfinite(c->res_scale) || c->res_scale <= 0 || c->res_scale > 100)
            OP_ERROR(OP_EUSAGE, "model: res_scale = %g must be in (0, 100]", c->res_scale);
        if (c->head != NN_HEAD_FC && c->head != NN_HEAD_POOL)
            OP_ERROR(OP_EUSAGE, "model: unknown head %d", (int)c->head);
        c->zero_init_last = c->zero_init_last != 0;
        if (c->conv != NN_CONV_AUTO && c->conv != NN_CONV_IM2COL && c->conv != NN_CONV_DIRECT)
            OP_ERROR(OP_EUSAGE, "model: unknown convolution path %d", (int)c->conv);
        /* Fields of the other kind are zeroed so files and JSON stay canonical. */
        c->width = c->depth = 0;
        c->bias = 1;
        memset(c->weight_scale, 0, sizeof c->weight_scale);
        c->param = NN_PARAM_STANDARD;
        double state = (double)c->C * c->in_dim;
        if (state * c->K * (c->kind == NN_CONVRESNET2D ? c->K : 1) > 1e9)
            OP_ERROR(OP_EUSAGE, "model: C*S*K^dim = %.3g per sample is too large", state * c->K);
    } else if (c->kind == NN_MLP) {
        CHECK_RANGE(c->in_dim, 1, NN_MAX_DIM);
        CHECK_RANGE(c->depth, 1, NN_MLP_MAX_DEPTH);
        CHECK_RANGE(c->width, 1, 1 << 20);
        if (c->bias != 0 && c->bias != 1) OP_ERROR(OP_EUSAGE, "model: bias must be 0 or 1");
        if (c->param != NN_PARAM_STANDARD && c->param != NN_PARAM_NTK && c->param != NN_PARAM_MF)
            OP_ERROR(OP_EUSAGE, "model: unknown parameterization %d", (int)c->param);
        if (!isfinite(c->bias_scale) || c->bias_scale < 0 || c->bias_scale > 100)
            OP_ERROR(OP_EUSAGE, "model: bias_scale = %g must be in [0, 100]", c->bias_scale);
        for (int l = 0; l <= NN_MLP_MAX_DEPTH; l++) {
            double v = c->weight_scale[l];
            if (l > c->depth && v != 0)
                OP_ERROR(OP_EUSAGE, "model: weight_scale[%d] is set, the MLP has layers 0..%d", l,
                         c->depth);
            if (!isfinite(v) || v < 0 || v > 1e6)
                OP_ERROR(OP_EUSAGE, "model: weight_scale[%d] = %g must be 0 (default) or in (0, 1e6]",
                         l, v);
        }
        if ((double)c->width * c->width * c->depth > 4e9)
            OP_ERROR(OP_EUSAGE, "model: width^2*depth = %.3g parameters is too large",
                     (double)c->width * c->width * c->depth);
        c->D = c->H = c->W = c->C = c->K = c->L = c->M = 0;
        c->res_scale = 1.0;
        c->zero_init_last = 0;
        c->head = NN_HEAD_FC;
        c->conv = NN_CONV_AUTO;
    } else {
        OP_ERROR(OP_EUSAGE, "model: unknown kind %d", (int)c->kind);
    }
    return OP_OK;
}

static void add_tensor(nn_model *m, int *idx, size_t *off, const char *name, int ndim,
                       const int *shape, int fan_in, double scale)
{
    nn_tensor *t = &m->tensors[(*idx)++];
    size_t len = strlen(name);
    if (len >= sizeof t->name) len = sizeof t->name - 1; /* names are < 32 chars by construction */
    memcpy(t->name, name, len);
    t->name[len] = 0;
    t->ndim = ndim;
    t->count = 1;
    for (int i = 0; i < 4; i++) t->shape[i] = i < ndim ? shape[i] : 0;
    for (int i = 0; i < ndim; i++) t->count *= (size_t)shape[i];
    t->offset = *off;
    t->fan_in = fan_in;
    t->fwd_scale = scale;
    *off += t->count;
}

int nn_tensor_count(const nn_config *c)
{
    if (c->kind == NN_MLP) return (c->depth + 1) * (c->bias ? 2 : 1);
    return 2 * c->M * c->L + 2;
}

/* Fills the tensor table (order = parameter order = file order). */
static void build_tensors(nn_model *m)
{
    const nn_config *c = &m->cfg;
    int idx = 0;
    size_t off = 0;
    char name[64];
    if (c->kind == NN_MLP) {
        for (int l = 0; l <= c->depth; l++) {
            int fin = l == 0 ? c->in_dim : c->width, fout = l == c->depth ? c->outputs : c->width;
            double ws = 1, bs = 1;
            if (c->param != NN_PARAM_STANDARD) {
                ws = 1 / sqrt((double)fin);
                bs = c->bias_scale;
                if (c->param == NN_PARAM_MF && l == c->depth) ws = 1 / (double)fin;
            }
            if (c->weight_scale[l] > 0) ws = c->weight_scale[l];
            int ws_shape[2] = {fout, fin};
            snprintf(name, sizeof name, "layers.%d.weight", l);
            add_tensor(m, &idx, &off, name, 2, ws_shape, fin, ws);
            if (c->bias) {
                snprintf(name, sizeof name, "layers.%d.bias", l);
                add_tensor(m, &idx, &off, name, 1, &fout, fin, bs);
            }
        }
    } else {
        int two_d = c->kind == NN_CONVRESNET2D;
        int fin = c->C * c->K * (two_d ? c->K : 1);
        int wshape[4] = {c->C, c->C, c->K, c->K};
        for (int b = 0; b < c->M; b++)
            for (int l = 0; l < c->L; l++) {
                snprintf(name, sizeof name, "blocks.%d.convs.%d.weight", b, l);
                add_tensor(m, &idx, &off, name, two_d ? 4 : 3, wshape, fin, 1);
                snprintf(name, sizeof name, "blocks.%d.convs.%d.bias", b, l);
                add_tensor(m, &idx, &off, name, 1, &c->C, fin, 1);
            }
        int hin = c->head == NN_HEAD_FC ? c->C * c->in_dim : c->C;
        int hshape[2] = {c->outputs, hin};
        add_tensor(m, &idx, &off, "head.weight", 2, hshape, hin, 1);
        add_tensor(m, &idx, &off, "head.bias", 1, &c->outputs, hin, 1);
    }
    m->ntensors = idx;
    m->nparams = off;
}

typedef struct {
    op_arena *a;
    size_t total;
    int fail;
} carver;

static void *take(carver *c, size_t bytes)
{
    if (!c->a) {
        c->total += op_arena_size(bytes);
        return NULL;
    }
    void *p = op_arena_alloc(c->a, bytes);
    if (!p) c->fail = 1;
    return p;
}

/* Assigns every buffer; with c->a == NULL only sums the sizes (same code, so the
 * sizing and the carving cannot disagree). */
static void layout(nn_model *m, carver *c)
{
    const nn_config *cf = &m->cfg;
    const size_t es = m->prec == NN_F32 ? sizeof(float) : sizeof(double);
    const size_t B = (size_t)m->max_batch;
    m->params = take(c, m->nparams * es);
    m->grads = take(c, m->nparams * es);
    m->out = take(c, B * cf->outputs * es);
    m->dout = take(c, B * cf->outputs * es);
    m->x_clean = take(c, B * cf->in_dim * es);
    m->x_batch = take(c, B * cf->in_dim * es);
    m->x_grad = take(c, B * cf->in_dim * es);
    if (cf->kind == NN_MLP) {
        size_t g = B * (size_t)(cf->width > cf->in_dim ? cf->width : cf->in_dim);
        m->state = m->conv_act = NULL;
        m->layer_act = take(c, sizeof(void *) * (size_t)(cf->depth + 1));
        void *input = take(c, B * cf->in_dim * es);
        if (m->layer_act) m->layer_act[0] = input;
        for (int l = 1; l <= cf->depth; l++) {
            void *p = take(c, B * cf->width * es);
            if (m->layer_act) m->layer_act[l] = p;
        }
        m->state_grad[0] = take(c, g * es);
        m->state_grad[1] = take(c, g * es);
        m->branch_grad[0] = m->branch_grad[1] = m->conv_ws = m->head_in = m->head_in_grad = NULL;
    } else {
        const size_t state = (size_t)cf->C * B * cf->in_dim;
        m->layer_act = NULL;
        m->state = take(c, sizeof(void *) * (size_t)(cf->M + 1));
        for (int i = 0; i <= cf->M; i++) {
            void *p = take(c, state * es);
            if (m->state) m->state[i] = p;
        }
        m->conv_act = take(c, sizeof(void *) * (size_t)cf->M * cf->L);
        for (int i = 0; i < cf->M * cf->L; i++) {
            void *p = take(c, state * es);
            if (m->conv_act) m->conv_act[i] = p;
        }
        nn_conv_shape cs = nn_convresnet_conv_shape(cf, (int)B);
        m->conv_ws = take(c, nn_conv_col_elems(&cs) * es);
        size_t hin = cf->head == NN_HEAD_FC ? state : B * cf->C;
        m->head_in = take(c, hin * es);
        m->head_in_grad = take(c, hin * es);
        m->state_grad[0] = take(c, state * es);
        m->state_grad[1] = take(c, state * es);
        m->branch_grad[0] = take(c, state * es);
        m->branch_grad[1] = take(c, state * es);
    }
}

int nn_model_create(const nn_config *cfg, nn_prec prec, int max_batch, nn_model **out)
{
    *out = NULL;
    if (prec != NN_F32 && prec != NN_F64) OP_ERROR(OP_EUSAGE, "model: unknown precision %d", prec);
    if (max_batch < 1 || max_batch > (1 << 20))
        OP_ERROR(OP_EUSAGE, "model: max_batch %d out of range [1, 1048576]", max_batch);
    nn_config c = *cfg;
    OP_TRY(nn_config_check(&c));
    nn_model *m = op_calloc(1, sizeof *m);
    if (!m) return OP_ENOMEM;
    m->cfg = c;
    m->prec = prec;
    m->max_batch = max_batch;
    m->tensors = op_calloc((unsigned long)nn_tensor_count(&c), sizeof(nn_tensor));
    if (!m->tensors) {
        free(m);
        return OP_ENOMEM;
    }
    build_tensors(m);
    carver cv = {NULL, 0, 0};
    layout(m, &cv);
    int st = op_arena_init(&m->arena, cv.total);
    if (st) {
        nn_model_free(m);
        return st;
    }
    carver cv2 = {&m->arena, 0, 0};
    layout(m, &cv2);
    if (cv2.fail) {
        nn_model_free(m);
        return OP_EINTERNAL;
    }
    *out = m;
    return OP_OK;
}

void nn_model_free(nn_model *m)
{
    if (!m) return;
    op_arena_free(&m->arena);
    free(m->tensors);
    free(m);
}

static void store(nn_model *m, size_t i, double v)
{
    if (m->prec == NN_F32)
        ((float *)m->params)[i] = (float)v;
    else
        ((double *)m->params)[i] = v;
}

void nn_model_init(nn_model *m, op_rng *rng)
{
    const nn_config *c = &m->cfg;
    int gaussian = c->kind == NN_MLP && c->param != NN_PARAM_STANDARD;
    for (int t = 0; t < m->ntensors; t++) {
        const nn_tensor *tt = &m->tensors[t];
        /* PyTorch default (kaiming_uniform with a = sqrt(5)): U(+-1/sqrt(fan_in)) for
         * weights and biases; NTK/MF: N(0,1), the scale lives in the forward pass. */
        double bound = 1 / sqrt((double)tt->fan_in);
        for (size_t i = 0; i < tt->count; i++) {
            double v = gaussian ? op_rng_normal(rng) : bound * (2 * op_rng_uniform(rng) - 1);
            store(m, tt->offset + i, v);
        }
    }
    if (c->kind != NN_MLP && c->zero_init_last) {
        /* Drawn first (same stream with or without the option), then zeroed. Only the
         * weights: with bias 0 too, every pre-activation of the last conv is exactly 0
         * and ReLU'(0) = 0 would leave the block untrainable forever. */
        for (int b = 0; b < c->M; b++) {
            const nn_tensor *tt = &m->tensors[nn_ti_conv_weight(c, b, c->L - 1)];
            for (size_t i = 0; i < tt->count; i++) store(m, tt->offset + i, 0);
        }
    }
    nn_zero_grad(m);
}

void nn_zero_grad(nn_model *m)
{
    memset(m->grads, 0, m->nparams * (m->prec == NN_F32 ? sizeof(float) : sizeof(double)));
}

const nn_tensor *nn_model_tensor(const nn_model *m, const char *name)
{
    for (int i = 0; i < m->ntensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return &m->tensors[i];
    return NULL;
}

double nn_model_lr_scale(const nn_model *m)
{
    return m->cfg.kind == NN_MLP && m->cfg.param == NN_PARAM_MF ? (double)m->cfg.width : 1.0;
}

static void get_vec(const nn_model *m, const void *src, double *dst)
{
    if (m->prec == NN_F32)
        for (size_t i = 0; i < m->nparams; i++) dst[i] = ((const float *)src)[i];
    else
        memcpy(dst, src, m->nparams * sizeof(double));
}

void nn_params_get(const nn_model *m, double *dst) { get_vec(m, m->params, dst); }
void nn_grads_get(const nn_model *m, double *dst) { get_vec(m, m->grads, dst); }

void nn_params_set(nn_model *m, const double *src)
{
    for (size_t i = 0; i < m->nparams; i++) store(m, i, src[i]);
}

int nn_model_copy_params(nn_model *dst, const nn_model *src)
{
    if (dst->nparams != src->nparams || dst->cfg.kind != src->cfg.kind)
        OP_ERROR(OP_EUSAGE, "model: cannot copy parameters between different architectures");
    if (dst->prec == src->prec) {
        memcpy(dst->params, src->params,
               src->nparams * (src->prec == NN_F32 ? sizeof(float) : sizeof(double)));
        return OP_OK;
    }
    for (size_t i = 0; i < src->nparams; i++)
        store(dst, i, src->prec == NN_F32 ? ((const float *)src->params)[i]
                                          : ((const double *)src->params)[i]);
    return OP_OK;
}

int nn_check_call(const nn_model *m, nn_prec prec, int B)
{
    if (m->prec != prec)
        OP_ERROR(OP_EUSAGE, "model precision is %s; called the %s entry point",
                 m->prec == NN_F32 ? "float32" : "float64", prec == NN_F32 ? "_f32" : "_f64");
    if (B < 1 || B > m->max_batch)
        OP_ERROR(OP_EUSAGE, "batch size %d out of range [1, %d] (the model's max_batch)", B,
                 m->max_batch);
    return OP_OK;
}

int nn_forward_f32(nn_model *m, const float *x, int B, float *out)
{
    OP_TRY(nn_check_call(m, NN_F32, B));
    if (m->cfg.kind == NN_MLP)
        nn_mlp_forward_f32(m, x, B);
    else
        nn_convresnet_forward_f32(m, x, B);
    m->last_batch = B;
    if (out) memcpy(out, m->out, sizeof(float) * (size_t)B * m->cfg.outputs);
    return OP_OK;
}

int nn_forward_f64(nn_model *m, const double *x, int B, double *out)
{
    OP_TRY(nn_check_call(m, NN_F64, B));
    if (m->cfg.kind == NN_MLP)
        nn_mlp_forward_f64(m, x, B);
    else
        nn_convresnet_forward_f64(m, x, B);
    m->last_batch = B;
    if (out) memcpy(out, m->out, sizeof(double) * (size_t)B * m->cfg.outputs);
    return OP_OK;
}

/* The checks nn_backward_f32/_f64 share: precision, batch, and the preceding forward. */
static int check_backward(const nn_model *m, nn_prec prec, int B)
{
    OP_TRY(nn_check_call(m, prec, B));
    if (B != m->last_batch)
        OP_ERROR(OP_EUSAGE, "backward with batch %d after a forward with batch %d", B,
                 m->last_batch);
    return OP_OK;
}

int nn_backward_f32(nn_model *m, const float *dout, int B, float *dx, int flags)
{
    OP_TRY(check_backward(m, NN_F32, B));
    if (!(flags & NN_BWD_INPUT)) dx = NULL;
    if (m->cfg.kind == NN_MLP)
        nn_mlp_backward_f32(m, dout, B, dx, flags);
    else
        nn_convresnet_backward_f32(m, dout, B, dx, flags);
    return OP_OK;
}

int nn_backward_f64(nn_model *m, const double *dout, int B, double *dx, int flags)
{
    OP_TRY(check_backward(m, NN_F64, B));
    if (!(flags & NN_BWD_INPUT)) dx = NULL;
    if (m->cfg.kind == NN_MLP)
        nn_mlp_backward_f64(m, dout, B, dx, flags);
    else
        nn_convresnet_backward_f64(m, dout, B, dx, flags);
    return OP_OK;
}

const float *nn_mlp_hidden_f32(const nn_model *m, int l)
{
    if (m->cfg.kind != NN_MLP || m->prec != NN_F32 || l < 1 || l > m->cfg.depth) return NULL;
    return (const float *)m->layer_act[l];
}

const double *nn_mlp_hidden_f64(const nn_model *m, int l)
{
    if (m->cfg.kind != NN_MLP || m->prec != NN_F64 || l < 1 || l > m->cfg.depth) return NULL;
    return (const double *)m->layer_act[l];
}

char *nn_config_json(const nn_model *m)
{
    const nn_config *c = &m->cfg;
    op_buf b;
    op_buf_init(&b);
    op_buf_printf(&b, "{\"kind\": \"%s\", \"in_dim\": %d, \"outputs\": %d", nn_kind_name(c->kind),
                  c->in_dim, c->outputs);
    if (c->kind == NN_MLP) {
        op_buf_printf(&b, ", \"depth\": %d, \"width\": %d, \"bias\": %d, \"param\": \"%s\"",
                      c->depth, c->width, c->bias, nn_param_name(c->param));
        op_buf_puts(&b, ", \"bias_scale\": ");
        op_buf_json_num(&b, c->bias_scale);
        int any = 0; /* weight_scale only when set, so other configs' JSON is unchanged */
        for (int l = 0; l <= c->depth; l++) any |= c->weight_scale[l] > 0;
        if (any) {
            op_buf_puts(&b, ", \"weight_scale\": [");
            for (int l = 0; l <= c->depth; l++) {
                if (l) op_buf_puts(&b, ", ");
                op_buf_json_num(&b, c->weight_scale[l]);
            }
            op_buf_puts(&b, "]");
        }
    } else {
        if (c->kind == NN_CONVRESNET1D)
            op_buf_printf(&b, ", \"D\": %d", c->D);
        else
            op_buf_printf(&b, ", \"H\": %d, \"W\": %d", c->H, c->W);
        op_buf_printf(&b, ", \"C\": %d, \"K\": %d, \"L\": %d, \"M\": %d, \"head\": \"%s\"", c->C, c->K,
                      c->L, c->M, c->head == NN_HEAD_FC ? "fc" : "pool");
        op_buf_printf(&b, ", \"zero_init_last\": %d, \"res_scale\": ", c->zero_init_last);
        op_buf_json_num(&b, c->res_scale);
    }
    op_buf_printf(&b, ", \"precision\": \"%s\", \"param_count\": %zu, \"tensors\": [",
                  m->prec == NN_F32 ? "float32" : "float64", m->nparams);
    for (int i = 0; i < m->ntensors; i++) {
        const nn_tensor *t = &m->tensors[i];
        op_buf_printf(&b, "%s{\"name\": \"%s\", \"shape\": [", i ? ", " : "", t->name);
        for (int d = 0; d < t->ndim; d++) op_buf_printf(&b, "%s%d", d ? ", " : "", t->shape[d]);
        op_buf_puts(&b, "], \"fwd_scale\": ");
        op_buf_json_num(&b, t->fwd_scale);
        op_buf_puts(&b, "}");
    }
    op_buf_puts(&b, "]}");
    if (b.oom) {
        op_buf_free(&b);
        return NULL;
    }
    return b.s;
}
