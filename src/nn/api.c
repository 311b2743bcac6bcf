/* Precision dispatch for the double convenience API, option defaults and validation,
 * loss/optimizer names, the learning-rate schedule. */
#include <math.h>
#include <string.h>

#include "core/op_error.h"
#include "nn.h"
#include "nn_internal.h"

const char *nn_loss_name(nn_loss l)
{
    switch (l) {
    case NN_LOSS_MSE: return "mse";
    case NN_LOSS_LOGISTIC: return "logistic";
    case NN_LOSS_CE: return "ce";
    }
    return "unknown";
}

const char *nn_opt_name(nn_opt o)
{
    switch (o) {
    case NN_OPT_SGD: return "sgd";
    case NN_OPT_ADAM: return "adam";
    case NN_OPT_ADAMW: return "adamw";
    }
    return "unknown";
}

int nn_loss_target_dim(nn_loss l, int outputs) { return l == NN_LOSS_MSE ? outputs : 1; }

int nn_loss_check_targets(nn_loss l, int outputs, const double *y, long n)
{
    long k = (long)n * nn_loss_target_dim(l, outputs);
    for (long i = 0; i < k; i++) {
        double v = y[i];
        if (!isfinite(v)) OP_ERROR(OP_EUSAGE, "target %ld is not finite", i);
        if (l == NN_LOSS_LOGISTIC && v != 1 && v != 0 && v != -1)
            OP_ERROR(OP_EUSAGE, "logistic loss: label %g of sample %ld is not -1, 0 or 1", v, i);
        if (l == NN_LOSS_CE && (v != floor(v) || v < 0 || v >= outputs))
            OP_ERROR(OP_EUSAGE, "cross-entropy: label %g of sample %ld is not a class in [0, %d)",
                     v, i, outputs);
    }
    return OP_OK;
}

static int check_loss_model(const nn_model *m, nn_loss l)
{
    if (l != NN_LOSS_MSE && l != NN_LOSS_LOGISTIC && l != NN_LOSS_CE)
        OP_ERROR(OP_EUSAGE, "unknown loss %d", (int)l);
    if (l == NN_LOSS_LOGISTIC && m->cfg.outputs != 1)
        OP_ERROR(OP_EUSAGE, "logistic loss needs 1 output, the model has %d", m->cfg.outputs);
    if (l == NN_LOSS_CE && m->cfg.outputs < 2)
        OP_ERROR(OP_EUSAGE, "cross-entropy needs >= 2 outputs, the model has %d", m->cfg.outputs);
    return OP_OK;
}

int nn_predict(nn_model *m, const double *x, long n, double *out)
{
    return m->prec == NN_F32 ? nn_predict_f32(m, x, n, out) : nn_predict_f64(m, x, n, out);
}

int nn_mlp_last_hidden(nn_model *m, const double *x, long n, double *h)
{
    if (m->cfg.kind != NN_MLP || m->cfg.depth < 1)
        OP_ERROR(OP_EUSAGE, "nn_mlp_last_hidden: needs an MLP with at least one hidden layer");
    const int D = m->cfg.in_dim, W = m->cfg.width, L = m->cfg.depth;
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        const double *xs = x + (size_t)s * D;
        double *hs = h + (size_t)s * W;
        if (m->prec == NN_F32) {
            float *xb = (float *)m->ax;
            for (size_t i = 0; i < (size_t)B * D; i++) xb[i] = (float)xs[i];
            OP_TRY(nn_forward_f32(m, xb, B, NULL));
            const float *hl = (const float *)m->h[L];
            for (size_t i = 0; i < (size_t)B * W; i++) hs[i] = hl[i];
        } else {
            double *xb = (double *)m->ax;
            memcpy(xb, xs, sizeof(double) * (size_t)B * D);
            OP_TRY(nn_forward_f64(m, xb, B, NULL));
            memcpy(hs, m->h[L], sizeof(double) * (size_t)B * W);
        }
    }
    return OP_OK;
}

int nn_input_grad_output(nn_model *m, const double *x, long n, int o, double *dx)
{
    return m->prec == NN_F32 ? nn_input_grad_output_f32(m, x, n, o, dx)
                             : nn_input_grad_output_f64(m, x, n, o, dx);
}

int nn_input_grad_loss(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *dx,
                       double *loss_out)
{
    OP_TRY(check_loss_model(m, l));
    return m->prec == NN_F32 ? nn_input_grad_loss_f32(m, l, x, y, n, dx, loss_out)
                             : nn_input_grad_loss_f64(m, l, x, y, n, dx, loss_out);
}

int nn_eval(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
            double *err)
{
    OP_TRY(check_loss_model(m, l));
    return m->prec == NN_F32 ? nn_eval_f32(m, l, x, y, n, loss, err)
                             : nn_eval_f64(m, l, x, y, n, loss, err);
}

nn_attack nn_attack_fgsm(nn_norm norm, double eps)
{
    nn_attack a = {norm, eps, eps, 1, 0, 0, 0, 0};
    return a;
}

nn_attack nn_attack_pgd(nn_norm norm, double eps, int steps, double step_size, int random_start)
{
    nn_attack a = {norm, eps, step_size, steps, random_start, 0, 0, 0};
    return a;
}

int nn_attack_check(const nn_attack *a)
{
    if (a->norm != NN_NORM_LINF && a->norm != NN_NORM_L2)
        OP_ERROR(OP_EUSAGE, "attack: unknown norm %d", (int)a->norm);
    if (!isfinite(a->eps) || a->eps < 0) OP_ERROR(OP_EUSAGE, "attack: radius %g must be >= 0", a->eps);
    if (!isfinite(a->step_size) || a->step_size < 0)
        OP_ERROR(OP_EUSAGE, "attack: step size %g must be >= 0", a->step_size);
    if (a->steps < 0 || a->steps > 100000)
        OP_ERROR(OP_EUSAGE, "attack: steps %d out of range [0, 100000]", a->steps);
    if (a->clip && !(a->clip_lo <= a->clip_hi))
        OP_ERROR(OP_EUSAGE, "attack: clip range [%g, %g] is empty", a->clip_lo, a->clip_hi);
    return OP_OK;
}

int nn_attack_run(nn_model *m, const nn_attack *a, nn_loss l, const double *x, const double *y,
                  long n, op_rng *rng, double *x_adv)
{
    OP_TRY(check_loss_model(m, l));
    OP_TRY(nn_attack_check(a));
    return m->prec == NN_F32 ? nn_attack_run_f32(m, a, l, x, y, n, rng, x_adv)
                             : nn_attack_run_f64(m, a, l, x, y, n, rng, x_adv);
}

void nn_train_opts_default(nn_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->loss = NN_LOSS_MSE;
    o->opt = NN_OPT_ADAM;
    o->lr = 1e-3;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->adam_eps = 1e-8;
    o->lr_min_frac = 0;
    o->epochs = 10;
    o->batch = 64;
    o->keep_best = 1;
}

double nn_lr_at(const nn_train_opts *o, long t, long total)
{
    if (o->warmup_steps > 0 && t < o->warmup_steps)
        return o->lr * (double)(t + 1) / (double)o->warmup_steps;
    if (!o->cosine) return o->lr;
    long span = total - o->warmup_steps;
    double p = span > 0 ? (double)(t - o->warmup_steps) / (double)span : 1.0;
    if (p > 1) p = 1;
    return o->lr * (o->lr_min_frac + (1 - o->lr_min_frac) * 0.5 * (1 + cos(M_PI * p)));
}

static int check_dataset(const nn_model *m, nn_loss l, const nn_dataset *d, const char *what)
{
    int yd = nn_loss_target_dim(l, m->cfg.outputs);
    if (d->n < 1) OP_ERROR(OP_EUSAGE, "%s set is empty", what);
    if (d->n > 2147483647L) OP_ERROR(OP_EUSAGE, "%s set has too many samples", what);
    if (d->in_dim != m->cfg.in_dim)
        OP_ERROR(OP_EUSAGE, "%s set has input dimension %d, the model expects %d", what, d->in_dim,
                 m->cfg.in_dim);
    if (d->y_dim != yd)
        OP_ERROR(OP_EUSAGE, "%s set has %d target columns, %s loss with %d outputs needs %d", what,
                 d->y_dim, nn_loss_name(l), m->cfg.outputs, yd);
    for (long i = 0; i < d->n * d->in_dim; i++)
        if (!isfinite(d->x[i]))
            OP_ERROR(OP_EUSAGE, "%s set: input value %ld is not finite", what, i);
    return nn_loss_check_targets(l, m->cfg.outputs, d->y, d->n);
}

int nn_train(nn_model *m, const nn_dataset *train, const nn_dataset *val, const nn_train_opts *o,
             nn_train_result *res)
{
    OP_TRY(check_loss_model(m, o->loss));
    OP_TRY(check_dataset(m, o->loss, train, "training"));
    if (val && val->n > 0) OP_TRY(check_dataset(m, o->loss, val, "validation"));
    if (o->opt != NN_OPT_SGD && o->opt != NN_OPT_ADAM && o->opt != NN_OPT_ADAMW)
        OP_ERROR(OP_EUSAGE, "unknown optimizer %d", (int)o->opt);
    if (!isfinite(o->lr) || o->lr <= 0) OP_ERROR(OP_EUSAGE, "learning rate %g must be > 0", o->lr);
    if (!isfinite(o->wd) || o->wd < 0) OP_ERROR(OP_EUSAGE, "weight decay %g must be >= 0", o->wd);
    if (!isfinite(o->momentum) || o->momentum < 0 || o->momentum >= 1)
        OP_ERROR(OP_EUSAGE, "momentum %g must be in [0, 1)", o->momentum);
    if (o->opt != NN_OPT_SGD &&
        (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1) ||
         !(o->adam_eps > 0 && isfinite(o->adam_eps))))
        OP_ERROR(OP_EUSAGE, "Adam betas must be in [0, 1) and eps > 0");
    if (!(o->lr_min_frac >= 0 && o->lr_min_frac <= 1))
        OP_ERROR(OP_EUSAGE, "lr_min_frac %g must be in [0, 1]", o->lr_min_frac);
    if (o->epochs < 1) OP_ERROR(OP_EUSAGE, "epochs %d must be >= 1", o->epochs);
    if (o->max_steps < 0 || o->warmup_steps < 0 || o->patience < 0)
        OP_ERROR(OP_EUSAGE, "step budget, warm-up and patience must be >= 0");
    if (o->batch < 1 || o->batch > m->max_batch)
        OP_ERROR(OP_EUSAGE, "batch %d out of range [1, %d] (the model's max_batch)", o->batch,
                 m->max_batch);
    if (o->adv) OP_TRY(nn_attack_check(o->adv));
    return m->prec == NN_F32 ? nn_train_f32(m, train, val, o, res)
                             : nn_train_f64(m, train, val, o, res);
}
