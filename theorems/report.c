/* DIR/report.md and DIR/report.html: one table of all checks run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "verify.h"
#include "verify_internal.h"

static void cells(const th_result *r, char *meas, char *pred, char *band, size_t len)
{
    const th_verdict *v = r->has_main ? &r->main : &r->control[0];
    char m[32], se[32], lo[32], hi[32];
    th_fmt_num(m, sizeof m, v->measured);
    th_fmt_num(se, sizeof se, v->se);
    snprintf(meas, len, "%s ± %s", m, se);
    if (v->predicted_text[0])
        snprintf(pred, len, "%s", v->predicted_text);
    else
        th_fmt_num(pred, len, v->predicted);
    th_fmt_num(lo, sizeof lo, v->lo);
    th_fmt_num(hi, sizeof hi, v->hi);
    snprintf(band, len, "[%s, %s]", lo, hi);
}

static const char *verdict_of(const th_result *r)
{
    return r->control_only ? st_grade_name(r->control[0].grade) : st_grade_name(r->final);
}

static void html_esc(op_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') op_buf_puts(b, "&lt;");
        else if (*s == '>') op_buf_puts(b, "&gt;");
        else if (*s == '&') op_buf_puts(b, "&amp;");
        else op_buf_printf(b, "%c", *s);
    }
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
        op_buf_printf(h, "<p><img src=\"%s/%s.png\" alt=\"%s\"></p>\n", id, fig, fig);
        return;
    }
    op_buf_printf(h, "<p><img alt=\"%s\" src=\"data:image/png;base64,", fig);
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

int th_report_write(const char *out, const th_result *r, int n)
{
    op_buf md, h;
    op_buf_init(&md);
    op_buf_init(&h);
    op_buf_puts(&md, "# overparam report\n\n");
    op_buf_printf(&md, "overparam %s, commit %s, %s.\n\n", OP_VERSION, OP_GIT_COMMIT, OP_COMPILER);
    op_buf_puts(&md, "| check | verdict | measured | predicted | band | control | discrim | figures |\n"
                     "|---|---|---|---|---|---|---|---|\n");
    op_buf_puts(&h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>overparam report</title>\n"
                    "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
                    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}"
                    ".PASS{color:#1a7f37}.MARGINAL{color:#9a6700}.FAIL{color:#cf222e}"
                    "img{max-width:100%}</style></head><body>\n<h1>overparam report</h1>\n");
    op_buf_printf(&h, "<p>overparam %s, commit %s, %s.</p>\n", OP_VERSION, OP_GIT_COMMIT, OP_COMPILER);
    op_buf_puts(&h, "<table><tr><th>check</th><th>verdict</th><th>measured</th><th>predicted</th>"
                    "<th>band</th><th>control</th><th>discrim</th><th>figures</th></tr>\n");
    for (int i = 0; i < n; i++) {
        char meas[128], pred[128], band[128], id[128];
        cells(&r[i], meas, pred, band, sizeof meas);
        snprintf(id, sizeof id, "%s%s%s", r[i].check->id, r[i].control_only ? "/" : "",
                 r[i].control_only ? r[i].control_name[0] : "");
        const char *vd = verdict_of(&r[i]);
        /* discrim: the nearest near-miss control's z (s.e. outside the band), "none" without one */
        const char *dz = r[i].ncontrols ? r[i].discrim_text : "skipped";
        op_buf_printf(&md, "| %s | %s | %s | %s | %s | %s | %s | ", id, vd, meas, pred, band, r[i].control_text, dz);
        op_buf_printf(&h, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>",
                      id, vd, vd, meas, pred, band, r[i].control_text, dz);
        for (int f = 0; f < r[i].nfig; f++) {
            op_buf_printf(&md, "%s[%s](%s/%s.png) ([pdf](%s/%s.pdf), [data](%s/%s.dat))", f ? "<br>" : "",
                          r[i].fig[f], r[i].check->id, r[i].fig[f], r[i].check->id, r[i].fig[f],
                          r[i].check->id, r[i].fig[f]);
            op_buf_printf(&h, "%s<a href=\"%s/%s.png\">%s</a>", f ? "<br>" : "", r[i].check->id, r[i].fig[f],
                          r[i].fig[f]);
        }
        if (r[i].figure_status[0]) op_buf_printf(&md, " (%s)", r[i].figure_status);
        op_buf_puts(&md, " |\n");
        op_buf_puts(&h, "</td></tr>\n");
    }
    op_buf_puts(&h, "</table>\n");
    op_buf_puts(&md, "\n");
    for (int i = 0; i < n; i++) {
        const th_check *c = r[i].check;
        op_buf_printf(&md, "## %s\n\n%s\n\n*Claim:* %s\n\n*Prediction:* %s (band source: %s)\n\n", c->id,
                      c->citation, c->claim, c->prediction, c->band_source);
        op_buf_printf(&md, "    %s\n\n", r[i].line);
        op_buf_printf(&h, "<h2>%s</h2>\n<p>", c->id);
        html_esc(&h, c->citation);
        op_buf_puts(&h, "</p>\n<p><i>Claim:</i> ");
        html_esc(&h, c->claim);
        op_buf_puts(&h, "</p>\n<p><i>Prediction:</i> ");
        html_esc(&h, c->prediction);
        op_buf_puts(&h, " (band source: ");
        html_esc(&h, c->band_source);
        op_buf_puts(&h, ")</p>\n<pre>");
        html_esc(&h, r[i].line);
        op_buf_puts(&h, "</pre>\n");
        for (int k = 0; k < th_ncontrols(c); k++) {
            const char *nm = c->controls[k].near_miss ? " (near miss)" : "";
            op_buf_printf(&md, "- control `%s`%s: %s\n", c->controls[k].name, nm, c->controls[k].what);
            op_buf_printf(&h, "<p>control <code>%s</code>%s: ", c->controls[k].name, nm);
            html_esc(&h, c->controls[k].what);
            op_buf_puts(&h, "</p>\n");
        }
        op_buf_puts(&md, "\n");
        for (int f = 0; f < r[i].nfig; f++) {
            op_buf_printf(&md, "![%s](%s/%s.png)\n\n", r[i].fig[f], c->id, r[i].fig[f]);
            if (!r[i].figure_status[0]) img_tag(&h, out, c->id, r[i].fig[f]);
        }
        if (r[i].figure_status[0]) {
            op_buf_printf(&h, "<p>(%s)</p>\n", r[i].figure_status);
            op_buf_printf(&md, "(%s)\n\n", r[i].figure_status);
        }
    }
    op_buf_puts(&h, "</body></html>\n");
    int s = OP_OK;
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
