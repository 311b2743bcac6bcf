/* Optimizer steps and the training loop for one precision. */

/* Elements per work item of the float32 Adam pass (64 KiB of each stream). */
#define NN_ADAM_CHUNK 16384


/* One update of every parameter (elementwise, so any thread split gives the same bits).
 * t is the 1-based step count (Adam bias correction). */
static void NN_FN(opt_step)(const nn_train_opts *o, real *p, const real *g, real *mb, real *vb,
                            size_t n, double lr, long t)
{
    const double wd = o->wd;
    if (o->opt == NN_OPT_SGD) {
        const double mom = o->momentum;
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
        for (size_t i = 0; i < n; i++) {
            double gi = (double)g[i] + wd * p[i];
            if (mom > 0) {
                /* PyTorch convention: buf = mom * buf + g (buf starts at 0), p -= lr * buf. */
                double bi = mom * mb[i] + gi;
                mb[i] = (real)bi;
                gi = bi;
            }
            p[i] = (real)(p[i] - lr * gi);
        }
        return;
    }
    const double b1 = o->beta1, b2 = o->beta2, eps = o->adam_eps;
    const double bc1 = 1 - pow(b1, (double)t), bc2 = 1 - pow(b2, (double)t);
    /* AdamW decays the weight (pw), Adam adds the L2 term to the gradient (gw). */
    const double pw = o->opt == NN_OPT_ADAMW ? 1 - lr * wd : 1;
    const double gw = o->opt == NN_OPT_ADAMW ? 0 : wd;
    if (sizeof(real) == sizeof(float)) {
        /* float32 model: one fused pass in float arithmetic (PyTorch's formula:
         * p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)). The update is memory-bound
         * (p, g, m, v read, p, m, v written: 28 bytes per parameter), so double
         * arithmetic only halved the vector width; sqrt/div are exact-rounded
         * (vsqrtps, vdivps), so the bits are the same for any split. Fixed chunks of
         * NN_ADAM_CHUNK keep the loop simple for the vectorizer. */
        const float fb1 = (float)b1, fa1 = (float)(1 - b1), fb2 = (float)b2, fa2 = (float)(1 - b2);
        const float fpw = (float)pw, fgw = (float)gw, feps = (float)eps;
        const float step = (float)(lr / bc1), sbc2 = (float)sqrt(bc2);
        float *fp = (float *)p, *fm = (float *)mb, *fv = (float *)vb;
        const float *fg = (const float *)g;
        const size_t nc = (n + NN_ADAM_CHUNK - 1) / NN_ADAM_CHUNK;
#pragma omp parallel for schedule(static) if (n > NN_OMP_MIN)
        for (size_t c = 0; c < nc; c++) {
            const size_t lo = c * NN_ADAM_CHUNK, hi = lo + NN_ADAM_CHUNK < n ? lo + NN_ADAM_CHUNK : n;
#pragma omp simd
            for (size_t i = lo; i < hi; i++) {
                const float pi = fp[i] * fpw, gi = fg[i] + fgw * pi;
                const float mi = fb1 * fm[i] + fa1 * gi;
                const float vi = fb2 * fv[i] + fa2 * gi * gi;
                fm[i] = mi;
                fv[i] = vi;
                fp[i] = pi - step * mi / (__builtin_sqrtf(vi) / sbc2 + feps);
            }
        }
        return;
    }
#pragma omp parallel for simd schedule(static) if (n > NN_OMP_MIN)
    for (size_t i = 0; i < n; i++) {
        double pi = p[i] * pw, gi = g[i];
        gi += gw * pi;
        double mi = b1 * mb[i] + (1 - b1) * gi;
        double vi = b2 * vb[i] + (1 - b2) * gi * gi;
        mb[i] = (real)mi;
        vb[i] = (real)vi;
        p[i] = (real)(pi - lr * (mi / bc1) / (sqrt(vi / bc2) + eps));
    }
}

int NN_FN(nn_train)(nn_model *m, const nn_dataset *tr, const nn_dataset *val,
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
                const double *xs = tr->x + (size_t)perm[s + b] * D;
                const double *ys = tr->y + (size_t)perm[s + b] * yd;
                for (int i = 0; i < D; i++) xb[(size_t)b * D + i] = (real)xs[i];
                for (int i = 0; i < yd; i++) yb[(size_t)b * yd + i] = ys[i];
            }
            const real *xin = xb;
            if (o->adv) {
                st = NN_FN(nn_attack_batch)(m, o->adv, o->loss, xb, yb, B, &arng, xadv);
                if (st) goto done;
                xin = xadv;
            }
            if ((st = NN_FN(nn_forward)(m, xin, B, NULL))) goto done;
            double lv = NN_FN(nn_loss)(o->loss, (real *)m->out, yb, B, O, (real *)m->dout);
            if (!isfinite(lv)) {
                st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__,
                                  "training diverged: loss is %g at epoch %d, step %ld (lr %g)", lv,
                                  ep, step + 1, nn_lr_at(o, step, total) * lr_scale);
                goto done;
            }
            if ((st = NN_FN(nn_backward)(m, (real *)m->dout, B, NULL, NN_BWD_PARAMS | NN_BWD_SET))) goto done;
            lr = nn_lr_at(o, step, total) * lr_scale;
            NN_FN(opt_step)(o, P, (real *)m->grads, mb, vb, np, lr, step + 1);
            step++;
            sum += lv * B;
            cnt += B;
        }
        epochs_run = ep;
        train_loss = sum / (double)cnt;
        nn_epoch_info info = {ep, step, train_loss, NAN, lr, op_now() - t0, 0};
        if (val && val->n > 0) {
            double vl;
            if ((st = NN_FN(nn_eval)(m, o->loss, val->x, val->y, val->n, &vl, NULL))) goto done;
            if (!isfinite(vl)) {
                st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__,
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
