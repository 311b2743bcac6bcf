/* Optimizer steps (SGD with momentum, Adam, AdamW; nn.h nn_train_opts) for one
 * precision (template; optim.c compiles it for float and double, see nn_real.h). */

/* Elements per work item of the float32 Adam pass (64 KiB of each stream). */
#define NN_ADAM_CHUNK 16384

#ifndef NN_ADAM_F32_DEFINED /* this file is included once per precision */
#define NN_ADAM_F32_DEFINED
typedef struct {
    float b1, a1, b2, a2, pw, gw, eps, step, sbc2;
} nn_adam_f32_coef;

/* The float32 Adam update of elements [lo, hi) (see nn_optim_step_f32). */
static void nn_adam_f32_range(const nn_adam_f32_coef *k, float *fp, const float *fg, float *fm, float *fv,
                              size_t lo, size_t hi)
{
    const float fb1 = k->b1, fa1 = k->a1, fb2 = k->b2, fa2 = k->a2, fpw = k->pw, fgw = k->gw, feps = k->eps,
                step = k->step, sbc2 = k->sbc2;
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
#endif

/* One update of every parameter (elementwise, so any thread split gives the same bits).
 * t is the 1-based step count (Adam bias correction). */
void NN_PICK(nn_optim_step_f32, nn_optim_step_f64)(const nn_train_opts *o, real *p, const real *g,
                                                   real *mb, real *vb, size_t n, double lr, long t)
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
        const nn_adam_f32_coef k = {(float)b1,         (float)(1 - b1), (float)b2,
                                    (float)(1 - b2),   (float)pw,       (float)gw,
                                    (float)eps,        (float)(lr / bc1), (float)sqrt(bc2)};
        float *fp = (float *)p, *fm = (float *)mb, *fv = (float *)vb;
        const float *fg = (const float *)g;
        const size_t nc = (n + NN_ADAM_CHUNK - 1) / NN_ADAM_CHUNK;
        NN_PAR_FOR(n > NN_OMP_MIN, (size_t c = 0; c < nc; c++), const size_t lo = c * NN_ADAM_CHUNK;
                   nn_adam_f32_range(&k, fp, fg, fm, fv, lo, lo + NN_ADAM_CHUNK < n ? lo + NN_ADAM_CHUNK : n););
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
