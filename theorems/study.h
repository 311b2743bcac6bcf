/* Studies: a rate check declared in a text file instead of C (docs/study.md).
 *
 * `overparam study FILE` reads a small INI file (sections, key = value, # comments,
 * lists as comma-separated values) into an sy_study, builds a th_check from it at run
 * time and hands that to the same plan / execute / judge / emit engine as a built-in
 * check (theorems/verify.c): records under DIR/<id>/runs/, resume, MPI, determinism,
 * the judge kit, the verdict line, the report and the figure.
 *
 * A study fits one quantity (a metric of every run, test MSE by default) against the
 * training-set size n, a model-size key (channels, blocks, width, depth) or the
 * model's parameter count, on manifold data (manifolds/dataset.h), and grades:
 *   - every (manifold, D) curve's paired slope against `predicted` (a formula in d, s
 *     and D, sy_expr_eval) with the band [pred + lo, pred + hi];
 *   - optionally the D-invariance of each manifold (paired slope difference TOST within
 *     +-x, and the level ratio at every point inside a band);
 *   - optionally a d-contrast: the paired slope difference of two manifolds of
 *     different d at one D against the formula's difference, its band the formula
 *     evaluated at d -+ a tolerance.
 *
 * Records never mix across edits: every run key starts with "study=<hash>/", the hash
 * (16 hex digits) of the normalised settings a single run depends on (sy_study.hash). */
#ifndef TH_STUDY_H
#define TH_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"

#define SY_MAX_LIST SW_MAX_VALUES
#define SY_SPEC 96
#define SY_TEXT 512

enum { SY_FAMILY_CONVRESNET = 0, SY_FAMILY_MLP = 1 };
/* The size keys of [model] that may hold a list (one of them at most): a grid axis. */
enum { SY_SIZE_NONE = -1, SY_SIZE_CHANNELS, SY_SIZE_BLOCKS, SY_SIZE_WIDTH, SY_SIZE_DEPTH, SY_NSIZE };
/* What the slope is fitted against. */
enum { SY_X_N = 0, SY_X_SIZE = 1, SY_X_PARAMS = 2 };

typedef struct {
    char name[REC_NAME];  /* kebab-case, from "[control NAME]" */
    char what[SY_TEXT];   /* why the hypothesis is false under it */
    int near_miss;
    char manifold[SY_SPEC]; /* "" = the study's manifolds */
    char target[SY_SPEC];   /* "" = the study's target */
    int min_ambient;        /* D = max(D, min_ambient) for this control's runs (0: none) */
    double label_noise;     /* NaN = the study's */
} sy_control;

typedef struct {
    /* [study] */
    char id[48], seed_name[48];
    char title[160], claim[SY_TEXT], citation[SY_TEXT], band_source[SY_TEXT];
    int seeds;
    /* [data] */
    int nman;
    char manifolds[SY_MAX_LIST][SY_SPEC];
    int namb;
    double ambient[SY_MAX_LIST];
    int nn;
    double n[SY_MAX_LIST];
    char target[SY_SPEC];
    double smoothness; /* s in the formula; NaN: the target's s= */
    double label_noise;
    long nval, ntest;
    /* [model] */
    int family;
    int nsize[SY_NSIZE];
    double size[SY_NSIZE][SY_MAX_LIST]; /* channels (C), blocks (M), width, depth */
    int kernel, layers;
    int size_key; /* the key given as a list, SY_SIZE_NONE if none */
    /* [train] */
    double lr;
    int cosine, batch, epochs, patience, keep_best;
    long extra_steps;
    /* [judge] */
    int x;
    char quantity[REC_NAME];
    char predicted[160];
    double band_lo, band_hi;
    double d_invariance;            /* NaN: not graded */
    double d_ratio_lo, d_ratio_hi;  /* NaN: not graded */
    double contrast_tol;            /* NaN: no d-contrast */
    double contrast_ratio_min;      /* NaN: not graded */
    int contrast_higher_only;       /* 1: the band moves d_b only (the built-in manifold-rate's rule) */
    /* [control NAME] */
    int ncontrols;
    sy_control controls[TH_MAX_CONTROLS];
    /* derived */
    int full;      /* the preset applied */
    uint64_t hash; /* of the run-relevant settings (docs/study.md "Run keys") */
    char hash_text[256 + 64 * SY_MAX_LIST]; /* the normalised settings that were hashed */
} sy_study;

/* Reads FILE with the [quick] or [full] overrides applied (full = 1: [full]).
 * Every problem is OP_EUSAGE with one line "FILE:LINE: ..." (or "FILE: ..." for a
 * missing required key); OP_EIO if the file cannot be read. */
int sy_study_load(const char *path, int full, sy_study *s);
/* The same from text (name: what the messages call it). */
int sy_study_parse(const char *text, const char *name, int full, sy_study *s);

/* A study's check (heap; sy_check_free). Its id is the study's id. */
int sy_check_build(const sy_study *s, th_check **out);
void sy_check_free(th_check *c);
/* The study behind a check that sy_check_build made (NULL for a built-in check). */
const sy_study *sy_check_study(const th_check *c);

/* Intrinsic dimension d of a manifold spec (and its natural dimension N into
 * *natural if not NULL); NaN with the parse error recorded for a bad spec. */
double sy_manifold_dim(const char *spec, int *natural);

/* The formula of `predicted`: numbers, the names d, s and D, + - * / ^ (right
 * associative, binds tighter than unary minus: -2^2 = -4) and parentheses.
 * sy_expr_eval: OP_EUSAGE with "at column C: ..." in the message on a syntax error
 * (the caller prefixes FILE:LINE); a non-finite result is OP_ENUM. */
int sy_expr_eval(const char *expr, double d, double s, double D, double *out);

#endif
