/* overparam compare: one check's curves across manifolds and ambient dimensions
 * in one figure (each with its predicted slope) and one table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "core/args.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "sweep/dist.h"
#include "theorems/study.h"
#include "theorems/verify.h"

#define MAX_LIST 48

static int compare_main(int argc, char **argv)
{
    int quick = 0, full = 0, no_figures = 0;
    long threads = 0;
    uint64_t seed = 0;
    const char *out = "results", *check = NULL, *mlist = NULL, *alist = NULL, *study_file = NULL;
    op_arg spec[] = {
        {"check", OP_ARG_STR, &check, 0, 0, "the check to run (one that supports compare; see overparam list)", 0},
        {"study", OP_ARG_STR, &study_file, 0, 0,
         "a study file instead of --check (docs/study.md); --manifolds then defaults to the study's", 0},
        {"manifolds", OP_ARG_STR, &mlist, 0, 0,
         "comma-separated manifold specs, e.g. sphere:d=2,torus:d=2,so3 (not for a check on one fixed manifold)", 0},
        {"ambient", OP_ARG_STR, &alist, 0, 0, "comma-separated ambient dimensions (default: the preset's)", 0},
        {"quick", OP_ARG_FLAG, &quick, 0, 0, "quick preset (default)", 0},
        {"full", OP_ARG_FLAG, &full, 0, 0, "full preset", 0},
        {"seed", OP_ARG_U64, &seed, 0, (double)UINT64_MAX, "base seed, 0..2^64-1 as in verify (default 0)", 0},
        {"threads", OP_ARG_INT, &threads, 1, 1024, "OpenMP threads over runs", 0},
        {"out", OP_ARG_STR, &out, 0, 0, "output directory (default results/)", 0},
        {"no-figures", OP_ARG_FLAG, &no_figures, 0, 0, "table and CSV only", 0},
    };
    int ns = (int)(sizeof spec / sizeof spec[0]);
    int s = op_args_parse("compare", argc - 1, argv + 1, spec, ns, NULL, NULL, 0);
    if (s == OP_ARGS_HELP) {
        op_args_print_help(stdout,
                           "overparam compare --check ID --manifolds A,B,C [--ambient 16,64] [--quick|--full] [--out DIR]\n"
                           "       overparam compare --check ID [--ambient 16,64] ...  (a check on one manifold)\n"
                           "       overparam compare --study FILE [--manifolds A,B,C] [--ambient 16,64] ...",
                           "Runs a check over several manifolds and ambient dimensions and draws every curve\n"
                           "with its predicted slope in one figure (DIR/compare/<id>.png/.pdf/.dat/.gp); prints\n"
                           "a table (manifold, d, D, measured slope ± s.e., predicted, verdict) also written to\n"
                           "DIR/compare/<id>.csv, then the paired D-equivalence (each D against the first) and\n"
                           "d-contrast (manifolds of different d at one D) rows, DIR/compare/<id>-pairs.csv.\n"
                           "A check on one fixed manifold takes --ambient only (--manifolds is refused).\n"
                           "Finished runs are reused (resume), as in verify.\n"
                           "Exit 0 only if every row PASSes, 1 if one FAILs, 4 if none FAILs and one is\n"
                           "MARGINAL (pairs count as rows), 2 usage error, 3 runtime error (verify's codes).\n"
                           "With --study FILE the study's runs (keys study=<hash>/...) are shared with\n"
                           "`overparam study FILE` in the same --out; each row is judged by the study's band,\n"
                           "the pairs by its [judge] criteria (d_invariance, d_ratio; contrast_tolerance,\n"
                           "contrast_ratio_min, also for manifolds of equal d); a pair whose criterion the\n"
                           "file does not set is reported n/a (not counted).",
                           spec, ns);
        return 0;
    }
    if (s) return cli_fail(s);
    if (check && study_file) return cli_usage("compare: --check and --study exclude each other");
    if (!check && !study_file) {
        return cli_usage("compare: --check or --study is required (see overparam compare --help)");
    }
    if (quick && full) {
        return cli_usage("compare: --quick and --full exclude each other");
    }
    static char study_man[4096];
    const th_check *c = NULL;
    if (study_file) { /* the study's check, built as `overparam study` builds it */
        sy_study *sd = op_malloc(sizeof *sd);
        th_check *sc = NULL;
        if (!sd) return cli_fail(OP_ENOMEM);
        s = sy_study_load(study_file, full, sd);
        if (!s) s = sy_check_build(sd, &sc);
        if (!s && !mlist) {
            for (int i = 0, k = 0; i < sd->nman; i++)
                k += snprintf(study_man + k, sizeof study_man - (size_t)k, "%s%s", i ? "," : "", sd->manifolds[i]);
            mlist = study_man;
        }
        free(sd);
        if (!s) s = th_register(sc);
        if (s) return cli_fail(s);
        c = sc;
        check = sc->id;
    } else
        c = th_find(check);
    if (!c) {
        char valid[1024];
        th_valid_ids(valid, sizeof valid);
        return cli_usage("compare: unknown check '%s'; valid ids: %s", check, valid);
    }
    const th_compare *cp = &c->compare;
    if (!cp->ambient_axis) {
        char ok[1024] = "";
        for (int i = 0, k = 0; i < th_count(); i++)
            if (th_at(i)->compare.ambient_axis)
                k += snprintf(ok + k, sizeof ok - (size_t)k, "%s%s", k ? ", " : "", th_at(i)->id);
        return cli_usage("compare: check '%s' does not support compare; checks that do: %s", check,
                         ok[0] ? ok : "(none yet)");
    }
    if (!cp->manifold_axis) { /* one fixed manifold (smooth-approx, classification-dinv) */
        if (mlist)
            return cli_usage("compare: check '%s' runs on one fixed manifold (%s); --manifolds does not apply", check,
                             cp->fixed_manifold);
        mlist = cp->fixed_manifold;
    }
    if (!mlist) {
        return cli_usage("compare: --check and --manifolds are required (see overparam compare --help)");
    }
    static char mbuf[4096];
    if (strlen(mlist) >= sizeof mbuf) {
        return cli_usage("compare: --manifolds is too long");
    }
    strcpy(mbuf, mlist);
    const char *man[MAX_LIST];
    int nman = 0;
    for (char *p = mbuf, *tok; (tok = strsep(&p, ","));) {
        if (!*tok) {
            return cli_usage("compare: --manifolds '%s' has an empty entry", mlist);
        }
        if (nman == MAX_LIST) {
            return cli_usage("compare: --manifolds has more than %d entries", MAX_LIST);
        }
        man[nman++] = tok;
    }
    long amb_l[MAX_LIST];
    double amb[MAX_LIST];
    int namb = 0;
    if (alist) {
        if ((s = op_parse_long_list("--ambient", alist, 1, 1000000, amb_l, MAX_LIST, &namb))) return cli_fail(s);
        for (int i = 0; i < namb; i++) {
            amb[i] = (double)amb_l[i];
            for (int j = 0; j < i; j++)
                if (amb_l[j] == amb_l[i]) {
                    return cli_usage("compare: --ambient lists %ld twice", amb_l[i]);
                }
        }
    }
    /* compare has no --dataset: dataset_dir NULL, the default directory's */
    th_opts o = {.full = full, .seed = seed, .threads = (int)threads, .out = out, .no_controls = 1,
                 .figures = !no_figures, .conv = NN_CONV_AUTO};
    /* Every argument is checked before --out is created: a refused command leaves
     * no directory behind. */
    rec_identity identity;
    if ((s = th_identity(&o, &identity))) return cli_fail(s);
    o.identity = &identity;
    if ((s = th_compare_validate(c, &o, man, nman, amb, namb))) return cli_fail(s);
    if ((s = th_preflight(&c, 1, &o, 0))) return cli_fail(s);
    if ((s = op_check_writable_dir(out))) return cli_fail(s);
    st_grade_t worst = ST_PASS;
    s = th_compare_run(c, &o, man, nman, amb, namb, stdout, &worst);
    if (s) return cli_fail(s);
    /* verify's codes: a row is judged like a check, and a MARGINAL row confirms nothing */
    return worst == ST_FAIL ? 1 : worst == ST_MARGINAL ? OP_EXIT_MARGINAL : 0;
}

/* Under an MPI launcher every rank runs compare on the same arguments: the sweep's
 * runs are spread over the ranks (src/sweep/dist.h) and rank 0 prints the table and
 * writes DIR/compare/, as verify and figures do. */
int cmd_compare(int argc, char **argv)
{
    int s = sw_dist_init(&argc, &argv);
    if (s) return cli_fail(s);
    int rc = compare_main(argc, argv);
    sw_dist_finalize();
    return rc;
}
