/* Figures as gnuplot data + script (DESIGN.md "Outputs"): per figure a .dat with
 * measured and predicted columns side by side (one block per curve, a header
 * comment naming the columns), a .gp that re-renders by itself (`gnuplot name.gp`
 * in its directory writes name.png and name.pdf; the house style is inlined), and
 * the rendered .png (pngcairo) and .pdf (pdfcairo). gnuplot runs as a child
 * process with a timeout; without gnuplot the data and scripts are still written. */
#ifndef PL_PLOT_H
#define PL_PLOT_H

#define PL_MAX_SERIES 12
#define PL_MAX_REFS 4

extern const char pl_style_gp[]; /* the text of plots/style.gp */

/* One curve. Columns written per point: x y y_lo y_hi fit predicted. y_lo/y_hi
 * are the error-bar ends (absolute values, not offsets); fit and pred may be NULL
 * or hold NaN where undefined; they are drawn as thin lines in the curve's colour
 * (fit dashed, predicted dotted), so the measured points stay the strongest mark. */
typedef struct {
    const char *title;      /* legend of the measured points */
    const char *fit_title;  /* legend of the fitted line (NULL: "fit") */
    const char *pred_title; /* legend of the predicted line (NULL: "predicted") */
    int n;
    const double *x, *y, *ylo, *yhi, *fit, *pred;
    int connect; /* join measured points with a line */
    /* optional: a graded band that moves with x (estimate within d +- tol(d)), shaded
     * in the curve's colour behind it; written as two more columns band_lo band_hi */
    const double *blo, *bhi;
    const char *band_title; /* legend of the band; NULL: no band */
} pl_series;

/* A graded limit on the figure's y quantity, drawn across the data's x range and
 * named in the legend: a shaded band when lo < hi are both finite, else a line at the
 * finite end (lo == hi: a level). -INFINITY/INFINITY mark a one-sided limit; on a log
 * y axis a bound <= 0 counts as -INFINITY. Written to the .dat as its own block. */
typedef struct {
    double lo, hi;
    const char *label; /* legend text, e.g. "graded: error <= 5 %" */
} pl_ref;

typedef struct {
    const char *dir;  /* output directory (exists) */
    const char *name; /* file stem */
    const char *title, *xlabel, *ylabel;
    int logx, logy;
    double vline;            /* x of a marked vertical line; NaN for none */
    const char *vline_label;
    const char *note;        /* one line under the title, off the data (e.g. "measured -0.48 +- 0.05,
                              * predicted -0.50"); NULL for none */
    int nseries;
    pl_series s[PL_MAX_SERIES];
    int nrefs;
    pl_ref refs[PL_MAX_REFS];
} pl_figure;

/* Writes dir/name.dat and dir/name.gp atomically. */
int pl_write(const pl_figure *f);

/* Full path of gnuplot on PATH, or NULL. */
const char *pl_gnuplot_path(void);
/* Runs `gnuplot name.gp` in dir with a timeout (seconds); checks that name.png
 * and name.pdf were written. OP_EIO with a message on failure. */
int pl_render(const char *dir, const char *name, double timeout);

#endif
