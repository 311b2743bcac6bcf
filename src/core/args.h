/* A small flag parser shared by every subcommand. Flags are `--name value` or
 * `--name=value`; every value is validated (type, range, finiteness) and a bad
 * one gives one line naming the flag, the value and what is allowed. */
#ifndef OP_ARGS_H
#define OP_ARGS_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
    OP_ARG_FLAG,   /* no value; dst is int*, set to 1 */
    OP_ARG_INT,    /* dst is long*, range [min, max] */
    OP_ARG_U64,    /* dst is uint64_t*, range [min, max] (as double; >= 2^64 means UINT64_MAX) */
    OP_ARG_DOUBLE, /* dst is double*, finite, range [min, max] */
    OP_ARG_STR,    /* dst is const char**, non-empty */
    OP_ARG_ENUM    /* dst is op_arg_enum*: the value is one of names[0..n), *out its index */
} op_arg_type;

/* An enum flag's names and destination: --opt adam with names {"sgd", "adam", "adamw"}
 * sets *out = 1; another value is "--opt 'x' is not known; allowed: sgd|adam|adamw". */
typedef struct {
    int *out;
    const char *const *names;
    int n;
} op_arg_enum;

typedef struct {
    const char *name; /* without the leading dashes, e.g. "epochs" */
    op_arg_type type;
    void *dst;
    double min, max;
    const char *help;
    int seen; /* set by the parser */
} op_arg;

#define OP_ARGS_HELP 100 /* returned when --help/-h was given: print help, exit 0 */

/* Parses argv[0..argc) (argv[0] is the first flag, not the program name).
 * Arguments not starting with "--" are collected in pos[] (at most maxpos; more is
 * an error). Returns OP_OK, OP_ARGS_HELP or OP_EUSAGE (message recorded). */
int op_args_parse(const char *cmd, int argc, char **argv, op_arg *spec, int nspec,
                  const char **pos, int *npos, int maxpos);
void op_args_print_help(FILE *f, const char *usage, const char *summary, const op_arg *spec,
                        int nspec);
const op_arg *op_args_find(const op_arg *spec, int nspec, const char *name);

/* Value parsers used by op_args_parse and by config/list parsing; each records a
 * one-line message naming `what` on failure and returns OP_EUSAGE. */
int op_parse_long(const char *what, const char *s, long min, long max, long *out);
/* Unsigned 64-bit (seeds): the whole range [0, 2^64 - 1]; a negative value is out of
 * range (strtoull would wrap it), more than 2^64 - 1 is out of range. */
int op_parse_u64(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int op_parse_double(const char *what, const char *s, double min, double max, double *out);
/* Comma-separated lists: "16,64,256". At most maxn values. */
int op_parse_long_list(const char *what, const char *s, long min, long max, long *out, int maxn,
                       int *n);
int op_parse_double_list(const char *what, const char *s, double min, double max, double *out,
                         int maxn, int *n);

#endif
