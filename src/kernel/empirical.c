/* Empirical NTK of an engine model by per-sample backprop (see empirical.h). */
#include "kernel/empirical.h"

#include <math.h>
#include <string.h>

#include "core/op_error.h"

size_t kn_empirical_ntk_work(const nn_model *m, int n) { return ((size_t)n + 1) * m->nparams; }

/* g = df(x)/dtheta for one point x (batch of one, dout = 1). */
static int point_grad(nn_model *m, const double *x, double *g)
{
    double out, one = 1.0;
    OP_TRY(nn_forward_f64(m, x, 1, &out));
    nn_zero_grad(m);
    OP_TRY(nn_backward_f64(m, &one, 1, NULL, NN_BWD_PARAMS));
    memcpy(g, m->grads, sizeof(double) * m->nparams);
    return OP_OK;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

int kn_empirical_ntk(nn_model *m, const double *X, int n, const double *Z, int p, double *out,
                     double *work)
{
    if (m->prec != NN_F64) OP_ERROR(OP_EUSAGE, "empirical NTK: the model must be NN_F64");
    if (m->cfg.outputs != 1) OP_ERROR(OP_EUSAGE, "empirical NTK: the model must have one output (has %d)",
                                      m->cfg.outputs);
    if (n < 1 || p < 1) OP_ERROR(OP_EUSAGE, "empirical NTK: need n >= 1 and p >= 1 points");
    const size_t P = m->nparams;
    const int d = m->cfg.in_dim;
    for (int i = 0; i < n; i++) OP_TRY(point_grad(m, X + (size_t)i * d, work + (size_t)i * P));
    double *gz = work + (size_t)n * P;
    for (int j = 0; j < p; j++) {
        OP_TRY(point_grad(m, Z + (size_t)j * d, gz));
        for (int i = 0; i < n; i++) out[(size_t)i * p + j] = dot(work + (size_t)i * P, gz, P);
    }
    return OP_OK;
}

int kn_empirical_ntk_factor(const nn_model *m, double *factor)
{
    const nn_config *c = &m->cfg;
    if (c->kind != NN_MLP || (c->param != NN_PARAM_NTK && c->param != NN_PARAM_MF) || c->bias)
        OP_ERROR(OP_EUSAGE, "empirical NTK factor: defined for NTK/MF MLPs without bias only");
    *factor = ldexp((double)c->in_dim, c->depth);
    return OP_OK;
}
