/* Fail early (issue 21): every resource an invocation of verify, figures or compare will
 * need is checked before its first run, so a missing data set or gnuplot is one line
 * and exit 3 before hours of runs, not an error in the middle of a sweep. */
#include <stdio.h>
#include <string.h>

#include "core/op_error.h"
#include "data/dataset.h"
#include "plot/plot.h"
#include "verify.h"

/* A check runs on the real image set when a string axis of its preset takes the value
 * "fmnist" (the task name every check on real data uses; robust-size today). Controls
 * share the preset's grid. */
int th_needs_image_set(const th_check *c, int full)
{
    const sw_grid *g = full ? &c->full : &c->quick;
    for (int a = 0; a < SW_MAX_AXES && g->axes[a].name; a++)
        for (int k = 0; k < g->axes[a].n && k < SW_MAX_VALUES; k++)
            if (g->axes[a].labels[k] && strcmp(g->axes[a].labels[k], "fmnist") == 0) return 1;
    return 0;
}

int th_preflight(const th_check *const *checks, int nc, const th_opts *o, int need_gnuplot)
{
    for (int i = 0; i < nc; i++) {
        if (!th_needs_image_set(checks[i], o->full)) continue;
        /* The loader itself, on a small subset: a missing, truncated or corrupt file gives
         * the message a run would give (the default directory's names the Debian package). */
        dt_image_set tr, te;
        int s = dt_dataset_load(o->dataset_dir, 100, 100, 0, &tr, &te);
        if (s) {
            char msg[900];
            snprintf(msg, sizeof msg, "%s", op_error_message());
            op_error_clear();
            OP_ERROR(OP_EIO, "%s needs the image set: %s (nothing was run)", checks[i]->id, msg);
        }
        dt_image_set_free(&tr);
        dt_image_set_free(&te);
        break; /* one data set for every check */
    }
    if (need_gnuplot && !pl_gnuplot_path())
        OP_ERROR(OP_EIO, "gnuplot not found on PATH: figures renders PNG and PDF with it (Debian: gnuplot-nox; "
                         "verify writes the .dat and .gp without it) (nothing was run)");
    return OP_OK;
}
