/* FGSM / PGD in l-inf and l2 for one precision (template; attack.c compiles it for
 * float and double, see nn_real.h). Per sample: ascend the sample's loss,
 * project onto the eps-ball around the clean input, optionally clip to a data range.
 * The projection is computed in double from the clean input, so the iterate is in the
 * ball up to the final rounding to real. */

static void NN_PICK(project_f32, project_f64)(const nn_attack *a, const real *x0, real *x, int B,
                                              int D)
{
    for (int b = 0; b < B; b++) {
        const real *c = x0 + (size_t)b * D;
        real *v = x + (size_t)b * D;
        if (a->norm == NN_NORM_LINF) {
            for (int i = 0; i < D; i++) {
                double d = (double)v[i] - c[i];
                if (d > a->eps) d = a->eps;
                if (d < -a->eps) d = -a->eps;
                v[i] = (real)(c[i] + d);
            }
        } else {
            double n2 = 0;
            for (int i = 0; i < D; i++) {
                double d = (double)v[i] - c[i];
                n2 += d * d;
            }
            double nrm = sqrt(n2);
            if (nrm > a->eps) {
                double f = a->eps / nrm;
                for (int i = 0; i < D; i++) v[i] = (real)(c[i] + f * ((double)v[i] - c[i]));
            }
        }
        if (a->clip)
            for (int i = 0; i < D; i++) {
                if (v[i] < a->clip_lo) v[i] = (real)a->clip_lo;
                if (v[i] > a->clip_hi) v[i] = (real)a->clip_hi;
            }
    }
}

int NN_PICK(nn_attack_batch_f32, nn_attack_batch_f64)(nn_model *m, const nn_attack *a, nn_loss l,
                                                      const real *x, const double *y, int B,
                                                      op_rng *rng, real *x_adv)
{
    OP_TRY(nn_check_call(m, NN_PREC, B));
    OP_TRY(nn_attack_check(a));
    const int D = m->cfg.in_dim, O = m->cfg.outputs;
    memcpy(x_adv, x, sizeof(real) * (size_t)B * D);
    if (a->random_start && a->eps > 0) {
        for (int b = 0; b < B; b++) {
            real *v = x_adv + (size_t)b * D;
            if (a->norm == NN_NORM_LINF) {
                /* Uniform in the l-inf box. */
                for (int i = 0; i < D; i++) v[i] += (real)(a->eps * (2 * op_rng_uniform(rng) - 1));
            } else {
                /* Uniform in the l2 ball: Gaussian direction, radius eps * U^(1/D). */
                double n2 = 0;
                real *g = (real *)m->x_grad;
                for (int i = 0; i < D; i++) {
                    double z = op_rng_normal(rng);
                    g[i] = (real)z;
                    n2 += z * z;
                }
                double r = a->eps * pow(op_rng_uniform(rng), 1.0 / D) / (n2 > 0 ? sqrt(n2) : 1);
                for (int i = 0; i < D; i++) v[i] += (real)(r * g[i]);
            }
        }
        NN_PICK(project_f32, project_f64)(a, x, x_adv, B, D);
    }
    real *gx = (real *)m->x_grad, *dout = (real *)m->dout;
    for (int t = 0; t < a->steps; t++) {
        OP_TRY(NN_PICK(nn_forward_f32, nn_forward_f64)(m, x_adv, B, NULL));
        double lv = NN_PICK(nn_loss_f32, nn_loss_f64)(l, (real *)m->out, y, B, O, dout);
        if (!isfinite(lv))
            OP_ERROR(OP_EDIVERGE, "attack: loss is %g at step %d (diverged model?)", lv, t);
        OP_TRY(NN_PICK(nn_backward_f32, nn_backward_f64)(m, dout, B, gx, NN_BWD_INPUT));
        for (int b = 0; b < B; b++) {
            real *v = x_adv + (size_t)b * D;
            const real *g = gx + (size_t)b * D;
            if (a->norm == NN_NORM_LINF) {
                for (int i = 0; i < D; i++)
                    v[i] += (real)(a->step_size * ((g[i] > 0) - (g[i] < 0)));
            } else {
                double n2 = 0;
                for (int i = 0; i < D; i++) n2 += (double)g[i] * g[i];
                if (n2 > 0) {
                    double f = a->step_size / sqrt(n2);
                    for (int i = 0; i < D; i++) v[i] += (real)(f * g[i]);
                }
            }
        }
        NN_PICK(project_f32, project_f64)(a, x, x_adv, B, D);
    }
    return OP_OK;
}

int NN_PICK(nn_attack_run_f32, nn_attack_run_f64)(nn_model *m, const nn_attack *a, nn_loss l,
                                                  const double *x, const double *y, long n,
                                                  op_rng *rng, double *x_adv)
{
    const int D = m->cfg.in_dim, yd = nn_loss_target_dim(l, m->cfg.outputs);
    for (long s = 0; s < n; s += m->max_batch) {
        int B = (int)(n - s < m->max_batch ? n - s : m->max_batch);
        NN_PICK(nn_to_real_f32, nn_to_real_f64)
        ((real *)m->x_clean, x + (size_t)s * D, (size_t)B * D);
        OP_TRY(NN_PICK(nn_attack_batch_f32, nn_attack_batch_f64)(
            m, a, l, (real *)m->x_clean, y + (size_t)s * yd, B, rng, (real *)m->x_batch));
        NN_PICK(nn_to_double_f32, nn_to_double_f64)
        (x_adv + (size_t)s * D, (real *)m->x_batch, (size_t)B * D);
    }
    return OP_OK;
}
