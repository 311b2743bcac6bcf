/* The column contract shared by every command that reads a user's (x, y) CSV:
 * `train --data`, `kernel --train/--test` and `model grad --input`.
 *
 *   target: the column named --target-col (default "y"); a file without it is a usage
 *           error naming the columns found.
 *   inputs: --input-cols a,b,c when given (in that order); otherwise, when the header has
 *           a column x0, the columns x0..x{D-1} (what `overparam sample` writes; its f and
 *           g0.. columns and any other column are ignored); otherwise every column but the
 *           target, in file order.
 *
 * The rule is applied to a header (names[ncols]) so the two CSV readers (src/nn/csv.c,
 * src/kernel/xycsv.c) share it. */
#ifndef OP_CSVCOLS_H
#define OP_CSVCOLS_H

#include "core/fsutil.h"

typedef struct {
    int target; /* column index of the target, -1 when absent and optional */
    int nin;    /* number of input columns */
    int *in;    /* in[k] = column index of input k */
} op_csvcols;

/* Resolves the target and input columns of header names[ncols] read from `path`.
 * target: the target column's name; target_required: 0 lets it be absent (model grad's
 * objective without targets). input_cols: NULL or a comma-separated list of names.
 * OP_EUSAGE with one line naming the file and the columns found on any mismatch. */
int op_csvcols_select(const char *path, char *const *names, int ncols, const char *target,
                      int target_required, const char *input_cols, op_csvcols *out);
void op_csvcols_free(op_csvcols *c);

/* Appends JSON "\"target_col\": ..., \"input_cols\": [...]" for a record. */
void op_csvcols_json(const op_csvcols *c, char *const *names, op_buf *b);

#endif
