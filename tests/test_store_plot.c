/* plot: the inlined house style equals plots/style.gp; the .dat holds measured
 * and predicted columns side by side; the .gp re-renders by itself. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/op_error.h"
#include "plot/plot.h"
#include "test_util.h"

int main(void)
{
    char *style;
    size_t len;
    CHECK(op_read_file(OP_SOURCE_DIR "/plots/style.gp", &style, &len) == 0, "read plots/style.gp");
    CHECK(strcmp(style, pl_style_gp) == 0, "src/plot/style.c is plots/style.gp verbatim (regenerate it)");
    free(style);

    char dir[] = "/tmp/test_plot_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    double x[] = {100, 200, 400, 800}, y[] = {1, 0.7, 0.52, 0.36}, lo[] = {0.9, 0.6, 0.45, 0.3},
           hi[] = {1.1, 0.8, 0.6, 0.4}, fit[] = {1, 0.71, 0.5, 0.355}, pred[] = {1.02, 0.72, NAN, 0.36};
    pl_figure f = {.dir = dir, .name = "rate", .title = "a \"quoted\" title", .xlabel = "n", .ylabel = "MSE",
                   .logx = 1, .logy = 1, .vline = NAN, .note = "measured -0.49 ± 0.02, predicted -0.50", .nseries = 1};
    f.s[0] = (pl_series){"measured", "fit", "predicted", 4, x, y, lo, hi, fit, pred, 0, NULL, NULL, NULL};
    CHECK(pl_write(&f) == 0, "write .dat/.gp: %s", op_error_message());
    char p[4200], *t;
    snprintf(p, sizeof p, "%s/rate.dat", dir);
    CHECK(op_read_file(p, &t, &len) == 0, "read .dat");
    CHECK(strstr(t, "# x y_measured y_lo y_hi y_fit y_predicted\n") && strstr(t, "\n400 0.52 0.45 0.6 0.5 NaN\n"),
          "columns side by side, NaN where undefined");
    free(t);
    snprintf(p, sizeof p, "%s/rate.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "set logscale x") && strstr(t, "a \\\"quoted\\\" title") && strstr(t, "pdfcairo") &&
              strstr(t, "set style line 1"),
          ".gp: log axes, escaped title, both terminals, style inlined");
    CHECK(strstr(t, "set xtics (100, 200, 400, 800)\n") != NULL,
          ".gp: a log x range holding one power of ten is labelled at the data's x values");
    CHECK(strstr(t, "using 1:5 with lines ls 1 lc rgb \\\"#8c1f77b4\\\" lw 1 dt 2") != NULL,
          ".gp: the fitted line is dashed, thin and a lighter tint of the curve's colour (ls 1 = #1f77b4)");
    free(t);
    double x3[] = {10, 100, 1000, 3000};
    pl_figure f3 = f;
    f3.name = "decades";
    f3.s[0].x = x3;
    CHECK(pl_write(&f3) == 0, "write decades: %s", op_error_message());
    snprintf(p, sizeof p, "%s/decades.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "set logscale x") && !strstr(t, "set xtics ("), ".gp: 3 powers of ten keep gnuplot's own tics");
    free(t);
    /* M = 1..16 holds two powers of ten: gnuplot would label only 1 and 10 */
    double x4[] = {1, 2, 4, 16};
    pl_figure f4 = f;
    f4.name = "blocks";
    f4.s[0].x = x4;
    CHECK(pl_write(&f4) == 0, "write blocks: %s", op_error_message());
    snprintf(p, sizeof p, "%s/blocks.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "set xtics (1, 2, 4, 16)\n") != NULL, ".gp: 1..16 is labelled at the data's x values");
    free(t);
    /* more than 8 values on a short log range: 1-2-5 tics */
    double x9[9] = {20, 25, 30, 40, 50, 60, 80, 100, 150}, y9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    pl_figure f9 = f;
    f9.name = "many";
    f9.s[0] = (pl_series){"measured", NULL, NULL, 9, x9, y9, NULL, NULL, NULL, NULL, 1, NULL, NULL, NULL};
    CHECK(pl_write(&f9) == 0, "write many: %s", op_error_message());
    snprintf(p, sizeof p, "%s/many.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "set xtics (20, 50, 100)\n") != NULL, ".gp: 9 x values on 20..150 get 1-2-5 tics");
    free(t);
    /* a linear axis at a few integers is labelled there, not at 2.5 */
    double xk[] = {2, 4, 2, 4};
    pl_figure fk = f;
    fk.name = "ints";
    fk.logx = 0;
    fk.s[0].x = xk;
    fk.s[0].n = 2;
    CHECK(pl_write(&fk) == 0, "write ints: %s", op_error_message());
    snprintf(p, sizeof p, "%s/ints.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "set xtics (2, 4)\n") != NULL, ".gp: integer x values 2, 4 are the tics");
    free(t);
    /* graded limits: a band and a one-sided line, each a .dat block and a legend entry;
     * the note sits above the plot (graph y 1 plus an offset), not on the data */
    pl_figure fr = f;
    fr.name = "refs";
    fr.nrefs = 3;
    fr.refs[0] = (pl_ref){0.8, 1.5, "graded band [0.8, 1.5]"};
    fr.refs[1] = (pl_ref){-INFINITY, 0.45, "graded: <= 0.45"};
    fr.refs[2] = (pl_ref){-INFINITY, INFINITY, "nothing to draw"};
    CHECK(pl_write(&fr) == 0, "write refs: %s", op_error_message());
    snprintf(p, sizeof p, "%s/refs.dat", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "# block 1: reference graded band [0.8, 1.5]\n# x lo hi\n100 0.8 1.5\n800 0.8 1.5\n") &&
              strstr(t, "# block 2: reference graded: <= 0.45\n# x lo hi\n100 NaN 0.45\n800 NaN 0.45\n"),
          ".dat: one block per reference across the data's x range");
    free(t);
    snprintf(p, sizeof p, "%s/refs.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "dat index 1 using 1:2:3 with filledcurves ls 19") &&
              strstr(t, "title \\\"graded band [0.8, 1.5]\\\"") &&
              strstr(t, "dat index 2 using 1:3 with lines ls 20 title \\\"graded: <= 0.45\\\"") &&
              !strstr(t, "nothing to draw"),
          ".gp: the band shaded, the upper limit a line, both in the legend; an unbounded one not drawn");
    CHECK(strstr(t, "at graph 0, graph 1 offset 0,1.1 left") != NULL, ".gp: the note is above the plot");
    free(t);
    /* a band that moves with x: two more columns, shaded behind the curve */
    double bl[] = {0.8, 0.6, 0.4, 0.3}, bh[] = {1.2, 0.9, 0.7, 0.5};
    pl_figure fb = f;
    fb.name = "xband";
    fb.s[0].blo = bl;
    fb.s[0].bhi = bh;
    fb.s[0].band_title = "graded: within tolerance";
    CHECK(pl_write(&fb) == 0, "write xband: %s", op_error_message());
    snprintf(p, sizeof p, "%s/xband.dat", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "y_predicted band_lo band_hi\n") && strstr(t, "\n400 0.52 0.45 0.6 0.5 NaN 0.4 0.7\n"),
          ".dat: band columns after predicted");
    free(t);
    snprintf(p, sizeof p, "%s/xband.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "plot_it = \"plot dat index 0 using 1:7:8 with filledcurves ls 1") != NULL,
          ".gp: the band is drawn first (behind the data) in the curve's colour");
    free(t);
    /* three curves sharing their fit and predicted titles: one legend entry per line
     * style (the first curve's), the others' lines drawn without a title; a curve
     * with a title of its own keeps it */
    pl_figure fd = f;
    fd.name = "dedupe";
    fd.nseries = 3;
    fd.s[1] = fd.s[0];
    fd.s[1].title = "second";
    fd.s[2] = fd.s[0];
    fd.s[2].title = "third";
    fd.s[2].fit_title = "own fit";
    CHECK(pl_write(&fd) == 0, "write dedupe: %s", op_error_message());
    snprintf(p, sizeof p, "%s/dedupe.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "dat index 0 using 1:5 with lines ls 1 lc rgb \\\"#8c1f77b4\\\" lw 1 dt 2 title \\\"fit\\\"") &&
              strstr(t, "dat index 1 using 1:5 with lines ls 2 lc rgb \\\"#8cd62728\\\" lw 1 dt 2 notitle") &&
              strstr(t, "dat index 2 using 1:5 with lines ls 3 lc rgb \\\"#8c2ca02c\\\" lw 1 dt 2 title \\\"own fit\\\"") &&
              strstr(t, "dat index 0 using 1:6 with lines ls 1 lw 1.5 dt 3 title \\\"predicted\\\"") &&
              strstr(t, "dat index 1 using 1:6 with lines ls 2 lw 1.5 dt 3 notitle") &&
              strstr(t, "dat index 2 using 1:6 with lines ls 3 lw 1.5 dt 3 notitle"),
          ".gp: a repeated fit or predicted title is one legend entry");
    free(t);
    if (pl_gnuplot_path()) {
        CHECK(pl_render(dir, "rate", 60) == 0, "render: %s", op_error_message());
        snprintf(p, sizeof p, "%s/rate.png", dir);
        FILE *png = fopen(p, "rb");
        unsigned char sig[8] = {0};
        if (png) {
            CHECK(fread(sig, 1, 8, png) == 8, "png readable");
            fclose(png);
        }
        CHECK(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0, "PNG signature");
        CHECK(pl_render(dir, "refs", 60) == 0, "render with references: %s", op_error_message());
        /* a broken script is reported, not silently ignored */
        snprintf(p, sizeof p, "%s/broken.gp", dir);
        op_write_atomic(p, "plot 'nonexistent.dat'\n", 23);
        CHECK(pl_render(dir, "broken", 30) == OP_EIO, "broken script -> OP_EIO");
        op_error_clear();
    } else {
        printf("gnuplot not found: render not tested\n");
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("test_store_plot");
}
