#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_error.h"

static void range_text(char *buf, size_t n, double min, double max, int integer)
{
    if (integer)
        snprintf(buf, n, "an integer in [%.0f, %.0f]", min, max);
    else
        snprintf(buf, n, "a finite number in [%g, %g]", min, max);
}

int op_parse_long(const char *what, const char *s, long min, long max, long *out)
{
    char allowed[96];
    range_text(allowed, sizeof allowed, (double)min, (double)max, 1);
    if (!s || !*s) OP_ERROR(OP_EUSAGE, "%s is empty; allowed: %s", what, allowed);
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        OP_ERROR(OP_EUSAGE, "%s '%s' is not an integer; allowed: %s", what, s, allowed);
    if (v < min || v > max)
        OP_ERROR(OP_EUSAGE, "%s %s is out of range; allowed: %s", what, s, allowed);
    *out = v;
    return OP_OK;
}

int op_parse_double(const char *what, const char *s, double min, double max, double *out)
{
    char allowed[96];
    range_text(allowed, sizeof allowed, min, max, 0);
    if (!s || !*s) OP_ERROR(OP_EUSAGE, "%s is empty; allowed: %s", what, allowed);
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno == ERANGE && fabs(v) > 1.0)
        OP_ERROR(OP_EUSAGE, "%s '%s' overflows; allowed: %s", what, s, allowed);
    if (end == s || *end)
        OP_ERROR(OP_EUSAGE, "%s '%s' is not a number; allowed: %s", what, s, allowed);
    if (!isfinite(v)) OP_ERROR(OP_EUSAGE, "%s %s is not finite; allowed: %s", what, s, allowed);
    if (v < min || v > max)
        OP_ERROR(OP_EUSAGE, "%s %s is out of range; allowed: %s", what, s, allowed);
    *out = v;
    return OP_OK;
}

/* strtoull accepts "-1" (and returns 2^64 - 1), so the sign is refused by hand; the
 * bounds are uint64_t, so the full range [0, 2^64 - 1] parses exactly. */
int op_parse_u64(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char allowed[96];
    snprintf(allowed, sizeof allowed, "an integer in [%" PRIu64 ", %" PRIu64 "]", min, max);
    if (!s || !*s) OP_ERROR(OP_EUSAGE, "%s is empty; allowed: %s", what, allowed);
    const char *p = s;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '-') {
        /* "-0" is zero; any other negative integer is out of range, a non-integer is not an integer */
        errno = 0;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (end == s || *end) OP_ERROR(OP_EUSAGE, "%s '%s' is not an integer; allowed: %s", what, s, allowed);
        if (errno || v != 0 || min > 0) OP_ERROR(OP_EUSAGE, "%s %s is out of range; allowed: %s", what, s, allowed);
        *out = 0;
        return OP_OK;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end) OP_ERROR(OP_EUSAGE, "%s '%s' is not an integer; allowed: %s", what, s, allowed);
    if (errno == ERANGE || v < min || v > max)
        OP_ERROR(OP_EUSAGE, "%s %s is out of range; allowed: %s", what, s, allowed);
    *out = (uint64_t)v;
    return OP_OK;
}

/* Integer lists take their bounds as long (lmin, lmax), real lists as double (dmin, dmax):
 * a long bound round-tripped through double is inexact above 2^53 and LONG_MAX becomes
 * 2^63, which does not convert back to long (undefined behaviour; found by fuzzing). */
static int parse_list(const char *what, const char *s, long lmin, long lmax, double dmin, double dmax,
                      int integer, long *lout, double *dout, int maxn, int *n)
{
    if (!s || !*s) OP_ERROR(OP_EUSAGE, "%s is empty; allowed: a comma-separated list", what);
    char buf[4096];
    if (strlen(s) >= sizeof buf) OP_ERROR(OP_EUSAGE, "%s is too long", what);
    strcpy(buf, s);
    int k = 0;
    /* Split by hand: strtok would merge ",," and hide an empty value. */
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = 0;
        if (!*tok) OP_ERROR(OP_EUSAGE, "%s '%s' has an empty value; allowed: a comma-separated list", what, s);
        if (k >= maxn) OP_ERROR(OP_EUSAGE, "%s has more than %d values", what, maxn);
        if (integer)
            OP_TRY(op_parse_long(what, tok, lmin, lmax, &lout[k]));
        else
            OP_TRY(op_parse_double(what, tok, dmin, dmax, &dout[k]));
        k++;
    }
    if (k == 0) OP_ERROR(OP_EUSAGE, "%s '%s' holds no value", what, s);
    *n = k;
    return OP_OK;
}

int op_parse_long_list(const char *what, const char *s, long min, long max, long *out, int maxn,
                       int *n)
{
    return parse_list(what, s, min, max, 0, 0, 1, out, NULL, maxn, n);
}

int op_parse_double_list(const char *what, const char *s, double min, double max, double *out,
                         int maxn, int *n)
{
    return parse_list(what, s, 0, 0, min, max, 0, NULL, out, maxn, n);
}

/* A spec bound (a double) as a long, saturating: a max written as LONG_MAX or UINT64_MAX
 * is 2^63 or 2^64 as a double, and casting that to long is undefined behaviour (found by
 * fuzzing). */
static long long_bound(double v)
{
    if (v >= 9223372036854775808.0) return LONG_MAX;
    if (v <= -9223372036854775808.0) return LONG_MIN;
    return (long)v;
}

/* The same for a uint64_t bound: 2^64 (UINT64_MAX as a double) saturates. */
static uint64_t u64_bound(double v)
{
    if (!(v > 0)) return 0;
    if (v >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)v;
}

const op_arg *op_args_find(const op_arg *spec, int nspec, const char *name)
{
    for (int i = 0; i < nspec; i++)
        if (strcmp(spec[i].name, name) == 0) return &spec[i];
    return NULL;
}

int op_args_parse(const char *cmd, int argc, char **argv, op_arg *spec, int nspec,
                  const char **pos, int *npos, int maxpos)
{
    int np = 0;
    for (int i = 0; i < nspec; i++) spec[i].seen = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return OP_ARGS_HELP;
        if (strncmp(a, "--", 2) != 0) {
            if (np >= maxpos) {
                if (maxpos == 0)
                    OP_ERROR(OP_EUSAGE, "%s: unexpected argument '%s' (see %s --help)", cmd, a, cmd);
                OP_ERROR(OP_EUSAGE, "%s: too many arguments at '%s' (at most %d; see %s --help)", cmd,
                         a, maxpos, cmd);
            }
            pos[np++] = a;
            continue;
        }
        char name[128];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (len == 0 || len >= sizeof name)
            OP_ERROR(OP_EUSAGE, "%s: malformed flag '%s' (see %s --help)", cmd, a, cmd);
        memcpy(name, a + 2, len);
        name[len] = 0;
        op_arg *s = NULL;
        for (int k = 0; k < nspec; k++)
            if (strcmp(spec[k].name, name) == 0) s = &spec[k];
        if (!s) OP_ERROR(OP_EUSAGE, "%s: unknown flag --%s (see %s --help)", cmd, name, cmd);
        if (s->seen) OP_ERROR(OP_EUSAGE, "%s: flag --%s given twice", cmd, name);
        s->seen = 1;
        if (s->type == OP_ARG_FLAG) {
            if (eq) OP_ERROR(OP_EUSAGE, "%s: flag --%s takes no value", cmd, name);
            *(int *)s->dst = 1;
            continue;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (!val) {
            if (i + 1 >= argc) OP_ERROR(OP_EUSAGE, "%s: flag --%s needs a value", cmd, name);
            val = argv[++i];
        }
        char what[160];
        snprintf(what, sizeof what, "--%s", name);
        switch (s->type) {
        case OP_ARG_INT:
            OP_TRY(op_parse_long(what, val, long_bound(s->min), long_bound(s->max), (long *)s->dst));
            break;
        case OP_ARG_U64:
            OP_TRY(op_parse_u64(what, val, u64_bound(s->min), u64_bound(s->max), (uint64_t *)s->dst));
            break;
        case OP_ARG_DOUBLE:
            OP_TRY(op_parse_double(what, val, s->min, s->max, (double *)s->dst));
            break;
        case OP_ARG_STR:
            if (!*val) OP_ERROR(OP_EUSAGE, "%s: --%s is empty", cmd, name);
            *(const char **)s->dst = val;
            break;
        case OP_ARG_ENUM: {
            if (!*val) OP_ERROR(OP_EUSAGE, "%s: --%s is empty", cmd, name);
            const op_arg_enum *e = s->dst;
            int k = 0;
            while (k < e->n && strcmp(val, e->names[k]) != 0) k++;
            if (k == e->n) {
                char allowed[256] = "";
                for (int j = 0; j < e->n; j++)
                    snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
                             j ? "|" : "", e->names[j]);
                OP_ERROR(OP_EUSAGE, "%s '%s' is not known; allowed: %s", what, val, allowed);
            }
            *e->out = k;
            break;
        }
        default:
            break;
        }
    }
    if (npos) *npos = np;
    return OP_OK;
}

void op_args_print_help(FILE *f, const char *usage, const char *summary, const op_arg *spec,
                        int nspec)
{
    fprintf(f, "usage: %s\n", usage);
    if (summary) fprintf(f, "\n%s\n", summary);
    if (nspec) fprintf(f, "\noptions:\n");
    for (int i = 0; i < nspec; i++) {
        char left[64];
        const char *meta = spec[i].type == OP_ARG_FLAG     ? ""
                           : spec[i].type == OP_ARG_STR    ? " S"
                           : spec[i].type == OP_ARG_ENUM   ? " S"
                           : spec[i].type == OP_ARG_DOUBLE ? " X"
                                                           : " N";
        snprintf(left, sizeof left, "--%s%s", spec[i].name, meta);
        fprintf(f, "  %-22s %s\n", left, spec[i].help ? spec[i].help : "");
    }
    fprintf(f, "  %-22s %s\n", "--help", "show this help");
}
