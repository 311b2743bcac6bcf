/* The study file reader (docs/study.md): INI sections, `key = value`, `#` comments,
 * lists as comma-separated values, [quick]/[full] sections of `section.key = value`
 * overrides, [control NAME] sections. Every problem is one line "FILE:LINE: ..." and
 * OP_EUSAGE (CLI exit 2): a malformed line, an unknown section or key, a bad number, a
 * key given twice, a missing required key (then "FILE: ..."). A small parser of our
 * own rather than a library: bookworm packages no INI parser for C that reports
 * unknown keys with their line, and the format needs about 300 lines. */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/rng.h"
#include "manifolds/manifold.h"
#include "study.h"

typedef enum { T_TEXT, T_ID, T_SPEC, T_INT, T_LONG, T_DBL, T_BOOL, T_SPECS, T_DLIST, T_PAIR, T_FAMILY, T_X } sy_type;

typedef struct {
    const char *sec, *key;
    sy_type type;
    size_t off, len; /* member; len: its size (strings) */
    size_t noff;     /* lists: the count member */
    double min, max;
    int required;
} sy_key;

#define F(m) offsetof(sy_study, m), sizeof(((sy_study *)0)->m)
#define L(m, n) offsetof(sy_study, m), sizeof(((sy_study *)0)->m), offsetof(sy_study, n)
#define BIG 1e300

static const sy_key keys[] = {
    {"study", "id", T_ID, F(id), 0, 0, 0, 1},
    {"study", "seed_name", T_ID, F(seed_name), 0, 0, 0, 0},
    {"study", "title", T_TEXT, F(title), 0, 0, 0, 0},
    {"study", "claim", T_TEXT, F(claim), 0, 0, 0, 0},
    {"study", "citation", T_TEXT, F(citation), 0, 0, 0, 0},
    {"study", "band_source", T_TEXT, F(band_source), 0, 0, 0, 0},
    {"study", "seeds", T_INT, F(seeds), 0, 1, 1000, 1},
    {"data", "manifolds", T_SPECS, L(manifolds, nman), 0, 0, 1},
    {"data", "ambient", T_DLIST, L(ambient, namb), 1, 1000000, 1},
    {"data", "n", T_DLIST, L(n, nn), 2, 1e9, 1},
    {"data", "target", T_SPEC, F(target), 0, 0, 0, 1},
    {"data", "smoothness", T_DBL, F(smoothness), 0, 1e-6, 1000, 0},
    {"data", "label_noise", T_DBL, F(label_noise), 0, 0, 100, 0},
    {"data", "val", T_LONG, F(nval), 0, 1, 1e8, 0},
    {"data", "test", T_LONG, F(ntest), 0, 1, 1e8, 0},
    {"model", "family", T_FAMILY, F(family), 0, 0, 0, 1},
    {"model", "channels", T_DLIST, L(size[SY_SIZE_CHANNELS], nsize[SY_SIZE_CHANNELS]), 1, 4096, 0},
    {"model", "blocks", T_DLIST, L(size[SY_SIZE_BLOCKS], nsize[SY_SIZE_BLOCKS]), 1, 1024, 0},
    {"model", "width", T_DLIST, L(size[SY_SIZE_WIDTH], nsize[SY_SIZE_WIDTH]), 1, 1e6, 0},
    {"model", "depth", T_DLIST, L(size[SY_SIZE_DEPTH], nsize[SY_SIZE_DEPTH]), 1, 64, 0},
    {"model", "kernel", T_INT, F(kernel), 0, 1, 99, 0},
    {"model", "layers", T_INT, F(layers), 0, 1, 64, 0},
    {"train", "lr", T_DBL, F(lr), 0, 1e-12, 100, 0},
    {"train", "cosine", T_BOOL, F(cosine), 0, 0, 0, 0},
    {"train", "batch", T_INT, F(batch), 0, 1, 1 << 20, 0},
    {"train", "epochs", T_INT, F(epochs), 0, 0, 1000000, 1},
    {"train", "extra_steps", T_LONG, F(extra_steps), 0, 0, 1e12, 0},
    {"train", "patience", T_INT, F(patience), 0, 0, 1000000, 0},
    {"train", "keep_best", T_BOOL, F(keep_best), 0, 0, 0, 0},
    {"judge", "x", T_X, F(x), 0, 0, 0, 0},
    {"judge", "quantity", T_ID, F(quantity), 0, 0, 0, 0},
    {"judge", "predicted", T_TEXT, F(predicted), 0, 0, 0, 1},
    {"judge", "band", T_PAIR, offsetof(sy_study, band_lo), 0, 0, -BIG, BIG, 1},
    {"judge", "d_invariance", T_DBL, F(d_invariance), 0, 0, BIG, 0},
    {"judge", "d_ratio", T_PAIR, offsetof(sy_study, d_ratio_lo), 0, 0, 0, BIG, 0},
    {"judge", "contrast_tolerance", T_DBL, F(contrast_tol), 0, 0, BIG, 0},
    {"judge", "contrast_ratio_min", T_DBL, F(contrast_ratio_min), 0, 0, BIG, 0},
    {"judge", "contrast_higher_only", T_BOOL, F(contrast_higher_only), 0, 0, 0, 0},
};
#define NKEYS (int)(sizeof keys / sizeof keys[0])

/* [control NAME] keys: parsed by hand into sy_control. */
static const char *const control_keys[] = {"what", "near_miss", "manifold", "target", "min_ambient", "label_noise"};
#define NCKEYS (int)(sizeof control_keys / sizeof control_keys[0])

const char *const sy_quantities[] = {"test_mse", "best_val_loss", "train_loss"};

/* Where each key was set (for messages after the parse and for duplicates). */
typedef struct {
    char sec[48], key[64];
    int line;
} sy_seen;

typedef struct {
    const char *name;
    sy_seen seen[128];
    int nseen;
} sy_ctx;

static int seen_line(const sy_ctx *x, const char *sec, const char *key)
{
    for (int i = 0; i < x->nseen; i++)
        if (strcmp(x->seen[i].sec, sec) == 0 && strcmp(x->seen[i].key, key) == 0) return x->seen[i].line;
    return 0;
}

/* Re-records the pending error as "NAME:LINE: <message>". */
static int at_line(const sy_ctx *x, int line, int status)
{
    char msg[900];
    snprintf(msg, sizeof msg, "%s", op_error_message());
    op_error_clear();
    if (line > 0) return op_error_set(status, __FILE__, __LINE__, "%s:%d: %s", x->name, line, msg);
    return op_error_set(status, __FILE__, __LINE__, "%s: %s", x->name, msg);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

static int is_id(const char *v)
{
    if (!*v || !isalnum((unsigned char)*v)) return 0;
    for (const char *p = v; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

static int parse_bool(const char *what, const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on")) *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off")) *out = 0;
    else OP_ERROR(OP_EUSAGE, "%s: '%s' is not yes or no", what, v);
    return OP_OK;
}

/* A comma-separated list: items trimmed, none empty. */
static int split_list(const char *what, char *v, char **items, int max, int *n)
{
    *n = 0;
    for (char *p = v, *tok; (tok = strsep(&p, ","));) {
        tok = trim(tok);
        if (!*tok) OP_ERROR(OP_EUSAGE, "%s: empty entry in '%s'", what, v);
        if (*n == max) OP_ERROR(OP_EUSAGE, "%s: more than %d entries", what, max);
        items[(*n)++] = tok;
    }
    return OP_OK;
}

static int set_key(const sy_key *k, char *val, sy_study *s)
{
    char what[64];
    snprintf(what, sizeof what, "%s.%s", k->sec, k->key);
    char *base = (char *)s;
    switch (k->type) {
    case T_TEXT:
    case T_ID:
    case T_SPEC:
        if (!*val) OP_ERROR(OP_EUSAGE, "%s: empty value", what);
        if (strlen(val) >= k->len) OP_ERROR(OP_EUSAGE, "%s: longer than %zu characters", what, k->len - 1);
        if (k->type == T_ID && !is_id(val))
            OP_ERROR(OP_EUSAGE, "%s: '%s' must be lower-case letters, digits and - _ . (a name used in paths)",
                     what, val);
        if (k->type == T_SPEC && strpbrk(val, " \t/"))
            OP_ERROR(OP_EUSAGE, "%s: '%s' has a space or '/' (a spec goes into run keys)", what, val);
        memcpy(base + k->off, val, strlen(val) + 1);
        return OP_OK;
    case T_INT: {
        long v;
        OP_TRY(op_parse_long(what, val, (long)k->min, (long)k->max, &v));
        *(int *)(base + k->off) = (int)v;
        return OP_OK;
    }
    case T_LONG:
        return op_parse_long(what, val, (long)k->min, (long)k->max, (long *)(base + k->off));
    case T_DBL:
        return op_parse_double(what, val, k->min, k->max, (double *)(base + k->off));
    case T_BOOL:
        return parse_bool(what, val, (int *)(base + k->off));
    case T_SPECS: {
        char *items[SY_MAX_LIST];
        int n;
        OP_TRY(split_list(what, val, items, SY_MAX_LIST, &n));
        char(*dst)[SY_SPEC] = (char(*)[SY_SPEC])(base + k->off);
        for (int i = 0; i < n; i++) {
            if (strlen(items[i]) >= SY_SPEC) OP_ERROR(OP_EUSAGE, "%s: '%s' is too long", what, items[i]);
            if (strpbrk(items[i], " \t/")) OP_ERROR(OP_EUSAGE, "%s: '%s' has a space or '/'", what, items[i]);
            for (int j = 0; j < i; j++)
                if (!strcmp(items[i], dst[j])) OP_ERROR(OP_EUSAGE, "%s lists '%s' twice", what, items[i]);
            snprintf(dst[i], SY_SPEC, "%s", items[i]);
        }
        *(int *)(base + k->noff) = n;
        return OP_OK;
    }
    case T_DLIST: {
        char *items[SY_MAX_LIST];
        int n;
        OP_TRY(split_list(what, val, items, SY_MAX_LIST, &n));
        double *dst = (double *)(base + k->off);
        for (int i = 0; i < n; i++) {
            OP_TRY(op_parse_double(what, items[i], k->min, k->max, &dst[i]));
            if (dst[i] != floor(dst[i])) OP_ERROR(OP_EUSAGE, "%s: '%s' is not an integer", what, items[i]);
            for (int j = 0; j < i; j++)
                if (dst[j] == dst[i]) OP_ERROR(OP_EUSAGE, "%s lists %s twice", what, items[i]);
        }
        *(int *)(base + k->noff) = n;
        return OP_OK;
    }
    case T_PAIR: {
        char *items[2];
        int n;
        OP_TRY(split_list(what, val, items, 2, &n));
        if (n != 2) OP_ERROR(OP_EUSAGE, "%s: needs two numbers 'lo, hi'", what);
        double *dst = (double *)(base + k->off);
        OP_TRY(op_parse_double(what, items[0], k->min, k->max, &dst[0]));
        OP_TRY(op_parse_double(what, items[1], k->min, k->max, &dst[1]));
        if (!(dst[0] < dst[1])) OP_ERROR(OP_EUSAGE, "%s: lo %s is not below hi %s", what, items[0], items[1]);
        return OP_OK;
    }
    case T_FAMILY:
        if (!strcmp(val, "convresnet")) s->family = SY_FAMILY_CONVRESNET;
        else if (!strcmp(val, "mlp")) s->family = SY_FAMILY_MLP;
        else OP_ERROR(OP_EUSAGE, "%s: '%s' is not convresnet or mlp", what, val);
        return OP_OK;
    case T_X:
        if (!strcmp(val, "n")) s->x = SY_X_N;
        else if (!strcmp(val, "size")) s->x = SY_X_SIZE;
        else if (!strcmp(val, "params")) s->x = SY_X_PARAMS;
        else OP_ERROR(OP_EUSAGE, "%s: '%s' is not n, size or params", what, val);
        return OP_OK;
    }
    OP_ERROR(OP_EINTERNAL, "%s: no type", what);
}

static const sy_key *find_key(const char *sec, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].sec, sec) && !strcmp(keys[i].key, key)) return &keys[i];
    return NULL;
}

static int known_section(const char *sec)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].sec, sec)) return 1;
    return 0;
}

static void key_list(const char *sec, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < NKEYS && k < len; i++)
        if (!strcmp(keys[i].sec, sec)) k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? ", " : "", keys[i].key);
}

static int set_control_key(sy_control *c, const char *key, char *val)
{
    char what[96];
    snprintf(what, sizeof what, "control %s: %s", c->name, key);
    if (!strcmp(key, "what")) {
        if (strlen(val) >= sizeof c->what) OP_ERROR(OP_EUSAGE, "%s: too long", what);
        snprintf(c->what, sizeof c->what, "%s", val);
    } else if (!strcmp(key, "near_miss")) {
        return parse_bool(what, val, &c->near_miss);
    } else if (!strcmp(key, "manifold") || !strcmp(key, "target")) {
        if (!*val || strlen(val) >= SY_SPEC || strpbrk(val, " \t/"))
            OP_ERROR(OP_EUSAGE, "%s: '%s' is empty, too long or has a space or '/'", what, val);
        snprintf(!strcmp(key, "manifold") ? c->manifold : c->target, SY_SPEC, "%s", val);
    } else if (!strcmp(key, "min_ambient")) {
        long v;
        OP_TRY(op_parse_long(what, val, 1, 1000000, &v));
        c->min_ambient = (int)v;
    } else if (!strcmp(key, "label_noise")) {
        return op_parse_double(what, val, 0, 100, &c->label_noise);
    } else {
        char list[160] = "";
        for (int i = 0, k = 0; i < NCKEYS; i++) k += snprintf(list + k, sizeof list - (size_t)k, "%s%s", i ? ", " : "", control_keys[i]);
        OP_ERROR(OP_EUSAGE, "unknown key '%s' in [control %s]; keys: %s", key, c->name, list);
    }
    return OP_OK;
}

static void defaults(sy_study *s)
{
    memset(s, 0, sizeof *s);
    s->smoothness = NAN;
    s->label_noise = 0;
    s->nval = 1024;
    s->ntest = 2000;
    s->size[SY_SIZE_CHANNELS][0] = 8;
    s->size[SY_SIZE_BLOCKS][0] = 4;
    s->size[SY_SIZE_WIDTH][0] = 64;
    s->size[SY_SIZE_DEPTH][0] = 2;
    for (int k = 0; k < SY_NSIZE; k++) s->nsize[k] = 1;
    s->kernel = 3;
    s->layers = 2;
    s->lr = 1e-3;
    s->cosine = 1;
    s->batch = 32;
    s->keep_best = 1;
    snprintf(s->quantity, sizeof s->quantity, "test_mse");
    s->d_invariance = s->d_ratio_lo = s->d_ratio_hi = s->contrast_tol = s->contrast_ratio_min = NAN;
}

/* The s= parameter of a target spec ("matern:s=1.5,ell=1" -> 1.5), NaN if none. */
static double spec_s(const char *target)
{
    const char *p = strchr(target, ':');
    while (p) {
        p++;
        if (p[0] == 's' && p[1] == '=') return strtod(p + 2, NULL);
        p = strchr(p, ',');
    }
    return NAN;
}

double sy_manifold_dim(const char *spec, int *natural)
{
    mf_manifold *m;
    if (mf_manifold_parse(spec, &m)) return NAN;
    double d = mf_manifold_dim(m);
    if (natural) *natural = mf_manifold_natural_dim(m);
    mf_manifold_free(m);
    return d;
}

static const char *const size_names[SY_NSIZE] = {"channels", "blocks", "width", "depth"};

/* Checks across keys, after the preset's overrides; messages name the key's line. */
static int validate(sy_ctx *x, sy_study *s)
{
    for (int i = 0; i < NKEYS; i++)
        if (keys[i].required && !seen_line(x, keys[i].sec, keys[i].key))
            return at_line(x, 0, op_error_set(OP_EUSAGE, __FILE__, __LINE__, "missing required key '%s' in [%s]",
                                              keys[i].key, keys[i].sec));
    if (!s->seed_name[0]) snprintf(s->seed_name, sizeof s->seed_name, "%s", s->id);
    if (!s->title[0]) snprintf(s->title, sizeof s->title, "%s", s->id);
    if (th_find(s->id))
        return at_line(x, seen_line(x, "study", "id"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__, "study.id '%s' is a built-in check's id", s->id));
    if (!strcmp(s->id, "compare")) /* DIR/compare/ holds compare's tables and figures */
        return at_line(x, seen_line(x, "study", "id"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__, "study.id 'compare' is taken by compare's outputs"));
    int ln = seen_line(x, "data", "manifolds");
    for (int i = 0; i < s->nman; i++) {
        int nat = 0;
        if (isnan(sy_manifold_dim(s->manifolds[i], &nat))) return at_line(x, ln, OP_EUSAGE);
        for (int j = 0; j < s->namb; j++)
            if (s->ambient[j] < nat)
                return at_line(x, seen_line(x, "data", "ambient"),
                               op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                            "data.ambient %g is smaller than the embedding dimension %d of %s",
                                            s->ambient[j], nat, s->manifolds[i]));
    }
    if (isnan(s->smoothness)) s->smoothness = spec_s(s->target);
    /* one model key at most is a list: the size axis */
    s->size_key = SY_SIZE_NONE;
    for (int k = 0; k < SY_NSIZE; k++) {
        int mine = s->family == SY_FAMILY_CONVRESNET ? k <= SY_SIZE_BLOCKS : k >= SY_SIZE_WIDTH;
        int l = seen_line(x, "model", size_names[k]);
        if (l && !mine)
            return at_line(x, l, op_error_set(OP_EUSAGE, __FILE__, __LINE__, "model.%s is not a key of family %s",
                                              size_names[k], s->family == SY_FAMILY_MLP ? "mlp" : "convresnet"));
        if (s->nsize[k] > 1) {
            if (s->size_key != SY_SIZE_NONE)
                return at_line(x, l, op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                                  "model.%s: only one model key may be a list (model.%s is one)",
                                                  size_names[k], size_names[s->size_key]));
            s->size_key = k;
        }
    }
    if ((s->kernel <= 0 || s->kernel % 2 == 0) && s->family == SY_FAMILY_CONVRESNET)
        return at_line(x, seen_line(x, "model", "kernel"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__, "model.kernel %d must be odd", s->kernel));
    int lx = seen_line(x, "judge", "x");
    if (s->x == SY_X_N && s->nn < 3)
        return at_line(x, lx ? lx : seen_line(x, "data", "n"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__, "a slope against n needs at least 3 values of data.n"));
    if (s->x != SY_X_N && (s->size_key == SY_SIZE_NONE || s->nsize[s->size_key] < 3))
        return at_line(x, lx, op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                           "judge.x = %s needs one model key with at least 3 values (the size grid)",
                                           s->x == SY_X_SIZE ? "size" : "params"));
    int q = 0;
    for (int i = 0; i < 3; i++) q |= !strcmp(s->quantity, sy_quantities[i]);
    if (!q)
        return at_line(x, seen_line(x, "judge", "quantity"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                    "judge.quantity '%s' is not test_mse, best_val_loss or train_loss", s->quantity));
    /* the formula at every manifold's d */
    for (int i = 0; i < s->nman; i++) {
        double p, d = sy_manifold_dim(s->manifolds[i], NULL);
        if (sy_expr_eval(s->predicted, d, s->smoothness, s->ambient[0], &p)) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s", op_error_message());
            op_error_clear();
            op_error_set(OP_EUSAGE, __FILE__, __LINE__, "judge.predicted '%s': %s%s", s->predicted, msg,
                         isnan(s->smoothness) ? " (s is unknown: set data.smoothness, or s= in data.target)" : "");
            return at_line(x, seen_line(x, "judge", "predicted"), OP_EUSAGE);
        }
    }
    /* A zero-width D band is a criterion nothing can pass, and compare reads 0 as "off":
     * refuse it rather than let the two commands disagree. */
    if (s->d_invariance == 0)
        return at_line(x, seen_line(x, "judge", "d_invariance"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                    "judge.d_invariance = 0 is a band nothing can pass; leave the key out to grade no "
                                    "slope difference"));
    if (s->d_ratio_lo == 0)
        return at_line(x, seen_line(x, "judge", "d_ratio"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                    "judge.d_ratio: lo = 0 is no lower edge for a ratio; give 0 < lo < hi, e.g. 0.7, 1.4"));
    if (!isnan(s->contrast_tol) && s->nman < 2)
        return at_line(x, seen_line(x, "judge", "contrast_tolerance"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__, "a d-contrast needs two manifolds in data.manifolds"));
    if (!isnan(s->contrast_ratio_min) && isnan(s->contrast_tol))
        return at_line(x, seen_line(x, "judge", "contrast_ratio_min"),
                       op_error_set(OP_EUSAGE, __FILE__, __LINE__, "judge.contrast_ratio_min needs judge.contrast_tolerance"));
    for (int i = 0; i < s->ncontrols; i++) {
        const sy_control *c = &s->controls[i];
        int l = seen_line(x, "control", c->name);
        if (!c->what[0])
            return at_line(x, l, op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                              "[control %s] needs 'what' (why the hypothesis is false under it)", c->name));
        if (!c->manifold[0] && !c->target[0] && !c->min_ambient && isnan(c->label_noise))
            return at_line(x, l, op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                              "[control %s] changes nothing (set manifold, target, min_ambient or label_noise)",
                                              c->name));
        if (c->manifold[0] && isnan(sy_manifold_dim(c->manifold, NULL))) return at_line(x, l, OP_EUSAGE);
    }
    return OP_OK;
}

/* The settings one run's numbers depend on besides its key (grid values, seed index
 * and control name are in the key): hashed into the key tag, so an edit that changes
 * a run re-runs it, while adding a grid value or a seed keeps the finished runs. */
static void settings_hash(sy_study *s)
{
    char *b = s->hash_text;
    size_t len = sizeof s->hash_text, k = 0;
#define PUT(...) k += (size_t)snprintf(b + k, k < len ? len - k : 0, __VA_ARGS__)
    PUT("v1;seed_name=%s;target=%s;label_noise=%.17g;val=%ld;test=%ld;", s->seed_name, s->target, s->label_noise,
        s->nval, s->ntest);
    PUT("family=%d;kernel=%d;layers=%d;", s->family, s->kernel, s->layers);
    for (int q = 0; q < SY_NSIZE; q++)
        if (q != s->size_key) PUT("%s=%.17g;", size_names[q], s->size[q][0]);
    PUT("lr=%.17g;cosine=%d;batch=%d;epochs=%d;extra_steps=%ld;patience=%d;keep_best=%d;x=%d;", s->lr, s->cosine,
        s->batch, s->epochs, s->extra_steps, s->patience, s->keep_best, s->x);
    for (int i = 0; i < s->ncontrols; i++) {
        const sy_control *c = &s->controls[i];
        PUT("control=%s,%s,%s,%d,%.17g;", c->name, c->manifold, c->target, c->min_ambient, c->label_noise);
    }
#undef PUT
    s->hash = op_hash_str(b);
}

/* One line: "[section]", "key = value", blank or "# comment". */
int sy_study_parse(const char *text, const char *name, int full, sy_study *s)
{
    defaults(s);
    s->full = full;
    sy_ctx *x = op_calloc(1, sizeof *x);
    char *buf = op_malloc(strlen(text) + 1);
    if (!x || !buf) {
        free(x);
        free(buf);
        return OP_ENOMEM;
    }
    x->name = name;
    strcpy(buf, text);
    char sec[48] = "";
    int ctl = -1, line = 0, st = OP_OK;
    for (char *p = buf, *ln; !st && (ln = strsep(&p, "\n"));) {
        line++;
        char *t = trim(ln);
        if (!*t || *t == '#') continue;
        if (*t == '[') {
            char *e = strchr(t, ']');
            if (!e || trim(e + 1)[0]) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: malformed section header '%s'", name, line, t);
                break;
            }
            *e = 0;
            char *h = trim(t + 1);
            ctl = -1;
            /* overrides come last, so they apply after every base value they override */
            int is_preset = !strcmp(h, "quick") || !strcmp(h, "full");
            if (!is_preset && (!strcmp(sec, "quick") || !strcmp(sec, "full"))) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                  "%s:%d: [%s] after [%s]: the [quick] and [full] sections come last", name, line, h,
                                  sec);
                break;
            }
            if (!strncmp(h, "control", 7) && isspace((unsigned char)h[7])) {
                char *cn = trim(h + 8);
                if (!is_id(cn) || strlen(cn) >= REC_NAME || strchr(cn, '.')) {
                    st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: control name '%s' must be kebab-case",
                                      name, line, cn);
                    break;
                }
                for (int i = 0; i < s->ncontrols; i++)
                    if (!strcmp(s->controls[i].name, cn)) {
                        st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: [control %s] given twice", name, line, cn);
                        break;
                    }
                if (st) break;
                if (s->ncontrols == TH_MAX_CONTROLS) {
                    st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: more than %d controls", name, line,
                                      TH_MAX_CONTROLS);
                    break;
                }
                ctl = s->ncontrols++;
                sy_control *c = &s->controls[ctl];
                snprintf(c->name, sizeof c->name, "%s", cn);
                c->label_noise = NAN;
                snprintf(sec, sizeof sec, "control");
                if (x->nseen < 128) { /* the header's line, for the control's messages */
                    sy_seen *sn = &x->seen[x->nseen++];
                    snprintf(sn->sec, sizeof sn->sec, "control");
                    snprintf(sn->key, sizeof sn->key, "%s", cn);
                    sn->line = line;
                }
                continue;
            }
            if (!known_section(h) && strcmp(h, "quick") && strcmp(h, "full")) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                  "%s:%d: unknown section [%s]; sections: study, data, model, train, judge, quick, "
                                  "full, control NAME", name, line, h);
                break;
            }
            snprintf(sec, sizeof sec, "%s", h);
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: expected 'key = value' or '[section]', got '%s'",
                              name, line, t);
            break;
        }
        *eq = 0;
        char *key = trim(t), *val = trim(eq + 1);
        char *hash = strstr(val, " #"); /* a trailing comment */
        if (hash) val = trim((*hash = 0, val));
        if (!sec[0]) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: key '%s' before any [section]", name, line, key);
            break;
        }
        if (!*key) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: empty key", name, line);
            break;
        }
        if (ctl >= 0) {
            char csec[48];
            snprintf(csec, sizeof csec, "control %s", s->controls[ctl].name);
            int prev = seen_line(x, csec, key);
            if (prev) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: [%s] %s given twice (first at line %d)",
                                  name, line, csec, key, prev);
                break;
            }
            if ((st = set_control_key(&s->controls[ctl], key, val))) {
                st = at_line(x, line, st);
                break;
            }
            if (x->nseen < 128) {
                sy_seen *sn = &x->seen[x->nseen++];
                snprintf(sn->sec, sizeof sn->sec, "%s", csec);
                snprintf(sn->key, sizeof sn->key, "%s", key);
                sn->line = line;
            }
            continue;
        }
        /* [quick]/[full]: "section.key = value", applied only under that preset */
        char ksec[48], kkey[48];
        const char *preset = NULL;
        if (!strcmp(sec, "quick") || !strcmp(sec, "full")) {
            preset = sec;
            char *dot = strchr(key, '.');
            if (!dot || dot - key >= (long)sizeof ksec) {
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__,
                                  "%s:%d: keys in [%s] are 'section.key' (e.g. train.epochs), got '%s'", name, line,
                                  sec, key);
                break;
            }
            snprintf(ksec, sizeof ksec, "%.*s", (int)(dot - key), key);
            snprintf(kkey, sizeof kkey, "%s", dot + 1);
        } else {
            snprintf(ksec, sizeof ksec, "%s", sec);
            snprintf(kkey, sizeof kkey, "%s", key);
        }
        const sy_key *k = find_key(ksec, kkey);
        if (!k) {
            char list[400];
            if (!known_section(ksec))
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: unknown section '%s' in '%s'", name, line,
                                  ksec, key);
            else {
                key_list(ksec, list, sizeof list);
                st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: unknown key '%s' in [%s]; keys: %s", name,
                                  line, kkey, ksec, list);
            }
            break;
        }
        if (preset && !strcmp(ksec, "study") && !strcmp(kkey, "id")) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: study.id cannot differ between presets", name, line);
            break;
        }
        char seenkey[64];
        snprintf(seenkey, sizeof seenkey, "%s%s%s", preset ? preset : "", preset ? ":" : "", kkey);
        int prev = seen_line(x, ksec, seenkey);
        if (prev) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: %s.%s given twice (first at line %d)", name, line,
                              ksec, kkey, prev);
            break;
        }
        if (x->nseen == 128) {
            st = op_error_set(OP_EUSAGE, __FILE__, __LINE__, "%s:%d: too many keys", name, line);
            break;
        }
        sy_seen *sn = &x->seen[x->nseen++];
        snprintf(sn->sec, sizeof sn->sec, "%s", ksec);
        snprintf(sn->key, sizeof sn->key, "%s", seenkey);
        sn->line = line;
        /* an override of the other preset is only checked, on a scratch copy */
        int apply = !preset || !strcmp(preset, full ? "full" : "quick");
        if (!apply) {
            sy_study *scratch = op_malloc(sizeof *scratch);
            if (!scratch) {
                st = OP_ENOMEM;
                break;
            }
            if ((st = set_key(k, val, scratch))) st = at_line(x, line, st);
            free(scratch);
            continue;
        }
        if ((st = set_key(k, val, s))) {
            st = at_line(x, line, st);
            break;
        }
        if (preset) { /* the applied override stands for the key (required keys, messages) */
            int found = 0;
            for (int i = 0; i < x->nseen; i++)
                if (!strcmp(x->seen[i].sec, ksec) && !strcmp(x->seen[i].key, kkey)) {
                    x->seen[i].line = line;
                    found = 1;
                }
            if (!found && x->nseen < 128) {
                sy_seen *b = &x->seen[x->nseen++];
                snprintf(b->sec, sizeof b->sec, "%s", ksec);
                snprintf(b->key, sizeof b->key, "%s", kkey);
                b->line = line;
            }
        }
    }
    if (!st) st = validate(x, s);
    if (!st) settings_hash(s);
    free(buf);
    free(x);
    return st;
}

int sy_study_load(const char *path, int full, sy_study *s)
{
    char *text;
    size_t len;
    if (op_read_file(path, &text, &len)) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", op_error_message());
        op_error_clear();
        OP_ERROR(OP_EIO, "study file %s: %s", path, msg);
    }
    if (strlen(text) != len) {
        free(text);
        OP_ERROR(OP_EUSAGE, "%s: not a text file (a NUL byte)", path);
    }
    int st = sy_study_parse(text, path, full, s);
    free(text);
    return st;
}
