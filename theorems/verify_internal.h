/* Internals of the verify engine shared by its sources (verify.c defines them; compare.c
 * and report.c use them). Not part of the public API in verify.h. */
#ifndef TH_VERIFY_INTERNAL_H
#define TH_VERIFY_INTERNAL_H

#include <stddef.h>

#include "verify.h"

/* Plans, executes (resuming) and reads back the records of one variant. */
int th_sweep_variant(const th_check *c, const th_opts *o, const sw_grid *g, const char *control,
                     rec_record **recs_out, int *n_out);
/* Judges one variant's records into v (a failed run caps the verdict at MARGINAL). */
int th_judge_variant(const th_check *c, const th_opts *o, const char *control, const rec_record *recs,
                     int n, th_verdict *v);
/* A number as the verdict lines print it ("nan", "inf", %.0f in [1000, 1e7), else %.3g). */
void th_fmt_num(char *buf, size_t len, double x);
/* "measured=<x>±<se> predicted=<p> band=[lo,hi]" */
void th_fmt_numbers(const th_verdict *v, char *buf, size_t len);

#endif
