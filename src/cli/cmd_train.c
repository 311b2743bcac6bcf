/* overparam train: one training run from flags (data from CSV or a built-in sphere
 * sample), writes DIR/model.bin and DIR/record.json. Every flag is validated and the
 * data loaded before anything is written; the output directory is created only after
 * training succeeded. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/version.h"
#include "../core/args.h"
#include "../core/csvcols.h"
#include "../core/blas.h"
#include "../core/fsutil.h"
#include "../core/op_error.h"
#include "../core/progress.h"
#include "../core/rng.h"
#include "../nn/nn.h"
#include "../nn/nn_csv.h"
#include "cmds.h"
#include "store/record.h"
#include "manifolds/dataset.h"

typedef struct {
    double *x, *y; /* [n][D], [n] */
    long n;
    int D;
    char *cols_json; /* --data: "target_col": ..., "input_cols": [...] for the record */
} train_data;

/* Data on a manifold from the manifolds module (manifolds/dataset.h): n points of
 * `spec` embedded isometrically in R^D, the target field `target` (default
 * matern:s=1) plus label noise. Target, embedding and points take separate streams
 * derived from the run's seed. */
static int manifold_data(const char *spec, const char *target, int D, long n, double noise,
                         uint64_t seed, train_data *td)
{
    mf_dataset_spec ds_spec = {.manifold = spec, .D = D, .n = n, .target = target,
                               .ambient_noise = 0, .label_noise = noise,
                               .target_seed = op_seed_from_key("train/target", seed),
                               .embed_seed = op_seed_from_key("train/embed", seed),
                               .sample_seed = op_seed_from_key("train/points", seed)};
    mf_dataset ds;
    OP_TRY(mf_dataset_make(&ds_spec, &ds));
    td->n = n;
    td->D = ds.D;
    td->x = ds.X;
    td->y = ds.y;
    ds.X = NULL; /* ownership moves to td */
    ds.y = NULL;
    mf_dataset_free(&ds);
    return OP_OK;
}

/* CSV: target and input columns by the contract in core/csvcols.h (the target column
 * --target-col, default y; inputs --input-cols, else x0..x{D-1}, else every other
 * column). The chosen columns go into the record as JSON (td->cols_json). */
static int csv_data(const char *path, const char *target, const char *input_cols, train_data *td)
{
    nn_csv t;
    int st = nn_csv_read(path, &t);
    if (st) return cli_data_status(st);
    op_csvcols cc;
    if ((st = op_csvcols_select(path, t.names, t.ncols, target, 1, input_cols, &cc))) {
        nn_csv_free(&t);
        return st;
    }
    td->n = t.nrows;
    td->D = cc.nin;
    td->x = op_malloc(sizeof(double) * (size_t)td->n * td->D);
    td->y = op_malloc(sizeof(double) * (size_t)td->n);
    op_buf b;
    op_buf_init(&b);
    op_csvcols_json(&cc, t.names, &b);
    td->cols_json = b.oom ? NULL : b.s;
    if (!td->x || !td->y || !td->cols_json) {
        if (!td->cols_json) op_buf_free(&b);
        op_csvcols_free(&cc);
        nn_csv_free(&t);
        return OP_ENOMEM;
    }
    for (long r = 0; r < t.nrows; r++) {
        td->y[r] = t.v[r * t.ncols + cc.target];
        for (int k = 0; k < cc.nin; k++) td->x[r * td->D + k] = t.v[r * t.ncols + cc.in[k]];
    }
    op_csvcols_free(&cc);
    nn_csv_free(&t);
    return OP_OK;
}

/* The output directory must be creatable: an existing writable directory, or a path whose
 * nearest existing ancestor is a writable directory. Checked before training; the
 * directory itself is created only when there is something to write. */
static int check_out_dir(const char *dir)
{
    char buf[4096];
    if (strlen(dir) >= sizeof buf) OP_ERROR(OP_EUSAGE, "--out path is too long");
    strcpy(buf, dir);
    for (;;) {
        struct stat st;
        if (stat(buf, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) OP_ERROR(OP_EIO, "--out: '%s' exists and is not a directory", buf);
            if (access(buf, W_OK | X_OK) != 0) OP_ERROR(OP_EIO, "--out: '%s' is not writable", buf);
            return OP_OK;
        }
        char *slash = strrchr(buf, '/');
        if (!slash) {
            strcpy(buf, ".");
            continue;
        }
        if (slash == buf) {
            buf[1] = 0;
            continue;
        }
        *slash = 0;
    }
}

typedef struct {
    int tty, epochs;
} progress_ctx;

static void on_epoch(const nn_epoch_info *e, void *ctx)
{
    progress_ctx *p = ctx;
    if (!p->tty) return;
    if (isnan(e->val_loss))
        fprintf(stderr, "epoch %4d/%d  train %.6g  lr %.3g  %.1fs\n", e->epoch, p->epochs,
                e->train_loss, e->lr, e->seconds);
    else
        fprintf(stderr, "epoch %4d/%d  train %.6g  val %.6g%s  lr %.3g  %.1fs\n", e->epoch,
                p->epochs, e->train_loss, e->val_loss, e->improved ? " *" : "", e->lr, e->seconds);
}

/* Copies rows idx[lo..hi) into a contiguous dataset. */
static void gather(const train_data *td, const int *idx, long lo, long hi, double *x, double *y)
{
    for (long i = lo; i < hi; i++) {
        memcpy(x + (i - lo) * td->D, td->x + (size_t)idx[i] * td->D, sizeof(double) * td->D);
        y[i - lo] = td->y[idx[i]];
    }
}

int cmd_train(int argc, char **argv)
{
    const char *data = NULL, *target = NULL, *input_cols = NULL, *manifold = NULL, *field = "matern:s=1",
               *conv = "auto", *out = NULL;
    /* Enum flags (the parser checks the name; the index is the nn_* enum's value). */
    static const char *const models[] = {"convresnet1d", "convresnet2d", "mlp"};
    static const char *const heads[] = {"fc", "pool"};
    static const char *const params[] = {"standard", "ntk", "mf"};
    static const char *const losses[] = {"mse", "logistic", "ce"};
    static const char *const opts[] = {"sgd", "adam", "adamw"};
    static const char *const scheds[] = {"cosine", "constant"};
    int kind = NN_CONVRESNET1D, hd = NN_HEAD_FC, pm = NN_PARAM_STANDARD, ls = NN_LOSS_MSE, op = NN_OPT_ADAM,
        sc = 0;
    op_arg_enum kind_e = {&kind, models, 3}, hd_e = {&hd, heads, 2}, pm_e = {&pm, params, 3},
                ls_e = {&ls, losses, 3}, op_e = {&op, opts, 3}, sc_e = {&sc, scheds, 2};
    long ambient = 16, n = 512, C = 8, K = 3, L = 2, M = 4, H = 0, W = 0, width = 64, depth = 2,
         bias = 1, classes = 0, epochs = 20, steps = 0, batch = 64, warmup = 0, patience = 0,
         threads = 0;
    double noise = 0, res_scale = 1, bias_scale = 0.1, lr = 1e-3, wd = 0, momentum = 0,
           val_frac = 0.1, test_frac = 0.2;
    uint64_t seed = 1;
    int zero_init_last = 0;
    op_arg spec[] = {
        {"data", OP_ARG_STR, &data, 0, 0, "CSV with a header row: input columns and a target column", 0},
        {"target-col", OP_ARG_STR, &target, 0, 0, "--data: the target column's name; a file without it is refused (y)", 0},
        {"input-cols", OP_ARG_STR, &input_cols, 0, 0,
         "--data: input columns a,b,c (default x0..x{D-1} when the file has x0, else every column but the target)", 0},
        {"manifold", OP_ARG_STR, &manifold, 0, 0, "data on a manifold instead of --data, e.g. sphere:d=2, torus:d=2, so3 (overparam manifolds)", 0},
        {"ambient", OP_ARG_INT, &ambient, 2, 65536, "ambient dimension D for --manifold (16; sample: the natural dimension)", 0},
        {"n", OP_ARG_INT, &n, 4, 10000000, "number of samples for --manifold, split into test/val/train (512; sample: 1000)", 0},
        {"noise", OP_ARG_DOUBLE, &noise, 0, 100, "label noise sd for --manifold (0)", 0},
        {"target", OP_ARG_STR, &field, 0, 0, "target field for --manifold (matern:s=1; overparam manifolds --targets)", 0},
        {"model", OP_ARG_ENUM, &kind_e, 0, 0, "convresnet1d|convresnet2d|mlp (convresnet1d)", 0},
        {"C", OP_ARG_INT, &C, 1, 4096, "ConvResNet channels (8)", 0},
        {"K", OP_ARG_INT, &K, 1, 63, "ConvResNet kernel size, odd (3)", 0},
        {"L", OP_ARG_INT, &L, 1, 16, "convs per residual block (2)", 0},
        {"M", OP_ARG_INT, &M, 1, 1024, "residual blocks (4)", 0},
        {"H", OP_ARG_INT, &H, 1, 65536, "convresnet2d image height (default sqrt(D))", 0},
        {"W", OP_ARG_INT, &W, 1, 65536, "convresnet2d image width (default D/H)", 0},
        {"head", OP_ARG_ENUM, &hd_e, 0, 0, "ConvResNet head: fc|pool (fc)", 0},
        {"res-scale", OP_ARG_DOUBLE, &res_scale, 1e-9, 100, "residual-branch scale, e.g. 0.25 = 1/M (1)", 0},
        {"zero-init-last", OP_ARG_FLAG, &zero_init_last, 0, 0, "zero the last conv's weights in each block", 0},
        {"conv", OP_ARG_STR, &conv, 0, 0,
         "convolution path: auto (the built-in rule per shape), im2col (im2col + GEMM) or direct "
         "(direct kernels wherever the kernel shape allows); recorded in provenance (auto)", 0},
        {"width", OP_ARG_INT, &width, 1, 1 << 20, "MLP width m (64)", 0},
        {"depth", OP_ARG_INT, &depth, 1, 64, "MLP hidden layers (2)", 0},
        {"param", OP_ARG_ENUM, &pm_e, 0, 0, "MLP parameterization: standard|ntk|mf (standard)", 0},
        {"bias", OP_ARG_INT, &bias, 0, 1, "MLP biases on (1) or off (0)", 0},
        {"bias-scale", OP_ARG_DOUBLE, &bias_scale, 0, 100, "NTK/MF bias multiplier (0.1)", 0},
        {"classes", OP_ARG_INT, &classes, 2, 100000, "classes for --loss ce (default max label + 1)", 0},
        {"loss", OP_ARG_ENUM, &ls_e, 0, 0, "mse|logistic|ce (mse); logistic labels +-1 or 0/1", 0},
        {"opt", OP_ARG_ENUM, &op_e, 0, 0, "sgd|adam|adamw (adam)", 0},
        {"lr", OP_ARG_DOUBLE, &lr, 1e-12, 1e6, "learning rate (1e-3)", 0},
        {"schedule", OP_ARG_ENUM, &sc_e, 0, 0, "cosine|constant (cosine)", 0},
        {"warmup", OP_ARG_INT, &warmup, 0, 1000000000, "linear warm-up steps (0)", 0},
        {"epochs", OP_ARG_INT, &epochs, 1, 1000000, "epochs (20)", 0},
        {"steps", OP_ARG_INT, &steps, 0, 1000000000, "step budget, 0 = epochs only (0)", 0},
        {"batch", OP_ARG_INT, &batch, 1, 65536, "batch size (64)", 0},
        {"wd", OP_ARG_DOUBLE, &wd, 0, 10, "weight decay (0; decoupled for adamw)", 0},
        {"momentum", OP_ARG_DOUBLE, &momentum, 0, 0.999999, "SGD momentum (0)", 0},
        {"val-frac", OP_ARG_DOUBLE, &val_frac, 0, 0.9, "validation fraction, early stopping (0.1)", 0},
        {"test-frac", OP_ARG_DOUBLE, &test_frac, 0, 0.9, "test fraction (0.2)", 0},
        {"patience", OP_ARG_INT, &patience, 0, 1000000, "epochs without val gain before stopping, 0 off (0)", 0},
        {"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "seed for data, init and shuffling, 0..2^64-1 (1; sample and verify default to 0)", 0},
        {"threads", OP_ARG_INT, &threads, 1, 1024, "OpenMP and BLAS threads (default: OMP_NUM_THREADS)", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "output directory for model.bin and record.json", 0},
    };
    const int nspec = (int)(sizeof spec / sizeof spec[0]);
    const char *usage = "overparam train (--data FILE | --manifold SPEC [--ambient D] [--n N] [--target T]) [options] [--out DIR]";
    int st = op_args_parse("train", argc - 1, argv + 1, spec, nspec, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, usage,
                           "Trains one model and prints a summary line; with --out writes DIR/model.bin\n"
                           "(format: README, 'Model files') and DIR/record.json, which names the target and\n"
                           "input columns. --data CSV: the target is the column --target-col (default y; a file\n"
                           "without it is refused); the inputs are --input-cols, else x0..x{D-1} when the file has\n"
                           "x0 (so sample's f and g0.. are never inputs), else every other column.\n"
                           "overparam sample --out d.csv && overparam train --data d.csv works as is.",
                           spec, nspec);
        return 0;
    }
    if (st) return cli_fail(st);
    op_error_clear();

    /* ---- validate the combination of flags ---- */
    const char *model = models[kind], *loss_s = losses[ls], *opt_s = opts[op], *schedule = scheds[sc];
    nn_conv_path conv_path = NN_CONV_AUTO;
    if ((st = nn_conv_path_parse(conv, &conv_path))) return cli_fail(st);
    if (!data == !manifold) return cli_usage("give exactly one of --data FILE and --manifold SPEC");
    const char *conv_only[] = {"C", "K", "L", "M", "head", "res-scale", "zero-init-last", "H", "W", "conv"};
    const char *mlp_only[] = {"width", "depth", "param", "bias", "bias-scale"};
    const char *man_only[] = {"ambient", "n", "noise", "target"};
    for (size_t i = 0; i < sizeof conv_only / sizeof *conv_only; i++)
        if (kind == NN_MLP && op_args_find(spec, nspec, conv_only[i])->seen)
            return cli_usage("--%s applies to ConvResNets, not --model mlp", conv_only[i]);
    for (size_t i = 0; i < sizeof mlp_only / sizeof *mlp_only; i++)
        if (kind != NN_MLP && op_args_find(spec, nspec, mlp_only[i])->seen)
            return cli_usage("--%s applies to --model mlp, not %s", mlp_only[i], model);
    for (size_t i = 0; i < sizeof man_only / sizeof *man_only; i++)
        if (data && op_args_find(spec, nspec, man_only[i])->seen)
            return cli_usage("--%s applies to --manifold data, not --data", man_only[i]);
    if (manifold && (target || input_cols))
        return cli_usage("--%s applies to --data, not --manifold",
                         target ? "target-col" : "input-cols");
    if ((H || W) && kind != NN_CONVRESNET2D)
        return cli_usage("--H/--W apply to --model convresnet2d");
    if (K % 2 == 0)
        return cli_usage("--K %ld must be odd", K);
    if (val_frac + test_frac > 0.9)
        return cli_usage("--val-frac + --test-frac = %g leaves under 10%% for training",
                         val_frac + test_frac);
    if (classes && ls != NN_LOSS_CE)
        return cli_usage("--classes applies to --loss ce");
    if (momentum > 0 && op != NN_OPT_SGD)
        return cli_usage("--momentum applies to --opt sgd");
    if (out && (st = check_out_dir(out))) return cli_fail(st);

    /* ---- data ---- */
    const double t_start = op_now();
    train_data td = {NULL, NULL, 0, 0, NULL};
    st = data ? csv_data(data, target ? target : "y", input_cols, &td)
              : manifold_data(manifold, field, (int)ambient, n, noise, seed, &td);
    if (st) {
        free(td.x), free(td.y), free(td.cols_json);
        return cli_fail(st);
    }
    int outputs = 1;
    if (ls == NN_LOSS_CE) {
        double mx = 0;
        for (long i = 0; i < td.n; i++) mx = fmax(mx, td.y[i]);
        outputs = classes ? (int)classes : (int)mx + 1;
        if (outputs < 2) outputs = 2;
    }
    if ((st = nn_loss_check_targets((nn_loss)ls, outputs, td.y, td.n))) {
        free(td.x), free(td.y), free(td.cols_json);
        return cli_fail(st);
    }

    /* ---- model ---- */
    nn_config cfg;
    if (kind == NN_CONVRESNET1D) {
        cfg = nn_config_convresnet1d(td.D, (int)C, (int)K, (int)L, (int)M, outputs);
    } else if (kind == NN_CONVRESNET2D) {
        if (!H) H = W ? td.D / W : (long)llround(sqrt((double)td.D));
        if (!W) W = H ? td.D / H : 0;
        if (H * W != td.D) {
            free(td.x), free(td.y), free(td.cols_json);
            return cli_usage("--H %ld x --W %ld != the data's %d input columns", H, W, td.D);
        }
        cfg = nn_config_convresnet2d((int)H, (int)W, (int)C, (int)K, (int)L, (int)M, outputs);
    } else {
        cfg = nn_config_mlp(td.D, (int)depth, (int)width, outputs, (nn_param)pm);
        cfg.bias = (int)bias;
        cfg.bias_scale = bias_scale;
    }
    if (kind != NN_MLP) {
        cfg.head = (nn_head)hd;
        cfg.res_scale = res_scale;
        cfg.zero_init_last = zero_init_last;
        cfg.conv = conv_path;
    }
    if (threads) {
        omp_set_num_threads((int)threads);
        op_blas_set_threads((int)threads);
    }

    /* ---- splits: test, validation, training (one seeded permutation) ---- */
    long nt = (long)floor(test_frac * td.n), nv = (long)floor(val_frac * td.n);
    long ntr = td.n - nt - nv;
    /* Every split asked for holds a row and training at least two, so no loss is NaN
     * for want of data: the fewest rows n with floor(frac * n) >= 1 for each frac > 0. */
    long need = 3;
    if (test_frac > 0 && (long)ceil(1 / test_frac - 1e-12) > need) need = (long)ceil(1 / test_frac - 1e-12);
    if (val_frac > 0 && (long)ceil(1 / val_frac - 1e-12) > need) need = (long)ceil(1 / val_frac - 1e-12);
    if ((test_frac > 0 && nt < 1) || (val_frac > 0 && nv < 1) || ntr < 2) {
        while ((long)floor(test_frac * need) < (test_frac > 0) || (long)floor(val_frac * need) < (val_frac > 0) ||
               need - (long)floor(test_frac * need) - (long)floor(val_frac * need) < 2)
            need++;
        free(td.x), free(td.y), free(td.cols_json);
        return cli_usage("%s has %ld rows; --test-frac %g and --val-frac %g need at least %ld "
                         "(a row per split and two for training; --test-frac 0 / --val-frac 0 drop a split)",
                         data ? data : "--n", td.n, test_frac, val_frac, need);
    }
    if (ntr < 1) {
        free(td.x), free(td.y), free(td.cols_json);
        return cli_usage("no training samples left after the splits");
    }
    int *idx = op_malloc(sizeof(int) * (size_t)td.n);
    double *sx = op_malloc(sizeof(double) * (size_t)td.n * td.D), *sy = op_malloc(sizeof(double) * (size_t)td.n);
    nn_model *m = NULL;
    if (!idx || !sx || !sy) {
        st = OP_ENOMEM;
        goto done;
    }
    for (long i = 0; i < td.n; i++) idx[i] = (int)i;
    op_rng split;
    op_rng_seed(&split, op_seed_from_key("train/split", seed));
    op_rng_shuffle(&split, idx, (int)td.n);
    gather(&td, idx, 0, td.n, sx, sy); /* [test | val | train] */
    const double *xte = sx, *yte = sy, *xva = sx + nt * td.D, *yva = sy + nt,
                 *xtr = sx + (nt + nv) * td.D, *ytr = sy + nt + nv;
    int mb = (int)(batch < ntr ? batch : ntr);
    if ((st = nn_model_create(&cfg, NN_F32, mb, &m))) goto done;
    op_rng init;
    op_rng_seed(&init, op_seed_from_key("train/init", seed));
    nn_model_init(m, &init);

    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = (nn_loss)ls, o.opt = (nn_opt)op, o.lr = lr, o.wd = wd, o.momentum = momentum;
    o.cosine = sc == 0, o.warmup_steps = warmup, o.epochs = (int)epochs, o.max_steps = steps;
    o.batch = mb, o.patience = (int)patience, o.seed = op_seed_from_key("train/shuffle", seed);
    progress_ctx pc = {isatty(2), (int)epochs};
    o.on_epoch = on_epoch, o.ctx = &pc;
    nn_dataset tr = {ntr, td.D, 1, xtr, ytr}, va = {nv, td.D, 1, xva, yva};
    nn_train_result res;
    const double t_train = op_now();
    if ((st = nn_train(m, &tr, nv > 0 ? &va : NULL, &o, &res))) goto done;
    const double train_seconds = op_now() - t_train;
    double ltr, lva = NAN, lte = NAN, etr, eva = NAN, ete = NAN;
    if ((st = nn_eval(m, o.loss, xtr, ytr, ntr, &ltr, &etr))) goto done;
    if (nv && (st = nn_eval(m, o.loss, xva, yva, nv, &lva, &eva))) goto done;
    if (nt && (st = nn_eval(m, o.loss, xte, yte, nt, &lte, &ete))) goto done;
    if (!isfinite(ltr) || (nv && !isfinite(lva)) || (nt && !isfinite(lte))) {
        st = op_error_set(OP_EDIVERGE, __FILE__, __LINE__, "training diverged: final loss is not finite");
        goto done;
    }

    if (out) {
        char path[4200];
        if ((st = op_mkdir_p(out))) goto done;
        snprintf(path, sizeof path, "%s/model.bin", out);
        if ((st = nn_model_save(m, path))) goto done;
        char *cj = nn_config_json(m);
        op_buf b;
        op_buf_init(&b);
        op_buf_printf(&b, "{\"command\": \"train\", \"model\": %s,\n \"data\": {\"source\": ", cj ? cj : "null");
        free(cj);
        op_buf_json_str(&b, data ? data : manifold);
        if (data) {
            op_buf_puts(&b, ", ");
            op_buf_puts(&b, td.cols_json);
        }
        if (manifold) {
            op_buf_printf(&b, ", \"ambient\": %ld, \"n\": %ld, \"noise\": ", ambient, n);
            op_buf_json_num(&b, noise);
            op_buf_puts(&b, ", \"target\": ");
            op_buf_json_str(&b, field);
        }
        op_buf_printf(&b, ", \"in_dim\": %d, \"n_train\": %ld, \"n_val\": %ld, \"n_test\": %ld},\n", td.D,
                      ntr, nv, nt);
        op_buf_printf(&b, " \"train\": {\"loss\": \"%s\", \"opt\": \"%s\", \"lr\": ", loss_s, opt_s);
        op_buf_json_num(&b, lr);
        op_buf_printf(&b, ", \"lr_scale\": ");
        op_buf_json_num(&b, op == NN_OPT_SGD ? nn_model_lr_scale(m) : 1.0);
        op_buf_printf(&b, ", \"schedule\": \"%s\", \"warmup\": %ld, \"epochs\": %ld, \"steps\": %ld, "
                          "\"batch\": %d, \"wd\": ", schedule, warmup, epochs, steps, mb);
        op_buf_json_num(&b, wd);
        op_buf_puts(&b, ", \"momentum\": ");
        op_buf_json_num(&b, momentum);
        op_buf_puts(&b, ", \"val_frac\": ");
        op_buf_json_num(&b, val_frac);
        op_buf_puts(&b, ", \"test_frac\": ");
        op_buf_json_num(&b, test_frac);
        op_buf_printf(&b, ", \"patience\": %ld, \"seed\": %llu},\n", patience, (unsigned long long)seed);
        op_buf_printf(&b, " \"result\": {\"epochs_run\": %d, \"steps\": %ld, \"best_epoch\": %d, "
                          "\"stopped_early\": %d, \"train_loss\": ",
                      res.epochs_run, res.steps, res.best_epoch, res.stopped_early);
        op_buf_json_num(&b, ltr);
        op_buf_puts(&b, ", \"val_loss\": ");
        op_buf_json_num(&b, lva);
        op_buf_puts(&b, ", \"test_loss\": ");
        op_buf_json_num(&b, lte);
        if (ls != NN_LOSS_MSE) {
            op_buf_puts(&b, ", \"train_error\": ");
            op_buf_json_num(&b, etr);
            op_buf_puts(&b, ", \"val_error\": ");
            op_buf_json_num(&b, eva);
            op_buf_puts(&b, ", \"test_error\": ");
            op_buf_json_num(&b, ete);
        }
        op_buf_puts(&b, "},\n \"timing\": {\"train_seconds\": ");
        op_buf_json_num(&b, train_seconds);
        op_buf_puts(&b, ", \"total_seconds\": ");
        op_buf_json_num(&b, op_now() - t_start);
        op_buf_puts(&b, "},\n \"provenance\": ");
        rec_provenance_json(&b, nn_conv_path_name(conv_path), omp_get_max_threads(), op_blas_threads());
        op_buf_puts(&b, "}\n");
        snprintf(path, sizeof path, "%s/record.json", out);
        st = b.oom ? op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory writing record.json")
                   : op_write_atomic(path, b.s, b.len);
        op_buf_free(&b);
        if (st) goto done;
    }
    printf("overparam: train %s (%zu params) %s: %d epochs, %ld steps, train %.6g, val %.6g, test %.6g "
           "in %.2f s%s%s\n",
           model, m->nparams, loss_s, res.epochs_run, res.steps, ltr, lva, lte, train_seconds,
           out ? " -> " : "", out ? out : "");
done:
    nn_model_free(m);
    free(idx), free(sx), free(sy), free(td.x), free(td.y), free(td.cols_json);
    return st ? cli_fail(st) : 0;
}
