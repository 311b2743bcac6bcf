/* overparam model export|grad: numpy-readable dumps of a model file and of one
 * forward/backward pass, for comparison with other frameworks. Everything is read and
 * validated before the output directory is created. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/args.h"
#include "../core/fsutil.h"
#include "../core/op_error.h"
#include "../nn/nn.h"
#include "../nn/nn_csv.h"
#include "../core/csvcols.h"
#include "../nn/nn_dump.h"
#include "cmds.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: overparam model export --model FILE --out DIR\n"
               "       overparam model grad --model FILE --input FILE --out DIR [options]\n\n"
               "export: DIR/hparams.json and DIR/param.<tensor>.npy for every parameter.\n"
               "grad:   one forward/backward on the input; writes input, output, input_grad,\n"
               "        param.<tensor>, grad.<tensor> (.npy) and hparams.json (objective, loss).\n"
               "See `overparam model export --help`, `overparam model grad --help`.\n");
}

static int load_model(const char *path, int max_batch, nn_model **m)
{
    struct stat sb;
    if (stat(path, &sb) != 0) OP_ERROR(OP_EIO, "--model '%s' does not exist", path);
    if (S_ISDIR(sb.st_mode))
        OP_ERROR(OP_EIO, "--model '%s' is a directory; give the model file (train --out DIR writes DIR/model.bin)", path);
    if (!S_ISREG(sb.st_mode)) OP_ERROR(OP_EIO, "--model '%s' is not a regular file", path);
    return nn_model_load(path, -1, max_batch, m);
}

static int cmd_export(int argc, char **argv)
{
    const char *model = NULL, *out = NULL;
    op_arg spec[] = {
        {"model", OP_ARG_STR, &model, 0, 0, "model file (overparam train --out DIR writes DIR/model.bin)", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "output directory", 0},
    };
    int st = op_args_parse("model export", argc, argv, spec, 2, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam model export --model FILE --out DIR",
                           "Writes DIR/hparams.json and DIR/param.<tensor>.npy (numpy, model precision).",
                           spec, 2);
        return 0;
    }
    if (st) return cli_fail(st);
    if (!model || !out)
        return cli_usage("model export needs --model FILE and --out DIR");
    nn_model *m;
    if ((st = load_model(model, 1, &m))) return cli_fail(st);
    st = nn_export(m, out);
    if (!st) printf("overparam: model export %s (%d tensors, %zu params) -> %s\n", nn_kind_name(m->cfg.kind),
                    m->ntensors, m->nparams, out);
    nn_model_free(m);
    return st ? cli_fail(st) : 0;
}

/* Raw float32 file: [B][cols] row-major little-endian, B = bytes / (4 cols). */
static int read_f32(const char *path, int cols, const char *what, double **v, long *rows)
{
    char *d;
    size_t len;
    OP_TRY(op_read_file(path, &d, &len));
    if (len == 0 || len % (4 * (size_t)cols)) {
        free(d);
        OP_ERROR(OP_EIO, "%s '%s' has %zu bytes, not a multiple of 4 x %d (float32 rows of %d)", what,
                 path, len, cols, cols);
    }
    *rows = (long)(len / (4 * (size_t)cols));
    *v = op_malloc(sizeof(double) * (size_t)*rows * cols);
    if (!*v) {
        free(d);
        return OP_ENOMEM;
    }
    for (size_t i = 0; i < (size_t)*rows * cols; i++) {
        float f;
        memcpy(&f, d + 4 * i, 4);
        if (!isfinite(f)) {
            free(d);
            free(*v);
            *v = NULL; /* the caller frees what it got */
            OP_ERROR(OP_EIO, "%s '%s': value %zu is not finite", what, path, i);
        }
        (*v)[i] = f;
    }
    free(d);
    return OP_OK;
}

/* Everything the flags say (grad_parse). */
typedef struct {
    const char *model, *input, *targets, *target_col, *input_cols, *out;
    int loss;       /* nn_loss, an index into grad_losses */
    int raw;        /* 1: --input (and --targets) are raw float32, 0: CSV */
    int tc_seen;    /* --target-col given (then the CSV must have it) */
    int index_seen; /* --output-index given */
    long out_index;
} grad_args;

static const char *const grad_losses[] = {"mse", "logistic", "ce"}; /* nn_loss order */
static const char *const grad_formats[] = {"csv", "f32"};

/* Parses and validates the flags into *a: OP_OK, OP_ARGS_HELP (help printed) or an
 * error status with the message recorded (usage errors OP_EUSAGE). */
static int grad_parse(int argc, char **argv, grad_args *a)
{
    *a = (grad_args){.target_col = "y", .loss = NN_LOSS_MSE};
    int format = -1; /* unset: from the file name */
    op_arg_enum loss_e = {&a->loss, grad_losses, 3}, format_e = {&format, grad_formats, 2};
    op_arg spec[] = {
        {"model", OP_ARG_STR, &a->model, 0, 0, "model file", 0},
        {"input", OP_ARG_STR, &a->input, 0, 0, "CSV (header; input columns [+ target column]) or raw float32 [B][in_dim]", 0},
        {"format", OP_ARG_ENUM, &format_e, 0, 0, "csv|f32 (default: f32 for *.f32/*.bin/*.raw, else csv)", 0},
        {"target-col", OP_ARG_STR, &a->target_col, 0, 0,
         "CSV target column; when present the objective is the loss; refused when named and absent (y)", 0},
        {"input-cols", OP_ARG_STR, &a->input_cols, 0, 0,
         "CSV input columns a,b,c (default x0..x{D-1} when the file has x0, else every column but the target)", 0},
        {"targets", OP_ARG_STR, &a->targets, 0, 0, "raw float32 targets [B][target_dim] for --format f32", 0},
        {"loss", OP_ARG_ENUM, &loss_e, 0, 0, "mse|logistic|ce (mse)", 0},
        {"output-index", OP_ARG_INT, &a->out_index, 0, 100000, "without targets: objective = sum of this output (0)", 0},
        {"out", OP_ARG_STR, &a->out, 0, 0, "output directory", 0},
    };
    const int ns = (int)(sizeof spec / sizeof spec[0]);
    int st = op_args_parse("model grad", argc, argv, spec, ns, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam model grad --model FILE --input FILE --out DIR [options]",
                           "One forward/backward pass. Objective: the mean loss when targets are given,\n"
                           "else the sum over the batch of one output. Writes .npy files + hparams.json.",
                           spec, ns);
        return OP_ARGS_HELP;
    }
    if (st) return st;
    op_error_clear();
    if (!a->model || !a->input || !a->out)
        OP_ERROR(OP_EUSAGE, "model grad needs --model FILE, --input FILE and --out DIR");
    if (format >= 0) {
        a->raw = format == 1;
    } else {
        const char *dot = strrchr(a->input, '.');
        a->raw = dot && (!strcmp(dot, ".f32") || !strcmp(dot, ".bin") || !strcmp(dot, ".raw"));
    }
    a->tc_seen = op_args_find(spec, ns, "target-col")->seen;
    a->index_seen = op_args_find(spec, ns, "output-index")->seen;
    if (a->raw && (a->tc_seen || a->input_cols))
        OP_ERROR(OP_EUSAGE, "--%s applies to CSV input, not --format f32", a->tc_seen ? "target-col" : "input-cols");
    if (a->targets && !a->raw) OP_ERROR(OP_EUSAGE, "--targets applies to --format f32 (CSV holds its target column)");
    return OP_OK;
}

/* What will run (grad_plan_make): the batch read and checked against the model. */
typedef struct {
    double *x, *y; /* B x D inputs; B x target_dim targets, NULL: the objective is one output's sum */
    long B;
} grad_plan;

static void grad_plan_free(grad_plan *p) { free(p->x), free(p->y); }

/* The batch of a CSV: columns as for train --data (core/csvcols.h); the target is
 * optional here (without it the objective is one output's sum) unless --target-col
 * names it. */
static int grad_csv(const grad_args *a, int D, int O, int yd, grad_plan *p)
{
    nn_csv t;
    int st = nn_csv_read(a->input, &t);
    if (st) return cli_data_status(st);
    op_csvcols cc;
    if ((st = op_csvcols_select(a->input, t.names, t.ncols, a->target_col, a->tc_seen, a->input_cols, &cc))) {
        nn_csv_free(&t);
        return st;
    }
    const int tc = cc.target;
    if (tc >= 0 && yd != 1)
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                          "CSV targets hold one column; the model has %d outputs for mse (use --format f32 --targets)", O);
    else if (cc.nin != D)
        st = op_error_set(OP_EIO, __FILE__, __LINE__, "--input '%s' has %d input columns, the model expects %d",
                          a->input, cc.nin, D);
    if (!st) {
        p->B = t.nrows;
        p->x = op_malloc(sizeof(double) * (size_t)p->B * D);
        p->y = tc >= 0 ? op_malloc(sizeof(double) * (size_t)p->B) : NULL;
        for (long r = 0; p->x && r < p->B; r++) {
            if (p->y) p->y[r] = t.v[r * t.ncols + tc];
            for (int k = 0; k < D; k++) p->x[r * D + k] = t.v[r * t.ncols + cc.in[k]];
        }
        if (!p->x || (tc >= 0 && !p->y)) st = OP_ENOMEM;
    }
    op_csvcols_free(&cc);
    nn_csv_free(&t);
    return st;
}

/* Reads the batch (raw or CSV) and checks it against the model's shape and the loss. */
static int grad_plan_make(const grad_args *a, grad_plan *p)
{
    memset(p, 0, sizeof *p);
    nn_model *probe;
    OP_TRY(load_model(a->model, 1, &probe));
    const int D = probe->cfg.in_dim, O = probe->cfg.outputs, yd = nn_loss_target_dim(a->loss, O);
    nn_model_free(probe);
    if (a->raw) {
        OP_TRY(read_f32(a->input, D, "--input", &p->x, &p->B));
        if (a->targets) {
            long By;
            OP_TRY(read_f32(a->targets, yd, "--targets", &p->y, &By));
            if (By != p->B) OP_ERROR(OP_EIO, "--targets has %ld rows, --input has %ld", By, p->B);
        }
    } else {
        OP_TRY(grad_csv(a, D, O, yd, p));
    }
    if (p->B > (1 << 20)) OP_ERROR(OP_EUSAGE, "--input has %ld rows; at most 1048576", p->B);
    if (p->y && a->index_seen)
        OP_ERROR(OP_EUSAGE, "--output-index applies without targets; with a target the objective is the mean loss");
    if (!p->y && a->out_index >= O) OP_ERROR(OP_EUSAGE, "--output-index %ld out of range [0, %d)", a->out_index, O);
    if (p->y) OP_TRY(nn_loss_check_targets(a->loss, O, p->y, p->B));
    if (p->y && a->loss == NN_LOSS_LOGISTIC && O != 1)
        OP_ERROR(OP_EUSAGE, "logistic loss needs a 1-output model (this one has %d)", O);
    if (p->y && a->loss == NN_LOSS_CE && O < 2)
        OP_ERROR(OP_EUSAGE, "cross-entropy needs >= 2 outputs (this model has %d)", O);
    return OP_OK;
}

/* One forward/backward on the batch, written under --out (nn_grad_dump), and the
 * summary line. */
static int grad_run(const grad_args *a, const grad_plan *p)
{
    nn_model *m;
    OP_TRY(load_model(a->model, (int)p->B, &m));
    double loss;
    int st = nn_grad_dump(m, p->x, p->y, (int)p->B, a->loss, (int)a->out_index, a->out, &loss);
    if (!st) {
        if (p->y)
            printf("overparam: model grad %s batch %ld: mean %s loss %.9g -> %s\n", nn_kind_name(m->cfg.kind), p->B,
                   grad_losses[a->loss], loss, a->out);
        else
            printf("overparam: model grad %s batch %ld: objective sum of output %ld -> %s\n",
                   nn_kind_name(m->cfg.kind), p->B, a->out_index, a->out);
    }
    nn_model_free(m);
    return st;
}

/* overparam model grad: parse the flags, plan (the batch, checked), run and write. */
static int cmd_grad(int argc, char **argv)
{
    grad_args a;
    int st = grad_parse(argc, argv, &a);
    if (st == OP_ARGS_HELP) return 0;
    if (st) return cli_fail(st);
    grad_plan p;
    if (!(st = grad_plan_make(&a, &p))) st = grad_run(&a, &p);
    grad_plan_free(&p);
    return st ? cli_fail(st) : 0;
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "export")) return cmd_export(argc - 2, argv + 2);
    if (!strcmp(argv[1], "grad")) return cmd_grad(argc - 2, argv + 2);
    return cli_usage("model: unknown action '%s'; allowed: export|grad", argv[1]);
}
