/* The manifold registry: spec parsing ("name:key=value,..." and products joined by
 * '*'), the public API of manifold.h, and block-parallel deterministic sampling.
 * Each manifold kind lives in its own file (sphere.c, torus.c, ...). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/op_error.h"
#include "manifolds/manifold_impl.h"

static const mf_type *const types[] = {
    &mf_sphere_type,  &mf_torus_type,     &mf_ball_type,      &mf_so3_type,
    &mf_son_type,     &mf_stiefel_type,   &mf_grassmann_type, &mf_swissroll_type,
    &mf_helix_type,   &mf_moebius_type,   &mf_klein_type,
};
#define NTYPES (int)(sizeof types / sizeof types[0])

int mf_registry_count(void) { return NTYPES; }

static void params_text(const mf_type *t, char *buf, int len)
{
    int o = 0;
    buf[0] = 0;
    for (int i = 0; i < t->nparams && o < len; i++) {
        const mf_param *p = &t->params[i];
        if (p->integer)
            o += snprintf(buf + o, (size_t)(len - o), "%s%s=%g (integer %g..%g)", i ? ", " : "",
                          p->key, p->def, p->min, p->max);
        else
            o += snprintf(buf + o, (size_t)(len - o), "%s%s=%g (number > 0)", i ? ", " : "", p->key,
                          p->def);
    }
    if (t->nparams == 0) snprintf(buf, (size_t)len, "none");
}

void mf_registry_entry(int i, const char **name, const char **dim, const char **natural,
                       char *params, int params_len, const char **measure)
{
    const mf_type *t = types[i];
    if (name) *name = t->name;
    if (dim) *dim = t->dim_text;
    if (natural) *natural = t->natural_text;
    if (measure) *measure = t->measure;
    if (params) params_text(t, params, params_len);
}

static void known_names(char *buf, size_t len)
{
    size_t o = 0;
    for (int i = 0; i < NTYPES && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", types[i]->name);
}

static void name_of(mf_manifold *m)
{
    const mf_type *t = m->type;
    int o = snprintf(m->name, sizeof m->name, "%s", t->name);
    for (int i = 0; i < t->nparams; i++)
        o += snprintf(m->name + o, sizeof m->name - (size_t)o, "%c%s=%g", i ? ',' : ':',
                      t->params[i].key, m->par[i]);
}

/* One factor "name[:k=v,...]" (text is a writable copy). */
static int parse_one(char *text, mf_manifold *m)
{
    char *colon = strchr(text, ':');
    if (colon) *colon = 0;
    const mf_type *t = NULL;
    for (int i = 0; i < NTYPES; i++)
        if (strcmp(types[i]->name, text) == 0) t = types[i];
    if (!t) {
        char names[256];
        known_names(names, sizeof names);
        OP_ERROR(OP_EUSAGE,
                 "unknown manifold '%s'; known: %s (products: 'sphere:d=1*torus:d=1'; see "
                 "overparam manifolds)",
                 text, names);
    }
    m->type = t;
    int seen[MF_MAX_PARAMS] = {0};
    for (int i = 0; i < t->nparams; i++) m->par[i] = t->params[i].def;
    if (colon) {
        char *save = NULL;
        char *rest = colon + 1;
        if (!*rest) OP_ERROR(OP_EUSAGE, "manifold '%s:' has an empty parameter list", t->name);
        size_t rl = strlen(rest); /* strtok_r would skip empty fields: "sphere:d=2,," */
        if (rest[0] == ',' || rest[rl - 1] == ',' || strstr(rest, ",,")) {
            char plist[256];
            params_text(t, plist, sizeof plist);
            OP_ERROR(OP_EUSAGE, "manifold '%s:%s' has an empty parameter; parameters (key=value, comma-separated): %s",
                     t->name, rest, plist);
        }
        for (char *tok = strtok_r(rest, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(tok, '=');
            char plist[256];
            params_text(t, plist, sizeof plist);
            if (!eq)
                OP_ERROR(OP_EUSAGE, "manifold '%s': parameter '%s' is not key=value; parameters: %s",
                         t->name, tok, plist);
            *eq = 0;
            int k = -1;
            for (int i = 0; i < t->nparams; i++)
                if (strcmp(t->params[i].key, tok) == 0) k = i;
            if (k < 0)
                OP_ERROR(OP_EUSAGE, "manifold '%s' has no parameter '%s'; parameters: %s", t->name,
                         tok, plist);
            if (seen[k]) OP_ERROR(OP_EUSAGE, "manifold '%s': parameter '%s' given twice", t->name, tok);
            seen[k] = 1;
            const mf_param *p = &t->params[k];
            char what[96];
            snprintf(what, sizeof what, "%s:%s", t->name, p->key);
            if (p->integer) {
                long v;
                OP_TRY(op_parse_long(what, eq + 1, (long)p->min, (long)p->max, &v));
                m->par[k] = (double)v;
            } else {
                OP_TRY(op_parse_double(what, eq + 1, p->min, p->max, &m->par[k]));
            }
        }
    }
    OP_TRY(t->init(m));
    name_of(m);
    return OP_OK;
}

void mf_manifold_free(mf_manifold *m)
{
    if (!m) return;
    for (int i = 0; i < m->nfactors; i++) free(m->factor[i]);
    free(m);
}

int mf_manifold_parse(const char *spec, mf_manifold **out)
{
    *out = NULL;
    if (!spec || !*spec) OP_ERROR(OP_EUSAGE, "manifold spec is empty; see overparam manifolds");
    size_t len = strlen(spec);
    if (len >= MF_SPEC_MAX)
        OP_ERROR(OP_EUSAGE, "manifold spec is longer than %d characters", MF_SPEC_MAX - 1);
    for (size_t i = 0; i < len; i++)
        if (isspace((unsigned char)spec[i]))
            OP_ERROR(OP_EUSAGE, "manifold spec '%s' contains a space; write e.g. 'torus:d=2'", spec);
    char buf[MF_SPEC_MAX];
    memcpy(buf, spec, len + 1);
    mf_manifold *m = op_calloc(1, sizeof *m);
    if (!m) return OP_ENOMEM;
    int nf = 0;
    for (const char *p = spec; *p; p++) nf += *p == '*';
    nf++;
    if (nf == 1) {
        int st = parse_one(buf, m);
        if (st) {
            free(m);
            return st;
        }
        *out = m;
        return OP_OK;
    }
    if (nf > MF_MAX_FACTORS) {
        free(m);
        OP_ERROR(OP_EUSAGE, "product '%s' has %d factors; at most %d", spec, nf, MF_MAX_FACTORS);
    }
    char *save = NULL;
    int st = OP_OK;
    int o = 0;
    for (char *tok = strtok_r(buf, "*", &save); tok; tok = strtok_r(NULL, "*", &save)) {
        mf_manifold *f = op_calloc(1, sizeof *f);
        if (!f) {
            st = OP_ENOMEM;
            break;
        }
        m->factor[m->nfactors++] = f;
        if ((st = parse_one(tok, f))) break;
        m->d += f->d;
        m->natural += f->natural;
        m->ncons += f->ncons;
        if (f->work > m->work) m->work = f->work;
        o += snprintf(m->name + o, sizeof m->name - (size_t)o, "%s%s", o ? "*" : "", f->name);
    }
    if (!st && m->nfactors != nf) {
        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                          "product '%s' has an empty factor; write e.g. 'sphere:d=1*torus:d=1'", spec);
    }
    if (st) {
        mf_manifold_free(m);
        return st;
    }
    *out = m;
    return OP_OK;
}

int mf_manifold_dim(const mf_manifold *m) { return m->d; }
long mf_manifold_work(const mf_manifold *m) { return m->work + 1; }
int mf_manifold_is_torus(const mf_manifold *m) { return m->type == &mf_torus_type; }
int mf_manifold_natural_dim(const mf_manifold *m) { return m->natural; }
const char *mf_manifold_name(const mf_manifold *m) { return m->name; }
int mf_manifold_ncons(const mf_manifold *m) { return m->ncons; }

static int uses_lapack(const mf_manifold *m)
{
    if (m->type) return m->type->uses_lapack;
    for (int i = 0; i < m->nfactors; i++)
        if (m->factor[i]->type->uses_lapack) return 1;
    return 0;
}

/* Products: every factor draws from the same stream, in factor order. */
static void sample_point(const mf_manifold *m, op_rng *r, double *x, double *work)
{
    if (m->type) {
        m->type->sample(m, r, x, work);
        return;
    }
    for (int i = 0; i < m->nfactors; i++) {
        sample_point(m->factor[i], r, x, work);
        x += m->factor[i]->natural;
    }
}

int mf_manifold_sample(const mf_manifold *m, op_rng *rng, long n, double *x)
{
    if (n < 0) OP_ERROR(OP_EUSAGE, "number of points %ld is negative", n);
    long nblocks = (n + MF_SAMPLE_BLOCK - 1) / MF_SAMPLE_BLOCK;
    int N = m->natural, failed = 0;
    const op_rng parent = *rng;
    /* LAPACK-based samplers run their blocks one after another: concurrent calls into
     * the pthread OpenBLAS from OpenMP threads are not something to rely on. The
     * output does not depend on this choice (one stream per block). */
#pragma omp parallel for schedule(static) if (!uses_lapack(m) && nblocks > 1)
    for (long b = 0; b < nblocks; b++) {
        double *work = malloc(sizeof(double) * (size_t)(m->work + 1));
        if (!work) {
#pragma omp atomic write
            failed = 1;
            continue;
        }
        op_rng child;
        op_rng_child(&child, &parent, (uint64_t)b);
        long end = (b + 1) * MF_SAMPLE_BLOCK < n ? (b + 1) * MF_SAMPLE_BLOCK : n;
        for (long i = b * MF_SAMPLE_BLOCK; i < end; i++) sample_point(m, &child, x + i * N, work);
        free(work);
    }
    op_rng_u64(rng);
    if (failed) OP_ERROR(OP_ENOMEM, "out of memory while sampling %s", m->name);
    return OP_OK;
}

void mf_tangent_apply_work(const mf_manifold *m, const double *x, const double *v, double *out,
                           double *work)
{
    if (m->type) {
        m->type->tangent(m, x, v, out, work);
        return;
    }
    for (int i = 0; i < m->nfactors; i++) {
        mf_tangent_apply_work(m->factor[i], x, v, out, work);
        x += m->factor[i]->natural, v += m->factor[i]->natural, out += m->factor[i]->natural;
    }
}

int mf_manifold_tangent_apply(const mf_manifold *m, const double *x, const double *v, double *out)
{
    double *work = op_malloc(sizeof(double) * (size_t)(m->work + 1));
    if (!work) return OP_ENOMEM;
    mf_tangent_apply_work(m, x, v, out, work);
    free(work);
    return OP_OK;
}

int mf_manifold_tangent_projector(const mf_manifold *m, const double *x, double *P)
{
    int N = m->natural;
    double *work = op_malloc(sizeof(double) * (size_t)(m->work + 2 * N + 1));
    if (!work) return OP_ENOMEM;
    double *e = work + m->work + 1, *col = e + N;
    for (int j = 0; j < N; j++) {
        for (int i = 0; i < N; i++) e[i] = i == j;
        mf_tangent_apply_work(m, x, e, col, work);
        for (int i = 0; i < N; i++) P[(size_t)i * N + j] = col[i];
    }
    free(work);
    return OP_OK;
}

static double constraints(const mf_manifold *m, const double *x, double *F, double *work)
{
    if (m->type) {
        m->type->constraints(m, x, F, work);
        return m->type->bounds ? m->type->bounds(m, x, work) : 0.0;
    }
    double b = 0;
    for (int i = 0; i < m->nfactors; i++) {
        double bi = constraints(m->factor[i], x, F, work);
        if (bi > b) b = bi;
        x += m->factor[i]->natural;
        F += m->factor[i]->ncons;
    }
    return b;
}

int mf_manifold_constraints(const mf_manifold *m, const double *x, double *F)
{
    double *work = op_malloc(sizeof(double) * (size_t)(m->work + 1));
    if (!work) return OP_ENOMEM;
    constraints(m, x, F, work);
    free(work);
    return OP_OK;
}

double mf_manifold_residual(const mf_manifold *m, const double *x)
{
    double *work = malloc(sizeof(double) * (size_t)(m->work + m->ncons + 1));
    if (!work) return INFINITY;
    double *F = work + m->work;
    double r = constraints(m, x, F, work);
    for (int i = 0; i < m->ncons; i++)
        if (!(fabs(F[i]) <= r)) r = fabs(F[i]); /* also catches NaN */
    free(work);
    return r;
}

static void retract(const mf_manifold *m, const double *y, double *x, double *work)
{
    if (m->type) {
        m->type->retract(m, y, x, work);
        return;
    }
    for (int i = 0; i < m->nfactors; i++) {
        retract(m->factor[i], y, x, work);
        y += m->factor[i]->natural, x += m->factor[i]->natural;
    }
}

int mf_manifold_retract(const mf_manifold *m, const double *y, double *x)
{
    double *work = op_malloc(sizeof(double) * (size_t)(m->work + 1));
    if (!work) return OP_ENOMEM;
    retract(m, y, x, work);
    free(work);
    return OP_OK;
}

int mf_spec_split(const char *list, char out[][MF_SPEC_MAX], int maxn, int *n)
{
    *n = 0;
    if (!list || !*list) OP_ERROR(OP_EUSAGE, "manifold list is empty");
    const char *p = list;
    while (1) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) OP_ERROR(OP_EUSAGE, "manifold list '%s' has an empty entry", list);
        /* "key=value" (no ':' or '*' before the '=') continues the previous spec */
        const char *eq = memchr(p, '=', len);
        int cont = 0;
        if (eq && *n > 0) {
            cont = 1;
            for (const char *q = p; q < eq; q++)
                if (*q == ':' || *q == '*') cont = 0;
        }
        if (cont) {
            size_t have = strlen(out[*n - 1]);
            if (have + 1 + len >= MF_SPEC_MAX) OP_ERROR(OP_EUSAGE, "manifold spec in '%s' is too long", list);
            out[*n - 1][have] = ',';
            memcpy(out[*n - 1] + have + 1, p, len);
            out[*n - 1][have + 1 + len] = 0;
        } else {
            if (*n >= maxn) OP_ERROR(OP_EUSAGE, "manifold list '%s' has more than %d entries", list, maxn);
            if (len >= MF_SPEC_MAX) OP_ERROR(OP_EUSAGE, "manifold spec in '%s' is too long", list);
            memcpy(out[*n], p, len);
            out[*n][len] = 0;
            (*n)++;
        }
        if (!comma) break;
        p = comma + 1;
    }
    return OP_OK;
}
