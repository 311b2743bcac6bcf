/* Figures as gnuplot data + script (DESIGN.md "Outputs"): per figure a .dat with
 * measured and predicted columns side by side (one block per curve, a header
 * comment naming the columns), a .gp that re-renders by itself (`gnuplot name.gp`
 * in its directory writes name.png and name.pdf; the house style is inlined), and
 * the rendered .png (pngcairo) and .pdf (pdfcairo). gnuplot runs as a child
 * process with a timeout; without gnuplot the data and scripts are still written. */
#ifndef PL_PLOT_H
#define PL_PLOT_H

#define PL_MAX_SERIES 12

extern const char pl_style_gp[]; /* the text of plots/style.gp */

/* One curve. Columns written per point: x y y_lo y_hi fit predicted. y_lo/y_hi
 * are the error-bar ends (absolute values, not offsets); fit and pred may be NULL
 * or hold NaN where undefined; they are drawn as lines in the curve's colour
 * (fit solid, predicted dashed). */
typedef struct {
    const char *title;      /* legend of the measured points */
    const char *fit_title;  /* legend of the fitted line (NULL: "fit") */
    const char *pred_title; /* legend of the predicted line (NULL: "predicted") */
    int n;
    const double *x, *y, *ylo, *yhi, *fit, *pred;
    int connect; /* join measured points with a line */
} pl_series;

typedef struct {
    const char *dir;  /* output directory (exists) */
    const char *name; /* file stem */
    const char *title, *xlabel, *ylabel;
    int logx, logy;
    double vline;            /* x of a marked vertical line; NaN for none */
    const char *vline_label;
    const char *note;        /* text in the lower left (e.g. "measured -0.48 +- 0.05, predicted -0.50") */
    int nseries;
    pl_series s[PL_MAX_SERIES];
} pl_figure;

/* Writes dir/name.dat and dir/name.gp atomically. */
int pl_write(const pl_figure *f);

/* Full path of gnuplot on PATH, or NULL. */
const char *pl_gnuplot_path(void);
/* Runs `gnuplot name.gp` in dir with a timeout (seconds); checks that name.png
 * and name.pdf were written. OP_EIO with a message on failure. */
int pl_render(const char *dir, const char *name, double timeout);

#endif
