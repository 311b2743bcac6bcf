/* overparam verify: run theorem checks, print one verdict line each, write
 * records, summaries, figures and the report. Also the engine of `figures`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core/args.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "nn/nn.h"
#include "sweep/dist.h"
#include "theorems/study.h"
#include "theorems/verify.h"

#define MAX_IDS 64

/* Everything the flags say (verify_parse). */
typedef struct {
    const char *cmd; /* "verify", "figures" or "study" */
    int figures_mode, study_mode;
    int quick, full, no_controls, no_figures;
    long threads;
    uint64_t seed;
    const char *out, *control, *dataset, *conv;
    nn_conv_path conv_path;
    const th_check *checks[MAX_IDS];
    int nc;
} verify_args;

/* Parses and validates the flags and check ids into *a: OP_OK, OP_ARGS_HELP (help
 * printed) or an error status with the message recorded (usage errors OP_EUSAGE). */
static int verify_parse(int argc, char **argv, int mode, verify_args *a)
{
    const int figures_mode = mode == 1, study_mode = mode == 2;
    *a = (verify_args){.cmd = figures_mode ? "figures" : study_mode ? "study" : "verify", .figures_mode = figures_mode,
                       .study_mode = study_mode, .out = "results", .conv = "auto", .conv_path = NN_CONV_AUTO};
    const char *cmd = a->cmd;
    op_arg spec[] = {
        {"quick", OP_ARG_FLAG, &a->quick, 0, 0, figures_mode ? "quick presets (fast preview)" : "quick presets (default; what ctest runs)", 0},
        {"full", OP_ARG_FLAG, &a->full, 0, 0, figures_mode ? "full presets (default)" : "full presets (what the figures use)", 0},
        {"seed", OP_ARG_U64, &a->seed, 0, (double)UINT64_MAX, "base seed of every run, 0..2^64-1 as in train and sample (default 0)", 0},
        {"threads", OP_ARG_INT, &a->threads, 1, 1024, "OpenMP threads over runs (default: OMP_NUM_THREADS or all cores)", 0},
        {"out", OP_ARG_STR, &a->out, 0, 0, "output directory (default results/)", 0},
        {"control", OP_ARG_STR, &a->control, 0, 0, "run only this control variant of the check (it must FAIL)", 0},
        {"no-controls", OP_ARG_FLAG, &a->no_controls, 0, 0, "skip the controls (control=skipped)", 0},
        {"dataset", OP_ARG_STR, &a->dataset, 0, 0,
         "directory of an IDX image set under the MNIST file names, for checks on real data (default "
         "/usr/share/datasets/fashion-mnist)", 0},
        {"conv", OP_ARG_STR, &a->conv, 0, 0,
         "convolution path: auto (the built-in rule, default), im2col or direct; runs of a forced "
         "path get their own keys (conv=<path>/...), so resume never mixes paths", 0},
        {"no-figures", OP_ARG_FLAG, &a->no_figures, 0, 0, "write records, summary and report only", 0},
    };
    int ns = (int)(sizeof spec / sizeof spec[0]);
    if (figures_mode) ns--; /* figures always draws */
    if (study_mode) {        /* a study samples its own manifold data: no image set */
        for (int i = 0; i < ns; i++)
            if (strcmp(spec[i].name, "dataset") == 0) {
                memmove(&spec[i], &spec[i + 1], sizeof spec[0] * (size_t)(ns - i - 1));
                ns--;
                break;
            }
    }
    const char *ids[MAX_IDS];
    int nids = 0;
    int s = op_args_parse(cmd, argc - 1, argv + 1, spec, ns, ids, &nids, MAX_IDS);
    if (s == OP_ARGS_HELP) {
        if (study_mode)
            op_args_print_help(stdout,
                               "overparam study FILE [--quick|--full] [--seed N] [--threads N] [--out DIR]\n"
                               "                     [--control NAME | --no-controls] [--no-figures]\n"
                               "                     [--conv auto|im2col|direct]",
                               "Runs the rate study declared in FILE (format: docs/study.md; examples in\n"
                               "examples/*.study) as verify runs a built-in check, and prints its verdict line:\n"
                               "  overparam: <study id> <PASS|MARGINAL|FAIL> measured=<slope>±<se> predicted=<p> "
                               "band=[lo,hi] ...\n"
                               "Writes DIR/<study id>/runs/*.json (keys start with study=<hash of the settings a\n"
                               "run depends on>, so an edited study re-runs what changed and never mixes records),\n"
                               "summary.csv, the figure DIR/<study id>/rate.png and DIR/report.md/.html. The file's\n"
                               "[quick] or [full] overrides apply (--quick is the default). Resume, MPI and\n"
                               "determinism as verify. Exit 0 PASS, 1 FAIL, 4 MARGINAL, 2 usage error or a bad\n"
                               "study file (one line FILE:LINE: ...), 3 runtime error.",
                               spec, ns);
        else if (figures_mode)
            op_args_print_help(stdout,
                               "overparam figures [ID...] [--full|--quick] [--seed N] [--threads N] [--out DIR]\n"
                               "                         [--conv auto|im2col|direct]",
                               "Regenerates every figure (full presets by default) with its .dat and .gp, and\n"
                               "DIR/report.md + report.html. Prints the verdict lines and exits as verify does\n"
                               "(0 all PASS, 1 a FAIL, 4 no FAIL but a MARGINAL). Resumes as verify does: records\n"
                               "of another --seed, preset (a quick verify's), --dataset or --conv are redone.\n"
                               "gnuplot and the data sets the checks need are checked before the first run (exit 3).",
                               spec, ns);
        else
            op_args_print_help(stdout,
                               "overparam verify [ID...] [--quick|--full] [--seed N] [--threads N] [--out DIR]\n"
                               "                        [--control NAME | --no-controls] [--no-figures]\n"
                               "                        [--conv auto|im2col|direct]",
                               "Runs theorem checks (all by default) and prints one line each:\n"
                               "  overparam: <id> <PASS|MARGINAL|FAIL> measured=<x>±<se> predicted=<p> band=[lo,hi] "
                               "control=<FAIL(as required)|PASS(unexpected!)>\n"
                               "Writes DIR/<id>/runs/*.json, DIR/<id>/summary.csv, figures, DIR/report.md/.html.\n"
                               "Finished runs are reused (resume) if made with the same --seed, preset, --dataset\n"
                               "and --conv; records of other settings are redone and replaced (one stderr line).\n"
                               "Exit 0 only if every check PASSes, 1 if one FAILs, 4 if none FAILs and one is\n"
                               "MARGINAL, 2 usage error, 3 runtime error (a missing --dataset for a check on real\n"
                               "data is found before the first run; the report of finished checks is still written).\n"
                               "stderr: a 'check k/N' bar with ETA on a terminal; in a log, a heartbeat line every\n"
                               "30 s and one line per finished check; the last line names the report.\n"
                               "With --control NAME only that variant runs, the line reads\n"
                               "'overparam: <id>/<NAME> FAIL ... control=FAIL(as required)' and the exit\n"
                               "code is 0 only if it FAILed.",
                               spec, ns);
        return OP_ARGS_HELP;
    }
    if (s) return s;
    op_error_clear();
    OP_TRY(nn_conv_path_parse(a->conv, &a->conv_path));
    if (a->quick && a->full) OP_ERROR(OP_EUSAGE, "%s: --quick and --full exclude each other", cmd);
    if (a->control && a->no_controls) OP_ERROR(OP_EUSAGE, "%s: --control and --no-controls exclude each other", cmd);
    if (study_mode) { /* the study's check is built here, then runs as a built-in one */
        if (nids != 1) OP_ERROR(OP_EUSAGE, "study: give exactly one study file (see overparam study --help)");
        sy_study *sd = op_malloc(sizeof *sd);
        if (!sd) return OP_ENOMEM;
        th_check *study = NULL; /* lives until the process ends: th_register keeps it */
        s = sy_study_load(ids[0], a->full, sd);
        if (!s) s = sy_check_build(sd, &study);
        free(sd);
        if (!s) s = th_register(study);
        if (s) return s;
        ids[0] = study->id;
    }
    for (int i = 0; i < nids; i++) {
        const th_check *c = th_find(ids[i]);
        if (!c) {
            char valid[1024];
            th_valid_ids(valid, sizeof valid);
            OP_ERROR(OP_EUSAGE, "%s: unknown check '%s'; valid ids: %s", cmd, ids[i], valid);
        }
        for (int j = 0; j < a->nc; j++)
            if (a->checks[j] == c) OP_ERROR(OP_EUSAGE, "%s: check '%s' given twice", cmd, ids[i]);
        a->checks[a->nc++] = c;
    }
    if (a->nc == 0)
        for (int i = 0; i < th_count() && a->nc < MAX_IDS; i++)
            a->checks[a->nc++] = th_at(i);
    if (a->control) {
        if (a->nc != 1 || nids != 1) OP_ERROR(OP_EUSAGE, "%s: --control needs exactly one check id", cmd);
        const th_check *c = a->checks[0];
        if (!th_find_control(c, a->control)) {
            char names[256] = "";
            for (int i = 0, k = 0; i < th_ncontrols(c); i++)
                k += snprintf(names + k, sizeof names - (size_t)k, "%s%s", i ? ", " : "", c->controls[i].name);
            OP_ERROR(OP_EUSAGE, "%s: --control %s: check %s has no such control; its controls: %s", cmd,
                     a->control, c->id, names[0] ? names : "(none)");
        }
    }
    return OP_OK;
}

/* The options every check runs with, their run identity, and every resource the runs
 * need, all checked before --out exists (so a refused call writes nothing). */
static int verify_plan(const verify_args *a, th_opts *o, rec_identity *identity)
{
    *o = (th_opts){.full = a->figures_mode ? !a->quick : a->full, .seed = a->seed, .threads = (int)a->threads,
                   .out = a->out, .only_control = a->control, .no_controls = a->no_controls,
                   .figures = !a->no_figures, .conv = a->conv_path, .dataset_dir = a->dataset};
    /* the seed, preset, conv path and data set every record of this call carries, so
     * resume never reuses a record made under other ones */
    OP_TRY(th_identity(o, identity));
    o->identity = identity;
    OP_TRY(th_preflight(a->checks, a->nc, o, a->figures_mode));
    return op_check_writable_dir(a->out);
}

/* Runs the checks in order and prints each verdict line (rank 0). *worst gets the worst
 * final grade; *done how many checks finished (a runtime error stops at the next). */
static int verify_checks(const verify_args *a, const th_opts *o, st_grade_t *worst, int *done)
{
    th_result *res = op_calloc((unsigned long)a->nc, sizeof *res);
    if (!res) return OP_ENOMEM;
    *worst = ST_PASS;
    const int log = !op_progress_tty(); /* stderr is a log: one line per finished check */
    int s = OP_OK;
    for (*done = 0; *done < a->nc; (*done)++) {
        const int i = *done;
        char ctx[32];
        snprintf(ctx, sizeof ctx, "check %d/%d", i + 1, a->nc);
        op_progress_context(ctx);
        if ((s = th_verify(a->checks[i], o, &res[i]))) break;
        if (res[i].final == ST_FAIL) *worst = ST_FAIL;
        if (res[i].final == ST_MARGINAL && *worst != ST_FAIL) *worst = ST_MARGINAL;
        if (sw_dist_rank() != 0) continue; /* under MPI rank 0 reports */
        printf("%s\n", res[i].line);
        fflush(stdout);
        if (res[i].figure_status[0]) fprintf(stderr, "overparam: %s: %s\n", a->checks[i]->id, res[i].figure_status);
        if (log) {
            char el[32];
            op_progress_fmt_time(el, sizeof el, res[i].seconds);
            fprintf(stderr, "overparam: %s: check %d/%d %s finished in %s: %s\n", a->cmd, i + 1, a->nc,
                    a->checks[i]->id, el, st_grade_name(res[i].final));
            fflush(stderr);
        }
    }
    op_progress_context(NULL);
    free(res);
    return s;
}

/* DIR/report.md and .html (rank 0), and the line naming them. */
static int verify_write(const verify_args *a)
{
    if (sw_dist_rank() != 0) return OP_OK;
    OP_TRY(th_report_write(a->out));
    if (a->figures_mode)
        fprintf(stderr, "overparam: figures and report written under %s/: %s/report.md, %s/report.html\n", a->out,
                a->out, a->out);
    else
        fprintf(stderr, "overparam: %s: report: %s/report.md (and %s/report.html)\n", a->cmd, a->out, a->out);
    return OP_OK;
}

/* overparam verify / figures / study (mode 0 / 1 / 2; study: one positional argument, a
 * study file, whose check is built in verify_parse): parse the flags, plan (options, identity, preflight), run
 * the checks, write the report; one exit path. */
static int verify_run(int argc, char **argv, int mode)
{
    verify_args a;
    th_opts o;
    rec_identity identity;
    int s = verify_parse(argc, argv, mode, &a);
    if (s == OP_ARGS_HELP) return 0;
    if (s || (s = verify_plan(&a, &o, &identity))) return cli_fail(s);
    st_grade_t worst = ST_PASS;
    int done = 0;
    if ((s = verify_checks(&a, &o, &worst, &done))) {
        /* a runtime error: the checks that finished still get their report */
        int rc = cli_fail(s);
        if (done > 0 && sw_dist_rank() == 0) {
            op_error_clear();
            if (th_report_write(a.out) == OP_OK)
                fprintf(stderr, "overparam: %s: report of the %d finished check%s: %s/report.md\n", a.cmd, done,
                        done == 1 ? "" : "s", a.out);
        }
        return rc;
    }
    if ((s = verify_write(&a))) return cli_fail(s);
    /* 0 only when every check PASSes: a MARGINAL is not a confirmation (issue 15) */
    return worst == ST_FAIL ? 1 : worst == ST_MARGINAL ? OP_EXIT_MARGINAL : 0;
}

/* Under an MPI launcher every rank runs this same code on the same arguments, so
 * they validate alike and take part in the same sweeps (src/sweep/dist.h). */
int verify_main(int argc, char **argv, int mode)
{
    int s = sw_dist_init(&argc, &argv);
    if (s) return cli_fail(s);
    int rc = verify_run(argc, argv, mode);
    sw_dist_finalize();
    return rc;
}

int cmd_verify(int argc, char **argv) { return verify_main(argc, argv, 0); }

int cmd_study(int argc, char **argv) { return verify_main(argc, argv, 2); }
