/* Target spec parsing, normalisation and batch evaluation (see target.h). The
 * fields themselves are in target_fourier.c, target_rff.c and target_teacher.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/op_error.h"
#include "manifolds/manifold_impl.h"
#include "manifolds/target_impl.h"

#define MC_POINTS 8192

static const char *KNOWN =
    "matern:s=1[,ell=1,kc=K,nmax=16384,features=4096,basis=fourier|rff], "
    "sign:s=1,margin=0.1[,...matern parameters], teacher:m=8[,act=relu|tanh]";

void mf_target_free(mf_target *t)
{
    if (!t) return;
    free(t->kv);
    free(t->ca);
    free(t->cb);
    free(t->om);
    free(t->W);
    free(t->bias);
    free(t->v);
    free(t->center);
    free(t);
}

/* Lengths of the coefficient arrays, by basis (as the builders allocate them). */
static void array_lengths(const mf_target *t, size_t *kv, size_t *cab, size_t *om, size_t *hid, size_t *cen)
{
    *kv = *cab = *om = *hid = *cen = 0;
    if (t->basis == MF_B_FOURIER) {
        *kv = (size_t)(t->nmodes * t->tor_d + 1);
        *cab = (size_t)(t->nmodes + 1);
    } else if (t->basis == MF_B_RFF) {
        *om = (size_t)t->nfeat * (size_t)t->N;
        *cab = (size_t)t->nfeat;
    } else {
        *hid = (size_t)t->hidden;
        *cen = (size_t)t->N;
    }
}

static void *dup_array(const void *src, size_t bytes, int *failed)
{
    if (!src || !bytes) return NULL;
    void *p = op_malloc(bytes);
    if (p)
        memcpy(p, src, bytes);
    else
        *failed = 1;
    return p;
}

int mf_target_clone(const mf_target *t, const mf_manifold *m, mf_target **out)
{
    *out = NULL;
    mf_target *c = op_malloc(sizeof *c);
    if (!c) return OP_ENOMEM;
    *c = *t;
    c->m = m;
    size_t kv, cab, om, hid, cen;
    array_lengths(t, &kv, &cab, &om, &hid, &cen);
    int failed = 0;
    c->kv = dup_array(t->kv, sizeof(int) * kv, &failed);
    c->ca = dup_array(t->ca, sizeof(double) * cab, &failed);
    c->cb = dup_array(t->cb, sizeof(double) * cab, &failed);
    c->om = dup_array(t->om, sizeof(double) * om, &failed);
    c->W = dup_array(t->W, sizeof(double) * hid * (size_t)t->N, &failed);
    c->bias = dup_array(t->bias, sizeof(double) * hid, &failed);
    c->v = dup_array(t->v, sizeof(double) * hid, &failed);
    c->center = dup_array(t->center, sizeof(double) * cen, &failed);
    if (failed) {
        mf_target_free(c);
        return OP_ENOMEM;
    }
    *out = c;
    return OP_OK;
}

size_t mf_target_bytes(const mf_target *t)
{
    size_t kv, cab, om, hid, cen;
    array_lengths(t, &kv, &cab, &om, &hid, &cen);
    return sizeof *t + sizeof(int) * kv + sizeof(double) * (2 * cab + om + hid * ((size_t)t->N + 2) + cen);
}

const char *mf_target_name(const mf_target *t) { return t->name; }
int mf_target_is_sign(const mf_target *t) { return t->kind == MF_T_SIGN; }
double mf_target_margin(const mf_target *t) { return t->kind == MF_T_SIGN ? t->margin : 0.0; }

long mf_target_work_size(const mf_target *t)
{
    if (t->basis == MF_B_FOURIER) return 2L * t->tor_d * (2L * t->kc + 1) + t->tor_d + 1;
    return 1;
}

double mf_target_field_raw(const mf_target *t, const double *x, double *grad, double *work)
{
    switch (t->basis) {
    case MF_B_FOURIER: return mf_fourier_eval(t, x, grad, work);
    case MF_B_RFF: return mf_rff_eval(t, x, grad);
    default: return mf_teacher_eval(t, x, grad);
    }
}

static int eval_batch(const mf_target *t, long n, const double *x, double *f, double *grad,
                      int latent)
{
    int N = t->N, failed = 0;
    long tw = mf_target_work_size(t), mw = mf_manifold_work(t->m);
    int sign = t->kind == MF_T_SIGN && !latent;
#pragma omp parallel
    {
        double *w = malloc(sizeof(double) * (size_t)(tw + mw));
        if (!w) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (long i = 0; i < n; i++) {
            if (!w) continue;
            double *gi = grad ? grad + i * N : NULL;
            double g = mf_target_field_raw(t, x + i * N, gi, w);
            if (gi) mf_tangent_apply_work(t->m, x + i * N, gi, gi, w + tw);
            if (sign) {
                g = g >= 0 ? 1.0 : -1.0;
                if (gi)
                    for (int j = 0; j < N; j++) gi[j] = 0;
            }
            f[i] = g;
        }
        free(w);
    }
    if (failed) OP_ERROR(OP_ENOMEM, "out of memory evaluating target %s", t->name);
    return OP_OK;
}

int mf_target_eval(const mf_target *t, long n, const double *x, double *f, double *grad)
{
    return eval_batch(t, n, x, f, grad, 0);
}

int mf_target_field(const mf_target *t, long n, const double *x, double *g, double *grad)
{
    return eval_batch(t, n, x, g, grad, 1);
}

static int mc_sample(const mf_target *t, uint64_t seed, double **pts)
{
    *pts = op_malloc(sizeof(double) * (size_t)MC_POINTS * t->N);
    if (!*pts) return OP_ENOMEM;
    op_rng r;
    op_rng_seed(&r, op_hash_combine(seed, op_hash_str("target-normalise")));
    return mf_manifold_sample(t->m, &r, MC_POINTS, *pts);
}

int mf_target_normalise_mc(mf_target *t, uint64_t seed)
{
    double *pts, *val = op_malloc(sizeof(double) * MC_POINTS);
    if (!val) return OP_ENOMEM;
    int st = mc_sample(t, seed, &pts);
    if (!st) {
        t->shift = 0;
        t->scale = 1;
        st = mf_target_field(t, MC_POINTS, pts, val, NULL);
    }
    if (!st) {
        double mean = 0, var = 0;
        for (int i = 0; i < MC_POINTS; i++) mean += val[i];
        mean /= MC_POINTS;
        for (int i = 0; i < MC_POINTS; i++) var += (val[i] - mean) * (val[i] - mean);
        var /= MC_POINTS - 1;
        if (!(var > 1e-300))
            st = op_error_set(OP_ENUM, __FILE__, __LINE__,
                              "target %s is constant on %s; cannot normalise", t->name,
                              mf_manifold_name(t->m));
        t->shift = mean;
        t->scale = var > 0 ? 1.0 / sqrt(var) : 1.0;
    }
    free(pts);
    free(val);
    return st;
}

/* Teacher inputs are centred and scaled by the sampling measure's moments. */
static int teacher_centre(mf_target *t, uint64_t seed)
{
    double *pts;
    t->center = op_calloc((size_t)t->N, sizeof(double));
    if (!t->center) return OP_ENOMEM;
    OP_TRY(mc_sample(t, seed, &pts));
    int N = t->N;
    for (int i = 0; i < MC_POINTS; i++)
        for (int j = 0; j < N; j++) t->center[j] += pts[(size_t)i * N + j] / MC_POINTS;
    double r2 = 0;
    for (int i = 0; i < MC_POINTS; i++)
        for (int j = 0; j < N; j++) {
            double u = pts[(size_t)i * N + j] - t->center[j];
            r2 += u * u / MC_POINTS;
        }
    free(pts);
    t->rho = r2 > 1e-300 ? sqrt(r2) : 1.0;
    return OP_OK;
}

typedef struct {
    double s, ell, margin;
    long kc, nmax, features, hidden;
    int basis, act;
    int seen_kc, seen_nmax, seen_features;
} opts;

static int parse_opts(const char *spec, int kind, char *params, opts *o)
{
    const char *kname = kind == MF_T_MATERN ? "matern" : kind == MF_T_SIGN ? "sign" : "teacher";
    const char *allowed = kind == MF_T_TEACHER ? "m, act"
                          : kind == MF_T_SIGN  ? "s, margin, ell, kc, nmax, features, basis"
                                               : "s, ell, kc, nmax, features, basis";
    /* strtok_r skips empty fields: "matern:" and "matern:s=1,," would pass unseen */
    size_t pl = strlen(params);
    if (pl == 0 || params[0] == ',' || params[pl - 1] == ',' || strstr(params, ",,"))
        OP_ERROR(OP_EUSAGE, "target '%s' has an empty parameter; parameters of %s (key=value, comma-separated): %s",
                 spec, kname, allowed);
    char *save = NULL;
    for (char *tok = strtok_r(params, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            OP_ERROR(OP_EUSAGE, "target '%s': '%s' is not key=value; parameters of %s: %s", spec, tok,
                     kname, allowed);
        *eq = 0;
        const char *key = tok, *val = eq + 1;
        char what[96];
        snprintf(what, sizeof what, "target %s:%s", kname, key);
        int matern = kind != MF_T_TEACHER;
        if (matern && strcmp(key, "s") == 0)
            OP_TRY(op_parse_double(what, val, 0.05, 10, &o->s));
        else if (matern && strcmp(key, "ell") == 0)
            OP_TRY(op_parse_double(what, val, 1e-6, 1e6, &o->ell));
        else if (matern && strcmp(key, "kc") == 0) {
            OP_TRY(op_parse_long(what, val, 1, 100000, &o->kc));
            o->seen_kc = 1;
        } else if (matern && strcmp(key, "nmax") == 0) {
            OP_TRY(op_parse_long(what, val, 1, 1000000000L, &o->nmax));
            o->seen_nmax = 1;
        } else if (matern && strcmp(key, "features") == 0) {
            OP_TRY(op_parse_long(what, val, 1, 10000000L, &o->features));
            o->seen_features = 1;
        } else if (matern && strcmp(key, "basis") == 0) {
            if (strcmp(val, "fourier") == 0)
                o->basis = MF_B_FOURIER;
            else if (strcmp(val, "rff") == 0)
                o->basis = MF_B_RFF;
            else
                OP_ERROR(OP_EUSAGE, "%s '%s' is not allowed; allowed: fourier, rff", what, val);
        } else if (kind == MF_T_SIGN && strcmp(key, "margin") == 0)
            OP_TRY(op_parse_double(what, val, 0, 10, &o->margin));
        else if (kind == MF_T_TEACHER && strcmp(key, "m") == 0)
            OP_TRY(op_parse_long(what, val, 1, 1000000L, &o->hidden));
        else if (kind == MF_T_TEACHER && strcmp(key, "act") == 0) {
            if (strcmp(val, "relu") == 0)
                o->act = 0;
            else if (strcmp(val, "tanh") == 0)
                o->act = 1;
            else
                OP_ERROR(OP_EUSAGE, "%s '%s' is not allowed; allowed: relu, tanh", what, val);
        } else
            OP_ERROR(OP_EUSAGE, "target '%s': %s has no parameter '%s'; parameters: %s", spec, kname,
                     key, allowed);
    }
    return OP_OK;
}

static int build(mf_target *t, const char *spec, opts *o, uint64_t seed)
{
    t->s = o->s;
    t->ell = o->ell;
    t->margin = o->margin;
    if (t->kind == MF_T_TEACHER) {
        t->basis = MF_B_NET;
        t->hidden = (int)o->hidden;
        t->act = o->act;
        OP_TRY(teacher_centre(t, seed));
        OP_TRY(mf_teacher_build(t, seed));
        OP_TRY(mf_target_normalise_mc(t, seed));
        snprintf(t->name, sizeof t->name, "teacher:m=%d,act=%s", t->hidden, t->act ? "tanh" : "relu");
        return OP_OK;
    }
    int torus = mf_manifold_is_torus(t->m);
    int basis = o->basis >= 0 ? o->basis : torus ? MF_B_FOURIER : MF_B_RFF;
    if (basis == MF_B_FOURIER && !torus)
        OP_ERROR(OP_EUSAGE, "target '%s': basis=fourier needs a flat torus, not %s (use basis=rff)",
                 spec, mf_manifold_name(t->m));
    if (basis == MF_B_FOURIER && o->seen_features)
        OP_ERROR(OP_EUSAGE, "target '%s': features applies to basis=rff, not the torus Fourier series",
                 spec);
    if (basis == MF_B_RFF && (o->seen_kc || o->seen_nmax))
        OP_ERROR(OP_EUSAGE, "target '%s': kc and nmax apply to the torus Fourier series only", spec);
    t->basis = basis;
    const char *kname = t->kind == MF_T_SIGN ? "sign" : "matern";
    char extra[64] = "";
    if (t->kind == MF_T_SIGN) snprintf(extra, sizeof extra, ",margin=%g", t->margin);
    if (basis == MF_B_FOURIER) {
        t->tor_d = t->N / 2;
        t->nmax = o->nmax;
        OP_TRY(mf_fourier_build(t, seed, o->seen_kc ? o->kc : 0));
        snprintf(t->name, sizeof t->name, "%s:s=%g%s,ell=%g,kc=%d", kname, t->s, extra, t->ell, t->kc);
    } else {
        t->nfeat = o->features;
        OP_TRY(mf_rff_build(t, seed));
        OP_TRY(mf_target_normalise_mc(t, seed));
        snprintf(t->name, sizeof t->name, "%s:s=%g%s,ell=%g,features=%ld", kname, t->s, extra, t->ell,
                 t->nfeat);
    }
    return OP_OK;
}

int mf_target_parse(const char *spec, const mf_manifold *m, uint64_t seed, mf_target **out)
{
    *out = NULL;
    if (!spec || !*spec) OP_ERROR(OP_EUSAGE, "target spec is empty; known: %s", KNOWN);
    char buf[256];
    if (strlen(spec) >= sizeof buf) OP_ERROR(OP_EUSAGE, "target spec is too long");
    strcpy(buf, spec);
    char *colon = strchr(buf, ':');
    if (colon) *colon = 0;
    int kind;
    if (strcmp(buf, "matern") == 0)
        kind = MF_T_MATERN;
    else if (strcmp(buf, "sign") == 0)
        kind = MF_T_SIGN;
    else if (strcmp(buf, "teacher") == 0)
        kind = MF_T_TEACHER;
    else
        OP_ERROR(OP_EUSAGE, "unknown target '%s'; known: %s", spec, KNOWN);
    opts o = {.s = 1, .ell = 1, .margin = 0.1, .kc = 0, .nmax = 16384, .features = 4096,
              .hidden = 8, .basis = -1, .act = 0};
    if (colon) OP_TRY(parse_opts(spec, kind, colon + 1, &o));
    mf_target *t = op_calloc(1, sizeof *t);
    if (!t) return OP_ENOMEM;
    t->kind = kind;
    t->m = m;
    t->N = mf_manifold_natural_dim(m);
    int st = build(t, spec, &o, seed);
    if (st) {
        mf_target_free(t);
        return st;
    }
    *out = t;
    return OP_OK;
}
