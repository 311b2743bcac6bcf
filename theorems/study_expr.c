/* The predicted-slope formula of a study: a recursive-descent evaluator over numbers,
 * the names d, s, D, + - * / ^ and parentheses (theorems/study.h). Small on purpose:
 * a study's prediction is a rational function of d and s such as -2*s/(2*s+d).
 *
 *   expr    = term { ("+" | "-") term }
 *   term    = unary { ("*" | "/") unary }
 *   unary   = ("-" | "+") unary | power
 *   power   = primary [ "^" unary ]          (right associative: 2^3^2 = 2^9)
 *   primary = number | "d" | "s" | "D" | "(" expr ")" */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "study.h"

typedef struct {
    const char *s, *p;
    double d, sm, D;
} ex_state;

static void ex_skip(ex_state *e)
{
    while (*e->p == ' ' || *e->p == '\t') e->p++;
}

static int ex_col(const ex_state *e) { return (int)(e->p - e->s) + 1; }

static int ex_expr(ex_state *e, double *out);

static int ex_primary(ex_state *e, double *out)
{
    ex_skip(e);
    char c = *e->p;
    if (c == '(') {
        e->p++;
        OP_TRY(ex_expr(e, out));
        ex_skip(e);
        if (*e->p != ')') OP_ERROR(OP_EUSAGE, "at column %d: expected ')'", ex_col(e));
        e->p++;
        return OP_OK;
    }
    if (isdigit((unsigned char)c) || c == '.') {
        char *end;
        *out = strtod(e->p, &end);
        if (end == e->p || !isfinite(*out)) OP_ERROR(OP_EUSAGE, "at column %d: bad number", ex_col(e));
        e->p = end;
        return OP_OK;
    }
    if (c == 'd' || c == 's' || c == 'D') {
        if (isalnum((unsigned char)e->p[1]) || e->p[1] == '_')
            OP_ERROR(OP_EUSAGE, "at column %d: unknown name (the names are d, s and D)", ex_col(e));
        *out = c == 'd' ? e->d : c == 's' ? e->sm : e->D;
        e->p++;
        return OP_OK;
    }
    if (!c) OP_ERROR(OP_EUSAGE, "at column %d: unexpected end of formula", ex_col(e));
    if (isalpha((unsigned char)c))
        OP_ERROR(OP_EUSAGE, "at column %d: unknown name (the names are d, s and D)", ex_col(e));
    OP_ERROR(OP_EUSAGE, "at column %d: unexpected '%c'", ex_col(e), c);
}

static int ex_unary(ex_state *e, double *out);

static int ex_power(ex_state *e, double *out)
{
    OP_TRY(ex_primary(e, out));
    ex_skip(e);
    if (*e->p == '^') {
        e->p++;
        double r;
        OP_TRY(ex_unary(e, &r));
        *out = pow(*out, r);
    }
    return OP_OK;
}

static int ex_unary(ex_state *e, double *out)
{
    ex_skip(e);
    if (*e->p == '-' || *e->p == '+') {
        int neg = *e->p == '-';
        e->p++;
        OP_TRY(ex_unary(e, out));
        if (neg) *out = -*out;
        return OP_OK;
    }
    return ex_power(e, out);
}

static int ex_term(ex_state *e, double *out)
{
    OP_TRY(ex_unary(e, out));
    for (;;) {
        ex_skip(e);
        char op = *e->p;
        if (op != '*' && op != '/') return OP_OK;
        e->p++;
        double r;
        OP_TRY(ex_unary(e, &r));
        *out = op == '*' ? *out * r : *out / r;
    }
}

static int ex_expr(ex_state *e, double *out)
{
    OP_TRY(ex_term(e, out));
    for (;;) {
        ex_skip(e);
        char op = *e->p;
        if (op != '+' && op != '-') return OP_OK;
        e->p++;
        double r;
        OP_TRY(ex_term(e, &r));
        *out = op == '+' ? *out + r : *out - r;
    }
}

int sy_expr_eval(const char *expr, double d, double s, double D, double *out)
{
    ex_state e = {expr, expr, d, s, D};
    OP_TRY(ex_expr(&e, out));
    ex_skip(&e);
    if (*e.p) OP_ERROR(OP_EUSAGE, "at column %d: unexpected '%c'", ex_col(&e), *e.p);
    if (!isfinite(*out))
        OP_ERROR(OP_ENUM, "the formula is not finite at d=%g, s=%g, D=%g", d, s, D);
    return OP_OK;
}
