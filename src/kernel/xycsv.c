/* Reads the (x, y) CSV files of `overparam kernel` (format: kernel.h). Strict: every
 * problem is reported as one line naming file:line, nothing is guessed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "kernel/kernel.h"

#define MAX_COLS 100000

/* Splits line [s, e) in place at commas into cells (trimmed of blanks and one pair of
 * double quotes); returns the number of cells, or -1 if there are more than maxc. */
static int split_cells(char *s, char *e, char **cells, int maxc)
{
    int nc = 0;
    for (;;) {
        char *c = s;
        while (s < e && *s != ',') s++;
        char *ce = s;
        while (c < ce && (*c == ' ' || *c == '\t')) c++;
        while (ce > c && (ce[-1] == ' ' || ce[-1] == '\t')) ce--;
        if (ce - c >= 2 && *c == '"' && ce[-1] == '"') {
            c++;
            ce--;
        }
        if (nc >= maxc) return -1;
        cells[nc++] = c;
        int more = s < e;
        *ce = '\0';
        if (!more) break;
        s++;
    }
    return nc;
}

/* Header column name "x<k>" -> k (>= 0), "y" -> -2, anything else -> -1 (ignored). */
static long column_role(const char *name)
{
    if (strcmp(name, "y") == 0) return -2;
    if (name[0] != 'x' || name[1] < '0' || name[1] > '9') return -1;
    if (name[1] == '0' && name[2] != '\0') return -1; /* "x01" is not a feature name */
    char *end;
    errno = 0;
    long k = strtol(name + 1, &end, 10);
    if (*end != '\0' || errno || k >= MAX_COLS) return -1;
    return k;
}

typedef struct {
    int ncols, d, ycol;
    int *xcol; /* xcol[k] = cell index of column x<k> */
} layout;

static int parse_header(const char *path, char **cells, int nc, layout *lay)
{
    lay->ncols = nc;
    lay->ycol = -1;
    lay->d = 0;
    for (int c = 0; c < nc; c++) {
        long r = column_role(cells[c]);
        if (r == -2) {
            if (lay->ycol >= 0) OP_ERROR(OP_EIO, "%s:1: column 'y' appears twice", path);
            lay->ycol = c;
        } else if (r >= 0 && r + 1 > lay->d) {
            lay->d = (int)(r + 1);
        }
    }
    if (lay->ycol < 0)
        OP_ERROR(OP_EIO, "%s:1: header has no column 'y' (expected x0,...,x{D-1},y)", path);
    if (lay->d == 0)
        OP_ERROR(OP_EIO, "%s:1: header has no column 'x0' (expected x0,...,x{D-1},y)", path);
    lay->xcol = op_malloc(sizeof(int) * (size_t)lay->d);
    if (!lay->xcol) return OP_ENOMEM;
    for (int k = 0; k < lay->d; k++) lay->xcol[k] = -1;
    for (int c = 0; c < nc; c++) {
        long r = column_role(cells[c]);
        if (r < 0) continue;
        if (lay->xcol[r] >= 0) OP_ERROR(OP_EIO, "%s:1: column 'x%ld' appears twice", path, r);
        lay->xcol[r] = c;
    }
    for (int k = 0; k < lay->d; k++)
        if (lay->xcol[k] < 0)
            OP_ERROR(OP_EIO, "%s:1: header has x%d but no column 'x%d' (features must be x0..x%d)",
                     path, lay->d - 1, k, lay->d - 1);
    return OP_OK;
}

static int parse_cell(const char *path, long line, const char *cell, const char *col, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(cell, &end);
    if (end == cell || *end != '\0')
        OP_ERROR(OP_EIO, "%s:%ld: column %s: '%s' is not a number", path, line, col, cell);
    if (errno == ERANGE && fabs(v) > 1) /* overflow; underflow to ~0 is harmless */
        OP_ERROR(OP_EIO, "%s:%ld: column %s: '%s' overflows a double", path, line, col, cell);
    if (!isfinite(v)) OP_ERROR(OP_EIO, "%s:%ld: column %s: '%s' is not finite", path, line, col, cell);
    *out = v;
    return OP_OK;
}

/* Appends one row's used cells to the growing arrays. */
static int grow(kn_xy *xy, int *cap)
{
    if (xy->n < *cap) return OP_OK;
    int nc = *cap ? 2 * *cap : 256;
    double *X = realloc(xy->X, sizeof(double) * (size_t)nc * (size_t)xy->d);
    if (!X) OP_ERROR(OP_ENOMEM, "out of memory reading CSV rows");
    xy->X = X;
    double *y = realloc(xy->y, sizeof(double) * (size_t)nc);
    if (!y) OP_ERROR(OP_ENOMEM, "out of memory reading CSV rows");
    xy->y = y;
    *cap = nc;
    return OP_OK;
}

static int read_body(const char *path, char *buf, size_t len, kn_xy *xy, char **cells)
{
    layout lay = {0, 0, -1, NULL};
    int status = OP_OK, have_header = 0, cap = 0;
    char *p = buf, *end = buf + len;
    long line = 0;
    while (p < end && status == OP_OK) {
        char *e = memchr(p, '\n', (size_t)(end - p));
        char *next = e ? e + 1 : end;
        if (!e) e = end;
        line++;
        if (e > p && e[-1] == '\r') e--;
        if (memchr(p, '\0', (size_t)(e - p))) {
            status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s:%ld: binary data (NUL byte)", path, line);
            break;
        }
        if (e == p) { /* blank line: skipped, as pandas does */
            p = next;
            continue;
        }
        int nc = split_cells(p, e, cells, MAX_COLS);
        if (nc < 0) {
            status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s:%ld: more than %d columns", path,
                                  line, MAX_COLS);
        } else if (!have_header) {
            if (line != 1) {
                status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s:%ld: header must be line 1", path, line);
                break;
            }
            status = parse_header(path, cells, nc, &lay);
            xy->d = lay.d;
            have_header = 1;
        } else if (nc != lay.ncols) {
            status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s:%ld: %d cells, the header has %d",
                                  path, line, nc, lay.ncols);
        } else if ((status = grow(xy, &cap)) == OP_OK) {
            char col[32];
            for (int k = 0; k < lay.d && status == OP_OK; k++) {
                snprintf(col, sizeof col, "x%d", k);
                status = parse_cell(path, line, cells[lay.xcol[k]], col,
                                    &xy->X[(size_t)xy->n * lay.d + k]);
            }
            if (status == OP_OK) status = parse_cell(path, line, cells[lay.ycol], "y", &xy->y[xy->n]);
            if (status == OP_OK) xy->n++;
        }
        p = next;
    }
    free(lay.xcol);
    if (status == OP_OK && !have_header) status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s: empty file (no header)", path);
    if (status == OP_OK && xy->n == 0)
        status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s: header but no data rows", path);
    return status;
}

int kn_xy_read_csv(const char *path, kn_xy *out)
{
    memset(out, 0, sizeof *out);
    char *buf;
    size_t len;
    OP_TRY(op_read_file(path, &buf, &len));
    char **cells = op_malloc(sizeof(char *) * MAX_COLS);
    if (!cells) {
        free(buf);
        return OP_ENOMEM;
    }
    int status = read_body(path, buf, len, out, cells);
    free(cells);
    free(buf);
    if (status != OP_OK) kn_xy_free(out);
    return status;
}

void kn_xy_free(kn_xy *xy)
{
    free(xy->X);
    free(xy->y);
    memset(xy, 0, sizeof *xy);
}
