#include "record.h"
#include "core/version.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "json.h"
#include "nn/nn.h"

void rec_sanitise_key(const char *key, char *out, int outlen)
{
    int k = 0;
    for (const char *s = key; *s && k < outlen - 1; s++) {
        char c = *s;
        if (c == '/')
            c = '_';
        else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '=' || c == '+' || c == '-'))
            c = '~';
        out[k++] = c;
    }
    out[k] = 0;
}

int rec_path(const char *dir, const char *check, const char *key, char *out, int outlen)
{
    char san[REC_KEY];
    rec_sanitise_key(key, san, sizeof san);
    int n = snprintf(out, (size_t)outlen, "%s/%s/runs/%s.json", dir, check, san);
    if (n < 0 || n >= outlen) OP_ERROR(OP_EIO, "record path for '%s' is too long", key);
    return OP_OK;
}

/* Shortest decimal that reads back to the same double (0.1, not
 * 0.10000000000000001), so records stay readable and still round-trip exactly. */
static void json_num(op_buf *b, double v)
{
    if (!isfinite(v)) {
        op_buf_puts(b, "null");
        return;
    }
    char t[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(t, sizeof t, "%.*g", p, v);
        if (strtod(t, NULL) == v) break;
    }
    op_buf_puts(b, t);
}

void rec_provenance_json(op_buf *b, const char *conv, int threads, int blas_threads)
{
    op_buf_puts(b, "{\"version\": ");
    op_buf_json_str(b, OP_VERSION);
    op_buf_puts(b, ", \"git_commit\": ");
    op_buf_json_str(b, OP_GIT_COMMIT);
    op_buf_puts(b, ", \"compiler\": ");
    op_buf_json_str(b, OP_COMPILER);
    op_buf_puts(b, ", \"blas_core\": ");
    op_buf_json_str(b, op_blas_core());
    op_buf_puts(b, ", \"isa\": ");
    op_buf_json_str(b, nn_isa_name());
    op_buf_puts(b, ", \"conv\": ");
    op_buf_json_str(b, conv);
    op_buf_printf(b, ", \"threads\": %d", threads);
    if (blas_threads >= 0) op_buf_printf(b, ", \"blas_threads\": %d", blas_threads);
    op_buf_puts(b, "}");
}

int rec_write(const char *path, const rec_record *r)
{
    op_buf b;
    op_buf_init(&b);
    op_buf_puts(&b, "{\n  \"check\": ");
    op_buf_json_str(&b, r->check);
    op_buf_puts(&b, ",\n  \"key\": ");
    op_buf_json_str(&b, r->key);
    op_buf_puts(&b, ",\n  \"control\": ");
    if (r->control[0])
        op_buf_json_str(&b, r->control);
    else
        op_buf_puts(&b, "null");
    op_buf_printf(&b, ",\n  \"seed_index\": %d,\n  \"seed\": \"%llu\",\n", r->seed_index,
                  (unsigned long long)r->seed);
    /* the identity on one line, format first: what resume compares (record.h) */
    op_buf_printf(&b, "  \"identity\": {\"format\": %d, \"base_seed\": \"%llu\", \"preset\": ", REC_FORMAT,
                  (unsigned long long)r->id.base_seed);
    op_buf_json_str(&b, r->id.preset);
    op_buf_puts(&b, ", \"conv\": ");
    op_buf_json_str(&b, r->id.conv);
    op_buf_puts(&b, ", \"dataset\": ");
    op_buf_json_str(&b, r->id.dataset);
    op_buf_puts(&b, ", \"dataset_fingerprint\": ");
    op_buf_json_str(&b, r->id.dataset_fp);
    op_buf_puts(&b, ", \"isa\": ");
    op_buf_json_str(&b, r->id.isa);
    op_buf_puts(&b, "},\n  \"status\": ");
    op_buf_json_str(&b, r->status == REC_OK ? "ok" : "diverged");
    op_buf_puts(&b, ",\n  \"message\": ");
    op_buf_json_str(&b, r->message);
    op_buf_puts(&b, ",\n  \"params\": {");
    for (int i = 0; i < r->nparams; i++) {
        op_buf_puts(&b, i ? ", " : "");
        op_buf_json_str(&b, r->pname[i]);
        op_buf_puts(&b, ": ");
        if (r->pstr[i][0])
            op_buf_json_str(&b, r->pstr[i]);
        else
            json_num(&b, r->pval[i]);
    }
    op_buf_puts(&b, "},\n  \"metrics\": {");
    for (int i = 0; i < r->nmetrics; i++) {
        op_buf_puts(&b, i ? ", " : "");
        op_buf_json_str(&b, r->mname[i]);
        op_buf_puts(&b, ": ");
        json_num(&b, r->mval[i]);
    }
    op_buf_puts(&b, "},\n  \"provenance\": ");
    /* conv: the path the run's models took; threads: a run's own work is single-threaded */
    char path_name[sizeof r->id.conv];
    snprintf(path_name, sizeof path_name, "%s", r->id.conv[0] ? r->id.conv : "auto");
    path_name[strcspn(path_name, "@")] = 0; /* the path; the identity keeps the rule's version */
    rec_provenance_json(&b, path_name, 1, -1);
    op_buf_puts(&b, ",\n  \"timing\": {\"seconds\": ");
    op_buf_json_num(&b, r->seconds);
    op_buf_printf(&b, ", \"rank\": %d, \"sweep_threads\": %d}\n}\n", r->rank, r->sweep_threads);
    if (b.oom) {
        op_buf_free(&b);
        OP_ERROR(OP_ENOMEM, "out of memory writing record '%s'", path);
    }
    int s = op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return s;
}

static int copy_str(const js_entry *e, int n, const char *path, char *out, size_t outlen, int required)
{
    const js_entry *x = js_find(e, n, path);
    if (!x || x->type == JS_NULL) {
        out[0] = 0;
        return required ? -1 : 0;
    }
    if (x->type != JS_STR || strlen(x->str) >= outlen) return -1;
    strcpy(out, x->str);
    return 0;
}

/* The "identity" object (record.h): absent in format-1 records, which read back as
 * format 1 with empty fields (never equal to a current identity); when present, every
 * field is required, so a damaged identity makes the record unreadable (redone). */
static int parse_identity(const js_entry *e, int n, rec_identity *id)
{
    memset(id, 0, sizeof *id);
    const js_entry *f = js_find(e, n, "identity.format");
    if (!f) {
        for (int i = 0; i < n; i++)
            if (strncmp(e[i].path, "identity", 8) == 0) return -1;
        id->format = 1;
        return 0;
    }
    if (f->type != JS_NUM || !(f->num >= 1 && f->num <= 1000000) || f->num != floor(f->num)) return -1;
    id->format = (int)f->num;
    char seed[32];
    int bad = copy_str(e, n, "identity.base_seed", seed, sizeof seed, 1);
    bad |= copy_str(e, n, "identity.preset", id->preset, sizeof id->preset, 1);
    bad |= copy_str(e, n, "identity.conv", id->conv, sizeof id->conv, 1);
    bad |= copy_str(e, n, "identity.dataset", id->dataset, sizeof id->dataset, 1);
    bad |= copy_str(e, n, "identity.dataset_fingerprint", id->dataset_fp, sizeof id->dataset_fp, 1);
    bad |= copy_str(e, n, "identity.isa", id->isa, sizeof id->isa, 0);
    if (!bad && !js_find(e, n, "identity.isa")) {
        /* written before "isa" joined the identity: the class of the set that ran */
        char ran[16];
        bad |= copy_str(e, n, "provenance.isa", ran, sizeof ran, 0);
        snprintf(id->isa, sizeof id->isa, "%s", nn_isa_class(ran));
    }
    if (bad) return -1;
    char *end;
    id->base_seed = strtoull(seed, &end, 10);
    return end == seed || *end ? -1 : 0;
}

int rec_parse(const char *text, rec_record *r)
{
    enum { MAXE = 80 };
    js_entry *e = malloc(MAXE * sizeof *e);
    if (!e) OP_ERROR(OP_ENOMEM, "out of memory reading a record");
    memset(r, 0, sizeof *r);
    int n = js_parse_flat(text, e, MAXE);
    int bad = n < 0;
    char status[16] = "", seed[32] = "";
    if (!bad) {
        bad |= copy_str(e, n, "check", r->check, sizeof r->check, 1);
        bad |= copy_str(e, n, "key", r->key, sizeof r->key, 1);
        bad |= copy_str(e, n, "control", r->control, sizeof r->control, 0);
        bad |= copy_str(e, n, "status", status, sizeof status, 1);
        bad |= copy_str(e, n, "seed", seed, sizeof seed, 1);
        bad |= copy_str(e, n, "message", r->message, sizeof r->message, 0);
        bad |= parse_identity(e, n, &r->id);
    }
    const js_entry *si = bad ? NULL : js_find(e, n, "seed_index");
    if (!si || si->type != JS_NUM) bad = 1;
    if (!bad) {
        r->seed_index = (int)si->num;
        char *end;
        r->seed = strtoull(seed, &end, 10);
        if (end == seed || *end) bad = 1;
        if (strcmp(status, "ok") == 0)
            r->status = REC_OK;
        else if (strcmp(status, "diverged") == 0)
            r->status = REC_DIVERGED;
        else
            bad = 1;
        /* The "timing" object must be present: it is written last, so a record
         * cut anywhere before it cannot parse as complete. */
        const js_entry *t = js_find(e, n, "timing.seconds");
        const js_entry *th = js_find(e, n, "timing.sweep_threads");
        if (!t || !th) bad = 1;
        else {
            r->seconds = t->type == JS_NUM ? t->num : NAN;
            r->sweep_threads = th->type == JS_NUM ? (int)th->num : 0;
            const js_entry *rk = js_find(e, n, "timing.rank"); /* absent before MPI */
            r->rank = rk && rk->type == JS_NUM ? (int)rk->num : 0;
        }
    }
    for (int i = 0; !bad && i < n; i++) {
        if (strncmp(e[i].path, "params.", 7) == 0) {
            if (r->nparams >= REC_MAX_PARAMS || strlen(e[i].path + 7) >= REC_NAME) {
                bad = 1;
                break;
            }
            int k = r->nparams++;
            strcpy(r->pname[k], e[i].path + 7);
            if (e[i].type == JS_STR) {
                if (strlen(e[i].str) >= sizeof r->pstr[k] || !e[i].str[0]) bad = 1;
                else strcpy(r->pstr[k], e[i].str);
                r->pval[k] = NAN;
            } else if (e[i].type == JS_NUM) {
                r->pval[k] = e[i].num;
            } else {
                bad = 1;
            }
        } else if (strncmp(e[i].path, "metrics.", 8) == 0) {
            if (r->nmetrics >= REC_MAX_METRICS || strlen(e[i].path + 8) >= REC_NAME) {
                bad = 1;
                break;
            }
            int k = r->nmetrics++;
            strcpy(r->mname[k], e[i].path + 8);
            if (e[i].type == JS_NUM) r->mval[k] = e[i].num;
            else if (e[i].type == JS_NULL) r->mval[k] = NAN;
            else bad = 1;
        }
    }
    free(e);
    if (bad) OP_ERROR(OP_EIO, "malformed or truncated record");
    return OP_OK;
}

int rec_read(const char *path, rec_record *r)
{
    char *text;
    size_t len;
    OP_TRY(op_read_file(path, &text, &len));
    int s = strlen(text) == len ? rec_parse(text, r) : OP_EIO; /* NUL bytes: not ours */
    free(text);
    if (s == OP_EIO) OP_ERROR(OP_EIO, "record '%s' is malformed or truncated", path);
    return s;
}

/* The data set is identified by its content: equal fingerprints are the same data
 * under whatever path (a copy, another mount), so a run made there is reused. Without
 * files there is no content to compare ("missing"), so then the paths must match too. */
static int same_dataset(const rec_identity *a, const rec_identity *b)
{
    if (strcmp(a->dataset_fp, b->dataset_fp)) return 0;
    return strcmp(a->dataset_fp, "missing") != 0 || strcmp(a->dataset, b->dataset) == 0;
}

int rec_identity_equal(const rec_identity *a, const rec_identity *b)
{
    return a->format == b->format && a->base_seed == b->base_seed && strcmp(a->preset, b->preset) == 0 &&
           strcmp(a->conv, b->conv) == 0 && same_dataset(a, b) && strcmp(a->isa, b->isa) == 0;
}

/* Appends ", <phrase>" (no comma before the first) to buf, truncating at len. */
static void add_phrase(char *buf, int len, const char *fmt, ...)
{
    size_t k = strlen(buf);
    if (k + 1 >= (size_t)len) return;
    if (k) k += (size_t)snprintf(buf + k, (size_t)len - k, ", ");
    if (k + 1 >= (size_t)len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + k, (size_t)len - k, fmt, ap);
    va_end(ap);
}

void rec_identity_diff(const rec_identity *old, const rec_identity *cur, char *buf, int len)
{
    buf[0] = 0;
    if (old->format != cur->format) {
        /* a format-1 record has no other identity fields to compare */
        add_phrase(buf, len, "record format %d, not %d%s", old->format, cur->format,
                   old->format == 1 ? ": written before records named their seed, preset and data set" : "");
        return;
    }
    if (old->base_seed != cur->base_seed)
        add_phrase(buf, len, "seed %llu, not %llu", (unsigned long long)old->base_seed,
                   (unsigned long long)cur->base_seed);
    if (strcmp(old->preset, cur->preset)) add_phrase(buf, len, "preset %s, not %s", old->preset, cur->preset);
    if (same_dataset(old, cur))
        ; /* the same files, maybe under another path: not a difference */
    else if (strcmp(old->dataset, cur->dataset))
        add_phrase(buf, len, "data set %s, not %s", old->dataset, cur->dataset);
    else
        add_phrase(buf, len, "data set files in %s changed: %s, now %s", old->dataset, old->dataset_fp,
                   cur->dataset_fp);
    if (strcmp(old->conv, cur->conv)) add_phrase(buf, len, "conv %s, not %s", old->conv, cur->conv);
    if (strcmp(old->isa, cur->isa))
        add_phrase(buf, len, "instruction set %s, not %s", old->isa[0] ? old->isa : "unknown", cur->isa);
}

double rec_param(const rec_record *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->pname[i], name) == 0) return r->pval[i];
    return NAN;
}

const char *rec_param_str(const rec_record *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->pname[i], name) == 0) return r->pstr[i][0] ? r->pstr[i] : NULL;
    return NULL;
}

double rec_metric(const rec_record *r, const char *name)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (strcmp(r->mname[i], name) == 0) return r->mval[i];
    return NAN;
}
