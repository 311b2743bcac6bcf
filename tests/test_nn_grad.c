/* Gradient checks (double, central differences along random directions, tol 1e-6) for
 * every layer, both ConvResNets, the MLP in all three parameterizations, for parameters
 * AND input, and for every loss. Inputs are high-entropy (uniform on +-2.385). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/nn.h"
#include "nn/nn_layers.h"
#include "nn_gradcheck.h"
#include "test_util.h"

#define TOL 1e-6
#define NDIR 8

static op_rng rng;

static double *rand_vec(size_t n, double scale)
{
    double *v = malloc(sizeof(double) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) v[i] = scale * (2 * op_rng_uniform(&rng) - 1);
    return v;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* ---------------- convolution ---------------- */
typedef struct {
    nn_conv_shape s;
    size_t nw, nb, nx, ny;
    double *r, *col, *out;
} conv_ctx;

static double conv_f(void *c_, const double *th, uint64_t *sig)
{
    conv_ctx *c = c_;
    nn_conv_forward_f64(c->out, th + c->nw + c->nb, th, th + c->nw, c->col, &c->s);
    *sig = 0;
    return dot(c->r, c->out, c->ny);
}

static void conv_g(void *c_, const double *th, double *g)
{
    conv_ctx *c = c_;
    memset(g, 0, sizeof(double) * (c->nw + c->nb + c->nx));
    nn_conv_backward_f64(g + c->nw + c->nb, g, g + c->nw, c->r, th + c->nw + c->nb, th, c->col,
                         &c->s);
}

static void check_conv(const char *name, nn_conv_shape s)
{
    conv_ctx c = {s, 0, 0, 0, 0, 0, 0, 0};
    size_t N = (size_t)s.B * s.H * s.W;
    c.nw = (size_t)s.cout * s.cin * s.kh * s.kw, c.nb = s.cout, c.nx = s.cin * N, c.ny = s.cout * N;
    c.r = rand_vec(c.ny, 1.3);
    c.col = rand_vec(nn_conv_col_elems(&s), 1);
    c.out = rand_vec(c.ny, 1);
    size_t n = c.nw + c.nb + c.nx;
    double *th = rand_vec(n, 2.385);
    gc_problem p = {(int)n, conv_f, conv_g, &c};
    char buf[96];
    snprintf(buf, sizeof buf, "%s params", name);
    gc_check(buf, &p, th, 0, (int)(c.nw + c.nb), NDIR, &rng, TOL);
    snprintf(buf, sizeof buf, "%s input", name);
    gc_check(buf, &p, th, (int)(c.nw + c.nb), (int)n, NDIR, &rng, TOL);
    free(c.r), free(c.col), free(c.out), free(th);
}

/* ---------------- dense ---------------- */
typedef struct {
    int B, I, O;
    double alpha, beta, *r, *out;
} dense_ctx;

static double dense_f(void *c_, const double *th, uint64_t *sig)
{
    dense_ctx *c = c_;
    size_t nw = (size_t)c->O * c->I;
    nn_dense_forward_f64(c->out, th + nw + c->O, th, th + nw, c->B, c->I, c->O, c->alpha, c->beta);
    *sig = 0;
    return dot(c->r, c->out, (size_t)c->B * c->O);
}

static void dense_g(void *c_, const double *th, double *g)
{
    dense_ctx *c = c_;
    size_t nw = (size_t)c->O * c->I, n = nw + c->O + (size_t)c->B * c->I;
    memset(g, 0, sizeof(double) * n);
    nn_dense_backward_f64(g + nw + c->O, g, g + nw, c->r, th + nw + c->O, th, c->B, c->I, c->O,
                          c->alpha, c->beta);
}

static void check_dense(void)
{
    dense_ctx c = {5, 7, 4, 0.37, 1.7, NULL, NULL};
    c.r = rand_vec((size_t)c.B * c.O, 1.3);
    c.out = rand_vec((size_t)c.B * c.O, 1);
    int nw = c.O * c.I, n = nw + c.O + c.B * c.I;
    double *th = rand_vec((size_t)n, 2.385);
    gc_problem p = {n, dense_f, dense_g, &c};
    gc_check("dense (alpha .37, beta 1.7) params", &p, th, 0, nw + c.O, NDIR, &rng, TOL);
    gc_check("dense (alpha .37, beta 1.7) input", &p, th, nw + c.O, n, NDIR, &rng, TOL);
    free(c.r), free(c.out), free(th);
}

/* ---------------- relu / pad / pool / flatten (input only) ---------------- */
typedef struct {
    int kind; /* 0 relu, 1 pad, 2 pool, 3 flatten */
    int B, C, S;
    size_t nin, nout;
    double *r, *out;
} simple_ctx;

static double simple_f(void *c_, const double *th, uint64_t *sig)
{
    simple_ctx *c = c_;
    *sig = 0;
    switch (c->kind) {
    case 0:
        nn_relu_forward_f64(c->out, th, c->nin);
        *sig = gc_sig_add(1, th, c->nin);
        break;
    case 1: nn_pad_forward_f64(c->out, th, c->C, (size_t)c->B * c->S); break;
    case 2: nn_pool_forward_f64(c->out, th, c->B, c->C, c->S); break;
    default: nn_flatten_forward_f64(c->out, th, c->B, c->C, c->S); break;
    }
    return dot(c->r, c->out, c->nout);
}

static void simple_g(void *c_, const double *th, double *g)
{
    simple_ctx *c = c_;
    memset(g, 0, sizeof(double) * c->nin);
    switch (c->kind) {
    case 0:
        nn_relu_forward_f64(c->out, th, c->nin);
        nn_relu_backward_f64(g, c->r, c->out, c->nin);
        break;
    case 1: nn_pad_backward_f64(g, c->r, (size_t)c->B * c->S); break;
    case 2: nn_pool_backward_f64(g, c->r, c->B, c->C, c->S); break;
    default: nn_flatten_backward_f64(g, c->r, c->B, c->C, c->S); break;
    }
}

static void check_simple(int kind, const char *name)
{
    simple_ctx c = {kind, 3, 4, 5, 0, 0, NULL, NULL};
    size_t state = (size_t)c.C * c.B * c.S;
    c.nin = kind == 1 ? (size_t)c.B * c.S : state;
    c.nout = kind == 2 ? (size_t)c.B * c.C : state;
    c.r = rand_vec(c.nout, 1.3);
    c.out = rand_vec(c.nout, 1);
    double *th = rand_vec(c.nin, 2.385);
    gc_problem p = {(int)c.nin, simple_f, simple_g, &c};
    gc_check(name, &p, th, 0, (int)c.nin, NDIR, &rng, TOL);
    free(c.r), free(c.out), free(th);
}

/* ---------------- residual block ---------------- */
typedef struct {
    nn_conv_shape s;
    int L;
    double scale;
    size_t nw, nb, state;
    double *r, *col, *zout, *h[4], *g0, *g1;
} res_ctx;

static void res_ptrs(res_ctx *c, const double *th, const double **w, const double **b)
{
    for (int l = 0; l < c->L; l++) {
        w[l] = th + l * (c->nw + c->nb);
        b[l] = w[l] + c->nw;
    }
}

static double res_f(void *c_, const double *th, uint64_t *sig)
{
    res_ctx *c = c_;
    const double *w[4], *b[4];
    res_ptrs(c, th, w, b);
    const double *z = th + c->L * (c->nw + c->nb);
    nn_resblock_forward_f64(c->zout, z, w, b, c->h, c->col, &c->s, c->L, c->scale);
    uint64_t h = 1;
    for (int l = 0; l < c->L; l++) h = gc_sig_add(h, c->h[l], c->state);
    *sig = h;
    return dot(c->r, c->zout, c->state);
}

static void res_g(void *c_, const double *th, double *g)
{
    res_ctx *c = c_;
    const double *w[4], *b[4];
    double *dw[4], *db[4];
    uint64_t sig;
    res_f(c, th, &sig);
    res_ptrs(c, th, w, b);
    size_t np = c->L * (c->nw + c->nb);
    memset(g, 0, sizeof(double) * (np + c->state));
    for (int l = 0; l < c->L; l++) {
        dw[l] = g + l * (c->nw + c->nb);
        db[l] = dw[l] + c->nw;
    }
    nn_resblock_backward_f64(g + np, dw, db, c->r, th + np, w, (const double *const *)c->h, c->col,
                             c->g0, c->g1, &c->s, c->L, c->scale);
}

static void check_resblock(const char *name, nn_conv_shape s, int L, double scale)
{
    res_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s, c.L = L, c.scale = scale;
    c.state = (size_t)s.cout * s.B * s.H * s.W;
    c.nw = (size_t)s.cout * s.cin * s.kh * s.kw, c.nb = s.cout;
    c.r = rand_vec(c.state, 1.3);
    c.col = rand_vec(nn_conv_col_elems(&s), 1);
    c.zout = rand_vec(c.state, 1);
    c.g0 = rand_vec(c.state, 1);
    c.g1 = rand_vec(c.state, 1);
    for (int l = 0; l < L; l++) c.h[l] = rand_vec(c.state, 1);
    size_t np = L * (c.nw + c.nb), n = np + c.state;
    /* Weights at the scale of the default init so activations stay O(1). */
    double *th = rand_vec(n, 2.385);
    for (size_t i = 0; i < np; i++) th[i] *= 1 / sqrt((double)s.cin * s.kh * s.kw);
    gc_problem p = {(int)n, res_f, res_g, &c};
    char buf[96];
    snprintf(buf, sizeof buf, "%s params", name);
    gc_check(buf, &p, th, 0, (int)np, NDIR, &rng, TOL);
    snprintf(buf, sizeof buf, "%s input", name);
    gc_check(buf, &p, th, (int)np, (int)n, NDIR, &rng, TOL);
    free(c.r), free(c.col), free(c.zout), free(c.g0), free(c.g1), free(th);
    for (int l = 0; l < L; l++) free(c.h[l]);
}

/* ---------------- whole models ---------------- */
typedef struct {
    nn_model *m;
    int B;
    double *r, *dx;
} model_ctx;

static uint64_t model_sig(nn_model *m, int B)
{
    const nn_config *c = &m->cfg;
    uint64_t h = 1;
    if (c->kind == NN_MLP) {
        for (int l = 1; l <= c->depth; l++) h = gc_sig_add(h, m->layer_act[l], (size_t)B * c->width);
    } else {
        for (int i = 0; i < c->M * c->L; i++)
            h = gc_sig_add(h, m->conv_act[i], (size_t)c->C * B * c->in_dim);
    }
    return h;
}

static double model_f(void *c_, const double *th, uint64_t *sig)
{
    model_ctx *c = c_;
    nn_model *m = c->m;
    nn_params_set(m, th);
    double *out = malloc(sizeof(double) * (size_t)c->B * m->cfg.outputs);
    nn_forward_f64(m, th + m->nparams, c->B, out);
    *sig = model_sig(m, c->B);
    double v = dot(c->r, out, (size_t)c->B * m->cfg.outputs);
    free(out);
    return v;
}

static void model_g(void *c_, const double *th, double *g)
{
    model_ctx *c = c_;
    nn_model *m = c->m;
    nn_params_set(m, th);
    nn_zero_grad(m);
    nn_forward_f64(m, th + m->nparams, c->B, NULL);
    int st = nn_backward_f64(m, c->r, c->B, g + m->nparams, NN_BWD_PARAMS | NN_BWD_INPUT);
    CHECK(st == 0, "backward status %d", st);
    nn_grads_get(m, g);
}

static void check_model(const char *name, nn_config cfg, int B)
{
    nn_model *m;
    int st = nn_model_create(&cfg, NN_F64, B, &m);
    CHECK(st == 0, "%s: create (%d)", name, st);
    if (st) return;
    nn_model_init(m, &rng);
    model_ctx c = {m, B, NULL, NULL};
    c.r = rand_vec((size_t)B * cfg.outputs, 1.3);
    size_t nx = (size_t)B * m->cfg.in_dim, n = m->nparams + nx;
    double *th = malloc(sizeof(double) * n);
    nn_params_get(m, th);
    double *x = rand_vec(nx, 2.385);
    memcpy(th + m->nparams, x, sizeof(double) * nx);
    gc_problem p = {(int)n, model_f, model_g, &c};
    char buf[96];
    snprintf(buf, sizeof buf, "%s params", name);
    gc_check(buf, &p, th, 0, (int)m->nparams, NDIR, &rng, TOL);
    snprintf(buf, sizeof buf, "%s input", name);
    gc_check(buf, &p, th, (int)m->nparams, (int)n, NDIR, &rng, TOL);
    /* Every tensor receives gradient (catches a layer whose backward is skipped). */
    double *g = malloc(sizeof(double) * n);
    model_g(&c, th, g);
    int zero_tensors = 0;
    for (int t = 0; t < m->ntensors; t++) {
        double mx = 0;
        for (size_t i = 0; i < m->tensors[t].count; i++)
            mx = fmax(mx, fabs(g[m->tensors[t].offset + i]));
        if (mx == 0) {
            zero_tensors++;
            printf("     %s: tensor %s has zero gradient\n", name, m->tensors[t].name);
        }
    }
    CHECK(zero_tensors == 0, "%s: every tensor has a non-zero gradient", name);
    free(g), free(c.r), free(th), free(x);
    nn_model_free(m);
}

/* ---------------- losses ---------------- */
typedef struct {
    nn_loss l;
    int B, O;
    double *y, *d;
} loss_ctx;

static double loss_f(void *c_, const double *th, uint64_t *sig)
{
    loss_ctx *c = c_;
    *sig = 0;
    return nn_loss_f64(c->l, th, c->y, c->B, c->O, NULL);
}

static void loss_g(void *c_, const double *th, double *g)
{
    loss_ctx *c = c_;
    nn_loss_f64(c->l, th, c->y, c->B, c->O, g);
}

static void check_loss(const char *name, nn_loss l, int O, const double *y, int B)
{
    loss_ctx c = {l, B, O, (double *)y, NULL};
    double *th = rand_vec((size_t)B * O, 2.385);
    gc_problem p = {B * O, loss_f, loss_g, &c};
    gc_check(name, &p, th, 0, B * O, NDIR, &rng, TOL);
    /* float version agrees with the double one */
    float *tf = malloc(sizeof(float) * (size_t)B * O);
    for (int i = 0; i < B * O; i++) tf[i] = (float)th[i];
    double lf = nn_loss_f32(l, tf, y, B, O, NULL);
    double ld = 0;
    for (int i = 0; i < B * O; i++) th[i] = tf[i];
    ld = nn_loss_f64(l, th, y, B, O, NULL);
    CHECK(fabs(lf - ld) <= 1e-6 * fabs(ld), "%s: float and double loss agree (%.9g vs %.9g)", name,
          lf, ld);
    free(th), free(tf);
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_grad", 2385));
    check_conv("conv1d K=3", nn_conv_shape_1d(3, 7, 2, 3, 3));
    check_conv("conv1d K=5 D=3 (kernel wider than signal)", nn_conv_shape_1d(2, 3, 3, 2, 5));
    check_conv("conv2d 3x3", nn_conv_shape_2d(2, 5, 4, 2, 3, 3));
    check_conv("conv2d 5x5 on 3x6", nn_conv_shape_2d(2, 3, 6, 2, 2, 5));
    check_dense();
    check_simple(0, "relu input");
    check_simple(1, "pad input");
    check_simple(2, "global average pool input");
    check_simple(3, "flatten input");
    check_resblock("resblock 1-D L=2 scale .5", nn_conv_shape_1d(3, 6, 3, 3, 3), 2, 0.5);
    check_resblock("resblock 1-D L=3 scale 1", nn_conv_shape_1d(2, 5, 2, 2, 5), 3, 1.0);
    check_resblock("resblock 2-D L=2 scale .25", nn_conv_shape_2d(2, 4, 3, 3, 3, 3), 2, 0.25);

    nn_config c1 = nn_config_convresnet1d(6, 3, 3, 2, 2, 2);
    c1.res_scale = 0.5;
    check_model("convresnet1d fc-head", c1, 3);
    c1.head = NN_HEAD_POOL;
    c1.M = 3, c1.L = 1;
    check_model("convresnet1d pool-head M=3 L=1", c1, 3);
    nn_config c2 = nn_config_convresnet2d(4, 5, 3, 3, 2, 2, 3);
    c2.head = NN_HEAD_POOL;
    check_model("convresnet2d pool-head", c2, 2);
    c2.head = NN_HEAD_FC;
    c2.res_scale = 0.5;
    check_model("convresnet2d fc-head", c2, 2);
    check_model("mlp standard", nn_config_mlp(5, 2, 7, 3, NN_PARAM_STANDARD), 4);
    check_model("mlp ntk", nn_config_mlp(5, 2, 7, 3, NN_PARAM_NTK), 4);
    check_model("mlp mean-field", nn_config_mlp(5, 3, 6, 2, NN_PARAM_MF), 4);
    nn_config nb = nn_config_mlp(4, 1, 9, 1, NN_PARAM_NTK);
    nb.bias = 0;
    check_model("mlp ntk no-bias", nb, 5);

    double ymse[12], ylog[6] = {1, -1, 0, 1, 0, -1}, yce[6] = {0, 3, 2, 1, 3, 0};
    for (int i = 0; i < 12; i++) ymse[i] = 2.385 * (2 * op_rng_uniform(&rng) - 1);
    check_loss("loss mse", NN_LOSS_MSE, 2, ymse, 6);
    check_loss("loss logistic (labels +-1 and 0/1)", NN_LOSS_LOGISTIC, 1, ylog, 6);
    check_loss("loss softmax cross-entropy", NN_LOSS_CE, 4, yce, 6);
    /* Known values: logistic at f = 0 is log 2; CE with equal logits is log k. */
    double z[4] = {0, 0, 0, 0}, y1 = 1, y0 = 2;
    CHECK(fabs(nn_loss_f64(NN_LOSS_LOGISTIC, z, &y1, 1, 1, NULL) - log(2)) < 1e-15, "logistic(0) = log 2");
    CHECK(fabs(nn_loss_f64(NN_LOSS_CE, z, &y0, 1, 4, NULL) - log(4)) < 1e-15, "CE(equal) = log 4");
    return test_summary("test_nn_grad");
}
