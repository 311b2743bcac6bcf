/* A small CSV reader for numeric tables with a header row (what `overparam sample`
 * writes and pandas reads): comma separated, no quoting, blank lines ignored. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "nn_csv.h"

void nn_csv_free(nn_csv *t)
{
    if (!t) return;
    for (int i = 0; i < t->ncols; i++) free(t->names[i]);
    free(t->names);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = 0;
    return s;
}

int nn_csv_read(const char *path, nn_csv *t)
{
    memset(t, 0, sizeof *t);
    char *data;
    size_t len;
    OP_TRY(op_read_file(path, &data, &len));
    int st = OP_OK;
    char *save = NULL, *line = strtok_r(data, "\n", &save);
    while (line && !*trim(line)) line = strtok_r(NULL, "\n", &save);
    if (!line) {
        free(data);
        OP_ERROR(OP_EUSAGE, "'%s' is empty (expected a header row)", path);
    }
    /* Header. */
    int nc = 1;
    for (char *p = line; *p; p++) nc += *p == ',';
    t->names = calloc((size_t)nc, sizeof(char *));
    size_t cap = 1024, nv = 0;
    t->v = malloc(cap * sizeof(double));
    if (!t->names || !t->v) {
        st = op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory reading '%s'", path);
        goto fail;
    }
    t->ncols = nc;
    {
        char *cs = NULL;
        int i = 0;
        char *hdr = line;
        for (char *f = strsep(&hdr, ","); f; f = strsep(&hdr, ","), i++) {
            char *name = trim(f);
            if (!*name) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "'%s': header column %d is empty",
                                  path, i + 1);
                goto fail;
            }
            t->names[i] = strdup(name);
        }
        (void)cs;
    }
    long row = 0, lineno = 1;
    while ((line = strtok_r(NULL, "\n", &save))) {
        lineno++;
        char *l = trim(line);
        if (!*l) continue;
        int i = 0;
        for (char *f = strsep(&l, ","); f; f = strsep(&l, ","), i++) {
            if (i >= nc) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                  "'%s' line %ld has more than %d fields", path, lineno, nc);
                goto fail;
            }
            char *s = trim(f), *end;
            double v = strtod(s, &end);
            if (!*s || *end || !isfinite(v)) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                  "'%s' line %ld column '%s': '%s' is not a finite number", path,
                                  lineno, t->names[i], s);
                goto fail;
            }
            if (nv == cap) {
                double *nvp = realloc(t->v, 2 * cap * sizeof(double));
                if (!nvp) {
                    st = op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory reading '%s'", path);
                    goto fail;
                }
                t->v = nvp;
                cap *= 2;
            }
            t->v[nv++] = v;
        }
        if (i != nc) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "'%s' line %ld has %d fields, the header has %d",
                              path, lineno, i, nc);
            goto fail;
        }
        row++;
    }
    t->nrows = row;
    free(data);
    if (row == 0) {
        nn_csv_free(t);
        OP_ERROR(OP_EUSAGE, "'%s' has a header but no data rows", path);
    }
    return OP_OK;
fail:
    free(data);
    nn_csv_free(t);
    return st;
}

int nn_csv_col(const nn_csv *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0) return i;
    return -1;
}
