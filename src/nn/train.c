/* Training (nn.h nn_train): option and data checks and the dispatch below; the loop
 * with early stopping in train_source.h; the learning-rate schedule (nn_lr_at). */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core/blas.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "nn_internal.h"

#define NN_REAL_F64 0
#include "nn_real.h"
#include "train_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "train_source.h"
#include "nn_real_end.h"

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
    OP_TRY(nn_check_loss_model(m, o->loss));
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
