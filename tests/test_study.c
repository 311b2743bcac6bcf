/* Study files (theorems/study.h, docs/study.md): the formula evaluator against hand
 * values and its syntax errors with columns; the parser's values, preset overrides,
 * settings hash, and one error line "FILE:LINE: ..." for every kind of bad input; the
 * shipped examples parse and build a check. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/op_error.h"
#include "test_util.h"
#include "theorems/study.h"

static void expr_ok(const char *e, double d, double s, double D, double want)
{
    double v = NAN;
    int st = sy_expr_eval(e, d, s, D, &v);
    CHECK(st == OP_OK && v == want, "expr '%s' (d=%g s=%g D=%g) = %.17g, want %.17g (status %d)", e, d, s, D, v,
          want, st);
}

static void expr_err(const char *e, int status, const char *want)
{
    double v;
    int st = sy_expr_eval(e, 2, 1, 16, &v);
    const char *m = op_error_message();
    CHECK(st == status && strstr(m, want), "expr '%s': status %d (want %d), message '%s' (want '%s')", e, st, status,
          m, want);
    op_error_clear();
}

static void test_expr(void)
{
    /* the manifold-rate prediction, bit for bit as theorems/manifold_rate.c computes it */
    expr_ok("-2*s/(2*s+d)", 2, 1, 16, -2 * 1.0 / (2 * 1.0 + 2));
    expr_ok("-2*s/(2*s + d)", 1, 1, 16, -2 * 1.0 / (2 * 1.0 + 1));
    expr_ok("-2*s/(2*s+d)", 16, 1.5, 64, -3.0 / 19.0);
    expr_ok("1 + 2*3", 0, 0, 0, 7);
    expr_ok("(1 + 2)*3", 0, 0, 0, 9);
    expr_ok("2^3^2", 0, 0, 0, 512);  /* right associative */
    expr_ok("-2^2", 0, 0, 0, -4);    /* ^ binds tighter than unary minus */
    expr_ok("2^-1", 0, 0, 0, 0.5);
    expr_ok("8/4/2", 0, 0, 0, 1);    /* left associative */
    expr_ok("1 - 2 - 3", 0, 0, 0, -4);
    expr_ok("D/2 + d*s", 3, 2.5, 64, 39.5);
    expr_ok("1.5e-1*10", 0, 0, 0, 1.5);
    expr_ok("--d", 2, 0, 0, 2);
    expr_ok(" ( d ) ", 7, 0, 0, 7);
    expr_err("2*", OP_EUSAGE, "at column 3: unexpected end");
    expr_err("x + 1", OP_EUSAGE, "at column 1: unknown name");
    expr_err("2*dd", OP_EUSAGE, "at column 3: unknown name");
    expr_err("(1 + 2", OP_EUSAGE, "at column 7: expected ')'");
    expr_err("1 2", OP_EUSAGE, "at column 3: unexpected '2'");
    expr_err("1 + * 2", OP_EUSAGE, "at column 5: unexpected '*'");
    expr_err("", OP_EUSAGE, "at column 1: unexpected end");
    expr_err("1/(d-2)", OP_ENUM, "not finite at d=2");
}

/* A minimal valid study; {{X}} lines are replaced by the tests. */
static const char *base_text = "# a comment\n"
                               "[study]\n"
                               "id = unit-study\n"
                               "seeds = 2\n"
                               "\n"
                               "[data]\n"
                               "manifolds = torus:d=2, torus:d=1\n"
                               "ambient = 16, 32\n"
                               "n = 512, 1024, 2048   # trailing comment\n"
                               "target = matern:s=1.5\n"
                               "label_noise = 0.5\n"
                               "[model]\n"
                               "family = convresnet\n"
                               "[train]\n"
                               "epochs = 40\n"
                               "[judge]\n"
                               "predicted = -2*s/(2*s+d)\n"
                               "band = -0.25, 0.15\n";

static int parse(const char *extra, int full, sy_study *s)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", base_text, extra);
    return sy_study_parse(text, "t.study", full, s);
}

/* Replaces line `line` (1-based) of the base text by `repl` and parses. */
static int parse_edit(int line, const char *repl, sy_study *s)
{
    char text[4096] = "";
    const char *p = base_text;
    for (int l = 1; *p; l++) {
        const char *nl = strchr(p, '\n');
        size_t len = (size_t)(nl - p) + 1;
        if (l == line) {
            strcat(text, repl);
            strcat(text, "\n");
        } else
            strncat(text, p, len);
        p += len;
    }
    return sy_study_parse(text, "t.study", 0, s);
}

static void parse_err(int st, const char *what, const char *want)
{
    const char *m = op_error_message();
    CHECK(st == OP_EUSAGE && strstr(m, want) && !strchr(m, '\n'), "%s: status %d, message '%s' (want '%s')", what, st,
          m, want);
    op_error_clear();
}

static void test_parse(void)
{
    static sy_study s, t;
    int st = parse("", 0, &s);
    CHECK(st == OP_OK, "base study parses (%s)", st ? op_error_message() : "");
    CHECK(!strcmp(s.id, "unit-study") && !strcmp(s.seed_name, "unit-study") && s.seeds == 2, "id, seed_name default");
    CHECK(s.nman == 2 && !strcmp(s.manifolds[1], "torus:d=1"), "manifold list trimmed");
    CHECK(s.namb == 2 && s.ambient[1] == 32 && s.nn == 3 && s.n[2] == 2048, "numeric lists (trailing comment cut)");
    CHECK(s.smoothness == 1.5, "smoothness from the target's s= (%g)", s.smoothness);
    CHECK(s.size[SY_SIZE_CHANNELS][0] == 8 && s.kernel == 3 && s.layers == 2 && s.size[SY_SIZE_BLOCKS][0] == 4,
          "model defaults");
    CHECK(s.lr == 1e-3 && s.cosine == 1 && s.batch == 32 && s.keep_best == 1 && s.patience == 0, "train defaults");
    CHECK(s.nval == 1024 && s.ntest == 2000 && s.x == SY_X_N && !strcmp(s.quantity, "test_mse"), "data/judge defaults");
    CHECK(s.band_lo == -0.25 && s.band_hi == 0.15 && isnan(s.d_invariance) && isnan(s.contrast_tol), "band, optional criteria off");

    /* presets: [full] overrides apply only under --full */
    const char *presets = "[quick]\ntrain.epochs = 20\n[full]\ntrain.epochs = 60\nstudy.seeds = 3\n";
    st = parse(presets, 0, &s);
    CHECK(st == OP_OK && s.epochs == 20 && s.seeds == 2, "quick override (%d, %d)", s.epochs, s.seeds);
    st = parse(presets, 1, &t);
    CHECK(st == OP_OK && t.epochs == 60 && t.seeds == 3, "full override (%d, %d)", t.epochs, t.seeds);
    CHECK(s.hash != t.hash, "the run hash changes with the training budget");

    /* the hash: run-relevant settings only */
    sy_study a, b;
    parse("", 0, &a);
    parse_edit(9, "n = 512, 1024, 2048, 4096", &b);
    CHECK(a.hash == b.hash, "adding a value of n keeps the hash (finished runs are reused)");
    parse_edit(18, "band = -0.3, 0.2", &b);
    CHECK(a.hash == b.hash, "the band is judge-only: same hash");
    parse_edit(11, "label_noise = 0.25", &b);
    CHECK(a.hash != b.hash, "label noise changes the hash");
    parse("[control ball]\nwhat = a ball\nmanifold = ball:d=8\n", 0, &b);
    CHECK(b.ncontrols == 1 && !strcmp(b.controls[0].manifold, "ball:d=8") && a.hash != b.hash,
          "a control is parsed and hashed");

    /* every kind of bad input: one line naming the file and line */
    parse_err(parse("[model]\nfamily convresnet\n", 0, &s), "no '='", "t.study:20: expected 'key = value'");
    parse_err(parse("[bogus]\n", 0, &s), "unknown section", "t.study:19: unknown section [bogus]");
    parse_err(parse("[train]\nepoch = 3\n", 0, &s), "unknown key", "t.study:20: unknown key 'epoch' in [train]; keys: lr");
    parse_err(parse_edit(4, "seeds = two", &s), "bad number", "t.study:4: study.seeds");
    parse_err(parse_edit(4, "seeds = 0", &s), "out of range", "t.study:4: study.seeds");
    parse_err(parse_edit(9, "n = 512,,1024", &s), "empty entry", "t.study:9: data.n: empty entry");
    parse_err(parse_edit(9, "n = 512, 512, 1024", &s), "duplicate value", "t.study:9: data.n lists 512 twice");
    parse_err(parse_edit(9, "n = 512, 1024", &s), "too few points", "t.study:9: a slope against n needs at least 3");
    parse_err(parse_edit(17, "predicted = -2*s/(2*s+", &s), "formula", "t.study:17: judge.predicted");
    parse_err(parse_edit(17, "predicted = -2*q", &s), "formula name", "at column 4: unknown name");
    parse_err(parse_edit(18, "band = 0.15, -0.25", &s), "band order", "t.study:18: judge.band: lo");
    parse_err(parse_edit(17, "# no prediction", &s), "missing key", "t.study: missing required key 'predicted' in [judge]");
    parse_err(parse("[train]\nlr = 1\n[train]\nlr = 2\n", 0, &s), "twice", "t.study:22: train.lr given twice (first at line 20)");
    parse_err(parse_edit(3, "id = manifold-rate", &s), "built-in id", "t.study:3: study.id 'manifold-rate' is a built-in");
    parse_err(parse_edit(3, "id = Bad Id", &s), "id chars", "t.study:3: study.id");
    parse_err(parse_edit(3, "id = compare", &s), "id compare", "t.study:3: study.id 'compare' is taken");
    parse_err(parse_edit(7, "manifolds = torus:d=2, klein:q=1", &s), "bad manifold", "t.study:7:");
    parse_err(parse_edit(8, "ambient = 2", &s), "D too small", "t.study:8: data.ambient 2 is smaller");
    parse_err(parse_edit(11, "label_noise = 0.5x", &s), "trailing junk", "t.study:11: data.label_noise");
    parse_err(parse("[full]\ntrain.epochs = 60\n[train]\nlr = 1\n", 0, &s), "presets last", "t.study:21: [train] after [full]");
    parse_err(parse("[full]\nepochs = 60\n", 0, &s), "preset key form", "t.study:20: keys in [full] are 'section.key'");
    parse_err(parse("[full]\ntrain.epochs = x\n", 0, &s), "bad value in the other preset", "t.study:20: train.epochs");
    parse_err(parse("[model]\nchannels = 4, 8, 16\nblocks = 2, 4, 8\n", 0, &s), "two size lists",
              "only one model key may be a list");
    parse_err(parse("[model]\nwidth = 64\n", 0, &s), "key of another family", "t.study:20: model.width is not a key of family convresnet");
    parse_err(parse("[control x]\nwhat = y\nbogus = 1\n", 0, &s), "control key", "t.study:21: unknown key 'bogus' in [control x]");
    parse_err(parse("[control x]\nwhat = y\n", 0, &s), "empty control", "t.study:19: [control x] changes nothing");
    parse_err(parse("[control x]\nwhat = y\ntarget = matern:s=3\nwhat = z\n", 0, &s), "control key twice",
              "t.study:22: [control x] what given twice (first at line 20)");
    parse_err(parse("[judge]\nd_invariance = 0\n", 0, &s), "zero-width D band",
              "t.study:20: judge.d_invariance = 0 is a band nothing can pass");
    parse_err(parse("[judge]\nd_ratio = 0, 1.4\n", 0, &s), "ratio band from 0", "t.study:20: judge.d_ratio: lo = 0");
    parse_err(parse("[judge]\nkey = 1\n", 0, &s), "reopened section, unknown key", "t.study:20: unknown key 'key' in [judge]");
    parse_err(parse("[judge]\nband = 0, 1\n", 0, &s), "reopened section, key twice",
              "t.study:20: judge.band given twice (first at line 18)");
    st = sy_study_parse("x = 1\n", "u.study", 0, &s);
    parse_err(st, "key before a section", "u.study:1: key 'x' before any [section]");
    st = sy_study_parse("[study\n", "u.study", 0, &s);
    parse_err(st, "header", "u.study:1: malformed section header");
}

static void test_examples(void)
{
    const char *ex[] = {OP_SOURCE_DIR "/examples/manifold-rate-quick.study", OP_SOURCE_DIR "/examples/klein-vs-torus.study"};
    for (int i = 0; i < 2; i++)
        for (int full = 0; full < 2; full++) {
            static sy_study s;
            th_check *c = NULL;
            int st = sy_study_load(ex[i], full, &s);
            if (!st) st = sy_check_build(&s, &c);
            CHECK(st == OP_OK && c && c->run && sy_check_study(c), "%s (%s) loads and builds: %s", ex[i],
                  full ? "full" : "quick", st ? op_error_message() : "ok");
            op_error_clear();
            if (c) sy_check_free(c);
        }
    static sy_study s;
    int st = sy_study_load(OP_SOURCE_DIR "/examples/manifold-rate-quick.study", 0, &s);
    CHECK(st == OP_OK && !strcmp(s.seed_name, "manifold-rate") && s.seeds == 4 && s.nman == 2 && s.nn == 4 &&
              s.namb == 2 && s.contrast_tol == 0.5 && s.contrast_higher_only && s.contrast_ratio_min == 2 &&
              s.size[SY_SIZE_CHANNELS][0] == 8 && s.epochs == 40 && s.extra_steps == 1000 && s.patience == 20 &&
              s.lr == 2e-3 && s.ntest == 2000,
          "manifold-rate example: the built-in quick preset's settings");
    st = sy_study_load("/nonexistent.study", 0, &s);
    CHECK(st == OP_EIO && strstr(op_error_message(), "/nonexistent.study"), "missing file: OP_EIO naming it");
    op_error_clear();
}

/* The judge on synthetic records with known slopes: test MSE = c_seed n^slope(d, D)
 * (1 + a small seed-and-point wobble), T^1 and T^2 at D = 16 and 32, 3 seeds: the
 * issue-17 design of manifold-rate (per-curve band, D-invariance TOST, d-contrast). */
enum { J_NM = 2, J_ND = 2, J_NN = 4, J_NS = 3 };
static rec_record jrecs[J_NM * J_ND * J_NN * J_NS];

static int make_records(double slope_d1, double slope_d2, double slope_d2_D32)
{
    static const char *man[J_NM] = {"torus:d=1", "torus:d=2"};
    const double Ds[J_ND] = {16, 32}, ns[J_NN] = {512, 1024, 2048, 4096};
    int k = 0;
    for (int a = 0; a < J_NM; a++)
        for (int b = 0; b < J_ND; b++)
            for (int p = 0; p < J_NN; p++)
                for (int q = 0; q < J_NS; q++, k++) {
                    rec_record *r = &jrecs[k];
                    memset(r, 0, sizeof *r);
                    snprintf(r->key, sizeof r->key, "manifold=%s/D=%g/n=%g/seed=%d", man[a], Ds[b], ns[p], q);
                    r->seed_index = q;
                    r->nparams = 3;
                    snprintf(r->pname[0], REC_NAME, "manifold");
                    snprintf(r->pstr[0], sizeof r->pstr[0], "%s", man[a]);
                    r->pval[0] = NAN;
                    snprintf(r->pname[1], REC_NAME, "D");
                    r->pval[1] = Ds[b];
                    snprintf(r->pname[2], REC_NAME, "n");
                    r->pval[2] = ns[p];
                    r->nmetrics = 1;
                    snprintf(r->mname[0], REC_NAME, "test_mse");
                    double sl = a == 0 ? slope_d1 : b == 0 ? slope_d2 : slope_d2_D32;
                    r->mval[0] = (0.5 + 0.1 * q) * pow(ns[p], sl) * (1 + 0.004 * ((p * 7 + q * 3) % 5));
                }
    return k;
}

static void test_judge(void)
{
    const char *text = "[study]\nid = j\nseeds = 3\n[data]\nmanifolds = torus:d=1, torus:d=2\nambient = 16, 32\n"
                       "n = 512, 1024, 2048, 4096\ntarget = matern:s=1\n[model]\nfamily = convresnet\n"
                       "[train]\nepochs = 1\n[judge]\npredicted = -2*s/(2*s+d)\nband = -0.25, 0.15\n"
                       "d_invariance = 0.15\nd_ratio = 0.7, 1.4\ncontrast_tolerance = 0.5\n";
    static sy_study s;
    th_check *c = NULL;
    int st = sy_study_parse(text, "j.study", 0, &s);
    if (!st) st = sy_check_build(&s, &c);
    CHECK(st == OP_OK, "judge study builds (%s)", st ? op_error_message() : "");
    if (st) return;
    struct {
        double s1, s2, s2b;
        st_grade_t want;
        const char *field; /* in the extra text */
    } cases[] = {
        /* as predicted: -2/3 and -1/2; contrast 0.167 in [0, 0.356] */
        {-2.0 / 3, -0.5, -0.5, ST_PASS, "d_contrast=0.167"},
        /* every curve in its band, but d=2 steeper than d=1: contrast -0.033 < 0 */
        {-0.6, -0.633, -0.633, ST_FAIL, "band [0,0.356] FAIL"},
        /* T^2 at D=32 0.3 flatter: |dslope| 0.3 > 0.15, resolved */
        {-2.0 / 3, -0.5, -0.2, ST_FAIL, "dslope=0.3(90%:[0.3,0.3] vs [-0.15,0.15] FAIL)"},
    };
    for (int i = 0; i < 3; i++) {
        int n = make_records(cases[i].s1, cases[i].s2, cases[i].s2b);
        th_judge_in in = {c, NULL, 0, 0, jrecs, n};
        th_verdict v;
        memset(&v, 0, sizeof v);
        st = c->judge(&in, &v);
        CHECK(st == OP_OK && v.grade == cases[i].want && strstr(v.extra, cases[i].field) && v.nseries == 4,
              "judge case %d: %s (want %s), extra '%s'", i, st_grade_name(v.grade), st_grade_name(cases[i].want),
              v.extra);
        if (i == 0)
            CHECK(fabs(v.measured - v.predicted) < 0.01 && (v.predicted == -0.5 || fabs(v.predicted + 2.0 / 3) < 1e-12),
                  "case 0: graded slope %g near its prediction %g", v.measured, v.predicted);
    }
    /* the band rule: d = 1 slope -0.6, d = 2 slope -0.55 (both curves in their bands),
     * contrast 0.05: inside the four-corner band [0, 0.356], below the built-in's
     * [0.095, 0.222] that contrast_higher_only gives */
    int n = make_records(-0.6, -0.55, -0.55);
    th_judge_in in = {c, NULL, 0, 0, jrecs, n};
    th_verdict v;
    memset(&v, 0, sizeof v);
    st = c->judge(&in, &v);
    CHECK(st == OP_OK && v.grade == ST_PASS && strstr(v.extra, "band [0,0.356] PASS"),
          "four corners: contrast 0.05 PASS, extra '%s'", v.extra);
    sy_check_free(c);
    char text2[1024];
    snprintf(text2, sizeof text2, "%scontrast_higher_only = yes\n", text);
    st = sy_study_parse(text2, "j2.study", 0, &s);
    if (!st) st = sy_check_build(&s, &c);
    CHECK(st == OP_OK, "judge study with contrast_higher_only builds (%s)", st ? op_error_message() : "");
    if (st) return;
    in.check = c;
    memset(&v, 0, sizeof v);
    st = c->judge(&in, &v);
    CHECK(st == OP_OK && v.grade == ST_FAIL && strstr(v.extra, "band [0.0952,0.222] FAIL"),
          "higher only: contrast 0.05 FAIL, extra '%s'", v.extra);
    sy_check_free(c);
}

int main(void)
{
    test_expr();
    test_parse();
    test_examples();
    test_judge();
    return test_summary("test_study");
}
