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
#include "theorems/verify.h"

#define MAX_IDS 64

static int verify_run(int argc, char **argv, int figures_mode)
{
    const char *cmd = figures_mode ? "figures" : "verify";
    int quick = 0, full = 0, no_controls = 0, no_figures = 0;
    long threads = 0;
    uint64_t seed = 0;
    const char *out = "results", *control = NULL, *dataset = NULL, *conv = "auto";
    op_arg spec[] = {
        {"quick", OP_ARG_FLAG, &quick, 0, 0, figures_mode ? "quick presets (fast preview)" : "quick presets (default; what ctest runs)", 0},
        {"full", OP_ARG_FLAG, &full, 0, 0, figures_mode ? "full presets (default)" : "full presets (what the figures use)", 0},
        {"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "base seed of every run, 0..2^64-1 as in train and sample (default 0)", 0},
        {"threads", OP_ARG_INT, &threads, 1, 1024, "OpenMP threads over runs (default: OMP_NUM_THREADS or all cores)", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "output directory (default results/)", 0},
        {"control", OP_ARG_STR, &control, 0, 0, "run only this control variant of the check (it must FAIL)", 0},
        {"no-controls", OP_ARG_FLAG, &no_controls, 0, 0, "skip the controls (control=skipped)", 0},
        {"dataset", OP_ARG_STR, &dataset, 0, 0,
         "directory of an IDX image set under the MNIST file names, for checks on real data (default "
         "/usr/share/datasets/fashion-mnist)", 0},
        {"conv", OP_ARG_STR, &conv, 0, 0,
         "convolution path: auto (the built-in rule, default), im2col or direct; runs of a forced "
         "path get their own keys (conv=<path>/...), so resume never mixes paths", 0},
        {"no-figures", OP_ARG_FLAG, &no_figures, 0, 0, "write records, summary and report only", 0},
    };
    int ns = (int)(sizeof spec / sizeof spec[0]);
    if (figures_mode) ns--; /* figures always draws */
    const char *ids[MAX_IDS];
    int nids = 0;
    int s = op_args_parse(cmd, argc - 1, argv + 1, spec, ns, ids, &nids, MAX_IDS);
    if (s == OP_ARGS_HELP) {
        if (figures_mode)
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
        return 0;
    }
    nn_conv_path conv_path = NN_CONV_AUTO;
    if (s || (s = nn_conv_path_parse(conv, &conv_path))) return cli_fail(s);
    if (quick && full) {
        return cli_usage("%s: --quick and --full exclude each other", cmd);
    }
    if (control && no_controls) {
        return cli_usage("%s: --control and --no-controls exclude each other", cmd);
    }
    const th_check *checks[MAX_IDS];
    int nc = 0;
    for (int i = 0; i < nids; i++) {
        const th_check *c = th_find(ids[i]);
        if (!c) {
            char valid[1024];
            th_valid_ids(valid, sizeof valid);
            return cli_usage("%s: unknown check '%s'; valid ids: %s", cmd, ids[i], valid);
        }
        for (int j = 0; j < nc; j++)
            if (checks[j] == c) {
                return cli_usage("%s: check '%s' given twice", cmd, ids[i]);
            }
        checks[nc++] = c;
    }
    if (nc == 0)
        for (int i = 0; i < th_count() && nc < MAX_IDS; i++)
            if (!th_at(i)->hidden) checks[nc++] = th_at(i);
    if (control) {
        if (nc != 1 || nids != 1) {
            return cli_usage("%s: --control needs exactly one check id", cmd);
        }
        if (!th_find_control(checks[0], control)) {
            char names[256] = "";
            for (int i = 0, k = 0; i < th_ncontrols(checks[0]); i++)
                k += snprintf(names + k, sizeof names - (size_t)k, "%s%s", i ? ", " : "", checks[0]->controls[i].name);
            return cli_usage("%s: --control %s: check %s has no such control; its controls: %s", cmd,
                             control, checks[0]->id, names[0] ? names : "(none)");
        }
    }
    th_opts o = {.full = figures_mode ? !quick : full, .seed = seed, .threads = (int)threads, .out = out,
                 .only_control = control, .no_controls = no_controls, .figures = !no_figures, .conv = conv_path,
                 .dataset_dir = dataset};
    /* the seed, preset, conv path and data set every record of this call carries, so
     * resume never reuses a record made under other ones (checked before --out exists) */
    rec_identity identity;
    if ((s = th_identity(&o, &identity))) return cli_fail(s);
    o.identity = &identity;
    /* every resource the runs need, before the first run and before --out exists */
    if ((s = th_preflight(checks, nc, &o, figures_mode))) return cli_fail(s);
    if ((s = op_check_writable_dir(out))) return cli_fail(s);

    th_result *res = op_calloc((unsigned long)nc, sizeof *res);
    if (!res) return cli_fail(OP_ENOMEM);
    int any_fail = 0, any_marginal = 0;
    const int log = !op_progress_tty(); /* stderr is a log: one line per finished check */
    for (int i = 0; i < nc; i++) {
        char ctx[32];
        snprintf(ctx, sizeof ctx, "check %d/%d", i + 1, nc);
        op_progress_context(ctx);
        s = th_verify(checks[i], &o, &res[i]);
        if (s) { /* a runtime error: the checks that finished still get their report */
            int rc = cli_fail(s);
            if (i > 0 && sw_dist_rank() == 0) {
                op_error_clear();
                if (th_report_write(out) == OP_OK)
                    fprintf(stderr, "overparam: %s: report of the %d finished check%s: %s/report.md\n", cmd, i,
                            i == 1 ? "" : "s", out);
            }
            free(res);
            return rc;
        }
        if (res[i].final == ST_FAIL) any_fail = 1;
        if (res[i].final == ST_MARGINAL) any_marginal = 1;
        if (sw_dist_rank() != 0) continue; /* under MPI rank 0 reports */
        printf("%s\n", res[i].line);
        fflush(stdout);
        if (res[i].figure_status[0]) fprintf(stderr, "overparam: %s: %s\n", checks[i]->id, res[i].figure_status);
        if (log) {
            char el[32];
            op_progress_fmt_time(el, sizeof el, res[i].seconds);
            fprintf(stderr, "overparam: %s: check %d/%d %s finished in %s: %s\n", cmd, i + 1, nc, checks[i]->id, el,
                    st_grade_name(res[i].final));
            fflush(stderr);
        }
    }
    op_progress_context(NULL);
    s = sw_dist_rank() == 0 ? th_report_write(out) : OP_OK;
    free(res);
    if (s) return cli_fail(s);
    if (sw_dist_rank() == 0) {
        if (figures_mode)
            fprintf(stderr, "overparam: figures and report written under %s/: %s/report.md, %s/report.html\n", out,
                    out, out);
        else
            fprintf(stderr, "overparam: verify: report: %s/report.md (and %s/report.html)\n", out, out);
    }
    /* 0 only when every check PASSes: a MARGINAL is not a confirmation (issue 15) */
    return any_fail ? 1 : any_marginal ? OP_EXIT_MARGINAL : 0;
}

/* Under an MPI launcher every rank runs this same code on the same arguments, so
 * they validate alike and take part in the same sweeps (src/sweep/dist.h). */
int verify_main(int argc, char **argv, int figures_mode)
{
    int s = sw_dist_init(&argc, &argv);
    if (s) return cli_fail(s);
    int rc = verify_run(argc, argv, figures_mode);
    sw_dist_finalize();
    return rc;
}

int cmd_verify(int argc, char **argv) { return verify_main(argc, argv, 0); }
