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

/* Everything the flags say (train_parse). */
typedef struct {
    const char *data, *target, *input_cols, *manifold, *field, *conv, *out;
    int kind, hd, pm, ls, op, sc; /* enum flags: nn_kind, nn_head, nn_param, nn_loss, nn_opt; sc 0 = cosine */
    long ambient, n, C, K, L, M, H, W, width, depth, bias, classes, epochs, steps, batch, warmup,
        patience, threads;
    double noise, res_scale, bias_scale, lr, wd, momentum, val_frac, test_frac;
    uint64_t seed;
    int zero_init_last;
    nn_conv_path conv_path;
} train_args;

static const char *const models[] = {"convresnet1d", "convresnet2d", "mlp"};
static const char *const heads[] = {"fc", "pool"};
static const char *const params[] = {"standard", "ntk", "mf"};
static const char *const losses[] = {"mse", "logistic", "ce"};
static const char *const opts[] = {"sgd", "adam", "adamw"};
static const char *const scheds[] = {"cosine", "constant"};

/* Parses and validates the flags into *a: OP_OK, OP_ARGS_HELP (help printed) or an
 * error status with the message recorded (usage errors OP_EUSAGE). */
static int train_parse(int argc, char **argv, train_args *a)
{
    *a = (train_args){.field = "matern:s=1", .conv = "auto", .kind = NN_CONVRESNET1D, .hd = NN_HEAD_FC,
                      .pm = NN_PARAM_STANDARD, .ls = NN_LOSS_MSE, .op = NN_OPT_ADAM, .sc = 0,
                      .ambient = 16, .n = 512, .C = 8, .K = 3, .L = 2, .M = 4, .width = 64, .depth = 2,
                      .bias = 1, .epochs = 20, .batch = 64, .res_scale = 1, .bias_scale = 0.1,
                      .lr = 1e-3, .val_frac = 0.1, .test_frac = 0.2, .seed = 1};
    op_arg_enum kind_e = {&a->kind, models, 3}, hd_e = {&a->hd, heads, 2}, pm_e = {&a->pm, params, 3},
                ls_e = {&a->ls, losses, 3}, op_e = {&a->op, opts, 3}, sc_e = {&a->sc, scheds, 2};
    op_arg spec[] = {
        {"data", OP_ARG_STR, &a->data, 0, 0, "CSV with a header row: input columns and a target column", 0},
        {"target-col", OP_ARG_STR, &a->target, 0, 0, "--data: the target column's name; a file without it is refused (y)", 0},
        {"input-cols", OP_ARG_STR, &a->input_cols, 0, 0,
         "--data: input columns a,b,c (default x0..x{D-1} when the file has x0, else every column but the target)", 0},
        {"manifold", OP_ARG_STR, &a->manifold, 0, 0, "data on a manifold instead of --data, e.g. sphere:d=2, torus:d=2, so3 (overparam manifolds)", 0},
        {"ambient", OP_ARG_INT, &a->ambient, 2, 65536, "ambient dimension D for --manifold (16; sample: the natural dimension)", 0},
        {"n", OP_ARG_INT, &a->n, 4, 10000000, "number of samples for --manifold, split into test/val/train (512; sample: 1000)", 0},
        {"noise", OP_ARG_DOUBLE, &a->noise, 0, 100, "label noise sd for --manifold (0)", 0},
        {"target", OP_ARG_STR, &a->field, 0, 0, "target field for --manifold (matern:s=1; overparam manifolds --targets)", 0},
        {"model", OP_ARG_ENUM, &kind_e, 0, 0, "convresnet1d|convresnet2d|mlp (convresnet1d)", 0},
        {"C", OP_ARG_INT, &a->C, 1, 4096, "ConvResNet channels (8)", 0},
        {"K", OP_ARG_INT, &a->K, 1, 63, "ConvResNet kernel size, odd (3)", 0},
        {"L", OP_ARG_INT, &a->L, 1, 16, "convs per residual block (2)", 0},
        {"M", OP_ARG_INT, &a->M, 1, 1024, "residual blocks (4)", 0},
        {"H", OP_ARG_INT, &a->H, 1, 65536, "convresnet2d image height (default sqrt(D))", 0},
        {"W", OP_ARG_INT, &a->W, 1, 65536, "convresnet2d image width (default D/H)", 0},
        {"head", OP_ARG_ENUM, &hd_e, 0, 0, "ConvResNet head: fc|pool (fc)", 0},
        {"res-scale", OP_ARG_DOUBLE, &a->res_scale, 1e-9, 100, "residual-branch scale, e.g. 0.25 = 1/M (1)", 0},
        {"zero-init-last", OP_ARG_FLAG, &a->zero_init_last, 0, 0, "zero the last conv's weights in each block", 0},
        {"conv", OP_ARG_STR, &a->conv, 0, 0,
         "convolution path: auto (the built-in rule per shape), im2col (im2col + GEMM) or direct "
         "(direct kernels wherever the kernel shape allows); recorded in provenance (auto)", 0},
        {"width", OP_ARG_INT, &a->width, 1, 1 << 20, "MLP width m (64)", 0},
        {"depth", OP_ARG_INT, &a->depth, 1, 64, "MLP hidden layers (2)", 0},
        {"param", OP_ARG_ENUM, &pm_e, 0, 0, "MLP parameterization: standard|ntk|mf (standard)", 0},
        {"bias", OP_ARG_INT, &a->bias, 0, 1, "MLP biases on (1) or off (0)", 0},
        {"bias-scale", OP_ARG_DOUBLE, &a->bias_scale, 0, 100, "NTK/MF bias multiplier (0.1)", 0},
        {"classes", OP_ARG_INT, &a->classes, 2, 100000, "classes for --loss ce (default max label + 1)", 0},
        {"loss", OP_ARG_ENUM, &ls_e, 0, 0, "mse|logistic|ce (mse); logistic labels +-1 or 0/1", 0},
        {"opt", OP_ARG_ENUM, &op_e, 0, 0, "sgd|adam|adamw (adam)", 0},
        {"lr", OP_ARG_DOUBLE, &a->lr, 1e-12, 1e6, "learning rate (1e-3)", 0},
        {"schedule", OP_ARG_ENUM, &sc_e, 0, 0, "cosine|constant (cosine)", 0},
        {"warmup", OP_ARG_INT, &a->warmup, 0, 1000000000, "linear warm-up steps (0)", 0},
        {"epochs", OP_ARG_INT, &a->epochs, 1, 1000000, "epochs (20)", 0},
        {"steps", OP_ARG_INT, &a->steps, 0, 1000000000, "step budget, 0 = epochs only (0)", 0},
        {"batch", OP_ARG_INT, &a->batch, 1, 65536, "batch size (64)", 0},
        {"wd", OP_ARG_DOUBLE, &a->wd, 0, 10, "weight decay (0; decoupled for adamw)", 0},
        {"momentum", OP_ARG_DOUBLE, &a->momentum, 0, 0.999999, "SGD momentum (0)", 0},
        {"val-frac", OP_ARG_DOUBLE, &a->val_frac, 0, 0.9, "validation fraction, early stopping (0.1)", 0},
        {"test-frac", OP_ARG_DOUBLE, &a->test_frac, 0, 0.9, "test fraction (0.2)", 0},
        {"patience", OP_ARG_INT, &a->patience, 0, 1000000, "epochs without val gain before stopping, 0 off (0)", 0},
        {"seed", OP_ARG_U64, &a->seed, 0, (double)UINT64_MAX, "seed for data, init and shuffling, 0..2^64-1 (1; sample and verify default to 0)", 0},
        {"threads", OP_ARG_INT, &a->threads, 1, 1024, "OpenMP and BLAS threads (default: OMP_NUM_THREADS)", 0},
        {"out", OP_ARG_STR, &a->out, 0, 0, "output directory for model.bin and record.json", 0},
    };
    const int nspec = (int)(sizeof spec / sizeof spec[0]);
    const char *usage = "overparam train (--data FILE | --manifold SPEC [--ambient D] [--n N] [--target T]) [options] [--out DIR]";
    int st = op_args_parse("train", argc - 1, argv + 1, spec, nspec, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, usage,
                           "Trains one model and prints a summary line; with --out writes DIR/model.bin\n"
                           "(format: docs/engine.md, 'Model files') and DIR/record.json, which names the target and\n"
                           "input columns. --data CSV: the target is the column --target-col (default y; a file\n"
                           "without it is refused); the inputs are --input-cols, else x0..x{D-1} when the file has\n"
                           "x0 (so sample's f and g0.. are never inputs), else every other column.\n"
                           "overparam sample --out d.csv && overparam train --data d.csv works as is.",
                           spec, nspec);
        return OP_ARGS_HELP;
    }
    if (st) return st;
    op_error_clear();

    /* ---- the combination of flags ---- */
    OP_TRY(nn_conv_path_parse(a->conv, &a->conv_path));
    if (!a->data == !a->manifold) OP_ERROR(OP_EUSAGE, "give exactly one of --data FILE and --manifold SPEC");
    const char *conv_only[] = {"C", "K", "L", "M", "head", "res-scale", "zero-init-last", "H", "W", "conv"};
    const char *mlp_only[] = {"width", "depth", "param", "bias", "bias-scale"};
    const char *man_only[] = {"ambient", "n", "noise", "target"};
    for (size_t i = 0; i < sizeof conv_only / sizeof *conv_only; i++)
        if (a->kind == NN_MLP && op_args_find(spec, nspec, conv_only[i])->seen)
            OP_ERROR(OP_EUSAGE, "--%s applies to ConvResNets, not --model mlp", conv_only[i]);
    for (size_t i = 0; i < sizeof mlp_only / sizeof *mlp_only; i++)
        if (a->kind != NN_MLP && op_args_find(spec, nspec, mlp_only[i])->seen)
            OP_ERROR(OP_EUSAGE, "--%s applies to --model mlp, not %s", mlp_only[i], models[a->kind]);
    for (size_t i = 0; i < sizeof man_only / sizeof *man_only; i++)
        if (a->data && op_args_find(spec, nspec, man_only[i])->seen)
            OP_ERROR(OP_EUSAGE, "--%s applies to --manifold data, not --data", man_only[i]);
    if (a->manifold && (a->target || a->input_cols))
        OP_ERROR(OP_EUSAGE, "--%s applies to --data, not --manifold", a->target ? "target-col" : "input-cols");
    if ((a->H || a->W) && a->kind != NN_CONVRESNET2D) OP_ERROR(OP_EUSAGE, "--H/--W apply to --model convresnet2d");
    if (a->K % 2 == 0) OP_ERROR(OP_EUSAGE, "--K %ld must be odd", a->K);
    if (a->val_frac + a->test_frac > 0.9)
        OP_ERROR(OP_EUSAGE, "--val-frac + --test-frac = %g leaves under 10%% for training",
                 a->val_frac + a->test_frac);
    if (a->classes && a->ls != NN_LOSS_CE) OP_ERROR(OP_EUSAGE, "--classes applies to --loss ce");
    if (a->momentum > 0 && a->op != NN_OPT_SGD) OP_ERROR(OP_EUSAGE, "--momentum applies to --opt sgd");
    if (a->out) OP_TRY(check_out_dir(a->out));
    return OP_OK;
}

/* What will run (train_plan_make): the data, the model's config and the splits. */
typedef struct {
    train_data td;
    nn_config cfg;
    long nt, nv, ntr; /* test, validation, training rows */
    int *idx;
    double *sx, *sy; /* the rows permuted once: [test | val | train] */
    int mb;          /* batch (at most the training rows) */
} train_plan;

static void train_plan_free(train_plan *p)
{
    free(p->idx), free(p->sx), free(p->sy), free(p->td.x), free(p->td.y), free(p->td.cols_json);
}

/* Loads the data, builds the model's config and splits the rows (one seeded permutation). */
static int train_plan_make(train_args *a, train_plan *p)
{
    memset(p, 0, sizeof *p);
    train_data *td = &p->td;
    OP_TRY(a->data ? csv_data(a->data, a->target ? a->target : "y", a->input_cols, td)
                   : manifold_data(a->manifold, a->field, (int)a->ambient, a->n, a->noise, a->seed, td));
    int outputs = 1;
    if (a->ls == NN_LOSS_CE) {
        double mx = 0;
        for (long i = 0; i < td->n; i++) mx = fmax(mx, td->y[i]);
        outputs = a->classes ? (int)a->classes : (int)mx + 1;
        if (outputs < 2) outputs = 2;
    }
    OP_TRY(nn_loss_check_targets((nn_loss)a->ls, outputs, td->y, td->n));

    /* ---- model ---- */
    nn_config *cfg = &p->cfg;
    if (a->kind == NN_CONVRESNET1D) {
        *cfg = nn_config_convresnet1d(td->D, (int)a->C, (int)a->K, (int)a->L, (int)a->M, outputs);
    } else if (a->kind == NN_CONVRESNET2D) {
        if (!a->H) a->H = a->W ? td->D / a->W : (long)llround(sqrt((double)td->D));
        if (!a->W) a->W = a->H ? td->D / a->H : 0;
        if (a->H * a->W != td->D)
            OP_ERROR(OP_EUSAGE, "--H %ld x --W %ld != the data's %d input columns", a->H, a->W, td->D);
        *cfg = nn_config_convresnet2d((int)a->H, (int)a->W, (int)a->C, (int)a->K, (int)a->L, (int)a->M,
                                      outputs);
    } else {
        *cfg = nn_config_mlp(td->D, (int)a->depth, (int)a->width, outputs, (nn_param)a->pm);
        cfg->bias = (int)a->bias;
        cfg->bias_scale = a->bias_scale;
    }
    if (a->kind != NN_MLP) {
        cfg->head = (nn_head)a->hd;
        cfg->res_scale = a->res_scale;
        cfg->zero_init_last = a->zero_init_last;
        cfg->conv = a->conv_path;
    }

    /* ---- splits: test, validation, training (one seeded permutation) ---- */
    const double test_frac = a->test_frac, val_frac = a->val_frac;
    p->nt = (long)floor(test_frac * td->n), p->nv = (long)floor(val_frac * td->n);
    p->ntr = td->n - p->nt - p->nv;
    /* Every split asked for holds a row and training at least two, so no loss is NaN
     * for want of data: the fewest rows n with floor(frac * n) >= 1 for each frac > 0. */
    long need = 3;
    if (test_frac > 0 && (long)ceil(1 / test_frac - 1e-12) > need) need = (long)ceil(1 / test_frac - 1e-12);
    if (val_frac > 0 && (long)ceil(1 / val_frac - 1e-12) > need) need = (long)ceil(1 / val_frac - 1e-12);
    if ((test_frac > 0 && p->nt < 1) || (val_frac > 0 && p->nv < 1) || p->ntr < 2) {
        while ((long)floor(test_frac * need) < (test_frac > 0) || (long)floor(val_frac * need) < (val_frac > 0) ||
               need - (long)floor(test_frac * need) - (long)floor(val_frac * need) < 2)
            need++;
        OP_ERROR(OP_EUSAGE,
                 "%s has %ld rows; --test-frac %g and --val-frac %g need at least %ld "
                 "(a row per split and two for training; --test-frac 0 / --val-frac 0 drop a split)",
                 a->data ? a->data : "--n", td->n, test_frac, val_frac, need);
    }
    if (p->ntr < 1) OP_ERROR(OP_EUSAGE, "no training samples left after the splits");
    p->idx = op_malloc(sizeof(int) * (size_t)td->n);
    p->sx = op_malloc(sizeof(double) * (size_t)td->n * td->D);
    p->sy = op_malloc(sizeof(double) * (size_t)td->n);
    if (!p->idx || !p->sx || !p->sy) return OP_ENOMEM;
    for (long i = 0; i < td->n; i++) p->idx[i] = (int)i;
    op_rng split;
    op_rng_seed(&split, op_seed_from_key("train/split", a->seed));
    op_rng_shuffle(&split, p->idx, (int)td->n);
    gather(td, p->idx, 0, td->n, p->sx, p->sy); /* [test | val | train] */
    p->mb = (int)(a->batch < p->ntr ? a->batch : p->ntr);
    return OP_OK;
}

/* What ran (train_run). */
typedef struct {
    nn_model *m;
    nn_train_result res;
    double train_seconds;
    double ltr, lva, lte, etr, eva, ete; /* final loss and error per split (NaN: no such split) */
} train_outcome;

/* Creates, initialises and trains the model, then evaluates it on every split. */
static int train_run(const train_args *a, const train_plan *p, train_outcome *r)
{
    memset(r, 0, sizeof *r);
    r->lva = r->lte = r->eva = r->ete = NAN;
    if (a->threads) {
        omp_set_num_threads((int)a->threads);
        op_blas_set_threads((int)a->threads);
    }
    const int D = p->td.D;
    const double *xte = p->sx, *yte = p->sy, *xva = p->sx + p->nt * D, *yva = p->sy + p->nt,
                 *xtr = p->sx + (p->nt + p->nv) * D, *ytr = p->sy + p->nt + p->nv;
    OP_TRY(nn_model_create(&p->cfg, NN_F32, p->mb, &r->m));
    op_rng init;
    op_rng_seed(&init, op_seed_from_key("train/init", a->seed));
    nn_model_init(r->m, &init);

    nn_train_opts o;
    nn_train_opts_default(&o);
    o.loss = (nn_loss)a->ls, o.opt = (nn_opt)a->op, o.lr = a->lr, o.wd = a->wd, o.momentum = a->momentum;
    o.cosine = a->sc == 0, o.warmup_steps = a->warmup, o.epochs = (int)a->epochs, o.max_steps = a->steps;
    o.batch = p->mb, o.patience = (int)a->patience, o.seed = op_seed_from_key("train/shuffle", a->seed);
    progress_ctx pc = {isatty(2), (int)a->epochs};
    o.on_epoch = on_epoch, o.ctx = &pc;
    nn_dataset tr = {p->ntr, D, 1, xtr, ytr}, va = {p->nv, D, 1, xva, yva};
    const double t_train = op_now();
    OP_TRY(nn_train(r->m, &tr, p->nv > 0 ? &va : NULL, &o, &r->res));
    r->train_seconds = op_now() - t_train;
    OP_TRY(nn_eval(r->m, o.loss, xtr, ytr, p->ntr, &r->ltr, &r->etr));
    if (p->nv) OP_TRY(nn_eval(r->m, o.loss, xva, yva, p->nv, &r->lva, &r->eva));
    if (p->nt) OP_TRY(nn_eval(r->m, o.loss, xte, yte, p->nt, &r->lte, &r->ete));
    if (!isfinite(r->ltr) || (p->nv && !isfinite(r->lva)) || (p->nt && !isfinite(r->lte)))
        OP_ERROR(OP_EDIVERGE, "training diverged: final loss is not finite");
    return OP_OK;
}

/* DIR/model.bin and DIR/record.json (a->out set). */
static int train_write(const train_args *a, const train_plan *p, const train_outcome *r, double t_start)
{
    char path[4200];
    const nn_model *m = r->m;
    OP_TRY(op_mkdir_p(a->out));
    snprintf(path, sizeof path, "%s/model.bin", a->out);
    OP_TRY(nn_model_save(m, path));
    char *cj = nn_config_json(m);
    op_buf b;
    op_buf_init(&b);
    op_buf_printf(&b, "{\"command\": \"train\", \"model\": %s,\n \"data\": {\"source\": ", cj ? cj : "null");
    free(cj);
    op_buf_json_str(&b, a->data ? a->data : a->manifold);
    if (a->data) {
        op_buf_puts(&b, ", ");
        op_buf_puts(&b, p->td.cols_json);
    }
    if (a->manifold) {
        op_buf_printf(&b, ", \"ambient\": %ld, \"n\": %ld, \"noise\": ", a->ambient, a->n);
        op_buf_json_num(&b, a->noise);
        op_buf_puts(&b, ", \"target\": ");
        op_buf_json_str(&b, a->field);
    }
    op_buf_printf(&b, ", \"in_dim\": %d, \"n_train\": %ld, \"n_val\": %ld, \"n_test\": %ld},\n", p->td.D,
                  p->ntr, p->nv, p->nt);
    op_buf_printf(&b, " \"train\": {\"loss\": \"%s\", \"opt\": \"%s\", \"lr\": ", losses[a->ls], opts[a->op]);
    op_buf_json_num(&b, a->lr);
    op_buf_printf(&b, ", \"lr_scale\": ");
    op_buf_json_num(&b, a->op == NN_OPT_SGD ? nn_model_lr_scale(m) : 1.0);
    op_buf_printf(&b, ", \"schedule\": \"%s\", \"warmup\": %ld, \"epochs\": %ld, \"steps\": %ld, "
                      "\"batch\": %d, \"wd\": ", scheds[a->sc], a->warmup, a->epochs, a->steps, p->mb);
    op_buf_json_num(&b, a->wd);
    op_buf_puts(&b, ", \"momentum\": ");
    op_buf_json_num(&b, a->momentum);
    op_buf_puts(&b, ", \"val_frac\": ");
    op_buf_json_num(&b, a->val_frac);
    op_buf_puts(&b, ", \"test_frac\": ");
    op_buf_json_num(&b, a->test_frac);
    op_buf_printf(&b, ", \"patience\": %ld, \"seed\": %llu},\n", a->patience, (unsigned long long)a->seed);
    op_buf_printf(&b, " \"result\": {\"epochs_run\": %d, \"steps\": %ld, \"best_epoch\": %d, "
                      "\"stopped_early\": %d, \"train_loss\": ",
                  r->res.epochs_run, r->res.steps, r->res.best_epoch, r->res.stopped_early);
    op_buf_json_num(&b, r->ltr);
    op_buf_puts(&b, ", \"val_loss\": ");
    op_buf_json_num(&b, r->lva);
    op_buf_puts(&b, ", \"test_loss\": ");
    op_buf_json_num(&b, r->lte);
    if (a->ls != NN_LOSS_MSE) {
        op_buf_puts(&b, ", \"train_error\": ");
        op_buf_json_num(&b, r->etr);
        op_buf_puts(&b, ", \"val_error\": ");
        op_buf_json_num(&b, r->eva);
        op_buf_puts(&b, ", \"test_error\": ");
        op_buf_json_num(&b, r->ete);
    }
    op_buf_puts(&b, "},\n \"timing\": {\"train_seconds\": ");
    op_buf_json_num(&b, r->train_seconds);
    op_buf_puts(&b, ", \"total_seconds\": ");
    op_buf_json_num(&b, op_now() - t_start);
    op_buf_puts(&b, "},\n \"provenance\": ");
    rec_provenance_json(&b, nn_conv_path_name(a->conv_path), omp_get_max_threads(), op_blas_threads());
    op_buf_puts(&b, "}\n");
    snprintf(path, sizeof path, "%s/record.json", a->out);
    int st = b.oom ? op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory writing record.json")
                   : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return st;
}

/* overparam train: parse the flags, plan (data, config, splits), run, write. */
int cmd_train(int argc, char **argv)
{
    train_args a;
    int st = train_parse(argc, argv, &a);
    if (st == OP_ARGS_HELP) return 0;
    if (st) return cli_fail(st);
    const double t_start = op_now();
    train_plan p;
    train_outcome r = {0};
    if (!(st = train_plan_make(&a, &p)) && !(st = train_run(&a, &p, &r)) && a.out)
        st = train_write(&a, &p, &r, t_start);
    if (!st)
        printf("overparam: train %s (%zu params) %s: %d epochs, %ld steps, train %.6g, val %.6g, test %.6g "
               "in %.2f s%s%s\n",
               models[a.kind], r.m->nparams, losses[a.ls], r.res.epochs_run, r.res.steps, r.ltr, r.lva, r.lte,
               r.train_seconds, a.out ? " -> " : "", a.out ? a.out : "");
    nn_model_free(r.m);
    train_plan_free(&p);
    return st ? cli_fail(st) : 0;
}
