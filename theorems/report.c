/* DIR/report.md and DIR/report.html: one table of every check under DIR, rebuilt
 * from the verdict files th_verify leaves there (DIR/<id>/verdict-<preset>.txt and
 * verdict-<preset>-control-<NAME>.txt), so successive verify/figures calls into one
 * DIR add up: each row is the latest call of one check, preset and variant. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/version.h"
#include "verify.h"
#include "verify_internal.h"

/* One row: a verdict file, or a check directory left by an older overparam without one. */
typedef struct {
    char check[64], control[64]; /* control: "" for the theorem's own variant */
    char preset[8], seed[24], conv[16], date[32], version[32], commit[48];
    char verdict[16], graded[160], predicted_text[32], control_text[64], discrim[80];
    char figures[TH_MAX_FIGURES][64];
    int nfig;
    char figure_status[96];
    char line[2048];
    char citation[512], claim[512], prediction[256], band_source[512]; /* the check's texts */
    double measured, se, predicted, lo, hi;
    long long mtime_ns; /* of the verdict file: which row's figures are the files on disk */
    int legacy;         /* no verdict file: the check ran under an overparam that wrote none */
    int rank;           /* registry position (unknown ids after the known ones) */
    int fig_owner;      /* 1: the figure files on disk are this row's */
} rp_row;

typedef struct {
    rp_row *row;
    int n, cap;
} rp_rows;

static rp_row *rp_add(rp_rows *rs)
{
    if (rs->n == rs->cap) {
        int cap = rs->cap ? 2 * rs->cap : 16;
        rp_row *p = realloc(rs->row, (size_t)cap * sizeof *p);
        if (!p) return NULL;
        rs->row = p;
        rs->cap = cap;
    }
    rp_row *r = &rs->row[rs->n++];
    memset(r, 0, sizeof *r);
    r->measured = r->se = r->predicted = NAN;
    r->lo = -INFINITY;
    r->hi = INFINITY;
    return r;
}

static int rp_rank(const char *id)
{
    for (int i = 0; i < th_count(); i++)
        if (strcmp(th_at(i)->id, id) == 0) return i;
    return th_count();
}

static void set_str(char *dst, size_t len, const char *src) { snprintf(dst, len, "%s", src); }

/* Parses a verdict file (key=value lines; unknown keys are ignored, so an older report
 * reads a newer file). Values are unescaped in place (\\, \n, \r). */
static void rp_parse(char *text, rp_row *r)
{
    for (char *ln = text; ln && *ln;) {
        char *nl = strchr(ln, '\n');
        if (nl) *nl = 0;
        char *eq = strchr(ln, '=');
        if (ln[0] != '#' && eq) {
            *eq = 0;
            const char *k = ln;
            char *v = eq + 1, *w = v;
            for (char *q = v; *q; q++) {
                if (*q == '\\' && q[1]) {
                    q++;
                    *w++ = *q == 'n' ? '\n' : *q == 'r' ? '\r' : *q;
                } else
                    *w++ = *q;
            }
            *w = 0;
            if (!strcmp(k, "check")) set_str(r->check, sizeof r->check, v);
            else if (!strcmp(k, "control_only")) set_str(r->control, sizeof r->control, v);
            else if (!strcmp(k, "preset")) set_str(r->preset, sizeof r->preset, v);
            else if (!strcmp(k, "base_seed")) set_str(r->seed, sizeof r->seed, v);
            else if (!strcmp(k, "conv")) set_str(r->conv, sizeof r->conv, v);
            else if (!strcmp(k, "date")) set_str(r->date, sizeof r->date, v);
            else if (!strcmp(k, "version")) set_str(r->version, sizeof r->version, v);
            else if (!strcmp(k, "commit")) set_str(r->commit, sizeof r->commit, v);
            else if (!strcmp(k, "verdict")) set_str(r->verdict, sizeof r->verdict, v);
            else if (!strcmp(k, "graded")) set_str(r->graded, sizeof r->graded, v);
            else if (!strcmp(k, "predicted_text")) set_str(r->predicted_text, sizeof r->predicted_text, v);
            else if (!strcmp(k, "control")) set_str(r->control_text, sizeof r->control_text, v);
            else if (!strcmp(k, "discrim")) set_str(r->discrim, sizeof r->discrim, v);
            else if (!strcmp(k, "figure_status")) set_str(r->figure_status, sizeof r->figure_status, v);
            else if (!strcmp(k, "line")) set_str(r->line, sizeof r->line, v);
            else if (!strcmp(k, "citation")) set_str(r->citation, sizeof r->citation, v);
            else if (!strcmp(k, "claim")) set_str(r->claim, sizeof r->claim, v);
            else if (!strcmp(k, "prediction")) set_str(r->prediction, sizeof r->prediction, v);
            else if (!strcmp(k, "band_source")) set_str(r->band_source, sizeof r->band_source, v);
            else if (!strcmp(k, "measured")) r->measured = strtod(v, NULL);
            else if (!strcmp(k, "se")) r->se = strtod(v, NULL);
            else if (!strcmp(k, "predicted")) r->predicted = strtod(v, NULL);
            else if (!strcmp(k, "band_lo")) r->lo = strtod(v, NULL);
            else if (!strcmp(k, "band_hi")) r->hi = strtod(v, NULL);
            else if (!strcmp(k, "figures")) {
                r->nfig = 0;
                for (char *f = v; *f && r->nfig < TH_MAX_FIGURES;) {
                    char *comma = strchr(f, ',');
                    if (comma) *comma = 0;
                    if (*f) set_str(r->figures[r->nfig++], sizeof r->figures[0], f);
                    if (!comma) break;
                    f = comma + 1;
                }
            }
        }
        ln = nl ? nl + 1 : NULL;
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names of the entries of dir (NULL-terminated, caller frees each and the array);
 * NULL if dir cannot be read. */
static char **rp_list(const char *dir, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return NULL;
    int cap = 16;
    char **v = malloc((size_t)cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (*n + 1 >= cap) {
            char **p = realloc(v, (size_t)(cap *= 2) * sizeof *v);
            if (!p) break;
            v = p;
        }
        if (!(v[*n] = strdup(e->d_name))) break;
        (*n)++;
    }
    closedir(d);
    if (!v) return NULL;
    v[*n] = NULL;
    qsort(v, (size_t)*n, sizeof *v, cmp_str);
    return v;
}

static void rp_list_free(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int rp_is_verdict(const char *name)
{
    size_t len = strlen(name);
    return strncmp(name, "verdict-", 8) == 0 && len > 12 && strcmp(name + len - 4, ".txt") == 0;
}

/* The rows of one check directory DIR/<name>: its verdict files; none, and it is a
 * registered check that left a summary.csv or records in runs/, one legacy row. */
static int rp_scan_check(const char *out, const char *name, rp_rows *rs)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", out, name);
    int n;
    char **ents = rp_list(dir, &n);
    if (!ents) return OP_OK; /* unreadable: not a check directory of ours */
    int found = 0, st = OP_OK;
    for (int i = 0; i < n && !st; i++) {
        if (!rp_is_verdict(ents[i])) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]);
        char *text;
        size_t len;
        if (op_read_file(path, &text, &len)) {
            op_error_clear();
            continue;
        }
        rp_row *r = rp_add(rs);
        if (!r) {
            free(text);
            st = OP_ENOMEM;
            break;
        }
        rp_parse(text, r);
        free(text);
        if (!r->check[0]) set_str(r->check, sizeof r->check, name);
        if (!r->preset[0]) set_str(r->preset, sizeof r->preset, strstr(ents[i], "-full") ? "full" : "quick");
        struct stat sb;
        if (stat(path, &sb) == 0) r->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
        r->rank = rp_rank(r->check);
        found = 1;
    }
    if (!found && !st && th_find(name)) {
        char p1[4200], p2[4200];
        snprintf(p1, sizeof p1, "%s/summary.csv", dir);
        snprintf(p2, sizeof p2, "%s/runs", dir);
        int nr = 0;
        char **recs = rp_list(p2, &nr); /* a runs/ directory with records in it */
        if (recs) rp_list_free(recs, nr);
        if (op_file_exists(p1) || nr > 0) {
            rp_row *r = rp_add(rs);
            if (!r)
                st = OP_ENOMEM;
            else {
                set_str(r->check, sizeof r->check, name);
                r->legacy = 1;
                r->rank = rp_rank(name);
            }
        }
    }
    rp_list_free(ents, n);
    return st;
}

static int rp_cmp(const void *pa, const void *pb)
{
    const rp_row *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    int c = strcmp(a->check, b->check);
    if (c) return c;
    if ((a->control[0] != 0) != (b->control[0] != 0)) return a->control[0] ? 1 : -1;
    if ((c = strcmp(a->control, b->control))) return c;
    /* quick before full */
    return strcmp(b->preset, a->preset);
}

/* The figure files of a check (or of one --control variant) carry no preset in their
 * names: they hold the latest call that drew them. That row owns them; the others say so. */
static void rp_owners(rp_rows *rs)
{
    for (int i = 0; i < rs->n; i++) {
        rp_row *r = &rs->row[i];
        if (!r->nfig) continue;
        int owner = 1;
        for (int j = 0; j < rs->n; j++) {
            const rp_row *o = &rs->row[j];
            if (j == i || !o->nfig || strcmp(o->check, r->check) || strcmp(o->control, r->control)) continue;
            if (o->mtime_ns > r->mtime_ns || (o->mtime_ns == r->mtime_ns && j > i)) owner = 0;
        }
        r->fig_owner = owner;
    }
}

static const rp_row *rp_owner_of(const rp_rows *rs, const rp_row *r)
{
    for (int j = 0; j < rs->n; j++) {
        const rp_row *o = &rs->row[j];
        if (o->fig_owner && !strcmp(o->check, r->check) && !strcmp(o->control, r->control)) return o;
    }
    return NULL;
}

/* "2026-12-06T22:30:05Z" -> "2026-12-06 22:30" */
static void rp_date(const rp_row *r, char *buf, size_t len)
{
    if (strlen(r->date) >= 16 && r->date[10] == 'T')
        snprintf(buf, len, "%.10s %.5s", r->date, r->date + 11);
    else
        snprintf(buf, len, "%s", r->date[0] ? r->date : "?");
}

static void rp_id(const rp_row *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", r->check, r->control[0] ? "/" : "", r->control);
}

/* The preset cell: "quick", "full", plus a forced convolution path. */
static void rp_preset(const rp_row *r, char *buf, size_t len)
{
    if (r->conv[0] && strcmp(r->conv, "auto") != 0)
        snprintf(buf, len, "%s, conv=%s", r->preset, r->conv);
    else
        snprintf(buf, len, "%s", r->preset);
}

static void cells(const rp_row *r, char *meas, char *pred, char *band, size_t len)
{
    char m[32], se[32], lo[32], hi[32];
    th_fmt_num(m, sizeof m, r->measured);
    th_fmt_num(se, sizeof se, r->se);
    snprintf(meas, len, "%s ± %s", m, se);
    if (r->predicted_text[0])
        snprintf(pred, len, "%s", r->predicted_text);
    else
        th_fmt_num(pred, len, r->predicted);
    th_fmt_num(lo, sizeof lo, r->lo);
    th_fmt_num(hi, sizeof hi, r->hi);
    snprintf(band, len, "[%s, %s]", lo, hi);
}

/* HTML text and attribute values: < > & " escaped. */
static void html_esc(op_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') op_buf_puts(b, "&lt;");
        else if (*s == '>') op_buf_puts(b, "&gt;");
        else if (*s == '&') op_buf_puts(b, "&amp;");
        else if (*s == '"') op_buf_puts(b, "&quot;");
        else op_buf_printf(b, "%c", *s);
    }
}

static void html_cell(op_buf *b, const char *s)
{
    op_buf_puts(b, "<td>");
    html_esc(b, s);
    op_buf_puts(b, "</td>");
}

/* A Markdown table cell: | escaped, line breaks as blanks. */
static void md_cell(op_buf *b, const char *s)
{
    op_buf_puts(b, " ");
    for (; *s; s++) {
        if (*s == '|') op_buf_puts(b, "\\|");
        else if (*s == '\n' || *s == '\r') op_buf_puts(b, " ");
        else op_buf_printf(b, "%c", *s);
    }
    op_buf_puts(b, " |");
}

/* Appends the PNG as a base64 data URI so report.html is self-contained; falls
 * back to a relative link if the file cannot be read. */
static void img_tag(op_buf *h, const char *out, const char *id, const char *fig)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s.png", out, id, fig);
    char *data;
    size_t len;
    if (op_read_file(path, &data, &len)) {
        op_error_clear();
        op_buf_puts(h, "<p><img src=\"");
        html_esc(h, id);
        op_buf_puts(h, "/");
        html_esc(h, fig);
        op_buf_puts(h, ".png\" alt=\"");
        html_esc(h, fig);
        op_buf_puts(h, "\"></p>\n");
        return;
    }
    op_buf_puts(h, "<p><img alt=\"");
    html_esc(h, fig);
    op_buf_puts(h, "\" src=\"data:image/png;base64,");
    const unsigned char *u = (const unsigned char *)data;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)u[i] << 16 | (i + 1 < len ? (unsigned)u[i + 1] << 8 : 0) |
                     (i + 2 < len ? u[i + 2] : 0);
        char q[5] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < len ? b64[v >> 6 & 63] : '=',
                     i + 2 < len ? b64[v & 63] : '=', 0};
        op_buf_puts(h, q);
    }
    op_buf_puts(h, "\"></p>\n");
    free(data);
}

static const char *rp_legacy_text = "no verdict file (written by an older overparam): rerun verify on this "
                                    "check with its preset; its finished runs are reused";

/* One table row of both files. */
static void rp_table_row(op_buf *md, op_buf *h, const rp_rows *rs, const rp_row *r)
{
    char id[160], preset[48], meas[128], pred[128], band[128], date[32];
    rp_id(r, id, sizeof id);
    op_buf_puts(md, "|");
    md_cell(md, id);
    op_buf_puts(h, "<tr><td><a href=\"#");
    html_esc(h, r->check);
    op_buf_puts(h, "\">");
    html_esc(h, id);
    op_buf_puts(h, "</a></td>");
    if (r->legacy) {
        md_cell(md, "?");
        md_cell(md, "?");
        md_cell(md, rp_legacy_text);
        for (int k = 0; k < 9; k++) md_cell(md, "");
        op_buf_puts(md, "\n");
        op_buf_puts(h, "<td>?</td><td>?</td><td colspan=\"10\">");
        html_esc(h, rp_legacy_text);
        op_buf_puts(h, "</td></tr>\n");
        return;
    }
    rp_preset(r, preset, sizeof preset);
    cells(r, meas, pred, band, sizeof meas);
    rp_date(r, date, sizeof date);
    const char *graded = r->graded[0] ? r->graded : "see the check's prediction";
    const char *vals[] = {preset, r->seed, r->verdict, graded, meas, pred, band, r->control_text,
                          r->discrim[0] ? r->discrim : "skipped", date, r->commit};
    for (int k = 0; k < (int)(sizeof vals / sizeof vals[0]); k++) {
        md_cell(md, vals[k]);
        if (k == 2) { /* the verdict cell is coloured by its grade */
            op_buf_puts(h, "<td class=\"");
            html_esc(h, r->verdict);
            op_buf_puts(h, "\">");
            html_esc(h, r->verdict);
            op_buf_puts(h, "</td>");
        } else
            html_cell(h, vals[k]);
    }
    op_buf_puts(md, " ");
    op_buf_puts(h, "<td>");
    if (r->nfig && !r->fig_owner) {
        const rp_row *o = rp_owner_of(rs, r);
        char od[32] = "";
        if (o) rp_date(o, od, sizeof od);
        op_buf_printf(md, "(figure files: the %s run of %s)", o ? o->preset : "later", od);
        op_buf_printf(h, "(figure files: the %s run of %s)", o ? o->preset : "later", od);
    } else {
        for (int f = 0; f < r->nfig; f++) {
            const char *fg = r->figures[f];
            op_buf_printf(md, "%s[%s](%s/%s.png) ([pdf](%s/%s.pdf), [data](%s/%s.dat))", f ? "<br>" : "", fg,
                          r->check, fg, r->check, fg, r->check, fg);
            op_buf_puts(h, f ? "<br><a href=\"" : "<a href=\"");
            html_esc(h, r->check);
            op_buf_puts(h, "/");
            html_esc(h, fg);
            op_buf_puts(h, ".png\">");
            html_esc(h, fg);
            op_buf_puts(h, "</a>");
        }
        if (r->figure_status[0]) {
            op_buf_printf(md, " (%s)", r->figure_status);
            op_buf_puts(h, " (");
            html_esc(h, r->figure_status);
            op_buf_puts(h, ")");
        }
    }
    op_buf_puts(md, " |\n");
    op_buf_puts(h, "</td></tr>\n");
}

/* The section of one check: its texts (from the registry), every row's verdict line,
 * its controls, and the figures on disk. */
static void rp_section(op_buf *md, op_buf *h, const char *out, const rp_rows *rs, int first, int last)
{
    const rp_row *r0 = &rs->row[first];
    const th_check *c = th_find(r0->check);
    op_buf_printf(md, "## %s\n\n", r0->check);
    op_buf_puts(h, "<h2 id=\"");
    html_esc(h, r0->check);
    op_buf_puts(h, "\">");
    html_esc(h, r0->check);
    op_buf_puts(h, "</h2>\n");
    /* the texts from the registry, else (a study, theorems/study.h, run by another call)
     * from the verdict file */
    const char *cit = c ? c->citation : r0->citation, *claim = c ? c->claim : r0->claim;
    const char *pred = c ? c->prediction : r0->prediction, *bsrc = c ? c->band_source : r0->band_source;
    const char *graded = c ? c->graded : r0->graded[0] ? r0->graded : NULL;
    if (c || claim[0]) {
        op_buf_printf(md, "%s\n\n*Claim:* %s\n\n*Prediction:* %s (band source: %s)\n\n", cit, claim, pred, bsrc);
        op_buf_puts(h, "<p>");
        html_esc(h, cit);
        op_buf_puts(h, "</p>\n<p><i>Claim:</i> ");
        html_esc(h, claim);
        op_buf_puts(h, "</p>\n<p><i>Prediction:</i> ");
        html_esc(h, pred);
        op_buf_puts(h, " (band source: ");
        html_esc(h, bsrc);
        op_buf_puts(h, ")</p>\n");
        if (graded) {
            op_buf_printf(md, "*Graded quantity:* %s\n\n", graded);
            op_buf_puts(h, "<p><i>Graded quantity:</i> ");
            html_esc(h, graded);
            op_buf_puts(h, "</p>\n");
        }
    } else {
        op_buf_puts(md, "(not a check of this overparam build)\n\n");
        op_buf_puts(h, "<p>(not a check of this overparam build)</p>\n");
    }
    for (int i = first; i <= last; i++) {
        const rp_row *r = &rs->row[i];
        char id[160], preset[48], date[32], head[400];
        rp_id(r, id, sizeof id);
        if (r->legacy) {
            snprintf(head, sizeof head, "%s: %s", id, rp_legacy_text);
            op_buf_printf(md, "%s\n\n", head);
            op_buf_puts(h, "<p>");
            html_esc(h, head);
            op_buf_puts(h, "</p>\n");
            continue;
        }
        rp_preset(r, preset, sizeof preset);
        rp_date(r, date, sizeof date);
        snprintf(head, sizeof head, "%s, %s preset, seed %s, %s UTC, overparam %s commit %s:", id, preset, r->seed,
                 date, r->version, r->commit);
        op_buf_printf(md, "%s\n\n    %s\n\n", head, r->line);
        op_buf_puts(h, "<p>");
        html_esc(h, head);
        op_buf_puts(h, "</p>\n<pre>");
        html_esc(h, r->line);
        op_buf_puts(h, "</pre>\n");
    }
    if (c)
        for (int k = 0; k < th_ncontrols(c); k++) {
            const char *nm = c->controls[k].near_miss ? " (near miss)" : "";
            op_buf_printf(md, "- control `%s`%s: %s\n", c->controls[k].name, nm, c->controls[k].what);
            op_buf_puts(h, "<p>control <code>");
            html_esc(h, c->controls[k].name);
            op_buf_printf(h, "</code>%s: ", nm);
            html_esc(h, c->controls[k].what);
            op_buf_puts(h, "</p>\n");
        }
    op_buf_puts(md, "\n");
    for (int i = first; i <= last; i++) {
        const rp_row *r = &rs->row[i];
        if (!r->fig_owner) continue;
        char id[160], date[32], cap[300];
        rp_id(r, id, sizeof id);
        rp_date(r, date, sizeof date);
        snprintf(cap, sizeof cap, "Figures of %s from the %s run of %s UTC:", id, r->preset, date);
        op_buf_printf(md, "%s\n\n", cap);
        op_buf_puts(h, "<p>");
        html_esc(h, cap);
        op_buf_puts(h, "</p>\n");
        for (int f = 0; f < r->nfig; f++) {
            op_buf_printf(md, "![%s](%s/%s.png)\n\n", r->figures[f], r->check, r->figures[f]);
            if (!r->figure_status[0]) img_tag(h, out, r->check, r->figures[f]);
        }
        if (r->figure_status[0]) {
            op_buf_printf(md, "(%s)\n\n", r->figure_status);
            op_buf_puts(h, "<p>(");
            html_esc(h, r->figure_status);
            op_buf_puts(h, ")</p>\n");
        }
    }
}

int th_report_write(const char *out)
{
    rp_rows rs = {0};
    int n;
    char **ents = rp_list(out, &n);
    if (!ents) OP_ERROR(OP_EIO, "report: cannot read the output directory %s", out);
    int s = OP_OK;
    for (int i = 0; i < n && !s; i++) {
        char p[4096];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", out, ents[i]);
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) s = rp_scan_check(out, ents[i], &rs);
    }
    rp_list_free(ents, n);
    if (s) {
        free(rs.row);
        return s;
    }
    qsort(rs.row, (size_t)rs.n, sizeof *rs.row, rp_cmp);
    rp_owners(&rs);

    op_buf md, h;
    op_buf_init(&md);
    op_buf_init(&h);
    op_buf_puts(&md, "# overparam report\n\n");
    op_buf_printf(&md,
                  "Every check under this directory with its latest result per preset (one row per check, preset "
                  "and --control variant; each row names the call that produced it). Written by overparam %s, "
                  "commit %s, %s.\n\n",
                  OP_VERSION, OP_GIT_COMMIT, OP_COMPILER);
    op_buf_puts(&md, "| check | preset | seed | verdict | graded quantity | measured | predicted | band | control | "
                     "discrim | date (UTC) | commit | figures |\n"
                     "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    op_buf_puts(&h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>overparam report</title>\n"
                    "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
                    "table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:0.85em}"
                    "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;overflow-wrap:anywhere}"
                    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:6px}"
                    ".PASS{color:#1a7f37}.MARGINAL{color:#9a6700}.FAIL{color:#cf222e}"
                    "img{max-width:100%;height:auto}</style></head><body>\n<h1>overparam report</h1>\n");
    op_buf_puts(&h, "<p>Every check under this directory with its latest result per preset (one row per check, "
                    "preset and --control variant; each row names the call that produced it). Written by overparam ");
    html_esc(&h, OP_VERSION);
    op_buf_puts(&h, ", commit ");
    html_esc(&h, OP_GIT_COMMIT);
    op_buf_puts(&h, ", ");
    html_esc(&h, OP_COMPILER);
    op_buf_puts(&h, ".</p>\n");
    /* fixed column widths: a long token (a 20-digit seed, a dirty commit) wraps inside
     * its column instead of widening the page */
    op_buf_puts(&h, "<table><colgroup>");
    static const int width_pct[] = {10, 6, 6, 7, 10, 8, 8, 7, 9, 7, 7, 7, 8};
    for (int k = 0; k < (int)(sizeof width_pct / sizeof width_pct[0]); k++)
        op_buf_printf(&h, "<col style=\"width:%d%%\">", width_pct[k]);
    op_buf_puts(&h, "</colgroup>\n");
    op_buf_puts(&h, "<tr><th>check</th><th>preset</th><th>seed</th><th>verdict</th><th>graded quantity</th>"
                    "<th>measured</th><th>predicted</th><th>band</th><th>control</th><th>discrim</th>"
                    "<th>date (UTC)</th><th>commit</th><th>figures</th></tr>\n");
    for (int i = 0; i < rs.n; i++) rp_table_row(&md, &h, &rs, &rs.row[i]);
    op_buf_puts(&h, "</table>\n");
    op_buf_puts(&md, "\n");
    for (int i = 0; i < rs.n;) {
        int j = i;
        while (j + 1 < rs.n && strcmp(rs.row[j + 1].check, rs.row[i].check) == 0) j++;
        rp_section(&md, &h, out, &rs, i, j);
        i = j + 1;
    }
    op_buf_puts(&h, "</body></html>\n");
    free(rs.row);
    if (md.oom || h.oom) s = op_error_set(OP_ENOMEM, __FILE__, __LINE__, "out of memory writing the report");
    char path[4096];
    if (!s) {
        snprintf(path, sizeof path, "%s/report.md", out);
        s = op_write_atomic(path, md.s, md.len);
    }
    if (!s) {
        snprintf(path, sizeof path, "%s/report.html", out);
        s = op_write_atomic(path, h.s, h.len);
    }
    op_buf_free(&md);
    op_buf_free(&h);
    return s;
}
