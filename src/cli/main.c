/* overparam: one binary, one subcommand per job (DESIGN.md, "CLI"): the command table
 * and cli_main, the dispatch; main() is overparam.c (tests/selftest/main.c in tests). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "../core/blas.h"
#include "../core/op_error.h"
#include "../nn/nn.h"
#include "cmds.h"
#include "manifolds/dataset.h"
#include "stats/stats.h"

#ifndef OP_VERSION
#define OP_VERSION "0.0.0"
#endif

typedef struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"verify", cmd_verify, "run theorem checks and print one verdict line each"},
    {"list", cmd_list, "list the theorem checks with citation and claim"},
    {"figures", cmd_figures, "regenerate every figure (full presets) and the report"},
    {"study", cmd_study, "run a rate study declared in a text file (docs/study.md), as verify runs a check"},
    {"compare", cmd_compare, "compare a check's rates across manifolds and ambient dimensions"},
    {"manifolds", cmd_manifolds, "list the manifolds with intrinsic and natural dimension"},
    {"sample", cmd_sample, "sample points and a target on a manifold, write CSV"},
    {"train", cmd_train, "one training run from flags"},
    {"bench", cmd_bench, "throughput of the reference training workloads"},
    {"model", cmd_model, "model export and gradient dump for interoperability"},
    {"kernel", cmd_kernel, "kernel regression with the analytic NTK (the infinite-width limit)"},
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

int cli_fail(int status)
{
    fprintf(stderr, "overparam: %s\n", op_error_message());
    return op_exit_code(status);
}

int cli_usage(const char *fmt, ...)
              {
              char msg[1024]; /* formatted first: an argument may be op_error_message() itself */
              va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cli_fail(op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s", msg));
}

int cli_data_status(int status) { return status == OP_EUSAGE ? OP_EIO : status; }

static void usage(FILE *f)
{
    fprintf(f, "usage: overparam <command> [options]   (overparam <command> --help)\n\n"
               "Theorems about overparameterized networks as reproducible numerical checks.\n\n"
               "commands:\n");
    for (int i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit codes: 0 ok (all checks PASS), 1 a check FAILed, 2 usage error, 3 runtime error,\n"
               "            4 no check FAILed but one is MARGINAL\n");
}

int cli_main(int argc, char **argv)
{
    op_blas_init(argc, argv);
    /* OVERPARAM_ISA forces the convolution kernels' instruction set (nn_isa_select). */
    const char *isa = getenv("OVERPARAM_ISA");
    if (isa && *isa && nn_isa_select(isa) != OP_OK) {
        return cli_usage("OVERPARAM_ISA=%s: %s", isa, op_error_message());
    }
    /* OVERPARAM_DATASET_CACHE turns the dataset cache off (manifolds/dataset.h):
     * a bad value is a usage error here, not one per run later */
    if (mf_dataset_cache_limit(-1) != OP_OK) return cli_usage("%s", op_error_message());
    st_init(); /* GSL's process-wide error handler, once, before any thread (stats.h) */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        if (argc > 2) {
            return cli_usage("--version takes no arguments (got '%s')", argv[2]);
        }
        printf("overparam %s (commit %s, %s, BLAS core %s, kernels %s)\n", OP_VERSION, OP_GIT_COMMIT,
               OP_COMPILER, op_blas_core(), nn_isa_name());
        return 0;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    char names[256] = "";
    for (int i = 0; i < NCOMMANDS; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), " %s", commands[i].name);
    return cli_usage("unknown command '%s'; commands are:%s", argv[1], names);
}
