/* Adversarial attacks (nn.h: FGSM and PGD in l-inf and l2): the typed passes in
 * attack_source.h, the constructors, checks and dispatch below. */
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
#include "attack_source.h"
#include "nn_real_end.h"

#define NN_REAL_F64 1
#include "nn_real.h"
#include "attack_source.h"
#include "nn_real_end.h"

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
    OP_TRY(nn_check_loss_model(m, l));
    OP_TRY(nn_attack_check(a));
    return m->prec == NN_F32 ? nn_attack_run_f32(m, a, l, x, y, n, rng, x_adv)
                             : nn_attack_run_f64(m, a, l, x, y, n, rng, x_adv);
}
