/* Reads the (x, y) CSV files of `overparam kernel` (format: kernel.h). Strict: every
 * problem is reported as one line naming file:line, nothing is guessed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvcols.h"
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

typedef struct {
    int ncols, d, ycol;
    int *xcol;    /* xcol[k] = cell index of input k */
    char **names; /* the header's cells (pointers into line 1 of the buffer) */
} layout;

/* Target and inputs by the shared contract (core/csvcols.h). */
static int parse_header(const char *path, char **cells, int nc, const char *target,
                        const char *input_cols, layout *lay)
{
    lay->ncols = nc;
    lay->names = op_malloc(sizeof(char *) * (size_t)nc);
    if (!lay->names) return OP_ENOMEM;
    memcpy(lay->names, cells, sizeof(char *) * (size_t)nc);
    op_csvcols cc;
    OP_TRY(op_csvcols_select(path, lay->names, nc, target, 1, input_cols, &cc));
    lay->ycol = cc.target;
    lay->d = cc.nin;
    lay->xcol = cc.in;
    return OP_OK;
}

/* "target=y inputs=x0..x7" when the inputs are x0..x{D-1} in order, else the names. */
static void describe(const layout *lay, char *buf, size_t len)
{
    int std = 1;
    for (int k = 0; k < lay->d && std; k++) {
        char name[24];
        snprintf(name, sizeof name, "x%d", k);
        std = strcmp(lay->names[lay->xcol[k]], name) == 0;
    }
    int n = snprintf(buf, len, "target=%s inputs=", lay->names[lay->ycol]);
    if (std && lay->d > 1) {
        snprintf(buf + n, len - (size_t)n, "x0..x%d", lay->d - 1);
        return;
    }
    for (int k = 0; k < lay->d && (size_t)n < len; k++)
        n += snprintf(buf + n, len - (size_t)n, "%s%s", k ? "," : "", lay->names[lay->xcol[k]]);
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

static int read_body(const char *path, const char *target, const char *input_cols, char *buf,
                     size_t len, kn_xy *xy, char **cells)
{
    layout lay = {0, 0, -1, NULL, NULL};
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
            status = parse_header(path, cells, nc, target, input_cols, &lay);
            if (status == OP_OK) describe(&lay, xy->cols, sizeof xy->cols);
            xy->d = lay.d;
            have_header = 1;
        } else if (nc != lay.ncols) {
            status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s:%ld: %d cells, the header has %d",
                                  path, line, nc, lay.ncols);
        } else if ((status = grow(xy, &cap)) == OP_OK) {
            for (int k = 0; k < lay.d && status == OP_OK; k++)
                status = parse_cell(path, line, cells[lay.xcol[k]], lay.names[lay.xcol[k]],
                                    &xy->X[(size_t)xy->n * lay.d + k]);
            if (status == OP_OK)
                status = parse_cell(path, line, cells[lay.ycol], lay.names[lay.ycol], &xy->y[xy->n]);
            if (status == OP_OK) xy->n++;
        }
        p = next;
    }
    free(lay.xcol);
    free(lay.names);
    if (status == OP_OK && !have_header) status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s: empty file (no header)", path);
    if (status == OP_OK && xy->n == 0)
        status = op_error_set(OP_EIO, __FILE__, __LINE__, "%s: header but no data rows", path);
    return status;
}

int kn_xy_read_csv(const char *path, const char *target, const char *input_cols, kn_xy *out)
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
    int status = read_body(path, target, input_cols, buf, len, out, cells);
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
