/* overparam sample: points on a manifold embedded in R^D with a target and its
 * ambient gradient, as CSV (pandas-readable); or, with --intdim, intrinsic-dimension
 * estimates of the sampled cloud. */
#include <stdio.h>
#include <string.h>

#include "core/args.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/dataset.h"
#include "manifolds/intdim.h"
#include "manifolds/manifold.h"
#include "cmds.h"

static int emit(op_buf *b, const char *out, int final)
{
    if (b->oom) OP_ERROR(OP_ENOMEM, "out of memory building the CSV");
    if (out) return final ? op_write_atomic(out, b->s, b->len) : OP_OK;
    if (b->len > (1 << 20) || final) {
        if (fwrite(b->s, 1, b->len, stdout) != b->len) OP_ERROR(OP_EIO, "cannot write to stdout");
        b->len = 0;
        b->s[0] = 0;
    }
    return OP_OK;
}

/* Columns x0..x{D-1}, f, y, g0..g{D-1}: y (the label, f plus any --label-noise) is always
 * written, so `sample` output is what `train --data`, `kernel` and `model grad` read
 * (target column y, inputs x0..x{D-1}; core/csvcols.h) without flags. */
static int write_csv(const mf_dataset *ds, const char *out)
{
    op_buf b;
    op_buf_init(&b);
    int D = ds->D, st = OP_OK;
    for (int a = 0; a < D; a++) op_buf_printf(&b, "%sx%d", a ? "," : "", a);
    if (ds->f) {
        op_buf_puts(&b, ",f");
        op_buf_puts(&b, ",y");
        for (int a = 0; a < D; a++) op_buf_printf(&b, ",g%d", a);
    }
    op_buf_puts(&b, "\n");
    for (long i = 0; i < ds->n && !st; i++) {
        for (int a = 0; a < D; a++) op_buf_printf(&b, "%s%.17g", a ? "," : "", ds->X[i * D + a]);
        if (ds->f) {
            op_buf_printf(&b, ",%.17g", ds->f[i]);
            op_buf_printf(&b, ",%.17g", ds->y[i]);
            for (int a = 0; a < D; a++) op_buf_printf(&b, ",%.17g", ds->grad[i * D + a]);
        }
        op_buf_puts(&b, "\n");
        st = emit(&b, out, 0);
    }
    if (!st) st = emit(&b, out, 1);
    op_buf_free(&b);
    return st;
}

static int write_intdim(const mf_dataset *ds, long k1, long k2, const char *out)
{
    double mle, two;
    OP_TRY(mf_intdim_mle(ds->X, ds->n, ds->D, (int)k1, (int)k2, &mle));
    OP_TRY(mf_intdim_twonn(ds->X, ds->n, ds->D, &two));
    op_buf b;
    op_buf_init(&b);
    const char *name = mf_manifold_name(ds->m);
    op_buf_puts(&b, "manifold,d,D,n,estimator,k1,k2,estimate\n");
    op_buf_printf(&b, "\"%s\",%d,%d,%ld,mle,%ld,%ld,%.6f\n", name, ds->d, ds->D, ds->n, k1, k2, mle);
    op_buf_printf(&b, "\"%s\",%d,%d,%ld,twonn,,,%.6f\n", name, ds->d, ds->D, ds->n, two);
    int st = emit(&b, out, 1);
    op_buf_free(&b);
    return st;
}

int cmd_sample(int argc, char **argv)
{
    const char *manifold = NULL, *target = "matern:s=1", *format = "csv", *out = NULL;
    long ambient = 0, n = 1000, k1 = 10, k2 = 20;
    uint64_t seed = 0, tseed = 0, eseed = 0, sseed = 0;
    double noise = 0, label_noise = 0;
    int intdim = 0;
    op_arg spec[] = {
        {"manifold", OP_ARG_STR, &manifold, 0, 0, "manifold spec, e.g. torus:d=2 (overparam manifolds)", 0},
        {"ambient", OP_ARG_INT, &ambient, 0, MF_MAX_AMBIENT, "ambient dimension D >= the natural dimension (default: natural; train --manifold: 16)", 0},
        {"n", OP_ARG_INT, &n, 1, 100000000, "number of points (default 1000; train --manifold: 512, before its splits)", 0},
        {"target", OP_ARG_STR, &target, 0, 0, "target spec (default matern:s=1; none: points only)", 0},
        {"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "base seed of the target, embedding and points, 0..2^64-1 (0; train: 1)", 0},
        {"target-seed", OP_ARG_U64, &tseed, 0, (double)UINT64_MAX, "override the target's seed", 0},
        {"embed-seed", OP_ARG_U64, &eseed, 0, (double)UINT64_MAX, "override the embedding's seed", 0},
        {"sample-seed", OP_ARG_U64, &sseed, 0, (double)UINT64_MAX, "override the points' (and noises') seed", 0},
        {"noise", OP_ARG_DOUBLE, &noise, 0, 1e6, "ambient Gaussian noise s.d. added to x (0)", 0},
        {"label-noise", OP_ARG_DOUBLE, &label_noise, 0, 1e6,
         "noise on the label y: s.d. (regression) or flip probability (sign) (0: y = f)", 0},
        {"format", OP_ARG_STR, &format, 0, 0, "output format: csv", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "write to FILE atomically (default stdout)", 0},
        {"intdim", OP_ARG_FLAG, &intdim, 0, 0, "print intrinsic-dimension estimates (MLE, TwoNN) instead", 0},
        {"k1", OP_ARG_INT, &k1, 2, 1000, "MLE: smallest neighbour count (10)", 0},
        {"k2", OP_ARG_INT, &k2, 2, 1000, "MLE: largest neighbour count (20)", 0},
    };
    int nspec = (int)(sizeof spec / sizeof spec[0]);
    int st = op_args_parse("sample", argc - 1, argv + 1, spec, nspec, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(
            stdout,
            "overparam sample --manifold M [--ambient D] [--n N] [--target T] [--seed S] [--noise X]\n"
            "                        [--label-noise X] [--format csv] [--out FILE] [--intdim [--k1 K --k2 K]]",
            "Samples N points uniformly (see overparam manifolds) on M, embeds them isometrically in R^D by\n"
            "a random orthonormal Q, and writes CSV columns x0..x{D-1}, f, y, g0..g{D-1}: the point,\n"
            "the noise-free target, the label (f plus --label-noise; y = f without it) and the target's\n"
            "ambient (tangent) gradient. train --data, kernel and model grad read y as the target and\n"
            "x0..x{D-1} as the inputs, so sample | train needs no column flags. Seeds: target, embedding and\n"
            "points are seeded separately from --seed (hash of \"target\"/\"embed\"/\"sample\" with it),\n"
            "so the target is the same function for every D and the first m points of N are the\n"
            "points of --n m. --intdim prints manifold,d,D,n,estimator,k1,k2,estimate rows\n"
            "(Levina-Bickel MLE averaged over k1..k2, TwoNN) for the sampled (noisy) cloud.",
            spec, nspec);
        return 0;
    }
    if (st) return cli_fail(st);
    if (!manifold) {
        return cli_usage("sample: --manifold is required (e.g. --manifold torus:d=2; see "
                         "overparam manifolds)");
    }
    if (strcmp(format, "csv") != 0) {
        return cli_usage("sample: --format '%s' is not supported; allowed: csv", format);
    }
    if (k1 > k2) {
        return cli_usage("sample: --k1 %ld is larger than --k2 %ld", k1, k2);
    }
    if (op_args_find(spec, nspec, "label-noise")->seen && (intdim || strcmp(target, "none") == 0)) {
        return cli_usage("sample: --label-noise applies to a target; %s writes no labels",
                         intdim ? "--intdim" : "--target none");
    }
    /* The library reads D = 0 as "the natural dimension"; on the command line that is
     * spelt by leaving --ambient out, and an explicit --ambient below the natural
     * dimension (0 included) is refused with the manifold's natural dimension. */
    if (op_args_find(spec, nspec, "ambient")->seen) {
        mf_manifold *m = NULL;
        if ((st = mf_manifold_parse(manifold, &m))) return cli_fail(st);
        int N = mf_manifold_natural_dim(m);
        mf_manifold_free(m);
        if (ambient < N) {
            return cli_usage("sample: --ambient %ld is smaller than the manifold's embedding dimension %d for %s; "
                             "allowed: an integer in [%d, %d] (leave --ambient out for D = %d)",
                             ambient, N, manifold, N, MF_MAX_AMBIENT, N);
        }
    }
    mf_dataset_spec ds_spec = {
        .manifold = manifold,
        .D = (int)ambient,
        .n = n,
        .target = intdim ? NULL : target,
        .ambient_noise = noise,
        .label_noise = label_noise,
        .target_seed = op_args_find(spec, nspec, "target-seed")->seen ? tseed : op_seed_from_key("target", seed),
        .embed_seed = op_args_find(spec, nspec, "embed-seed")->seen ? eseed : op_seed_from_key("embed", seed),
        .sample_seed = op_args_find(spec, nspec, "sample-seed")->seen ? sseed : op_seed_from_key("sample", seed),
    };
    mf_dataset ds;
    if ((st = mf_dataset_make(&ds_spec, &ds))) return cli_fail(st);
    st = intdim ? write_intdim(&ds, k1, k2, out) : write_csv(&ds, out);
    mf_dataset_free(&ds);
    if (st) return cli_fail(st);
    return 0;
}
