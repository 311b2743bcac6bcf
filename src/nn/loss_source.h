/* Losses for one precision (template; loss.c compiles it for float and double, see
 * nn_real.h): values accumulated in double, sequentially over the batch
 * (fixed order), gradients of the MEAN loss written into dout. */

static double NN_PICK(softplus_f32, softplus_f64)(double t)
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

double NN_PICK(nn_loss_f32, nn_loss_f64)(nn_loss l, const real *out, const double *y, int B, int O,
                                         real *dout)
{
    double total = 0;
    if (l == NN_LOSS_MSE) {
        const double inv = 1.0 / ((double)B * O);
        for (size_t i = 0; i < (size_t)B * O; i++) {
            double r = (double)out[i] - y[i];
            total += r * r;
            if (dout) dout[i] = (real)(2 * r * inv);
        }
        return total * inv;
    }
    if (l == NN_LOSS_LOGISTIC) {
        /* O == 1 (checked by nn_train / callers); t = +1 for y = 1, else -1. */
        for (int b = 0; b < B; b++) {
            double f = out[(size_t)b * O], t = y[b] > 0.5 ? 1.0 : -1.0;
            total += NN_PICK(softplus_f32, softplus_f64)(-t * f);
            /* d/df softplus(-t f) = -t * sigmoid(-t f) */
            if (dout) {
                double u = -t * f;
                double sig = u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u));
                dout[(size_t)b * O] = (real)(-t * sig / B);
            }
        }
        return total / B;
    }
    /* Softmax cross-entropy with a stable log-sum-exp. */
    for (int b = 0; b < B; b++) {
        const real *f = out + (size_t)b * O;
        int k = (int)y[b];
        double mx = f[0];
        for (int o = 1; o < O; o++)
            if (f[o] > mx) mx = f[o];
        double se = 0;
        for (int o = 0; o < O; o++) se += exp((double)f[o] - mx);
        double lse = mx + log(se);
        total += lse - f[k];
        if (dout)
            for (int o = 0; o < O; o++)
                dout[(size_t)b * O + o] = (real)((exp((double)f[o] - lse) - (o == k)) / B);
    }
    return total / B;
}

long NN_PICK(nn_loss_errors_f32, nn_loss_errors_f64)(nn_loss l, const real *out, const double *y,
                                                     int B, int O)
{
    long err = 0;
    if (l == NN_LOSS_LOGISTIC) {
        for (int b = 0; b < B; b++) err += (out[(size_t)b * O] > 0) != (y[b] > 0.5);
    } else if (l == NN_LOSS_CE) {
        for (int b = 0; b < B; b++) {
            const real *f = out + (size_t)b * O;
            int am = 0;
            for (int o = 1; o < O; o++)
                if (f[o] > f[am]) am = o;
            err += am != (int)y[b];
        }
    }
    return err;
}
