/* Model file round trips are exact (both precisions, every kind), damaged files are
 * refused with OP_EIO, and the grad dump's .npy files hold exactly the in-process
 * gradient. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/rng.h"
#include "nn/nn.h"
#include "nn/nn_dump.h"
#include "test_util.h"

static op_rng rng;
static char dir[] = "/tmp/op_test_nn_io_XXXXXX";

static void fill(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = 2.385 * (2 * op_rng_uniform(&rng) - 1);
}

static void roundtrip(const char *name, nn_config cfg, nn_prec prec)
{
    nn_model *a, *b;
    if (nn_model_create(&cfg, prec, 8, &a)) {
        CHECK(0, "%s: create", name);
        return;
    }
    nn_model_init(a, &rng);
    char path[256];
    snprintf(path, sizeof path, "%s/%s.bin", dir, name);
    CHECK(nn_model_save(a, path) == 0, "%s: save", name);
    int st = nn_model_load(path, -1, 8, &b);
    CHECK(st == 0, "%s: load (%s)", name, st ? op_error_message() : "ok");
    if (st) {
        nn_model_free(a);
        return;
    }
    char *ja = nn_config_json(a), *jb = nn_config_json(b);
    CHECK(strcmp(ja, jb) == 0, "%s: hyper-parameters survive the round trip", name);
    size_t es = prec == NN_F32 ? 4 : 8;
    CHECK(b->prec == prec && memcmp(a->params, b->params, es * a->nparams) == 0,
          "%s: %zu parameters bitwise equal", name, a->nparams);
    size_t nx = 8 * (size_t)a->cfg.in_dim, no = 8 * (size_t)a->cfg.outputs;
    double *x = malloc(sizeof(double) * nx), *oa = malloc(sizeof(double) * no), *ob = malloc(sizeof(double) * no);
    fill(x, nx);
    nn_predict(a, x, 8, oa);
    nn_predict(b, x, 8, ob);
    CHECK(memcmp(oa, ob, sizeof(double) * no) == 0, "%s: outputs bitwise equal after reload", name);
    /* Loading into the other precision converts the values. */
    nn_model *c;
    CHECK(nn_model_load(path, prec == NN_F32 ? NN_F64 : NN_F32, 4, &c) == 0, "%s: load converted", name);
    double *pa = malloc(sizeof(double) * a->nparams), *pc = malloc(sizeof(double) * a->nparams);
    nn_params_get(a, pa);
    nn_params_get(c, pc);
    int same = 1;
    for (size_t i = 0; i < a->nparams; i++) same &= (float)pa[i] == (float)pc[i];
    CHECK(same, "%s: converted parameters agree to float precision", name);
    free(ja), free(jb), free(x), free(oa), free(ob), free(pa), free(pc);
    nn_model_free(a), nn_model_free(b), nn_model_free(c);
}

static void damaged(void)
{
    nn_config cfg = nn_config_mlp(3, 1, 4, 1, NN_PARAM_STANDARD);
    nn_model *m, *r = NULL;
    nn_model_create(&cfg, NN_F32, 1, &m);
    nn_model_init(m, &rng);
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/ok.bin", dir);
    nn_model_save(m, path);
    char *data;
    size_t len;
    op_read_file(path, &data, &len);
    snprintf(bad, sizeof bad, "%s/trunc.bin", dir);
    op_write_atomic(bad, data, len - 4);
    op_error_clear();
    CHECK(nn_model_load(bad, -1, 1, &r) == OP_EIO && r == NULL, "truncated file refused: %s",
          op_error_message());
    op_error_clear();
    data[0] = 'X';
    snprintf(bad, sizeof bad, "%s/magic.bin", dir);
    op_write_atomic(bad, data, len);
    CHECK(nn_model_load(bad, -1, 1, &r) == OP_EIO, "bad magic refused: %s", op_error_message());
    op_error_clear();
    data[0] = 'O';
    data[32 + 4 * 6] = 2; /* K = 2: even kernel, invalid */
    data[8] = 0;          /* claim convresnet1d */
    op_write_atomic(bad, data, len);
    CHECK(nn_model_load(bad, -1, 1, &r) == OP_EIO, "invalid hyper-parameters refused: %s",
          op_error_message());
    op_error_clear();
    CHECK(nn_model_load("/nonexistent/model.bin", -1, 1, &r) == OP_EIO, "missing file: %s",
          op_error_message());
    op_error_clear();
    free(data);
    nn_model_free(m);
}

/* Reads a .npy written by nn_write_npy: checks the magic and the 64-byte alignment. */
static char *npy_data(const char *path, size_t *n)
{
    char *d;
    size_t len;
    if (op_read_file(path, &d, &len)) return NULL;
    size_t hl = (unsigned char)d[8] | (size_t)(unsigned char)d[9] << 8;
    CHECK(memcmp(d, "\x93NUMPY\x01\x00", 8) == 0 && (10 + hl) % 64 == 0, "%s: npy header", path);
    *n = len - 10 - hl;
    memmove(d, d + 10 + hl, *n);
    return d;
}

static void grad_dump(nn_prec prec)
{
    nn_config cfg = nn_config_convresnet1d(8, 3, 3, 2, 2, 1);
    nn_model *m;
    nn_model_create(&cfg, prec, 5, &m);
    nn_model_init(m, &rng);
    double x[40], y[5];
    fill(x, 40);
    fill(y, 5);
    char sub[256];
    snprintf(sub, sizeof sub, "%s/grad%d", dir, (int)prec);
    double loss;
    int st = nn_grad_dump(m, x, y, 5, NN_LOSS_MSE, 0, sub, &loss);
    CHECK(st == 0, "grad dump (%s)", st ? op_error_message() : "ok");
    /* In-process reference. */
    size_t es = prec == NN_F32 ? 4 : 8;
    double ref_loss, dxd[40];
    nn_zero_grad(m);
    nn_input_grad_loss(m, NN_LOSS_MSE, x, y, 5, dxd, NULL);
    void *g = malloc(es * m->nparams), *dx = malloc(es * 40), *xin = malloc(es * 40),
         *dout = malloc(es * 5);
    for (int i = 0; i < 40; i++) {
        if (prec == NN_F32) ((float *)xin)[i] = (float)x[i];
        else ((double *)xin)[i] = x[i];
    }
    nn_zero_grad(m);
    if (prec == NN_F32) {
        nn_forward_f32(m, xin, 5, NULL);
        ref_loss = nn_loss_f32(NN_LOSS_MSE, m->out, y, 5, 1, dout);
        nn_backward_f32(m, dout, 5, dx, NN_BWD_PARAMS | NN_BWD_INPUT);
    } else {
        nn_forward_f64(m, xin, 5, NULL);
        ref_loss = nn_loss_f64(NN_LOSS_MSE, m->out, y, 5, 1, dout);
        nn_backward_f64(m, dout, 5, dx, NN_BWD_PARAMS | NN_BWD_INPUT);
    }
    memcpy(g, m->grads, es * m->nparams);
    CHECK(loss == ref_loss, "dumped loss = in-process loss (%.17g)", loss);
    char path[512];
    size_t n;
    snprintf(path, sizeof path, "%s/input_grad.npy", sub);
    char *d = npy_data(path, &n);
    CHECK(d && n == es * 40 && memcmp(d, dx, n) == 0, "input_grad.npy = in-process input gradient");
    free(d);
    int all = 1;
    for (int t = 0; t < m->ntensors; t++) {
        snprintf(path, sizeof path, "%s/grad.%s.npy", sub, m->tensors[t].name);
        d = npy_data(path, &n);
        all &= d && n == es * m->tensors[t].count &&
               memcmp(d, (char *)g + es * m->tensors[t].offset, n) == 0;
        free(d);
    }
    CHECK(all, "every grad.<tensor>.npy = in-process parameter gradient (%d tensors)", m->ntensors);
    snprintf(path, sizeof path, "%s/hparams.json", sub);
    CHECK(op_file_exists(path), "hparams.json written");
    free(g), free(dx), free(xin), free(dout);
    nn_model_free(m);
}

int main(void)
{
    op_rng_seed(&rng, op_seed_from_key("test_nn_io", 5));
    if (!mkdtemp(dir)) return 1;
    for (int p = 0; p < 2; p++) {
        nn_prec prec = p ? NN_F64 : NN_F32;
        nn_config c1 = nn_config_convresnet1d(12, 3, 5, 2, 3, 2);
        c1.res_scale = 1.0 / 3, c1.zero_init_last = 1;
        roundtrip(p ? "convresnet1d_f64" : "convresnet1d_f32", c1, prec);
        nn_config c2 = nn_config_convresnet2d(6, 5, 2, 3, 1, 2, 4);
        c2.head = NN_HEAD_POOL;
        roundtrip(p ? "convresnet2d_f64" : "convresnet2d_f32", c2, prec);
        nn_config c3 = nn_config_mlp(7, 3, 9, 2, NN_PARAM_MF);
        c3.bias = 0;
        roundtrip(p ? "mlp_f64" : "mlp_f32", c3, prec);
        grad_dump(prec);
    }
    damaged();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    return test_summary("test_nn_io");
}
