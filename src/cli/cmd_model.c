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
            OP_ERROR(OP_EIO, "%s '%s': value %zu is not finite", what, path, i);
        }
        (*v)[i] = f;
    }
    free(d);
    return OP_OK;
}

static int cmd_grad(int argc, char **argv)
{
    const char *model = NULL, *input = NULL, *targets = NULL, *format = NULL, *loss_s = "mse",
               *target_col = "y", *input_cols = NULL, *out = NULL;
    long out_index = 0;
    op_arg spec[] = {
        {"model", OP_ARG_STR, &model, 0, 0, "model file", 0},
        {"input", OP_ARG_STR, &input, 0, 0, "CSV (header; input columns [+ target column]) or raw float32 [B][in_dim]", 0},
        {"format", OP_ARG_STR, &format, 0, 0, "csv|f32 (default: f32 for *.f32/*.bin/*.raw, else csv)", 0},
        {"target-col", OP_ARG_STR, &target_col, 0, 0,
         "CSV target column; when present the objective is the loss; refused when named and absent (y)", 0},
        {"input-cols", OP_ARG_STR, &input_cols, 0, 0,
         "CSV input columns a,b,c (default x0..x{D-1} when the file has x0, else every column but the target)", 0},
        {"targets", OP_ARG_STR, &targets, 0, 0, "raw float32 targets [B][target_dim] for --format f32", 0},
        {"loss", OP_ARG_STR, &loss_s, 0, 0, "mse|logistic|ce (mse)", 0},
        {"output-index", OP_ARG_INT, &out_index, 0, 100000, "without targets: objective = sum of this output (0)", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "output directory", 0},
    };
    const int ns = (int)(sizeof spec / sizeof spec[0]);
    int st = op_args_parse("model grad", argc, argv, spec, ns, NULL, NULL, 0);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam model grad --model FILE --input FILE --out DIR [options]",
                           "One forward/backward pass. Objective: the mean loss when targets are given,\n"
                           "else the sum over the batch of one output. Writes .npy files + hparams.json.",
                           spec, ns);
        return 0;
    }
    if (st) return cli_fail(st);
    if (!model || !input || !out)
        return cli_usage("model grad needs --model FILE, --input FILE and --out DIR");
    nn_loss l;
    if (!strcmp(loss_s, "mse")) l = NN_LOSS_MSE;
    else if (!strcmp(loss_s, "logistic")) l = NN_LOSS_LOGISTIC;
    else if (!strcmp(loss_s, "ce")) l = NN_LOSS_CE;
    else return cli_usage("--loss '%s' is not known; allowed: mse|logistic|ce", loss_s);
    int raw;
    if (format) {
        if (strcmp(format, "csv") && strcmp(format, "f32"))
            return cli_usage("--format '%s' is not known; allowed: csv|f32", format);
        raw = !strcmp(format, "f32");
    } else {
        const char *dot = strrchr(input, '.');
        raw = dot && (!strcmp(dot, ".f32") || !strcmp(dot, ".bin") || !strcmp(dot, ".raw"));
    }
    const int tc_seen = op_args_find(spec, ns, "target-col")->seen;
    if (raw && (tc_seen || input_cols))
        return cli_usage("--%s applies to CSV input, not --format f32",
                         tc_seen ? "target-col" : "input-cols");
    if (targets && !raw)
        return cli_usage("--targets applies to --format f32 (CSV holds its target column)");
    nn_model *probe;
    if ((st = load_model(model, 1, &probe))) return cli_fail(st);
    const int D = probe->cfg.in_dim, O = probe->cfg.outputs, yd = nn_loss_target_dim(l, O);
    nn_model_free(probe);
    double *x = NULL, *y = NULL;
    long B = 0;
    if (raw) {
        if ((st = read_f32(input, D, "--input", &x, &B))) return cli_fail(st);
        if (targets) {
            long By;
            if ((st = read_f32(targets, yd, "--targets", &y, &By))) goto done;
            if (By != B) {
                st = op_error_set(OP_EIO, __FILE__, __LINE__, "--targets has %ld rows, --input has %ld", By, B);
                goto done;
            }
        }
    } else {
        nn_csv t;
        if ((st = nn_csv_read(input, &t))) return cli_fail(cli_data_status(st));
        /* Columns as for train --data (core/csvcols.h); the target is optional here (without
         * it the objective is one output's sum) unless --target-col names it. */
        op_csvcols cc;
        if ((st = op_csvcols_select(input, t.names, t.ncols, target_col, tc_seen, input_cols, &cc))) {
            nn_csv_free(&t);
            return cli_fail(st);
        }
        int tc = cc.target;
        if (tc >= 0 && yd != 1) {
            op_csvcols_free(&cc);
            nn_csv_free(&t);
            return cli_usage("CSV targets hold one column; the model has %d outputs for mse (use --format f32 --targets)", O);
        }
        if (cc.nin != D) {
            st = op_error_set(OP_EIO, __FILE__, __LINE__, "--input '%s' has %d input columns, the model expects %d",
                              input, cc.nin, D);
            op_csvcols_free(&cc);
            nn_csv_free(&t);
            return cli_fail(st);
        }
        B = t.nrows;
        x = op_malloc(sizeof(double) * (size_t)B * D);
        y = tc >= 0 ? op_malloc(sizeof(double) * (size_t)B) : NULL;
        for (long r = 0; x && r < B; r++) {
            if (y) y[r] = t.v[r * t.ncols + tc];
            for (int k = 0; k < D; k++) x[r * D + k] = t.v[r * t.ncols + cc.in[k]];
        }
        op_csvcols_free(&cc);
        nn_csv_free(&t);
        if (!x || (tc >= 0 && !y)) {
            st = OP_ENOMEM;
            goto done;
        }
    }
    if (B > (1 << 20)) {
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "--input has %ld rows; at most 1048576", B);
        goto done;
    }
    if (y && op_args_find(spec, ns, "output-index")->seen) {
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                          "--output-index applies without targets; with a target the objective is the mean loss");
        goto done;
    }
    if (!y && out_index >= O) {
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "--output-index %ld out of range [0, %d)", out_index, O);
        goto done;
    }
    if (y && (st = nn_loss_check_targets(l, O, y, B))) goto done;
    if (y && l == NN_LOSS_LOGISTIC && O != 1) {
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "logistic loss needs a 1-output model (this one has %d)", O);
        goto done;
    }
    if (y && l == NN_LOSS_CE && O < 2) {
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "cross-entropy needs >= 2 outputs (this model has %d)", O);
        goto done;
    }
    nn_model *m;
    if ((st = load_model(model, (int)B, &m))) goto done;
    double loss;
    st = nn_grad_dump(m, x, y, (int)B, l, (int)out_index, out, &loss);
    if (!st) {
        if (y)
            printf("overparam: model grad %s batch %ld: mean %s loss %.9g -> %s\n", nn_kind_name(m->cfg.kind), B,
                   loss_s, loss, out);
        else
            printf("overparam: model grad %s batch %ld: objective sum of output %ld -> %s\n",
                   nn_kind_name(m->cfg.kind), B, out_index, out);
    }
    nn_model_free(m);
done:
    free(x);
    free(y);
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
