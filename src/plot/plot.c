#define _GNU_SOURCE
#include "plot.h"

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/progress.h"

extern char **environ;

/* The colour "RRGGBB" of house line style ls, read from the style text itself
 * (pl_style_gp, "set style line <ls> lc rgb \"#RRGGBB\""), so there is one colour table.
 * 0 if the style has none. */
static int style_rgb(int ls, char rgb[7])
{
    char pat[48];
    snprintf(pat, sizeof pat, "set style line %d lc rgb \"#", ls);
    const char *p = strstr(pl_style_gp, pat);
    if (!p) return 0;
    p += strlen(pat);
    for (int i = 0; i < 6; i++) {
        if (!isxdigit((unsigned char)p[i])) return 0;
        rgb[i] = p[i];
    }
    rgb[6] = 0;
    return 1;
}

static int any_finite(const double *v, int n)
{
    if (!v) return 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) return 1;
    return 0;
}

/* The legend title of curve s's fit (which = 0) or predicted (1) line. */
static const char *line_title(const pl_series *s, int which)
{
    return which ? (s->pred_title ? s->pred_title : "predicted") : (s->fit_title ? s->fit_title : "fit");
}

/* 1 if an earlier curve of f draws a fit (which = 0) or predicted (1) line with the
 * same legend title as curve k's: the legend names a line style once (e.g. seven
 * "fit over window" lines, one per colour, get one entry), so a figure of many curves
 * keeps a legend that fits beside it. */
static int title_seen(const pl_figure *f, int k, int which)
{
    for (int j = 0; j < k; j++) {
        const pl_series *o = &f->s[j];
        if (any_finite(which ? o->pred : o->fit, o->n) && strcmp(line_title(&f->s[k], which), line_title(o, which)) == 0)
            return 1;
    }
    return 0;
}

static void gp_str(op_buf *b, const char *s);

/* The legend part of curve k's fit (which = 0) or predicted (1) line. */
static void line_legend(op_buf *b, const pl_figure *f, int k, int which)
{
    if (title_seen(f, k, which)) {
        op_buf_puts(b, "notitle");
        return;
    }
    op_buf_puts(b, "title ");
    gp_str(b, line_title(&f->s[k], which));
}

static int has_band(const pl_series *s)
{
    return s->band_title && any_finite(s->blo, s->n) && any_finite(s->bhi, s->n);
}

static void put_num(op_buf *b, const double *v, int i)
{
    if (v && isfinite(v[i]))
        op_buf_printf(b, " %.10g", v[i]);
    else
        op_buf_puts(b, " NaN");
}

/* gnuplot string literal in double quotes: escape backslash and quote. */
static void gp_str(op_buf *b, const char *s)
{
    op_buf_puts(b, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') op_buf_puts(b, "\\");
        op_buf_printf(b, "%c", *s);
    }
    op_buf_puts(b, "\"");
}

/* The x range of the data (finite x, > 0 on a log axis); 0 if there is none. */
static int data_x_range(const pl_figure *f, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int k = 0; k < f->nseries; k++)
        for (int i = 0; i < f->s[k].n; i++) {
            double x = f->s[k].x[i];
            if (!isfinite(x) || (f->logx && !(x > 0))) continue;
            *lo = fmin(*lo, x);
            *hi = fmax(*hi, x);
        }
    return *lo <= *hi;
}

/* A reference bound as drawn: NaN when it is not drawn (infinite, or <= 0 on a log y axis). */
static double ref_end(const pl_figure *f, double v)
{
    return isfinite(v) && (!f->logy || v > 0) ? v : NAN;
}

static int write_dat(const pl_figure *f)
{
    op_buf b;
    op_buf_init(&b);
    op_buf_printf(&b, "# overparam figure %s: %s\n", f->name, f->title ? f->title : "");
    op_buf_printf(&b, "# x = %s; y = %s\n", f->xlabel ? f->xlabel : "x", f->ylabel ? f->ylabel : "y");
    op_buf_puts(&b, "# one block per curve (gnuplot 'index i'); NaN = not defined at this x\n");
    for (int k = 0; k < f->nseries; k++) {
        const pl_series *s = &f->s[k];
        if (k) op_buf_puts(&b, "\n\n");
        int band = has_band(s);
        op_buf_printf(&b, "# block %d: %s\n", k, s->title ? s->title : "");
        op_buf_printf(&b, "# x y_measured y_lo y_hi y_fit y_predicted%s\n", band ? " band_lo band_hi" : "");
        for (int i = 0; i < s->n; i++) {
            op_buf_printf(&b, "%.10g", s->x[i]);
            put_num(&b, s->y, i);
            put_num(&b, s->ylo, i);
            put_num(&b, s->yhi, i);
            put_num(&b, s->fit, i);
            put_num(&b, s->pred, i);
            if (band) {
                put_num(&b, s->blo, i);
                put_num(&b, s->bhi, i);
            }
            op_buf_puts(&b, "\n");
        }
    }
    /* one block per reference: the bounds at both ends of the data's x range */
    double xlo, xhi;
    int hasx = data_x_range(f, &xlo, &xhi);
    for (int j = 0; j < f->nrefs; j++) {
        const pl_ref *r = &f->refs[j];
        op_buf_printf(&b, "\n\n# block %d: reference %s\n# x lo hi\n", f->nseries + j, r->label ? r->label : "");
        for (int e = 0; hasx && e < 2; e++) {
            double lo = ref_end(f, r->lo), hi = ref_end(f, r->hi);
            op_buf_printf(&b, "%.10g", e ? xhi : xlo);
            put_num(&b, &lo, 0);
            put_num(&b, &hi, 0);
            op_buf_puts(&b, "\n");
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.dat", f->dir, f->name);
    int st = b.oom ? OP_ENOMEM : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return st;
}

/* A log x axis gets tick labels only at powers of ten: a data range holding fewer
 * than three of them (n = 128..1024, D = 16..64, M = 1..16, m = 32..2048) shows two
 * labels or fewer. Then the distinct x values of the data become the tics if there
 * are at most 8 and no two crowd each other (closer than 1/25 of the range in log),
 * else 1, 2, 5 x 10^k; writes the "set xtics (...)" line, else nothing (gnuplot's
 * tics are kept). */
static void log_x_tics(op_buf *b, const pl_figure *f)
{
    double v[8], lo, hi;
    int nv = 0, many = 0;
    if (!data_x_range(f, &lo, &hi) || !(lo < hi)) return;
    if (floor(log10(hi)) - ceil(log10(lo)) >= 2) return; /* 3+ powers of ten in range */
    for (int k = 0; k < f->nseries && !many; k++)
        for (int i = 0; i < f->s[k].n; i++) {
            double x = f->s[k].x[i];
            if (!isfinite(x) || x <= 0) continue;
            int j = 0;
            while (j < nv && v[j] != x) j++;
            if (j < nv) continue;
            if (nv == 8) {
                many = 1;
                break;
            }
            while (j > 0 && v[j - 1] > x) { /* ascending insertion */
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
            nv++;
        }
    double span = log10(hi / lo);
    for (int j = 1; j < nv && !many; j++)
        if (log10(v[j] / v[j - 1]) < span / 25) many = 1;
    op_buf_puts(b, "set xtics (");
    if (!many) {
        for (int j = 0; j < nv; j++) op_buf_printf(b, "%s%.10g", j ? ", " : "", v[j]);
    } else {
        static const double m[3] = {1, 2, 5};
        int first = 1;
        for (int e = (int)floor(log10(lo)); e <= (int)floor(log10(hi)); e++)
            for (int j = 0; j < 3; j++) {
                double t = m[j] * pow(10, e);
                if (t < lo * (1 - 1e-9) || t > hi * (1 + 1e-9)) continue;
                op_buf_printf(b, "%s%.10g", first ? "" : ", ", t);
                first = 0;
            }
        if (first) op_buf_printf(b, "%.10g, %.10g", lo, hi); /* a range inside one 1-2-5 step */
    }
    op_buf_puts(b, ")\n");
}

/* A linear x axis whose data sit at a few integers (k = 2, 4; d = 1..6) is labelled at
 * exactly those values: gnuplot's own tics would put 2.5 and 3.5 between them. */
static void lin_x_tics(op_buf *b, const pl_figure *f)
{
    double v[8];
    int nv = 0;
    for (int k = 0; k < f->nseries; k++)
        for (int i = 0; i < f->s[k].n; i++) {
            double x = f->s[k].x[i];
            if (!isfinite(x)) continue;
            if (x != floor(x) || fabs(x) > 1e9) return;
            int j = 0;
            while (j < nv && v[j] != x) j++;
            if (j < nv) continue;
            if (nv == 8) return;
            while (j > 0 && v[j - 1] > x) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
            nv++;
        }
    if (nv < 2) return;
    op_buf_puts(b, "set xtics (");
    for (int j = 0; j < nv; j++) op_buf_printf(b, "%s%.10g", j ? ", " : "", v[j]);
    op_buf_puts(b, ")\nset autoscale xfix\nset offsets graph 0.04, graph 0.04, 0, 0\n");
}

/* The same for a log y axis: gnuplot widens the range to whole decades and labels
 * only their ends (a loss between 0.36 and 0.7 on an axis labelled 0.1 and 1), so
 * when the data hold fewer than two powers of ten, 2, 3, 4, 5, 7 x 10^k are added. */
static void log_y_tics(op_buf *b, const pl_figure *f)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < f->nseries; k++) {
        const pl_series *s = &f->s[k];
        int band = has_band(s);
        const double *cols[7] = {s->y, s->ylo, s->yhi, s->fit, s->pred, band ? s->blo : NULL, band ? s->bhi : NULL};
        for (int c = 0; c < 7; c++)
            for (int i = 0; cols[c] && i < f->s[k].n; i++)
                if (isfinite(cols[c][i]) && cols[c][i] > 0) {
                    lo = fmin(lo, cols[c][i]);
                    hi = fmax(hi, cols[c][i]);
                }
    }
    for (int j = 0; j < f->nrefs; j++) {
        double e[2] = {ref_end(f, f->refs[j].lo), ref_end(f, f->refs[j].hi)};
        for (int c = 0; c < 2; c++)
            if (isfinite(e[c])) {
                lo = fmin(lo, e[c]);
                hi = fmax(hi, e[c]);
            }
    }
    if (!(lo <= hi) || floor(log10(hi)) - ceil(log10(lo)) >= 1) return;
    static const double m[5] = {2, 3, 4, 5, 7};
    op_buf_puts(b, "set ytics add (");
    int first = 1;
    for (int e = (int)floor(log10(lo)); e <= (int)floor(log10(hi)); e++)
        for (int j = 0; j < 5; j++) {
            op_buf_printf(b, "%s%g", first ? "" : ", ", m[j] * pow(10, e));
            first = 0;
        }
    op_buf_puts(b, ")\n");
}

/* Every drawn mark of the figure in axis units (log10 on a log axis): measured points,
 * error-bar ends, fit and predicted line points, and each reference line or band edge
 * at both ends of the data's x range. Returns how many were written to xy (2 per mark),
 * at most cap marks. */
static int figure_marks(const pl_figure *f, double *xy, int cap)
{
    int m = 0;
    for (int k = 0; k < f->nseries; k++) {
        const pl_series *s = &f->s[k];
        const double *cols[7] = {s->y, s->ylo, s->yhi, s->fit, s->pred, NULL, NULL};
        if (has_band(s)) {
            cols[5] = s->blo;
            cols[6] = s->bhi;
        }
        for (int i = 0; i < s->n; i++) {
            double x = s->x[i];
            if (!isfinite(x) || (f->logx && !(x > 0))) continue;
            for (int c = 0; c < 7; c++) {
                if (!cols[c]) continue;
                double y = cols[c][i];
                if (!isfinite(y) || (f->logy && !(y > 0)) || m == cap) continue;
                xy[2 * m] = f->logx ? log10(x) : x;
                xy[2 * m + 1] = f->logy ? log10(y) : y;
                m++;
            }
        }
    }
    double xlo, xhi;
    if (!data_x_range(f, &xlo, &xhi)) return m;
    for (int j = 0; j < f->nrefs; j++) {
        double e[2] = {ref_end(f, f->refs[j].lo), ref_end(f, f->refs[j].hi)};
        for (int c = 0; c < 2; c++)
            for (int end = 0; end < 2 && isfinite(e[c]) && m < cap; end++, m++) {
                double x = end ? xhi : xlo;
                xy[2 * m] = f->logx ? log10(x) : x;
                xy[2 * m + 1] = f->logy ? log10(e[c]) : e[c];
            }
    }
    return m;
}

/* Would a legend of `entries` lines in the top-right corner cover data? The legend box
 * takes about the right 45 % of the plot's width and 5 % of its height per line (the
 * style's font and spacing); any mark (figure_marks: points, error-bar ends, line
 * points, reference lines) in that box sends the legend outside. The axis ranges are
 * the marks' own (gnuplot widens them to tics, which only moves points towards the
 * middle, so the test errs towards moving the legend out). */
static int key_covers_data(const pl_figure *f, int entries)
{
    int cap = 2 * PL_MAX_REFS * 2;
    for (int k = 0; k < f->nseries; k++) cap += 7 * f->s[k].n;
    double *xy = malloc(sizeof(double) * 2 * (size_t)(cap > 0 ? cap : 1));
    if (!xy) return 1; /* out of memory: the safe choice */
    int m = figure_marks(f, xy, cap), covers = 0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int i = 0; i < m; i++) {
        xlo = fmin(xlo, xy[2 * i]);
        xhi = fmax(xhi, xy[2 * i]);
        ylo = fmin(ylo, xy[2 * i + 1]);
        yhi = fmax(yhi, xy[2 * i + 1]);
    }
    for (int i = 0; i < m && !covers; i++) {
        double fx = xhi > xlo ? (xy[2 * i] - xlo) / (xhi - xlo) : 0.5;
        double fy = yhi > ylo ? (xy[2 * i + 1] - ylo) / (yhi - ylo) : 0.5;
        covers = fx >= 0.55 && fy >= 1.0 - 0.05 * (entries + 1);
    }
    free(xy);
    return covers;
}

static int write_gp(const pl_figure *f)
{
    op_buf b;
    op_buf_init(&b);
    op_buf_printf(&b, "# overparam figure %s. Re-render in this directory with: gnuplot %s.gp\n"
                      "# (writes %s.png and %s.pdf from %s.dat)\n\n",
                  f->name, f->name, f->name, f->name, f->name);
    op_buf_puts(&b, pl_style_gp);
    op_buf_puts(&b, "\n# figure\n");
    op_buf_puts(&b, "set title ");
    gp_str(&b, f->title);
    op_buf_puts(&b, " noenhanced\nset xlabel ");
    gp_str(&b, f->xlabel);
    op_buf_puts(&b, " noenhanced\nset ylabel ");
    gp_str(&b, f->ylabel);
    op_buf_puts(&b, " noenhanced\n");
    if (f->logx) op_buf_puts(&b, "set logscale x\nset format x \"%g\"\nset autoscale xfix\nset offsets graph 0.03, graph 0.03, 0, 0\n");
    if (f->logx) log_x_tics(&b, f);
    if (f->logy) op_buf_puts(&b, "set logscale y\nset format y \"%g\"\n");
    if (f->logy) log_y_tics(&b, f);
    if (!f->logx) lin_x_tics(&b, f);
    if (isfinite(f->vline)) {
        op_buf_printf(&b, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead ls 9 back\n", f->vline,
                      f->vline);
        if (f->vline_label) {
            op_buf_puts(&b, "set label ");
            gp_str(&b, f->vline_label);
            op_buf_printf(&b, " at %.10g, graph 0.10 offset 0.5,0 left noenhanced font \",9\" tc rgb \"#555555\"\n",
                          f->vline);
        }
    }
    if (f->note) { /* between the title and the plot: never on a curve */
        op_buf_puts(&b, "set tmargin 4\nset title offset 0,0.6\nset label ");
        gp_str(&b, f->note);
        op_buf_puts(&b, " at graph 0, graph 1 offset 0,1.1 left noenhanced font \",9\" tc rgb \"#333333\"\n");
    }
    int entries = 0;
    for (int k = 0; k < f->nseries; k++)
        entries += 1 + (any_finite(f->s[k].fit, f->s[k].n) && !title_seen(f, k, 0)) +
                   (any_finite(f->s[k].pred, f->s[k].n) && !title_seen(f, k, 1)) + has_band(&f->s[k]);
    for (int j = 0; j < f->nrefs; j++)
        entries += isfinite(ref_end(f, f->refs[j].lo)) || isfinite(ref_end(f, f->refs[j].hi));
    /* a long legend, or one that would cover data, goes beside the plot */
    int wide = entries > 6 || key_covers_data(f, entries);
    if (wide) op_buf_puts(&b, "set key outside right top\n");
    op_buf_printf(&b, "dat = \"%s.dat\"\n", f->name);
    op_buf_puts(&b, "plot_it = \"plot ");
    /* The plot command is kept in a macro so the png and pdf use one definition. */
    op_buf b2;
    op_buf_init(&b2);
    int first = 1;
    /* references first, so bands lie behind the data: a band is shaded with its edges
     * drawn; a one-sided limit or a level is a grey dash-dot line (styles 20, 21, ...) */
    for (int j = 0, line = 0; j < f->nrefs; j++) {
        const pl_ref *r = &f->refs[j];
        double lo = ref_end(f, r->lo), hi = ref_end(f, r->hi);
        int idx = f->nseries + j;
        if (!isfinite(lo) && !isfinite(hi)) continue;
        if (!first) op_buf_puts(&b2, ", ");
        first = 0;
        if (isfinite(lo) && isfinite(hi) && lo < hi) {
            op_buf_printf(&b2, "dat index %d using 1:2:3 with filledcurves ls 19 fs transparent solid 0.18 noborder "
                               "title ", idx);
            gp_str(&b2, r->label ? r->label : "graded band");
            op_buf_printf(&b2, ", dat index %d using 1:2 with lines ls 19 notitle, dat index %d using 1:3 with lines "
                               "ls 19 notitle", idx, idx);
        } else {
            op_buf_printf(&b2, "dat index %d using 1:%d with lines ls %d title ", idx, isfinite(lo) ? 2 : 3,
                          20 + line++ % 3);
            gp_str(&b2, r->label ? r->label : "graded limit");
        }
    }
    /* 12 distinct curve styles (compare overlays up to 12 curves); 9 is the marker line */
    static const int styles[12] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13};
    for (int k = 0; k < f->nseries; k++) { /* per-curve bands, behind every curve */
        if (!has_band(&f->s[k])) continue;
        if (!first) op_buf_puts(&b2, ", ");
        first = 0;
        op_buf_printf(&b2, "dat index %d using 1:7:8 with filledcurves ls %d fs transparent solid 0.15 noborder title ",
                      k, styles[k % 12]);
        gp_str(&b2, f->s[k].band_title);
    }
    for (int k = 0; k < f->nseries; k++) {
        const pl_series *s = &f->s[k];
        int ls = styles[k % 12];
        if (!first) op_buf_puts(&b2, ", ");
        first = 0;
        op_buf_printf(&b2, "dat index %d using 1:2:3:4 with %s ls %d title ", k,
                      s->connect ? "yerrorlines" : "yerrorbars", ls);
        gp_str(&b2, s->title ? s->title : "measured");
        if (any_finite(s->fit, s->n)) {
            /* the fit: dashed, thinner and lighter than the data (its colour at 45 %
             * opacity, gnuplot's #AARRGGBB with AA = 0x8c transparency) */
            char rgb[7];
            if (style_rgb(ls, rgb))
                op_buf_printf(&b2, ", dat index %d using 1:5 with lines ls %d lc rgb \"#8c%s\" lw 1 dt 2 ", k, ls, rgb);
            else
                op_buf_printf(&b2, ", dat index %d using 1:5 with lines ls %d lw 1 dt 2 ", k, ls);
            line_legend(&b2, f, k, 0);
        }
        if (any_finite(s->pred, s->n)) {
            op_buf_printf(&b2, ", dat index %d using 1:6 with lines ls %d lw 1.5 dt 3 ", k, ls);
            line_legend(&b2, f, k, 1);
        }
    }
    /* Escape the plot command for a gnuplot string literal in double quotes. */
    for (const char *p = b2.s ? b2.s : ""; *p; p++) {
        if (*p == '"' || *p == '\\') op_buf_puts(&b, "\\");
        op_buf_printf(&b, "%c", *p);
    }
    op_buf_free(&b2);
    op_buf_puts(&b, "\"\n\n");
    op_buf_printf(&b, "set terminal pngcairo size %d,640 font \"DejaVu Sans,10\" noenhanced\n"
                      "set output \"%s.png\"\n@plot_it\n"
                      "set terminal pdfcairo size %s,4in font \"DejaVu Sans,9\" noenhanced\n"
                      "set output \"%s.pdf\"\n@plot_it\nunset output\n",
                  wide ? 1280 : 960, f->name, wide ? "8in" : "6in", f->name);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.gp", f->dir, f->name);
    int st = b.oom ? OP_ENOMEM : op_write_atomic(path, b.s, b.len);
    op_buf_free(&b);
    return st;
}

int pl_write(const pl_figure *f)
{
    if (f->nseries < 1 || f->nseries > PL_MAX_SERIES)
        OP_ERROR(OP_EINTERNAL, "figure %s has %d curves (allowed 1..%d)", f->name, f->nseries,
                 PL_MAX_SERIES);
    OP_TRY(write_dat(f));
    return write_gp(f);
}

const char *pl_gnuplot_path(void)
{
    static _Thread_local char found[4096];
    const char *path = getenv("PATH");
    if (!path) return NULL;
    const char *p = path;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0 && len < sizeof found - 10) {
            snprintf(found, sizeof found, "%.*s/gnuplot", (int)len, p);
            if (access(found, X_OK) == 0) return found;
        }
        if (!e) break;
        p = e + 1;
    }
    return NULL;
}

int pl_render(const char *dir, const char *name, double timeout)
{
    const char *gp = pl_gnuplot_path();
    if (!gp) OP_ERROR(OP_EIO, "gnuplot not found");
    char png[4096], pdf[4096], script[512];
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", dir, name);
    snprintf(script, sizeof script, "%s.gp", name);
    unlink(png); /* so a failed render cannot leave a stale figure looking fresh */
    unlink(pdf);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)gp, script, NULL};
    pid_t pid;
    int s = posix_spawn(&pid, gp, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (s != 0) OP_ERROR(OP_EIO, "cannot start gnuplot: %s", strerror(s));
    double t0 = op_now();
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0) OP_ERROR(OP_EIO, "waiting for gnuplot failed");
        if (op_now() - t0 > timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            OP_ERROR(OP_EIO, "gnuplot took longer than %.0f s on %s/%s.gp; killed", timeout, dir, name);
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !op_file_exists(png) || !op_file_exists(pdf))
        OP_ERROR(OP_EIO, "gnuplot failed on %s/%s.gp (run 'gnuplot %s.gp' there to see why)", dir, name,
                 name);
    return OP_OK;
}
