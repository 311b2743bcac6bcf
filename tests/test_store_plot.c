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
    f.s[0] = (pl_series){"measured", "fit", "predicted", 4, x, y, lo, hi, fit, pred, 0};
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
    free(t);
    double x3[] = {10, 100, 1000, 3000};
    pl_figure f3 = f;
    f3.name = "decades";
    f3.s[0].x = x3;
    CHECK(pl_write(&f3) == 0, "write decades: %s", op_error_message());
    snprintf(p, sizeof p, "%s/decades.gp", dir);
    op_read_file(p, &t, &len);
    CHECK(strstr(t, "set logscale x") && !strstr(t, "set xtics ("), ".gp: 2+ decades keep gnuplot's own tics");
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
