/* Numeric CSV tables with a header row (used by `overparam train --data` and
 * `overparam model grad --input`). */
#ifndef NN_CSV_H
#define NN_CSV_H

typedef struct {
    int ncols;
    long nrows;
    char **names;
    double *v; /* row-major [nrows][ncols] */
} nn_csv;

/* OP_EIO if the file cannot be read; OP_EUSAGE (one line naming line and column) for a
 * malformed table. */
int nn_csv_read(const char *path, nn_csv *t);
void nn_csv_free(nn_csv *t);
int nn_csv_col(const nn_csv *t, const char *name); /* -1 if absent */

#endif
