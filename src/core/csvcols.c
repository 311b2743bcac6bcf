/* The (x, y) CSV column contract (csvcols.h): one rule for train, kernel and model grad. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csvcols.h"
#include "core/op_error.h"

/* "x<k>" -> k >= 0 (no leading zeros: "x01" is not a feature name), else -1. */
static long x_index(const char *name)
{
    if (name[0] != 'x' || name[1] < '0' || name[1] > '9') return -1;
    if (name[1] == '0' && name[2] != '\0') return -1;
    char *end;
    errno = 0;
    long k = strtol(name + 1, &end, 10);
    if (*end != '\0' || errno || k > 1000000) return -1;
    return k;
}

static int find(char *const *names, int ncols, const char *name, size_t len)
{
    for (int c = 0; c < ncols; c++)
        if (strlen(names[c]) == len && strncmp(names[c], name, len) == 0) return c;
    return -1;
}

/* "a,b,c" (the first 16 names, then "... (N columns)") for error lines. */
static void found(char *const *names, int ncols, char *s, size_t cap)
{
    size_t n = 0;
    s[0] = 0;
    for (int c = 0; c < ncols && c < 16; c++)
        n += (size_t)snprintf(s + n, n < cap ? cap - n : 0, "%s%s", c ? "," : "", names[c]);
    if (ncols > 16 && n < cap) snprintf(s + n, cap - n, ",... (%d columns)", ncols);
}

int op_csvcols_select(const char *path, char *const *names, int ncols, const char *target,
                      int target_required, const char *input_cols, op_csvcols *out)
{
    char cols[512];
    memset(out, 0, sizeof *out);
    out->target = -1;
    for (int c = 0; c < ncols; c++)
        for (int e = 0; e < c; e++)
            if (strcmp(names[c], names[e]) == 0)
                OP_ERROR(OP_EUSAGE, "'%s': column '%s' appears twice in the header", path, names[c]);
    out->target = find(names, ncols, target, strlen(target));
    if (out->target < 0 && target_required) {
        found(names, ncols, cols, sizeof cols);
        OP_ERROR(OP_EUSAGE, "'%s' has no target column '%s'; columns found: %s (name the target with --target-col)",
                 path, target, cols);
    }
    out->in = op_malloc(sizeof(int) * (size_t)(ncols ? ncols : 1));
    if (!out->in) return OP_ENOMEM;
    if (input_cols) {
        for (const char *p = input_cols;; p++) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len == 0) {
                op_csvcols_free(out);
                OP_ERROR(OP_EUSAGE, "--input-cols '%s' has an empty name; allowed: names of columns, comma-separated",
                         input_cols);
            }
            int c = find(names, ncols, p, len);
            if (c < 0) {
                found(names, ncols, cols, sizeof cols);
                op_csvcols_free(out);
                OP_ERROR(OP_EUSAGE, "--input-cols: '%s' has no column '%.*s'; columns found: %s", path, (int)len, p, cols);
            }
            if (c == out->target) {
                op_csvcols_free(out);
                OP_ERROR(OP_EUSAGE, "--input-cols names the target column '%s'", target);
            }
            for (int k = 0; k < out->nin; k++)
                if (out->in[k] == c) {
                    op_csvcols_free(out);
                    OP_ERROR(OP_EUSAGE, "--input-cols names '%.*s' twice", (int)len, p);
                }
            out->in[out->nin++] = c;
            if (!e) break;
            p = e;
        }
        return OP_OK;
    }
    int D = 0;
    for (int c = 0; c < ncols; c++) {
        long k = x_index(names[c]);
        if (k >= D) D = (int)k + 1;
    }
    if (D > 0) { /* x0..x{D-1}, every one present */
        for (int k = 0; k < D; k++) {
            char name[24];
            int len = snprintf(name, sizeof name, "x%d", k);
            int c = find(names, ncols, name, (size_t)len);
            if (c < 0) {
                op_csvcols_free(out);
                OP_ERROR(OP_EUSAGE, "'%s' has x%d but no column 'x%d' (inputs are x0..x%d; or name them with --input-cols)",
                         path, D - 1, k, D - 1);
            }
            out->in[out->nin++] = c;
        }
        return OP_OK;
    }
    for (int c = 0; c < ncols; c++)
        if (c != out->target) out->in[out->nin++] = c;
    if (out->nin == 0) {
        op_csvcols_free(out);
        OP_ERROR(OP_EUSAGE, "'%s' has no input column besides the target '%s'", path, target);
    }
    return OP_OK;
}

void op_csvcols_free(op_csvcols *c)
{
    free(c->in);
    c->in = NULL;
    c->nin = 0;
}

void op_csvcols_json(const op_csvcols *c, char *const *names, op_buf *b)
{
    op_buf_puts(b, "\"target_col\": ");
    if (c->target >= 0)
        op_buf_json_str(b, names[c->target]);
    else
        op_buf_puts(b, "null");
    op_buf_puts(b, ", \"input_cols\": [");
    for (int k = 0; k < c->nin; k++) {
        if (k) op_buf_puts(b, ", ");
        op_buf_json_str(b, names[c->in[k]]);
    }
    op_buf_puts(b, "]");
}
