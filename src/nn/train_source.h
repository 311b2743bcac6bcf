/* The training loop for one precision (template; train.c compiles it for float and
 * double, see nn_real.h): minibatches in a shuffled order, optional PGD adversarial
 * examples, one optimizer step per batch (optim.c), validation after every epoch with
 * early stopping (patience) and the best-validation parameters restored (keep_best).
 * Options were validated by nn_train (train.c). */

int NN_PICK(nn_train_f32, nn_train_f64)(nn_model *m, const nn_dataset *tr, const nn_dataset *val,
                                        const nn_train_opts *o, nn_train_result *res)
{
    const int D = m->cfg.in_dim, O = m->cfg.outputs, yd = nn_loss_target_dim(o->loss, O);
    const long n = tr->n;
    const int batch = o->batch;
    const size_t np = m->nparams;
    long spe = (n + batch - 1) / batch, total = (long)o->epochs * spe;
    if (o->max_steps > 0 && o->max_steps < total) total = o->max_steps;

    /* Everything a step needs, allocated once. */
    op_arena ar;
    size_t need = op_arena_size(sizeof(int) * (size_t)n) +
                  2 * op_arena_size(sizeof(real) * (size_t)batch * D) +
                  op_arena_size(sizeof(double) * (size_t)batch * yd) +
                  3 * op_arena_size(sizeof(real) * np);
    OP_TRY(op_arena_init(&ar, need));
    int *perm = op_arena_alloc(&ar, sizeof(int) * (size_t)n);
    real *xb = op_arena_alloc(&ar, sizeof(real) * (size_t)batch * D);
    real *xadv = op_arena_alloc(&ar, sizeof(real) * (size_t)batch * D);
    double *yb = op_arena_alloc(&ar, sizeof(double) * (size_t)batch * yd);
    real *mb = op_arena_alloc(&ar, sizeof(real) * np);
    real *vb = op_arena_alloc(&ar, sizeof(real) * np);
    real *best = op_arena_alloc(&ar, sizeof(real) * np);
    if (!perm || !xb || !xadv || !yb || !mb || !vb || !best) {
        op_arena_free(&ar);
        return OP_EINTERNAL;
    }
    for (long i = 0; i < n; i++) perm[i] = (int)i;
#ifndef NN_GATHER_AHEAD
#define NN_GATHER_AHEAD 16 /* samples: the prefetch distance of the batch gather below */
#endif

    op_rng rng, arng;
    op_rng_seed(&rng, o->seed);
    op_rng_child(&arng, &rng, 1); /* attack random starts: their own stream */
    const double lr_scale = o->opt == NN_OPT_SGD ? nn_model_lr_scale(m) : 1.0;
    const double t0 = op_now();
    long step = 0;
    double best_val = INFINITY, train_loss = NAN;
    int best_epoch = 0, epochs_run = 0, stopped = 0, st = OP_OK;
    real *P = (real *)m->params;

    for (int ep = 1; ep <= o->epochs && step < total; ep++) {
        op_rng_shuffle(&rng, perm, (int)n);
        double sum = 0;
        long cnt = 0;
        double lr = 0;
        for (long s = 0; s < n && step < total; s += batch) {
            const int B = (int)(n - s < batch ? n - s : batch);
            for (int b = 0; b < B; b++) {
                /* Rows are gathered in random order from a pool that may be far larger than
                 * the caches (scaling-id: 200 000 x 20 doubles): fetch a row's first lines
                 * NN_GATHER_AHEAD samples early, so the misses overlap (the gather was
                 * 15 % of scaling-id's time, nearly all of it waiting on them). */
                if (b + NN_GATHER_AHEAD < B) {
                    const char *px = (const char *)(tr->x + (size_t)perm[s + b + NN_GATHER_AHEAD] * D);
                    const size_t nb = sizeof(double) * (size_t)D;
                    for (size_t k = 0; k < nb && k < 512; k += 64) __builtin_prefetch(px + k);
                    __builtin_prefetch(tr->y + (size_t)perm[s + b + NN_GATHER_AHEAD] * yd);
                }
                const double *xs = tr->x + (size_t)perm[s + b] * D;
                const double *ys = tr->y + (size_t)perm[s + b] * yd;
                for (int i = 0; i < D; i++) xb[(size_t)b * D + i] = (real)xs[i];
                for (int i = 0; i < yd; i++) yb[(size_t)b * yd + i] = ys[i];
            }
            const real *xin = xb;
            if (o->adv) {
                st = NN_PICK(nn_attack_batch_f32, nn_attack_batch_f64)(m, o->adv, o->loss, xb, yb,
                                                                       B, &arng, xadv);
                if (st) goto done;
                xin = xadv;
            }
            if ((st = NN_PICK(nn_forward_f32, nn_forward_f64)(m, xin, B, NULL))) goto done;
            double lv = NN_PICK(nn_loss_f32, nn_loss_f64)(o->loss, (real *)m->out, yb, B, O,
                                                          (real *)m->dout);
            if (!isfinite(lv)) {
                st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__,
                                  "training diverged: loss is %g at epoch %d, step %ld (lr %g)", lv,
                                  ep, step + 1, nn_lr_at(o, step, total) * lr_scale);
                goto done;
            }
            if ((st = NN_PICK(nn_backward_f32, nn_backward_f64)(m, (real *)m->dout, B, NULL,
                                                                NN_BWD_PARAMS | NN_BWD_SET)))
                goto done;
            lr = nn_lr_at(o, step, total) * lr_scale;
            NN_PICK(nn_optim_step_f32, nn_optim_step_f64)
            (o, P, (real *)m->grads, mb, vb, np, lr, step + 1);
            step++;
            sum += lv * B;
            cnt += B;
        }
        epochs_run = ep;
        train_loss = sum / (double)cnt;
        nn_epoch_info info = {ep, step, train_loss, NAN, lr, op_now() - t0, 0};
        if (val && val->n > 0) {
            double vl;
            if ((st = NN_PICK(nn_eval_f32, nn_eval_f64)(m, o->loss, val->x, val->y, val->n, &vl,
                                                        NULL)))
                goto done;
            if (!isfinite(vl)) {
                st =
                    op_error_set(OP_EDIVERGE, __FILE__, __LINE__,
                                 "training diverged: validation loss is %g after epoch %d", vl, ep);
                goto done;
            }
            info.val_loss = vl;
            if (vl < best_val) {
                best_val = vl;
                best_epoch = ep;
                info.improved = 1;
                memcpy(best, P, sizeof(real) * np);
            }
        } else {
            best_epoch = ep;
        }
        if (o->on_epoch) o->on_epoch(&info, o->ctx);
        if (val && val->n > 0 && o->patience > 0 && ep - best_epoch >= o->patience) {
            stopped = 1;
            break;
        }
    }
    if (val && val->n > 0 && o->keep_best && best_epoch > 0) memcpy(P, best, sizeof(real) * np);
done:
    op_arena_free(&ar);
    if (res) {
        res->epochs_run = epochs_run;
        res->best_epoch = best_epoch;
        res->stopped_early = stopped;
        res->steps = step;
        res->train_loss = train_loss;
        res->best_val_loss = val && val->n > 0 && best_epoch > 0 ? best_val : NAN;
        res->seconds = op_now() - t0;
    }
    return st;
}
