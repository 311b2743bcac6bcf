/* overparam kernel: kernel regression with an analytic infinite-width kernel (the NTK
 * by default) from CSV files; writes y_true,y_pred and prints the test MSE.
 * Exit codes: 2 bad flag; 3 missing/unreadable file, malformed CSV (one line naming
 * file:line), mismatched dimensions, singular ridgeless system, output not writable. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "core/args.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "kernel/kernel.h"

#define MAX_TRAIN 20000 /* the n x n Gram matrix is 3.2 GB at this size */

static const char *USAGE =
    "overparam kernel --train train.csv --test test.csv [--depth L] [--bias B] [--ridge R]\n"
    "                 [--kernel ntk|nngp|sigma-dot|k1|k2|k12] [--out preds.csv]";
static const char *SUMMARY =
    "Kernel regression with the analytic ReLU kernels of an infinitely wide net (NTK\n"
    "parameterization, c_sigma = 2, Arora et al. 2019): fits alpha = (K + R I)^-1 y on the\n"
    "training CSV and predicts the test CSV. Columns as for train --data: the target is\n"
    "--target-col (default y; a file without it is refused, exit 2), the inputs --input-cols,\n"
    "else x0..x{D-1} when the file has x0 (sample's f, g0.. are ignored), else every other column.\n"
    "--ridge 0 is ridgeless (minimum-norm interpolation); a numerically singular Gram matrix\n"
    "is an error (use --ridge > 0). k1/k2/k12 are the\n"
    "two-layer kernels of Xu et al. 2021 (first / second / both layers trained; no depth).\n"
    "Prints one line with the train and test MSE. Exit: 0 ok, 2 bad flag or column, 3 bad/missing\n"
    "file or numerical failure.";

static int write_preds(const char *path, const double *y, const double *pred, int p)
{
    op_buf b;
    op_buf_init(&b);
    op_buf_puts(&b, "y_true,y_pred\n");
    for (int j = 0; j < p; j++) op_buf_printf(&b, "%.17g,%.17g\n", y[j], pred[j]);
    if (b.oom) {
        op_buf_free(&b);
        OP_ERROR(OP_ENOMEM, "out of memory formatting predictions");
    }
    int s = op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return s;
}

static double mse(const double *y, const double *f, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (f[i] - y[i]) * (f[i] - y[i]);
    return s / n;
}

/* Checks that the directory that will hold `path` exists and is writable, before any
 * work is done; creates nothing on failure paths (the directory must exist). */
static int check_out_dir(const char *path)
{
    char tmp[4096];
    if (strlen(path) >= sizeof tmp) OP_ERROR(OP_EUSAGE, "kernel: --out path is too long");
    strcpy(tmp, path);
    const char *dir = dirname(tmp);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) OP_ERROR(OP_EIO, "kernel: output directory '%s' does not exist", dir);
    return op_check_writable_dir(dir);
}

static int run(const char *train_path, const char *test_path, const char *target,
               const char *input_cols, kn_kind kind, int L, double beta,
               double ridge, const char *out_path)
{
    kn_xy tr, te;
    OP_TRY(kn_xy_read_csv(train_path, target, input_cols, &tr));
    int status = kn_xy_read_csv(test_path, target, input_cols, &te);
    if (status) {
        kn_xy_free(&tr);
        return status;
    }
    double *K = NULL, *Kx = NULL, *alpha = NULL, *pred = NULL, *fit = NULL;
    if (te.d != tr.d) {
        status = op_error_set(OP_EIO, __FILE__, __LINE__,
                              "kernel: %s has %d features (x0..x%d) but %s has %d", test_path, te.d,
                              te.d - 1, train_path, tr.d);
        goto done;
    }
    if (strcmp(te.cols, tr.cols) != 0) { /* the same names in the same roles, not only as many */
        status = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "kernel: %s uses %s but %s uses %s (the columns must match)",
                              test_path, te.cols, train_path, tr.cols);
        goto done;
    }
    if (tr.n > MAX_TRAIN) {
        status = op_error_set(OP_EIO, __FILE__, __LINE__,
                              "kernel: %s has %d rows; at most %d are supported (exact n x n solve)",
                              train_path, tr.n, MAX_TRAIN);
        goto done;
    }
    if (out_path && (status = check_out_dir(out_path))) goto done;
    size_t n = (size_t)tr.n, p = (size_t)te.n;
    K = op_malloc(sizeof(double) * n * n);
    Kx = op_malloc(sizeof(double) * p * n);
    alpha = op_malloc(sizeof(double) * n);
    pred = op_malloc(sizeof(double) * p);
    fit = op_malloc(sizeof(double) * n);
    if (!K || !Kx || !alpha || !pred || !fit) {
        status = OP_ENOMEM;
        goto done;
    }
    if ((status = kn_gram(kind, tr.X, tr.n, tr.X, tr.n, tr.d, L, beta, K))) goto done;
    if ((status = kn_gram(kind, te.X, te.n, tr.X, tr.n, tr.d, L, beta, Kx))) goto done;
    kn_krr_info info;
    if ((status = kn_krr_fit(K, tr.n, tr.y, ridge, alpha, &info))) goto done;
    kn_krr_predict(K, tr.n, tr.n, alpha, fit);
    kn_krr_predict(Kx, te.n, tr.n, alpha, pred);
    if (out_path && (status = write_preds(out_path, te.y, pred, te.n))) goto done;
    printf("kernel=%s depth=%d bias=%g ridge=%g n_train=%d n_test=%d d=%d solve=%s rcond=%.3g "
           "train_mse=%.6g test_mse=%.6g %s\n",
           kn_kind_name(kind), L, beta, ridge, tr.n, te.n, tr.d,
           info.method == KN_SOLVE_CHOLESKY ? "cholesky" : "pinv", info.rcond, mse(tr.y, fit, tr.n),
           mse(te.y, pred, te.n), tr.cols);
done:
    free(K);
    free(Kx);
    free(alpha);
    free(pred);
    free(fit);
    kn_xy_free(&tr);
    kn_xy_free(&te);
    return status;
}

int cmd_kernel(int argc, char **argv)
{
    const char *train = NULL, *test = NULL, *kernel = "ntk", *out = NULL, *target = "y", *input_cols = NULL;
    long depth = 1;
    double bias = 0, ridge = 0;
    op_arg spec[] = {
        {"train", OP_ARG_STR, &train, 0, 0, "training CSV (x0..x{D-1},y)", 0},
        {"test", OP_ARG_STR, &test, 0, 0, "test CSV (same columns)", 0},
        {"target-col", OP_ARG_STR, &target, 0, 0, "the target column's name; a file without it is refused (y)", 0},
        {"input-cols", OP_ARG_STR, &input_cols, 0, 0,
         "input columns a,b,c (default x0..x{D-1} when the file has x0, else every column but the target)", 0},
        {"depth", OP_ARG_INT, &depth, 1, KN_MAX_DEPTH, "hidden layers L (ntk, nngp, sigma-dot; default 1)", 0},
        {"bias", OP_ARG_DOUBLE, &bias, 0, 1e6, "bias scale beta: Sigma^(0) = x.x' + beta^2 (default 0)", 0},
        {"ridge", OP_ARG_DOUBLE, &ridge, 0, 1e12, "ridge R >= 0; 0 = ridgeless interpolation (default 0)", 0},
        {"kernel", OP_ARG_STR, &kernel, 0, 0, "ntk | nngp | sigma-dot | k1 | k2 | k12 (default ntk)", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "write test predictions here (CSV y_true,y_pred)", 0},
    };
    int nspec = (int)(sizeof spec / sizeof spec[0]);
    int npos = 0;
    int s = op_args_parse("kernel", argc - 1, argv + 1, spec, nspec, NULL, &npos, 0);
    if (s == OP_ARGS_HELP) {
        op_args_print_help(stdout, USAGE, SUMMARY, spec, nspec);
        return 0;
    }
    if (s) return cli_fail(s);
    if (!train) {
        op_error_set(OP_EUSAGE, __FILE__, __LINE__, "kernel: --train is required (see kernel --help)");
        return cli_fail(OP_EUSAGE);
    }
    if (!test) {
        op_error_set(OP_EUSAGE, __FILE__, __LINE__, "kernel: --test is required (see kernel --help)");
        return cli_fail(OP_EUSAGE);
    }
    kn_kind kind;
    if ((s = kn_kind_parse(kernel, &kind))) return cli_fail(s);
    int two_layer = kind == KN_K1 || kind == KN_K2 || kind == KN_K12;
    if (two_layer && depth != 1) {
        op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                     "kernel: --depth %ld does not apply to the two-layer kernel %s (one hidden layer)",
                     depth, kernel);
        return cli_fail(OP_EUSAGE);
    }
    s = run(train, test, target, input_cols, kind, (int)depth, bias, ridge, out);
    return s ? cli_fail(s) : 0;
}
