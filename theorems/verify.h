/* Running theorem checks: plan -> execute (parallel, resumable) -> judge from the
 * records -> summary.csv, figures, verdict line; plus the report over several
 * checks and the cross-manifold comparison. Used by the verify, figures and
 * compare subcommands. */
#ifndef TH_VERIFY_H
#define TH_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "check.h"

typedef struct {
    int full;                 /* full preset instead of quick */
    uint64_t seed;            /* base seed */
    int threads;              /* <= 0: OpenMP default */
    const char *out;          /* output directory */
    const char *only_control; /* run only this control variant (--control NAME) */
    int no_controls;
    int figures;              /* write .dat/.gp and render */
    const rec_identity *identity; /* this invocation's run identity (th_identity): resume
                                   * reuses only records made under it */
    nn_conv_path conv;        /* --conv: every run's models take it (th_run_ctx.conv) */
    const char *dataset_dir;  /* --dataset: every run gets it (th_run_ctx.dataset_dir); NULL:
                               * the default directory */
} th_opts;

/* The run identity of an invocation with these options (store/record.h): o->seed, the
 * preset (o->full), the --conv path (o->conv) and the data-set directory o->dataset_dir
 * (NULL: the default) resolved and fingerprinted (dt_dataset_identity). Call once,
 * before any run; OP_EUSAGE (one line) for a data-set path too long to record. */
int th_identity(const th_opts *o, rec_identity *id);

/* Counts the records under o->out that the sweeps of these variants of grid g will
 * replace because another identity made them, and if there are any prints one line on
 * stderr: how many, what differs ("seed 0, not 1") and that another --out keeps both.
 * Rank 0 only; th_verify and th_compare_run call it before their first run. */
int th_note_replaced(const th_check *c, const th_opts *o, const sw_grid *g, const char *const *variants, int nv);

typedef struct {
    const th_check *check;
    int control_only;          /* 1 if only one control was run (--control) */
    int has_main;
    th_verdict main;
    int ncontrols;
    const char *control_name[TH_MAX_CONTROLS];
    th_verdict control[TH_MAX_CONTROLS];
    st_grade_t final;          /* the verdict with controls taken into account */
    char control_text[64];     /* "FAIL(as required)", "PASS(unexpected!)", "skipped" */
    int nfig;
    char fig[TH_MAX_FIGURES][64];
    char figure_status[96];    /* "", "figures skipped (gnuplot not found)", error text */
    int discrim;               /* index into control[] of the nearest near-miss control, -1: none */
    double discrim_z;          /* its z (th_discrim_z against th_discrim_band); NaN if none */
    char discrim_text[80];     /* "<control>:<z>" or "none": the verdict line's discrim= field */
    char line[2048];           /* the verdict line */
    double seconds;
} th_result;

/* The band a control's graded value is measured against for its discrimination z:
 * the band its judge graded it in (the theorem's criteria, on the control's worst
 * curve), else the main variant's. */
void th_discrim_band(const th_result *r, const th_verdict *cv, double *lo, double *hi);

/* Runs one check (its variants per opts), writes its outputs, fills r (heap: big).
 * Returns OP_OK whatever the verdict; an error status for usage/I/O failures. */
int th_verify(const th_check *c, const th_opts *o, th_result *r);

/* th_verify writes (rank 0) the verdict of each check and preset it ran to
 * DIR/<id>/verdict-<preset>.txt (verdict-<preset>-control-<NAME>.txt under --control):
 * key=value lines (check, preset, base_seed, conv, date, version, commit, verdict,
 * graded, measured, se, predicted, band_lo, band_hi, control, discrim, figures, line,
 * citation, claim, prediction, band_source, ...). th_verdict_file gives that file name for a result. */
void th_verdict_file(const th_result *r, int full, char *buf, size_t len);

/* DIR/report.md and DIR/report.html, rebuilt from the verdict files under DIR: one row
 * per check, preset and --control variant found there (the latest call of each), so
 * every verify/figures call into DIR adds to the report instead of replacing it. */
int th_report_write(const char *out);

/* Comparison across manifolds and ambient dimensions (overparam compare):
 * replaces the check's manifold/ambient axes by the given lists, runs the theorem's
 * variant, judges each (manifold, D) subset, prints the table to `table` and writes
 * DIR/compare/<id>.csv, .dat, .gp, .png, .pdf. *worst = the worst grade of the subsets
 * (the CLI maps it to verify's exit codes). */
int th_compare_run(const th_check *c, const th_opts *o, const char *const *manifolds, int nman,
                   const double *ambient, int namb, FILE *table, st_grade_t *worst);
/* The argument checks of th_compare_run alone (OP_EUSAGE with one line, nothing
 * written): the CLI calls it before it creates the output directory. Under MPI every
 * rank runs th_compare_run (its sweep is spread over the ranks); rank 0 alone prints
 * the table and writes the files. */
int th_compare_validate(const th_check *c, const th_opts *o, const char *const *manifolds, int nman,
                        const double *ambient, int namb);

/* Fail early (preflight.c): whether check c's preset runs on the real image set, and
 * every resource the checks will need (that image set under o->dataset_dir, NULL = the
 * default; gnuplot when need_gnuplot) checked before the first run: OP_EIO with one
 * line naming the check and the resource. --out is checked by op_check_writable_dir. */
int th_needs_image_set(const th_check *c, int full);
int th_preflight(const th_check *const *checks, int nc, const th_opts *o, int need_gnuplot);

#endif
